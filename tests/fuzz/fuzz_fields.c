/*
 * fuzz_fields.c - libFuzzer target of the per-field checks of entity.c:
 * entity_check_value, entity_check_cells, entity_value_shown,
 * entity_valid_text, parse_amount/format_amount, parse_bool and
 * utf8_length (src/entity.h).
 *
 * The input: byte 0 picks the entity (modulo ENTITY_COUNT), byte 1 a
 * field F of it (modulo its fields), the rest is VALUE. VALUE is checked
 * as a value of F; then VALUE, cut at each 0x1F byte, gives the values
 * of a record, piece K to field F + K (wrapping), for entity_check_cells.
 * Values are handed over NUL-terminated, as readers hand them. Contracts
 * checked, for each input:
 *  - utf8_length agrees with a plain RFC 3629 decoder written here, and
 *    parse_bool with the six spellings in any case;
 *  - entity_check_value returns 0 or -1; -1 comes with a phrase and a
 *    code that the field's type can give (bad_utf8 exactly when VALUE is
 *    not UTF-8, too_long exactly when it has more characters than the
 *    field allows, else the type's own code);
 *  - an email field decides as email_check, a boolean as parse_bool, an
 *    amount as parse_amount, an enum as its values, a date or time as
 *    entity_valid_text; a country is two capitals and a currency three;
 *  - parse_amount with D fraction digits (0..4) gives back, through
 *    format_amount and parse_amount again, the same minor units, and D + 1
 *    digits give ten times as many;
 *  - entity_value_shown never shows a secret, and shows a hash only when
 *    it is valid;
 *  - entity_check_cells reports exactly one diagnostic per problem it
 *    counts, with the field's name, the record's line and number, and the
 *    code entity_check_value gives (required for an empty required field),
 *    and never quotes (in single quotes) a password or a password hash.
 */
#include "email.h"
#include "entity.h"
#include "fuzzlib.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RECORD_LINE 7	/* the line given to the record checked */
#define RECORD_NUMBER 3 /* and its number */

/* Code points in S (LEN bytes) by RFC 3629, or -1 when it is not UTF-8. */
static long plain_utf8_length(const uint8_t *s, size_t len)
{
	long count = 0;

	for (size_t i = 0; i < len; count++) {
		uint32_t cp, min;
		size_t k;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			k = 1, cp = s[i] & 0x1Fu, min = 0x80;
		} else if ((s[i] & 0xF0) == 0xE0) {
			k = 2, cp = s[i] & 0x0Fu, min = 0x800;
		} else if ((s[i] & 0xF8) == 0xF0) {
			k = 3, cp = s[i] & 0x07u, min = 0x10000;
		} else {
			return -1;
		}
		if (len - i <= k)
			return -1;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return -1;
			cp = cp << 6 | (s[i + j] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		i += k + 1;
	}
	return count;
}

/* parse_bool as the six spellings say. */
static int plain_bool(const char *s, size_t len)
{
	static const char *const spelling[] = {"false", "0", "no", "true", "1", "yes"};

	for (int i = 0; i < 6; i++)
		if (strlen(spelling[i]) == len && strncasecmp(s, spelling[i], len) == 0)
			return i >= 3;
	return -1;
}

/* The code a field of type TYPE gives for a value of the right length and encoding. */
static enum diag_code type_code(enum field_type type)
{
	switch (type) {
	case FT_EMAIL:
		return DIAG_BAD_EMAIL;
	case FT_COUNTRY:
		return DIAG_BAD_COUNTRY;
	case FT_CURRENCY:
		return DIAG_BAD_CURRENCY;
	case FT_DATE:
	case FT_TIME:
		return DIAG_BAD_DATE;
	case FT_BOOL:
		return DIAG_BAD_BOOLEAN;
	case FT_AMOUNT:
		return DIAG_BAD_AMOUNT;
	case FT_ENUM:
		return DIAG_BAD_ENUM;
	default:
		return DIAG_BAD_FORMAT;
	}
}

