/*
 * outfile.c - temporary-name-then-rename output files.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *of, const char *path)
{
	char *copy = NULL, *dir;
	struct stat sb;
	int fd, e;

	memset(of, 0, sizeof(*of));
	if (strcmp(path, "-") == 0) {
		of->is_stdout = true;
		of->fp = stdout;
		return 0;
	}
	/* the rename at the end would fail: say so before any work is done */
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	of->path = strdup(path);
	copy = strdup(path);
	if (!of->path || !copy)
		goto fail;
	dir = dirname(copy);
	if (asprintf(&of->tmp, "%s/.%s.tmpXXXXXX", dir,
		     strrchr(path, '/') ? strrchr(path, '/') + 1 : path) < 0) {
		of->tmp = NULL;
		goto fail;
	}
	fd = mkostemp(of->tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	fchmod(fd, 0600);
	of->fp = fdopen(fd, "w");
	if (!of->fp) {
		e = errno;
		close(fd);
		unlink(of->tmp);
		errno = e;
		goto fail;
	}
	free(copy);
	return 0;
fail:
	e = errno;
	free(copy);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	errno = e;
	return -1;
}

int outfile_commit(struct outfile *of)
{
	int e;

	if (of->is_stdout) {
		of->fp = NULL;
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
	}
	if (!of->fp)
		return -1;
	if (fflush(of->fp) != 0 || ferror(of->fp) || fsync(fileno(of->fp)) != 0) {
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
