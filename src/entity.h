/*
 * entity.h - the four entities as data: one table of field descriptors each.
 *
 * A field's name is written once, here; the CSV header check, the XML
 * element mapping, the XSD text, the SQL statements and the validation loop
 * are all driven by these tables. This layer knows the field rules of DESIGN
 * section 1 and nothing about files or databases.
 */
#ifndef ACCTBATCH_ENTITY_H
#define ACCTBATCH_ENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define FIELD_MAX 20 /* most fields any entity has */

enum entity_id { ENTITY_ACCOUNTS, ENTITY_LOGINS, ENTITY_CONTACTS, ENTITY_INVOICES, ENTITY_COUNT };

enum field_type {
	FT_TEXT,     /* free text; length limits in characters (code points) */
	FT_CODE,     /* identifier made of character classes (ids, phone) */
	FT_EMAIL,    /* a mailbox mail can be sent to (email.h) */
	FT_COUNTRY,  /* ISO 3166-1 alpha-2 from iso-codes */
	FT_CURRENCY, /* ISO 4217 alpha-3 from iso-codes */
	FT_DATE,     /* YYYY-MM-DD, a real calendar date */
	FT_TIME,     /* YYYY-MM-DDTHH:MM:SSZ */
	FT_BOOL,     /* true/false/1/0/yes/no, any case; stored 1/0 */
	FT_AMOUNT,   /* decimal >= 0; stored as integer minor units */
	FT_ENUM,     /* one of field.values */
	FT_TOKENS,   /* space-separated [a-z0-9_]{1,40} tokens */
	FT_SECRET,   /* plaintext password; never stored, shown as [redacted] */
	FT_HASH,     /* Argon2id, bcrypt or yescrypt hash string */
};

#define F_REQUIRED 0x01u /* must be given (non-empty) when a record is created */
#define F_KEY 0x02u	 /* part of the natural key */
#define F_SECRET 0x04u	 /* value never shown; messages say [redacted] */
#define F_INPUT 0x08u	 /* input only, no database column (password, password_confirm) */
#define F_TOOL 0x10u	 /* kept by the tool; may be given on insert only (created_at) */
#define F_REF 0x20u	 /* names an account: accounts.account_id must exist */
#define F_NOEXPORT 0x40u /* exported only on request (password_hash) */
#define F_ACCESS 0x80u	 /* an access type: a login needs at least one of them true */

/*
 * What a field means to the rules that need more than its own cell. Each
 * role names at most one field of an entity; entity_get's tables carry the
 * index of each (struct entity.role), computed from the fields and checked
 * once, so that no other layer looks a field up by its name.
 */
enum field_role {
	ROLE_NONE,
	ROLE_ACCOUNT,  /* the account_id the record belongs to (a reference or the key) */
	ROLE_EMAIL,    /* the mailbox (keys compare it ignoring case) */
	ROLE_PASSWORD, /* a new plaintext password */
	ROLE_CONFIRM,  /* the same password again */
	ROLE_HASH,     /* the stored hash of the password */
	ROLE_ISSUED,   /* the issue date (a due date may not be before it) */
	ROLE_DUE,      /* the due date */
	ROLE_CURRENCY, /* the currency of the amounts */
	ROLE_TOTAL,    /* an amount in that currency */
	ROLE_CREATED,  /* when the row was created (kept by the tool) */
	ROLE_UPDATED,  /* when the row last changed (kept by the tool) */
	/* what the mailing lists read (lists.c, store.c) */
	ROLE_NAME,	 /* the account's own name (a list's account_name) */
	ROLE_PERSON,	 /* a person's full name */
	ROLE_FIRST_NAME, /* a person's name in two: the first part */
	ROLE_LAST_NAME,	 /* and the last */
	ROLE_STATUS,	 /* the row's status (lists leave closed accounts and void invoices out) */
	ROLE_KIND,	 /* the kind of invoice */
	ROLE_TOKENS,	 /* the mailing lists an account holder subscribed to */
	ROLE_ALERT,	 /* gets the "Invoice Created" alert (list invoice-created) */
	ROLE_STANDARD,	 /* receives standard invoices (standard-invoices) */
	ROLE_SUMMARY,	 /* receives summary invoices (summary-invoices) */
	ROLE_NOTICES,	 /* receives important notices (important-notices) */
	ROLE_COUNT
};

/* One field of an entity. */
struct field {
	const char *name;	 /* CSV header, XML element and SQL column */
	enum field_type type;	 /* how a value is checked and stored */
	unsigned flags;		 /* F_* bits */
	unsigned min_len;	 /* minimum characters when given, 0 = none */
	unsigned max_len;	 /* maximum characters, 0 = no limit */
	const char *first_chars; /* FT_CODE: class of the first character, e.g. "A-Za-z0-9" */
	const char *rest_chars;	 /* FT_CODE: class of the other characters */
	/* FT_ENUM: the values, NULL-terminated (values[0] is the default);
	 * FT_TOKENS: values[0] is the XML element of one token */
	const char *const *values;
	const char *default_value; /* stored when a new record leaves the field out */
	const char *doc;	   /* one-line description for docs and the XSD */
	enum field_role role;	   /* what the cross-field rules use it for */
};

#define E_KEPT 0x01u	   /* rows are never deleted (invoices: finance keeps them) */
#define E_REFERENCED 0x02u /* other entities name its rows (accounts) */

