/*
 * prefetch.h - reading on a second core: the CSV or XML reader (parsing,
 * schema validation, cell checks) runs on its own thread and hands records
 * over in chunks, while the caller's callbacks (the database work) run on
 * the calling thread. Order of records and diagnostics is kept exactly.
 */
#ifndef ACCTBATCH_PREFETCH_H
#define ACCTBATCH_PREFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

/* Which reader a prefetch runs. */
enum prefetch_format { PREFETCH_CSV, PREFETCH_XML };

/*
 * prefetch_read: read SRC as FORMAT records of entity E on a second thread,
 * calling OPS on this thread in file order, and adding every diagnostic to
 * DIAGS in order. *CONSUMED (if not NULL) is kept at the number of input
 * bytes read up to the record being handed over (for progress). For CSV,
 * OPS->prepare (if set) runs on the reader thread just before a record is
 * queued (the database side is the slower one); for XML, and when reading
 * falls back to this thread, it is not called at all. Returns
 * the reader's enum read_status (READ_STOPPED when a callback stopped it).
 * Falls back to reading on this thread if no thread can be started.
 */
enum read_status prefetch_read(struct source *src, const struct entity *e,
			       enum prefetch_format format, const struct reader_ops *ops,
			       struct diag_list *diags, uint64_t *consumed);

#endif
