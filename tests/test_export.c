/*
 * test_export.c - export.c: the external form of stored values (booleans,
 * amounts in each currency's minor units), the column set, the spreadsheet
 * guard, key order and the filters, on a database built in the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bundle.h"
#include "export.h"
#include "revert.h"
#include "store.h"
#include "testlib.h"

struct fixture {
	char path[64];	     /* database file */
	struct store *store; /* open store */
};

static void set(struct row *r, const struct entity *e, const char *field, const char *v)
{
	int i = entity_field_index(e, field, strlen(field));
	assert_true(i >= 0);
	assert_int_equal(row_set(r, i, v, strlen(v)), 0);
}

static void insert_account(struct store *s, const char *id, const char *name)
{
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);
	struct row r;

	memset(&r, 0, sizeof(r));
	set(&r, e, "account_id", id);
	set(&r, e, "name", name);
	set(&r, e, "email", "Holder@Example.org");
	set(&r, e, "country", "DE");
	set(&r, e, "status", "active");
	set(&r, e, "subscriptions", "newsletter product_updates");
	set(&r, e, "created_at", "2026-01-01T00:00:00Z");
	set(&r, e, "updated_at",
	    strcmp(id, "B") == 0 ? "2026-03-01T00:00:00Z" : "2026-01-01T00:00:00Z");
	assert_int_equal(store_insert(s, e, &r), STORE_OK);
	row_release(&r);
}

static void insert_invoice(struct store *s, const char *number, const char *currency,
			   const char *total)
{
	const struct entity *e = entity_get(ENTITY_INVOICES);
	struct row r;

	memset(&r, 0, sizeof(r));
	set(&r, e, "invoice_number", number);
	set(&r, e, "account_id", "A");
	set(&r, e, "kind", "standard");
	set(&r, e, "issued_on", "2026-01-01");
	set(&r, e, "due_on", "2026-01-31");
	set(&r, e, "currency", currency);
	set(&r, e, "total", total);
	set(&r, e, "status", "open");
	set(&r, e, "created_at", "2026-01-01T00:00:00Z");
	set(&r, e, "updated_at", "2026-01-01T00:00:00Z");
	assert_int_equal(store_insert(s, e, &r), STORE_OK);
	row_release(&r);
}

static void insert_login(struct store *s, const char *email)
{
	const struct entity *e = entity_get(ENTITY_LOGINS);
	struct row r;

	memset(&r, 0, sizeof(r));
	set(&r, e, "account_id", "A");
	set(&r, e, "email", email);
	set(&r, e, "full_name", "Full Name");
	set(&r, e, "password_hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
	set(&r, e, "activate_licenses", "1");
	set(&r, e, "make_purchases", "0");
	set(&r, e, "view_pay_invoices", "0");
	set(&r, e, "invoice_created_alerts", "1");
	set(&r, e, "created_at", "2026-01-01T00:00:00Z");
	set(&r, e, "updated_at", "2026-01-01T00:00:00Z");
	assert_int_equal(store_insert(s, e, &r), STORE_OK);
	row_release(&r);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int64_t batch;
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/test_export_XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1000, &f->store), STORE_OK);
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t", &batch), STORE_OK);
	/* inserted out of key order on purpose */
	insert_account(f->store, "B", "=HYPERLINK(\"x\")");
	insert_account(f->store, "A", "Plain, \"quoted\"");
	insert_invoice(f->store, "INV-3", "KWD", "1234");
	insert_invoice(f->store, "INV-1", "EUR", "1999");
	insert_invoice(f->store, "INV-2", "JPY", "500");
	insert_login(f->store, "Zed@Example.org");
	insert_login(f->store, "amy@example.org");
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t", true), STORE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	test_remove_database(f->path);
	free(f);
	return 0;
}

/* Export entity ID with OPTS into a string (caller frees). */
static char *run_export(struct fixture *f, enum entity_id id, const struct export_opts *opts,
			long *rows)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(export_entity(f->store, entity_get(id), opts, out, rows), EXPORT_OK);
	fclose(out);
	return buf;
}

static void test_csv_has_the_schema_order_header_key_order_and_the_guard(void **state)
{
	struct export_opts opts = {.format = EXPORT_CSV};
	long rows;
	char *got = run_export(*state, ENTITY_ACCOUNTS, &opts, &rows);

	assert_int_equal(rows, 2);
	assert_string_equal(
		got, "account_id,name,email,full_name,phone,street,city,region,postal_code,country,"
		     "status,subscriptions,created_at,updated_at\n"
		     "A,\"Plain, \"\"quoted\"\"\",Holder@Example.org,,,,,,,DE,active,newsletter "
		     "product_updates,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n"
		     "B,\"'=HYPERLINK(\"\"x\"\")\",Holder@Example.org,,,,,,,DE,active,newsletter "
		     "product_updates,2026-01-01T00:00:00Z,2026-03-01T00:00:00Z\n");
	free(got);
}

