/*
 * import.h - the import run: the inputs (inputs.h) read in their order,
 * each record keyed, checked and applied to the store as one batch,
 * counted, and rejected records collected.
 *
 * Owns keys, duplicates in a batch, references to accounts, modes,
 * deletion rules, sync, skip-account's two passes and the run's verdict;
 * the rules over a record's fields are rules.h's, the hashing of
 * passwords login_hash.h's. Must not print (the command does) or build SQL
 * (the store does).
 */
#ifndef ACCTBATCH_IMPORT_H
#define ACCTBATCH_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "diag.h"
#include "error.h"
#include "entity.h"
#include "inputs.h"
#include "store.h"

enum import_mode { MODE_INSERT, MODE_UPDATE, MODE_UPSERT, MODE_DELETE, MODE_SYNC };
enum on_error { ON_ERROR_ABORT, ON_ERROR_SKIP, ON_ERROR_SKIP_ACCOUNT };
/* What happened to one entity's records. */
struct entity_counts {
	long inserted, updated, unchanged, deleted, rejected;
};

/* Options of one import run (command line). */
struct import_opts {
	enum import_mode mode;	  /* --mode */
	enum on_error on_error;	  /* --on-error */
	long max_errors;	  /* --max-errors, 0 = no limit */
	bool dry_run;		  /* --dry-run */
	bool cascade;		  /* --cascade */
	bool validate_only;	  /* the validate command: no store at all */
	const char *rejects_path; /* --rejects FILE or NULL */
	const char *command;	  /* command line, for the batches table */
	const char *now;	  /* the batch time, ISO 8601 UTC */
	/* the time now into a buffer of 32 bytes, for the batch's end; NULL: now */
	const char *(*clock)(char buf[32]);
	/* progress callback: records so far, bytes read, bytes in total (0 unknown) */
	void (*progress)(void *ctx, long records, uint64_t done, uint64_t total);
	void *progress_ctx; /* for progress */
	/* each diagnostic of the run, once, as soon as its record is decided
	 * (the result keeps only the first IMPORT_REPORT_ERRORS) */
	void (*on_diag)(void *ctx, const struct diag *d);
	void *diag_ctx; /* for on_diag */
};

/* The diagnostics a run keeps for its JSON report; the others are counted. */
#define IMPORT_REPORT_ERRORS 1000

enum import_outcome { OUTCOME_COMMITTED, OUTCOME_ROLLED_BACK, OUTCOME_DRY_RUN, OUTCOME_VALIDATED };

/* Results of one run. */
struct import_result {
	int64_t batch;				   /* batch id (also for a rollback) */
	enum import_outcome outcome;		   /* what became of the batch */
	struct entity_counts counts[ENTITY_COUNT]; /* per entity */
	bool present[ENTITY_COUNT];		   /* the batch held this entity */
	struct diag_list diags;			   /* the first problems found, and how many more */
	long records;				   /* records read */
	size_t keys;				   /* keys in the batch's key index */
	size_t key_bytes;			   /* memory of the key index */
	size_t key_peak;			   /* its most at once (sum over entities) */
	bool stopped_max_errors;		   /* --max-errors was reached */
	bool some_rejected;			   /* records were rejected, the rest kept */
	/* why the run failed: ERROR_DATA when the input was refused as a whole
	 * (its diagnostics say why, the message is ""), else what failed */
	struct error error;
	int exit_status; /* the command's exit status, for the report */
};

/*
 * import_run: apply INPUTS to STORE (NULL with opts->validate_only) as one
 * batch. Fills RESULT; returns 0, or -1 when RESULT->error holds why the
 * run failed (nothing was written). Some records rejected and the rest
 * applied is no failure: RESULT->some_rejected.
 */
int import_run(struct store *store, struct input_list *inputs, const struct import_opts *opts,
	       struct import_result *result);

/*
 * import_counts_json: the per-entity counts of RES as a JSON object
 * {"contacts": {"inserted": N, "updated": N, "unchanged": N, "deleted": N,
 * "rejected": N}, ...}, for the batches table and the report. New reference.
 */
json_t *import_counts_json(const struct import_result *res);

/* import_result_release: free what RESULT holds. */
void import_result_release(struct import_result *result);

/* import_outcome_name: "committed", "rolled_back", "dry_run", "validated". */
const char *import_outcome_name(enum import_outcome o);

#endif
