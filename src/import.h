/*
 * import.h - the import pipeline: inputs in dependency order, records
 * checked, keyed and applied to the store in one transaction, counted, and
 * rejected records collected.
 *
 * Owns the rules that need more than one cell: keys, duplicates in a batch,
 * references to accounts, modes, passwords, access types, dates, amounts per
 * currency, deletion rules. Must not print (the command does) or build SQL
 * (the store does).
 */
#ifndef ACCTBATCH_IMPORT_H
#define ACCTBATCH_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "diag.h"
#include "entity.h"
#include "spool.h"
#include "store.h"

enum import_mode { MODE_INSERT, MODE_UPDATE, MODE_UPSERT, MODE_DELETE, MODE_SYNC };
enum on_error { ON_ERROR_ABORT, ON_ERROR_SKIP, ON_ERROR_SKIP_ACCOUNT };
enum input_format { FORMAT_UNKNOWN, FORMAT_CSV, FORMAT_XML };

/* One input file, resolved. */
struct input {
	char *path;		  /* the file ("-" for stdin; an archive member's is its name) */
	char *name;		  /* name shown in diagnostics */
	const struct entity *e;	  /* what it holds */
	enum input_format format; /* how to read it */
	char sha256[65];	  /* digest of the bytes read, filled by the run */
	long records;		  /* records read from it in the last pass */
	struct spooled *bytes; /* a pipe's or an archive member's bytes, owned; NULL for a file */
	struct stat id;	       /* a file: what it was when resolved (it must stay so) */
	size_t order;	       /* position on the command line, for a stable sort */
};

/* The inputs of one batch, in dependency order after inputs_resolve. */
struct input_list {
	struct input *items;   /* owned */
	size_t count;	       /* inputs held */
	struct spool **spools; /* the archives' spools, owned */
	size_t nspools;	       /* entries in spools */
};

/* Where a resolution failed: the exit status tells why. */
enum resolve_status {
	RESOLVE_OK,
	RESOLVE_MISSING,
	RESOLVE_UNKNOWN,
	RESOLVE_IO,
	RESOLVE_USAGE,
	RESOLVE_INVALID, /* an archive was refused (bad_archive): exit 65 */
};

/*
 * inputs_resolve: expand ARGS (files, directories, "-") into LIST, detect
 * each one's format (FORCE_FORMAT, else extension, else content) and entity
 * (FORCE_ENTITY, else XML root, else CSV header, else file name), and sort
 * into dependency order (reverse for deletes). An archive (archive_in.h)
 * gives one input per CSV or XML member, named "ARCHIVE:MEMBER", its bytes
 * in one spool with at most MAX_UNPACKED bytes in all (0: the default 2
 * GiB). A pipe, standard input included, is read through a spool of its
 * own as the run needs it (spool.h). A file keeps the identity it had
 * here (device, inode, size, time): reading it later fails with ESTALE
 * when it changed. Problems go to DIAGS.
 */
enum resolve_status inputs_resolve(char *const *args, int nargs, const struct entity *force_entity,
				   enum input_format force_format, bool reverse,
				   uint64_t max_unpacked, struct input_list *list,
				   struct diag_list *diags);

/* input_list_release: free the list; safe twice. */
void input_list_release(struct input_list *list);

/* What happened to one entity's records. */
struct entity_counts {
	long inserted, updated, unchanged, deleted, rejected;
};

/* Options of one import run (command line). */
struct import_opts {
	enum import_mode mode;	    /* --mode */
	enum on_error on_error;	    /* --on-error */
	long max_errors;	    /* --max-errors, 0 = no limit */
	bool dry_run;		    /* --dry-run */
	bool cascade;		    /* --cascade */
	bool validate_only;	    /* the validate command: no store at all */
	const char *rejects_path;   /* --rejects FILE or NULL */
	const char *command;	    /* command line, for the batches table */
	const char *now;	    /* the batch time, ISO 8601 UTC */
	const char *(*clock)(void); /* the time now, for the batch's end; NULL: now */
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
	int exit_status;			   /* sysexits status for the run */
	char message[512];			   /* fatal message (store, I/O), or "" */
};

/*
 * import_run: apply INPUTS to STORE (NULL with opts->validate_only) as one
 * batch. Fills RESULT; returns its exit status (0, 1, 65, 73, 74, 75).
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
