/*
 * test_xmlio.c - the hardened, streaming XML reader: hostile documents are
 * refused before anything is expanded or fetched, records carry their
 * element locations, schema findings stand when the C rules find nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "xmlio.h"

struct collected {
	long records;		       /* records seen */
	long bad;		       /* records with problems */
	char values[8][FIELD_MAX][64]; /* first records' values */
	long lines[8][FIELD_MAX];      /* and their field lines */
	bool given[8][FIELD_MAX];      /* field present */
};

static int collect(void *ctx, struct record *rec, int bad)
{
	struct collected *c = ctx;

	if (c->records < 8)
		for (size_t i = 0; i < rec->entity->nfields; i++) {
			if (!rec->value[i])
				continue;
			c->given[c->records][i] = true;
			snprintf(c->values[c->records][i], 64, "%s", rec->value[i]);
			c->lines[c->records][i] = rec->field_line[i];
		}
	c->records++;
	c->bad += bad > 0;
	return 0;
}

static enum read_status read_text(const char *text, const struct entity *e, struct collected *c,
				  struct diag_list *diags)
{
	char path[64];
	struct source src;
	struct reader_ops ops = {.on_record = collect, .ctx = c};
	enum read_status rs;
	FILE *fp;

	snprintf(path, sizeof(path), "/tmp/test_xmlio_%d.xml", (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(c, 0, sizeof(*c));
	assert_int_equal(source_open_file(&src, path, "t.xml"), 0);
	rs = xml_read_records(&src, e, &ops, diags);
	source_close(&src);
	unlink(path);
	return rs;
}

static enum read_status read_file(const char *path, const struct entity *e, struct collected *c,
				  struct diag_list *diags)
{
	struct source src;
	struct reader_ops ops = {.on_record = collect, .ctx = c};
	enum read_status rs;

	memset(c, 0, sizeof(*c));
	assert_int_equal(source_open_file(&src, path, NULL), 0);
	rs = xml_read_records(&src, e, &ops, diags);
	source_close(&src);
	return rs;
}

/* Diagnostic I of DIAGS has CODE, at LINE and COLUMN (COLUMN -1: any). */
static void expect_diag(const struct diag_list *diags, size_t i, enum diag_code code, long line,
			long column)
{
	assert_true(i < diags->count);
	assert_int_equal(diags->items[i].code, code);
	assert_int_equal(diags->items[i].line, line);
	if (column >= 0)
		assert_int_equal(diags->items[i].column, column);
}

static void test_hostile_documents_are_refused_before_parsing(void **state)
{
	static const char *const files[] = {"xmlbomb.xml",    "xmlbomb2.xml", "quadratic.xml",
					    "cyclic.xml",     "external.xml", "dtd.xml",
					    "dtd_element.xml"};
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512], rel[128];
		struct collected c;
		struct diag_list diags = {0};

		snprintf(rel, sizeof(rel), "xml-hardening/defusedxml/xmltestdata/%s", files[i]);
		assert_int_equal(test_corpus_path(path, sizeof(path), rel), 0);
		assert_int_equal(read_file(path, entity_get(ENTITY_ACCOUNTS), &c, &diags),
				 READ_BROKEN);
		assert_int_equal(c.records, 0);
		assert_int_equal(diags.count, 1);
		assert_int_equal(diags.items[0].code, DIAG_XML_SYNTAX);
		assert_string_equal(diags.items[0].message,
				    "document type declarations and entities are not allowed");
		diag_list_release(&diags);
	}
}

