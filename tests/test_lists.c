/*
 * test_lists.c - lists.c and relay.c: kind names, the fixed order of kinds,
 * the role column, the rows of each kind on a database built in the test
 * (closed accounts, void invoices, case-insensitive merging, filters), and
 * the relay that hands a list's bytes to a second thread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lists.h"
#include "relay.h"
#include "store.h"
#include "store_lists.h"

#include "testlib.h"

static void test_kind_names(void **state)
{
	struct list_spec s;

	(void)state;
	assert_int_equal(list_parse_kind("standard-invoices", &s), 0);
	assert_int_equal(s.kind, LIST_STANDARD_INVOICES);
	assert_string_equal(s.file, "standard-invoices");
	assert_int_equal(list_parse_kind("subscription:product_updates", &s), 0);
	assert_int_equal(s.kind, LIST_SUBSCRIPTION);
	assert_string_equal(s.subscription, "product_updates");
	assert_string_equal(s.name, "subscription:product_updates");
	assert_string_equal(s.file, "subscription-product_updates");
	assert_int_equal(list_parse_kind("subscription:", &s), -1);
	assert_int_equal(list_parse_kind("subscription:News", &s), -1);
	assert_int_equal(list_parse_kind("subscription:../x", &s), -1);
	assert_int_equal(
		list_parse_kind("subscription:a23456789012345678901234567890123456789012", &s), -1);
	assert_int_equal(list_parse_kind("Standard-Invoices", &s), -1);
	assert_int_equal(list_parse_kind("subscription", &s), -1);
	assert_int_equal(list_parse_kind("", &s), -1);
}

static void test_kinds_take_a_fixed_order_once(void **state)
{
	static struct lists_opts o;
	const char *names[] = {"subscription:zeta", "important-notices", "subscription:alpha",
			       "invoice-created",   "important-notices", "summary-invoices"};
	const char *want[] = {"invoice-created", "summary-invoices", "important-notices",
			      "subscription:alpha", "subscription:zeta"};
	struct list_spec s;

	(void)state;
	memset(&o, 0, sizeof(o));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(list_parse_kind(names[i], &s), 0);
		assert_int_equal(lists_add_kind(&o, &s), 0);
	}
	assert_int_equal(o.nkinds, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(o.kinds[i].name, want[i]);
}

static void test_roles_are_joined_alphabetically(void **state)
{
	char buf[24];

	(void)state;
	assert_string_equal(lists_roles(LIST_ROLE_LOGIN | LIST_ROLE_CONTACT, buf), "contact;login");
	assert_string_equal(
		lists_roles(LIST_ROLE_LOGIN | LIST_ROLE_HOLDER | LIST_ROLE_CONTACT, buf),
		"contact;holder;login");
	assert_string_equal(lists_roles(LIST_ROLE_HOLDER, buf), "holder");
	assert_string_equal(lists_roles(0, buf), "");
}

/* ------------------------------------------------------------ list rows */

struct fixture {
	char path[64];
	struct store *store;
};

static void set(struct row *r, const struct entity *e, const char *field, const char *v)
{
	int i = entity_field_index(e, field, strlen(field));
	assert_true(i >= 0);
	assert_int_equal(row_set(r, i, v, strlen(v)), 0);
}

