/*
 * entity.c - the field tables of DESIGN section 1 and the per-cell checks.
 *
 * Owns: which fields exist, their types and limits, and whether one value is
 * valid for its field. Must not: read files, touch the database, or decide
 * cross-field or cross-record rules (import.c does that).
 */
#include "entity.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "isocodes.h"

#define ID_FIRST "A-Za-z0-9"

static const char *const account_status[] = {"active", "suspended", "closed", NULL};
static const char *const invoice_kind[] = {"standard", "summary", NULL};
static const char *const invoice_status[] = {"open", "paid", "void", NULL};
static const char *const subscription_item[] = {"subscription", NULL};

#define TOOL_TIMES                                                                                 \
	{"created_at",                                                                             \
	 FT_TIME,                                                                                  \
	 F_TOOL,                                                                                   \
	 0,                                                                                        \
	 0,                                                                                        \
	 NULL,                                                                                     \
	 NULL,                                                                                     \
	 NULL,                                                                                     \
	 NULL,                                                                                     \
	 "when the record was created (UTC); may be given on insert",                              \
	 ROLE_CREATED},                                                                            \
	{                                                                                          \
		"updated_at", FT_TIME, F_TOOL, 0, 0, NULL, NULL, NULL, NULL,                       \
			"when the record last changed (UTC); kept by the tool", ROLE_UPDATED       \
	}

static const struct field account_fields[] = {
	{"account_id", FT_CODE, F_KEY | F_REQUIRED, 1, 64, ID_FIRST, "A-Za-z0-9._-", NULL, NULL,
	 "the account's identifier", ROLE_ACCOUNT},
	{"name", FT_TEXT, F_REQUIRED, 1, 200, NULL, NULL, NULL, NULL, "company or person",
	 ROLE_NAME},
	{"email", FT_EMAIL, F_REQUIRED, 0, 254, NULL, NULL, NULL, NULL,
	 "the primary account holder's login", ROLE_EMAIL},
	{"full_name", FT_TEXT, 0, 0, 200, NULL, NULL, NULL, NULL, "the account holder's name",
	 ROLE_PERSON},
	{"phone", FT_CODE, 0, 1, 32, "+0-9", "0-9 -", NULL, NULL, "'+' and digits, spaces, '-'",
	 ROLE_NONE},
	{"street", FT_TEXT, 0, 0, 200, NULL, NULL, NULL, NULL, "street address", ROLE_NONE},
	{"city", FT_TEXT, 0, 0, 200, NULL, NULL, NULL, NULL, "city", ROLE_NONE},
	{"region", FT_TEXT, 0, 0, 200, NULL, NULL, NULL, NULL, "state, province or region",
	 ROLE_NONE},
	{"postal_code", FT_TEXT, 0, 0, 200, NULL, NULL, NULL, NULL, "postal code", ROLE_NONE},
	{"country", FT_COUNTRY, F_REQUIRED, 0, 2, NULL, NULL, NULL, NULL, "ISO 3166-1 alpha-2",
	 ROLE_NONE},
	{"status", FT_ENUM, 0, 0, 0, NULL, NULL, account_status, "active", "account status",
	 ROLE_STATUS},
	{"subscriptions", FT_TOKENS, 0, 0, 0, NULL, NULL, subscription_item, NULL,
	 "mailing lists the holder subscribed to", ROLE_TOKENS},
	TOOL_TIMES,
};

