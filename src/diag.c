/*
 * diag.c - diagnostics: the stable code names, the list, the one print format.
 * Owns no policy about what is an error; it only records and formats.
 */
#include "diag.h"

#include <stdio.h>
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

/* The length of the UTF-8 sequence at P (N bytes left) and its code point, or 0 if it is none. */
static size_t utf8_char(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t k;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	k = p[0] >= 0xC2 && p[0] <= 0xDF   ? 2
	    : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
	    : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
					   : 0;
	if (!k || k > n)
		return 0;
	*cp = p[0] & (0xFF >> (k + 1));
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	/* no overlong forms, surrogates or code points past U+10FFFF */
	if ((k == 3 && *cp < 0x800) || (k == 4 && (*cp < 0x10000 || *cp > 0x10FFFF)) ||
	    (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return k;
}

size_t diag_escape(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (size == 0)
		return 0;
	while (i < len) {
		unsigned cp = 0;
		size_t k = utf8_char(p + i, len - i, &cp);
		char esc[12];
		size_t n;

		if (k == 0)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02X", p[i]), k = 1;
		else if (cp < 0x20 || cp == 0x7F)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02X", cp);
		else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
			 (cp >= 0x2066 && cp <= 0x2069))
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04X", cp);
		else
			n = 0;
		if (o + (n ? n : k) >= size)
			break; /* never half a character or half an escape */
		if (n)
			memcpy(buf + o, esc, n);
		else
			memcpy(buf + o, s + i, k);
		o += n ? n : k;
		i += k;
	}
	buf[o] = '\0';
	return o;
}

char *diag_escaped(const char *s)
{
	size_t len = strlen(s), size = len * 6 + 1; /* \uHHHH for a 3-byte character at most */
	char *buf = malloc(size);

	if (buf)
		diag_escape(buf, size, s, len);
	return buf;
}

struct diag *diag_vadd(struct diag_list *list, enum diag_code code, const char *file, long line,
		       long column, long record, const char *field, const char *fmt, va_list ap)
{
	struct diag *d;
	char *msg = NULL, *raw = NULL;

	if (list->count == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 16;
		struct diag *n = realloc(list->items, ncap * sizeof(*n));
		if (!n)
			return NULL;
		list->items = n;
		list->cap = ncap;
	}
	if (vasprintf(&raw, fmt, ap) < 0)
		return NULL;
	msg = diag_escaped(raw);
	free(raw);
	d = &list->items[list->count];
	d->code = code;
	d->file = file ? diag_escaped(file) : NULL;
	d->line = line;
	d->column = column;
	d->record = record;
	d->field = field ? diag_escaped(field) : NULL;
	d->message = msg;
	if (!msg || (file && !d->file) || (field && !d->field)) {
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
	if (list->flushed > list->count)
		list->flushed = list->count;
}

void diag_list_release(struct diag_list *list)
{
	diag_list_truncate(list, 0);
	free(list->items);
	list->items = NULL;
	list->count = 0;
	list->cap = 0;
	list->flushed = 0;
	list->omitted = 0;
}

void diag_list_flush(struct diag_list *list)
{
	for (size_t i = list->flushed; list->sink && i < list->count; i++)
		list->sink(list->sink_ctx, &list->items[i]);
	if (list->keep && list->count > list->keep) {
		list->omitted += (long)(list->count - list->keep);
		diag_list_truncate(list, list->keep);
	}
	list->flushed = list->count;
}

long diag_list_total(const struct diag_list *list)
{
	return (long)list->count + list->omitted;
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
