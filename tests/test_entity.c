/*
 * test_entity.c - the field tables and the per-cell rules of src/entity.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "entity.h"
#include "isocodes.h"

static const struct field *field_of(enum entity_id id, const char *name)
{
	const struct entity *e = entity_get(id);
	int i = entity_field_index(e, name, strlen(name));

	assert_true(i >= 0);
	return &e->fields[i];
}

/* The code a value gets, or -1 when it is valid. */
static int verdict(enum entity_id id, const char *field, const char *value)
{
	enum diag_code code;
	const char *why = NULL;

	if (entity_check_value(field_of(id, field), value, strlen(value), &code, &why) == 0)
		return -1;
	assert_non_null(why);
	return (int)code;
}

static void test_account_ids_follow_the_pattern(void **state)
{
	(void)state;
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "account_id", "NL-0001"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "account_id", "a.b_c-d"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "account_id", "-start"), DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "account_id", "has space"), DIAG_BAD_FORMAT);
	assert_int_equal(
		verdict(ENTITY_ACCOUNTS, "account_id",
			"A123456789012345678901234567890123456789012345678901234567890123"),
		-1);
	assert_int_equal(
		verdict(ENTITY_ACCOUNTS, "account_id",
			"A1234567890123456789012345678901234567890123456789012345678901234"),
		DIAG_TOO_LONG);
	assert_int_equal(verdict(ENTITY_INVOICES, "invoice_number", "INV-2026/0001"), -1);
	assert_int_equal(verdict(ENTITY_INVOICES, "invoice_number", "INV.1"), DIAG_BAD_FORMAT);
}

static void test_text_length_counts_characters_not_bytes(void **state)
{
	char buf[512];

	(void)state;
	buf[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(buf, "\xC3\xA9"); /* é: 2 bytes, 1 character */
	assert_int_equal(verdict(ENTITY_CONTACTS, "first_name", buf), -1);
	strcat(buf, "x");
	assert_int_equal(verdict(ENTITY_CONTACTS, "first_name", buf), DIAG_TOO_LONG);
	assert_int_equal(verdict(ENTITY_CONTACTS, "first_name", "bad\xC3"), DIAG_BAD_UTF8);
	assert_int_equal(verdict(ENTITY_CONTACTS, "first_name", "tab\there"), -1);
	assert_int_equal(verdict(ENTITY_CONTACTS, "first_name", "bell\a"), DIAG_BAD_FORMAT);
	/* U+FFFE and U+FFFF: XML cannot hold them, so CSV refuses them too; U+FFFD is fine */
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "name", "Co\xef\xbf\xbeX"), DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "name", "Co\xef\xbf\xbf"), DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "name", "Co\xef\xbf\xbdX"), -1);
}

static void test_dates_must_exist_in_the_calendar(void **state)
{
	(void)state;
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "2024-02-29"), -1);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "2026-02-29"), DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "2000-02-29"), -1);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "1900-02-29"), DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "2026-13-01"), DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "2026-1-01"), DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "issued_on", "26-11-2026"), DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "created_at", "2026-11-26T14:07:06Z"), -1);
	assert_int_equal(verdict(ENTITY_INVOICES, "created_at", "2026-11-26T24:00:00Z"),
			 DIAG_BAD_DATE);
	assert_int_equal(verdict(ENTITY_INVOICES, "created_at", "2026-11-26 14:07:06"),
			 DIAG_BAD_DATE);
}

static void test_booleans_accept_six_spellings_in_any_case(void **state)
{
	(void)state;
	assert_int_equal(parse_bool("TRUE", 4), 1);
	assert_int_equal(parse_bool("Yes", 3), 1);
	assert_int_equal(parse_bool("1", 1), 1);
	assert_int_equal(parse_bool("false", 5), 0);
	assert_int_equal(parse_bool("NO", 2), 0);
	assert_int_equal(parse_bool("0", 1), 0);
	assert_int_equal(parse_bool("y", 1), -1);
	assert_int_equal(parse_bool("2", 1), -1);
	assert_int_equal(verdict(ENTITY_CONTACTS, "standard_invoices", "maybe"), DIAG_BAD_BOOLEAN);
}

