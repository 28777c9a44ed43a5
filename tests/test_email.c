/*
 * test_email.c - conformance and unit tests of email_check().
 *
 * Two public corpora are run through email_check() and every verdict must
 * agree with the corpus, unless the address is listed in the deviations table
 * below (and in docs/email.md, "Deviations", with the same reason). A listed
 * address that no longer deviates, or that is not in its corpus, fails the
 * test too, so the list stays honest. The corpora live outside the tree, in
 * $CONFORMANCE_DIR (default ../shared/conformance, relative to the directory
 * the test runs in); their README explains the encodings handled here.
 *
 * - email/isemail/tests.xml (libxml2): valid iff the <category> has a value
 *   below 16 in email/isemail/meta.xml. Control characters are stored as
 *   U+2400 + n and are mapped back to bytes 0x00-0x1F.
 * - email/hapi-isemail/tests.json (jansson): valid iff the diagnosis is
 *   "valid" or an "rfc5321..." name. Five strings hold lone UTF-16
 *   surrogates, which jansson refuses; each "\uD800"-style escape of a lone
 *   surrogate is rewritten in the text to the private-use escape U+E000 + (s -
 *   U+D800) (same length), and after decoding each such character (bytes EE
 *   80..9F xx) is turned into the bytes a surrogate would have in UTF-8 (ED
 *   A0..BF xx), i.e. the invalid sequence the address should be tested with.
 *   The test first checks that the file holds no U+E000..U+E7FF of its own.
 *   The two NUL cases that upstream keeps in code are added.
 */
#include "email.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testlib.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	ISEMAIL_CASES = 164,	  /* tests.xml version 3.05, per the corpus README */
	HAPI_CASES = 210,	  /* tests.json entries, per the corpus README */
	HAPI_LONE_SURROGATES = 5, /* per the corpus README */
	VALID_BELOW = 16,	  /* ISEMAIL_THRESHOLD */
	PATH_SIZE = 4096,
};

/*
 * Deliberate deviations from a corpus: the corpus says one thing, our rule
 * (docs/email.md) says the other, on purpose. Keep in step with
 * docs/email.md, "Deviations". Addresses are byte strings without NUL.
 */
struct deviation {
	const char *corpus;  /* "isemail" or "hapi-isemail"; NULL ends the table */
	const char *address; /* the address, bytes as tested */
	const char *reason;  /* why we differ, as in docs/email.md */
};

static const struct deviation deviations[] = {
	/* None at present. */
	{NULL, NULL, NULL},
};

/* The verdicts of one corpus run. */
struct tally {
	const char *corpus;			  /* name as in struct deviation */
	size_t cases;				  /* addresses checked */
	size_t agreed;				  /* same verdict as the corpus */
	size_t deviated;			  /* different, and listed in deviations[] */
	size_t failures;			  /* everything that makes the test fail */
	bool listed_seen[ARRAY_SIZE(deviations)]; /* deviations[i] met in this corpus */
};

/* Index of the deviation listed for S (LEN bytes) in CORPUS, or -1. */
static int find_deviation(const char *corpus, const char *s, size_t len)
{
	for (size_t i = 0; deviations[i].corpus != NULL; i++)
		if (strcmp(deviations[i].corpus, corpus) == 0 &&
		    strlen(deviations[i].address) == len &&
		    memcmp(deviations[i].address, s, len) == 0)
			return (int)i;
	return -1;
}

/* Run email_check() on one corpus case and record the outcome in T; print any failure. */
static void check_case(struct tally *t, const char *where, const char *s, size_t len, bool expected)
{
	const char *why = "";
	bool got = email_check(s, len, &why) == 0;
	int dev = find_deviation(t->corpus, s, len);
	char *shown = test_escape(s, len);

	t->cases++;
	if (dev >= 0)
		t->listed_seen[dev] = true;
	if (got == expected) {
		t->agreed++;
		if (dev >= 0) {
			print_message("%s %s: '%s' is listed as a deviation but now agrees (%s)\n",
				      t->corpus, where, shown ? shown : "?",
				      expected ? "valid" : "invalid");
			t->failures++;
		}
	} else if (dev >= 0) {
		t->deviated++;
	} else {
		print_message("%s %s: '%s': corpus says %s, email_check says %s%s%s\n", t->corpus,
			      where, shown ? shown : "?", expected ? "valid" : "invalid",
			      got ? "valid" : "invalid", got ? "" : ": ", got ? "" : why);
		t->failures++;
	}
	free(shown);
}