static const struct field login_fields[] = {
	{"account_id", FT_CODE, F_REF | F_REQUIRED, 1, 64, ID_FIRST, "A-Za-z0-9._-", NULL, NULL,
	 "the account the login belongs to", ROLE_ACCOUNT},
	{"email", FT_EMAIL, F_KEY | F_REQUIRED, 0, 254, NULL, NULL, NULL, NULL,
	 "the login; unique across all logins", ROLE_EMAIL},
	{"full_name", FT_TEXT, F_REQUIRED, 1, 200, NULL, NULL, NULL, NULL, "the colleague's name",
	 ROLE_PERSON},
	{"password", FT_SECRET, F_SECRET | F_INPUT, 10, 128, NULL, NULL, NULL, NULL,
	 "new password, 10-128 characters; hashed, never stored", ROLE_PASSWORD},
	{"password_confirm", FT_SECRET, F_SECRET | F_INPUT, 0, 128, NULL, NULL, NULL, NULL,
	 "the same password again", ROLE_CONFIRM},
	{"password_hash", FT_HASH, F_NOEXPORT, 0, 512, NULL, NULL, NULL, NULL,
	 "an existing Argon2id, bcrypt or yescrypt hash instead of a password", ROLE_HASH},
	{"activate_licenses", FT_BOOL, F_ACCESS, 0, 0, NULL, NULL, NULL, "false", "access type",
	 ROLE_NONE},
	{"make_purchases", FT_BOOL, F_ACCESS, 0, 0, NULL, NULL, NULL, "false", "access type",
	 ROLE_NONE},
	{"view_pay_invoices", FT_BOOL, F_ACCESS, 0, 0, NULL, NULL, NULL, "false", "access type",
	 ROLE_NONE},
	{"invoice_created_alerts", FT_BOOL, 0, 0, 0, NULL, NULL, NULL, "false",
	 "receives \"Invoice Created\" email alerts", ROLE_ALERT},
	TOOL_TIMES,
};

static const struct field contact_fields[] = {
	{"account_id", FT_CODE, F_KEY | F_REF | F_REQUIRED, 1, 64, ID_FIRST, "A-Za-z0-9._-", NULL,
	 NULL, "the account the contact belongs to", ROLE_ACCOUNT},
	{"first_name", FT_TEXT, F_REQUIRED, 1, 100, NULL, NULL, NULL, NULL, "first name",
	 ROLE_FIRST_NAME},
	{"last_name", FT_TEXT, F_REQUIRED, 1, 100, NULL, NULL, NULL, NULL, "last name",
	 ROLE_LAST_NAME},
	{"email", FT_EMAIL, F_KEY | F_REQUIRED, 0, 254, NULL, NULL, NULL, NULL, "where mail goes",
	 ROLE_EMAIL},
	{"country", FT_COUNTRY, F_REQUIRED, 0, 2, NULL, NULL, NULL, NULL, "ISO 3166-1 alpha-2",
	 ROLE_NONE},
	{"standard_invoices", FT_BOOL, 0, 0, 0, NULL, NULL, NULL, "false", "notification type",
	 ROLE_STANDARD},
	{"summary_invoices", FT_BOOL, 0, 0, 0, NULL, NULL, NULL, "false", "notification type",
	 ROLE_SUMMARY},
	{"important_notices", FT_BOOL, 0, 0, 0, NULL, NULL, NULL, "false", "notification type",
	 ROLE_NOTICES},
	TOOL_TIMES,
};

