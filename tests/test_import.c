/*
 * test_import.c - the import layer without a database (the validate path):
 * the differential test of DESIGN section 2 (the same records through CSV
 * and XML get identical verdicts) and the row rules that need several fields.
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

#include "csvio.h"
#include "import.h"
#include "xmlio.h"

/* A valid value for every field, per entity (schema order). */
static const char *const base[ENTITY_COUNT][FIELD_MAX] = {
	{"A-1", "Acme, \"Ltd\"", "holder@acme.example", "Zoë Ångström", "+49 30 1234", "Main St 1",
	 "Berlin", "", "10115", "DE", "active", "newsletter product_updates", "", ""},
	{"A-1", "x@acme.example", "X Person", "correct-horse-42", "correct-horse-42", "", "true",
	 "false", "no", "yes", "", ""},
	{"A-1", "Ann", "O'Neil", "ann@acme.example", "IE", "true", "false", "1", "", ""},
	{"INV-1", "A-1", "standard", "2026-11-01", "2026-11-30", "KWD", "1250.375", "open",
	 "line one\nline two, with \"quotes\"", "", ""},
};

/* Values each field is tried with, valid and invalid. */
static const char *const tries[] = {
	"",
	"x",
	"-x",
	"a b",
	"Zoë",
	"bob@",
	"bob@example.org",
	"\"q l\"@example.org",
	"DE",
	"XX",
	"de",
	"JPY",
	"EUR",
	"XYZ",
	"2026-02-30",
	"2026-12-31",
	"2025-01-01",
	"2026-11-26T14:07:06Z",
	"2026-11-26T14:07:06",
	"maybe",
	"TRUE",
	"0",
	"12.5",
	"12.505",
	"125000",
	"-3",
	"void",
	"Active",
	"summary",
	"News",
	"newsletter",
	"short",
	"x@acme.example",
	"correct-horse-43",
	"$2b$12$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.",
	"$1$x$y",
	"A123456789012345678901234567890123456789012345678901234567890123X",
	"=cmd()",
	"'=cmd()",
};

static void write_xml_text(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", fp);
		else if (*s == '<')
			fputs("&lt;", fp);
		else if (*s == '>')
			fputs("&gt;", fp);
		else
			putc(*s, fp);
	}
}