/* A NUL-terminated copy of the LEN bytes at S. */
static char *copy_of(const uint8_t *s, size_t len)
{
	char *c = malloc(len + 1);

	FUZZ_CHECK(c != NULL);
	if (len)
		memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* The contracts of parse_amount and format_amount for the LEN bytes at S. */
static void check_amount(const char *s, size_t len)
{
	int64_t minor[6];
	bool ok[6];

	for (int d = 0; d <= 4; d++) {
		const char *why = NULL;
		char buf[32];
		int64_t again;

		ok[d] = parse_amount(s, len, d, &minor[d], &why) == 0;
		if (!ok[d]) {
			FUZZ_CHECK(why != NULL && *why != '\0');
			continue;
		}
		FUZZ_CHECK(minor[d] >= 0);
		format_amount(minor[d], d, buf, sizeof(buf));
		FUZZ_CHECK(parse_amount(buf, strlen(buf), d, &again, &why) == 0);
		FUZZ_CHECK(again == minor[d]);
		if (d > 0 && ok[d - 1])
			FUZZ_CHECK(minor[d] == minor[d - 1] * 10);
	}
	for (int d = 1; d <= 4; d++)
		FUZZ_CHECK(!ok[d - 1] || ok[d]);
}

/* The contracts of entity_check_value for the non-empty value V (LEN bytes) of F. */
static void check_value(const struct field *f, const char *v, size_t len)
{
	enum diag_code code = DIAG_CODE_COUNT;
	const char *why = NULL;
	int rc = entity_check_value(f, v, len, &code, &why);
	long chars = utf8_length(v, len);
	bool length_rule = f->max_len && f->type != FT_SECRET && f->type != FT_COUNTRY &&
			   f->type != FT_CURRENCY;
	bool nul = memchr(v, '\0', len) != NULL;

	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_CHECK(why != NULL && *why != '\0');
		FUZZ_CHECK(code < DIAG_CODE_COUNT);
	}
	FUZZ_CHECK((chars < 0) == (rc == -1 && code == DIAG_BAD_UTF8));
	if (chars >= 0)
		FUZZ_CHECK((length_rule && chars > (long)f->max_len) ==
			   (rc == -1 && code == DIAG_TOO_LONG));
	if (rc == -1 && code != DIAG_BAD_UTF8 && code != DIAG_TOO_LONG)
		FUZZ_CHECK(code == type_code(f->type));
	FUZZ_CHECK(f->type != FT_SECRET || rc == 0 || code == DIAG_BAD_UTF8);
	if (chars < 0 || (length_rule && chars > (long)f->max_len))
		return;
	switch (f->type) {
	case FT_EMAIL:
		FUZZ_CHECK((rc == 0) == (email_check(v, len, NULL) == 0));
		break;
	case FT_BOOL:
		FUZZ_CHECK((rc == 0) == (parse_bool(v, len) >= 0));
		break;
	case FT_AMOUNT: {
		int64_t minor;
		const char *w;
		FUZZ_CHECK((rc == 0) == (parse_amount(v, len, -1, &minor, &w) == 0));
		break;
	}
	case FT_ENUM: {
		bool listed = false;
		for (const char *const *e = f->values; *e; e++)
			listed = listed || (strlen(*e) == len && memcmp(*e, v, len) == 0);
		FUZZ_CHECK((rc == 0) == listed);
		break;
	}
	case FT_DATE:
	case FT_TIME:
		if (!nul)
			FUZZ_CHECK((rc == 0) == entity_valid_text(f->type, v));
		break;
	case FT_COUNTRY:
	case FT_CURRENCY:
		if (rc == 0) {
			FUZZ_CHECK(len == (f->type == FT_COUNTRY ? 2u : 3u));
			for (size_t i = 0; i < len; i++)
				FUZZ_CHECK(v[i] >= 'A' && v[i] <= 'Z');
		}
		break;
	case FT_CODE:
		for (size_t i = 0; rc == 0 && i < len; i++)
			FUZZ_CHECK((unsigned char)v[i] < 0x80);
		break;
	default:
		break;
	}
	if (f->flags & F_SECRET)
		FUZZ_CHECK(!entity_value_shown(f, v, len));
	else if (f->type == FT_HASH)
		FUZZ_CHECK(entity_value_shown(f, v, len) == (rc == 0));
	else
		FUZZ_CHECK(entity_value_shown(f, v, len));
}

