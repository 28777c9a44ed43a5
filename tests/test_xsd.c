/*
 * test_xsd.c - the generated XSDs: the checked-in schemas/ files are
 * current, each compiles, and the XSD is never stricter than the C field
 * rules (a value C accepts, the XSD accepts too; where the XSD is looser,
 * the C rule decides for XML as well, see test_import.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "entity.h"
#include "xsd.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = (size_t)n;
	fclose(fp);
	return buf;
}

static void test_checked_in_schemas_are_the_generated_ones(void **state)
{
	(void)state;
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		char path[64];
		size_t glen = 0, flen = 0;
		char *gen = xsd_text(e, &glen), *file;

		snprintf(path, sizeof(path), "schemas/%s.xsd", e->plural);
		file = slurp(path, &flen);
		assert_non_null(gen);
		if (!file)
			fail_msg("cannot read %s (run the tests from the project root)", path);
		if (glen != flen || memcmp(gen, file, glen) != 0)
			fail_msg("%s is out of date: run 'make schemas'", path);
		free(gen);
		free(file);
	}
}

static void quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static xmlSchemaPtr compile(const struct entity *e)
{
	size_t len;
	char *text = xsd_text(e, &len);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(text, (int)len);
	xmlSchemaPtr s = xmlSchemaParse(pc);

	xmlSchemaFreeParserCtxt(pc);
	free(text);
	return s;
}

/* Whether the XSD accepts one record holding only FIELD = VALUE. */
static bool xsd_accepts(xmlSchemaPtr schema, const struct entity *e, const struct field *f,
			const char *value)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)e->plural);
	xmlNodePtr rec = xmlNewChild(root, NULL, (const xmlChar *)e->singular, NULL);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	bool ok;

	xmlDocSetRootElement(doc, root);
	if (f->type == FT_TOKENS) {
		/* a token list is one <subscription> element per token */
		char *copy = strdup(value), *save = NULL;
		for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
			xmlNewTextChild(rec, NULL, (const xmlChar *)"subscription",
					(const xmlChar *)t);
		free(copy);
	} else {
		xmlNewTextChild(rec, NULL, (const xmlChar *)f->name, (const xmlChar *)value);
	}
	xmlSchemaSetValidErrors(vc, NULL, NULL, NULL);
	ok = xmlSchemaValidateDoc(vc, doc) == 0;
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return ok;
}

/* Sample values per field type: valid and invalid ones. */
static const char *const samples[] = {
	"x",
	"NL-0001",
	"-x",
	"a b",
	"Zoë",
	"O'Brien, \"Ltd\"",
	"line\nbreak",
	"+47 22 33 44 55",
	"(030)",
	"bob@example.org",
	"bob@",
	"\"quoted local\"@example.org",
	"a@[127.0.0.1]",
	"DE",
	"de",
	"XX",
	"EUR",
	"KWD",
	"eur",
	"2026-11-26",
	"2026-02-30",
	"2026-1-1",
	"2026-11-26T14:07:06Z",
	"2026-11-26T25:00:00Z",
	"true",
	"FALSE",
	"yes",
	"No",
	"1",
	"0",
	"2",
	"y",
	"12.50",
	"0",
	"1250.375",
	"-1",
	"1e5",
	"1.",
	"active",
	"closed",
	"Active",
	"standard",
	"summary",
	"open",
	"paid",
	"void",
	"newsletter",
	"News",
	"a_b_c",
	"product_updates",
	"$2b$12$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.",
	"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
	"$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
	"$1$x$y",
	"INV-2026/0001",
	"A123456789012345678901234567890123456789012345678901234567890123",
	"A1234567890123456789012345678901234567890123456789012345678901234",
};

static void test_the_xsd_is_never_stricter_than_the_c_rules(void **state)
{
	(void)state;
	xmlSetGenericErrorFunc(NULL, quiet);
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		xmlSchemaPtr schema = compile(e);
		assert_non_null(schema);
		for (size_t i = 0; i < e->nfields; i++) {
			const struct field *f = &e->fields[i];
			for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
				enum diag_code code;
				const char *why;
				bool c_ok = entity_check_value(f, samples[s], strlen(samples[s]),
							       &code, &why) == 0;
				bool x_ok = xsd_accepts(schema, e, f, samples[s]);
				if (c_ok && !x_ok)
					fail_msg("%s.%s: C accepts '%s' but the XSD refuses it",
						 e->plural, f->name, samples[s]);
				/* where the XSD is looser, it must be for a reason XSD 1.0 cannot express */
				if (!c_ok && x_ok && f->type != FT_DATE && f->type != FT_TIME &&
				    f->type != FT_EMAIL && f->type != FT_TEXT && f->type != FT_HASH)
					fail_msg("%s.%s: XSD accepts '%s' but C refuses it (%s)",
						 e->plural, f->name, samples[s], why);
			}
		}
		xmlSchemaFree(schema);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checked_in_schemas_are_the_generated_ones),
		cmocka_unit_test(test_the_xsd_is_never_stricter_than_the_c_rules),
	};
	int rc = cmocka_run_group_tests_name("xsd", tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