static void test_an_external_file_entity_is_never_read(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	char doc[1024];

	(void)state;
	/* the entity would pull /etc/hostname into a field if it were expanded */
	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE accounts [<!ENTITY x SYSTEM "
		 "\"file:///etc/hostname\">]>\n"
		 "<accounts><account><account_id>A</account_id><name>&x;</name></account></"
		 "accounts>\n");
	assert_int_equal(read_text(doc, entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_BROKEN);
	assert_int_equal(c.records, 0);
	diag_list_release(&diags);
	/* an undeclared entity reference without a DTD is a syntax error, not a fetch */
	assert_int_equal(read_text("<accounts><account><name>&x;</name></account></accounts>",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	assert_int_equal(diags.items[diags.count - 1].code, DIAG_XML_SYNTAX);
	diag_list_release(&diags);
}

static void test_records_carry_values_and_element_lines(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	const struct entity *e = entity_get(ENTITY_ACCOUNTS);

	(void)state;
	assert_int_equal(
		read_text("<?xml version=\"1.0\"?>\n"
			  "<accounts>\n"
			  "  <account>\n"
			  "    <account_id>A-1</account_id>\n"
			  "    <name>Smith &amp; Jones, \"Ltd\"</name>\n"
			  "    <email>a@b.example</email>\n"
			  "    <full_name></full_name>\n"
			  "    <country>DE</country>\n"
			  "    <subscription>newsletter</subscription>\n"
			  "    <subscription>product_updates</subscription>\n"
			  "  </account>\n"
			  "  <account><account_id>A-2</account_id><name><![CDATA[<b>]]></name>"
			  "<email>c@d.example</email><country>FR</country></account>\n"
			  "</accounts>\n",
			  e, &c, &diags),
		READ_OK);
	assert_int_equal(diags.count, 0);
	assert_int_equal(c.records, 2);
	assert_string_equal(c.values[0][1], "Smith & Jones, \"Ltd\"");
	assert_int_equal(c.lines[0][1], 5);
	assert_true(c.given[0][3]); /* empty element: given, empty */
	assert_string_equal(c.values[0][3], "");
	assert_false(c.given[0][4]); /* left out: not given */
	assert_string_equal(c.values[0][11], "newsletter product_updates");
	assert_string_equal(c.values[1][1], "<b>");
	assert_int_equal(c.lines[1][0], 12);
}

static void test_a_schema_finding_stands_when_the_c_rules_find_nothing(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	/* elements out of schema order: every value is fine, the structure is not */
	assert_int_equal(
		read_text("<accounts>\n<account>\n<name>N</name>\n<account_id>A</account_id>\n"
			  "<email>a@b.example</email><country>DE</country></account>\n"
			  "<account><account_id>B</account_id><name>N</name><email>a@b.example</"
			  "email>"
			  "<country>DE</country></account>\n</accounts>\n",
			  entity_get(ENTITY_ACCOUNTS), &c, &diags),
		READ_OK);
	assert_int_equal(c.records, 2);
	assert_int_equal(c.bad, 1);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].code, DIAG_SCHEMA);
	assert_int_equal(diags.items[0].record, 1);
	assert_int_equal(diags.items[0].line, 4);
	diag_list_release(&diags);
}

static void test_schema_findings_belong_to_their_record_on_a_single_line(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	/* a minified document: record 2 has its elements out of order */
	assert_int_equal(
		read_text("<accounts><account><account_id>A1</account_id><name>N</name>"
			  "<email>a@b.example</email><country>DE</country></account><account>"
			  "<account_id>A2</account_id><country>DE</country><name>N</name>"
			  "<email>a@b.example</email></account><account><account_id>A3</account_id>"
			  "<name>N</name><email>a@b.example</email><country>DE</country></account>"
			  "</accounts>",
			  entity_get(ENTITY_ACCOUNTS), &c, &diags),
		READ_OK);
	assert_int_equal(c.records, 3);
	assert_int_equal(c.bad, 1);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].record, 2);
	assert_int_equal(diags.items[0].line, 1);
	assert_int_equal(diags.items[0].column, 175);
	diag_list_release(&diags);
}

static void test_a_c_rule_finding_replaces_the_schema_message(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	assert_int_equal(
		read_text("<contacts>\n<contact>\n<account_id>A</account_id>\n"
			  "<first_name>F</first_name><last_name>L</last_name>\n"
			  "<email>bob@</email>\n<country>XX</country></contact>\n</contacts>\n",
			  entity_get(ENTITY_CONTACTS), &c, &diags),
		READ_OK);
	assert_int_equal(c.bad, 1);
	assert_int_equal(diags.count, 2);
	expect_diag(&diags, 0, DIAG_BAD_EMAIL, 5, -1);
	assert_true(diags.items[0].column > 0);
	expect_diag(&diags, 1, DIAG_BAD_COUNTRY, 6, -1);
	diag_list_release(&diags);
}