static const struct field invoice_fields[] = {
	{"invoice_number", FT_CODE, F_KEY | F_REQUIRED, 1, 40, ID_FIRST, "A-Za-z0-9/_-", NULL, NULL,
	 "the invoice's number", ROLE_NONE},
	{"account_id", FT_CODE, F_REF | F_REQUIRED, 1, 64, ID_FIRST, "A-Za-z0-9._-", NULL, NULL,
	 "the account invoiced", ROLE_ACCOUNT},
	{"kind", FT_ENUM, F_REQUIRED, 0, 0, NULL, NULL, invoice_kind, NULL, "invoice kind",
	 ROLE_KIND},
	{"issued_on", FT_DATE, F_REQUIRED, 0, 0, NULL, NULL, NULL, NULL, "issue date", ROLE_ISSUED},
	{"due_on", FT_DATE, F_REQUIRED, 0, 0, NULL, NULL, NULL, NULL, "due date, not before issue",
	 ROLE_DUE},
	{"currency", FT_CURRENCY, F_REQUIRED, 0, 3, NULL, NULL, NULL, NULL, "ISO 4217",
	 ROLE_CURRENCY},
	{"total", FT_AMOUNT, F_REQUIRED, 0, 0, NULL, NULL, NULL, NULL,
	 "amount >= 0 with at most the currency's minor digits", ROLE_TOTAL},
	{"status", FT_ENUM, 0, 0, 0, NULL, NULL, invoice_status, "open", "invoice status",
	 ROLE_STATUS},
	{"description", FT_TEXT, 0, 0, 500, NULL, NULL, NULL, NULL, "free text", ROLE_NONE},
	TOOL_TIMES,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct entity entities[ENTITY_COUNT] = {
	{.id = ENTITY_ACCOUNTS,
	 .plural = "accounts",
	 .singular = "account",
	 .fields = account_fields,
	 .nfields = COUNT(account_fields),
	 .flags = E_REFERENCED},
	{.id = ENTITY_LOGINS,
	 .plural = "logins",
	 .singular = "login",
	 .fields = login_fields,
	 .nfields = COUNT(login_fields)},
	{.id = ENTITY_CONTACTS,
	 .plural = "contacts",
	 .singular = "contact",
	 .fields = contact_fields,
	 .nfields = COUNT(contact_fields)},
	{.id = ENTITY_INVOICES,
	 .plural = "invoices",
	 .singular = "invoice",
	 .fields = invoice_fields,
	 .nfields = COUNT(invoice_fields),
	 .flags = E_KEPT},
};

_Static_assert(COUNT(account_fields) <= FIELD_MAX, "FIELD_MAX too small");
_Static_assert(COUNT(login_fields) <= FIELD_MAX, "FIELD_MAX too small");
_Static_assert(COUNT(contact_fields) <= FIELD_MAX, "FIELD_MAX too small");
_Static_assert(COUNT(invoice_fields) <= FIELD_MAX, "FIELD_MAX too small");

/* A table that breaks a rule of entity.h is a programming error: say which. */
__attribute__((noreturn)) static void table_broken(const struct entity *e, const char *why)
{
	fprintf(stderr, "acctbatch: internal error: entity table %s: %s\n", e->plural, why);
	abort();
}

/* Derive E's key and role indexes from its fields and check them. */
static void derive(struct entity *e)
{
	int nkeys = 0;

	e->key[0] = e->key[1] = -1;
	for (int r = 0; r < ROLE_COUNT; r++)
		e->role[r] = -1;
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->type == FT_TOKENS && !(f->values && f->values[0]))
			table_broken(e, "a token list without its element name");
		if (f->flags & F_KEY) {
			if (nkeys == 2)
				table_broken(e, "more than two key fields");
			e->key[nkeys++] = (int)i;
		}
		if (f->role == ROLE_NONE)
			continue;
		if (e->role[f->role] >= 0)
			table_broken(e, "two fields of one role");
		e->role[f->role] = (int)i;
	}
	e->account_field = e->role[ROLE_ACCOUNT];
	e->email_field = e->role[ROLE_EMAIL];
	if (nkeys == 0 || e->account_field < 0)
		table_broken(e, "no key or no account_id");
	if (e->role[ROLE_CREATED] < 0 || e->role[ROLE_UPDATED] < 0)
		table_broken(e, "no created_at or updated_at");
	if (e->email_field >= 0 && e->fields[e->email_field].type != FT_EMAIL)
		table_broken(e, "the email role is not an email field");
	if ((e->role[ROLE_PASSWORD] < 0) != (e->role[ROLE_CONFIRM] < 0) ||
	    (e->role[ROLE_PASSWORD] >= 0 && e->role[ROLE_HASH] < 0))
		table_broken(e, "a password needs its confirmation and its hash");
	if ((e->role[ROLE_ISSUED] < 0) != (e->role[ROLE_DUE] < 0) ||
	    (e->role[ROLE_CURRENCY] < 0) != (e->role[ROLE_TOTAL] < 0))
		table_broken(e, "a date or an amount without its partner");
	if (e->role[ROLE_TOTAL] >= 0 && e->fields[e->role[ROLE_TOTAL]].type != FT_AMOUNT)
		table_broken(e, "the total is not an amount");
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void set_up_tables(void)
{
	for (int i = 0; i < ENTITY_COUNT; i++)
		derive(&entities[i]);
}

