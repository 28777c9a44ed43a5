/*
 * archive_in.c - onboarding packages (see archive_in.h).
 */
#include "archive_in.h"
#include "keyset.h"
#include "source.h"
#include "stop.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUMS_MAX (1u << 20) /* a SHA256SUMS larger than this is not ours */

/* One member met: its name, and for import where its bytes are in the spool. */
struct member {
	char *name;	/* path inside the archive */
	bool imported;	/* a CSV or XML member for import (not manifest.xml) */
	uint64_t start; /* its first byte in the spool */
	uint64_t len;	/* its bytes */
	char sha256[65];
};

/* The members met so far, and their names for finding one in constant time. */
struct members {
	struct member *m; /* in archive order */
	size_t n, cap;	  /* used / allocated */
	struct keyset names;
};

static void members_release(struct members *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		free(ms->m[i].name);
	free(ms->m);
	keyset_release(&ms->names);
	memset(ms, 0, sizeof(*ms));
}

/* Add member NAME: 1 added, 0 a member of that name is there already, -1 out of memory. */
static int members_add(struct members *ms, const char *name)
{
	int added = keyset_add(&ms->names, name, strlen(name), (long)ms->n, NULL);

	if (added <= 0)
		return added;
	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 64;
		struct member *nm = realloc(ms->m, ncap * sizeof(*nm));
		if (!nm)
			return -1;
		ms->m = nm;
		ms->cap = ncap;
	}
	memset(&ms->m[ms->n], 0, sizeof(ms->m[ms->n]));
	ms->m[ms->n].name = strdup(name);
	if (!ms->m[ms->n].name)
		return -1;
	ms->n++;
	return 1;
}

/*
 * A SHA256SUMS, parsed: "HEX  NAME" (text mode) or "HEX *NAME" (binary
 * mode) per line. Checked both ways, as sha256sum -c and more: every
 * member must be listed with its SHA-256, and every listed name must be a
 * member.
 */
struct sums {
	char *text;	     /* the file, NUL-terminated; names point into it */
	size_t len;	     /* bytes of text */
	struct keyset names; /* name -> line index */
	const char **hex;    /* per line: the SHA-256 */
	const char **name;   /* per line: the name */
	bool *seen;	     /* per line: a member matched it */
	size_t lines;	     /* lines held */
	long bad_line;	     /* first line that is not "HEX  NAME", 0 if none */
};

static void sums_release(struct sums *su)
{
	free(su->text);
	free(su->hex);
	free(su->name);
	free(su->seen);
	keyset_release(&su->names);
	memset(su, 0, sizeof(*su));
}

/* Append N bytes of BUF to the SHA256SUMS text; -1 when it grows too large. */
static int sums_append(struct sums *su, const char *buf, size_t n)
{
	char *ns;

	if (su->len + n > SUMS_MAX || !(ns = realloc(su->text, su->len + n + 1)))
		return -1;
	memcpy(ns + su->len, buf, n);
	su->len += n;
	ns[su->len] = '\0';
	su->text = ns;
	return 0;
}

static bool is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