/* Fail T for every deviation of its corpus never met; print the summary line. */
static void finish_tally(struct tally *t)
{
	for (size_t i = 0; deviations[i].corpus != NULL; i++) {
		if (strcmp(deviations[i].corpus, t->corpus) != 0 || t->listed_seen[i])
			continue;
		print_message("%s: listed deviation '%s' is not in the corpus\n", t->corpus,
			      deviations[i].address);
		t->failures++;
	}
	print_message("%s: %zu cases, %zu agree, %zu listed deviations, %zu failures\n", t->corpus,
		      t->cases, t->agreed, t->deviated, t->failures);
}

/* PATH_SIZE buffer OUT := $CONFORMANCE_DIR/REL. */
static void corpus_path(char *out, const char *rel)
{
	assert_int_equal(test_corpus_path(out, PATH_SIZE, rel), 0);
}

/* Read the whole file PATH into a NUL-terminated buffer; NULL on error. Caller frees. */
static char *read_whole_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *bigger = realloc(buf, cap + 65536);

			if (bigger == NULL)
				goto fail;
			buf = bigger;
			cap += 65536;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;

fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* The first element child of PARENT called NAME, or NULL. */
static xmlNodePtr child_element(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0)
			return n;
	return NULL;
}

/*
 * The numeric value of category NAME in meta.xml document META
 * (meta/Categories/item[@id=NAME]/value), or -1 when absent.
 */
static long category_value(xmlDocPtr meta, const xmlChar *name)
{
	xmlNodePtr cats = child_element(xmlDocGetRootElement(meta), "Categories");

	if (cats == NULL)
		return -1;
	for (xmlNodePtr n = cats->children; n != NULL; n = n->next) {
		xmlChar *id;
		xmlNodePtr value;
		bool match;
		long v = -1;

		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, (const xmlChar *)"item") != 0)
			continue;
		id = xmlGetProp(n, (const xmlChar *)"id");
		match = id != NULL && xmlStrcmp(id, name) == 0;
		xmlFree(id);
		value = child_element(n, "value");
		if (!match || value == NULL)
			continue;
		xmlChar *text = xmlNodeGetContent(value);

		if (text != NULL)
			v = strtol((const char *)text, NULL, 10);
		xmlFree(text);
		return v;
	}
	return -1;
}

/*
 * Copy IN (N bytes) to OUT (room for N bytes) mapping the control pictures
 * U+2400..U+241F (E2 90 80..9F) to bytes 0x00..0x1F; returns the new length.
 */
static size_t unpicture(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && in[i] == 0xE2 && in[i + 1] == 0x90 && in[i + 2] >= 0x80 &&
		    in[i + 2] <= 0x9F) {
			out[o++] = (char)(in[i + 2] - 0x80);
			i += 2;
		} else {
			out[o++] = (char)in[i];
		}
	}
	return o;
}

