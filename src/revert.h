/*
 * revert.h - undoing one batch: every row it changed is set back to the
 * row before the change (or removed, if the batch inserted it), newest
 * change first, as a new batch that names the one it reverts.
 *
 * Owns: the plan, the check for later changes of the same rows, turning a
 * journal image back into a row. Must not: print (cmd_revert.c does).
 */
#ifndef ACCTBATCH_REVERT_H
#define ACCTBATCH_REVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "entity.h"
#include "import.h"
#include "store_history.h"

struct revert_opts {
	int64_t batch;	     /* the batch to revert */
	bool force;	     /* revert even when later batches changed the same rows */
	bool dry_run;	     /* do everything, then roll back */
	const char *command; /* for the batches table */
	const char *now;     /* the new batch's time */
	/* called for each later change of a row the batch changed (a conflict) */
	int (*on_conflict)(void *ctx, const char *entity, const char *key, int64_t later);
	/* called for each row that would be left without its account (a dependent) */
	int (*on_dependent)(void *ctx, const char *entity, const char *key, int64_t batch);
	/* --dry-run: called for each change the revert makes ("delete", "restore", "insert") */
	void (*on_step)(void *ctx, const char *what, const char *entity, const char *key);
	void *ctx;
};

enum revert_outcome {
	REVERT_COMMITTED,    /* the new batch is committed */
	REVERT_DRY_RUN,	     /* what would happen, rolled back */
	REVERT_CONFLICT,     /* later batches changed the same rows; nothing written */
	REVERT_DEPENDENTS,   /* rows of other batches need an account the revert removes */
	REVERT_NO_BATCH,     /* no such batch, or one that cannot be reverted; nothing written */
	REVERT_STORE_ERROR,  /* the database failed; nothing written (store_errmsg) */
	REVERT_STORE_BUSY,   /* the database is locked; nothing written */
	REVERT_BROKEN_IMAGE, /* a journal image cannot be turned back into a row */
};

struct revert_result {
	enum revert_outcome outcome;
	int64_t batch;		      /* the new batch (0 if none) */
	long conflicts;		      /* later changes found */
	long dependents;	      /* rows left without their account */
	long changes;		      /* changes of the reverted batch */
	long counts[ENTITY_COUNT][3]; /* rows inserted, updated, deleted by the revert */
	long unchanged[ENTITY_COUNT]; /* rows already as the plan wants them */
	char message[256];	      /* why, for REVERT_NO_BATCH and REVERT_BROKEN_IMAGE */
};

/*
 * revert_counts: RES's counts in the form of an import's (OUT zeroed first),
 * so that the same table (report_counts) and JSON (import_counts_json)
 * serve both; an entity the revert touched is present.
 */
void revert_counts(const struct revert_result *res, struct import_result *out);

/* revert_batch: revert OPTS->batch in store S (opened, no transaction). */
void revert_batch(struct store *s, const struct revert_opts *opts, struct revert_result *res);

#endif
