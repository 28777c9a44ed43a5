/*
 * report.h - what an import or validate run tells its user: the diagnostics
 * (stderr, one line each), the summary table (stdout) and the JSON report
 * (--report FILE, via jansson). The JSON members are an interface: add,
 * never rename.
 */
#ifndef ACCTBATCH_REPORT_H
#define ACCTBATCH_REPORT_H

#include <stdio.h>

#include "app.h"
#include "import.h"
#include "outfile.h"

/* report_counts: print the per-entity table of RES's counts to OUT. */
void report_counts(FILE *out, const struct import_result *res);

/* report_summary: print the per-entity table and the outcome to OUT. */
void report_summary(FILE *out, const struct import_result *res, bool validate_only);

/*
 * report_json_write: write the JSON report of RES into OF (opened with
 * outfile_open before the run, so that a report that cannot be created
 * stops the run before it writes anything) and commit it. Strings that are
 * not valid UTF-8 are written with U+FFFD for the bad bytes. Returns 0, or
 * -1 with errno set (OF is then removed).
 */
int report_json_write(struct outfile *of, const struct import_result *res);

#endif
