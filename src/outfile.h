/*
 * outfile.h - output files that are never seen half-written: written under
 * a temporary name in the target directory, flushed, synced and renamed on
 * success; removed on failure. Created mode 0600 (they hold personal data).
 */
#ifndef ACCTBATCH_OUTFILE_H
#define ACCTBATCH_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile {
	char *path;	/* final name, owned */
	char *tmp;	/* temporary name, owned; NULL once renamed */
	FILE *fp;	/* open stream on tmp */
	bool is_stdout; /* "-": write to standard output directly */
};

/*
 * outfile_open: start writing PATH ("-" = standard output). Returns 0, or -1
 * with errno set when the temporary file cannot be created (exit 73).
 */
int outfile_open(struct outfile *of, const char *path);

/*
 * outfile_commit: flush, fsync and rename into place. Returns 0, or -1 with
 * errno set (exit 74); the temporary file is gone either way.
 */
int outfile_commit(struct outfile *of);

/* outfile_abort: close and remove the temporary file; safe twice and on a zeroed struct. */
void outfile_abort(struct outfile *of);

#endif