const struct entity *entity_get(enum entity_id id)
{
	pthread_once(&tables_once, set_up_tables);
	return &entities[id];
}

const struct entity *entity_by_name(const char *name)
{
	for (int i = 0; i < ENTITY_COUNT; i++)
		if (strcmp(entities[i].plural, name) == 0 ||
		    strcmp(entities[i].singular, name) == 0)
			return entity_get(entities[i].id);
	return NULL;
}

const struct entity *entity_referenced(void)
{
	for (int i = 0; i < ENTITY_COUNT; i++)
		if (entity_get(i)->flags & E_REFERENCED)
			return entity_get(i);
	return NULL;
}

const struct entity *entity_with_role(enum field_role role)
{
	for (int i = 0; i < ENTITY_COUNT; i++)
		if (entity_get(i)->role[role] >= 0)
			return entity_get(i);
	return NULL;
}

const char *entity_role_name(const struct entity *e, enum field_role role)
{
	return e->fields[e->role[role]].name;
}

int entity_item_field(const struct entity *e, const char *name)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].type == FT_TOKENS && strcmp(e->fields[i].values[0], name) == 0)
			return (int)i;
	return -1;
}

int entity_field_index(const struct entity *e, const char *name, size_t len)
{
	for (size_t i = 0; i < e->nfields; i++) {
		const char *f = e->fields[i].name;
		/* the first byte rules out most fields; then the whole name */
		if (f[0] == (len ? name[0] : '\0') && strnlen(f, len + 1) == len &&
		    memcmp(f, name, len) == 0)
			return (int)i;
	}
	return -1;
}

long utf8_length(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	long n = 0;

	while (p < end) {
		unsigned c = *p;
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			p++;
			n++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= k)
			return -1;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		p += k + 1;
		n++;
	}
	return n;
}

int parse_bool(const char *s, size_t len)
{
	static const char *const yes[] = {"true", "1", "yes"};
	static const char *const no[] = {"false", "0", "no"};

	for (size_t i = 0; i < 3; i++) {
		if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0)
			return 1;
		if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0)
			return 0;
	}
	return -1;
}

int parse_amount(const char *s, size_t len, int digits, int64_t *out, const char **why)
{
	int64_t whole = 0, frac = 0;
	size_t i = 0, nint = 0, nfrac = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (whole > (INT64_MAX / 10000 - 9) / 10) {
			*why = "amount too large";
			return -1;
		}
		whole = whole * 10 + (s[i] - '0');
		i++;
		nint++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nfrac < 4)
				frac = frac * 10 + (s[i] - '0');
			i++;
			nfrac++;
		}
		if (nfrac == 0) {
			*why = "not a decimal amount (digits, optional '.' and fraction)";
			return -1;
		}
	}
	if (nint == 0 || i != len) {
		*why = len && s[0] == '-'
			       ? "amount must not be negative"
			       : "not a decimal amount (digits, optional '.' and fraction)";
		return -1;
	}
	if (digits >= 0 && (int)nfrac > digits) {
		*why = digits == 0 ? "currency has no minor unit; no decimals allowed"
				   : "more decimals than the currency's minor unit";
		return -1;
	}
	if (digits < 0)
		digits = 4;
	while ((int)nfrac < digits) {
		frac *= 10;
		nfrac++;
	}
	for (int d = 0; d < digits; d++)
		whole *= 10;
	*out = whole + frac;
	return 0;
}

