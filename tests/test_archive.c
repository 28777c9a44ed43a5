/*
 * test_archive.c - archive_in.c: packages built here with libarchive, the
 * members handed over in archive order, and every kind of hostile package
 * refused with bad_archive before any member is handed over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sys/resource.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "archive_in.h"
#include "spool.h"

/* One member to write: NAME, its TYPE (AE_IFREG, AE_IFLNK, ...) and DATA. */
struct spec {
	const char *name;
	unsigned type;
	const char *data;
	const char *hardlink; /* non-NULL: a hard link to this name */
};

static char path[64];

/* Write the members of SPEC (N of them) as a .tar.gz (or .zip) at path. */
static void build(const struct spec *spec, size_t n, bool zip)
{
	struct archive *a = archive_write_new();

	snprintf(path, sizeof(path), "/tmp/test_archive_%d.%s", (int)getpid(),
		 zip ? "zip" : "tar.gz");
	assert_non_null(a);
	if (zip) {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = spec[i].data ? strlen(spec[i].data) : 0;
		archive_entry_set_pathname(e, spec[i].name);
		archive_entry_set_filetype(e, spec[i].type);
		archive_entry_set_perm(e, 0644);
		if (spec[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, "elsewhere.csv");
		if (spec[i].hardlink)
			archive_entry_set_hardlink(e, spec[i].hardlink);
		archive_entry_set_size(
			e, spec[i].type == AE_IFREG && !spec[i].hardlink ? (la_int64_t)len : 0);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len && spec[i].type == AE_IFREG && !spec[i].hardlink)
			assert_int_equal(archive_write_data(a, spec[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

struct seen {
	char names[8][64];
	char first_bytes[8][16];
	int n;
	struct spool *sp; /* where the members' bytes are */
};

static int collect(void *ctx, const char *member, uint64_t start, uint64_t len)
{
	struct seen *s = ctx;
	struct spooled b = {.sp = s->sp, .start = start, .len = len, .from = -1};
	size_t got = 0;

	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", member);
		assert_int_equal(spooled_read(&b, 0, s->first_bytes[s->n],
					      sizeof(s->first_bytes[0]) - 1, &got),
				 0);
		s->first_bytes[s->n][got] = '\0';
	}
	s->n++;
	return 0;
}

/* Read the built archive; returns archive_read_members' result, the first message in WHY. */
static int read_it(struct seen *s, uint64_t limit, char *why, size_t size)
{
	struct diag_list diags = {0};
	char spool_why[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->sp = spool_new(spool_why);
	assert_non_null(s->sp);
	rc = archive_read_members(path, limit, s->sp, collect, s, &diags);
	snprintf(why, size, "%s", diags.count ? diags.items[0].message : "");
	if (diags.count)
		assert_int_equal(diags.items[0].code, DIAG_BAD_ARCHIVE);
	diag_list_release(&diags);
	spool_free(s->sp);
	unlink(path);
	return rc;
}

static void test_members_come_in_archive_order_from_memory(void **state)
{
	static const struct spec spec[] = {
		{"dir", AE_IFDIR, NULL, NULL},
		{"dir/contacts.csv", AE_IFREG, "account_id,email\n", NULL},
		{"accounts.xml", AE_IFREG, "<accounts/>", NULL},
		{"manifest.xml", AE_IFREG, "<manifest/>", NULL},
	};
	struct seen s;
	char why[256];

	(void)state;
	for (int zip = 0; zip < 2; zip++) {
		build(spec, 4, zip);
		assert_int_equal(read_it(&s, ARCHIVE_MAX_UNPACKED_DEFAULT, why, sizeof(why)), 0);
		assert_int_equal(s.n, 2); /* the directory and the manifest are not inputs */
		assert_string_equal(s.names[0], "dir/contacts.csv");
		assert_string_equal(s.first_bytes[0], "account_id,emai");
		assert_string_equal(s.names[1], "accounts.xml");
	}
}

static void expect_refused(const struct spec *spec, size_t n, uint64_t limit, const char *what)
{
	struct seen s;
	char why[256];

	build(spec, n, false);
	if (read_it(&s, limit, why, sizeof(why)) != -1)
		fail_msg("not refused (expected '%s')", what);
	assert_int_equal(s.n, 0); /* nothing handed over */
	if (!strstr(why, what))
		fail_msg("expected '%s' in '%s'", what, why);
}

static void test_hostile_packages_are_refused_before_anything_is_handed_over(void **state)
{
	static const struct spec absolute[] = {{"/etc/accounts.csv", AE_IFREG, "x\n", NULL}};
	static const struct spec dotdot[] = {{"a/../../accounts.csv", AE_IFREG, "x\n", NULL}};
	static const struct spec symlink[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
					      {"link.csv", AE_IFLNK, NULL, NULL}};
	static const struct spec hardlink[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
					       {"hard.csv", AE_IFREG, NULL, "accounts.csv"}};
	static const struct spec device[] = {{"dev.csv", AE_IFCHR, NULL, NULL}};
	static const struct spec dup[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
					  {"accounts.csv", AE_IFREG, "y\n", NULL}};
	static const struct spec other[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
					    {"run.sh", AE_IFREG, "rm -rf /\n", NULL}};
	static const struct spec badsum[] = {
		{"accounts.csv", AE_IFREG, "x\n", NULL},
		{"SHA256SUMS", AE_IFREG,
		 "0000000000000000000000000000000000000000000000000000000000000000  accounts.csv\n",
		 NULL}};
	static const struct spec unlisted[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
					       {"SHA256SUMS", AE_IFREG, "", NULL}};
	static const struct spec empty[] = {{"manifest.xml", AE_IFREG, "<manifest/>", NULL}};
	static const struct spec big[] = {{"accounts.csv", AE_IFREG, "0123456789abcdef\n", NULL}};

	(void)state;
	expect_refused(absolute, 1, ARCHIVE_MAX_UNPACKED_DEFAULT, "absolute path");
	expect_refused(dotdot, 1, ARCHIVE_MAX_UNPACKED_DEFAULT, "'..' in the path");
	expect_refused(symlink, 2, ARCHIVE_MAX_UNPACKED_DEFAULT,
		       "member 'link.csv' refused: a link");
	expect_refused(hardlink, 2, ARCHIVE_MAX_UNPACKED_DEFAULT,
		       "member 'hard.csv' refused: a link");
	expect_refused(device, 1, ARCHIVE_MAX_UNPACKED_DEFAULT, "a device or other special file");
	expect_refused(dup, 2, ARCHIVE_MAX_UNPACKED_DEFAULT, "a second member of this name");
	expect_refused(other, 2, ARCHIVE_MAX_UNPACKED_DEFAULT, "member 'run.sh' refused");
	expect_refused(badsum, 2, ARCHIVE_MAX_UNPACKED_DEFAULT, "does not match its SHA-256");
	expect_refused(unlisted, 2, ARCHIVE_MAX_UNPACKED_DEFAULT, "is not listed in SHA256SUMS");
	expect_refused(empty, 1, ARCHIVE_MAX_UNPACKED_DEFAULT, "holds no .csv or .xml file");
	expect_refused(big, 1, 8, "larger than 8 bytes");
}

static void test_a_zip_bomb_is_refused_by_its_ratio(void **state)
{
	struct spec spec[1] = {{"zeros.csv", AE_IFREG, NULL, NULL}};
	char *zeros = malloc(4u << 20);
	struct seen s;
	char why[256];

	(void)state;
	assert_non_null(zeros);
	memset(zeros, '0', (4u << 20) - 1);
	zeros[(4u << 20) - 1] = '\0';
	spec[0].data = zeros;
	build(spec, 1, true);
	assert_int_equal(read_it(&s, ARCHIVE_MAX_UNPACKED_DEFAULT, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 100 times its size"));
	free(zeros);
}

static void test_a_sha256sums_that_names_a_missing_member_is_refused(void **state)
{
	static const struct spec malformed[] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
						{"SHA256SUMS", AE_IFREG, "accounts.csv\n", NULL}};
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[65], sums[256];
	struct spec listed[2] = {{"accounts.csv", AE_IFREG, "x\n", NULL},
				 {"SHA256SUMS", AE_IFREG, sums, NULL}};
	struct seen s;
	char why[256];

	(void)state;
	crypto_hash_sha256(digest, (const unsigned char *)"x\n", 2);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	/* the member is listed with its right digest, and a name that is no member */
	snprintf(sums, sizeof(sums), "%s  accounts.csv\n%s  gone.csv\n", hex, hex);
	expect_refused(listed, 2, ARCHIVE_MAX_UNPACKED_DEFAULT,
		       "SHA256SUMS lists 'gone.csv', which is not in the archive");
	expect_refused(malformed, 2, ARCHIVE_MAX_UNPACKED_DEFAULT,
		       "SHA256SUMS line 1 is not 'SHA-256  NAME'");
	/* and the same package without the stray name is read */
	snprintf(sums, sizeof(sums), "%s *accounts.csv\n", hex);
	build(listed, 2, false);
	assert_int_equal(read_it(&s, ARCHIVE_MAX_UNPACKED_DEFAULT, why, sizeof(why)), 0);
	assert_int_equal(s.n, 1);
}

static void test_a_cut_off_archive_is_reported_as_truncated_not_as_a_bomb(void **state)
{
	struct spec spec[1] = {{"zeros.csv", AE_IFREG, NULL, NULL}};
	char *zeros = malloc(4u << 20);
	struct seen s;
	char why[256];
	FILE *f;
	long size;

	(void)state;
	assert_non_null(zeros);
	memset(zeros, '0', (4u << 20) - 1);
	zeros[(4u << 20) - 1] = '\0';
	spec[0].data = zeros;
	build(spec, 1, false);
	/* half of it: what it holds still unpacks to more than 100 times its size */
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	assert_int_equal(ftruncate(fileno(f), size / 2), 0);
	fclose(f);
	assert_int_equal(read_it(&s, ARCHIVE_MAX_UNPACKED_DEFAULT, why, sizeof(why)), -1);
	if (!strstr(why, "truncated or damaged"))
		fail_msg("expected a truncated archive, got '%s'", why);
	assert_int_equal(s.n, 0);
	free(zeros);
}

static void test_many_members_take_one_descriptor(void **state)
{
	enum { MEMBERS = 300 };
	struct spec *spec = calloc(MEMBERS, sizeof(*spec));
	char(*names)[32] = calloc(MEMBERS, sizeof(*names));
	struct rlimit old, few;
	struct seen s;
	char why[256];
	int rc;

	(void)state;
	assert_non_null(spec);
	assert_non_null(names);
	for (int i = 0; i < MEMBERS; i++) {
		snprintf(names[i], sizeof(names[i]), "part-%03d.csv", i);
		spec[i] = (struct spec){names[i], AE_IFREG, "account_id\n", NULL};
	}
	build(spec, MEMBERS, true);
	/* far fewer descriptors than members */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	few = old;
	few.rlim_cur = 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &few), 0);
	rc = read_it(&s, ARCHIVE_MAX_UNPACKED_DEFAULT, why, sizeof(why));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (rc != 0)
		fail_msg("refused: %s", why);
	assert_int_equal(s.n, MEMBERS);
	assert_string_equal(s.names[7], "part-007.csv");
	assert_string_equal(s.first_bytes[7], "account_id\n");
	free(spec);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_come_in_archive_order_from_memory),
		cmocka_unit_test(test_hostile_packages_are_refused_before_anything_is_handed_over),
		cmocka_unit_test(test_a_zip_bomb_is_refused_by_its_ratio),
		cmocka_unit_test(test_a_sha256sums_that_names_a_missing_member_is_refused),
		cmocka_unit_test(test_a_cut_off_archive_is_reported_as_truncated_not_as_a_bomb),
		cmocka_unit_test(test_many_members_take_one_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
