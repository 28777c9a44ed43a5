/*
 * test_import_store.c - the import core against a real SQLite database:
 * modes, --on-error skip and skip-account, sync, cascade, --max-errors,
 * dependency order and the cross-field rules, each asserted on what the
 * database holds afterwards (through a second connection), not on
 * messages.
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
#include <sqlite3.h>

#include "import.h"
#include "store.h"
#include "testlib.h"
#include "xmlio.h"

struct fixture {
	char dir[64];  /* temporary directory for the inputs */
	char db[128];  /* the database */
	sqlite3 *peek; /* second connection, for assertions */
	int nfiles;    /* inputs written so far */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store *s = NULL;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_import_store_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	assert_int_equal(store_open(f->db, 1000, &s), STORE_OK);
	store_close(s);
	assert_int_equal(sqlite3_open(f->db, &f->peek), SQLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	sqlite3_close(f->peek);
	test_remove_database(f->db);
	for (int i = 0; i < f->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/in%d.csv", f->dir, i);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write TEXT as a new CSV input; its path in PATH (160 bytes). */
static void input(struct fixture *f, const char *text, char path[160])
{
	FILE *out;

	snprintf(path, 160, "%s/in%d.csv", f->dir, f->nfiles++);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs(text, out);
	assert_int_equal(fclose(out), 0);
}

/* How a run is asked for. */
struct run_args {
	enum import_mode mode;
	enum on_error on_error;
	long max_errors;
	bool cascade;
};

/*
 * Import the CSV texts (NULL-terminated) as one batch with A. Returns the
 * error kind (ERROR_NONE when the batch committed); *REJECTED counts the
 * rejected records when not NULL.
 */
static enum error_kind run(struct fixture *f, struct run_args a, long *rejected, ...)
{
	char paths[8][160], *args[8];
	int n = 0;
	va_list ap;
	const char *text;
	struct input_list inputs;
	struct diag_list rd = {0};
	struct import_opts opts;
	struct import_result res;
	struct store *s = NULL;
	enum error_kind kind;

	va_start(ap, rejected);
	while ((text = va_arg(ap, const char *)) != NULL && n < 8) {
		input(f, text, paths[n]);
		args[n] = paths[n];
		n++;
	}
	va_end(ap);
	memset(&opts, 0, sizeof(opts));
	opts.mode = a.mode;
	opts.on_error = a.on_error;
	opts.max_errors = a.max_errors;
	opts.cascade = a.cascade;
	opts.command = "test";
	opts.now = "2026-12-03T10:00:00Z";
	assert_int_equal(inputs_resolve(args, n, NULL, FORMAT_UNKNOWN, a.mode == MODE_DELETE, 0,
					&inputs, &rd),
			 RESOLVE_OK);
	assert_int_equal(store_open(f->db, 1000, &s), STORE_OK);
	import_run(s, &inputs, &opts, &res);
	kind = res.error.kind;
	if (kind == ERROR_NONE)
		assert_int_equal(res.outcome, OUTCOME_COMMITTED);
	else
		assert_int_equal(res.outcome, OUTCOME_ROLLED_BACK);
	if (rejected) {
		*rejected = 0;
		for (int e = 0; e < ENTITY_COUNT; e++)
			*rejected += res.counts[e].rejected;
	}
	store_close(s);
	import_result_release(&res);
	input_list_release(&inputs);
	diag_list_release(&rd);
	return kind;
}

/* The rows of SQL on the second connection, "|" between columns, "\n" after each row. */
static char *rows(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	char *out = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&out, &size);

	assert_non_null(mem);
	assert_int_equal(sqlite3_prepare_v2(f->peek, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const unsigned char *v = sqlite3_column_text(st, c);
			fprintf(mem, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL");
		}
		fputc('\n', mem);
	}
	sqlite3_finalize(st);
	fclose(mem);
	return out;
}

static void assert_rows(struct fixture *f, const char *sql, const char *want)
{
	char *got = rows(f, sql);
	assert_string_equal(got, want);
	free(got);
}

static const struct run_args upsert = {MODE_UPSERT, ON_ERROR_ABORT, 0, false};

static const char accounts[] = "account_id,name,email,country\n"
			       "A-1,Acme,holder@acme.example,DE\n"
			       "A-2,Beta,holder@beta.example,FR\n";
static const char contacts[] = "account_id,first_name,last_name,email,country,standard_invoices\n"
			       "A-1,Ann,One,ann@acme.example,DE,true\n"
			       "A-1,Bob,Two,bob@acme.example,DE,false\n"
			       "A-2,Cy,Three,cy@beta.example,FR,yes\n";

/* Upsert inserts, then updates what changed and leaves the rest; update and insert refuse. */
static void test_modes_decide_insert_update_unchanged_and_refuse(void **state)
{
	struct fixture *f = *state;
	struct run_args update = {MODE_UPDATE, ON_ERROR_SKIP, 0, false};
	struct run_args insert = {MODE_INSERT, ON_ERROR_ABORT, 0, false};
	long rejected;

	assert_int_equal(run(f, upsert, &rejected, accounts, contacts, NULL), ERROR_NONE);
	assert_int_equal(rejected, 0);
	assert_int_equal(run(f, upsert, NULL,
			     "account_id,email,first_name\nA-1,ANN@acme.example,Anna\n"
			     "A-1,bob@acme.example,Bob\n",
			     NULL),
			 ERROR_NONE);
	assert_rows(f,
		    "SELECT account_id, first_name, email, standard_invoices, updated_at "
		    "FROM contacts ORDER BY account_id, email",
		    "A-1|Anna|ANN@acme.example|1|2026-12-03T10:00:00Z\n"
		    "A-1|Bob|bob@acme.example|0|2026-12-03T10:00:00Z\n"
		    "A-2|Cy|cy@beta.example|1|2026-12-03T10:00:00Z\n");
	/* batch 2 changed one row: the same key (the email's case aside),
	 * which takes the email as now given */
	assert_rows(f,
		    "SELECT id, counts ->> '$.contacts.updated', "
		    "counts ->> '$.contacts.unchanged' FROM batches ORDER BY id",
		    "1|0|0\n2|1|1\n");
	/* update: a key that is not there is rejected, the rest applied */
	assert_int_equal(run(f, update, &rejected,
			     "account_id,email,last_name\nA-1,bob@acme.example,Bee\n"
			     "A-9,nobody@acme.example,X\n",
			     NULL),
			 ERROR_NONE);
	assert_int_equal(rejected, 1);
	assert_rows(f, "SELECT last_name FROM contacts WHERE email = 'bob@acme.example'", "Bee\n");
	/* insert: an existing row rejects the batch under abort; nothing changes */
	assert_int_equal(run(f, insert, &rejected,
			     "account_id,first_name,last_name,email,country\n"
			     "A-2,Dee,Four,dee@beta.example,FR\n"
			     "A-1,Ann,One,ann@acme.example,DE\n",
			     NULL),
			 ERROR_DATA);
	assert_int_equal(rejected, 1);
	assert_rows(f, "SELECT count(*) FROM contacts", "3\n");
	/* a batch rolled back leaves nothing, not even its batch */
	assert_rows(f, "SELECT count(*) FROM batches", "3\n");
}

/* Files are applied in dependency order, whatever order they are given in. */
static void test_inputs_apply_in_dependency_order(void **state)
{
	struct fixture *f = *state;
	const char invoices[] = "invoice_number,account_id,kind,issued_on,due_on,currency,total\n"
				"INV-1,A-1,standard,2026-11-01,2026-11-30,EUR,12.50\n";

	assert_int_equal(run(f, upsert, NULL, invoices, contacts, accounts, NULL), ERROR_NONE);
	assert_rows(f,
		    "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM contacts), "
		    "(SELECT total FROM invoices)",
		    "2|3|1250\n");
}

/* skip drops the bad records; skip-account drops every record of their account. */
static void test_skip_and_skip_account(void **state)
{
	struct fixture *f = *state;
	struct run_args skip = {MODE_UPSERT, ON_ERROR_SKIP, 0, false};
	struct run_args skip_account = {MODE_UPSERT, ON_ERROR_SKIP_ACCOUNT, 0, false};
	const char bad_contacts[] = "account_id,first_name,last_name,email,country\n"
				    "A-1,Ann,One,ann@acme.example,DE\n"
				    "A-1,Bob,Two,not-an-email,DE\n"
				    "A-2,Cy,Three,cy@beta.example,FR\n";
	long rejected;

	assert_int_equal(run(f, upsert, NULL, accounts, NULL), ERROR_NONE);
	assert_int_equal(run(f, skip, &rejected, bad_contacts, NULL), ERROR_NONE);
	assert_int_equal(rejected, 1);
	assert_rows(f, "SELECT email FROM contacts ORDER BY email",
		    "ann@acme.example\ncy@beta.example\n");
	assert_int_equal(run(f, skip_account, &rejected,
			     "account_id,first_name,last_name,email,country\n"
			     "A-1,Dan,Four,dan@acme.example,DE\n"
			     "A-2,Eve,Five,eve@beta.example,FR\n"
			     "A-1,Fay,Six,fay@,DE\n",
			     NULL),
			 ERROR_NONE);
	/* A-1's good record is left out with its bad one; A-2's is applied */
	assert_int_equal(rejected, 2);
	assert_rows(f, "SELECT email FROM contacts ORDER BY email",
		    "ann@acme.example\ncy@beta.example\neve@beta.example\n");
}

/* sync deletes the rows of each named account that the batch leaves out, and no others. */
static void test_sync_deletes_what_the_batch_leaves_out_of_a_named_account(void **state)
{
	struct fixture *f = *state;
	struct run_args sync = {MODE_SYNC, ON_ERROR_ABORT, 0, false};

	assert_int_equal(run(f, upsert, NULL, accounts, contacts, NULL), ERROR_NONE);
	assert_int_equal(run(f, sync, NULL,
			     "account_id,first_name,last_name,email,country\n"
			     "A-1,Ann,One,ann@acme.example,DE\n"
			     "A-1,Gus,Seven,gus@acme.example,DE\n",
			     NULL),
			 ERROR_NONE);
	assert_rows(f, "SELECT account_id, email FROM contacts ORDER BY account_id, email",
		    "A-1|ann@acme.example\nA-1|gus@acme.example\nA-2|cy@beta.example\n");
	assert_rows(f,
		    "SELECT counts ->> '$.contacts.deleted' FROM batches ORDER BY id DESC LIMIT 1",
		    "1\n");
}

/* An account with contacts is deleted only with --cascade, and then with them. */
static void test_delete_needs_cascade_for_an_account_with_dependents(void **state)
{
	struct fixture *f = *state;
	struct run_args del = {MODE_DELETE, ON_ERROR_ABORT, 0, false};
	struct run_args cascade = {MODE_DELETE, ON_ERROR_ABORT, 0, true};
	const char a1[] = "account_id\nA-1\n";
	long rejected;

	assert_int_equal(run(f, upsert, NULL, accounts, contacts, NULL), ERROR_NONE);
	assert_int_equal(run(f, del, &rejected, a1, NULL), ERROR_DATA);
	assert_int_equal(rejected, 1);
	assert_rows(f, "SELECT count(*) FROM contacts WHERE account_id = 'A-1'", "2\n");
	assert_int_equal(run(f, cascade, &rejected, a1, NULL), ERROR_NONE);
	assert_rows(f, "SELECT account_id FROM accounts", "A-2\n");
	assert_rows(f, "SELECT account_id, email FROM contacts", "A-2|cy@beta.example\n");
	/* invoices are never deleted */
	assert_int_equal(run(f, upsert, NULL,
			     "invoice_number,account_id,kind,issued_on,due_on,currency,total\n"
			     "INV-7,A-2,summary,2026-11-01,2026-11-30,JPY,500\n",
			     NULL),
			 ERROR_NONE);
	assert_int_equal(run(f, del, &rejected, "invoice_number\nINV-7\n", NULL), ERROR_DATA);
	assert_rows(f, "SELECT invoice_number, total FROM invoices", "INV-7|500\n");
}

/* --max-errors stops the run at the Nth rejected record; nothing is written. */
static void test_max_errors_stops_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct run_args skip2 = {MODE_UPSERT, ON_ERROR_SKIP, 2, false};
	long rejected;

	assert_int_equal(run(f, upsert, NULL, accounts, NULL), ERROR_NONE);
	assert_int_equal(run(f, skip2, &rejected,
			     "account_id,first_name,last_name,email,country\n"
			     "A-1,Ann,One,ann@acme.example,DE\n"
			     "A-1,B,Two,b@,DE\n"
			     "A-1,C,Three,c@,DE\n"
			     "A-1,D,Four,d@acme.example,DE\n",
			     NULL),
			 ERROR_DATA);
	assert_int_equal(rejected, 2);
	assert_rows(f, "SELECT count(*) FROM contacts", "0\n");
}

/* The rules over several fields, with the stored row where they need it. */
static void test_cross_field_rules_are_kept(void **state)
{
	struct fixture *f = *state;
	struct run_args skip = {MODE_UPSERT, ON_ERROR_SKIP, 0, false};
	long rejected;

	assert_int_equal(run(f, upsert, NULL, accounts, NULL), ERROR_NONE);
	assert_int_equal(
		run(f, skip, &rejected,
		    "invoice_number,account_id,kind,issued_on,due_on,currency,total\n"
		    "I-1,A-1,standard,2026-11-01,2026-11-30,KWD,1.125\n"
		    "I-2,A-1,standard,2026-11-10,2026-11-01,EUR,1\n"   /* due before issue */
		    "I-3,A-1,standard,2026-11-01,2026-11-30,JPY,1.5\n" /* JPY has no minor unit */
		    "I-4,A-9,standard,2026-11-01,2026-11-30,EUR,1\n",  /* no such account */
		    "account_id,email,full_name,password_hash,activate_licenses\n"
		    "A-1,x@acme.example,X,\"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\","
		    "false\n", /* no access type */
		    NULL),
		ERROR_NONE);
	assert_int_equal(rejected, 4);
	assert_rows(f, "SELECT invoice_number, total FROM invoices", "I-1|1125\n");
	assert_rows(f, "SELECT count(*) FROM logins", "0\n");
	/* a change of currency to one with other digits needs a total */
	assert_int_equal(run(f, skip, &rejected, "invoice_number,currency\nI-1,JPY\n", NULL),
			 ERROR_NONE);
	assert_int_equal(rejected, 1);
	assert_rows(f, "SELECT currency, total FROM invoices", "KWD|1125\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_modes_decide_insert_update_unchanged_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inputs_apply_in_dependency_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_skip_and_skip_account, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_deletes_what_the_batch_leaves_out_of_a_named_account, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_delete_needs_cascade_for_an_account_with_dependents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_errors_stops_and_writes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cross_field_rules_are_kept, setup, teardown),
	};

	xml_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
