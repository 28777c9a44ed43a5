/*
 * rules.c - the rules beyond a record's own cells (see rules.h).
 *
 * Every rule is read from the fields' roles and flags, never from an
 * entity's name: an entity with a password role gets the password rules,
 * one with access types the access rule, and so on.
 */
#include "rules.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isocodes.h"

/* Canonical stored text of a non-empty cell (booleans 1/0, tokens single-spaced). */
static int canon_cell(const struct field *f, const char *v, size_t len, struct row *row, int i)
{
	if (f->type == FT_BOOL)
		return row_set(row, i, parse_bool(v, len) ? "1" : "0", 1);
	if (f->type == FT_TOKENS) {
		char *buf = malloc(len + 1);
		size_t o = 0;
		int rc;
		if (!buf)
			return -1;
		for (size_t p = 0; p < len; p++) {
			if (v[p] == ' ' && (o == 0 || buf[o - 1] == ' '))
				continue;
			buf[o++] = v[p];
		}
		while (o && buf[o - 1] == ' ')
			o--;
		rc = 0;
		if (o)
			rc = row_set(row, i, buf, o);
		else
			row_unset(row, i);
		free(buf);
		return rc;
	}
	return row_set(row, i, v, len);
}

/* The stored value for a field given empty: its default, or NULL. */
static int canon_empty(const struct field *f, struct row *row, int i)
{
	if (f->default_value) {
		const char *d =
			f->type == FT_BOOL
				? (parse_bool(f->default_value, strlen(f->default_value)) ? "1"
											  : "0")
				: f->default_value;
		return row_set(row, i, d, strlen(d));
	}
	row_unset(row, i);
	return 0;
}

static bool given(const struct record *rec, int fi)
{
	return fi >= 0 && rec->value[fi] && rec->len[fi];
}

int rules_build_row(const struct record *rec, bool found, const struct row *old, struct row *eff,
		    struct diag_list *diags)
{
	const struct entity *e = rec->entity;
	int problems = 0;

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const char *v = rec->value[i];

		if (!field_stored(f) || f->type == FT_HASH)
			continue;
		if (found && old->v[i] && row_set(eff, (int)i, old->v[i], strlen(old->v[i])) != 0)
			return -1;
		if (f->flags & F_TOOL) {
			/* created_at/updated_at may be given for a new record only */
			if (!found && v && rec->len[i] && row_set(eff, (int)i, v, rec->len[i]) != 0)
				return -1;
			continue;
		}
		if (f->type == FT_AMOUNT)
			continue; /* converted with the currency in rules_check_row */
		if (v && rec->len[i]) {
			if (canon_cell(f, v, rec->len[i], eff, (int)i) != 0)
				return -1;
		} else if (found && f->type == FT_ENUM && f->default_value) {
			/* an empty status keeps the stored one: it must never reopen
			 * a closed account or revive a void invoice by accident */
		} else if (v || !found) {
			if (canon_empty(f, eff, (int)i) != 0)
				return -1;
		}
		if (!found && (f->flags & F_REQUIRED) && !eff->v[i] && !(v && rec->len[i] == 0)) {
			entity_report(diags, rec, (int)i, DIAG_REQUIRED, "required to create %s",
				      e->singular);
			problems++;
		}
	}
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->type == FT_AMOUNT && !found && !rec->value[i]) {
			entity_report(diags, rec, (int)i, DIAG_REQUIRED, "required to create %s",
				      e->singular);
			problems++;
		}
		if (f->type == FT_HASH && found && old->v[i] &&
		    row_set(eff, (int)i, old->v[i], strlen(old->v[i])) != 0)
			return -1;
	}
	return problems;
}

static bool is_true(const char *v)
{
	return v && strcmp(v, "1") == 0;
}

/* At least one access type is true, when the entity has any. */
static int check_access(const struct record *rec, const struct row *eff, struct diag_list *diags)
{
	const struct entity *e = rec->entity;
	char names[256];
	size_t n = 0;

	for (size_t i = 0; i < e->nfields; i++)
		if ((e->fields[i].flags & F_ACCESS) && is_true(eff->v[i]))
			return 0;
	/* none is true: name them all (only now, off the path of every good record) */
	names[0] = '\0';
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].flags & F_ACCESS)
			n += (size_t)snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0,
					      "%s%s", n ? ", " : "", e->fields[i].name);
	if (n == 0)
		return 0; /* the entity has no access types */
	entity_report(diags, rec, -1, DIAG_NO_ACCESS, "a %s needs at least one access type (%s)",
		      e->singular, names);
	return 1;
}

/* A due date is not before the issue date. */
static int check_dates(const struct record *rec, const struct row *eff, struct diag_list *diags)
{
	int issued = rec->entity->role[ROLE_ISSUED], due = rec->entity->role[ROLE_DUE];

	if (issued < 0 || !eff->v[issued] || !eff->v[due] ||
	    strcmp(eff->v[due], eff->v[issued]) >= 0)
		return 0;
	entity_report(diags, rec, due, DIAG_DUE_BEFORE_ISSUE,
		      "due date %s is before the issue date %s", eff->v[due], eff->v[issued]);
	return 1;
}

