/*
 * main.c - global options, the command table and the shared output sink.
 *
 * acctbatch [--db PATH] [--quiet|--verbose] [--no-progress] COMMAND [ARGS]
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "import.h"
#include "outfile.h"
#include "store.h"
#include "secret.h"
#include "seams.h"
#include "xmlio.h"
#include "stop.h"

#ifndef ACCTBATCH_VERSION
#define ACCTBATCH_VERSION ACCTBATCH_VERSION_TEXT
#endif

/*
 * The command table. A command either sets itself up (WHOLE) or has main
 * do it (PARSE, then RUN inside what NEEDS asks for: run_command).
 */
static const struct command {
	const char *name;						  /* as typed */
	int (*whole)(int argc, char **argv, struct app *app);		  /* sets itself up */
	int (*parse)(int argc, char **argv, struct app *app, void **ctx); /* or: its options */
	int (*run)(struct app *app, void *ctx);				  /* and its work */
	unsigned needs;							  /* enum app_needs */
	const char *synopsis;						  /* one line for usage() */
} commands[] = {
	{"init", cmd_init, NULL, NULL, 0, "create or upgrade the database"},
	{"validate", cmd_validate, NULL, NULL, 0,
	 "check files against the schemas; touches no database"},
	{"import", cmd_import, NULL, NULL, 0, "apply files to the database"},
	{"export", NULL, cmd_export_parse, cmd_export_run,
	 NEED_DATABASE | NEED_SNAPSHOT | NEED_OUTPUT | NEED_HOLD, "write one entity as CSV or XML"},
	{"lists", NULL, cmd_lists_parse, cmd_lists_run,
	 NEED_DATABASE | NEED_SNAPSHOT | NEED_OUTPUT | NEED_HOLD,
	 "build mailing lists into an archive; lists verify ARCHIVE"},
	{"history", NULL, cmd_history_parse, cmd_history_run, NEED_DATABASE | NEED_SNAPSHOT,
	 "list past batches, or one batch with its changes"},
	{"revert", NULL, cmd_revert_parse, cmd_revert_run, NEED_DATABASE | NEED_HOLD,
	 "undo one batch, as a new batch"},
	{"schema", cmd_schema, NULL, NULL, 0, "print an entity's XSD"},
};

/* Print "acctbatch: CMD: MESSAGE" to stderr, the message escaped (diag_escape). */
__attribute__((format(printf, 2, 0))) static void say(const struct app *app, const char *fmt,
						      va_list ap)
{
	char *raw = NULL, *safe;

	if (vasprintf(&raw, fmt, ap) < 0)
		raw = NULL;
	safe = raw ? diag_escaped(raw) : NULL;
	fprintf(stderr, "acctbatch: %s%s%s\n", app && app->cmd ? app->cmd : "",
		app && app->cmd ? ": " : "", safe ? safe : "out of memory");
	free(raw);
	free(safe);
}

int app_error(const struct app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(app, fmt, ap);
	va_end(ap);
	return -1;
}

void app_note(const struct app *app, const char *fmt, ...)
{
	va_list ap;

	if (app->quiet)
		return;
	va_start(ap, fmt);
	say(app, fmt, ap);
	va_end(ap);
}

int app_exit_status(const struct error *err)
{
	static const int status[ERROR_KIND_COUNT] = {
		[ERROR_NONE] = EXIT_DONE,
		[ERROR_USAGE] = EXIT_USAGE,
		[ERROR_DATA] = EXIT_DATAERR,
		[ERROR_NO_INPUT] = EXIT_NOINPUT,
		[ERROR_CANT_CREATE] = EXIT_CANTCREAT,
		[ERROR_IO] = EXIT_IOERR,
		[ERROR_NO_MEMORY] = EXIT_IOERR,
		[ERROR_BUSY] = EXIT_TEMPFAIL,
	};

	if (err->kind == ERROR_STOPPED)
		return 128 + err->signal;
	return status[err->kind];
}

/* Print ERR's message (when it has one) and return its exit status. */
static int app_fail(const struct app *app, const struct error *err)
{
	if (err->message[0])
		app_error(app, "%s", err->message);
	return app_exit_status(err);
}

int app_store_failed(const struct app *app, const struct store *s, int st, const char *suffix)
{
	struct error err = {0};

	store_error(s, (enum store_status)st, suffix, &err);
	return app_fail(app, &err);
}

int app_open_existing(const struct app *app, struct store **store)
{
	enum store_status st;
	int rc;

	*store = NULL;
	if (access(app->db_path, F_OK) != 0) {
		app_error(app, "no database at '%s'", app->db_path);
		return EXIT_NOINPUT;
	}
	st = store_open(app->db_path, app->busy_ms, store);
	if (st == STORE_OK)
		return EXIT_DONE;
	rc = app_store_failed(app, *store, st, NULL);
	store_close(*store);
	*store = NULL;
	return rc;
}

bool app_is_database_file(const char *db, const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char *real = db ? outfile_target(db) : NULL;
	bool hit = false;

	/* by name too: SQLite makes -wal and -shm only once it writes, and
	 * beside the database's real name when --db is a link */
	for (size_t i = 0; db && strcmp(path, "-") != 0 && !hit && i < 2 * 4; i++) {
		char name[4096];
		snprintf(name, sizeof(name), "%s%s", i < 4 ? db : (real ? real : db),
			 suffix[i % 4]);
		hit = outfile_same(name, path);
	}
	free(real);
	return hit;
}

int app_parse_batch(const struct app *app, const char *text, long long *batch)
{
	char *end;

	errno = 0;
	*batch = strtoll(text, &end, 10);
	if (errno || *end || end == text || *batch <= 0) {
		app_error(app, "a batch is a positive whole number, not '%s'", text);
		return -1;
	}
	return 0;
}