static void test_isemail_corpus_agrees_with_email_check(void **state)
{
	struct tally t = {.corpus = "isemail"};
	char path[PATH_SIZE], meta_path[PATH_SIZE];
	xmlDocPtr doc = NULL, meta = NULL;
	xmlNodePtr root;
	const char *problem = NULL;

	(void)state;
	corpus_path(path, "email/isemail/tests.xml");
	corpus_path(meta_path, "email/isemail/meta.xml");
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	meta = xmlReadFile(meta_path, NULL, XML_PARSE_NONET);
	if (doc == NULL || meta == NULL) {
		problem = "cannot read tests.xml or meta.xml (set CONFORMANCE_DIR)";
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
		xmlNodePtr address, category;
		xmlChar *text, *cat, *id;
		char *bytes, where[64];
		size_t len;
		long value;

		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, (const xmlChar *)"test") != 0)
			continue;
		address = child_element(n, "address");
		category = child_element(n, "category");
		if (address == NULL || category == NULL) {
			problem = "a <test> without <address> or <category>";
			goto out;
		}
		cat = xmlNodeGetContent(category);
		value = cat != NULL ? category_value(meta, cat) : -1;
		xmlFree(cat);
		if (value < 0) {
			problem = "a <category> not defined in meta.xml";
			goto out;
		}
		text = xmlNodeGetContent(address);
		len = text != NULL ? (size_t)xmlStrlen(text) : 0;
		bytes = malloc(len + 1);
		if (bytes == NULL) {
			xmlFree(text);
			problem = "out of memory";
			goto out;
		}
		len = unpicture(text != NULL ? text : (const xmlChar *)"", len, bytes);
		xmlFree(text);
		id = xmlGetProp(n, (const xmlChar *)"id");
		snprintf(where, sizeof(where), "test %s", id != NULL ? (const char *)id : "?");
		xmlFree(id);
		check_case(&t, where, bytes, len, value < VALID_BELOW);
		free(bytes);
	}
	if (t.cases != ISEMAIL_CASES)
		problem = "tests.xml does not hold the 164 tests its README announces";

out:
	xmlFreeDoc(doc);
	xmlFreeDoc(meta);
	if (problem != NULL)
		fail_msg("isemail: %s", problem);
	finish_tally(&t);
	if (t.failures > 0)
		fail_msg("isemail: %zu problems (listed above)", t.failures);
}

/* Value of the 4 hex digits at P, or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Rewrite in place every JSON escape of a lone surrogate in BUF (N bytes,
 * NUL-terminated) to the escape of the private-use character U+E000 + (s -
 * U+D800). Returns how many were rewritten, or -1 if BUF already holds a
 * character of U+E000..U+E7FF (raw or escaped), which would be ambiguous.
 */
static long hide_lone_surrogates(char *buf, size_t n)
{
	long count = 0;

	for (size_t i = 0; i + 2 < n; i++) {
		unsigned char b0 = (unsigned char)buf[i], b1 = (unsigned char)buf[i + 1];

		if (b0 == 0xEE && b1 >= 0x80 && b1 <= 0x9F)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		long v, low;
		char escape_text[8];

		if (buf[i] != '\\')
			continue;
		if (i + 5 >= n || buf[i + 1] != 'u') {
			i++; /* some other escape: skip the escaped character */
			continue;
		}
		v = hex4(buf + i + 2);
		if (v >= 0xE000 && v <= 0xE7FF)
			return -1;
		if (v < 0xD800 || v > 0xDFFF) {
			i += 5;
			continue;
		}
		low = (v <= 0xDBFF && i + 11 < n && buf[i + 6] == '\\' && buf[i + 7] == 'u')
			      ? hex4(buf + i + 8)
			      : -1;
		if (low >= 0xDC00 && low <= 0xDFFF) {
			i += 11; /* a proper pair */
			continue;
		}
		snprintf(escape_text, sizeof(escape_text), "\\u%04lX", v - 0xD800 + 0xE000);
		memcpy(buf + i, escape_text, 6);
		count++;
		i += 5;
	}
	return count;
}

/*
 * Copy S (LEN bytes) to OUT (room for LEN bytes), turning each private-use
 * character written by hide_lone_surrogates() (EE 80..9F xx) into the bytes of
 * the surrogate it stands for (ED A0..BF xx).
 */
