/*
 * source.h - an input byte stream: a file, standard input or (later) an
 * archive member, with look-ahead for entity detection, a running SHA-256 of
 * every byte read, and a byte count for progress.
 *
 * Readers (csvio, xmlio) pull bytes only through this interface, so they do
 * not care where the bytes come from. Never prints.
 */
#ifndef ACCTBATCH_SOURCE_H
#define ACCTBATCH_SOURCE_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "spool.h"

#define SOURCE_PEEK_MAX 65536 /* bytes source_peek may look ahead */

/* How a source gets more bytes: 0 and *GOT (0 at end), or -1 on I/O error (errno set). */
typedef int (*source_read_fn)(void *handle, char *buf, size_t size, size_t *got);

struct source {
	char *name;		      /* display name for diagnostics, owned */
	source_read_fn read;	      /* pulls raw bytes */
	void *handle;		      /* for read; closed by close_fn */
	void (*close_fn)(void *);     /* releases handle, may be NULL */
	char *peek;		      /* look-ahead bytes not yet consumed, owned */
	size_t npeek;		      /* valid bytes in peek */
	size_t peek_off;	      /* next unread byte in peek */
	uint64_t size;		      /* total bytes if known, else 0 */
	uint64_t consumed;	      /* bytes handed to readers so far */
	crypto_hash_sha256_state sha; /* digest of every byte read */
	/* when set, bytes read go to TAP instead of the digest: a reader on
	 * another thread hands them to the thread that owns the digest */
	void (*tap)(void *ctx, const char *buf, size_t n);
	void *tap_ctx; /* for tap */
	bool eof;      /* read returned 0 bytes */
	int error;     /* errno of the first read failure, 0 if none */
};

/*
 * source_open_file: open PATH ("-" is standard input) as a source named
 * NAME (PATH if NULL). Returns 0, or -1 with errno set (ENOENT for a missing file).
 */
int source_open_file(struct source *src, const char *path, const char *name);

/*
 * source_open_spooled: a source reading the spooled bytes B (a pipe read
 * through its spool, an archive member) from their start, named NAME; B
 * must outlive it. Returns 0 or -1.
 */
int source_open_spooled(struct source *src, struct spooled *b, const char *name);

/*
 * source_same_file: whether SRC is a regular file that was, when opened,
 * the file ID describes (device, inode, size and modification time), so
 * that a file replaced or changed since ID was taken is not read as if it
 * were the same.
 */
bool source_same_file(const struct source *src, const struct stat *id);

/*
 * source_check_whole: for a regular file, whether it is still what it was
 * when opened (size, modification time) and every byte of it was read:
 * 0, or -1 with errno ESTALE when it changed or was cut short meanwhile.
 * Other sources always give 0 (a pipe ends where it ends).
 */
int source_check_whole(const struct source *src);

/* source_name_ends_with: whether file name NAME ends in SUFFIX (".csv", ".tar.gz"), ignoring case. */
bool source_name_ends_with(const char *name, const char *suffix);

/*
 * source_open_custom: a source reading through READ(HANDLE); CLOSE_FN(HANDLE)
 * is called by source_close. SIZE is the total if known, else 0.
 */
int source_open_custom(struct source *src, const char *name, source_read_fn read, void *handle,
		       void (*close_fn)(void *), uint64_t size);

/*
 * source_peek: make at least WANT bytes (or all there is, if fewer) available
 * without consuming them; *DATA and *LEN describe them. Returns 0 or -1 on
 * I/O error.
 */
int source_peek(struct source *src, size_t want, const char **data, size_t *len);

/*
 * source_read: copy up to SIZE bytes into BUF; *GOT is 0 at the end.
 * Returns 0, or -1 on I/O error (src->error set).
 */
int source_read(struct source *src, char *buf, size_t size, size_t *got);

/* source_hash: add N bytes at BUF to the digest (for bytes that went to a tap). */
void source_hash(struct source *src, const char *buf, size_t n);

/* source_digest: hex SHA-256 (65 bytes with NUL) of the bytes read so far, after draining the rest. */
int source_finish_digest(struct source *src, char hex[65]);

/* source_close: release everything; safe on a zeroed or closed source. */
void source_close(struct source *src);

#endif