/*
 * One entity: a name, its record element and its fields in schema order.
 * The indexes below are derived from the fields (their F_KEY flags and
 * roles) when the tables are first used, and checked then: a table that
 * breaks a rule (two fields of one role, no key, no tool times) stops the
 * program with a message before anything is read.
 */
struct entity {
	enum entity_id id;
	const char *plural;	    /* root element, table and file name: "accounts" */
	const char *singular;	    /* record element: "account" */
	const struct field *fields; /* schema order */
	size_t nfields;		    /* entries in fields */
	unsigned flags;		    /* E_* bits */
	int key[2];		    /* indexes of the key fields; key[1] == -1 if one */
	int account_field;	    /* role[ROLE_ACCOUNT] */
	int email_field;	    /* role[ROLE_EMAIL], -1 if none */
	int role[ROLE_COUNT];	    /* index of the field of each role, -1 if none */
};

/* entity_get: the table for ID (the tables are set up on the first call). */
const struct entity *entity_get(enum entity_id id);

/* entity_by_name: the entity whose plural or singular is NAME, or NULL. */
const struct entity *entity_by_name(const char *name);

/* entity_referenced: the entity the others name by their account field (E_REFERENCED). */
const struct entity *entity_referenced(void);

/* entity_with_role: the first entity with a field of ROLE, NULL if none. */
const struct entity *entity_with_role(enum field_role role);

/* entity_role_name: the name of E's field of ROLE (which E must have). */
const char *entity_role_name(const struct entity *e, enum field_role role);

/*
 * entity_item_field: the index of E's FT_TOKENS field whose XML element of
 * one token (field.values[0]) is NAME, or -1.
 */
int entity_item_field(const struct entity *e, const char *name);

/* entity_field_index: index of the field called NAME (LEN bytes), or -1. */
int entity_field_index(const struct entity *e, const char *name, size_t len);

/*
 * A record as read from a file: raw cell text per field. value[i] == NULL
 * means the field was not given at all (column or element left out); ""
 * means given empty. The strings are owned by whoever filled the record.
 */
struct record {
	const struct entity *entity;  /* what the record is */
	const char *value[FIELD_MAX]; /* raw UTF-8 text, NUL-terminated, or NULL */
	size_t len[FIELD_MAX];	      /* byte lengths of value[] */
	const char *file;	      /* input name for diagnostics */
	long line;		      /* line where the record starts */
	long column;		      /* column (XML) or 0 */
	long number;		      /* 1-based record number in its file */
	long field_line[FIELD_MAX];   /* line of each field's element (XML), 0 = use line */
	long field_column[FIELD_MAX]; /* column of each field's element (XML), 0 = none */
	/* XML read with reader_ops.checks_later: the schema findings of this
	 * record, the last ones added before it; xml_finish_record merges them */
	int schema_findings;
	/* set by the caller's prepare callback (reader.h), else 0: */
	int key_state; /* import: the key index's verdict, made on the reader's thread */
	long key_prev; /* import: with a duplicate, the first record's position */
};

/* The context a cell check reports into. */
struct check_ctx {
	const struct record *rec; /* the record being checked (location) */
	struct diag_list *diags;  /* where problems go */
};

/*
 * entity_check_cells: check every given, non-empty value of REC against its
 * field's type, length and pattern, and report an empty value of a required
 * field. Cross-field rules are not checked here. Returns the number of
 * problems added to DIAGS.
 */
int entity_check_cells(const struct record *rec, struct diag_list *diags);

/*
 * entity_value_shown: whether the value V (LEN bytes) of field F may be
 * written back where people or files see it (a rejects file). Never a
 * password; a password_hash only when it is a well-formed hash string,
 * since a plaintext pasted into that column must not leak either. Messages
 * never quote either of them.
 */
bool entity_value_shown(const struct field *f, const char *v, size_t len);

/* entity_valid_text: whether TEXT is a non-empty, valid value of type TYPE (a date, a time). */
bool entity_valid_text(enum field_type type, const char *text);

/*
 * entity_check_value: check one non-empty VALUE (LEN bytes) of field F.
 * Returns 0 when valid, else the diag code and sets *WHY to a static phrase.
 */
int entity_check_value(const struct field *f, const char *value, size_t len, enum diag_code *code,
		       const char **why);

/*
 * entity_report: add a diagnostic about field F (index FI, -1 for none) of
 * REC to DIAGS; a secret field's value never reaches the message because
 * callers pass only the formatted message. Returns -1 for "return error()".
 */
int entity_report(struct diag_list *diags, const struct record *rec, int fi, enum diag_code code,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* parse_bool: 1 or 0 for a valid boolean spelling, -1 otherwise. */
int parse_bool(const char *s, size_t len);

/*
 * parse_amount: parse a decimal ">= 0" with at most DIGITS fraction digits
 * into minor units (*OUT). Returns 0, or -1 with *WHY set.
 */
int parse_amount(const char *s, size_t len, int digits, int64_t *out, const char **why);

/* format_amount: write MINOR units with DIGITS fraction digits into BUF (>= 32 bytes). */
void format_amount(int64_t minor, int digits, char *buf, size_t size);

/* utf8_length: code points in S (LEN bytes), or -1 if S is not valid UTF-8. */
long utf8_length(const char *s, size_t len);

#endif