static void restore_lone_surrogates(const char *s, size_t len, char *out)
{
	memcpy(out, s, len);
	for (size_t i = 0; i + 2 < len; i++) {
		unsigned char b1 = (unsigned char)out[i + 1];

		if ((unsigned char)out[i] == 0xEE && b1 >= 0x80 && b1 <= 0x9F) {
			out[i] = (char)0xED;
			out[i + 1] = (char)(b1 + 0x20);
			i += 2;
		}
	}
}

static void test_hapi_isemail_corpus_agrees_with_email_check(void **state)
{
	/* Upstream's JS test adds these two; both are errors there. */
	static const struct {
		const char *s;
		size_t len;
	} nul_cases[] = {
		{"test@[\0", sizeof("test@[\0") - 1},
		{"(\0)test@example.com", sizeof("(\0)test@example.com") - 1},
	};
	struct tally t = {.corpus = "hapi-isemail"};
	char path[PATH_SIZE];
	char *text = NULL;
	size_t text_len = 0;
	long hidden;
	json_t *root = NULL;
	json_error_t jerr;
	const char *problem = NULL;

	(void)state;
	corpus_path(path, "email/hapi-isemail/tests.json");
	text = read_whole_file(path, &text_len);
	if (text == NULL) {
		problem = "cannot read tests.json (set CONFORMANCE_DIR)";
		goto out;
	}
	hidden = hide_lone_surrogates(text, text_len);
	if (hidden != HAPI_LONE_SURROGATES) {
		problem = hidden < 0 ? "tests.json already holds U+E000..U+E7FF"
				     : "tests.json does not hold the 5 lone surrogates its README "
				       "announces";
		goto out;
	}
	root = json_loadb(text, text_len, JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		print_message("hapi-isemail: %s:%d: %s\n", path, jerr.line, jerr.text);
		problem = "tests.json does not parse";
		goto out;
	}
	if (!json_is_array(root) || json_array_size(root) != HAPI_CASES) {
		problem = "tests.json is not the array of 210 pairs its README announces";
		goto out;
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *pair = json_array_get(root, i);
		json_t *address = json_array_get(pair, 0), *diagnosis = json_array_get(pair, 1);
		const char *name;
		char *bytes, where[32];
		size_t len;

		if (!json_is_string(address) || !json_is_string(diagnosis)) {
			problem = "an entry is not a pair of strings";
			goto out;
		}
		name = json_string_value(diagnosis);
		len = json_string_length(address);
		bytes = malloc(len + 1);
		if (bytes == NULL) {
			problem = "out of memory";
			goto out;
		}
		restore_lone_surrogates(json_string_value(address), len, bytes);
		snprintf(where, sizeof(where), "entry %zu", i + 1);
		check_case(&t, where, bytes, len,
			   strcmp(name, "valid") == 0 || strncmp(name, "rfc5321", 7) == 0);
		free(bytes);
	}
	for (size_t i = 0; i < ARRAY_SIZE(nul_cases); i++)
		check_case(&t, "NUL case", nul_cases[i].s, nul_cases[i].len, false);

out:
	json_decref(root);
	free(text);
	if (problem != NULL)
		fail_msg("hapi-isemail: %s", problem);
	finish_tally(&t);
	if (t.failures > 0)
		fail_msg("hapi-isemail: %zu problems (listed above)", t.failures);
}

/* Assert that the NUL-terminated S is accepted. */
static void assert_accepted(const char *s)
{
	const char *why = NULL;
	int rc = email_check(s, strlen(s), &why);

	if (rc != 0)
		fail_msg("'%s' refused: %s", s, why != NULL ? why : "(no reason)");
}

/* Assert that S (LEN bytes) is refused with a reason. */
static void assert_refused_len(const char *s, size_t len)
{
	const char *why = NULL;
	char *shown;

	if (email_check(s, len, &why) == 0) {
		shown = test_escape(s, len);
		print_message("'%s' accepted\n", shown != NULL ? shown : "?");
		free(shown);
		fail();
	}
	assert_non_null(why);
}

/* Assert that the NUL-terminated S is refused with a reason. */
static void assert_refused(const char *s)
{
	assert_refused_len(s, strlen(s));
}

