/*
 * store_lists.h - the store's mailing-list queries (DESIGN section 7,
 * lists.c) and the record of list builds. Part of the store interface
 * (store.h); a list query reads one snapshot.
 */
#ifndef ACCTBATCH_STORE_LISTS_H
#define ACCTBATCH_STORE_LISTS_H

#include "store.h"

/*
 * Mailing lists (DESIGN section 7, lists.c). A list query selects, per
 * invoice or per account, the people a kind of mail goes to.
 */
enum list_kind {
	LIST_INVOICE_CREATED,	/* per invoice: the account's logins with invoice_created_alerts */
	LIST_STANDARD_INVOICES, /* per standard invoice: contacts with standard_invoices */
	LIST_SUMMARY_INVOICES,	/* per summary invoice: contacts with summary_invoices */
	LIST_IMPORTANT_NOTICES, /* per account: contacts with important_notices, and the holder */
	LIST_SUBSCRIPTION,	/* per account subscribed to a list: the holder */
	LIST_KIND_COUNT
};

/* The roles an email has at the account (list_row.roles). */
#define LIST_ROLE_CONTACT 1u /* one of its primary contacts */
#define LIST_ROLE_HOLDER 2u  /* the account holder's email */
#define LIST_ROLE_LOGIN 4u   /* one of its authorized logins */

struct list_query {
	enum list_kind kind;
	const char *subscription; /* LIST_SUBSCRIPTION: the list's token */
	const char *from, *to;	  /* invoices issued on these dates or between (NULL: open) */
	const char *account;	  /* only this account (NULL: all) */
	const char *status;	  /* invoices: "open" or "paid"; NULL: both (void never) */
};

/* One row of a list, before rows of the same (invoice or account, email) are merged. */
struct list_row {
	const char *invoice_number, *kind, *issued_on, *due_on, *currency; /* NULL per account */
	int64_t total;							   /* minor units */
	const char *account_id, *account_name;
	const char *email;	/* as stored */
	const char *email_norm; /* lower-case: the same recipient has the same one */
	const char *name;	/* the person's name, "" if none is known */
	unsigned roles;		/* LIST_ROLE_* the email has at the account */
};

/*
 * store_each_list_row: call FN(CTX, ROW) for each recipient of Q, ordered
 * by invoice number (or account id), then email_norm, then email; closed
 * accounts and void invoices never appear. A recipient who qualifies in
 * two ways (a contact who is also the holder) comes twice in a row, with
 * the same roles: the caller keeps the first. FN returns 0 to go on.
 * store_list_recipients: how many distinct email_norm values Q selects.
 */
enum store_status store_each_list_row(struct store *s, const struct list_query *q,
				      int (*fn)(void *ctx, const struct list_row *row), void *ctx);
enum store_status store_list_recipients(struct store *s, const struct list_query *q,
					long *distinct);

/* A recorded list build (store_record_list_build, store_find_list_build). */
struct list_build {
	int64_t batch;	      /* the batch that records it */
	const char *archive;  /* as named with -o */
	const char *sha256;   /* of the archive's bytes */
	const char *as_of;    /* the time written in the archive */
	int64_t data_batch;   /* the newest data batch it read */
	const char *kinds;    /* JSON array of the kinds */
	const char *params;   /* JSON object of the parameters */
	const char *counts;   /* JSON object: kind -> {"rows", "recipients"} */
	const char *built_at; /* when the batch ended */
};

/*
 * store_record_list_build: record B (B->batch being the batch under way,
 * store_begin_batch "lists"). store_find_list_build: call FN for each build
 * whose archive has SHA256, oldest first.
 */
enum store_status store_record_list_build(struct store *s, const struct list_build *b);
enum store_status store_find_list_build(struct store *s, const char *sha256,
					int (*fn)(void *ctx, const struct list_build *b),
					void *ctx);

#endif