/* Index the text's lines. 0, or -1 when out of memory. */
static int sums_parse(struct sums *su)
{
	size_t lines = 1;
	long lineno = 0;

	if (!su->text && !(su->text = calloc(1, 1)))
		return -1;
	for (size_t i = 0; i < su->len; i++)
		lines += su->text[i] == '\n';
	su->hex = calloc(lines, sizeof(*su->hex));
	su->name = calloc(lines, sizeof(*su->name));
	su->seen = calloc(lines, sizeof(*su->seen));
	if (!su->hex || !su->name || !su->seen)
		return -1;
	for (char *line = su->text; line && *line;) {
		char *end = strchr(line, '\n');
		size_t n;
		lineno++;
		if (end)
			*end = '\0';
		n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n > 0) {
			if (n < 67 || !is_hex64(line) || line[64] != ' ' ||
			    (line[65] != ' ' && line[65] != '*')) {
				if (!su->bad_line)
					su->bad_line = lineno;
			} else {
				int added = keyset_add(&su->names, line + 66, n - 66,
						       (long)su->lines, NULL);
				if (added < 0)
					return -1;
				if (added == 0 && !su->bad_line) /* a name listed twice */
					su->bad_line = lineno;
				su->hex[su->lines] = line;
				su->name[su->lines] = line + 66;
				su->lines++;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

/*
 * Whether the members MS and the parsed sums SU disagree, either way;
 * WHY (SIZE bytes) then says how, naming the member or listed name.
 */
static bool sums_mismatch(struct sums *su, const struct members *ms, char *why, size_t size)
{
	if (su->bad_line) {
		snprintf(why, size,
			 "SHA256SUMS line %ld is not 'SHA-256  NAME' (or names a file twice)",
			 su->bad_line);
		return true;
	}
	for (size_t i = 0; i < ms->n; i++) {
		long line;
		if (!keyset_get(&su->names, ms->m[i].name, strlen(ms->m[i].name), &line)) {
			snprintf(why, size, "member '%.300s' is not listed in SHA256SUMS",
				 ms->m[i].name);
			return true;
		}
		if (strncasecmp(su->hex[line], ms->m[i].sha256, 64) != 0) {
			snprintf(why, size,
				 "member '%.300s' does not match its SHA-256 in SHA256SUMS",
				 ms->m[i].name);
			return true;
		}
		su->seen[line] = true;
	}
	for (size_t l = 0; l < su->lines; l++)
		if (!su->seen[l]) {
			snprintf(why, size,
				 "SHA256SUMS lists '%.300s', which is not in the archive",
				 su->name[l]);
			return true;
		}
	return false;
}

bool archive_is_package(const char *path)
{
	return source_name_ends_with(path, ".zip") || source_name_ends_with(path, ".tar") ||
	       source_name_ends_with(path, ".tar.gz") || source_name_ends_with(path, ".tgz") ||
	       source_name_ends_with(path, ".tar.xz");
}

/* Whether NAME has a ".." component. */
static bool has_dotdot(const char *name)
{
	for (const char *p = name; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* A reader of the archive open on FD for the formats acctbatch reads; ARCHIVE_OK or libarchive's failure. */
static int open_reader(struct archive *a, int fd, size_t block)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	return archive_read_open_fd(a, fd, block);
}

/* Whether libarchive's last failure on A was the machine's (memory, I/O), not the archive's. */
static bool resource_failure(struct archive *a)
{
	int e = archive_errno(a);

	return e == EIO || e == ENOMEM || e == ENOSPC || e == EMFILE || e == ENFILE || e == EINTR ||
	       e == EDQUOT;
}

/* How reading one member ended (read_member). */
enum member_read {
	MEMBER_READ,	       /* all of it */
	MEMBER_OVER_LIMIT,     /* the archive's unpacked bytes passed the limit */
	MEMBER_SUMS_TOO_LARGE, /* SHA256SUMS is larger than SUMS_MAX */
	MEMBER_UNWRITABLE,     /* the spool did not take it (errno; the spool's WHY) */
	MEMBER_UNREADABLE,     /* libarchive could not unpack it */
	MEMBER_STOPPED,	       /* a stop signal came */
};

/*
 * Read the current member of A through BUF (SIZE bytes): its SHA-256 into
 * DIGEST, its bytes added to *TOTAL (stopping once *TOTAL passes LIMIT),
 * appended to SUMS when that is not NULL (the member is SHA256SUMS), else
 * appended to SP when that is not NULL. BUF is wiped after: a member may
 * hold passwords.
 */
static enum member_read read_member(struct archive *a, char *buf, size_t size, uint64_t *total,
				    uint64_t limit, struct sums *sums, struct spool *sp,
				    char why[256], unsigned char digest[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state sha;
	enum member_read how = MEMBER_READ;
	la_ssize_t got = 0;

	crypto_hash_sha256_init(&sha);
	while (how == MEMBER_READ && (got = archive_read_data(a, buf, size)) > 0) {
		*total += (uint64_t)got;
		if (stop_signal())
			how = MEMBER_STOPPED;
		else if (*total > limit)
			how = MEMBER_OVER_LIMIT;
		else if (sums && sums_append(sums, buf, (size_t)got) != 0)
			how = MEMBER_SUMS_TOO_LARGE;
		else if (!sums && sp && spool_append(sp, buf, (size_t)got, why) != 0)
			how = MEMBER_UNWRITABLE;
		else
			crypto_hash_sha256_update(&sha, (const unsigned char *)buf, (size_t)got);
	}
	sodium_memzero(buf, size);
	if (how == MEMBER_READ && got < 0)
		how = stop_signal() ? MEMBER_STOPPED : MEMBER_UNREADABLE;
	crypto_hash_sha256_final(&sha, digest);
	return how;
}

/*
 * After the unpacked bytes passed the ratio limit: read on without keeping
 * anything (up to MAX bytes) to tell a damaged or cut-off archive, which
 * should be sent again, from one that unpacks to that much. 1 when it
 * ends early, 0 otherwise.
 */
static int ends_early(struct archive *a, char *buf, size_t size, uint64_t total, uint64_t max)
{
	struct archive_entry *entry;
	la_ssize_t got;
	int r;

	for (;;) {
		while ((got = archive_read_data(a, buf, size)) > 0)
			if ((total += (uint64_t)got) > max || stop_signal())
				return 0;
		if (got < 0)
			return 1;
		r = archive_read_next_header(a, &entry);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK)
			return 1;
	}
}

/*
 * The next member's header. A name that the C locale cannot hold (UTF-8
 * in a zip) is only a warning to libarchive: the member is read, by its
 * UTF-8 name (member_name).
 */
static int next_member(struct archive *a, struct archive_entry **entry)
{
	int r = archive_read_next_header(a, entry);

	return r == ARCHIVE_WARN ? ARCHIVE_OK : r;
}

static const char *member_name(struct archive_entry *entry)
{
	const char *utf8 = archive_entry_pathname_utf8(entry);

	return utf8 ? utf8 : archive_entry_pathname(entry);
}

/* Whether the archive file FD is still the file SB describes (not changed while read). */
static bool unchanged(int fd, const struct stat *sb)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_size == sb->st_size &&
	       now.st_mtim.tv_sec == sb->st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == sb->st_mtim.tv_nsec;
}

/* Why member NAME of ENTRY is refused, NULL if it is not (a name, a path
 * inside the archive, a regular file). */
static const char *member_refused(struct archive_entry *entry, const char *name)
{
	mode_t type = archive_entry_filetype(entry);

	if (!name || !*name)
		return "a member has no name";
	if (name[0] == '/')
		return "absolute path";
	if (has_dotdot(name))
		return "'..' in the path";
	if (archive_entry_hardlink(entry) || type == AE_IFLNK)
		return "a link";
	if (type != AE_IFREG)
		return "a device or other special file";
	return NULL;
}

/*
 * Report why member NAME of archive PATH was not read (HOW, from
 * read_member; WHY its words, TOTAL the bytes unpacked so far) to DIAGS.
 * Returns archive_read_members' result: -3 for an I/O failure or a stop,
 * -1 for a bad archive.
 */
static int member_failed(struct archive *a, enum member_read how, const char *path,
			 const char *name, const char *why, uint64_t total, uint64_t max_unpacked,
			 char *buf, size_t size, struct diag_list *diags)
{
	switch (how) {
	case MEMBER_OVER_LIMIT:
		if (total <= max_unpacked && ends_early(a, buf, size, total, max_unpacked))
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "the archive is truncated or damaged: %s; nothing imported",
				 archive_error_string(a) ? archive_error_string(a)
							 : "it ends early");
		else
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 total > max_unpacked
					 ? "unpacked, the archive is larger than %llu bytes "
					   "(--max-unpacked); nothing imported"
					 : "the archive unpacks to more than %llu times its size "
					   "(a zip bomb?); nothing imported",
				 total > max_unpacked ? (unsigned long long)max_unpacked
						      : (unsigned long long)ARCHIVE_MAX_RATIO);
		return -1;
	case MEMBER_SUMS_TOO_LARGE:
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL, "SHA256SUMS is too large");
		return -1;
	case MEMBER_UNWRITABLE:
		diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL, "member '%s': %s", name, why);
		return -3;
	case MEMBER_STOPPED:
		diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL, "stopped by signal %d",
			 stop_signal());
		return -3;
	case MEMBER_UNREADABLE:
	default:
		diag_add(diags, resource_failure(a) ? DIAG_SCHEMA : DIAG_BAD_ARCHIVE, path, 0, 0, 0,
			 NULL, "member '%s' cannot be read: %s", name,
			 archive_error_string(a) ? archive_error_string(a) : "damaged");
		return resource_failure(a) ? -3 : -1;
	}
}

