/*
 * store.h - the database behind one narrow interface: opening it, batches
 * and snapshots, and the rows of the four entities.
 *
 * The interface is split by concern: this file (the database, batches,
 * rows, export jobs), store_history.h (the batches and changes recorded,
 * the change feed, reverting) and store_lists.h (mailing-list queries and
 * recorded list builds). Callers see rows of canonical strings (row.h) and
 * never a query language; the contract is behaviour, so that a second
 * backend (PostgreSQL, docs/architecture.md) can implement it:
 *
 *  - A batch is atomic and exclusive: from store_begin_batch to
 *    store_end_batch, no other run writes (a second writer waits up to the
 *    busy timeout, then gets STORE_BUSY), and either every change of the
 *    batch stays, with the batch's record, or none does.
 *  - Every change to an entity row made inside a batch is journaled under
 *    it (store_history.h gives the changes back in the order made).
 *  - A snapshot (store_read_begin to store_read_end) is consistent: every
 *    call inside it sees the database as it was when it began, while
 *    writers go on.
 *
 * The SQLite backend is store.c with journal.c. Never prints; failures are
 * returned with a message in store_errmsg().
 */
#ifndef ACCTBATCH_STORE_H
#define ACCTBATCH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "entity.h"
#include "error.h"
#include "row.h"

#define STORE_SCHEMA_VERSION 8

/* Results of store calls. */
enum store_status {
	STORE_OK = 0,
	STORE_ERROR = -1,    /* I/O or database error: exit 74 */
	STORE_BUSY = -2,     /* locked by another run past the timeout: exit 75 */
	STORE_CANTOPEN = -3, /* the file cannot be created or opened: exit 74 */
};

struct store;

/*
 * store_open: open (creating if needed) the database at PATH, with
 * writers waiting up to BUSY_MS for each other, and migrate it to
 * STORE_SCHEMA_VERSION. Returns STORE_OK with *OUT set, or an error with
 * *OUT set to a store that only answers store_errmsg (close it).
 */
enum store_status store_open(const char *path, int busy_ms, struct store **out);

/*
 * store_create: create the database that is to be called PATH, as
 * store_open does, but under a temporary name beside it: nothing appears at
 * PATH until store_publish. A database store_close closes unpublished is
 * removed with every file of it.
 */
enum store_status store_create(const char *path, int busy_ms, struct store **out);

/*
 * store_open_or_create: store_open when something is at PATH (a dangling
 * symbolic link too, which store_open then reports), else store_create: a
 * run that writes a new database makes it appear only once it commits.
 */
enum store_status store_open_or_create(const char *path, int busy_ms, struct store **out);

/*
 * store_publish: end S's connection and give the database store_create
 * made its name, never replacing one: STORE_BUSY when another run created
 * PATH meanwhile (nothing is replaced). For a database store_open opened,
 * nothing. Close S afterwards.
 */
enum store_status store_publish(struct store *s);

/* store_close: end the connection and free S (rolling back a batch under way); accepts NULL. */
void store_close(struct store *s);

/* store_errmsg: the last error, for the message printed at the top. */
const char *store_errmsg(const struct store *s);

/*
 * store_error: set in ERR the error a failure ST of S is (ERROR_BUSY when
 * another run held the database past the timeout, else ERROR_IO) with S's
 * message and SUFFIX after it. Returns -1.
 */
int store_error(const struct store *s, enum store_status st, const char *suffix, struct error *err);

/* store_schema_version: the schema version of the open database. */
int store_schema_version(struct store *s);

/*
 * store_begin_batch: begin a batch of KIND ("import", "revert", "lists")
 * with COMMAND and the time NOW, waiting up to the busy timeout for
 * another run's batch to end; *BATCH is its id, larger than every earlier
 * batch's. Every entity change until store_end_batch is journaled under it.
 */
enum store_status store_begin_batch(struct store *s, const char *kind, const char *command,
				    const char *now, int64_t *batch);

/*
 * store_end_batch: write the batch's INPUTS and COUNTS (JSON texts), end
 * time and outcome, and commit when COMMIT, else roll everything back
 * (nothing of the batch remains).
 */
enum store_status store_end_batch(struct store *s, int64_t batch, const char *inputs,
				  const char *counts, const char *now, bool commit);