/* Write the records of entity E (base, then one per field and try) as CSV and XML. */
static long write_both(const struct entity *e, const char *csv_path, const char *xml_path)
{
	FILE *c = fopen(csv_path, "w"), *x = fopen(xml_path, "w");
	long records = 0;

	assert_non_null(c);
	assert_non_null(x);
	for (size_t i = 0; i < e->nfields; i++)
		fprintf(c, "%s%s", i ? "," : "", e->fields[i].name);
	fputc('\n', c);
	fprintf(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s>\n", e->plural);
	for (long f = -1; f < (long)e->nfields; f++) {
		for (size_t t = 0; t < (f < 0 ? 1 : sizeof(tries) / sizeof(tries[0])); t++) {
			char key[32];
			snprintf(key, sizeof(key), "K%ld-%zu", f, t);
			records++;
			fprintf(x, "  <%s>\n", e->singular);
			for (size_t i = 0; i < e->nfields; i++) {
				const struct field *fd = &e->fields[i];
				const char *v = (long)i == f ? tries[t] : base[e->id][i];
				/* keep keys unique so duplicates do not hide the field verdicts */
				char keyed[64];
				if ((fd->flags & F_KEY) && (long)i != f && !(fd->flags & F_REF)) {
					if (fd->type == FT_EMAIL)
						snprintf(keyed, sizeof(keyed),
							 "k%ld-%zu@acme.example", f, t);
					else
						snprintf(keyed, sizeof(keyed), "%s", key);
					v = keyed;
				}
				if (i)
					fputc(',', c);
				csv_write_cell(c, v, strlen(v), false);
				if (fd->type == FT_TOKENS) {
					char *copy = strdup(v), *save = NULL;
					for (char *tok = strtok_r(copy, " ", &save); tok;
					     tok = strtok_r(NULL, " ", &save)) {
						fputs("    <subscription>", x);
						write_xml_text(x, tok);
						fputs("</subscription>\n", x);
					}
					free(copy);
					continue;
				}
				fprintf(x, "    <%s>", fd->name);
				write_xml_text(x, v);
				fprintf(x, "</%s>\n", fd->name);
			}
			fputc('\n', c);
			fprintf(x, "  </%s>\n", e->singular);
		}
	}
	fprintf(x, "</%s>\n", e->plural);
	fclose(c);
	fclose(x);
	return records;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Verdict lines "record field code", sorted, of validating PATH. */
static char *verdicts(const char *path, long *rejected)
{
	char *args[1] = {(char *)path};
	struct input_list inputs;
	struct diag_list rd = {0};
	struct import_opts opts;
	struct import_result res;
	char **lines;
	char *out = NULL;
	size_t size = 0;
	FILE *mem;

	memset(&opts, 0, sizeof(opts));
	opts.mode = MODE_UPSERT;
	opts.validate_only = true;
	opts.now = "2026-11-26T00:00:00Z";
	assert_int_equal(inputs_resolve(args, 1, NULL, FORMAT_UNKNOWN, false, 0, &inputs, &rd),
			 RESOLVE_OK);
	import_run(NULL, &inputs, &opts, &res);
	*rejected = 0;
	for (int e = 0; e < ENTITY_COUNT; e++)
		*rejected += res.counts[e].rejected;
	lines = calloc(res.diags.count + 1, sizeof(*lines));
	for (size_t i = 0; i < res.diags.count; i++) {
		const struct diag *d = &res.diags.items[i];
		assert_true(asprintf(&lines[i], "%06ld %s %s", d->record, d->field ? d->field : "-",
				     diag_code_name(d->code)) > 0);
	}
	qsort(lines, res.diags.count, sizeof(*lines), compare_lines);
	mem = open_memstream(&out, &size);
	for (size_t i = 0; i < res.diags.count; i++) {
		fprintf(mem, "%s\n", lines[i]);
		free(lines[i]);
	}
	fclose(mem);
	free(lines);
	import_result_release(&res);
	input_list_release(&inputs);
	diag_list_release(&rd);
	return out;
}

static void test_csv_and_xml_give_identical_verdicts_for_the_same_records(void **state)
{
	(void)state;
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		char csv[64], xml[64];
		long n, rej_csv, rej_xml;
		char *vc, *vx;

		snprintf(csv, sizeof(csv), "/tmp/acctbatch-diff-%d-%s.csv", (int)getpid(),
			 e->plural);
		snprintf(xml, sizeof(xml), "/tmp/acctbatch-diff-%d-%s.xml", (int)getpid(),
			 e->plural);
		n = write_both(e, csv, xml);
		vc = verdicts(csv, &rej_csv);
		vx = verdicts(xml, &rej_xml);
		if (strcmp(vc, vx) != 0) {
			fprintf(stderr, "--- CSV verdicts (%s)\n%s--- XML verdicts (%s)\n%s", csv,
				vc, xml, vx);
			fail_msg("%s: CSV and XML verdicts differ", e->plural);
		}
		assert_int_equal(rej_csv, rej_xml);
		/* the corpus exercises both outcomes */
		assert_true(rej_csv > 10);
		assert_true(rej_csv < n);
		unlink(csv);
		unlink(xml);
		free(vc);
		free(vx);
	}
}

/* Validate one CSV text and return its verdict lines. */
static char *validate_text(const char *name, const char *text, long *rejected)
{
	char path[96];
	FILE *fp;
	char *v;

	snprintf(path, sizeof(path), "/tmp/%s-%d.csv", name, (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	v = verdicts(path, rejected);
	unlink(path);
	return v;
}

static void test_passwords_must_match_be_long_enough_and_differ_from_the_email(void **state)
{
	long rej;
	char *v;

	(void)state;
	v = validate_text("logins",
			  "account_id,email,full_name,password,password_confirm,make_purchases\n"
			  "A,a@x.example,A,correct-horse-1,correct-horse-2,1\n"
			  "A,b@x.example,B,short,short,1\n"
			  "A,c@x.example,C,C@x.example,C@x.example,1\n"
			  "A,d@x.example,D,,,1\n"
			  "A,e@x.example,E,correct-horse-1,correct-horse-1,0\n"
			  "A,f@x.example,F,correct-horse-1,correct-horse-1,1\n",
			  &rej);
	assert_string_equal(v, "000001 password_confirm password_mismatch\n"
			       "000002 password password_weak\n"
			       "000003 password password_weak\n"
			       "000004 password required\n"
			       "000005 - no_access\n");
	assert_int_equal(rej, 5);
	free(v);
}

static void test_invoice_rules_need_the_currency_and_both_dates(void **state)
{
	long rej;
	char *v;

	(void)state;
	v = validate_text("invoices",
			  "invoice_number,account_id,kind,issued_on,due_on,currency,total\n"
			  "I1,A,standard,2026-11-02,2026-11-01,EUR,1\n"
			  "I2,A,standard,2026-11-01,2026-11-01,JPY,1.5\n"
			  "I3,A,standard,2026-11-01,2026-11-01,KWD,1.505\n"
			  "I4,A,summary,2026-11-01,2026-11-01,KWD,1.5050\n"
			  "I5,A,standard,2026-11-01,2026-11-01,EUR,\n",
			  &rej);
	assert_string_equal(v, "000001 due_on due_before_issue\n"
			       "000002 total bad_amount\n"
			       "000004 total bad_amount\n"
			       "000005 total required\n");
	assert_int_equal(rej, 4);
	free(v);
}

static void test_header_problems_are_reported_before_any_record(void **state)
{
	long rej;
	char *v;

	(void)state;
	v = validate_text("contacts",
			  "first_name,last_name,email,country,colour\nA,B,c@d.example,DE,red\n",
			  &rej);
	assert_string_equal(v, "000000 - unknown_column\n");
	free(v);
	v = validate_text("contacts-2", "account_id,first_name,last_name,country\nA,B,C,DE\n",
			  &rej);
	/* the header names contacts' fields but not the email key: detected by name */
	assert_string_equal(v, "000000 email missing_column\n");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_and_xml_give_identical_verdicts_for_the_same_records),
		cmocka_unit_test(
			test_passwords_must_match_be_long_enough_and_differ_from_the_email),
		cmocka_unit_test(test_invoice_rules_need_the_currency_and_both_dates),
		cmocka_unit_test(test_header_problems_are_reported_before_any_record),
	};
	int rc;

	xml_init();
	rc = cmocka_run_group_tests_name("import", tests, NULL, NULL);
	xml_cleanup();
	return rc;
}
