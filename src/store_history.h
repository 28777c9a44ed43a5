/*
 * store_history.h - what the store recorded: the batches, each one's
 * changes in the order made, the change feed of one entity, and what
 * reverting a batch needs. Part of the store interface (store.h).
 *
 * Contract: every change to an entity row is recorded with its batch, its
 * key and its row before and after (an insert has no before, a delete no
 * after), in the order the batch made it. Listing one batch's changes, and
 * finding the later changes of the rows one batch changed, take time in
 * proportion to that batch, not to the database.
 */
#ifndef ACCTBATCH_STORE_HISTORY_H
#define ACCTBATCH_STORE_HISTORY_H

#include "store.h"

/* One change of the feed (store_each_feed). */
struct feed_change {
	const char *op;	       /* "insert", "update" or "delete" */
	int64_t batch;	       /* the batch that made it */
	const char *time;      /* when that batch ended (UTC) */
	const struct row *row; /* the row after the change; for a delete, the row before */
};

/*
 * store_each_feed: call FN(CTX, C) for each change to entity E in the
 * journal, oldest batch first and in the order each batch made them, that
 * FILTER selects: account (of the row), after_batch (later batches only),
 * changed_since (batches that ended later than this time).
 */
enum store_status store_each_feed(struct store *s, const struct entity *e,
				  const struct store_filter *filter,
				  int (*fn)(void *ctx, const struct feed_change *c), void *ctx);

/* One row of the batches table, as store_each_batch hands it over. */
struct batch_info {
	int64_t id;		/* the batch id */
	const char *kind;	/* "import", "revert", ... */
	const char *started_at; /* UTC time */
	const char *ended_at;	/* UTC time, NULL while running */
	const char *command;	/* the command line */
	const char *inputs;	/* JSON array: file, entity, sha256 */
	const char
		*counts; /* JSON object: per entity inserted/updated/unchanged/deleted/rejected */
	const char *outcome; /* "committed", ... */
	int64_t reverts;     /* the batch this one reverts, 0 if none */
	const char *build;   /* a list build: JSON object of its list_builds row, else NULL */
};

/*
 * store_each_batch: call FN(CTX, B) for the batches, newest first: only
 * batch ONLY when ONLY > 0, else at most LIMIT of them (LIMIT <= 0: all).
 * Returns STORE_OK (also when none matched) or an error.
 */
enum store_status store_each_batch(struct store *s, int64_t only, long limit,
				   int (*fn)(void *ctx, const struct batch_info *b), void *ctx);

/* One change of the journal, as store_each_change hands it over. */
struct change_info {
	int64_t id;	    /* the journal id: chunk id x 1000 + position */
	const char *entity; /* "accounts", ... */
	const char *
		key; /* the key as recorded: the key field, or a JSON array of both parts; an email lower-case */
	const char *op;	    /* "insert", "update" or "delete" */
	const char *before; /* the row before: a JSON image (see COLUMNS), NULL for an insert */
	const char *after;  /* the row after: a JSON image, NULL for a delete */
	/* An image is a JSON object keyed by column name, or a JSON array of
	 * the row's values named by these columns in order (image.h reads
	 * both): what the journal wrote, handed over without rebuilding. */
	const char *const *columns;
	int ncolumns;
};

/*
 * store_each_change: call FN(CTX, C) for each change of BATCH in the order
 * it was made, by id (see the journal in docs/import.md). Through
 * indexes: the time is in proportion to the batch.
 */
enum store_status store_each_change(struct store *s, int64_t batch,
				    int (*fn)(void *ctx, const struct change_info *c), void *ctx);

/*
 * Reverting a batch (revert.c), inside a batch of its own. store_revert_plan
 * fixes the plan: BATCH's changes, newest first (the order that undoes
 * them), kept apart from the tables so that applying them does not change
 * what is planned; *CHANGES is how many there are. store_each_conflict calls FN for each change a later
 * batch made to a row BATCH changed. store_each_planned calls FN for each
 * planned change that was logged (an update, a delete), in plan order;
 * the inserts BATCH made are undone per entity by store_undo_inserts
 * (deleting the rows that are still there in one statement: *DELETED of
 * *PLANNED), which store_each_planned_insert lists first (FN gets each
 * row that it would delete). store_batch_reverts records that BATCH
 * reverts REVERTED.
 */
enum store_status store_revert_plan(struct store *s, int64_t batch, long *changes);
enum store_status store_each_conflict(struct store *s, int64_t batch,
				      int (*fn)(void *ctx, const char *entity, const char *key,
						int64_t later),
				      void *ctx);
enum store_status store_each_planned(struct store *s,
				     int (*fn)(void *ctx, const struct change_info *c), void *ctx);
enum store_status store_each_planned_insert(struct store *s, const struct entity *e,
					    int (*fn)(void *ctx, const char *entity,
						      const char *key, int64_t batch),
					    void *ctx);
enum store_status store_undo_inserts(struct store *s, const struct entity *e, long *deleted,
				     long *planned);
enum store_status store_batch_reverts(struct store *s, int64_t batch, int64_t reverted);

/*
 * store_each_dependent: call FN(CTX, ENTITY, KEY, BATCH) for each login,
 * contact or invoice (in the transaction under way) whose account is one
 * the revert plan removes (a planned insert of an account), BATCH being
 * the batch that inserted the row (0 if unknown): what the revert would
 * leave behind. Through the account indexes; by account, then entity and key.
 */
enum store_status store_each_dependent(struct store *s,
				       int (*fn)(void *ctx, const char *entity, const char *key,
						 int64_t batch),
				       void *ctx);

#endif