/* store_rollback: undo the batch under way, if any: nothing of it remains. */
void store_rollback(struct store *s);

/*
 * store_find: load the stored row of entity E whose key fields equal those
 * in KEY into OUT (row_release first). Returns 1 found, 0 not found, or a
 * negative enum store_status.
 */
int store_find(struct store *s, const struct entity *e, const struct row *key, struct row *out);

/* store_insert / store_update / store_delete: write one row. */
enum store_status store_insert(struct store *s, const struct entity *e, const struct row *r);
enum store_status store_update(struct store *s, const struct entity *e, const struct row *r);
enum store_status store_delete(struct store *s, const struct entity *e, const struct row *key);

/* store_is_empty: 1 if entity E's table has no row, 0 if it has, negative on error. */
int store_is_empty(struct store *s, const struct entity *e);

/*
 * The referenced entity (E_REFERENCED: accounts) and the rows of the others
 * that name one of its rows through their account field.
 * store_account_exists: 1 if account ID exists, 0 if not, negative on error.
 */
int store_account_exists(struct store *s, const char *id);

/*
 * store_account_usage: how many rows of each entity name account ID
 * (ROWS[entity id]; 0 for the referenced entity itself). Returns STORE_OK
 * or an error.
 */
enum store_status store_account_usage(struct store *s, const char *id, long rows[ENTITY_COUNT]);

/* store_delete_children: delete every row that names account ID, but of the
 * entities whose rows are kept (E_KEPT); journaled. */
enum store_status store_delete_children(struct store *s, const char *id);

/*
 * store_each_key: call FN(CTX, KEY) for each row of entity E (logins or
 * contacts) of account ID, KEY holding the key fields. FN returns 0 to go on.
 */
enum store_status store_each_key(struct store *s, const struct entity *e, const char *id,
				 int (*fn)(void *ctx, const struct row *key), void *ctx);

/* Which rows store_each_row visits: NULL members select everything. */
struct store_filter {
	const char *account;	   /* only rows of this account_id */
	const char *changed_since; /* only rows with updated_at later than this time */
	bool after_batch_set;	   /* use after_batch */
	int64_t after_batch;	   /* only rows inserted or updated by a batch after this one */
};

/*
 * store_each_row: call FN(CTX, ROW) for every row of entity E that FILTER
 * selects, in key order (accounts by account_id, logins by lower-case
 * email, contacts by account_id then lower-case email, invoices by
 * invoice_number). FN returns 0 to go on; any other value stops with
 * STORE_ERROR and leaves the message to FN's caller. Streams: one row at a
 * time. Inside store_read_begin/store_read_end every call sees one snapshot.
 */
enum store_status store_each_row(struct store *s, const struct entity *e,
				 const struct store_filter *filter,
				 int (*fn)(void *ctx, const struct row *row), void *ctx);

/*
 * store_last_batch: the newest batch that changed data (an import or a
 * revert that inserted, updated or deleted a row; never a list build) in
 * the current snapshot, 0 if none, and when ENDED_AT is not NULL its end
 * time ("" if none). A batch changed data when it logged a journal chunk
 * or its counts (store_end_batch) show a row inserted, updated or deleted.
 */
enum store_status store_last_batch(struct store *s, int64_t *batch, char ended_at[32]);

/*
 * store_job_watermark: the last batch that export job NAME included for
 * ENTITY (the rows, or the feed when CHANGES), 0 when the job never ran.
 * store_set_job_watermark moves it to BATCH at time NOW, in a transaction
 * of its own.
 */
enum store_status store_job_watermark(struct store *s, const char *name, const char *entity,
				      bool changes, int64_t *batch);
enum store_status store_set_job_watermark(struct store *s, const char *name, const char *entity,
					  bool changes, int64_t batch, const char *now);

/* store_read_begin / store_read_end: one read transaction (a snapshot; writers go on). */
enum store_status store_read_begin(struct store *s);
void store_read_end(struct store *s);

/*
 * store_batch_counts: per entity and operation, the journal entries of
 * BATCH: counts[entity][0..2] = inserted, updated, deleted.
 */
enum store_status store_batch_counts(struct store *s, int64_t batch, long counts[][3]);

/* store_forget_batch: delete batch BATCH and what records it (its list build), in a transaction. */
enum store_status store_forget_batch(struct store *s, int64_t batch);

#endif