static void test_plain_address_is_accepted(void **state)
{
	(void)state;
	assert_accepted("bob@example.com");
	assert_accepted("first.last+tag@mail.example.co.uk");
	assert_accepted("!#$%&'*+-/=?^_`{|}~@example.com");
}

static void test_quoted_local_part_is_accepted(void **state)
{
	(void)state;
	assert_accepted("\"john doe\"@example.com");
	assert_accepted("\"a@b\"@example.com");
	assert_accepted("\"quote\\\"inside\"@example.com");
	assert_accepted("\"\"@example.com");
	assert_accepted("\"jos\xC3\xA9\"@example.com");
}

static void test_bad_quoted_local_parts_are_refused(void **state)
{
	(void)state;
	assert_refused("\"unclosed@example.com");
	assert_refused("\"tab\there\"@example.com");
	assert_refused("\"a\"b@example.com");
	assert_refused("\"a\".\"b\"@example.com");
	assert_refused("\"\\\xC3\xA9\"@example.com");
	assert_refused("\"\\\x7F\"@example.com");
	assert_refused("\"\x7F\"@example.com");
}

static void test_bad_dot_strings_are_refused(void **state)
{
	(void)state;
	assert_refused(".bob@example.com");
	assert_refused("bob.@example.com");
	assert_refused("bo..b@example.com");
	assert_refused("bob smith@example.com");
	assert_refused("bob,smith@example.com");
	assert_refused("@example.com");
	assert_refused("bob");
	assert_refused("bob@");
	assert_refused("a@b@example.com");
}

static void test_utf8_local_part_and_domain_are_accepted(void **state)
{
	(void)state;
	assert_accepted("j\xC3\xB6rg@b\xC3\xBC"
			"cher.example");
	assert_accepted(
		"\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\x85\xAC\xE5\x8F\xB8");
	assert_accepted("\xF0\x9F\x98\x86@example.com");
}

static void test_invalid_utf8_is_refused(void **state)
{
	(void)state;
	assert_refused("\xC0\xAF@example.com");		/* overlong '/' */
	assert_refused("\xE0\x80\xAF@example.com");	/* overlong, 3 bytes */
	assert_refused("\xF0\x80\x80\xAF@example.com"); /* overlong, 4 bytes */
	assert_refused("\xED\xA0\x80@example.com");	/* surrogate U+D800 */
	assert_refused("a@\xED\xBF\xBF.example");	/* surrogate U+DFFF */
	assert_refused("\xF4\x90\x80\x80@example.com"); /* U+110000 */
	assert_refused("\xF5\x80\x80\x80@example.com");
	assert_refused("\xFF@example.com");
	assert_refused("\x80@example.com"); /* stray continuation */
	assert_refused("a@example.co\xC3"); /* cut short */
	assert_refused("\"\xE2\x82\"@example.com");
}

static void test_control_characters_are_refused(void **state)
{
	(void)state;
	assert_refused_len("a\0b@example.com", sizeof("a\0b@example.com") - 1);
	assert_refused("a\x07@example.com");
	assert_refused("\xC2\x80@example.com"); /* U+0080, a C1 control */
	assert_refused("\"\xC2\x9F\"@example.com");
	assert_refused("a@exa\xC2\x85mple.com");
	assert_refused("a@example.com\n");
	assert_refused("a@example.com\r\n");
}

static void test_comments_and_folding_white_space_are_refused(void **state)
{
	(void)state;
	assert_refused("(comment)bob@example.com");
	assert_refused("bob@example.com(comment)");
	assert_refused(" bob@example.com");
	assert_refused("bob@example.com ");
	assert_refused("bob@example.com\r\n ");
	assert_refused("bob @example.com");
}

static void test_single_label_and_numeric_domains_are_accepted(void **state)
{
	(void)state;
	assert_accepted("root@localhost");
	assert_accepted("a@example.123");
	assert_accepted("a@255.255.255.255");
	assert_accepted("a@xn--bcher-kva.example");
	assert_accepted("a@c--n.com");
}

