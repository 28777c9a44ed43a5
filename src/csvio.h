/*
 * csvio.h - CSV in and out (RFC 4180) with libcsv, for every entity.
 *
 * Reading: optional UTF-8 BOM, CRLF or LF, quoted line breaks; the header row
 * names the fields in any order; columns starting with "error_" are ignored
 * (so a rejects file can be re-imported); each record carries the line where
 * it begins; an unterminated quote is reported at the line where its field
 * began. Writing: header in the given order, quoting only when needed, and
 * the spreadsheet formula guard of DESIGN section 2.
 */
#ifndef ACCTBATCH_CSVIO_H
#define ACCTBATCH_CSVIO_H

#include <stdbool.h>
#include <stdio.h>

#include "reader.h"

/*
 * csv_read_records: read SRC as CSV records of entity E, calling OPS.
 * File-level problems (syntax, unknown or duplicate column, encoding of the
 * header, NUL bytes) go to DIAGS. Returns an enum read_status.
 */
enum read_status csv_read_records(struct source *src, const struct entity *e,
				  const struct reader_ops *ops, struct diag_list *diags);

/*
 * csv_detect_entity: the entity whose fields best match the header line in
 * DATA (LEN bytes, the start of a file), or NULL when none fits all columns.
 */
const struct entity *csv_detect_entity(const char *data, size_t len);

/*
 * csv_unguard: length of the cell after removing the formula guard: when
 * S begins with "'" followed by one of = + - @ TAB CR or "'", one leading
 * "'" goes (*SKIP = 1). Returns the new start offset (0 or 1).
 */
size_t csv_unguard(const char *s, size_t len);

/* csv_needs_guard: whether a cell must get a leading "'" on export. */
bool csv_needs_guard(const char *s, size_t len);

/*
 * csv_write_cell: write one cell to OUT, guarded when GUARD and needed,
 * quoted when it holds a comma, quote, CR or LF, or begins or ends with a
 * space. Returns 0 or -1 on write error.
 */
int csv_write_cell(FILE *out, const char *s, size_t len, bool guard);

#endif
