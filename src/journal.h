/*
 * journal.h - the change journal, part of the store (used by store.c only).
 *
 * Invariant: every change to a row of the four entity tables made through
 * this connection is one entry of the journal, recorded by one function
 * (record, in journal.c) in the order made, with its batch: SQLite's
 * pre-update hook hands it every change with the row before and after,
 * but for the store's own insert of a row naming its batch, which the
 * store hands it (journal_record_insert) with the hook paused. Entries are written
 * in chunks (journal_chunks rows) of up to 256 entries of one kind, in that
 * order, inside the batch's transaction, so that an entry's id, chunk id x
 * 1000 + position, gives the order:
 *   - a full entry [entity, key, account, op, before, after] (a chunk with
 *     entity NULL), for an update, a delete, or an insert of a row that
 *     does not name the current batch; its images are JSON arrays of the
 *     row's values in table column order (objects before schema 7);
 *   - a compact insert, the row's key alone (a chunk of one entity's keys,
 *     entity set), for a row inserted naming its batch in inserted_by, as
 *     every store insert inside a batch does. The row as inserted is the
 *     before image of its first later change made while it still names
 *     that batch, else the row as it is now.
 * Each full entry is also indexed in journal_keys (entity, key, entry id,
 * batch, operation, the row's inserted_by before the change), so that the
 * changes of one row are found without reading the chunks; a batch's
 * entries are found through its chunks (journal_chunks(batch_id, entity)).
 * Insert lists of schema 6 and 7 became chunks with ids below zero, in
 * their order, so a batch of before schema 8 lists its inserts first, as it
 * always did (the change feed sorts those by key, as it did).
 */
#ifndef ACCTBATCH_JOURNAL_H
#define ACCTBATCH_JOURNAL_H

/* Debian's libsqlite3 is built with the pre-update hook; its declarations
 * need this before sqlite3.h (the store checks the library at open). */
#ifndef SQLITE_ENABLE_PREUPDATE_HOOK
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#endif
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity.h"

struct journal;

/* journal_new: watch the entity tables of DB (after migration). NULL when out of memory. */
struct journal *journal_new(sqlite3 *db);

/*
 * journal_image_sql: the SQL expression of a row image of E's table under
 * alias ALIAS as an object: json_object('col', ALIAS.col, ...) over every
 * column in table order. Into BUF (SIZE bytes); -1 when it
 * does not fit.
 */
int journal_image_sql(const struct journal *j, const struct entity *e, const char *alias, char *buf,
		      size_t size);

/*
 * journal_views_sql: the CREATE VIEW statements of journal_logged (one row
 * per full entry: id, batch, entity, key, account, operation, before and
 * after as objects) and journal (those and the compact inserts with their
 * derived image), for the entity tables of DB as they are. The views show
 * array and object images alike as objects; a migration that changes an
 * entity table's columns must make them again knowing the arrays already
 * written. Malloc'd; NULL when out of memory or a table is not as expected.
 */
char *journal_views_sql(sqlite3 *db);

/*
 * journal_key_sql: the SQL expression of the key of E's row under ALIAS as
 * the journal writes it: the key column, or json_array() of both parts, an
 * email in lower case. Into BUF (SIZE bytes).
 */
void journal_key_sql(const struct entity *e, const char *alias, char *buf, size_t size);

/*
 * journal_key_match_sql: "T.a = KEY" or "T.a = KEY ->> 0 AND T.b = KEY ->> 1":
 * the row of E's table under alias T whose journal key is the SQL
 * expression KEY (an email compares ignoring case through its column's
 * collation). Into BUF (SIZE bytes).
 */
void journal_key_match_sql(const struct entity *e, const char *t, const char *key, char *buf,
			   size_t size);

/* journal_columns: the column names of E's table in order (N of them): the names of an array image. */
const char *const *journal_columns(const struct journal *j, const struct entity *e, int *n);

/* journal_begin: from now on, changes belong to BATCH; counts start at zero. */
void journal_begin(struct journal *j, int64_t batch);

/*
 * journal_flush: write the buffered entries whose chunk is complete (full,
 * or followed by an entry of another kind), or every one when ALL. Returns
 * an SQLite result code (SQLITE_NOMEM when the hook ran out of memory).
 */
int journal_flush(struct journal *j, bool all);

/* journal_chunks_written: whether this batch wrote a chunk, and the ids of its first and last. */
bool journal_chunks_written(const struct journal *j, int64_t *first, int64_t *last);

/*
 * journal_pause: while PAUSED, the hook is off. Only for a statement that
 * inserts one row naming its batch in inserted_by, which the caller then
 * hands to journal_record_insert: SQLite need not unpack the new row for
 * the hook (a seventh of a 1,000,000-row import).
 */
void journal_pause(struct journal *j, bool paused);

/*
 * journal_record_insert: one row of E, naming its batch, was inserted while
 * paused; its key parts PART (LEN bytes each; the second unused for a
 * one-part key) are recorded as its compact entry, as the hook would.
 * Returns an SQLite result code.
 */
int journal_record_insert(struct journal *j, const struct entity *e, const char *const part[2],
			  const size_t len[2]);

/* journal_discard: forget buffered changes (the batch rolls back). */
void journal_discard(struct journal *j);

/* journal_counts: changes of this batch per entity: [0] inserted, [1] updated, [2] deleted. */
void journal_counts(const struct journal *j, long counts[][3]);

/* journal_free: remove the hook and free; accepts NULL. */
void journal_free(struct journal *j);

#endif