static void test_bad_domain_names_are_refused(void **state)
{
	(void)state;
	assert_refused("a@-example.com");
	assert_refused("a@example-.com");
	assert_refused("a@.example.com");
	assert_refused("a@example.com.");
	assert_refused("a@example..com");
	assert_refused("a@exa_mple.com");
	assert_refused("a@example.com/");
	assert_refused("a@a[1.2.3.4]");
}

static void test_ipv4_address_literal_is_accepted(void **state)
{
	(void)state;
	assert_accepted("a@[192.0.2.1]");
	assert_accepted("a@[0.0.0.0]");
	assert_refused("a@[192.0.2]");
	assert_refused("a@[192.0.2.256]");
	assert_refused("a@[192.0.2.1.5]");
	assert_refused("a@[192.0.2.1");
	assert_refused("a@[192.0.2.1].com");
	assert_refused("a@[]");
}

static void test_ipv6_address_literals_follow_rfc_5321(void **state)
{
	static const struct {
		const char *address;
		bool valid;
	} cases[] = {
		{"a@[IPv6:2001:db8:0:0:0:0:0:1]", true},
		{"a@[ipv6:2001:DB8:0:0:0:0:0:1]", true},
		{"a@[IPv6:2001:db8::1]", true},
		{"a@[IPv6:::]", true},
		{"a@[IPv6:::1]", true},
		{"a@[IPv6:1::]", true},
		{"a@[IPv6:1:2:3:4:5:6::]", true},
		{"a@[IPv6:1:2:3::4:5:6]", true},
		{"a@[IPv6:1:2:3:4:5:6:7::]", false}, /* "::" would stand for one group */
		{"a@[IPv6:1:2:3:4::5:6:7]", false},
		{"a@[IPv6:1:2:3:4:5:6:7]", false},
		{"a@[IPv6:1:2:3:4:5:6:7:8:9]", false},
		{"a@[IPv6:1::2::3]", false},
		{"a@[IPv6::1:2:3:4:5:6:7]", false},
		{"a@[IPv6:1:2:3:4:5:6:7:]", false},
		{"a@[IPv6:1:::2]", false},
		{"a@[IPv6:12345::1]", false},
		{"a@[IPv6:1::g]", false},
		{"a@[IPv6:]", false},
		{"a@[IPv6:1:2:3:4:5:6:192.0.2.1]", true},
		{"a@[IPv6:::192.0.2.1]", true},
		{"a@[IPv6:::ffff:192.0.2.1]", true},
		{"a@[IPv6:1:2:3:4::192.0.2.1]", true},
		{"a@[IPv6:1:2:3:4:5::192.0.2.1]", false},
		{"a@[IPv6:1:2:3:4:5:192.0.2.1]", false},
		{"a@[IPv6:1:2:3:4:5:6:7:192.0.2.1]", false},
		{"a@[IPv6::192.0.2.1]", false},
		{"a@[IPv6:::192.0.2.256]", false},
		{"a@[IPv6:::192.0.2.1:1]", false},
		{"a@[2001:db8::1]", false},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].valid)
			assert_accepted(cases[i].address);
		else
			assert_refused(cases[i].address);
	}
}

static void test_unknown_address_literal_tag_is_refused(void **state)
{
	(void)state;
	assert_refused("a@[IPv7:1::2]");
	assert_refused("a@[x400:something]");
	assert_refused("a@[example.com]");
}

/* Fill BUF with N copies of C and a NUL; BUF has room for N + 1 bytes. */
static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_local_part_of_64_octets_is_accepted_and_65_refused(void **state)
{
	char local[70], address[100];

	(void)state;
	snprintf(address, sizeof(address), "%s@example.com", repeat(local, 'x', 64));
	assert_accepted(address);
	snprintf(address, sizeof(address), "%s@example.com", repeat(local, 'x', 65));
	assert_refused(address);
	snprintf(address, sizeof(address), "\"%s\"@example.com", repeat(local, 'x', 62));
	assert_accepted(address);
	snprintf(address, sizeof(address), "\"%s\"@example.com", repeat(local, 'x', 63));
	assert_refused(address);
}

