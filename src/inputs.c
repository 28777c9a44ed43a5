/*
 * inputs.c - what the arguments of an import name (see inputs.h).
 */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "archive_in.h"
#include "csvio.h"
#include "xmlio.h"

/*
 * Inputs in dependency order, then as given: the entity enumeration is in
 * dependency order (an entity names only entities before it).
 */
static int compare_inputs(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	int d = (int)x->e->id - (int)y->e->id;

	return d != 0 ? d : (x->order > y->order) - (x->order < y->order);
}

/*
 * Deletes run the other way: what other entities name goes last, and what
 * is never deleted first (it is refused before anything else is deleted);
 * the rest, and each entity's inputs, as for inserts.
 */
static int delete_rank(const struct entity *e)
{
	return (e->flags & E_REFERENCED) ? 2 : (e->flags & E_KEPT) ? 0 : 1;
}

static int compare_inputs_reversed(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	int d = delete_rank(x->e) - delete_rank(y->e);

	return d != 0 ? d : compare_inputs(a, b);
}

static const struct entity *entity_from_name(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (strrchr(base, ':')) /* ARCHIVE:MEMBER */
		base = strrchr(base, ':') + 1;

	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		size_t n = strlen(e->plural);
		if (strncasecmp(base, e->plural, n) == 0 &&
		    (base[n] == '.' || base[n] == '-' || base[n] == '_'))
			return e;
	}
	return NULL;
}