static void test_amounts_use_the_currency_minor_units(void **state)
{
	struct export_opts opts = {.format = EXPORT_CSV};
	long rows;
	char *got = run_export(*state, ENTITY_INVOICES, &opts, &rows);

	assert_int_equal(rows, 3);
	assert_non_null(strstr(got, "\nINV-1,A,standard,2026-01-01,2026-01-31,EUR,19.99,open,"));
	assert_non_null(strstr(got, "\nINV-2,A,standard,2026-01-01,2026-01-31,JPY,500,open,"));
	assert_non_null(strstr(got, "\nINV-3,A,standard,2026-01-01,2026-01-31,KWD,1.234,open,"));
	assert_true(strstr(got, "INV-1") < strstr(got, "INV-2"));
	free(got);
}

static void test_password_hashes_only_on_request_and_booleans_as_words(void **state)
{
	struct export_opts opts = {.format = EXPORT_CSV};
	long rows;
	char *got = run_export(*state, ENTITY_LOGINS, &opts, &rows);

	assert_null(strstr(got, "password_hash"));
	assert_null(strstr(got, "$argon2id$"));
	/* logins sort by the lower-case email: amy before Zed */
	assert_true(strstr(got, "amy@example.org") < strstr(got, "Zed@Example.org"));
	assert_non_null(strstr(got, ",Full Name,true,false,false,true,"));
	free(got);
	opts.password_hashes = true;
	got = run_export(*state, ENTITY_LOGINS, &opts, &rows);
	assert_non_null(strstr(got, "account_id,email,full_name,password_hash,"));
	/* a hash is never guarded; its commas make it a quoted cell */
	assert_non_null(strstr(got, ",\"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\","));
	free(got);
}

static void test_xml_writes_elements_tokens_and_no_guard(void **state)
{
	struct export_opts opts = {.format = EXPORT_XML};
	long rows;
	char *got = run_export(*state, ENTITY_ACCOUNTS, &opts, &rows);

	assert_int_equal(rows, 2);
	assert_non_null(strstr(got, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<accounts>\n"
				    "  <account>\n    <account_id>A</account_id>\n"
				    "    <name>Plain, &quot;quoted&quot;</name>\n"));
	assert_non_null(strstr(got, "<subscription>newsletter</subscription>\n"
				    "    <subscription>product_updates</subscription>\n"));
	assert_non_null(strstr(got, "<name>=HYPERLINK(&quot;x&quot;)</name>"));
	assert_null(strstr(got, "<full_name>")); /* NULL fields are left out */
	assert_non_null(strstr(got, "</accounts>\n"));
	free(got);
}

static void test_filters_pick_the_account_and_the_changed_rows(void **state)
{
	struct export_opts opts = {.format = EXPORT_CSV};
	long rows;
	char *got;

	opts.filter.account = "B";
	got = run_export(*state, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 1);
	free(got);
	opts.filter.account = NULL;
	opts.filter.changed_since = "2026-02-01T00:00:00Z";
	got = run_export(*state, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 1);
	assert_non_null(strstr(got, "\nB,"));
	free(got);
	opts.filter.account = "A";
	got = run_export(*state, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 0); /* header only */
	assert_null(strchr(strchr(got, '\n') + 1, '\n'));
	free(got);
}

static void test_a_failing_stream_is_a_write_error(void **state)
{
	struct fixture *f = *state;
	struct export_opts opts = {.format = EXPORT_CSV};
	FILE *full = fopen("/dev/full", "w");
	long rows;

	if (!full)
		skip();
	setvbuf(full, NULL, _IONBF, 0);
	assert_int_equal(export_entity(f->store, entity_get(ENTITY_ACCOUNTS), &opts, full, &rows),
			 EXPORT_WRITE_ERROR);
	fclose(full);
}

static void test_the_change_feed_and_a_job_watermark_pick_what_later_batches_did(void **state)
{
	struct fixture *f = *state;
	const struct entity *a = entity_get(ENTITY_ACCOUNTS);
	struct export_opts opts = {.format = EXPORT_CSV, .changes = true};
	struct row r;
	int64_t batch, last, mark;
	long rows;
	char *got;

	/* batch 2 renames A and deletes B */
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_begin_batch(f->store, "import", "t", "t2", &batch), STORE_OK);
	set(&r, a, "account_id", "A");
	assert_int_equal(store_find(f->store, a, &r, &r), 1);
	set(&r, a, "name", "Renamed");
	assert_int_equal(store_update(f->store, a, &r), STORE_OK);
	row_clear(&r);
	set(&r, a, "account_id", "B");
	assert_int_equal(store_delete(f->store, a, &r), STORE_OK);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "t2", true), STORE_OK);
	row_release(&r);

	got = run_export(f, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 4); /* two inserts, the update, the delete */
	assert_non_null(strstr(got, "change,batch,changed_at,account_id,name,"));
	assert_non_null(strstr(got, "\nupdate,2,t2,A,Renamed,"));
	assert_non_null(strstr(got, "\ndelete,2,t2,B,\"'=HYPERLINK(\"\"x\"\")\","));
	free(got);

	/* a job that stood at batch 1 sees only batch 2 */
	assert_int_equal(store_job_watermark(f->store, "job", "accounts", true, &mark), STORE_OK);
	assert_int_equal(mark, 0);
	assert_int_equal(store_set_job_watermark(f->store, "job", "accounts", true, 1, "t"),
			 STORE_OK);
	assert_int_equal(store_job_watermark(f->store, "job", "accounts", true, &mark), STORE_OK);
	assert_int_equal(mark, 1);
	assert_int_equal(store_last_batch(f->store, &last, NULL), STORE_OK);
	assert_int_equal(last, 2);
	opts.filter.after_batch_set = true;
	opts.filter.after_batch = mark;
	got = run_export(f, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 2);
	free(got);
	/* the rows (not the feed) after batch 1: only A, renamed */
	opts.changes = false;
	got = run_export(f, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 1);
	assert_non_null(strstr(got, "\nA,Renamed,"));
	free(got);
	opts.filter.after_batch = 2;
	got = run_export(f, ENTITY_ACCOUNTS, &opts, &rows);
	assert_int_equal(rows, 0);
	free(got);
}

