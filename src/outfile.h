/*
 * outfile.h - output files that are never seen half-written, and the one
 * rule for every output path acctbatch writes (-o, --rejects, --report,
 * lists -o, a new database):
 *
 *  - "-" is standard output, written directly;
 *  - a symbolic link is followed to its target, which is then treated
 *    like any path (the link itself is left as it is);
 *  - a regular file, or a path that does not exist yet, is written under
 *    a temporary name in the same directory (mode 0600: outputs hold
 *    personal data), flushed, synced and renamed into place on success,
 *    removed on failure;
 *  - a character device, FIFO or socket (/dev/stdout, a pipe) is written
 *    directly, in order, with no temporary file and no rename; a failure
 *    leaves what was written;
 *  - a directory is refused (EISDIR). A non-regular file is never
 *    unlinked or renamed over.
 *
 * Temporary names are ".NAME.TAGXXXXXX" beside NAME, held under a lock
 * while their run lives; a run that was killed leaves them unlocked, and
 * the next run that writes NAME removes them (outfile_temp_create).
 */
#ifndef ACCTBATCH_OUTFILE_H
#define ACCTBATCH_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile {
	char *path;	/* final name (links followed), owned; NULL for standard output */
	char *tmp;	/* temporary name, owned; NULL when written directly or once renamed */
	FILE *fp;	/* open stream on tmp, or on the device, FIFO or standard output */
	bool is_stdout; /* "-": write to standard output directly */
	bool direct;	/* a device, FIFO or socket: written in place, never renamed */
};

/*
 * outfile_open: start writing PATH by the rule above. Returns 0, or -1
 * with errno set when it cannot be created (exit 73).
 */
int outfile_open(struct outfile *of, const char *path);

/*
 * outfile_commit: flush, fsync and rename into place (or, for a direct
 * output, flush and close). Returns 0, or -1 with errno set (exit 74); the
 * temporary file is gone either way.
 */
int outfile_commit(struct outfile *of);

/* outfile_abort: close and remove the temporary file; safe twice and on a zeroed struct. */
void outfile_abort(struct outfile *of);

/*
 * outfile_target: the path PATH names once symbolic links are followed
 * (malloc'd): itself when it is no link, the link's final target
 * otherwise, also when that does not exist yet. NULL with errno set
 * (ELOOP, ENOMEM).
 */
char *outfile_target(const char *path);

/*
 * outfile_same: whether A and B are the same file: the same inode when
 * both exist, else the same name once links are followed and the
 * directory is made absolute. For refusing an output that would destroy
 * an input or a database's companion file, which may not exist yet.
 */
bool outfile_same(const char *a, const char *b);

/*
 * outfile_temp_create: create a new, empty, mode 0600 file DIR/.BASE.TAGXXXXXX
 * (DIR "" for the current directory) and lock it for as long as the
 * returned descriptor stays open. First removes the files of that pattern
 * that no live run holds (left by a run that was killed), with their
 * SQLite companions (-wal, -shm, -journal). Returns the descriptor with
 * *NAME set (malloc'd), or -1 with errno set.
 */
int outfile_temp_create(const char *dir, const char *base, const char *tag, char **name);

/* outfile_remove_database: unlink the database PATH and its SQLite companions (-wal, -shm, -journal). */
void outfile_remove_database(const char *path);

#endif