static void test_label_of_63_octets_is_accepted_and_64_refused(void **state)
{
	char label[70], address[100];

	(void)state;
	snprintf(address, sizeof(address), "a@%s.com", repeat(label, 'y', 63));
	assert_accepted(address);
	snprintf(address, sizeof(address), "a@%s.com", repeat(label, 'y', 64));
	assert_refused(address);
}

static void test_address_of_254_octets_is_accepted_and_255_refused(void **state)
{
	char label[70], address[300];

	(void)state;
	/* 10 + '@' + 3 * (63 + '.') + 51 = 254 */
	repeat(label, 'z', 63);
	snprintf(address, sizeof(address), "0123456789@%s.%s.%s.%.51s", label, label, label, label);
	assert_int_equal(strlen(address), 254);
	assert_accepted(address);
	snprintf(address, sizeof(address), "0123456789@%s.%s.%s.%.52s", label, label, label, label);
	assert_int_equal(strlen(address), 255);
	assert_refused(address);
}

static void test_non_ascii_label_is_measured_in_its_xn_form(void **state)
{
	char address[300];
	size_t o;

	(void)state;
	/* 17 x U+1F606: 68 octets of UTF-8, but xn--k28haaaaaaaaaaaaaaaa is 24. */
	o = (size_t)snprintf(address, sizeof(address), "a@");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(address + o, sizeof(address) - o, "\xF0\x9F\x98\x86");
	snprintf(address + o, sizeof(address) - o, ".com");
	assert_accepted(address);
	/* 60 code points cannot fit in 63 - strlen("xn--") = 59 octets. */
	o = (size_t)snprintf(address, sizeof(address), "a@");
	for (int i = 0; i < 60; i++)
		o += (size_t)snprintf(address + o, sizeof(address) - o, "\xC3\xA9");
	snprintf(address + o, sizeof(address) - o, ".com");
	assert_refused(address);
	/* "b" then 30 x U+00E9: 61 octets of UTF-8, xn--b-bgaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa is 38. */
	o = (size_t)snprintf(address, sizeof(address), "a@b");
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(address + o, sizeof(address) - o, "\xC3\xA9");
	snprintf(address + o, sizeof(address) - o, ".com");
	assert_accepted(address);
}

static void test_input_is_not_read_beyond_len(void **state)
{
	static const char text[] = "bob@example.com";
	char *exact = malloc(sizeof(text) - 1);

	(void)state;
	assert_non_null(exact);
	memcpy(exact, text, sizeof(text) - 1); /* no NUL: ASan catches a read past it */
	assert_int_equal(email_check(exact, sizeof(text) - 1, NULL), 0);
	assert_int_equal(email_check(exact, 4, NULL), -1); /* "bob@" */
	assert_int_equal(email_check(exact, 7, NULL), 0);  /* "bob@exa" */
	memcpy(exact, "\"bob\"@exam\xC3", sizeof(text) - 1 - 4);
	assert_int_equal(email_check(exact, 11, NULL), -1); /* cut-short UTF-8 at the end */
	assert_int_equal(email_check(exact, 1, NULL), -1);  /* lone quote */
	assert_int_equal(email_check("", 0, NULL), -1);
	free(exact);
}

