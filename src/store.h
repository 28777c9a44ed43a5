/*
 * store.h - the database: SQLite behind one narrow interface.
 *
 * Owns: every SQL statement, the schema and its migrations, the journal
 * (journal.c), transactions and batches. Callers see rows of canonical strings
 * (struct row) and never SQL text, so another backend (PostgreSQL via libpq)
 * can implement this interface later. Never prints; failures are returned
 * with a message in store_errmsg().
 */
#ifndef ACCTBATCH_STORE_H
#define ACCTBATCH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "entity.h"

#define STORE_SCHEMA_VERSION 6

/* Results of store calls. */
enum store_status {
	STORE_OK = 0,
	STORE_ERROR = -1,    /* I/O or database error: exit 74 */
	STORE_BUSY = -2,     /* locked by another run past the timeout: exit 75 */
	STORE_CANTOPEN = -3, /* the file cannot be created or opened: exit 74 */
};

/*
 * A row in canonical form: one NUL-terminated string per field of the
 * entity (NULL = not set / SQL NULL). Booleans are "1"/"0", amounts are
 * integer minor units, emails as given. Strings are owned by the row.
 */
struct row {
	char *v[FIELD_MAX];    /* the values: NULL, or buf[i] */
	char *buf[FIELD_MAX];  /* owned buffers, kept across row_clear for reuse */
	size_t cap[FIELD_MAX]; /* bytes allocated in buf[i] */
};

struct store;

/*
 * store_open: open (creating if needed) the database at PATH, set WAL,
 * foreign keys and the busy timeout (BUSY_MS), and migrate it to
 * STORE_SCHEMA_VERSION. Returns STORE_OK with *OUT set, or an error with
 * *OUT set to a store that only answers store_errmsg (close it).
 */
enum store_status store_open(const char *path, int busy_ms, struct store **out);

/* store_close: finalise statements and close; accepts NULL. */
void store_close(struct store *s);

/* store_errmsg: the last error, for the message printed at the top. */
const char *store_errmsg(const struct store *s);

/* store_schema_version: PRAGMA user_version after open. */
int store_schema_version(struct store *s);

/*
 * store_begin_batch: start the write transaction (BEGIN IMMEDIATE, waiting
 * up to the busy timeout) and a batch row of KIND ("import", "revert") with
 * COMMAND and the time NOW; *BATCH is its id. Every entity change until
 * store_end_batch is journaled under it.
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

/* store_rollback: roll back an open transaction, if any. */
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

/* store_account_exists: 1 if account ID exists, 0 if not, negative on error. */
int store_account_exists(struct store *s, const char *id);

/*
 * store_account_usage: how many logins, contacts and invoices account ID has.
 * Returns STORE_OK or an error.
 */
enum store_status store_account_usage(struct store *s, const char *id, long *logins, long *contacts,
				      long *invoices);

/* store_delete_children: delete every login and contact of account ID (journaled). */
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

/* One change of the feed (store_each_feed). */
struct feed_change {
	const char *op;	       /* "insert", "update" or "delete" */
	int64_t batch;	       /* the batch that made it */
	const char *time;      /* when that batch ended (UTC) */
	const struct row *row; /* the row after the change; for a delete, the row before */
};

/*
 * store_each_feed: call FN(CTX, C) for each change to entity E in the
 * journal, oldest batch first and in the order each batch made them, that
 * FILTER selects: account (of the row), after_batch (later batches only),
 * changed_since (batches that ended later than this time).
 */
enum store_status store_each_feed(struct store *s, const struct entity *e,
				  const struct store_filter *filter,
				  int (*fn)(void *ctx, const struct feed_change *c), void *ctx);

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