/* Insert one row of E from "field=value" pairs (NULL-terminated). */
static void insert(struct store *s, enum entity_id id, ...)
{
	const struct entity *e = entity_get(id);
	struct row r;
	va_list ap;
	const char *pair;

	memset(&r, 0, sizeof(r));
	va_start(ap, id);
	while ((pair = va_arg(ap, const char *)) != NULL) {
		const char *eq = strchr(pair, '=');
		char field[64];
		assert_non_null(eq);
		snprintf(field, sizeof(field), "%.*s", (int)(eq - pair), pair);
		set(&r, e, field, eq + 1);
	}
	va_end(ap);
	set(&r, e, "created_at", "2026-01-01T00:00:00Z");
	set(&r, e, "updated_at", "2026-01-01T00:00:00Z");
	assert_int_equal(store_insert(s, e, &r), STORE_OK);
	row_release(&r);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int64_t batch;

	snprintf(f->path, sizeof(f->path), "/tmp/acctbatch-lists-XXXXXX");
	close(mkstemp(f->path));
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1000, &f->store), STORE_OK);
	assert_int_equal(
		store_begin_batch(f->store, "import", "test", "2026-01-01T00:00:00Z", &batch),
		STORE_OK);
	insert(f->store, ENTITY_ACCOUNTS, "account_id=A", "name=Alpha", "email=Boss@A.example",
	       "full_name=Bo Ss", "country=DE", "status=active", "subscriptions=news misc", NULL);
	insert(f->store, ENTITY_ACCOUNTS, "account_id=C", "name=Closed", "email=c@c.example",
	       "country=DE", "status=closed", "subscriptions=news", NULL);
	insert(f->store, ENTITY_ACCOUNTS, "account_id=S", "name=Sleepy", "email=s@s.example",
	       "country=DE", "status=suspended", "subscriptions=newsletter", NULL);
	/* the holder is also a contact, in another case, and a login */
	insert(f->store, ENTITY_CONTACTS, "account_id=A", "first_name=Bo", "last_name=Contact",
	       "email=boss@a.example", "country=DE", "standard_invoices=1", "summary_invoices=0",
	       "important_notices=1", NULL);
	insert(f->store, ENTITY_CONTACTS, "account_id=A", "first_name=Zed", "last_name=Z",
	       "email=zed@a.example", "country=DE", "standard_invoices=1", "summary_invoices=1",
	       "important_notices=0", NULL);
	insert(f->store, ENTITY_CONTACTS, "account_id=C", "first_name=Cy", "last_name=C",
	       "email=cy@c.example", "country=DE", "standard_invoices=1", "summary_invoices=1",
	       "important_notices=1", NULL);
	insert(f->store, ENTITY_CONTACTS, "account_id=S", "first_name=Zed", "last_name=Again",
	       "email=ZED@a.example", "country=DE", "standard_invoices=1", "summary_invoices=0",
	       "important_notices=0", NULL);
	insert(f->store, ENTITY_LOGINS, "account_id=A", "email=BOSS@a.example",
	       "full_name=Bo Login", "password_hash=$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
	       "activate_licenses=1", "make_purchases=0", "view_pay_invoices=0",
	       "invoice_created_alerts=1", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-2", "account_id=A", "kind=standard",
	       "issued_on=2026-02-01", "due_on=2026-03-01", "currency=KWD", "total=1500",
	       "status=open", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-1", "account_id=A", "kind=standard",
	       "issued_on=2026-01-01", "due_on=2026-02-01", "currency=EUR", "total=100",
	       "status=paid", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-3", "account_id=A", "kind=standard",
	       "issued_on=2026-01-15", "due_on=2026-02-01", "currency=EUR", "total=100",
	       "status=void", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-4", "account_id=C", "kind=standard",
	       "issued_on=2026-01-15", "due_on=2026-02-01", "currency=EUR", "total=100",
	       "status=open", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-5", "account_id=S", "kind=summary",
	       "issued_on=2026-01-20", "due_on=2026-02-01", "currency=JPY", "total=7",
	       "status=open", NULL);
	insert(f->store, ENTITY_INVOICES, "invoice_number=I-6", "account_id=S", "kind=standard",
	       "issued_on=2026-01-21", "due_on=2026-02-01", "currency=JPY", "total=7",
	       "status=open", NULL);
	assert_int_equal(store_end_batch(f->store, batch, "[]", "{}", "2026-01-01T00:00:00Z", true),
			 STORE_OK);
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

/* The rows of Q as "KEY EMAIL NAME ROLES|" (before merging). */
struct collect {
	char text[2048];
};

static int collect_row(void *ctx, const struct list_row *r)
{
	struct collect *c = ctx;
	char roles[24];
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s %s %s %s|",
		 r->invoice_number ? r->invoice_number : r->account_id, r->email, r->name,
		 lists_roles(r->roles, roles));
	return 0;
}

static const char *rows_of(struct fixture *f, struct list_query q, long *distinct)
{
	static struct collect c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_each_list_row(f->store, &q, collect_row, &c), STORE_OK);
	assert_int_equal(store_list_recipients(f->store, &q, distinct), STORE_OK);
	return c.text;
}

static void test_invoice_lists_leave_out_closed_and_void(void **state)
{
	struct fixture *f = *state;
	struct list_query q = {.kind = LIST_STANDARD_INVOICES};
	long n;

	/* I-3 is void, I-4 belongs to a closed account; S is suspended and listed */
	assert_string_equal(rows_of(f, q, &n), "I-1 boss@a.example Bo Contact contact;holder;login|"
					       "I-1 zed@a.example Zed Z contact|"
					       "I-2 boss@a.example Bo Contact contact;holder;login|"
					       "I-2 zed@a.example Zed Z contact|"
					       "I-6 ZED@a.example Zed Again contact|");
	assert_int_equal(n, 2); /* zed@a.example at two accounts is one recipient */
	q.kind = LIST_INVOICE_CREATED;
	assert_string_equal(rows_of(f, q, &n), "I-1 BOSS@a.example Bo Login contact;holder;login|"
					       "I-2 BOSS@a.example Bo Login contact;holder;login|");
	assert_int_equal(n, 1);
	q.kind = LIST_SUMMARY_INVOICES;
	assert_string_equal(rows_of(f, q, &n), "");
	assert_int_equal(n, 0);
}

