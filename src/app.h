/*
 * app.h - the state every command shares: global options, the output sink
 * (notes honour --quiet, errors never do) and the command entry points.
 * Commands parse their own options and orchestrate; they hold no SQL and no
 * libcsv/libxml2/libarchive calls.
 */
#ifndef ACCTBATCH_APP_H
#define ACCTBATCH_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "outfile.h"

/* The version acctbatch reports (--version, manifests). */
#define ACCTBATCH_VERSION_TEXT "0.1.0"

/* Exit statuses (sysexits), DESIGN section 4. */
enum {
	EXIT_DONE = 0,
	EXIT_REJECTED = 1,
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NOINPUT = 66,
	EXIT_CANTCREAT = 73,
	EXIT_IOERR = 74,
	EXIT_TEMPFAIL = 75,
};

/*
 * app_exit_status: the exit status of ERR, from its kind: the one table
 * of DESIGN section 4 (0 when ERR holds no error; 128 + the signal for a
 * stop). Only the command layer chooses exit statuses, here.
 */
int app_exit_status(const struct error *err);

/*
 * What main sets up around a command's work, in this order, and takes
 * down after it in reverse, in one place (run_command in main.c). The
 * command table gives each command's needs; its parse step may drop some
 * for the form it was given (lists verify writes no archive).
 */
enum app_needs {
	NEED_DATABASE = 1 << 0, /* an existing database, open as app->store */
	NEED_SNAPSHOT = 1 << 1, /* a read snapshot of it (app_end_snapshot ends it early) */
	NEED_OUTPUT = 1 << 2,	/* app->output open as app->out (outfile.h); what the work
				 * does not commit is removed */
	NEED_HOLD = 1 << 3,	/* stop signals held: the work stops cleanly (stop.h) */
};

/* A command's parse step returns this to have its work run; any other value is its exit status. */
#define APP_RUN (-1)

/* Global options and run-wide state. */
struct app {
	const char *db_path; /* --db, $ACCTBATCH_DB or ./acctbatch.db */
	bool quiet;	     /* --quiet: no notes or summaries */
	bool verbose;	     /* --verbose: more notes */
	bool progress;	     /* progress line allowed (stderr is a terminal, no --no-progress) */
	const char *cmd;     /* current command name for messages */
	char *command_line;  /* the whole command line, for the batches table */
	int busy_ms;	     /* how long to wait for a locked database */
	/* the shared set-up (enum app_needs), for a command's work */
	unsigned needs;	     /* what main sets up: the table's, less what parse dropped */
	const char *output;  /* NEED_OUTPUT: the path given (-o), "-" for standard output */
	struct store *store; /* NEED_DATABASE: open while the work runs */
	bool in_snapshot;    /* NEED_SNAPSHOT: the snapshot has not ended yet */
	struct outfile out;  /* NEED_OUTPUT: the output being written */
};

/* app_context: a zeroed context of SIZE bytes for a command's parse step, in *CTX (freed by main); NULL when out of memory, said. */
void *app_context(const struct app *app, size_t size, void **ctx);

/* app_end_snapshot: end the read snapshot before the work is done (to write a batch after it). */
void app_end_snapshot(struct app *app);

/* app_error: print "acctbatch: CMD: MESSAGE" to stderr; returns -1. */
int app_error(const struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* app_note: print a note to stderr unless --quiet. */
void app_note(const struct app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct store;

/*
 * app_store_failed: print why store S failed with ST (SUFFIX after the
 * message, or NULL) and return its exit status (75 busy, else 74).
 */
int app_store_failed(const struct app *app, const struct store *s, int st, const char *suffix);

/*
 * app_open_existing: open the database at app->db_path, which must exist
 * (nothing is created), for a command that reads it or changes what is in
 * it. Returns EXIT_DONE with *STORE set, or the exit status after printing
 * why: 66 no database, 75 locked, 74 other failures.
 */
int app_open_existing(const struct app *app, struct store **store);

/*
 * app_is_database_file: whether PATH is the database DB or one of its
 * companion files (-wal, -shm, -journal), existing or not (outfile_same),
 * so that an output written there would destroy it. "-" (standard
 * output) never is.
 */
bool app_is_database_file(const char *db, const char *path);

/* app_parse_batch: a batch id (a positive whole number) from TEXT; -1 with a message if not. */
int app_parse_batch(const struct app *app, const char *text, long long *batch);

/*
 * app_db_name: the database's file name without its directory, as archive
 * manifests name it (so that --db a.db and --db ./a.db give the same bytes).
 */
const char *app_db_name(const struct app *app);

/*
 * app_options_begin: get ready for getopt_long over a command's ARGV:
 * reset optind (0: glibc re-initialises, so options may follow operands)
 * and make argv[0] "acctbatch: CMD" (in PROG, 64 bytes), so that getopt's
 * own messages read like ours.
 */
void app_options_begin(const struct app *app, char **argv, char prog[64]);

/*
 * app_stopped: report that a stop signal ended the run, writing OUTPUT
 * ("-": standard output, then incomplete; else nothing was written), and
 * return its exit status, 128 + the signal.
 */
int app_stopped(const struct app *app, const char *output);

/* Bytes of a time as app_now writes it, with its NUL. */
#define APP_TIME_SIZE 32

/*
 * app_now: the current UTC time as ISO 8601 ("2026-12-03T18:30:00Z") in
 * BUF, which it returns: the one place the program reads the clock
 * (seam_now; a test build can fix it, seams.h).
 */
const char *app_now(char buf[APP_TIME_SIZE]);

/*
 * The commands. Each takes its own ARGC/ARGV (argv[0] is the command's
 * name), parses its options, prints its results and diagnostics and
 * returns the exit status of DESIGN section 4. These four set themselves
 * up: init and import may create the database (import only once its
 * inputs are known, behind store_create), validate and schema need none.
 */

/* cmd_init: create or migrate the database at app->db_path. */
int cmd_init(int argc, char **argv, struct app *app);

/* cmd_validate: check files against the schemas and rules; no database. 0 or 1. */
int cmd_validate(int argc, char **argv, struct app *app);

/* cmd_import: apply files to the database as one batch. */
int cmd_import(int argc, char **argv, struct app *app);

/*
 * The commands that main sets up (enum app_needs): CMD_parse reads the
 * options into a context it allocates (*CTX, freed by main with free())
 * and returns APP_RUN, or an exit status when there is nothing to run
 * (--help, a usage error); CMD_run does the work inside the set-up and
 * returns the exit status.
 */

/* export: one entity's rows as CSV or XML to a file or standard output, or all into an archive. */
int cmd_export_parse(int argc, char **argv, struct app *app, void **ctx);
int cmd_export_run(struct app *app, void *ctx);

/* lists: build mailing lists into an archive, or verify one (lists verify). */
int cmd_lists_parse(int argc, char **argv, struct app *app, void **ctx);
int cmd_lists_run(struct app *app, void *ctx);

/* history: the batches, newest first, or one batch with its changes. */
int cmd_history_parse(int argc, char **argv, struct app *app, void **ctx);
int cmd_history_run(struct app *app, void *ctx);

/* revert: undo one batch as a new batch. */
int cmd_revert_parse(int argc, char **argv, struct app *app, void **ctx);
int cmd_revert_run(struct app *app, void *ctx);

/* cmd_schema: print one entity's XSD on standard output. */
int cmd_schema(int argc, char **argv, struct app *app);

#endif
