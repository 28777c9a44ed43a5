/*
 * spool.c - unnamed temporary files for input bytes read more than once
 * (see spool.h).
 */
#include "spool.h"
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct spool {
	int fd;	       /* the unnamed file */
	uint64_t size; /* bytes written */
	char dir[200]; /* where it is, for messages */
};

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

const char *spool_dir(void)
{
	return tmp_dir();
}

int spool_tmpfd(char why[256])
{
	const char *dir = tmp_dir();
	char *name = NULL;
	int fd, e;

	/* no name from the start; where the file system cannot do that, a
	 * name that is removed at once */
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != ENOENT && errno != EACCES && errno != ENOSPC && errno != EROFS &&
	    asprintf(&name, "%s/acctbatch-XXXXXX", dir) >= 0) {
		fd = mkostemp(name, O_CLOEXEC); /* mode 0600 */
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	if (fd < 0) {
		e = errno;
		snprintf(why, 256, "cannot create a temporary file in %s (TMPDIR): %s", dir,
			 strerror(e));
		errno = e;
	}
	return fd;
}

struct spool *spool_new(char why[256])
{
	struct spool *sp = calloc(1, sizeof(*sp));
	int e;

	if (!sp) {
		snprintf(why, 256, "out of memory");
		return NULL;
	}
	snprintf(sp->dir, sizeof(sp->dir), "%s", tmp_dir());
	sp->fd = spool_tmpfd(why);
	if (sp->fd < 0) {
		e = errno;
		free(sp);
		errno = e;
		return NULL;
	}
	return sp;
}

int spool_append(struct spool *sp, const void *buf, size_t n, char why[256])
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = pwrite(sp->fd, p, n, (off_t)sp->size);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			snprintf(why, 256,
				 "cannot keep the input in a temporary file in %s (TMPDIR): %s",
				 sp->dir, strerror(e));
			errno = e;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		sp->size += (uint64_t)w;
	}
	return 0;
}

uint64_t spool_size(const struct spool *sp)
{
	return sp->size;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	close(sp->fd);
	free(sp);
}

int spooled_pipe(struct spooled *b, int from)
{
	memset(b, 0, sizeof(*b));
	b->from = -1;
	b->sp = spool_new(b->why);
	if (!b->sp) {
		int e = errno;
		close(from);
		errno = e;
		return -1;
	}
	b->own_spool = true;
	b->from = from;
	return 0;
}

/* Read the pipe on until the spool holds byte OFF (or the pipe ends). */
static int read_pipe_to(struct spooled *b, uint64_t off, char *buf, size_t size)
{
	while (b->from >= 0 && b->len <= off) {
		ssize_t n = read(b->from, buf, size);
		if (n < 0 && errno == EINTR && !stop_signal())
			continue;
		if (n < 0) {
			int e = errno;
			snprintf(b->why, sizeof(b->why), "cannot read: %s", strerror(e));
			errno = e;
			return -1;
		}
		if (n == 0) { /* the whole pipe is here now */
			close(b->from);
			b->from = -1;
			break;
		}
		if (spool_append(b->sp, buf, (size_t)n, b->why) != 0)
			return -1;
		b->len += (uint64_t)n;
	}
	return 0;
}

int spooled_read(struct spooled *b, uint64_t off, char *buf, size_t size, size_t *got)
{
	ssize_t n;

	*got = 0;
	if (off >= b->len && read_pipe_to(b, off, buf, size) != 0)
		return -1;
	if (off >= b->len || size == 0)
		return 0;
	if (size > b->len - off)
		size = (size_t)(b->len - off);
	do
		n = pread(b->sp->fd, buf, size, (off_t)(b->start + off));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		snprintf(b->why, sizeof(b->why),
			 "cannot read back a temporary file in %s (TMPDIR): %s", b->sp->dir,
			 strerror(e));
		errno = e;
		return -1;
	}
	*got = (size_t)n;
	return 0;
}

void spooled_release(struct spooled *b)
{
	if (b->from >= 0)
		close(b->from);
	b->from = -1;
	if (b->own_spool)
		spool_free(b->sp);
	b->sp = NULL;
	b->own_spool = false;
}