/* One row of the batches table, as store_each_batch hands it over. */
struct batch_info {
	int64_t id;		/* the batch id */
	const char *kind;	/* "import", "revert", ... */
	const char *started_at; /* UTC time */
	const char *ended_at;	/* UTC time, NULL while running */
	const char *command;	/* the command line */
	const char *inputs;	/* JSON array: file, entity, sha256 */
	const char
		*counts; /* JSON object: per entity inserted/updated/unchanged/deleted/rejected */
	const char *outcome; /* "committed", ... */
	int64_t reverts;     /* the batch this one reverts, 0 if none */
	const char *build;   /* a list build: JSON object of its list_builds row, else NULL */
};

/*
 * store_each_batch: call FN(CTX, B) for the batches, newest first: only
 * batch ONLY when ONLY > 0, else at most LIMIT of them (LIMIT <= 0: all).
 * Returns STORE_OK (also when none matched) or an error.
 */
enum store_status store_each_batch(struct store *s, int64_t only, long limit,
				   int (*fn)(void *ctx, const struct batch_info *b), void *ctx);

/* One change of the journal, as store_each_change hands it over. */
struct change_info {
	int64_t id;	    /* the journal id, 0 for an insert derived from its row */
	const char *entity; /* "accounts", ... */
	const char *key;    /* the key as the journal view gives it */
	const char *op;	    /* "insert", "update" or "delete" */
	const char *before; /* JSON object, NULL for an insert */
	const char *after;  /* JSON object, NULL for a delete */
};

/*
 * store_each_change: call FN(CTX, C) for each change of BATCH in the order
 * it was made (its inserts first, in the order made, then the logged
 * changes by id; see the journal in docs/import.md). Through indexes:
 * the time is in proportion to the batch.
 */
enum store_status store_each_change(struct store *s, int64_t batch,
				    int (*fn)(void *ctx, const struct change_info *c), void *ctx);

/*
 * Reverting a batch (revert.c). store_revert_plan copies BATCH's changes,
 * newest first (the order that undoes them), into a temporary table, so
 * that applying them does not read the tables it changes; *CHANGES is how
 * many there are. store_each_conflict calls FN for each change a later
 * batch made to a row BATCH changed. store_each_planned calls FN for each
 * planned change that was logged (an update, a delete), in plan order;
 * the inserts BATCH made are undone per entity by store_undo_inserts
 * (deleting the rows that are still there in one statement: *DELETED of
 * *PLANNED), which store_each_planned_insert lists first (FN gets each
 * row that it would delete). store_batch_reverts records that BATCH
 * reverts REVERTED.
 */
enum store_status store_revert_plan(struct store *s, int64_t batch, long *changes);
enum store_status store_each_conflict(struct store *s, int64_t batch,
				      int (*fn)(void *ctx, const char *entity, const char *key,
						int64_t later),
				      void *ctx);
enum store_status store_each_planned(struct store *s,
				     int (*fn)(void *ctx, const struct change_info *c), void *ctx);
enum store_status store_each_planned_insert(struct store *s, const struct entity *e,
					    int (*fn)(void *ctx, const char *entity,
						      const char *key, int64_t batch),
					    void *ctx);
enum store_status store_undo_inserts(struct store *s, const struct entity *e, long *deleted,
				     long *planned);
enum store_status store_batch_reverts(struct store *s, int64_t batch, int64_t reverted);

/*
 * store_each_dependent: call FN(CTX, ENTITY, KEY, BATCH) for each login,
 * contact or invoice (in the transaction under way) whose account is one
 * the revert plan removes (a planned insert of an account), BATCH being
 * the batch that inserted the row (0 if unknown): what the revert would
 * leave behind. Through the account indexes; by account, then entity and key.
 */
enum store_status store_each_dependent(struct store *s,
				       int (*fn)(void *ctx, const char *entity, const char *key,
						 int64_t batch),
				       void *ctx);

/*
 * store_batch_counts: per entity and operation, the journal entries of
 * BATCH: counts[entity][0..2] = inserted, updated, deleted.
 */
enum store_status store_batch_counts(struct store *s, int64_t batch, long counts[][3]);

/*
 * Mailing lists (DESIGN section 7, lists.c). A list query selects, per
 * invoice or per account, the people a kind of mail goes to.
 */
