/*
 * rules.h - the rules a record must keep beyond its own cells: the row it
 * makes (the stored row, or the defaults, overlaid with what it gives), and
 * the rules over several fields of that row, read from the fields' roles
 * (entity.h): passwords, access types, dates, amounts in their currency.
 *
 * Owns what a record may say; must not: read files, touch the database or
 * hash a password (login_hash.h and import.c do that). Problems go to a
 * diagnostic list with the record's location.
 */
#ifndef ACCTBATCH_RULES_H
#define ACCTBATCH_RULES_H

#include <stdbool.h>

#include "diag.h"
#include "entity.h"
#include "row.h"

/*
 * rules_build_row: fill EFF with the row REC makes: OLD (FOUND: the stored
 * row) or the defaults, overlaid with the cells REC gives, in their stored
 * form (booleans 1/0, tokens single-spaced, an empty enumeration keeping
 * the stored value). Amounts and password hashes are left to
 * rules_check_row and the password rules. Reports a required field a new
 * record leaves empty. Returns the problems found, or -1 out of memory.
 */
int rules_build_row(const struct record *rec, bool found, const struct row *old, struct row *eff,
		    struct diag_list *diags);

/*
 * rules_check_row: the rules over several fields of EFF (after
 * rules_build_row): at least one access type, a due date not before the
 * issue date, an amount with the digits of its currency (stored in EFF as
 * minor units), a total when the currency changes its digits. OLD_KNOWN:
 * OLD is the stored row (false when validating an update without a
 * database: rules that need the stored row are left out). Returns the
 * problems found.
 */
int rules_check_row(const struct record *rec, bool found, bool old_known, const struct row *old,
		    struct row *eff, struct diag_list *diags);

/* What the password cells of a record ask for, after the password rules. */
enum password_verdict {
	PASSWORD_NONE,	   /* no password and no hash given (or no such fields) */
	PASSWORD_NEW,	   /* a new password that keeps the rules: hash it */
	PASSWORD_HASH,	   /* a hash string given instead */
	PASSWORD_BOTH,	   /* both a password and a hash */
	PASSWORD_MISMATCH, /* password and password_confirm differ (or one is missing) */
	PASSWORD_LENGTH,   /* not 10 to 128 characters */
	PASSWORD_IS_EMAIL, /* the password is the login's email address */
};

/*
 * rules_password: what REC's password cells ask for (the rules checked in
 * one place, for the grouping of hashes and for the record alike); with a
 * length problem *CHARS is the password's length in characters.
 */
enum password_verdict rules_password(const struct record *rec, long *chars);

/*
 * rules_report_password: report VERDICT about REC (when it is a problem,
 * or a new record that gives neither a password nor a hash, FOUND false).
 * Returns 1 when something was reported, else 0.
 */
int rules_report_password(const struct record *rec, enum password_verdict verdict, long chars,
			  bool found, struct diag_list *diags);

#endif
