/*
 * inputs.h - what the arguments of an import name: files, directories,
 * pipes and archive members, each with its format and entity, in the order
 * a batch must apply them.
 *
 * Owns: expanding arguments, detecting format and entity, reading pipes and
 * archives into spools, the dependency order, and a file's identity (it must
 * not change between resolution and reading). Must not: check records or
 * touch the database.
 */
#ifndef ACCTBATCH_INPUTS_H
#define ACCTBATCH_INPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "diag.h"
#include "entity.h"
#include "source.h"
#include "spool.h"

enum input_format { FORMAT_UNKNOWN, FORMAT_CSV, FORMAT_XML };

/* One input file, resolved. */
struct input {
	char *path;		  /* the file ("-" for stdin; an archive member's is its name) */
	char *name;		  /* name shown in diagnostics */
	const struct entity *e;	  /* what it holds */
	enum input_format format; /* how to read it */
	char sha256[65];	  /* digest of the bytes read, filled by the run */
	long records;		  /* records read from it in the last pass */
	struct spooled *bytes; /* a pipe's or an archive member's bytes, owned; NULL for a file */
	struct stat id;	       /* a file: what it was when resolved (it must stay so) */
	size_t order;	       /* position on the command line, for a stable sort */
};

/* The inputs of one batch, in dependency order after inputs_resolve. */
struct input_list {
	struct input *items;   /* owned */
	size_t count;	       /* inputs held */
	size_t cap;	       /* inputs allocated */
	struct spool **spools; /* the archives' spools, owned */
	size_t nspools;	       /* entries in spools */
};

/* Where a resolution failed: the exit status tells why. */
enum resolve_status {
	RESOLVE_OK,
	RESOLVE_MISSING,
	RESOLVE_UNKNOWN,
	RESOLVE_IO,
	RESOLVE_USAGE,
	RESOLVE_INVALID, /* an archive was refused (bad_archive): exit 65 */
};

/*
 * inputs_resolve: expand ARGS (files, directories, "-") into LIST, detect
 * each one's format (FORCE_FORMAT, else extension, else content) and entity
 * (FORCE_ENTITY, else XML root, else CSV header, else file name), and sort
 * into dependency order (reverse for deletes). An archive (archive_in.h)
 * gives one input per CSV or XML member, named "ARCHIVE:MEMBER", its bytes
 * in one spool with at most MAX_UNPACKED bytes in all (0: the default 2
 * GiB). A pipe, standard input included, is read through a spool of its
 * own as the run needs it (spool.h). A file keeps the identity it had
 * here (device, inode, size, time): reading it later fails with ESTALE
 * when it changed. Problems go to DIAGS.
 */
enum resolve_status inputs_resolve(char *const *args, int nargs, const struct entity *force_entity,
				   enum input_format force_format, bool reverse,
				   uint64_t max_unpacked, struct input_list *list,
				   struct diag_list *diags);

/*
 * input_open: open a source on IN's bytes (source.h). Returns 0, or -1 with
 * errno set; ESTALE: the file is no longer the one inputs_resolve saw.
 */
int input_open(const struct input *in, struct source *src);

/* input_why: why IN could not be opened or read (ERR an errno value), in BUF. */
const char *input_why(const struct input *in, int err, char *buf, size_t size);

/* input_list_release: free the list; safe twice. */
void input_list_release(struct input_list *list);

#endif
