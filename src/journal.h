/*
 * journal.h - the change journal, part of the store (used by store.c only).
 *
 * Invariant: every change to a row of the four entity tables made through
 * this connection inside a batch is one entry of the batch's journal, in
 * the order made, written by one function (record, journal.c) into chunks
 * of up to 256 entries (journal_chunks: a JSON array of [entity, key,
 * account, op, before, after]); an entry's id, chunk id x 1000 +
 * position, gives that order. Updates and deletes reach it through
 * SQLite's pre-update hook, with both images. An insert inside a batch is
 * reported by the store itself (journal_record_insert, the hook paused for
 * that one statement: SQLite then need not unpack the new row) as a
 * compact entry, with no images: the row as inserted is the before image
 * of the row's first later change, else the row as it is now, which names
 * its batch in inserted_by. Every entry but a compact insert is also
 * indexed in journal_keys (entity, key, change id, batch, operation, the
 * row's inserted_by before the change), so that the changes of one row are
 * found without reading the chunks; a batch's entries, compact inserts
 * included, are found through its chunks (journal_chunks.batch_id).
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
 * inserts one row carrying its batch (inserted_by), which the caller then
 * reports with journal_record_insert.
 */
void journal_pause(struct journal *j, bool paused);

/*
 * journal_record_insert: one row of entity E was inserted while paused: its
 * compact entry (key parts PART, LEN bytes each, the second unused for a
 * one-part key; ACCOUNT its account_id) joins the batch's journal in
 * order. Returns an SQLite result code.
 */
int journal_record_insert(struct journal *j, const struct entity *e, const char *const part[2],
			  const size_t len[2], const char *account);

/* journal_discard: forget buffered changes (the batch rolls back). */
void journal_discard(struct journal *j);

/* journal_counts: changes of this batch per entity: [0] inserted, [1] updated, [2] deleted. */
void journal_counts(const struct journal *j, long counts[][3]);

/* journal_free: remove the hook and free; accepts NULL. */
void journal_free(struct journal *j);

#endif
