/*
 * diag.c - diagnostics: the stable code names, the list, the one print format.
 * Owns no policy about what is an error; it only records and formats.
 */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

static const char *const code_names[DIAG_CODE_COUNT] = {
	[DIAG_REQUIRED] = "required",
	[DIAG_TOO_LONG] = "too_long",
	[DIAG_BAD_FORMAT] = "bad_format",
	[DIAG_BAD_EMAIL] = "bad_email",
	[DIAG_BAD_COUNTRY] = "bad_country",
	[DIAG_BAD_CURRENCY] = "bad_currency",
	[DIAG_BAD_DATE] = "bad_date",
	[DIAG_BAD_BOOLEAN] = "bad_boolean",
	[DIAG_BAD_AMOUNT] = "bad_amount",
	[DIAG_BAD_ENUM] = "bad_enum",
	[DIAG_UNKNOWN_COLUMN] = "unknown_column",
	[DIAG_MISSING_COLUMN] = "missing_column",
	[DIAG_DUPLICATE_IN_FILE] = "duplicate_in_file",
	[DIAG_EXISTS] = "exists",
	[DIAG_NOT_FOUND] = "not_found",
	[DIAG_NO_ACCOUNT] = "no_account",
	[DIAG_PASSWORD_MISMATCH] = "password_mismatch",
	[DIAG_PASSWORD_WEAK] = "password_weak",
	[DIAG_NO_ACCESS] = "no_access",
	[DIAG_DUE_BEFORE_ISSUE] = "due_before_issue",
	[DIAG_HAS_INVOICES] = "has_invoices",
	[DIAG_CSV_SYNTAX] = "csv_syntax",
	[DIAG_BAD_UTF8] = "bad_utf8",
	[DIAG_XML_SYNTAX] = "xml_syntax",
	[DIAG_SCHEMA] = "schema",
	[DIAG_ACCOUNT_REJECTED] = "account_rejected",
	[DIAG_HAS_DEPENDENTS] = "has_dependents",
	[DIAG_INVOICE_KEPT] = "invoice_kept",
	[DIAG_BAD_ARCHIVE] = "bad_archive",
};

const char *diag_code_name(enum diag_code code)
{
	if ((int)code < 0 || code >= DIAG_CODE_COUNT)
		return "unknown";
	return code_names[code];
}

char *xstrdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct diag *diag_vadd(struct diag_list *list, enum diag_code code, const char *file, long line,
		       long column, long record, const char *field, const char *fmt, va_list ap)
{
	struct diag *d;
	char *msg = NULL;

	if (list->count == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 16;
		struct diag *n = realloc(list->items, ncap * sizeof(*n));
		if (!n)
			return NULL;
		list->items = n;
		list->cap = ncap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	d = &list->items[list->count];
	d->code = code;
	d->file = xstrdup_or_null(file);
	d->line = line;
	d->column = column;
	d->record = record;
	d->field = xstrdup_or_null(field);
	d->message = msg;
	if ((file && !d->file) || (field && !d->field)) {
		free(d->file);
		free(d->field);
		free(msg);
		return NULL;
	}
	list->count++;
	return d;
}

struct diag *diag_add(struct diag_list *list, enum diag_code code, const char *file, long line,
		      long column, long record, const char *field, const char *fmt, ...)
{
	va_list ap;
	struct diag *d;

	va_start(ap, fmt);
	d = diag_vadd(list, code, file, line, column, record, field, fmt, ap);
	va_end(ap);
	return d;
}

void diag_print(FILE *out, const char *cmd, const struct diag *d)
{
	fprintf(out, "acctbatch: %s: ", cmd);
	if (d->file) {
		fputs(d->file, out);
		if (d->line > 0)
			fprintf(out, ":%ld", d->line);
		if (d->column > 0)
			fprintf(out, ":%ld", d->column);
		fputs(": ", out);
	}
	if (d->field)
		fprintf(out, "field '%s': ", d->field);
	fprintf(out, "%s [%s]\n", d->message, diag_code_name(d->code));
}

void diag_list_truncate(struct diag_list *list, size_t n)
{
	for (size_t i = n; i < list->count; i++) {
		free(list->items[i].file);
		free(list->items[i].field);
		free(list->items[i].message);
	}
	if (n < list->count)
		list->count = n;
}

void diag_list_release(struct diag_list *list)
{
	diag_list_truncate(list, 0);
	free(list->items);
	list->items = NULL;
	list->count = 0;
	list->cap = 0;
}

int diag_list_move(struct diag_list *to, struct diag_list *from)
{
	if (from->count == 0)
		return 0;
	if (to->count + from->count > to->cap) {
		size_t ncap = to->cap ? to->cap : 16;
		struct diag *n;
		while (ncap < to->count + from->count)
			ncap *= 2;
		n = realloc(to->items, ncap * sizeof(*n));
		if (!n)
			return -1;
		to->items = n;
		to->cap = ncap;
	}
	memcpy(to->items + to->count, from->items, from->count * sizeof(*from->items));
	to->count += from->count;
	from->count = 0;
	return 0;
}