int archive_read_members(const char *path, uint64_t max_unpacked, struct spool *sp,
			 int (*fn)(void *ctx, const char *member, uint64_t start, uint64_t len),
			 void *ctx, struct diag_list *diags)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct members ms = {0};
	struct sums sums = {0};
	char buf[65536], why[256];
	bool have_sums = false;
	uint64_t total = 0, limit_ratio;
	struct stat sb;
	int rc = -1, r, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!a || fd < 0 || fstat(fd, &sb) != 0) {
		diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL, "cannot read the archive: %s",
			 a ? strerror(errno) : "out of memory");
		rc = -3;
		goto out;
	}
	limit_ratio = (uint64_t)(sb.st_size > 0 ? sb.st_size : 1) * ARCHIVE_MAX_RATIO;
	if (open_reader(a, fd, sizeof(buf)) != ARCHIVE_OK) {
		bool io = resource_failure(a);
		diag_add(diags, io ? DIAG_SCHEMA : DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
			 io ? "cannot read the archive: %s" : "not a readable archive: %s",
			 archive_error_string(a) ? archive_error_string(a) : "unknown format");
		rc = io ? -3 : -1;
		goto out;
	}
	while ((r = next_member(a, &entry)) == ARCHIVE_OK) {
		const char *name = member_name(entry);
		mode_t type = archive_entry_filetype(entry);
		bool special = false, sums_file = false;
		unsigned char digest[crypto_hash_sha256_BYTES];
		enum member_read how;
		const char *refused = NULL;
		uint64_t start = spool_size(sp);
		int added = 0;

		if (type == AE_IFDIR && name && *name && name[0] != '/' && !has_dotdot(name) &&
		    !archive_entry_hardlink(entry))
			continue;
		refused = member_refused(entry, name);
		if (!refused) {
			special = strcmp(name, "manifest.xml") == 0;
			sums_file = strcmp(name, "SHA256SUMS") == 0;
			if (!special && !sums_file && !source_name_ends_with(name, ".csv") &&
			    !source_name_ends_with(name, ".xml"))
				refused =
					"not a .csv or .xml file (an archive may hold only those, "
					"and the manifest.xml and SHA256SUMS acctbatch writes)";
			else if (sums_file ? have_sums : (added = members_add(&ms, name)) == 0)
				refused = "a second member of this name";
		}
		if (refused) {
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "member '%s' refused: %s; nothing imported", name ? name : "",
				 refused);
			goto out;
		}
		if (added < 0) {
			diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL, "out of memory");
			rc = -3;
			goto out;
		}
		how = read_member(a, buf, sizeof(buf), &total,
				  max_unpacked < limit_ratio ? max_unpacked : limit_ratio,
				  sums_file ? &sums : NULL, special ? NULL : sp, why, digest);
		if (how != MEMBER_READ) {
			rc = member_failed(a, how, path, name, why, total, max_unpacked, buf,
					   sizeof(buf), diags);
			goto out;
		}
		if (sums_file) {
			have_sums = true;
			continue;
		}
		ms.m[ms.n - 1].imported = !special; /* the manifest is checked, not imported */
		ms.m[ms.n - 1].start = start;
		ms.m[ms.n - 1].len = spool_size(sp) - start;
		sodium_bin2hex(ms.m[ms.n - 1].sha256, 65, digest, sizeof(digest));
	}
	if (r != ARCHIVE_EOF) {
		bool io = resource_failure(a);
		diag_add(diags, io ? DIAG_SCHEMA : DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
			 io ? "cannot read the archive: %s" : "damaged archive: %s",
			 archive_error_string(a) ? archive_error_string(a) : "cannot read on");
		rc = io ? -3 : -1;
		goto out;
	}
	if (!unchanged(fd, &sb)) {
		diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL,
			 "the archive changed while it was read; nothing imported");
		rc = -3;
		goto out;
	}
	if (have_sums && sums_parse(&sums) != 0) {
		diag_add(diags, DIAG_SCHEMA, path, 0, 0, 0, NULL, "out of memory");
		rc = -3;
		goto out;
	}
	if (have_sums && sums_mismatch(&sums, &ms, why, sizeof(why))) {
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL, "%s; nothing imported", why);
		goto out;
	}
	{
		size_t data_members = 0;
		for (size_t i = 0; i < ms.n; i++)
			data_members += ms.m[i].imported;
		if (data_members == 0) {
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "the archive holds no .csv or .xml file");
			goto out;
		}
	}
	rc = 0;
	for (size_t i = 0; i < ms.n && rc == 0; i++)
		if (ms.m[i].imported && fn(ctx, ms.m[i].name, ms.m[i].start, ms.m[i].len) != 0)
			rc = -2;
