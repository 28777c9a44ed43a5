/*
 * outfile.c - the output path rule and temporary-name-then-rename output
 * files (see outfile.h).
 */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINKS_MAX 40		      /* symbolic links followed before ELOOP, as the kernel */
#define LOCK_AT ((off_t)0x7FFF0000LL) /* the byte a temporary file's owner locks */

static const char *const companions[] = {"-wal", "-shm", "-journal"};

/* The directory part of PATH ("." when none), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *outfile_target(const char *path)
{
	char *cur = strdup(path);
	struct stat sb;

	for (int hops = 0; cur; hops++) {
		char buf[PATH_MAX], *next, *dir;
		ssize_t n;

		if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode))
			return cur; /* no such file yet, or no link: this is the target */
		if (stat(cur, &sb) == 0) {
			/* the link resolves: for a file, its real name; for a
			 * device, a FIFO or a magic /proc link, the link itself,
			 * which opens what it names */
			if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
				return cur;
			next = realpath(cur, NULL);
			free(cur);
			return next;
		}
		if (hops == LINKS_MAX) {
			free(cur);
			errno = ELOOP;
			return NULL;
		}
		/* a dangling link: follow it by hand to the name it will create */
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		buf[n] = '\0';
		dir = dir_of(cur);
		if (!dir || (buf[0] == '/' ? !(next = strdup(buf))
					   : asprintf(&next, "%s/%s", dir, buf) < 0))
			next = NULL;
		free(dir);
		free(cur);
		cur = next;
	}
	errno = ENOMEM;
	return NULL;
}

/* PATH's target with its directory made absolute (malloc'd), or NULL. */
static char *canonical_name(const char *path)
{
	char *t = outfile_target(path), *dir = NULL, *real = NULL, *out = NULL;

	if (!t)
		return NULL;
	dir = dir_of(t);
	real = dir ? realpath(dir, NULL) : NULL;
	if (real && asprintf(&out, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base_of(t)) < 0)
		out = NULL;
	free(t);
	free(dir);
	free(real);
	return out;
}

bool outfile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ca, *cb;
	bool same;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ca = canonical_name(a);
	cb = canonical_name(b);
	same = ca && cb && strcmp(ca, cb) == 0;
	free(ca);
	free(cb);
	return same;
}

/* Lock FD as its temporary file's owner; 0, or -1 when another run holds it. */
static int lock_temp(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = LOCK_AT;
	fl.l_len = 1;
	/* an open file description's lock: no other descriptor or process
	 * can take it, and it goes away with the descriptor (or a kill -9) */
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Whether NAME (in DIR) is PREFIX followed by mkstemp's six characters and SUFFIX. */
static bool temp_name(const char *name, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix), n = strlen(name);

	if (n != p + 6 + s || strncmp(name, prefix, p) != 0 || strcmp(name + p + 6, suffix) != 0)
		return false;
	for (size_t i = p; i < p + 6; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

/* Remove DIR/NAME if no live run holds it, with its companions. */
static void sweep_one(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat a, b;

	if (fd < 0)
		return;
	if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && lock_temp(fd) == 0 &&
	    fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		/* its run is gone (a live one holds the lock from creation to
		 * rename): the file and what SQLite made beside it */
		for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
			char c[NAME_MAX + 16];
			snprintf(c, sizeof(c), "%s%s", name, companions[i]);
			unlinkat(dirfd, c, 0);
		}
		unlinkat(dirfd, name, 0);
	}
	close(fd);
}

