/*
 * diag.h - the one diagnostic type of acctbatch and the list that collects them.
 *
 * Every problem found in input (a bad cell, a CSV syntax error, an XML schema
 * violation, a record the database refuses) becomes one struct diag with a
 * stable code from DESIGN section 4 and a location. Layers add diagnostics to
 * a list and return a status; only the command layer prints them, once, in
 * one format. This file must not print anything except in diag_print().
 */
#ifndef ACCTBATCH_DIAG_H
#define ACCTBATCH_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The stable error codes of DESIGN section 4. Extend, never rename. */
enum diag_code {
	DIAG_REQUIRED,
	DIAG_TOO_LONG,
	DIAG_BAD_FORMAT,
	DIAG_BAD_EMAIL,
	DIAG_BAD_COUNTRY,
	DIAG_BAD_CURRENCY,
	DIAG_BAD_DATE,
	DIAG_BAD_BOOLEAN,
	DIAG_BAD_AMOUNT,
	DIAG_BAD_ENUM,
	DIAG_UNKNOWN_COLUMN,
	DIAG_MISSING_COLUMN,
	DIAG_DUPLICATE_IN_FILE,
	DIAG_EXISTS,
	DIAG_NOT_FOUND,
	DIAG_NO_ACCOUNT,
	DIAG_PASSWORD_MISMATCH,
	DIAG_PASSWORD_WEAK,
	DIAG_NO_ACCESS,
	DIAG_DUE_BEFORE_ISSUE,
	DIAG_HAS_INVOICES,
	DIAG_CSV_SYNTAX,
	DIAG_BAD_UTF8,
	DIAG_XML_SYNTAX,
	DIAG_SCHEMA,
	DIAG_ACCOUNT_REJECTED, /* --on-error skip-account dropped a valid record */
	DIAG_HAS_DEPENDENTS,   /* account delete needs --cascade */
	DIAG_INVOICE_KEPT,     /* invoices are never deleted */
	DIAG_BAD_ARCHIVE,      /* an input archive is refused (archive_in.h) */
	DIAG_CODE_COUNT
};

/* One problem with its location. Strings are owned by the diagnostic. */
struct diag {
	enum diag_code code;
	char *file;    /* input name as the user gave it, or NULL */
	long line;     /* 1-based line where the record (or problem) starts, 0 if none */
	long column;   /* 1-based column (XML only), 0 if unknown */
	long record;   /* 1-based record number within the file, 0 if none */
	char *field;   /* field name, or NULL when the problem is not a field's */
	char *message; /* lower-case phrase, no final full stop */
};

/*
 * A growing list of diagnostics. Invariant: items[0..count) are initialised;
 * count <= cap; flushed <= count. A zeroed struct is an empty list that
 * keeps everything.
 *
 * A run over many records streams them instead (diag_list_flush): each
 * diagnostic goes to the sink once, as soon as its record is decided, and
 * only the first KEEP stay in memory (for the JSON report); the others are
 * counted in omitted. Memory then does not grow with the problems found.
 */
struct diag_list {
	struct diag *items; /* owned array */
	size_t count;	    /* diagnostics held */
	size_t cap;	    /* allocated slots */
	/* streaming, set by the owner: */
	void (*sink)(void *ctx, const struct diag *d); /* gets each one once, or NULL */
	void *sink_ctx;				       /* for sink */
	size_t keep;	/* at most this many stay after a flush; 0 keeps all */
	size_t flushed; /* items[0..flushed) went through the sink */
	long omitted;	/* flushed and dropped beyond keep */
};

/* diag_code_name: the stable snake_case name of CODE, e.g. "bad_email". */
const char *diag_code_name(enum diag_code code);

/*
 * diag_add: append a diagnostic to LIST; FILE and FIELD may be NULL; the
 * message is formatted from FMT. Strings are copied, escaped
 * (diag_escape): a name or value in them never reaches a terminal raw.
 * Returns a pointer to the new item, or NULL when memory ran out (the
 * list is unchanged then).
 */
struct diag *diag_add(struct diag_list *list, enum diag_code code, const char *file, long line,
		      long column, long record, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* diag_vadd: diag_add with a va_list. */
struct diag *diag_vadd(struct diag_list *list, enum diag_code code, const char *file, long line,
		       long column, long record, const char *field, const char *fmt, va_list ap)
	__attribute__((format(printf, 8, 0)));

/*
 * diag_print: write D to OUT as one line:
 * "acctbatch: CMD: FILE:LINE[:COL]: [field 'F': ]MESSAGE [CODE]". The record
 * number is in the JSON report.
 */
void diag_print(FILE *out, const char *cmd, const struct diag *d);

/*
 * diag_escape: S (LEN bytes) made safe for a terminal, a report or a
 * listing, into BUF (SIZE bytes, NUL-terminated, cut at a whole
 * character): control characters (C0, DEL and C1), bytes that are not
 * UTF-8 and the Unicode controls that reorder text (U+202A..U+202E,
 * U+2066..U+2069) become \xHH or \uHHHH; everything else is kept. The one
 * escape of acctbatch: every name and value that reaches a person goes
 * through it. Escaping escaped text changes nothing. Returns the bytes
 * written.
 */
size_t diag_escape(char *buf, size_t size, const char *s, size_t len);

/* diag_escaped: diag_escape into new memory (malloc'd), or NULL when out of memory. */
char *diag_escaped(const char *s);

/*
 * diag_list_flush: hand items[flushed..count) to the sink (if any), then
 * drop those past the first KEEP (when KEEP is set), counting them in
 * omitted. Indexes into the list are not valid across a flush.
 */
void diag_list_flush(struct diag_list *list);

/* diag_list_total: diagnostics added to LIST in all, dropped ones included. */
long diag_list_total(const struct diag_list *list);

/* diag_list_release: free every item; the list is empty afterwards. Safe twice. */
void diag_list_release(struct diag_list *list);

/* diag_list_truncate: drop items from index N on (freeing them). */
void diag_list_truncate(struct diag_list *list, size_t n);

/*
 * diag_list_move: move every diagnostic of FROM to the end of TO; the
 * strings change owner and FROM is empty afterwards (its array is kept).
 * Returns 0, or -1 when memory ran out (both lists unchanged).
 */
int diag_list_move(struct diag_list *to, struct diag_list *from);

/* xstrdup_or_null: strdup that accepts NULL and returns NULL for it. */
char *xstrdup_or_null(const char *s);

#endif