void format_amount(int64_t minor, int digits, char *buf, size_t size)
{
	int64_t scale = 1;

	for (int d = 0; d < digits; d++)
		scale *= 10;
	if (digits == 0)
		snprintf(buf, size, "%lld", (long long)minor);
	else
		snprintf(buf, size, "%lld.%0*lld", (long long)(minor / scale), digits,
			 (long long)(minor % scale));
}

/* Whether C is in a class body such as "A-Za-z0-9._-" (ranges and literals). */
static bool in_class(unsigned char c, const char *cls)
{
	for (const char *p = cls; *p; p++) {
		if (p[1] == '-' && p[2]) {
			if (c >= (unsigned char)p[0] && c <= (unsigned char)p[2])
				return true;
			p += 2;
		} else if ((unsigned char)*p == c) {
			return true;
		}
	}
	return false;
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool valid_date(const char *s, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, max;

	if (len != 10 || s[4] != '-' || s[7] != '-' || !is_digits(s, 4) || !is_digits(s + 5, 2) ||
	    !is_digits(s + 8, 2))
		return false;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return d <= max;
}

static bool valid_time(const char *s, size_t len)
{
	if (len != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	if (!valid_date(s, 10) || !is_digits(s + 11, 2) || !is_digits(s + 14, 2) ||
	    !is_digits(s + 17, 2))
		return false;
	return num(s + 11, 2) < 24 && num(s + 14, 2) < 60 && num(s + 17, 2) < 60;
}

/* Crypt-style alphabet used by bcrypt and yescrypt. */
static bool crypt64(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!in_class((unsigned char)s[i], "./A-Za-z0-9"))
			return false;
	return n > 0;
}

static bool b64(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!in_class((unsigned char)s[i], "A-Za-z0-9+/"))
			return false;
	return n > 0;
}

static bool valid_hash(const char *s, size_t len)
{
	/* bcrypt: $2a$ / $2b$ / $2y$, two-digit cost, $, 53 characters */
	if (len == 60 && s[0] == '$' && s[1] == '2' && strchr("aby", s[2]) && s[3] == '$' &&
	    is_digits(s + 4, 2) && s[6] == '$')
		return num(s + 4, 2) >= 4 && num(s + 4, 2) <= 31 && crypt64(s + 7, 53);
	/* yescrypt: $y$PARAMS$SALT$HASH */
	if (len > 4 && strncmp(s, "$y$", 3) == 0) {
		const char *p = s + 3, *end = s + len, *d1, *d2;
		d1 = memchr(p, '$', (size_t)(end - p));
		if (!d1)
			return false;
		d2 = memchr(d1 + 1, '$', (size_t)(end - d1 - 1));
		return d2 && crypt64(p, (size_t)(d1 - p)) &&
		       crypt64(d1 + 1, (size_t)(d2 - d1 - 1)) &&
		       crypt64(d2 + 1, (size_t)(end - d2 - 1));
	}
	/* argon2id: $argon2id$v=19$m=N,t=N,p=N$SALT$HASH */
	if (len > 10 && strncmp(s, "$argon2id$", 10) == 0) {
		unsigned v, m, t, p;
		int used = 0;
		const char *salt, *hash;
		if (sscanf(s + 10, "v=%u$m=%u,t=%u,p=%u%n", &v, &m, &t, &p, &used) != 4 ||
		    used <= 0 || (size_t)(10 + used) >= len || s[10 + used] != '$')
			return false;
		salt = s + 10 + used + 1;
		hash = memchr(salt, '$', len - (size_t)(salt - s));
		if (!hash || v != 19 || m == 0 || t == 0 || p == 0)
			return false;
		return b64(salt, (size_t)(hash - salt)) &&
		       b64(hash + 1, len - (size_t)(hash + 1 - s));
	}
	return false;
}

