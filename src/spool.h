/*
 * spool.h - input bytes that must be read more than once and cannot be
 * read again from where they came: a pipe (standard input, a FIFO, a
 * process substitution) and the members of an archive.
 *
 * A spool is one temporary file in $TMPDIR (else /tmp), mode 0600 and
 * without a name from the moment it exists, so that nothing is left
 * behind by a crash; it takes as many bytes as the disk has room for and
 * costs one descriptor, however many members it holds. A pipe is read
 * through its spool as it is needed (a tee): whoever reads first gets the
 * bytes from the pipe and leaves a copy, later readers read the copy, and
 * a reader that stops early (a fatal error in the input) leaves the rest
 * of the pipe unread. Never prints.
 */
#ifndef ACCTBATCH_SPOOL_H
#define ACCTBATCH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool;

/*
 * spool_tmpfd: a new unnamed temporary file in $TMPDIR (else /tmp), mode
 * 0600, open for reading and writing: the one place acctbatch makes such
 * files (spools, the scratch files of lists). -1 with errno set and WHY
 * (256 bytes) naming the directory.
 */
int spool_tmpfd(char why[256]);

/* spool_dir: the directory spool_tmpfd uses ($TMPDIR, else /tmp), for messages. */
const char *spool_dir(void);

/*
 * spool_new: an empty spool. Returns it, or NULL with errno set and WHY
 * (256 bytes) saying what failed, naming the directory.
 */
struct spool *spool_new(char why[256]);

/*
 * spool_append: add N bytes at BUF at the end. Returns 0, or -1 with errno
 * set and WHY filled (a full $TMPDIR names $TMPDIR).
 */
int spool_append(struct spool *sp, const void *buf, size_t n, char why[256]);

/* spool_size: the bytes held. */
uint64_t spool_size(const struct spool *sp);

/* spool_free: close and forget; accepts NULL. */
void spool_free(struct spool *sp);

/*
 * Some bytes of a spool: [start, start + len). While from >= 0 the bytes
 * are a pipe's, and more of them come from FROM, appended to the spool, as
 * they are read, until the pipe ends (from is then closed and set to -1).
 */
struct spooled {
	struct spool *sp; /* where the bytes are; owned when own_spool */
	bool own_spool;	  /* spool_free it with the rest */
	uint64_t start;	  /* first byte in sp */
	uint64_t len;	  /* bytes so far */
	int from;	  /* the pipe still to read, or -1 */
	char why[256];	  /* what failed, for the message */
};

/*
 * spooled_pipe: bytes to come from the pipe FROM (owned from now on),
 * through a spool of their own. Returns 0, or -1 with errno and WHY set.
 */
int spooled_pipe(struct spooled *b, int from);

/*
 * spooled_read: up to SIZE bytes at offset OFF into BUF; *GOT is 0 at the
 * end. Reads the pipe on when OFF passes what the spool holds. Returns 0,
 * or -1 with errno set (B->why says which side failed).
 */
int spooled_read(struct spooled *b, uint64_t off, char *buf, size_t size, size_t *got);

/* spooled_release: close the pipe and the spool if owned; safe on a zeroed struct. */
void spooled_release(struct spooled *b);

#endif