/* Remove the temporary files PREFIX* in DIR that no live run holds. */
static void sweep(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (temp_name(de->d_name, prefix, "")) {
			sweep_one(dirfd(d), de->d_name);
			continue;
		}
		/* a companion whose database is gone: nothing can hold it */
		for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
			char base[NAME_MAX + 1];
			size_t n = strlen(de->d_name), k = strlen(companions[i]);
			struct stat sb;
			if (!temp_name(de->d_name, prefix, companions[i]) || n - k > NAME_MAX)
				continue;
			memcpy(base, de->d_name, n - k);
			base[n - k] = '\0';
			if (fstatat(dirfd(d), base, &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
			    errno == ENOENT)
				unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	closedir(d);
}

int outfile_temp_create(const char *dir, const char *base, const char *tag, char **name)
{
	char *prefix = NULL, *path = NULL;
	int fd = -1, e;

	*name = NULL;
	if (asprintf(&prefix, ".%s.%s", base, tag) < 0)
		return -1;
	sweep(*dir ? dir : ".", prefix);
	for (int tries = 0; tries < 8; tries++) {
		struct stat a, b;
		if (asprintf(&path, "%s%s%sXXXXXX", dir, *dir ? "/" : "", prefix) < 0) {
			path = NULL;
			break;
		}
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			break;
		fchmod(fd, 0600);
		/* another run's sweep may have taken it between creation and
		 * lock: then it is gone from that name, and we make another */
		if (lock_temp(fd) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			free(prefix);
			*name = path;
			return fd;
		}
		e = errno;
		close(fd);
		fd = -1;
		free(path);
		path = NULL;
		errno = e;
	}
	e = errno;
	free(prefix);
	free(path);
	errno = e ? e : EEXIST;
	return -1;
}

/*
 * An output that is no regular file: open what PATH names for writing, in
 * place. A socket cannot be opened by name; when PATH names a descriptor
 * of this process (/dev/stdout, /dev/fd/N, /proc/self/fd/N), that
 * descriptor is written instead.
 */
static int open_direct(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	const char *p = NULL;

	if (fd >= 0 || errno != ENXIO)
		return fd;
	if (strcmp(path, "/dev/stdout") == 0)
		return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
	if (strcmp(path, "/dev/stderr") == 0)
		return fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	if (strncmp(path, "/dev/fd/", 8) == 0)
		p = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		p = path + 14;
	if (p && *p && strspn(p, "0123456789") == strlen(p))
		return fcntl(atoi(p), F_DUPFD_CLOEXEC, 0);
	errno = ENXIO;
	return -1;
}

int outfile_open(struct outfile *of, const char *path)
{
	char *dir = NULL;
	struct stat sb;
	int fd = -1, e;

	memset(of, 0, sizeof(*of));
	if (strcmp(path, "-") == 0) {
		of->is_stdout = true;
		of->fp = stdout;
		return 0;
	}
	of->path = outfile_target(path);
	if (!of->path)
		goto fail;
	if (stat(of->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		/* the rename at the end would fail: say so before any work is done */
		errno = EISDIR;
		goto fail;
	}
	if (stat(of->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		of->direct = true;
		fd = open_direct(of->path);
	} else {
		dir = dir_of(of->path);
		if (!dir)
			goto fail;
		fd = outfile_temp_create(dir, base_of(of->path), "tmp", &of->tmp);
	}
	if (fd < 0)
		goto fail;
	of->fp = fdopen(fd, "w");
	if (!of->fp) {
		e = errno;
		close(fd);
		if (of->tmp)
			unlink(of->tmp);
		errno = e;
		goto fail;
	}
	free(dir);
	return 0;
fail:
	e = errno;
	free(dir);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	errno = e;
	return -1;
}

/* Whether flushing FD to its device failed for a reason that matters. */
static bool sync_failed(int fd, bool direct)
{
	if (fsync(fd) == 0)
		return false;
	/* pipes, sockets and many devices cannot be synced: that is no failure */
	return !(direct && (errno == EINVAL || errno == EROFS || errno == ENOTSUP));
}

int outfile_commit(struct outfile *of)
{
	struct stat sb;
	int e;

	if (of->is_stdout) {
		of->fp = NULL;
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
	}
	if (!of->fp)
		return -1;
	errno = 0;
	if (fflush(of->fp) != 0 || ferror(of->fp) || sync_failed(fileno(of->fp), of->direct)) {
		e = errno ? errno : EIO;
		outfile_abort(of);
		errno = e;
		return -1;
	}
	if (fclose(of->fp) != 0) {
		of->fp = NULL;
		e = errno;
		outfile_abort(of);
		errno = e;
		return -1;
	}
	of->fp = NULL;
	if (of->direct) {
		free(of->path);
		of->path = NULL;
		return 0;
	}
	/* something else took the name meanwhile (a FIFO, a device): never replace it */
	if (lstat(of->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		outfile_abort(of);
		errno = EEXIST;
		return -1;
	}
	if (rename(of->tmp, of->path) != 0) {
		e = errno;
		outfile_abort(of);
		errno = e;
		return -1;
	}
	free(of->tmp);
	of->tmp = NULL;
	free(of->path);
	of->path = NULL;
	return 0;
}

void outfile_abort(struct outfile *of)
{
	if (of->fp && !of->is_stdout)
		fclose(of->fp);
	of->fp = NULL;
	if (of->tmp) {
		unlink(of->tmp);
		free(of->tmp);
		of->tmp = NULL;
	}
	free(of->path);
	of->path = NULL;
}

void outfile_remove_database(const char *path)
{
	char name[PATH_MAX + 16];

	unlink(path);
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, companions[i]);
		unlink(name);
	}
}
