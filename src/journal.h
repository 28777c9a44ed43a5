/*
 * journal.h - the change journal, part of the store (used by store.c only).
 *
 * SQLite's pre-update hook hands every change to the four entity tables,
 * made through this connection, to the journal with the row before and
 * after. Changes are kept as JSON (images as arrays, see below) and
 * written in chunks of up to 256 to the journal_chunks table, inside the
 * batch's transaction; the journal_logged view shows one row per change (batch id, entity, key, account, operation,
 * before, after). Writing one row per chunk instead of one per change keeps
 * the journal's cost small next to the change itself. Each logged change
 * is also indexed in journal_keys (entity, key, change id, batch,
 * operation, the row's inserted_by before it), so that the changes of one
 * row, or of one batch's rows, are found without reading every chunk.
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
 * Row images are written as JSON arrays of the row's values in table column
 * order (schema 7 on); batches journaled before hold JSON objects keyed by
 * column name. The journal_logged view shows both as objects;
 * store_each_change hands images over as written, with the column names
 * (journal_columns) that an array's values stand for. A migration that
 * changes an entity table's columns must make the view again knowing the
 * arrays already written.
 */

/*
 * journal_logged_view_sql: the CREATE VIEW statement of journal_logged
 * (one row per logged change: id, batch, entity, key, account, operation,
 * before and after as objects) for the entity tables of DB as they are.
 * Malloc'd; NULL when out of memory or a table is not as expected.
 */
char *journal_logged_view_sql(sqlite3 *db);

/* journal_columns: the column names of E's table in order (N of them): the names of an array image. */
const char *const *journal_columns(const struct journal *j, const struct entity *e, int *n);

/* journal_begin: from now on, changes belong to BATCH; counts start at zero. */
void journal_begin(struct journal *j, int64_t batch);

/*
 * journal_flush: write the buffered changes as one chunk when at least a
 * chunk's worth is waiting, or whatever is waiting when ALL. Returns an
 * SQLite result code (SQLITE_NOMEM when the hook ran out of memory).
 */
int journal_flush(struct journal *j, bool all);

/* journal_last_chunk: the id of the last chunk written in this batch, 0 if none. */
int64_t journal_last_chunk(const struct journal *j);

/* journal_first_chunk: the id of the first chunk written in this batch, 0 if none. */
int64_t journal_first_chunk(const struct journal *j);

/*
 * journal_pause: while PAUSED, the hook is off. Only for a statement that
 * inserts one row carrying its batch (inserted_by), which the journal view
 * derives from the row; the caller then notes it with journal_note_insert.
 */
void journal_pause(struct journal *j, bool paused);

/*
 * journal_note_insert: one row of entity E was inserted while paused; its
 * key parts PART (LEN bytes each; the second unused for a one-part key)
 * join the batch's insert list, written to journal_inserts (one JSON
 * array of journal keys per entity and up to 256 rows, in insertion
 * order), so that a batch's inserts are found without reading a table.
 * Returns an SQLite result code.
 */
int journal_note_insert(struct journal *j, const struct entity *e, const char *const part[2],
			const size_t len[2]);

/* journal_discard: forget buffered changes (the batch rolls back). */
void journal_discard(struct journal *j);

/* journal_counts: changes of this batch per entity: [0] inserted, [1] updated, [2] deleted. */
void journal_counts(const struct journal *j, long counts[][3]);

/* journal_free: remove the hook and free; accepts NULL. */
void journal_free(struct journal *j);

#endif