/* The contracts of entity_check_cells for the record of E cut from VALUE (LEN bytes). */
static void check_record(const struct entity *e, size_t first, const uint8_t *value, size_t len)
{
	struct record rec;
	struct diag_list diags = {0};
	char *copies[FIELD_MAX] = {NULL};
	size_t at = 0, pieces = 0;
	int problems, expected = 0;

	memset(&rec, 0, sizeof(rec));
	rec.entity = e;
	rec.file = "fuzz";
	rec.line = RECORD_LINE;
	rec.number = RECORD_NUMBER;
	while (pieces < e->nfields && at <= len) {
		const uint8_t *sep = memchr(value + at, 0x1F, len - at);
		size_t n = sep ? (size_t)(sep - (value + at)) : len - at;
		size_t fi = (first + pieces) % e->nfields;
		enum diag_code code;
		const char *why;

		copies[fi] = copy_of(value + at, n);
		rec.value[fi] = copies[fi];
		rec.len[fi] = n;
		if (n == 0)
			expected += (e->fields[fi].flags & F_REQUIRED) != 0;
		else
			expected +=
				entity_check_value(&e->fields[fi], copies[fi], n, &code, &why) != 0;
		pieces++;
		at += n + 1;
	}
	problems = entity_check_cells(&rec, &diags);
	FUZZ_CHECK(problems == expected && diags.count == (size_t)problems);
	fuzz_check_diags(&diags, 0, "fuzz", RECORD_LINE, RECORD_LINE);
	for (size_t i = 0; i < diags.count; i++) {
		const struct diag *d = &diags.items[i];
		int fi;
		enum diag_code code;
		const char *why;

		FUZZ_CHECK(d->record == RECORD_NUMBER && d->column == 0 && d->field != NULL);
		fi = entity_field_index(e, d->field, strlen(d->field));
		FUZZ_CHECK(fi >= 0 && rec.value[fi] != NULL);
		if (rec.len[fi] == 0) {
			FUZZ_CHECK(d->code == DIAG_REQUIRED);
			continue;
		}
		FUZZ_CHECK(entity_check_value(&e->fields[fi], rec.value[fi], rec.len[fi], &code,
					      &why) != 0);
		FUZZ_CHECK(d->code == code);
		/* a value is quoted in single quotes: never a password's or a hash's */
		if ((e->fields[fi].flags & F_SECRET) || e->fields[fi].type == FT_HASH)
			FUZZ_CHECK(strchr(d->message, '\'') == NULL);
	}
	diag_list_release(&diags);
	for (size_t i = 0; i < FIELD_MAX; i++)
		free(copies[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct entity *e;
	const struct field *f;
	const uint8_t *value = data + 2;
	size_t len = size - 2, first;
	char *v;

	FUZZ_CHECK(utf8_length((const char *)data, size) == plain_utf8_length(data, size));
	if (size < 2)
		return 0;
	e = entity_get(data[0] % ENTITY_COUNT);
	first = data[1] % e->nfields;
	f = &e->fields[first];
	v = copy_of(value, len);
	FUZZ_CHECK(parse_bool(v, len) == plain_bool(v, len));
	check_amount(v, len);
	if (len > 0)
		check_value(f, v, len);
	free(v);
	check_record(e, first, value, len);
	return 0;
}
