/*
 * source.c - byte sources with look-ahead and a running SHA-256.
 */
#include "source.h"
#include "seams.h"
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct fd_handle {
	int fd;		    /* owned unless it is standard input */
	bool owned;	    /* close fd on release */
	bool regular;	    /* a regular file: opened says what it was */
	struct stat opened; /* the file when it was opened */
	long long fail_at;  /* test hook: fail with EIO after this many bytes, -1 never */
	long long pause_at; /* test hook: stop the process (SIGSTOP) once past this, -1 never */
	long long done;	    /* bytes read so far */
};

/* the test hook ACCTBATCH_TEST_PAUSE_AT stops the process once per run */
static bool paused_once;

static int fd_read(void *h, char *buf, size_t size, size_t *got)
{
	struct fd_handle *fh = h;
	ssize_t n;

	if (fh->fail_at >= 0 && fh->done + (long long)size > fh->fail_at) {
		if (fh->done >= fh->fail_at) {
			errno = EIO;
			return -1;
		}
		size = (size_t)(fh->fail_at - fh->done);
	}
	do
		n = read(fh->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*got = (size_t)n;
	fh->done += n;
	if (fh->pause_at >= 0 && fh->done > fh->pause_at && !paused_once) {
		fh->pause_at = -1;
		paused_once = true;
		raise(SIGSTOP); /* a test changes the file now, then continues us */
	}
	return 0;
}

static void fd_close(void *h)
{
	struct fd_handle *fh = h;

	if (fh && fh->owned)
		close(fh->fd);
	free(fh);
}

int source_open_custom(struct source *src, const char *name, source_read_fn read, void *handle,
		       void (*close_fn)(void *), uint64_t size)
{
	memset(src, 0, sizeof(*src));
	src->name = strdup(name);
	if (!src->name) {
		if (close_fn)
			close_fn(handle);
		return -1;
	}
	src->read = read;
	src->handle = handle;
	src->close_fn = close_fn;
	src->size = size;
	crypto_hash_sha256_init(&src->sha);
	return 0;
}

int source_open_file(struct source *src, const char *path, const char *name)
{
	struct fd_handle *fh = malloc(sizeof(*fh));
	struct stat st;
	uint64_t size = 0;
	int fd;

	memset(src, 0, sizeof(*src));
	if (!fh)
		return -1;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		fh->owned = false;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			free(fh);
			errno = e;
			return -1;
		}
		fh->owned = true;
	}
	fh->regular = false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
		fh->regular = true;
		fh->opened = st;
	} else if (fh->owned && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		free(fh);
		errno = EISDIR;
		return -1;
	}
	fh->fd = fd;
	fh->done = 0;
	/* none in a release build; a test build injects a read failure, or a
	 * pause so that a test can change the file in the middle of a run
	 * (seams.h) */
	seam_read_faults(&fh->fail_at, &fh->pause_at);
	if (paused_once)
		fh->pause_at = -1;
	return source_open_custom(src, name ? name : (strcmp(path, "-") == 0 ? "<stdin>" : path),
				  fd_read, fh, fd_close, size);
}

/* Pull raw bytes from the handle, hashing them. */
static int pull(struct source *src, char *buf, size_t size, size_t *got)
{
	*got = 0;
	if (src->eof || src->error)
		return src->error ? -1 : 0;
	if (stop_signal()) { /* the run ends: read no further */
		src->error = EINTR;
		return -1;
	}
	if (src->read(src->handle, buf, size, got) != 0) {
		src->error = errno ? errno : EIO;
		return -1;
	}
	if (*got == 0)
		src->eof = true;
	else if (src->tap)
		src->tap(src->tap_ctx, buf, *got);
	else
		source_hash(src, buf, *got);
	return 0;
}

void source_hash(struct source *src, const char *buf, size_t n)
{
	crypto_hash_sha256_update(&src->sha, (const unsigned char *)buf, n);
}

