/*
 * rejects.h - the --rejects file: rejected records in the input's format,
 * re-importable once fixed. CSV gets the entity's columns plus error_file, error_line,
 * error_field, error_code and error_message (ignored on import); XML gets
 * the record elements with the errors in a comment before each record.
 * Password columns are left empty: plaintext is never written anywhere.
 */
#ifndef ACCTBATCH_REJECTS_H
#define ACCTBATCH_REJECTS_H

#include <stdbool.h>

#include "diag.h"
#include "entity.h"
#include "outfile.h"

struct rejects_file {
	struct outfile out;	/* the file being written */
	const struct entity *e; /* its entity */
	bool xml;		/* XML instead of CSV */
	unsigned columns;	/* bit i: field i is a column (CSV) */
	long written;		/* records written */
};

/*
 * rejects_open: start the rejects file PATH for entity E; COLUMNS is the
 * bit set of fields the inputs named (CSV header). Returns 0, or -1 with
 * errno set.
 */
int rejects_open(struct rejects_file *rf, const char *path, const struct entity *e,
		 unsigned columns);

/*
 * rejects_add: write REC with the problems DIAGS[FIRST..LAST). Returns 0 or -1
 * on a write error.
 */
int rejects_add(struct rejects_file *rf, const struct record *rec, const struct diag *diags,
		size_t count);

/* rejects_commit: finish and rename into place; 0 or -1 with errno set. */
int rejects_commit(struct rejects_file *rf);

/* rejects_abort: remove the temporary file. Safe twice. */
void rejects_abort(struct rejects_file *rf);

#endif