static bool valid_tokens(const char *s, size_t len, const char **why)
{
	size_t i = 0;

	while (i < len) {
		size_t start;
		while (i < len && s[i] == ' ')
			i++;
		start = i;
		while (i < len && s[i] != ' ') {
			if (!in_class((unsigned char)s[i], "a-z0-9_")) {
				*why = "subscription names are lower-case letters, digits and '_'";
				return false;
			}
			i++;
		}
		if (i - start > 40) {
			*why = "subscription name longer than 40 characters";
			return false;
		}
	}
	return true;
}

/*
 * Why free text S cannot be stored, or NULL: a control character (tab, CR
 * and LF are fine), or U+FFFE or U+FFFF, which are not characters and which
 * XML cannot hold (the same value in XML is an xml_syntax error). One pass.
 */
static const char *bad_text_char(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
			return "contains a control character";
		if (c == 0xEF && i + 2 < len && (unsigned char)s[i + 1] == 0xBF &&
		    ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF))
			return "contains U+FFFE or U+FFFF, which are not characters";
	}
	return NULL;
}

int entity_check_value(const struct field *f, const char *v, size_t len, enum diag_code *code,
		       const char **why)
{
	long chars = utf8_length(v, len);

	if (chars < 0) {
		*code = DIAG_BAD_UTF8;
		*why = "not valid UTF-8";
		return -1;
	}
	/* a code of the wrong length is a bad code, not a long text */
	if (f->max_len && chars > (long)f->max_len && f->type != FT_SECRET &&
	    f->type != FT_COUNTRY && f->type != FT_CURRENCY) {
		*code = DIAG_TOO_LONG;
		*why = "longer than allowed";
		return -1;
	}
	switch (f->type) {
	case FT_TEXT:
		if ((*why = bad_text_char(v, len)) != NULL) {
			*code = DIAG_BAD_FORMAT;
			return -1;
		}
		return 0;
	case FT_SECRET:
		return 0; /* length rules are password_weak, checked with the record */
	case FT_CODE:
		if (!in_class((unsigned char)v[0], f->first_chars)) {
			*code = DIAG_BAD_FORMAT;
			*why = "starts with a character that is not allowed";
			return -1;
		}
		for (size_t i = 1; i < len; i++)
			if (!in_class((unsigned char)v[i], f->rest_chars)) {
				*code = DIAG_BAD_FORMAT;
				*why = "contains a character that is not allowed";
				return -1;
			}
		return 0;
	case FT_EMAIL:
		if (email_check(v, len, why) != 0) {
			*code = DIAG_BAD_EMAIL;
			return -1;
		}
		return 0;
	case FT_COUNTRY:
		if (!iso_country_valid(v, len)) {
			*code = DIAG_BAD_COUNTRY;
			*why = "not an ISO 3166-1 alpha-2 country code";
			return -1;
		}
		return 0;
	case FT_CURRENCY:
		if (!iso_currency_valid(v, len)) {
			*code = DIAG_BAD_CURRENCY;
			*why = "not an ISO 4217 currency code";
			return -1;
		}
		return 0;
	case FT_DATE:
		if (!valid_date(v, len)) {
			*code = DIAG_BAD_DATE;
			*why = "not a date (YYYY-MM-DD)";
			return -1;
		}
		return 0;
	case FT_TIME:
		if (!valid_time(v, len)) {
			*code = DIAG_BAD_DATE;
			*why = "not a UTC time (YYYY-MM-DDTHH:MM:SSZ)";
			return -1;
		}
		return 0;
	case FT_BOOL:
		if (parse_bool(v, len) < 0) {
			*code = DIAG_BAD_BOOLEAN;
			*why = "not a boolean (true/false, 1/0, yes/no)";
			return -1;
		}
		return 0;
	case FT_AMOUNT: {
		int64_t minor;
		if (parse_amount(v, len, -1, &minor, why) != 0) {
			*code = DIAG_BAD_AMOUNT;
			return -1;
		}
		return 0;
	}
	case FT_ENUM:
		for (const char *const *e = f->values; *e; e++)
			if (strlen(*e) == len && memcmp(*e, v, len) == 0)
				return 0;
		*code = DIAG_BAD_ENUM;
		*why = "not one of the allowed values";
		return -1;
	case FT_TOKENS:
		if (!valid_tokens(v, len, why)) {
			*code = DIAG_BAD_FORMAT;
			return -1;
		}
		return 0;
	case FT_HASH:
		if (!valid_hash(v, len)) {
			*code = DIAG_BAD_FORMAT;
			*why = "not an Argon2id, bcrypt or yescrypt hash string";
			return -1;
		}
		return 0;
	}
	return 0;
}

