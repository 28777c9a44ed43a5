/*
 * export.h - writing the rows of one entity as CSV or XML (DESIGN section 6).
 *
 * Owns: the external form of stored values (booleans true/false, amounts
 * in the currency's minor units as decimals), the column set (schema order,
 * password hashes only on request), the spreadsheet guard of CSV cells.
 * Must not: open files or decide exit statuses (cmd_export.c does).
 */
#ifndef ACCTBATCH_EXPORT_H
#define ACCTBATCH_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "entity.h"
#include "store_history.h"

enum export_format { EXPORT_CSV, EXPORT_XML };

struct export_opts {
	enum export_format format; /* CSV (header in schema order) or XML (valid against the XSD) */
	bool password_hashes;	   /* include logins.password_hash */
	struct store_filter filter; /* --account, --changed-since, the job's watermark */
	bool changes;		    /* the change feed (CSV only): change, batch, changed_at, row */
	int (*stop)(void);	    /* when it returns non-zero, stop between rows */
};

/* Why an export stopped. */
enum export_status {
	EXPORT_OK = 0,
	EXPORT_WRITE_ERROR = -1, /* OUT failed (errno set): exit 74 */
	EXPORT_STORE_ERROR = -2, /* the database failed: store_errmsg, exit 74 (75 if busy) */
	EXPORT_STOPPED = -3,	 /* opts->stop asked to stop (a signal) */
};

/*
 * export_entity: write every row of E that OPTS selects to OUT, in key
 * order, and count them in *ROWS; with OPTS->changes, every change to E's
 * rows instead, oldest first (the row after it; for a delete, the row
 * before). The same data gives the same bytes.
 */
enum export_status export_entity(struct store *s, const struct entity *e,
				 const struct export_opts *opts, FILE *out, long *rows);

#endif