static void test_an_archive_is_the_same_bytes_twice_and_lists_its_files(void **state)
{
	struct fixture *f = *state;
	struct bundle_opts opts = {.type = BUNDLE_TAR_GZ,
				   .format = EXPORT_CSV,
				   .database = "test.db",
				   .version = "test"};
	struct bundle_result res;
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *out;

	assert_int_equal(bundle_type_of("x.TGZ"), BUNDLE_TAR_GZ);
	assert_int_equal(bundle_type_of("x.tar.xz"), BUNDLE_TAR_XZ);
	assert_int_equal(bundle_type_of("x.zip"), BUNDLE_ZIP);
	assert_int_equal(bundle_type_of("x.rar"), BUNDLE_UNKNOWN);
	assert_int_equal(store_read_begin(f->store), STORE_OK);
	setenv("SOURCE_DATE_EPOCH", "86400", 1); /* the fixture's batch times are not times */
	out = open_memstream(&a, &alen);
	assert_int_equal(bundle_write(f->store, &opts, out, &res), 0);
	fclose(out);
	assert_int_equal(res.rows[ENTITY_ACCOUNTS], 2);
	assert_int_equal(res.rows[ENTITY_INVOICES], 3);
	assert_int_equal(res.rows[ENTITY_LOGINS], 2);
	assert_string_equal(res.as_of, "1970-01-02T00:00:00Z");
	out = open_memstream(&b, &blen);
	assert_int_equal(bundle_write(f->store, &opts, out, &res), 0);
	fclose(out);
	store_read_end(f->store);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void test_a_revert_sets_rows_back_and_names_the_batch(void **state)
{
	struct fixture *f = *state;
	const struct entity *a = entity_get(ENTITY_ACCOUNTS);
	struct revert_opts opts = {.batch = 1, .command = "revert 1", .now = "t9"};
	struct revert_result res;
	struct export_opts xo = {.format = EXPORT_CSV};
	long rows;
	char *got;

	revert_batch(f->store, &opts, &res);
	/* batch 1 inserted logins and invoices of account A too: all go, accounts last */
	assert_int_equal(res.outcome, REVERT_COMMITTED);
	assert_int_equal(res.batch, 2);
	assert_int_equal(res.counts[ENTITY_ACCOUNTS][2], 2);
	assert_int_equal(res.counts[ENTITY_INVOICES][2], 3);
	got = run_export(f, ENTITY_ACCOUNTS, &xo, &rows);
	assert_int_equal(rows, 0);
	free(got);
	/* reverting the revert brings every row back as it was */
	opts.batch = 2;
	revert_batch(f->store, &opts, &res);
	assert_int_equal(res.outcome, REVERT_COMMITTED);
	got = run_export(f, ENTITY_ACCOUNTS, &xo, &rows);
	assert_int_equal(rows, 2);
	assert_non_null(strstr(got, "\nA,\"Plain, \"\"quoted\"\"\""));
	free(got);
	/* batch 1 can no longer be reverted as it was: batch 2 and 3 changed its rows */
	opts.batch = 1;
	revert_batch(f->store, &opts, &res);
	assert_int_equal(res.outcome, REVERT_CONFLICT);
	assert_true(res.conflicts > 0);
	opts.batch = 7;
	revert_batch(f->store, &opts, &res);
	assert_int_equal(res.outcome, REVERT_NO_BATCH);
	(void)a;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_csv_has_the_schema_order_header_key_order_and_the_guard, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_amounts_use_the_currency_minor_units, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_password_hashes_only_on_request_and_booleans_as_words, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_xml_writes_elements_tokens_and_no_guard, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filters_pick_the_account_and_the_changed_rows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_stream_is_a_write_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_the_change_feed_and_a_job_watermark_pick_what_later_batches_did, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_an_archive_is_the_same_bytes_twice_and_lists_its_files, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_revert_sets_rows_back_and_names_the_batch,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