static void test_invoice_filters(void **state)
{
	struct fixture *f = *state;
	struct list_query q = {.kind = LIST_STANDARD_INVOICES, .status = "open"};
	long n;

	assert_string_equal(rows_of(f, q, &n), "I-2 boss@a.example Bo Contact contact;holder;login|"
					       "I-2 zed@a.example Zed Z contact|"
					       "I-6 ZED@a.example Zed Again contact|");
	q.status = "paid";
	q.from = "2026-01-01";
	q.to = "2026-01-01";
	assert_string_equal(rows_of(f, q, &n), "I-1 boss@a.example Bo Contact contact;holder;login|"
					       "I-1 zed@a.example Zed Z contact|");
	q.status = NULL;
	q.from = "2026-01-02";
	q.to = NULL;
	q.account = "S";
	assert_string_equal(rows_of(f, q, &n), "I-6 ZED@a.example Zed Again contact|");
	assert_int_equal(n, 1);
}

static void test_account_lists_merge_a_holder_who_is_a_contact(void **state)
{
	struct fixture *f = *state;
	struct list_query q = {.kind = LIST_IMPORTANT_NOTICES};
	long n;

	/* the holder's "Boss@" sorts before the contact's "boss@": both come, the first is kept */
	assert_string_equal(rows_of(f, q, &n), "A Boss@A.example Bo Ss contact;holder;login|"
					       "A boss@a.example Bo Contact contact;holder;login|"
					       "S s@s.example  holder|");
	assert_int_equal(n, 2);
	q.kind = LIST_SUBSCRIPTION;
	q.subscription = "news";
	assert_string_equal(rows_of(f, q, &n), "A Boss@A.example Bo Ss contact;holder;login|");
	q.subscription = "newsletter";
	assert_string_equal(rows_of(f, q, &n), "S s@s.example  holder|");
	q.subscription = "new";
	assert_string_equal(rows_of(f, q, &n), "");
	q.subscription = "news";
	q.account = "S";
	assert_string_equal(rows_of(f, q, &n), "");
}

/* ------------------------------------------------------------ relay */

struct sink {
	char *buf;
	size_t len, cap;
	int fail_after; /* fail the call after this many, -1 never */
	int calls;
};

static int sink_write(void *ctx, const void *buf, size_t n)
{
	struct sink *s = ctx;

	if (s->fail_after >= 0 && s->calls++ >= s->fail_after) {
		errno = ENOSPC;
		return -1;
	}
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, buf, n);
	s->len += n;
	return 0;
}

static void test_relay_passes_every_byte_in_order(void **state)
{
	struct sink s = {NULL, 0, 0, -1, 0};
	struct relay *r;
	FILE *f = relay_open(&r, sink_write, &s);

	(void)state;
	assert_non_null(f);
	for (unsigned i = 0; i < 300000; i++) /* several blocks, odd sizes */
		assert_true(fprintf(f, "%u,", i) > 0);
	assert_int_equal(relay_close(r, f), 0);
	for (unsigned i = 0, at = 0; i < 300000; i++) {
		char want[16];
		int n = snprintf(want, sizeof(want), "%u,", i);
		assert_memory_equal(s.buf + at, want, (size_t)n);
		at += (unsigned)n;
		if (i == 299999)
			assert_int_equal(at, s.len);
	}
	free(s.buf);
}

static void test_relay_reports_a_failing_sink(void **state)
{
	struct sink s = {NULL, 0, 0, 1, 0};
	struct relay *r;
	FILE *f = relay_open(&r, sink_write, &s);
	static char block[100000];

	(void)state;
	assert_non_null(f);
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < 50; i++)
		if (fwrite(block, 1, sizeof(block), f) != sizeof(block))
			break;
	errno = 0;
	assert_int_equal(relay_close(r, f), -1);
	assert_int_equal(errno, ENOSPC);
	assert_true(s.len <= 256u * 1024u);
	free(s.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_kinds_take_a_fixed_order_once),
		cmocka_unit_test(test_roles_are_joined_alphabetically),
		cmocka_unit_test_setup_teardown(test_invoice_lists_leave_out_closed_and_void, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invoice_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_lists_merge_a_holder_who_is_a_contact,
						setup, teardown),
		cmocka_unit_test(test_relay_passes_every_byte_in_order),
		cmocka_unit_test(test_relay_reports_a_failing_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