static void test_amounts_become_minor_units_with_the_currency_digits(void **state)
{
	int64_t minor;
	const char *why;
	char buf[32];

	(void)state;
	assert_int_equal(parse_amount("1250.375", 8, 3, &minor, &why), 0);
	assert_int_equal(minor, 1250375);
	assert_int_equal(parse_amount("87.5", 4, 3, &minor, &why), 0);
	assert_int_equal(minor, 87500);
	assert_int_equal(parse_amount("125000", 6, 0, &minor, &why), 0);
	assert_int_equal(minor, 125000);
	assert_int_equal(parse_amount("1.5", 3, 0, &minor, &why), -1);
	assert_int_equal(parse_amount("1.005", 5, 2, &minor, &why), -1);
	assert_int_equal(parse_amount("-1", 2, 2, &minor, &why), -1);
	assert_string_equal(why, "amount must not be negative");
	assert_int_equal(parse_amount("1e3", 3, 2, &minor, &why), -1);
	assert_int_equal(parse_amount("1.", 2, 2, &minor, &why), -1);
	assert_int_equal(parse_amount("99999999999999999999", 20, 2, &minor, &why), -1);
	format_amount(1250375, 3, buf, sizeof(buf));
	assert_string_equal(buf, "1250.375");
	format_amount(5, 2, buf, sizeof(buf));
	assert_string_equal(buf, "0.05");
	format_amount(125000, 0, buf, sizeof(buf));
	assert_string_equal(buf, "125000");
	assert_int_equal(iso_currency_digits("JPY"), 0);
	assert_int_equal(iso_currency_digits("KWD"), 3);
	assert_int_equal(iso_currency_digits("EUR"), 2);
}

static void test_country_and_currency_codes_come_from_iso_codes(void **state)
{
	(void)state;
	assert_true(iso_country_count() > 240);
	assert_true(iso_currency_count() > 150);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "country", "NO"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "country", "no"), DIAG_BAD_COUNTRY);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "country", "XX"), DIAG_BAD_COUNTRY);
	assert_int_equal(verdict(ENTITY_INVOICES, "currency", "KWD"), -1);
	assert_int_equal(verdict(ENTITY_INVOICES, "currency", "XYZ"), DIAG_BAD_CURRENCY);
	/* units of account, metals and the testing code are not invoice currencies */
	assert_int_equal(verdict(ENTITY_INVOICES, "currency", "XXX"), DIAG_BAD_CURRENCY);
	assert_int_equal(verdict(ENTITY_INVOICES, "currency", "XAU"), DIAG_BAD_CURRENCY);
	assert_int_equal(verdict(ENTITY_INVOICES, "currency", "XOF"), -1);
}

static void test_enumerations_and_subscriptions(void **state)
{
	(void)state;
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "status", "closed"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "status", "Closed"), DIAG_BAD_ENUM);
	assert_int_equal(verdict(ENTITY_INVOICES, "kind", "summary"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "subscriptions", "newsletter  product_updates"),
			 -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "subscriptions", "News"), DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "subscriptions",
				 "a2345678901234567890123456789012345678901"),
			 DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "phone", "+47 22 33-44 55"), -1);
	assert_int_equal(verdict(ENTITY_ACCOUNTS, "phone", "(030) 1234"), DIAG_BAD_FORMAT);
}

static void test_password_hashes_of_three_kinds_are_recognised(void **state)
{
	(void)state;
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash",
				 "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+"
				 "dWRWJTmaaJObG"),
			 -1);
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash",
				 "$2b$12$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b."),
			 -1);
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash",
				 "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC."
				 "5i5rd.RhAtQ7"),
			 -1);
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash", "$1$salt$md5crypt"),
			 DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash", "plaintext"), DIAG_BAD_FORMAT);
	assert_int_equal(verdict(ENTITY_LOGINS, "password_hash", "$argon2i$v=19$m=1,t=1,p=1$a$b"),
			 DIAG_BAD_FORMAT);
}

static void test_a_secret_value_is_never_quoted_in_a_message(void **state)
{
	struct record rec;
	struct diag_list diags = {0};
	const struct entity *e = entity_get(ENTITY_LOGINS);
	int pw = entity_field_index(e, "password", 8);
	int em = entity_field_index(e, "email", 5);

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.entity = e;
	rec.file = "logins.csv";
	rec.line = 7;
	rec.value[pw] = "bad\xff-secret";
	rec.len[pw] = strlen(rec.value[pw]);
	rec.value[em] = "not-an-email";
	rec.len[em] = strlen(rec.value[em]);
	assert_int_equal(entity_check_cells(&rec, &diags), 2);
	for (size_t i = 0; i < diags.count; i++)
		assert_null(strstr(diags.items[i].message, "secret"));
	assert_int_equal(diags.items[0].code, DIAG_BAD_EMAIL);
	assert_int_equal(diags.items[1].code, DIAG_BAD_UTF8);
	assert_string_equal(diags.items[0].field, "email");
	assert_int_equal(diags.items[0].line, 7);
	diag_list_release(&diags);
	diag_list_release(&diags);
}

static void test_an_empty_required_cell_is_reported_as_required(void **state)
{
	struct record rec;
	struct diag_list diags = {0};
	const struct entity *e = entity_get(ENTITY_CONTACTS);

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.entity = e;
	rec.value[1] = "";
	rec.value[5] = ""; /* standard_invoices: optional, empty is fine */
	assert_int_equal(entity_check_cells(&rec, &diags), 1);
	assert_int_equal(diags.items[0].code, DIAG_REQUIRED);
	assert_string_equal(diags.items[0].field, "first_name");
	diag_list_release(&diags);
}

