/*
 * archive_in.c - onboarding packages (see archive_in.h).
 */
#include "archive_in.h"
#include "source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUMS_MAX (1u << 20) /* a SHA256SUMS larger than this is not ours */

struct member {
	char *name; /* path inside the archive */
	int fd;	    /* memfd with its bytes, -1 for manifest.xml */
	char sha256[65];
};

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

static void release(struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].fd >= 0)
			close(m[i].fd);
		free(m[i].name);
	}
	free(m);
}

/* Append N bytes of BUF to the SHA256SUMS text *SUMS (NUL-terminated); -1 when it grows too large. */
static int sums_append(char **sums, size_t *len, const char *buf, size_t n)
{
	char *ns;

	if (*len + n > SUMS_MAX || !(ns = realloc(*sums, *len + n + 1)))
		return -1;
	memcpy(ns + *len, buf, n);
	*len += n;
	ns[*len] = '\0';
	*sums = ns;
	return 0;
}

/* Is NAME listed in SUMS with HEX? 1 yes, 0 listed with another digest, -1 not listed. */
static int sums_check(const char *sums, const char *name, const char *hex)
{
	const char *line = sums;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		/* "HEX  NAME" (text mode) or "HEX *NAME" (binary mode) */
		if (len > 66 && (line[64] == ' ') && (line[65] == ' ' || line[65] == '*') &&
		    len - 66 == strlen(name) && memcmp(line + 66, name, len - 66) == 0)
			return strncasecmp(line, hex, 64) == 0 ? 1 : 0;
		line = end ? end + 1 : NULL;
	}
	return -1;
}

/*
 * The first of the N members M that SHA256SUMS does not vouch for: what is
 * wrong with it ("is not listed in SHA256SUMS", "does not match its SHA-256
 * in SHA256SUMS") with *NAME set, or NULL when every member matches.
 */
static const char *sums_mismatch(const char *sums, const struct member *m, size_t n,
				 const char **name)
{
	for (size_t i = 0; i < n; i++) {
		int c = sums_check(sums, m[i].name, m[i].sha256);
		if (c != 1) {
			*name = m[i].name;
			return c < 0 ? "is not listed in SHA256SUMS"
				     : "does not match its SHA-256 in SHA256SUMS";
		}
	}
	return NULL;
}

/* A reader of PATH for the formats acctbatch reads; ARCHIVE_OK or libarchive's failure. */
static int open_reader(struct archive *a, const char *path, size_t block)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	return archive_read_open_filename(a, path, block);
}

/* How reading one member ended (read_member). */
enum member_read {
	MEMBER_READ,	       /* all of it */
	MEMBER_OVER_LIMIT,     /* the archive's unpacked bytes passed the limit */
	MEMBER_SUMS_TOO_LARGE, /* SHA256SUMS is larger than SUMS_MAX */
	MEMBER_UNWRITABLE,     /* FD did not take it (errno) */
	MEMBER_UNREADABLE,     /* libarchive could not unpack it */
};

/*
 * Read the current member of A through BUF (SIZE bytes): its SHA-256 into
 * DIGEST, its bytes added to *TOTAL (stopping once *TOTAL passes LIMIT),
 * appended to *SUMS when it is SHA256SUMS (SUMS not NULL), else written to
 * FD when FD >= 0. BUF is wiped after: a member may hold passwords.
 */