out:
	if (a)
		archive_read_free(a);
	if (fd >= 0)
		close(fd);
	members_release(&ms);
	sums_release(&sums);
	return rc;
}

long archive_check_sums(const char *path, char why[512])
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct members ms = {0};
	struct sums sums = {0};
	char buf[65536], spool_why[256];
	bool have_sums = false;
	/* nothing is kept, so only time is at stake: no ratio limit (a list of
	 * one recipient's invoices compresses far better than 100:1), a cap */
	uint64_t total = 0;
	long rc = -2;
	int r, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!a || fd < 0) {
		snprintf(why, 512, "cannot read '%s': %s", path,
			 a ? strerror(errno) : "out of memory");
		goto out;
	}
	if (open_reader(a, fd, sizeof(buf)) != ARCHIVE_OK) {
		snprintf(why, 512, "'%s' is not a readable archive: %s", path,
			 archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	while ((r = next_member(a, &entry)) == ARCHIVE_OK) {
		const char *name = member_name(entry);
		bool sums_file = name && strcmp(name, "SHA256SUMS") == 0;
		unsigned char digest[crypto_hash_sha256_BYTES];
		int added = 0;

		if (archive_entry_filetype(entry) == AE_IFDIR)
			continue;
		if (!name || archive_entry_filetype(entry) != AE_IFREG ||
		    archive_entry_hardlink(entry)) {
			snprintf(why, 512, "member '%s' is not a regular file", name ? name : "");
			rc = -1;
			goto out;
		}
		if (sums_file ? have_sums : (added = members_add(&ms, name)) == 0) {
			snprintf(why, 512, "member '%s' is in the archive twice", name);
			rc = -1;
			goto out;
		}
		if (added < 0) {
			snprintf(why, 512, "out of memory");
			goto out;
		}
		switch (read_member(a, buf, sizeof(buf), &total, ARCHIVE_VERIFY_MAX,
				    sums_file ? &sums : NULL, NULL, spool_why, digest)) {
		case MEMBER_READ:
		case MEMBER_UNWRITABLE: /* nothing is written */
			break;
		case MEMBER_OVER_LIMIT:
			snprintf(why, 512,
				 "'%s' unpacks to more than %llu bytes; not checked further", path,
				 (unsigned long long)ARCHIVE_VERIFY_MAX);
			goto out;
		case MEMBER_SUMS_TOO_LARGE:
			snprintf(why, 512, "SHA256SUMS is too large");
			rc = -1;
			goto out;
		case MEMBER_STOPPED:
			snprintf(why, 512, "stopped by signal %d", stop_signal());
			goto out;
		case MEMBER_UNREADABLE:
			snprintf(why, 512, "member '%s' cannot be read: %s", name,
				 archive_error_string(a) ? archive_error_string(a) : "damaged");
			goto out;
		}
		if (sums_file) {
			have_sums = true;
			continue;
		}
		sodium_bin2hex(ms.m[ms.n - 1].sha256, 65, digest, sizeof(digest));
	}
	if (r != ARCHIVE_EOF) {
		snprintf(why, 512, "'%s' is damaged: %s", path,
			 archive_error_string(a) ? archive_error_string(a) : "cannot read on");
		goto out;
	}
	if (have_sums && sums_parse(&sums) != 0) {
		snprintf(why, 512, "out of memory");
		goto out;
	}
	rc = -1;
	if (!have_sums) {
		snprintf(why, 512, "'%s' holds no SHA256SUMS", path);
		goto out;
	}
	if (sums_mismatch(&sums, &ms, why, 512))
		goto out;
	rc = (long)ms.n;
out:
	if (a)
		archive_read_free(a);
	if (fd >= 0)
		close(fd);
	members_release(&ms);
	sums_release(&sums);
	return rc;
}