enum list_kind {
	LIST_INVOICE_CREATED,	/* per invoice: the account's logins with invoice_created_alerts */
	LIST_STANDARD_INVOICES, /* per standard invoice: contacts with standard_invoices */
	LIST_SUMMARY_INVOICES,	/* per summary invoice: contacts with summary_invoices */
	LIST_IMPORTANT_NOTICES, /* per account: contacts with important_notices, and the holder */
	LIST_SUBSCRIPTION,	/* per account subscribed to a list: the holder */
	LIST_KIND_COUNT
};

/* The roles an email has at the account (list_row.roles). */
#define LIST_ROLE_CONTACT 1u /* one of its primary contacts */
#define LIST_ROLE_HOLDER 2u  /* the account holder's email */
#define LIST_ROLE_LOGIN 4u   /* one of its authorized logins */

struct list_query {
	enum list_kind kind;
	const char *subscription; /* LIST_SUBSCRIPTION: the list's token */
	const char *from, *to;	  /* invoices issued on these dates or between (NULL: open) */
	const char *account;	  /* only this account (NULL: all) */
	const char *status;	  /* invoices: "open" or "paid"; NULL: both (void never) */
};

/* One row of a list, before rows of the same (invoice or account, email) are merged. */
struct list_row {
	const char *invoice_number, *kind, *issued_on, *due_on, *currency; /* NULL per account */
	int64_t total;							   /* minor units */
	const char *account_id, *account_name;
	const char *email;	/* as stored */
	const char *email_norm; /* lower-case: the same recipient has the same one */
	const char *name;	/* the person's name, "" if none is known */
	unsigned roles;		/* LIST_ROLE_* the email has at the account */
};

/*
 * store_each_list_row: call FN(CTX, ROW) for each recipient of Q, ordered
 * by invoice number (or account id), then email_norm, then email; closed
 * accounts and void invoices never appear. A recipient who qualifies in
 * two ways (a contact who is also the holder) comes twice in a row, with
 * the same roles: the caller keeps the first. FN returns 0 to go on.
 * store_list_recipients: how many distinct email_norm values Q selects.
 */
enum store_status store_each_list_row(struct store *s, const struct list_query *q,
				      int (*fn)(void *ctx, const struct list_row *row), void *ctx);
enum store_status store_list_recipients(struct store *s, const struct list_query *q,
					long *distinct);

/* A recorded list build (store_record_list_build, store_find_list_build). */
struct list_build {
	int64_t batch;	      /* the batch that records it */
	const char *archive;  /* as named with -o */
	const char *sha256;   /* of the archive's bytes */
	const char *as_of;    /* the time written in the archive */
	int64_t data_batch;   /* the newest data batch it read */
	const char *kinds;    /* JSON array of the kinds */
	const char *params;   /* JSON object of the parameters */
	const char *counts;   /* JSON object: kind -> {"rows", "recipients"} */
	const char *built_at; /* when the batch ended */
};

/*
 * store_record_list_build: record B (B->batch being the batch under way,
 * store_begin_batch "lists"). store_find_list_build: call FN for each build
 * whose archive has SHA256, oldest first.
 */
enum store_status store_record_list_build(struct store *s, const struct list_build *b);
enum store_status store_find_list_build(struct store *s, const char *sha256,
					int (*fn)(void *ctx, const struct list_build *b),
					void *ctx);

/* store_forget_batch: delete batch BATCH and what records it (its list build), in a transaction. */
enum store_status store_forget_batch(struct store *s, int64_t batch);

/* row_release: free the buffers; the row is empty afterwards. Safe twice. */
void row_release(struct row *r);

/* row_clear: unset every value but keep the buffers for the next record. */
void row_clear(struct row *r);

/* row_set: set field I of R to a copy of S (LEN bytes); -1 when out of memory. */
int row_set(struct row *r, int i, const char *s, size_t len);

/* row_unset: make field I of R NULL. */
void row_unset(struct row *r, int i);

/* field_stored: whether field F has a database column. */
bool field_stored(const struct field *f);

#endif