static void test_why_is_a_lower_case_phrase_without_full_stop(void **state)
{
	static const char *const bad[] = {
		"",
		"bob",
		"bob@",
		"@x",
		".a@x",
		"a.@x",
		"a..b@x",
		"a b@x",
		"(c)a@x",
		"a@b@c",
		"\"a@x",
		"\"a\"b@x",
		"\"\\\xC3\xA9\"@x",
		"\"\x01\"@x",
		"\xC0\xAF@x",
		"a@\xC2\x80",
		"a@-x",
		"a@x-",
		"a@.x",
		"a@x.",
		"a@x..y",
		"a@x y",
		"a@x_y",
		"a@[1.2.3]",
		"a@[1.2.3.4",
		"a@[1.2.3.4]x",
		"a@[]",
		"a@[IPv6:1::2::3]",
		"a@[IPv6::1]",
		"a@[IPv6:1:]",
		"a@[IPv6:1:::2]",
		"a@[IPv6:12345::]",
		"a@[IPv6:g::]",
		"a@[IPv6:1:2:3:4:5:6:7]",
		"a@[IPv6:1:2:3:4:5:6:7:8:9]",
		"a@[IPv6:1:2:3:4:5:6:7::]",
		"a@[IPv6:::1.2.3]",
		"a@[IPv6:::1.2.3.4:1]",
		"a@[IPv6:]",
		"a@[x:y]",
		"a@[xyz]",
		"a@[2001:db8::1]",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = NULL;
		size_t n;

		assert_int_equal(email_check(bad[i], strlen(bad[i]), &why), -1);
		assert_non_null(why);
		n = strlen(why);
		assert_true(n > 0);
		if (!(why[0] >= 'a' && why[0] <= 'z') || why[n - 1] == '.')
			fail_msg("'%s': bad phrase '%s'", bad[i], why);
	}
}

static void test_why_names_the_problem(void **state)
{
	static const struct {
		const char *address;
		const char *why;
	} cases[] = {
		{"bob", "no '@' in address"},
		{"bob@", "domain is empty"},
		{" bob@example.com", "address starts with a space"},
		{"bob@example.com ", "address ends with a space"},
		{"Bob <bob@example.com>", "angle brackets are not allowed"},
		{"bob..smith@example.com", "two dots in a row in local part"},
		{"a@b@example.com", "more than one '@'"},
		{"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.com",
		 "local part longer than 64 octets"},
		{"bob@[2001:db8::1]", "address literal lacks the 'IPv6:' tag"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;

		assert_int_equal(email_check(cases[i].address, strlen(cases[i].address), &why), -1);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_why_may_be_null(void **state)
{
	(void)state;
	assert_int_equal(email_check("bob", 3, NULL), -1);
	assert_int_equal(email_check("bob@x", 5, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_address_is_accepted),
		cmocka_unit_test(test_quoted_local_part_is_accepted),
		cmocka_unit_test(test_bad_quoted_local_parts_are_refused),
		cmocka_unit_test(test_bad_dot_strings_are_refused),
		cmocka_unit_test(test_utf8_local_part_and_domain_are_accepted),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_control_characters_are_refused),
		cmocka_unit_test(test_comments_and_folding_white_space_are_refused),
		cmocka_unit_test(test_single_label_and_numeric_domains_are_accepted),
		cmocka_unit_test(test_bad_domain_names_are_refused),
		cmocka_unit_test(test_ipv4_address_literal_is_accepted),
		cmocka_unit_test(test_ipv6_address_literals_follow_rfc_5321),
		cmocka_unit_test(test_unknown_address_literal_tag_is_refused),
		cmocka_unit_test(test_local_part_of_64_octets_is_accepted_and_65_refused),
		cmocka_unit_test(test_label_of_63_octets_is_accepted_and_64_refused),
		cmocka_unit_test(test_address_of_254_octets_is_accepted_and_255_refused),
		cmocka_unit_test(test_non_ascii_label_is_measured_in_its_xn_form),
		cmocka_unit_test(test_input_is_not_read_beyond_len),
		cmocka_unit_test(test_why_is_a_lower_case_phrase_without_full_stop),
		cmocka_unit_test(test_why_names_the_problem),
		cmocka_unit_test(test_why_may_be_null),
		cmocka_unit_test(test_isemail_corpus_agrees_with_email_check),
		cmocka_unit_test(test_hapi_isemail_corpus_agrees_with_email_check),
	};
	int failed;

	LIBXML_TEST_VERSION
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