static void test_columns_count_characters_and_skip_markup_that_is_not_a_start_tag(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	/* the comment, the processing instruction and the end tags hold '<' and
	 * '>' that are not start tags; multi-byte characters count once */
	assert_int_equal(read_text("<contacts>\n<!-- not <a> tag -> --><?pi x > y?>\n<contact>\n"
				   "<account_id>A</account_id>\n"
				   "<first_name>Zo\u00eb \u00dcnal</first_name>"
				   "<last_name><![CDATA[<x>]]></last_name><email>bob@</email>\n"
				   "<country>DE</country></contact>\n</contacts>\n",
				   entity_get(ENTITY_CONTACTS), &c, &diags),
			 READ_OK);
	assert_int_equal(c.bad, 1);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_BAD_EMAIL, 5, 72);
	diag_list_release(&diags);
}

static void test_columns_stay_right_far_into_a_long_single_line_document(void **state)
{
	static const char rec[] =
		"<contact><account_id>A</account_id><first_name>\u00c5sa</first_name>"
		"<last_name>L</last_name><email>%s</email><country>SE</country>"
		"</contact>";
	size_t size = 400 * (sizeof(rec) + 32) + 64, len = 0;
	char *doc = malloc(size);
	struct collected c;
	struct diag_list diags = {0};
	char email[32];

	(void)state;
	assert_non_null(doc);
	len += (size_t)snprintf(doc + len, size - len, "<contacts>");
	for (int i = 0; i < 400; i++) {
		snprintf(email, sizeof(email), i == 333 ? "bob%03d@" : "bob%03d@x.example", i);
		len += (size_t)snprintf(doc + len, size - len, rec, email);
	}
	snprintf(doc + len, size - len, "</contacts>");
	assert_int_equal(read_text(doc, entity_get(ENTITY_CONTACTS), &c, &diags), READ_OK);
	assert_int_equal(c.records, 400);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].line, 1);
	/* 10 characters of <contacts>, 333 records of 149 characters (with a
	 * 16-character email), then 87 characters of record 334 before <email> */
	assert_int_equal(diags.items[0].column, 10 + 333 * 149 + 87 + 1);
	diag_list_release(&diags);
	free(doc);
}

static void test_malformed_xml_and_a_wrong_root_are_file_errors(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	assert_int_equal(read_text("<accounts>\n<account><account_id>A</account_id>\n</accounts>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	expect_diag(&diags, 0, DIAG_XML_SYNTAX, 3, -1);
	diag_list_release(&diags);
	assert_int_equal(read_text("<?xml version=\"1.0\"?>\n<!-- c -->\n<contacts/>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	assert_string_equal(diags.items[0].message,
			    "root element is <contacts>, expected <accounts>");
	assert_int_equal(diags.items[0].line, 3);
	diag_list_release(&diags);
	assert_int_equal(read_text("", entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_BROKEN);
	diag_list_release(&diags);
}

static void test_a_record_of_another_name_leaves_later_records_validated(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	/* record 1 is <acount>: it is rejected on its own, and record 2's
	 * order problem is still found, in record 2 */
	assert_int_equal(
		read_text("<accounts>\n<acount><account_id>A1</account_id><name>N</name>"
			  "<email>a@b.example</email><country>DE</country></acount>\n"
			  "<account><account_id>A2</account_id><country>DE</country><name>N</name>"
			  "<email>a@b.example</email></account>\n</accounts>\n",
			  entity_get(ENTITY_ACCOUNTS), &c, &diags),
		READ_OK);
	assert_int_equal(c.records, 2);
	assert_int_equal(c.bad, 2);
	assert_int_equal(diags.count, 2);
	assert_int_equal(diags.items[0].record, 1);
	assert_string_equal(diags.items[0].message,
			    "<accounts> holds <account> records, not <acount>");
	assert_int_equal(diags.items[1].code, DIAG_SCHEMA);
	assert_int_equal(diags.items[1].record, 2);
	assert_int_equal(diags.items[1].line, 3);
	assert_int_equal(diags.items[1].column, 58);
	assert_string_equal(diags.items[1].field, "name");
	diag_list_release(&diags);
}

static void test_a_finding_names_the_element_it_is_about(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	/* <b> inside <last_name>: libxml2 speaks of last_name, so the finding
	 * is last_name's, at its start tag, and not of the <b> that set it off */
	assert_int_equal(read_text("<contacts>\n<contact>\n<account_id>A</account_id>\n"
				   "<first_name>F</first_name><last_name>L<b>x</b></last_name>\n"
				   "<email>b@x.example</email>\n<country>SE</country></contact>\n</"
				   "contacts>\n",
				   entity_get(ENTITY_CONTACTS), &c, &diags),
			 READ_OK);
	assert_int_equal(c.bad, 1);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].code, DIAG_SCHEMA);
	assert_string_equal(diags.items[0].field, "last_name");
	assert_int_equal(diags.items[0].line, 4);
	assert_int_equal(diags.items[0].column, 27);
	diag_list_release(&diags); /* the same with a <last_name> inside: still the outer one's */
	assert_int_equal(read_text("<contacts>\n<contact>\n<account_id>A</account_id>\n"
				   "<first_name>F</first_name><last_name>L<last_name>x</"
				   "last_name></last_name>\n"
				   "<email>b@x.example</email>\n<country>SE</country></contact>\n</"
				   "contacts>\n",
				   entity_get(ENTITY_CONTACTS), &c, &diags),
			 READ_OK);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].line, 4);
	assert_int_equal(diags.items[0].column, 27);
	diag_list_release(&diags);
}