void app_options_begin(const struct app *app, char **argv, char prog[64])
{
	optind = 0;
	snprintf(prog, 64, "acctbatch: %s", app->cmd);
	argv[0] = prog;
}

int app_stopped(const struct app *app, const char *output)
{
	int sig = stop_signal();

	app_error(app, "stopped by signal %d; %s", sig,
		  strcmp(output, "-") == 0 ? "the output is incomplete" : "nothing written");
	return 128 + sig;
}

void *app_context(const struct app *app, size_t size, void **ctx)
{
	*ctx = calloc(1, size);
	if (!*ctx)
		app_error(app, "out of memory");
	return *ctx;
}

void app_end_snapshot(struct app *app)
{
	if (app->in_snapshot)
		store_read_end(app->store);
	app->in_snapshot = false;
}

/*
 * Run CMD: its options, then what it needs set up (enum app_needs, in
 * that order), its work, and everything taken down again, whatever
 * happened: the one place that opens and closes a command's database,
 * snapshot and output.
 */
static int run_command(const struct command *cmd, int argc, char **argv, struct app *app)
{
	void *ctx = NULL;
	enum store_status st;
	int status;

	if (cmd->whole)
		return cmd->whole(argc, argv, app);
	app->needs = cmd->needs;
	app->output = "-";
	status = cmd->parse(argc, argv, app, &ctx);
	if (status != APP_RUN)
		goto out;
	if ((app->needs & NEED_DATABASE) &&
	    (status = app_open_existing(app, &app->store)) != EXIT_DONE)
		goto out;
	if (app->needs & NEED_SNAPSHOT) {
		if ((st = store_read_begin(app->store)) != STORE_OK) {
			status = app_store_failed(app, app->store, st, NULL);
			goto out;
		}
		app->in_snapshot = true;
	}
	if ((app->needs & NEED_OUTPUT) && outfile_open(&app->out, app->output) != 0) {
		app_error(app, "cannot create '%s': %s", app->output, strerror(errno));
		status = EXIT_CANTCREAT;
		goto out;
	}
	if (app->needs & NEED_HOLD)
		stop_hold(true); /* a signal now stops the work cleanly */
	status = cmd->run(app, ctx);
out:
	if (app->needs & NEED_OUTPUT)
		outfile_abort(&app->out); /* what the work did not commit */
	if (app->needs & NEED_HOLD)
		stop_hold(false);
	app_end_snapshot(app);
	store_close(app->store);
	app->store = NULL;
	free(ctx);
	return status;
}

const char *app_db_name(const struct app *app)
{
	const char *slash = strrchr(app->db_path, '/');

	return slash && slash[1] ? slash + 1 : app->db_path;
}

const char *app_now(char buf[APP_TIME_SIZE])
{
	seam_now(buf); /* a test build can fix it (seams.h) */
	return buf;
}

static int usage(int status)
{
	FILE *out = status ? stderr : stdout;

	fprintf(out, "usage: acctbatch [--db PATH] [--quiet|--verbose] [--no-progress] "
		     "COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(out, "\nSee 'man acctbatch' (docs/acctbatch.1).\n");
	return status;
}

/* The command line as one string, for the batches table. */
static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"no-progress", no_argument, NULL, 'P'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct app app;
	const char *busy;
	bool no_progress = false;
	int c, status;

	/* past a file-size limit, writes fail with EFBIG and the run rolls back
	 * and says so, instead of being killed half-way */
	/* libarchive converts member names to the locale's character set: in
	 * the C locale a UTF-8 name (any non-ASCII letter in a zip) could not
	 * be read. Only character types: numbers and messages stay "C". */
	setlocale(LC_CTYPE, "C.UTF-8");
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);      /* a closed pipe on stdout must not turn a commit into 141 */
	argv[0] = (char *)"acctbatch"; /* getopt's messages name the tool, not its path */
	memset(&app, 0, sizeof(app));
	app.db_path = getenv("ACCTBATCH_DB");
	if (!app.db_path || !*app.db_path)
		app.db_path = "./acctbatch.db";
	stop_catch();
	busy = getenv("ACCTBATCH_BUSY_TIMEOUT_MS");
	app.busy_ms = busy && *busy ? atoi(busy) : 10000;
	while ((c = getopt_long(argc, argv, "+qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			app.db_path = optarg;
			break;
		case 'q':
			app.quiet = true;
			break;
		case 'v':
			app.verbose = true;
			break;
		case 'P':
			no_progress = true;
			break;
		case 'V':
			printf("acctbatch %s\n", ACCTBATCH_VERSION);
			return EXIT_DONE;
		case 'h':
			return usage(EXIT_DONE);
		default:
			return usage(EXIT_USAGE);
		}
	}
	if (!*app.db_path || strcmp(app.db_path, ":memory:") == 0 ||
	    strncmp(app.db_path, "file:", 5) == 0) {
		app_error(NULL, "--db needs the path of a database file, not '%s'", app.db_path);
		return EXIT_USAGE;
	}
	if (app.quiet && app.verbose) {
		app_error(NULL, "--quiet and --verbose exclude each other");
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return usage(EXIT_USAGE);
	app.progress = !no_progress && !app.quiet && isatty(STDERR_FILENO);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		if (secret_init() != 0) {
			app_error(NULL, "cannot initialise libsodium");
			return EXIT_IOERR;
		}
		xml_init();
		app.cmd = commands[i].name;
		app.command_line = join_args(argc, argv);
		status = run_command(&commands[i], argc - optind, argv + optind, &app);
		free(app.command_line);
		xml_cleanup();
		return status;
	}
	app_error(NULL, "unknown command '%s'", argv[optind]);
	return usage(EXIT_USAGE);
}