static enum member_read read_member(struct archive *a, char *buf, size_t size, uint64_t *total,
				    uint64_t limit, char **sums, size_t *sums_len, int fd,
				    unsigned char digest[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state sha;
	enum member_read how = MEMBER_READ;
	la_ssize_t got;

	crypto_hash_sha256_init(&sha);
	while (how == MEMBER_READ && (got = archive_read_data(a, buf, size)) > 0) {
		*total += (uint64_t)got;
		if (*total > limit)
			how = MEMBER_OVER_LIMIT;
		else if (sums && sums_append(sums, sums_len, buf, (size_t)got) != 0)
			how = MEMBER_SUMS_TOO_LARGE;
		else if (!sums && fd >= 0 && write(fd, buf, (size_t)got) != got)
			how = MEMBER_UNWRITABLE;
		else
			crypto_hash_sha256_update(&sha, (const unsigned char *)buf, (size_t)got);
	}
	sodium_memzero(buf, size);
	if (how == MEMBER_READ && got < 0)
		how = MEMBER_UNREADABLE;
	crypto_hash_sha256_final(&sha, digest);
	return how;
}

int archive_read_members(const char *path, uint64_t max_unpacked,
			 int (*fn)(void *ctx, const char *member, int fd), void *ctx,
			 struct diag_list *diags)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct member *m = NULL;
	size_t n = 0;
	char *sums = NULL, buf[65536];
	size_t sums_len = 0;
	bool have_sums = false;
	const char *wrong, *wrong_name = NULL;
	uint64_t total = 0, limit_ratio;
	struct stat sb;
	int rc = -1, r;

	if (!a || stat(path, &sb) != 0) {
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
			 "cannot read the archive: %s", a ? strerror(errno) : "out of memory");
		goto out;
	}
	limit_ratio = (uint64_t)(sb.st_size > 0 ? sb.st_size : 1) * ARCHIVE_MAX_RATIO;
	if (open_reader(a, path, sizeof(buf)) != ARCHIVE_OK) {
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL, "not a readable archive: %s",
			 archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(entry);
		mode_t type = archive_entry_filetype(entry);
		bool special = false, sums_file = false;
		unsigned char digest[crypto_hash_sha256_BYTES];
		enum member_read how;
		struct member *nm;
		const char *why = NULL;
		int fd = -1;

		if (!name || !*name)
			why = "a member has no name";
		else if (name[0] == '/')
			why = "absolute path";
		else if (has_dotdot(name))
			why = "'..' in the path";
		else if (archive_entry_hardlink(entry) || type == AE_IFLNK)
			why = "a link";
		else if (type == AE_IFDIR)
			continue;
		else if (type != AE_IFREG)
			why = "a device or other special file";
		if (!why)
			for (size_t i = 0; i < n; i++)
				if (strcmp(m[i].name, name) == 0)
					why = "a second member of this name";
		if (!why) {
			special = strcmp(name, "manifest.xml") == 0;
			sums_file = strcmp(name, "SHA256SUMS") == 0;
			if (!special && !sums_file && !source_name_ends_with(name, ".csv") &&
			    !source_name_ends_with(name, ".xml"))
				why = "not a .csv or .xml file (an archive may hold only those, "
				      "and the manifest.xml and SHA256SUMS acctbatch writes)";
		}
		if (why) {
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "member '%s' refused: %s; nothing imported", name ? name : "",
				 why);
			goto out;
		}
		if (!sums_file) {
			/* in memory, never on disk: the package may hold passwords */
			fd = memfd_create("acctbatch-member", MFD_CLOEXEC);
			if (fd < 0) {
				diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
					 "cannot keep member '%s': %s", name, strerror(errno));
				goto out;
			}
		}
		how = read_member(a, buf, sizeof(buf), &total,
				  max_unpacked < limit_ratio ? max_unpacked : limit_ratio,
				  sums_file ? &sums : NULL, &sums_len, fd, digest);
		switch (how) {
		case MEMBER_READ:
			break;
		case MEMBER_OVER_LIMIT:
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 total > max_unpacked
					 ? "unpacked, the archive is larger than %llu bytes "
					   "(--max-unpacked); nothing imported"
					 : "the archive unpacks to more than %llu times its size "
					   "(a zip bomb?); nothing imported",
				 total > max_unpacked ? (unsigned long long)max_unpacked
						      : (unsigned long long)ARCHIVE_MAX_RATIO);
			break;
		case MEMBER_SUMS_TOO_LARGE:
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "SHA256SUMS is too large");
			break;
		case MEMBER_UNWRITABLE:
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "cannot keep member '%s': %s", name, strerror(errno));
			break;
		case MEMBER_UNREADABLE:
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "member '%s' cannot be read: %s", name,
				 archive_error_string(a) ? archive_error_string(a) : "damaged");
			break;
		}
		if (how != MEMBER_READ) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (sums_file) {
			have_sums = true;
			if (!sums) {
				sums = calloc(1, 1);
				if (!sums)
					goto out;
			}
			continue;
		}
		nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm) {
			close(fd);
			goto out;
		}
		m = nm;
		m[n].name = strdup(name);
		m[n].fd = fd;
		sodium_bin2hex(m[n].sha256, sizeof(m[n].sha256), digest, sizeof(digest));
		if (!m[n].name) {
			close(fd);
			goto out;
		}
		if (special) { /* the manifest is checked, not imported */
			close(m[n].fd);
			m[n].fd = -1;
		}
		n++;
	}
	if (r != ARCHIVE_EOF) {
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL, "damaged archive: %s",
			 archive_error_string(a) ? archive_error_string(a) : "cannot read on");
		goto out;
	}
	if (have_sums && (wrong = sums_mismatch(sums, m, n, &wrong_name)) != NULL) {
		diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
			 "member '%s' %s; nothing imported", wrong_name, wrong);
		goto out;
	}
	rc = 0;
	{
		size_t data_members = 0;
		for (size_t i = 0; i < n; i++)
			data_members += m[i].fd >= 0;
		if (data_members == 0) {
			diag_add(diags, DIAG_BAD_ARCHIVE, path, 0, 0, 0, NULL,
				 "the archive holds no .csv or .xml file");
			rc = -1;
			goto out;
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (m[i].fd < 0)
			continue;
		if (lseek(m[i].fd, 0, SEEK_SET) != 0 || fn(ctx, m[i].name, m[i].fd) != 0)
			rc = -2;
		m[i].fd = -1; /* FN owns it now, also when it failed */
	}
out:
	if (a)
		archive_read_free(a);
	release(m, n);
	free(sums);
	return rc;
}