static void test_text_between_records_is_reported_once_at_its_first_line(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	static const char rec[] = "<contact><account_id>A</account_id><first_name>F</first_name>"
				  "<last_name>L</last_name><email>b@x.example</email>"
				  "<country>SE</country></contact>";
	char doc[1024];

	(void)state;
	snprintf(doc, sizeof(doc),
		 "<contacts>\n%s\n\n  stray\n  words &amp; more\n%s\n</contacts>\n", rec, rec);
	assert_int_equal(read_text(doc, entity_get(ENTITY_CONTACTS), &c, &diags), READ_BROKEN);
	assert_int_equal(c.records, 2);
	assert_int_equal(diags.count, 1); /* once, though the text comes in pieces */
	expect_diag(&diags, 0, DIAG_SCHEMA, 4, 0);
	diag_list_release(&diags);

	/* after a comment that spans lines, and with CR LF line ends */
	snprintf(doc, sizeof(doc),
		 "<contacts>\r\n%s\r\n<!-- a\r\nb -->\r\n  stray\r\n</contacts>\r\n", rec);
	assert_int_equal(read_text(doc, entity_get(ENTITY_CONTACTS), &c, &diags), READ_BROKEN);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_SCHEMA, 5, 0);
	diag_list_release(&diags);

	/* lone CRs, which libxml2 counts as no line end but hands over as LF:
	 * the line was once counted back from the parser's and came out -1 */
	assert_int_equal(read_text("<logins>\rl\r\r", entity_get(ENTITY_LOGINS), &c, &diags),
			 READ_BROKEN);
	assert_int_equal(diags.count, 2);
	expect_diag(&diags, 0, DIAG_SCHEMA, 2, 0);
	expect_diag(&diags, 1, DIAG_XML_SYNTAX, 1, 13);
	diag_list_release(&diags);
}