int source_peek(struct source *src, size_t want, const char **data, size_t *len)
{
	if (want > SOURCE_PEEK_MAX)
		want = SOURCE_PEEK_MAX;
	if (!src->peek) {
		src->peek = malloc(SOURCE_PEEK_MAX);
		if (!src->peek)
			return -1;
	}
	if (src->peek_off > 0) {
		memmove(src->peek, src->peek + src->peek_off, src->npeek - src->peek_off);
		src->npeek -= src->peek_off;
		src->peek_off = 0;
	}
	while (src->npeek < want && !src->eof) {
		size_t got;
		if (pull(src, src->peek + src->npeek, SOURCE_PEEK_MAX - src->npeek, &got) != 0)
			return -1;
		src->npeek += got;
	}
	*data = src->peek;
	*len = src->npeek;
	return 0;
}

int source_read(struct source *src, char *buf, size_t size, size_t *got)
{
	if (src->peek_off < src->npeek) {
		size_t n = src->npeek - src->peek_off;
		if (n > size)
			n = size;
		memcpy(buf, src->peek + src->peek_off, n);
		src->peek_off += n;
		src->consumed += n;
		*got = n;
		return 0;
	}
	if (pull(src, buf, size, got) != 0)
		return -1;
	src->consumed += *got;
	return 0;
}

int source_finish_digest(struct source *src, char hex[65])
{
	unsigned char out[crypto_hash_sha256_BYTES];
	char buf[16384];
	size_t got;

	do {
		if (source_read(src, buf, sizeof(buf), &got) != 0)
			return -1;
	} while (got > 0);
	crypto_hash_sha256_final(&src->sha, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
	return 0;
}

void source_close(struct source *src)
{
	if (src->close_fn && src->handle)
		src->close_fn(src->handle);
	src->handle = NULL;
	src->close_fn = NULL;
	if (src->peek)
		sodium_memzero(src->peek, SOURCE_PEEK_MAX);
	free(src->peek);
	src->peek = NULL;
	free(src->name);
	src->name = NULL;
}

/* A file source's handle, or NULL for any other source. */
static struct fd_handle *file_handle(const struct source *src)
{
	return src->read == fd_read ? src->handle : NULL;
}

bool source_same_file(const struct source *src, const struct stat *id)
{
	const struct fd_handle *fh = file_handle(src);

	return fh && fh->regular && fh->opened.st_dev == id->st_dev &&
	       fh->opened.st_ino == id->st_ino && fh->opened.st_size == id->st_size &&
	       fh->opened.st_mtim.tv_sec == id->st_mtim.tv_sec &&
	       fh->opened.st_mtim.tv_nsec == id->st_mtim.tv_nsec;
}

int source_check_whole(const struct source *src)
{
	const struct fd_handle *fh = file_handle(src);
	struct stat now;

	if (!fh || !fh->regular)
		return 0;
	if (fstat(fh->fd, &now) != 0)
		return -1;
	if (!source_same_file(src, &now) || fh->done != (long long)fh->opened.st_size) {
		errno = ESTALE;
		return -1;
	}
	return 0;
}

/* A spooled source's handle: the bytes and where the next read starts. */
struct spooled_handle {
	struct spooled *b; /* not owned */
	uint64_t pos;	   /* next byte */
};

static int spooled_pull(void *h, char *buf, size_t size, size_t *got)
{
	struct spooled_handle *sh = h;

	if (spooled_read(sh->b, sh->pos, buf, size, got) != 0)
		return -1;
	sh->pos += *got;
	return 0;
}

int source_open_spooled(struct source *src, struct spooled *b, const char *name)
{
	struct spooled_handle *sh = malloc(sizeof(*sh));

	memset(src, 0, sizeof(*src));
	if (!sh)
		return -1;
	sh->b = b;
	sh->pos = 0;
	return source_open_custom(src, name, spooled_pull, sh, free, b->from < 0 ? b->len : 0);
}

bool source_name_ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && strcasecmp(name + n - k, suffix) == 0;
}
