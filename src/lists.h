/*
 * lists.h - mailing lists (DESIGN section 7): who receives which invoice or
 * notice, built into an archive with libarchive (bundle.h): one CSV per
 * kind (and an XML copy, schemas/lists.xsd, with --xml), manifest.xml
 * (schemas/manifest.xsd) and SHA256SUMS.
 *
 * Owns: the kinds and their names, the list columns, merging the rows of
 * one (invoice or account, email), the role column, the manifest's list
 * part. Must not: decide exit statuses or record builds (cmd_lists.c).
 *
 * The same snapshot and options give the same bytes: kinds in a fixed
 * order, whatever order they were named in; every time in the archive is
 * the as-of time. Each list is written once, to an unnamed temporary file
 * (its size must precede it in a tar archive), then copied into the
 * archive, so memory does not grow with the rows.
 */
#ifndef ACCTBATCH_LISTS_H
#define ACCTBATCH_LISTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "bundle.h"
#include "store_lists.h"

#define LISTS_MAX 32 /* kinds in one build */

/* One kind of list as named on the command line. */
struct list_spec {
	enum list_kind kind;
	char subscription[41]; /* LIST_SUBSCRIPTION: the token */
	char name[64];	       /* "standard-invoices", "subscription:newsletter" */
	char file[80];	       /* member name without extension: "subscription-newsletter" */
};

/*
 * list_parse_kind: TEXT as a kind (invoice-created, standard-invoices,
 * summary-invoices, important-notices, subscription:NAME). Returns 0, or -1
 * when TEXT is no kind.
 */
int list_parse_kind(const char *text, struct list_spec *out);

struct lists_opts {
	struct list_spec kinds[LISTS_MAX]; /* in the archive's order (lists_add_kind) */
	size_t nkinds;
	const char *from, *to; /* issue dates, inclusive (NULL: open) */
	const char *account;   /* NULL: every account */
	const char *status;    /* "open", "paid", or NULL: both */
	bool xml;	       /* an XML copy of each list */
	enum bundle_type type; /* of the archive */
	const char *as_of;     /* the archive's time, UTC ISO 8601 */
	time_t as_of_time;     /* the same, as a time */
	const char *database;  /* named in the manifest */
	const char *version;   /* acctbatch's version */
	int (*stop)(void);     /* when it returns non-zero, stop (a signal) */
};

/* lists_add_kind: add SPEC to O in the fixed order; a kind named twice is kept once. -1 when full. */
int lists_add_kind(struct lists_opts *o, const struct list_spec *spec);

struct lists_result {
	long rows[LISTS_MAX];	    /* rows of each list, after merging */
	long recipients[LISTS_MAX]; /* distinct emails (case-insensitive) of each list */
	int64_t last_batch;	    /* the newest data batch in the snapshot */
	char sha256[65];	    /* of the whole archive */
	char error[256];	    /* why it failed */
};

/*
 * lists_write: the archive onto OUT from store S inside a read transaction.
 * Returns 0, -1 when writing the output failed (RES->error; exit 74), -2
 * when something else did: the database or a scratch file in $TMPDIR
 * (RES->error says which, whole), -3 when O->stop asked to stop.
 */
int lists_write(struct store *s, const struct lists_opts *o, FILE *out, struct lists_result *res);

/* lists_roles: "contact;holder;login" for ROLES (LIST_ROLE_*), into BUF (>= 24 bytes). */
const char *lists_roles(unsigned roles, char *buf);

#endif