static void test_the_first_syntax_error_ends_the_document(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	static const char rec[] = "<account><account_id>A%d</account_id><name>N</name>"
				  "<email>a@b.example</email><country>DE</country></account>\n";
	char doc[4096];
	size_t len;

	(void)state;
	/* before the root: libxml2 would read on with its callbacks off, all
	 * but stray text, which must not reach a validator not yet made */
	len = (size_t)snprintf(doc, sizeof(doc),
			       "<?xml version=\"1.0\"?>\n<!-- a -- b -->\n<accounts>\n");
	for (int i = 0; i < 5; i++)
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, rec, i);
	snprintf(doc + len, sizeof(doc) - len, "</accounts>\n");
	assert_int_equal(read_text(doc, entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_BROKEN);
	assert_int_equal(c.records, 0);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_XML_SYNTAX, 2, -1);
	diag_list_release(&diags);
	/* inside a record: one message, not one for every misread piece after it */
	assert_int_equal(read_text("<accounts>\n<account><x a=\"1\" a=\"2\"/></account>\n"
				   "<account><account_id>B</account_id></account>\n</accounts>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	assert_int_equal(diags.count, 1);
	assert_int_equal(diags.items[0].line, 2);
	diag_list_release(&diags);
}

/* Found by fuzz_xml: a libxml2 warning (a PI named xml...) before a refused
 * tag refused the file with no message at all; a syntax error before a
 * refused tag was dropped for the refusal; "< x" is libxml2's to report. */
static void test_a_refused_tag_never_hides_or_loses_a_message(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	assert_int_equal(
		read_text("<?xmlK?>\n<accounts>\n<account a=\"1\"></account>\n</accounts>\n",
			  entity_get(ENTITY_ACCOUNTS), &c, &diags),
		READ_BROKEN);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_SCHEMA, 3, 1);
	diag_list_release(&diags);
	assert_int_equal(read_text("<accounts>\n<account><name>N</nme></account>\n"
				   "<account a=\"1\"></account>\n</accounts>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	assert_true(diags.count >= 1);
	expect_diag(&diags, 0, DIAG_XML_SYNTAX, 2, -1);
	diag_list_release(&diags);
	assert_int_equal(
		read_text("<accounts>\n< x></accounts>\n", entity_get(ENTITY_ACCOUNTS), &c, &diags),
		READ_BROKEN);
	assert_true(diags.count >= 1);
	expect_diag(&diags, 0, DIAG_XML_SYNTAX, 2, -1);
	diag_list_release(&diags);
}

static void test_an_element_with_attributes_is_refused_where_it_begins(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	size_t size = 2000000, len = 0;
	char *doc = malloc(size);
	clock_t t0;

	(void)state;
	assert_non_null(doc);
	/* a namespace declaration is an attribute too: the record before it
	 * is read and checked, nothing after it */
	assert_int_equal(read_text("<accounts>\n<account><account_id>A0</account_id><name>N</name>"
				   "<email>a@b.example</email><country>DE</country></account>\n"
				   "<account "
				   "xmlns=\"urn:x\"><account_id>A1</account_id><name>N</name>"
				   "<email>a@b.example</email><country>DE</country></account>\n"
				   "<account><account_id>A2</account_id><name>N</"
				   "name><email>a@b.example</email>"
				   "<country>DE</country><bogus/></account>\n</accounts>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_BROKEN);
	assert_int_equal(c.records, 1);
	assert_int_equal(c.bad, 0);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_SCHEMA, 3, 1);
	assert_int_equal(diags.items[0].record, 2);
	assert_string_equal(diags.items[0].message,
			    "the record element <account> has attributes, which the schemas never "
			    "allow; the file is read no further");
	diag_list_release(&diags);
	/* 150,000 attributes on one field: refused at once, in linear time
	 * (libxml2 compares every attribute with every other) */
	len += (size_t)snprintf(doc + len, size - len, "<accounts>\n<account>\n<name");
	for (int i = 0; i < 150000 && len + 16 < size; i++)
		len += (size_t)snprintf(doc + len, size - len, " a%d=\"\"", i);
	snprintf(doc + len, size - len, ">N</name></account>\n</accounts>\n");
	t0 = clock();
	assert_int_equal(read_text(doc, entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_BROKEN);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_int_equal(diags.count, 1);
	expect_diag(&diags, 0, DIAG_SCHEMA, 3, 1);
	assert_string_equal(diags.items[0].message,
			    "the field element <name> has attributes, which the schemas never "
			    "allow; the file is read no further");
	diag_list_release(&diags);
	/* a name longer than 256 bytes */
	len = (size_t)snprintf(doc, size, "<accounts><account><");
	memset(doc + len, 'n', 300);
	snprintf(doc + len + 300, size - len - 300, "/></account></accounts>\n");
	assert_int_equal(read_text(doc, entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_BROKEN);
	assert_int_equal(diags.count, 1);
	assert_non_null(strstr(diags.items[0].message, "name is longer than 256 bytes"));
	diag_list_release(&diags);
	free(doc);
}

static void test_text_in_many_pieces_is_one_finding(void **state)
{
	struct collected c;
	struct diag_list diags = {0};
	size_t size = 400000, len = 0;
	char *doc = malloc(size);

	(void)state;
	assert_non_null(doc);
	/* stray text inside a record, in pieces at each reference: one
	 * finding; and a long name of 50,000 references (the validator used
	 * to join the pieces one reallocation at a time) */
	len += (size_t)snprintf(doc + len, size - len,
				"<accounts>\n<account><account_id>A</account_id>a &amp; b &amp; c"
				"<name>");
	for (int i = 0; i < 50000; i++)
		len += (size_t)snprintf(doc + len, size - len, "&#233;");
	snprintf(doc + len, size - len,
		 "</name><email>a@b.example</email><country>DE</country></account>\n</accounts>\n");
	assert_int_equal(read_text(doc, entity_get(ENTITY_ACCOUNTS), &c, &diags), READ_OK);
	assert_int_equal(c.records, 1);
	assert_int_equal(diags.count, 2);
	assert_int_equal(diags.items[0].code, DIAG_TOO_LONG); /* the name */
	assert_int_equal(diags.items[1].code, DIAG_SCHEMA);   /* the text, once */
	assert_non_null(strstr(diags.items[1].message, "Character content"));
	diag_list_release(&diags);
	free(doc);
}

static void test_a_syntax_error_in_a_logins_file_quotes_no_input(void **state)
{
	struct collected c;
	struct diag_list diags = {0};

	(void)state;
	assert_int_equal(
		read_text("<logins>\n<login><account_id>A</account_id><email>a@b.example</email>"
			  "<full_name>F</full_name><password>Hunter2&Secret;x</password>"
			  "</login>\n</logins>\n",
			  entity_get(ENTITY_LOGINS), &c, &diags),
		READ_BROKEN);
	assert_int_equal(diags.count, 1);
	assert_string_equal(diags.items[0].message, "Entity '...' not defined");
	diag_list_release(&diags);
	/* a field element holding only another element: no text at all */
	assert_int_equal(read_text("<accounts>\n<account><account_id>A</account_id>"
				   "<name><name>x</name></name><email>a@b.example</email>"
				   "<country>DE</country></account>\n</accounts>\n",
				   entity_get(ENTITY_ACCOUNTS), &c, &diags),
			 READ_OK);
	assert_int_equal(c.bad, 1);
	diag_list_release(&diags);
}

static void test_the_root_element_names_the_entity(void **state)
{
	(void)state;
	assert_ptr_equal(xml_detect_entity("<?xml version=\"1.0\"?>\n<!-- x -->\n<invoices>", 43),
			 entity_get(ENTITY_INVOICES));
	assert_ptr_equal(xml_detect_entity("<logins/>", 9), entity_get(ENTITY_LOGINS));
	assert_null(xml_detect_entity("<root/>", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_documents_are_refused_before_parsing),
		cmocka_unit_test(test_an_external_file_entity_is_never_read),
		cmocka_unit_test(test_records_carry_values_and_element_lines),
		cmocka_unit_test(test_a_schema_finding_stands_when_the_c_rules_find_nothing),
		cmocka_unit_test(test_schema_findings_belong_to_their_record_on_a_single_line),
		cmocka_unit_test(test_a_c_rule_finding_replaces_the_schema_message),
		cmocka_unit_test(
			test_columns_count_characters_and_skip_markup_that_is_not_a_start_tag),
		cmocka_unit_test(test_columns_stay_right_far_into_a_long_single_line_document),
		cmocka_unit_test(test_malformed_xml_and_a_wrong_root_are_file_errors),
		cmocka_unit_test(test_a_record_of_another_name_leaves_later_records_validated),
		cmocka_unit_test(test_a_finding_names_the_element_it_is_about),
		cmocka_unit_test(test_text_between_records_is_reported_once_at_its_first_line),
		cmocka_unit_test(test_the_first_syntax_error_ends_the_document),
		cmocka_unit_test(test_an_element_with_attributes_is_refused_where_it_begins),
		cmocka_unit_test(test_a_refused_tag_never_hides_or_loses_a_message),
		cmocka_unit_test(test_text_in_many_pieces_is_one_finding),
		cmocka_unit_test(test_a_syntax_error_in_a_logins_file_quotes_no_input),
		cmocka_unit_test(test_the_root_element_names_the_entity),
	};
	int rc;

	xml_init();
	rc = cmocka_run_group_tests_name("xmlio", tests, NULL, NULL);
	xml_cleanup();
	return rc;
}