static int add_input(struct input_list *list, const char *path, const char *name)
{
	struct input *n = list->items;

	if (list->count == list->cap) {
		/* doubling: an archive of 20,000 members must not copy the list 20,000 times */
		size_t ncap = list->cap ? list->cap * 2 : 16;
		if (!(n = realloc(list->items, ncap * sizeof(*n))))
			return -1;
		list->items = n;
		list->cap = ncap;
	}
	memset(&n[list->count], 0, sizeof(*n));
	n[list->count].path = strdup(path);
	n[list->count].name = strdup(name);
	if (!n[list->count].path || !n[list->count].name) {
		free(n[list->count].path);
		free(n[list->count].name);
		return -1;
	}
	list->count++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the .csv and .xml files of directory DIR, sorted by name. */
static enum resolve_status add_directory(struct input_list *list, const char *dir,
					 struct diag_list *diags)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	enum resolve_status st = RESOLVE_OK;

	if (!d) {
		diag_add(diags, DIAG_SCHEMA, dir, 0, 0, 0, NULL, "cannot read directory: %s",
			 strerror(errno));
		return RESOLVE_IO;
	}
	while ((de = readdir(d)) != NULL) {
		char **nn;
		if (de->d_name[0] == '.' || !(source_name_ends_with(de->d_name, ".csv") ||
					      source_name_ends_with(de->d_name, ".xml")))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		if (asprintf(&names[n], "%s%s%s", dir, source_name_ends_with(dir, "/") ? "" : "/",
			     de->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		if (st == RESOLVE_OK && add_input(list, names[i], names[i]) != 0)
			st = RESOLVE_IO;
		free(names[i]);
	}
	free(names);
	if (n == 0) {
		diag_add(diags, DIAG_SCHEMA, dir, 0, 0, 0, NULL,
			 "directory holds no .csv or .xml files");
		return RESOLVE_MISSING;
	}
	return st;
}

/* archive_read_members' callback: one input per member, its bytes in the archive's spool. */
struct member_ctx {
	struct input_list *list;
	const char *archive;
	struct spool *sp;
};

static int add_member(void *ctx, const char *member, uint64_t start, uint64_t len)
{
	struct member_ctx *mc = ctx;
	struct input *in;
	char *name = NULL;
	int rc = -1;

	if (asprintf(&name, "%s:%s", mc->archive, member) >= 0 &&
	    add_input(mc->list, name, name) == 0) {
		in = &mc->list->items[mc->list->count - 1];
		in->bytes = calloc(1, sizeof(*in->bytes));
		if (in->bytes) {
			*in->bytes = (struct spooled){
				.sp = mc->sp, .start = start, .len = len, .from = -1};
			rc = 0;
		}
	}
	free(name);
	return rc;
}

/* Keep a spool with the list, which frees it. */
static int keep_spool(struct input_list *list, struct spool *sp)
{
	struct spool **n = realloc(list->spools, (list->nspools + 1) * sizeof(*n));

	if (!n) {
		spool_free(sp);
		return -1;
	}
	list->spools = n;
	n[list->nspools++] = sp;
	return 0;
}

/*
 * IN comes from a pipe (standard input when FD is STDIN_FILENO, else a
 * FIFO or a process substitution, open on FD, which it owns): read it
 * through a spool, as needed. Returns 0, or -1 with a diagnostic.
 */
static int spool_pipe(struct input *in, int fd, struct diag_list *diags)
{
	int from = fd == STDIN_FILENO ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : fd;

	in->bytes = calloc(1, sizeof(*in->bytes));
	if (!in->bytes || from < 0 || spooled_pipe(in->bytes, from) != 0) {
		diag_add(diags, DIAG_SCHEMA, in->name, 0, 0, 0, NULL, "%s",
			 in->bytes && in->bytes->why[0] ? in->bytes->why : strerror(errno));
		if (from >= 0 && !in->bytes)
			close(from);
		return -1;
	}
	return 0;
}

int input_open(const struct input *in, struct source *src)
{
	if (in->bytes)
		return source_open_spooled(src, in->bytes, in->name);
	if (source_open_file(src, in->path, in->name) != 0)
		return -1;
	if (!source_same_file(src, &in->id)) {
		source_close(src);
		errno = ESTALE;
		return -1;
	}
	return 0;
}

const char *input_why(const struct input *in, int err, char *buf, size_t size)
{
	if (err == ESTALE)
		snprintf(buf, size,
			 "'%s' changed while it was read (it is not the size or age it was "
			 "when the run began)",
			 in->name);
	else if (in->bytes && in->bytes->why[0])
		snprintf(buf, size, "'%s': %s", in->name, in->bytes->why);
	else
		snprintf(buf, size, "cannot read '%s': %s", in->name, strerror(err));
	return buf;
}

/*
 * Add what argument ARG names: a file, a directory's files, an archive's
 * members, "-". A missing file or an unreadable directory sets *LATER and
 * returns RESOLVE_OK, so that every such argument is named before the
 * resolution fails; any other failure is returned at once.
 */
static enum resolve_status add_argument(struct input_list *list, const char *arg,
					const struct entity *force_entity,
					enum input_format force_format, uint64_t max_unpacked,
					enum resolve_status *later, struct diag_list *diags)
{
	struct stat sb;
	enum resolve_status ds;

	if (strcmp(arg, "-") == 0) {
		if (!force_entity || force_format == FORMAT_UNKNOWN) {
			diag_add(diags, DIAG_SCHEMA, "<stdin>", 0, 0, 0, NULL,
				 "reading standard input needs --format and --entity");
			return RESOLVE_USAGE;
		}
		return add_input(list, "-", "<stdin>") != 0 ? RESOLVE_IO : RESOLVE_OK;
	}
	if (stat(arg, &sb) != 0) {
		diag_add(diags, DIAG_SCHEMA, arg, 0, 0, 0, NULL, "cannot open: %s",
			 strerror(errno));
		*later = RESOLVE_MISSING;
		return RESOLVE_OK;
	}
	if (S_ISDIR(sb.st_mode)) {
		if ((ds = add_directory(list, arg, diags)) != RESOLVE_OK)
			*later = ds;
		return RESOLVE_OK;
	}
	if (S_ISREG(sb.st_mode) && archive_is_package(arg)) {
		/* every member into one spool: one descriptor for any number */
		char why[256];
		struct member_ctx mc = {list, arg, spool_new(why)};
		int ar;
		if (!mc.sp) {
			diag_add(diags, DIAG_SCHEMA, arg, 0, 0, 0, NULL, "%s", why);
			return RESOLVE_IO;
		}
		if (keep_spool(list, mc.sp) != 0)
			return RESOLVE_IO;
		ar = archive_read_members(
			arg, max_unpacked ? max_unpacked : ARCHIVE_MAX_UNPACKED_DEFAULT, mc.sp,
			add_member, &mc, diags);
		return ar == -2 || ar == -3 ? RESOLVE_IO : ar != 0 ? RESOLVE_INVALID : RESOLVE_OK;
	}
	return add_input(list, arg, arg) != 0 ? RESOLVE_IO : RESOLVE_OK;
}

/*
 * Note each file's identity; a file named twice (through a directory, a
 * link or a hard link too) is read once.
 */
static enum resolve_status drop_repeats(struct input_list *list, struct diag_list *diags)
{
	for (size_t i = 0; i < list->count; i++) {
		struct input *in = &list->items[i];
		if (in->bytes || strcmp(in->path, "-") == 0)
			continue;
		if (stat(in->path, &in->id) != 0) {
			diag_add(diags, DIAG_SCHEMA, in->name, 0, 0, 0, NULL, "cannot open: %s",
				 strerror(errno));
			return errno == ENOENT ? RESOLVE_MISSING : RESOLVE_IO;
		}
		for (size_t k = 0; k < i; k++) {
			const struct input *ik = &list->items[k];
			if (ik->bytes || strcmp(ik->path, "-") == 0 ||
			    ik->id.st_dev != in->id.st_dev || ik->id.st_ino != in->id.st_ino)
				continue;
			free(in->path);
			free(in->name);
			memmove(in, in + 1, (list->count - i - 1) * sizeof(*in));
			list->count--;
			i--;
			break;
		}
	}
	return RESOLVE_OK;
}

/*
 * A pipe (standard input, a process substitution, a FIFO) can be read only
 * once: it is read through a spool, so that it can be looked at and read
 * again.
 */
static enum resolve_status spool_pipes(struct input_list *list, struct diag_list *diags)
{
	for (size_t i = 0; i < list->count; i++) {
		struct input *in = &list->items[i];
		int from;
		if (in->bytes || (strcmp(in->path, "-") != 0 && S_ISREG(in->id.st_mode)))
			continue;
		from = strcmp(in->path, "-") == 0 ? STDIN_FILENO
						  : open(in->path, O_RDONLY | O_CLOEXEC);
		if (from < 0) {
			diag_add(diags, DIAG_SCHEMA, in->name, 0, 0, 0, NULL, "cannot read: %s",
				 strerror(errno));
			return RESOLVE_IO;
		}
		if (spool_pipe(in, from, diags) != 0)
			return RESOLVE_IO;
	}
	return RESOLVE_OK;
}

/* The format a name says (".xml", ".csv"), or FORMAT_UNKNOWN. */
static enum input_format format_from_name(const struct input *in)
{
	if (source_name_ends_with(in->path, ".xml") || source_name_ends_with(in->name, ".xml"))
		return FORMAT_XML;
	if (source_name_ends_with(in->path, ".csv") || source_name_ends_with(in->name, ".csv"))
		return FORMAT_CSV;
	return FORMAT_UNKNOWN;
}

/*
 * Settle IN's format (FORCE_FORMAT, else its name, else its first bytes)
 * and entity (FORCE_ENTITY, else the XML root or CSV header, else its name).
 */
static enum resolve_status detect_input(struct input *in, const struct entity *force_entity,
					enum input_format force_format, struct diag_list *diags)
{
	struct source src;
	const char *data;
	char why[600];
	size_t len = 0, k = 0;

	in->format = force_format != FORMAT_UNKNOWN ? force_format : format_from_name(in);
	in->e = force_entity;
	if (in->e && in->format != FORMAT_UNKNOWN)
		return RESOLVE_OK;
	if (input_open(in, &src) != 0) {
		int e = errno;
		diag_add(diags, DIAG_SCHEMA, in->name, 0, 0, 0, NULL, "%s",
			 input_why(in, e, why, sizeof(why)));
		return e == ENOENT ? RESOLVE_MISSING : RESOLVE_IO;
	}
	if (source_peek(&src, 4096, &data, &len) != 0) {
		diag_add(diags, DIAG_SCHEMA, in->name, 0, 0, 0, NULL, "%s",
			 input_why(in, src.error, why, sizeof(why)));
		source_close(&src);
		return RESOLVE_IO;
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		k = 3;
	while (k < len && strchr(" \t\r\n", data[k]))
		k++;
	if (in->format == FORMAT_UNKNOWN)
		in->format = k < len && data[k] == '<' ? FORMAT_XML : FORMAT_CSV;
	if (!in->e)
		in->e = in->format == FORMAT_XML ? xml_detect_entity(data, len)
						 : csv_detect_entity(data, len);
	if (!in->e)
		in->e = entity_from_name(in->name);
	source_close(&src);
	if (!in->e) {
		diag_add(diags, DIAG_SCHEMA, in->name, 1, 0, 0, NULL,
			 "cannot tell which entity the file holds; name it with --entity");
		return RESOLVE_UNKNOWN;
	}
	return RESOLVE_OK;
}

enum resolve_status inputs_resolve(char *const *args, int nargs, const struct entity *force_entity,
				   enum input_format force_format, bool reverse,
				   uint64_t max_unpacked, struct input_list *list,
				   struct diag_list *diags)
{
	enum resolve_status st = RESOLVE_OK, s;

	memset(list, 0, sizeof(*list));
	for (int i = 0; i < nargs; i++)
		if ((s = add_argument(list, args[i], force_entity, force_format, max_unpacked, &st,
				      diags)) != RESOLVE_OK)
			return s;
	if (st != RESOLVE_OK)
		return st;
	if ((st = drop_repeats(list, diags)) != RESOLVE_OK ||
	    (st = spool_pipes(list, diags)) != RESOLVE_OK)
		return st;
	for (size_t i = 0; i < list->count; i++) {
		s = detect_input(&list->items[i], force_entity, force_format, diags);
		if (s == RESOLVE_UNKNOWN)
			st = s; /* name every file it cannot tell */
		else if (s != RESOLVE_OK)
			return s;
	}
	for (size_t i = 0; i < list->count; i++)
		list->items[i].order = i; /* qsort is not stable: keep the given order */
	if (st == RESOLVE_OK)
		qsort(list->items, list->count, sizeof(*list->items),
		      reverse ? compare_inputs_reversed : compare_inputs);
	return st;
}

void input_list_release(struct input_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].path);
		free(list->items[i].name);
		if (list->items[i].bytes) {
			spooled_release(list->items[i].bytes);
			free(list->items[i].bytes);
		}
	}
	free(list->items);
	for (size_t i = 0; i < list->nspools; i++)
		spool_free(list->spools[i]);
	free(list->spools);
	memset(list, 0, sizeof(*list));
}
