/*
 * test_util.c - the small layers: the key index (keyset), output files
 * written under a temporary name (outfile), password settling on all cores
 * (secret) and the diagnostics list and print format (diag).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "keyset.h"
#include "outfile.h"
#include "secret.h"

static void test_the_key_index_finds_every_key_it_was_given_and_no_other(void **state)
{
	struct keyset set = {0};
	char key[32];
	long value = 0;

	(void)state;
	for (long i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "k%ld", i);
		assert_int_equal(keyset_add(&set, key, (size_t)n, i, NULL), 1);
	}
	assert_int_equal(set.count, 100000);
	assert_int_equal(keyset_add(&set, "k77", 3, -1, &value), 0);
	assert_int_equal(value, 77);
	assert_true(keyset_get(&set, "k99999", 6, &value));
	assert_int_equal(value, 99999);
	assert_false(keyset_has(&set, "k100000", 7));
	assert_false(keyset_has(&set, "k7\0", 3)); /* bytes, not C strings */
	assert_true(keyset_bytes(&set) > 100000 * 32);
	keyset_release(&set);
	keyset_release(&set);
	assert_false(keyset_has(&set, "k1", 2));
	assert_int_equal(keyset_add(&set, "", 0, 5, NULL), 1); /* an empty key is a key */
	assert_true(keyset_get(&set, "", 0, &value));
	keyset_release(&set);
}

static void test_an_output_file_appears_whole_and_owner_only_or_not_at_all(void **state)
{
	char dir[] = "/tmp/test_util_XXXXXX", path[96];
	struct outfile of;
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	assert_int_equal(outfile_open(&of, path), 0);
	fputs("half", of.fp);
	fflush(of.fp);
	assert_int_not_equal(stat(path, &sb), 0); /* nothing under the final name yet */
	assert_int_equal(outfile_commit(&of), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 4);
	unlink(path);
	assert_int_equal(outfile_open(&of, path), 0);
	fputs("never", of.fp);
	outfile_abort(&of);
	outfile_abort(&of);
	assert_int_not_equal(stat(path, &sb), 0);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left */
	snprintf(path, sizeof(path), "/nonexistent-dir/out.csv");
	assert_int_equal(outfile_open(&of, path), -1);
}

static void test_passwords_are_settled_on_all_cores_keeping_a_matching_hash(void **state)
{
	struct secret_job jobs[3];
	char old[SECRET_HASH_MAX];

	(void)state;
	setenv("ACCTBATCH_TEST_WEAK_HASH", "1", 1);
	assert_int_equal(secret_init(), 0);
	assert_int_equal(secret_hash("correct-horse-1", 15, old), 0);
	assert_true(secret_verify(old, "correct-horse-1", 15));
	assert_false(secret_verify(old, "correct-horse-2", 15));
	assert_false(secret_verify("$2b$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.",
				   "x", 1));
	memset(jobs, 0, sizeof(jobs));
	jobs[0] = (struct secret_job){.pw = "correct-horse-1", .len = 15, .old_hash = old};
	jobs[1] = (struct secret_job){.pw = "correct-horse-2", .len = 15, .old_hash = old};
	jobs[2] = (struct secret_job){.pw = "new-password-3", .len = 14, .old_hash = NULL};
	assert_int_equal(secret_settle_all(jobs, 3), 0);
	assert_true(jobs[0].reused);
	assert_string_equal(jobs[0].out, old);
	assert_false(jobs[1].reused);
	assert_true(secret_verify(jobs[1].out, "correct-horse-2", 15));
	assert_false(jobs[2].reused);
	assert_true(strncmp(jobs[2].out, "$argon2id$", 10) == 0);
	assert_true(secret_verify(jobs[2].out, "new-password-3", 14));
}

static void test_a_diagnostic_prints_in_the_one_format(void **state)
{
	struct diag_list a = {0}, b = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *mem;

	(void)state;
	diag_add(&a, DIAG_BAD_EMAIL, "contacts.csv", 17, 0, 16, "email",
		 "not an email address '%s'", "bob@");
	diag_add(&b, DIAG_SCHEMA, "c.xml", 3, 5, 0, NULL, "bad");
	assert_int_equal(diag_list_move(&a, &b), 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(b.count, 0);
	mem = open_memstream(&text, &size);
	diag_print(mem, "import", &a.items[0]);
	diag_print(mem, "import", &a.items[1]);
	fclose(mem);
	assert_string_equal(text, "acctbatch: import: contacts.csv:17: field 'email': not an email "
				  "address 'bob@' [bad_email]\n"
				  "acctbatch: import: c.xml:3:5: bad [schema]\n");
	free(text);
	diag_list_truncate(&a, 1);
	assert_int_equal(a.count, 1);
	diag_list_release(&a);
	diag_list_release(&a);
	diag_list_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_key_index_finds_every_key_it_was_given_and_no_other),
		cmocka_unit_test(test_an_output_file_appears_whole_and_owner_only_or_not_at_all),
		cmocka_unit_test(test_passwords_are_settled_on_all_cores_keeping_a_matching_hash),
		cmocka_unit_test(test_a_diagnostic_prints_in_the_one_format),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