long archive_check_sums(const char *path, char why[512])
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	struct member *m = NULL;
	size_t n = 0;
	char *sums = NULL, buf[65536];
	size_t sums_len = 0;
	/* nothing is kept, so only time is at stake: no ratio limit (a list of
	 * one recipient's invoices compresses far better than 100:1), a cap */
	uint64_t total = 0;
	const char *wrong, *wrong_name = NULL;
	long rc = -2;
	int r;

	if (!a || access(path, R_OK) != 0) {
		snprintf(why, 512, "cannot read '%s': %s", path,
			 a ? strerror(errno) : "out of memory");
		goto out;
	}
	if (open_reader(a, path, sizeof(buf)) != ARCHIVE_OK) {
		snprintf(why, 512, "'%s' is not a readable archive: %s", path,
			 archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(entry);
		bool sums_file = name && strcmp(name, "SHA256SUMS") == 0;
		unsigned char digest[crypto_hash_sha256_BYTES];
		struct member *nm;

		if (archive_entry_filetype(entry) == AE_IFDIR)
			continue;
		if (!name || archive_entry_filetype(entry) != AE_IFREG ||
		    archive_entry_hardlink(entry)) {
			snprintf(why, 512, "member '%s' is not a regular file", name ? name : "");
			rc = -1;
			goto out;
		}
		switch (read_member(a, buf, sizeof(buf), &total, ARCHIVE_VERIFY_MAX,
				    sums_file ? &sums : NULL, &sums_len, -1, digest)) {
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
		case MEMBER_UNREADABLE:
			snprintf(why, 512, "member '%s' cannot be read: %s", name,
				 archive_error_string(a) ? archive_error_string(a) : "damaged");
			goto out;
		}
		if (sums_file) {
			if (!sums && !(sums = calloc(1, 1)))
				goto out;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(m[i].name, name) == 0) {
				snprintf(why, 512, "member '%s' is in the archive twice", name);
				rc = -1;
				goto out;
			}
		nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm)
			goto out;
		m = nm;
		m[n].fd = -1;
		m[n].name = strdup(name);
		sodium_bin2hex(m[n].sha256, sizeof(m[n].sha256), digest, sizeof(digest));
		if (!m[n++].name)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(why, 512, "'%s' is damaged: %s", path,
			 archive_error_string(a) ? archive_error_string(a) : "cannot read on");
		goto out;
	}
	rc = -1;
	if (!sums) {
		snprintf(why, 512, "'%s' holds no SHA256SUMS", path);
		goto out;
	}
	if ((wrong = sums_mismatch(sums, m, n, &wrong_name)) != NULL) {
		snprintf(why, 512, "member '%s' %s", wrong_name, wrong);
		goto out;
	}
	/* and every name SHA256SUMS lists is there */
	for (const char *line = sums; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool found = len <= 66;
		for (size_t i = 0; i < n && !found; i++)
			found = strlen(m[i].name) == len - 66 &&
				memcmp(m[i].name, line + 66, len - 66) == 0;
		if (!found) {
			snprintf(why, 512, "SHA256SUMS lists '%.*s', which is not in the archive",
				 (int)(len > 66 ? len - 66 : 0), line + (len > 66 ? 66 : 0));
			goto out;
		}
		line = end ? end + 1 : line + len;
	}
	rc = (long)n;
out:
	if (a)
		archive_read_free(a);
	release(m, n);
	free(sums);
	return rc;
}