static void test_every_entity_has_its_key_and_account_field(void **state)
{
	(void)state;
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		assert_true(e->nfields <= FIELD_MAX);
		assert_true(e->fields[e->key[0]].flags & F_KEY);
		assert_string_equal(e->fields[e->account_field].name, "account_id");
		assert_ptr_equal(entity_by_name(e->plural), e);
		assert_ptr_equal(entity_by_name(e->singular), e);
	}
	assert_null(entity_by_name("users"));
	for (int c = 0; c < DIAG_CODE_COUNT; c++)
		assert_string_not_equal(diag_code_name(c), "unknown");
}

/* Each role is held by a field of the type its rules read, in the entities that need it. */
static void test_the_roles_derived_from_the_tables_name_fields_of_their_type(void **state)
{
	static const enum field_type role_type[ROLE_COUNT] = {
		[ROLE_ACCOUNT] = FT_CODE,    [ROLE_EMAIL] = FT_EMAIL,
		[ROLE_PASSWORD] = FT_SECRET, [ROLE_CONFIRM] = FT_SECRET,
		[ROLE_HASH] = FT_HASH,	     [ROLE_ISSUED] = FT_DATE,
		[ROLE_DUE] = FT_DATE,	     [ROLE_CURRENCY] = FT_CURRENCY,
		[ROLE_TOTAL] = FT_AMOUNT,    [ROLE_CREATED] = FT_TIME,
		[ROLE_UPDATED] = FT_TIME,    [ROLE_NAME] = FT_TEXT,
		[ROLE_PERSON] = FT_TEXT,     [ROLE_FIRST_NAME] = FT_TEXT,
		[ROLE_LAST_NAME] = FT_TEXT,  [ROLE_STATUS] = FT_ENUM,
		[ROLE_KIND] = FT_ENUM,	     [ROLE_TOKENS] = FT_TOKENS,
		[ROLE_ALERT] = FT_BOOL,	     [ROLE_STANDARD] = FT_BOOL,
		[ROLE_SUMMARY] = FT_BOOL,    [ROLE_NOTICES] = FT_BOOL,
	};
	const struct entity *l = entity_get(ENTITY_LOGINS), *i = entity_get(ENTITY_INVOICES);
	int access = 0;

	(void)state;
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
			if (e->role[r] < 0)
				continue;
			assert_int_equal(e->fields[e->role[r]].role, r);
			assert_int_equal(e->fields[e->role[r]].type, role_type[r]);
		}
		assert_true(e->role[ROLE_CREATED] >= 0 && e->role[ROLE_UPDATED] >= 0);
		for (int k = 0; k < 2 && e->key[k] >= 0; k++)
			assert_true(e->fields[e->key[k]].flags & F_KEY);
		assert_int_equal(e->email_field, e->role[ROLE_EMAIL]);
	}
	assert_string_equal(l->fields[l->role[ROLE_PASSWORD]].name, "password");
	assert_string_equal(l->fields[l->role[ROLE_CONFIRM]].name, "password_confirm");
	assert_string_equal(l->fields[l->role[ROLE_HASH]].name, "password_hash");
	assert_string_equal(i->fields[i->role[ROLE_ISSUED]].name, "issued_on");
	assert_string_equal(i->fields[i->role[ROLE_DUE]].name, "due_on");
	assert_string_equal(i->fields[i->role[ROLE_CURRENCY]].name, "currency");
	assert_string_equal(i->fields[i->role[ROLE_TOTAL]].name, "total");
	assert_int_equal(entity_get(ENTITY_INVOICES)->email_field, -1);
	for (size_t f = 0; f < l->nfields; f++)
		access += (l->fields[f].flags & F_ACCESS) != 0;
	assert_int_equal(access, 3);
	assert_true(entity_get(ENTITY_ACCOUNTS)->flags & E_REFERENCED);
	assert_true(i->flags & E_KEPT);
	assert_int_equal(entity_get(ENTITY_CONTACTS)->key[0], 0);
	assert_int_equal(entity_get(ENTITY_CONTACTS)->key[1], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_ids_follow_the_pattern),
		cmocka_unit_test(test_text_length_counts_characters_not_bytes),
		cmocka_unit_test(test_dates_must_exist_in_the_calendar),
		cmocka_unit_test(test_booleans_accept_six_spellings_in_any_case),
		cmocka_unit_test(test_amounts_become_minor_units_with_the_currency_digits),
		cmocka_unit_test(test_country_and_currency_codes_come_from_iso_codes),
		cmocka_unit_test(test_enumerations_and_subscriptions),
		cmocka_unit_test(test_password_hashes_of_three_kinds_are_recognised),
		cmocka_unit_test(test_a_secret_value_is_never_quoted_in_a_message),
		cmocka_unit_test(test_an_empty_required_cell_is_reported_as_required),
		cmocka_unit_test(test_every_entity_has_its_key_and_account_field),
		cmocka_unit_test(test_the_roles_derived_from_the_tables_name_fields_of_their_type),
	};
	return cmocka_run_group_tests_name("entity", tests, NULL, NULL);
}