int entity_report(struct diag_list *diags, const struct record *rec, int fi, enum diag_code code,
		  const char *fmt, ...)
{
	va_list ap;

	long line = rec->line, column = rec->column;

	if (fi >= 0 && rec->field_line[fi] > 0) {
		line = rec->field_line[fi];
		column = rec->field_column[fi];
	}
	va_start(ap, fmt);
	diag_vadd(diags, code, rec->file, line, column, rec->number,
		  fi >= 0 ? rec->entity->fields[fi].name : NULL, fmt, ap);
	va_end(ap);
	return -1;
}

bool entity_value_shown(const struct field *f, const char *v, size_t len)
{
	enum diag_code code;
	const char *why;

	if (f->flags & F_SECRET)
		return false;
	return f->type != FT_HASH || entity_check_value(f, v, len, &code, &why) == 0;
}

/* Quote VALUE for a message: at most 60 bytes, never a secret nor a hash. */
static void quote_value(const struct field *f, const char *v, size_t len, char *buf, size_t size)
{
	size_t o = 0, shown = len > 60 ? 57 : len;

	if ((f->flags & F_SECRET) || f->type == FT_HASH) {
		snprintf(buf, size, "[redacted]");
		return;
	}
	while (shown > 0 && shown < len && ((unsigned char)v[shown] & 0xC0) == 0x80)
		shown--; /* never cut a character in two */
	buf[o++] = '\'';
	/* never send control characters to a terminal */
	o += diag_escape(buf + o, size - o - 4, v, shown);
	snprintf(buf + o, size - o, "%s'", shown < len ? "..." : "");
}

int entity_check_cells(const struct record *rec, struct diag_list *diags)
{
	const struct entity *e = rec->entity;
	int problems = 0;

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const char *v = rec->value[i];
		enum diag_code code;
		const char *why = NULL;
		char shown[300];

		if (!v)
			continue;
		if (rec->len[i] == 0) {
			if (f->flags & F_REQUIRED) {
				entity_report(diags, rec, (int)i, DIAG_REQUIRED,
					      "must not be empty");
				problems++;
			}
			continue;
		}
		if (entity_check_value(f, v, rec->len[i], &code, &why) == 0)
			continue;
		if (code == DIAG_BAD_UTF8) {
			entity_report(diags, rec, (int)i, code, "not valid UTF-8");
		} else if (code == DIAG_TOO_LONG) {
			entity_report(diags, rec, (int)i, code, "longer than %u characters",
				      f->max_len);
		} else if (code == DIAG_BAD_EMAIL) {
			quote_value(f, v, rec->len[i], shown, sizeof(shown));
			entity_report(diags, rec, (int)i, code, "not an email address %s (%s)",
				      shown, why);
		} else {
			quote_value(f, v, rec->len[i], shown, sizeof(shown));
			entity_report(diags, rec, (int)i, code, "%s %s", why, shown);
		}
		problems++;
	}
	return problems;
}

bool entity_valid_text(enum field_type type, const char *text)
{
	struct field f = {.name = "value", .type = type};
	enum diag_code code;
	const char *why;

	return *text && entity_check_value(&f, text, strlen(text), &code, &why) == 0;
}