/*
 * The total has at most the digits of its currency and is stored in minor
 * units; a change of currency to one with other digits needs a total.
 */
static int check_amount(const struct record *rec, bool found, const struct row *old,
			struct row *eff, struct diag_list *diags)
{
	int cur = rec->entity->role[ROLE_CURRENCY], tot = rec->entity->role[ROLE_TOTAL];
	int64_t minor;
	const char *why;
	char buf[32];

	if (cur < 0 || !eff->v[cur])
		return 0;
	if (given(rec, tot)) {
		if (parse_amount(rec->value[tot], rec->len[tot], iso_currency_digits(eff->v[cur]),
				 &minor, &why) != 0) {
			entity_report(diags, rec, tot, DIAG_BAD_AMOUNT, "%s (%s) '%.*s'", why,
				      eff->v[cur], (int)rec->len[tot], rec->value[tot]);
			return 1;
		}
		snprintf(buf, sizeof(buf), "%lld", (long long)minor);
		return row_set(eff, tot, buf, strlen(buf)) != 0 ? -1 : 0;
	}
	if (found && old->v[cur] && strcmp(eff->v[cur], old->v[cur]) != 0 &&
	    iso_currency_digits(eff->v[cur]) != iso_currency_digits(old->v[cur])) {
		entity_report(diags, rec, tot, DIAG_BAD_AMOUNT,
			      "total must be given when the currency changes from %s to %s",
			      old->v[cur], eff->v[cur]);
		return 1;
	}
	return 0;
}

int rules_check_row(const struct record *rec, bool found, bool old_known, const struct row *old,
		    struct row *eff, struct diag_list *diags)
{
	int problems = 0, rc;

	if (old_known)
		problems += check_access(rec, eff, diags);
	problems += check_dates(rec, eff, diags);
	if ((rc = check_amount(rec, found, old, eff, diags)) < 0)
		return -1;
	return problems + rc;
}

enum password_verdict rules_password(const struct record *rec, long *chars)
{
	const struct entity *e = rec->entity;
	int pw = e->role[ROLE_PASSWORD], pc = e->role[ROLE_CONFIRM], ph = e->role[ROLE_HASH];
	int em = e->email_field;

	*chars = 0;
	if (pw < 0)
		return PASSWORD_NONE;
	if (given(rec, pw) && given(rec, ph))
		return PASSWORD_BOTH;
	if (given(rec, pw) || given(rec, pc)) {
		if (!given(rec, pw) || !given(rec, pc) || rec->len[pw] != rec->len[pc] ||
		    sodium_memcmp(rec->value[pw], rec->value[pc], rec->len[pw]) != 0)
			return PASSWORD_MISMATCH;
		*chars = utf8_length(rec->value[pw], rec->len[pw]);
		if (*chars < (long)e->fields[pw].min_len || *chars > (long)e->fields[pw].max_len)
			return PASSWORD_LENGTH;
		if (given(rec, em) && rec->len[em] == rec->len[pw] &&
		    strncasecmp(rec->value[em], rec->value[pw], rec->len[pw]) == 0)
			return PASSWORD_IS_EMAIL;
		return PASSWORD_NEW;
	}
	return given(rec, ph) ? PASSWORD_HASH : PASSWORD_NONE;
}

int rules_report_password(const struct record *rec, enum password_verdict verdict, long chars,
			  bool found, struct diag_list *diags)
{
	const struct entity *e = rec->entity;
	int pw = e->role[ROLE_PASSWORD];

	switch (verdict) {
	case PASSWORD_BOTH:
		entity_report(diags, rec, e->role[ROLE_HASH], DIAG_BAD_FORMAT,
			      "give either a %s or a %s, not both", e->fields[pw].name,
			      e->fields[e->role[ROLE_HASH]].name);
		return 1;
	case PASSWORD_MISMATCH:
		entity_report(diags, rec, e->role[ROLE_CONFIRM], DIAG_PASSWORD_MISMATCH,
			      "%s and %s differ", e->fields[pw].name,
			      e->fields[e->role[ROLE_CONFIRM]].name);
		return 1;
	case PASSWORD_LENGTH:
		entity_report(diags, rec, pw, DIAG_PASSWORD_WEAK,
			      "%s must be %u to %u characters, not %ld", e->fields[pw].name,
			      e->fields[pw].min_len, e->fields[pw].max_len, chars);
		return 1;
	case PASSWORD_IS_EMAIL:
		entity_report(diags, rec, pw, DIAG_PASSWORD_WEAK,
			      "%s must not be the email address", e->fields[pw].name);
		return 1;
	case PASSWORD_NONE:
		if (found || pw < 0)
			return 0;
		entity_report(diags, rec, pw, DIAG_REQUIRED, "a new %s needs a password (or a %s)",
			      e->singular, e->fields[e->role[ROLE_HASH]].name);
		return 1;
	case PASSWORD_NEW:
	case PASSWORD_HASH:
		break;
	}
	return 0;
}
