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

#include "export.h"
#include "store.h"

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
	char other[80];

	store_close(f->store);
	unlink(f->path);
	snprintf(other, sizeof(other), "%s-wal", f->path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", f->path);
	unlink(other);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
