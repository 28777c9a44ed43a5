/*
 * cmd_import.c - "acctbatch import" and the option parsing it shares with
 * "acctbatch validate": parse options, check their combinations, resolve
 * the inputs, open the store, run the import layer, print.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "cmd_import.h"
#include "import.h"
#include "outfile.h"
#include "report.h"
#include "secret.h"
#include "store.h"
#include "stop.h"

/* The progress line: at most five times a second, on stderr only. */
struct progress {
	const struct app *app; /* for the command name */
	struct timespec start; /* when the run began */
	double last;	       /* seconds since start at the last print */
	bool shown;	       /* a line is on screen */
};

static double elapsed(const struct progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->start.tv_sec) + (now.tv_nsec - p->start.tv_nsec) / 1e9;
}

static void show_progress(void *ctx, long records, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	double t = elapsed(p);

	if (t - p->last < 0.2)
		return;
	p->last = t;
	p->shown = true;
	fprintf(stderr, "\racctbatch: %s: %ld records, %.0f records/s", p->app->cmd, records,
		t > 0 ? records / t : 0.0);
	if (total > 0)
		fprintf(stderr, ", %d%% read", (int)(done * 100 / total));
	fputs("\033[K", stderr);
	fflush(stderr);
}

/* import_opts.on_diag: one diagnostic to stderr as it is found, under any progress line. */
static void print_diag(void *ctx, const struct diag *d)
{
	struct progress *p = ctx;

	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = false;
	}
	diag_print(stderr, p->app->cmd, d);
}

static int usage(FILE *out, bool validate)
{
	if (validate)
		fprintf(out, "usage: acctbatch validate [--entity ENTITY] [--format csv|xml] "
			     "[--mode MODE] [--report FILE]\n"
			     "                          [--max-unpacked SIZE] FILE...\n");
	else
		fprintf(out,
			"usage: acctbatch import [--mode insert|update|upsert|delete|sync] "
			"[--dry-run]\n"
			"                        [--on-error abort|skip|skip-account] "
			"[--max-errors N]\n"
			"                        [--rejects FILE] [--report FILE] [--cascade]\n"
			"                        [--entity ENTITY] [--format csv|xml] "
			"[--max-unpacked SIZE] FILE...\n"
			"FILE: a .csv or .xml file, a directory, '-', or an archive (.zip, .tar,\n"
			"      .tar.gz, .tgz, .tar.xz) of .csv and .xml files\n");
	return EXIT_USAGE;
}

/* A size: a whole number of bytes, or of KiB, MiB or GiB with K, M or G. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end || v == 0 || v > (1ULL << 50))
		return -1;
	*out = v;
	return 0;
}

static int parse_mode(const char *s, enum import_mode *mode)
{
	static const char *const names[] = {"insert", "update", "upsert", "delete", "sync"};

	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum import_mode)i;
			return 0;
		}
	return -1;
}

/*
 * Whether an output (the report, the rejects file or one of its per-entity
 * names STEM.ENTITY.EXT) would overwrite one of INPUTS or the database DB
 * (app_is_database_file); then ERR is the usage error that says which.
 */
static bool output_is_input(const struct input_list *inputs, const char *db, const char *report,
			    const char *rejects, struct error *err)
{
	for (int k = 0; k < 1 + ENTITY_COUNT + 1; k++) {
		char name[4096];
		const char *out = k == 0 ? report : rejects, *what = NULL;
		struct stat so, si;
		if (!out)
			continue;
		if (k >= 2) { /* the per-entity rejects names */
			const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
			if (!dot || (slash && dot < slash))
				dot = out + strlen(out);
			snprintf(name, sizeof(name), "%.*s.%s%s", (int)(dot - out), out,
				 entity_get(k - 2)->plural, dot);
			out = name;
		}
		for (size_t i = 0; i < inputs->count && !what && stat(out, &so) == 0; i++)
			if (stat(inputs->items[i].path, &si) == 0 && so.st_dev == si.st_dev &&
			    so.st_ino == si.st_ino && S_ISREG(si.st_mode))
				what = "an input";
		/* the database with its companion files */
		if (!what && app_is_database_file(db, out))
			what = "the database";
		if (what) {
			error_set(err, ERROR_USAGE, "'%.400s' is %s; %s would overwrite it", out,
				  what, k ? "--rejects" : "--report");
			return true;
		}
	}
	return false;
}

/* The kind of error a failed resolution of the inputs is. */
static enum error_kind resolve_error_kind(enum resolve_status rs)
{
	switch (rs) {
	case RESOLVE_MISSING:
		return ERROR_NO_INPUT;
	case RESOLVE_USAGE:
		return ERROR_USAGE;
	case RESOLVE_UNKNOWN:
	case RESOLVE_INVALID:
		return ERROR_DATA;
	case RESOLVE_OK:
		return ERROR_NONE;
	case RESOLVE_IO:
		break;
	}
	return ERROR_IO;
}

/* A byte count for people: KiB below 1 MiB, MiB from there on. */
static double size_value(size_t bytes)
{
	return bytes >= 1048576 ? bytes / 1048576.0 : bytes / 1024.0;
}

static const char *size_unit(size_t bytes)
{
	return bytes >= 1048576 ? "MiB" : "KiB";
}

/* What import's command line asks for, besides the run's options. */
struct import_args {
	struct import_opts opts;     /* the run's options */
	const struct entity *entity; /* --entity, or NULL */
	enum input_format format;    /* --format */
	const char *report_path;     /* --report, or NULL */
	uint64_t max_unpacked;	     /* --max-unpacked, 0 for the default */
	char **files;		     /* the operands */
	int nfiles;		     /* how many */
};

/*
 * Parse import's (or, VALIDATE, validate's) command line into A. Returns -1
 * to go on, else the exit status to end with (a usage error, or --help).
 */
static int parse_args(int argc, char **argv, struct app *app, bool validate, struct import_args *a)
{
	static const struct option longopts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"dry-run", no_argument, NULL, 'n'},
		{"on-error", required_argument, NULL, 'e'},
		{"max-errors", required_argument, NULL, 'x'},
		{"rejects", required_argument, NULL, 'r'},
		{"report", required_argument, NULL, 'R'},
		{"cascade", no_argument, NULL, 'c'},
		{"entity", required_argument, NULL, 'E'},
		{"format", required_argument, NULL, 'f'},
		{"max-unpacked", required_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct import_opts *o = &a->opts;
	char prog_name[64];
	int c;

	memset(a, 0, sizeof(*a));
	o->mode = MODE_UPSERT;
	o->on_error = ON_ERROR_ABORT;
	o->validate_only = validate;
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_mode(optarg, &o->mode) != 0) {
				app_error(
					app,
					"unknown mode '%s' (insert, update, upsert, delete, sync)",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'e':
			if (strcmp(optarg, "abort") == 0)
				o->on_error = ON_ERROR_ABORT;
			else if (strcmp(optarg, "skip") == 0)
				o->on_error = ON_ERROR_SKIP;
			else if (strcmp(optarg, "skip-account") == 0)
				o->on_error = ON_ERROR_SKIP_ACCOUNT;
			else {
				app_error(app,
					  "unknown --on-error '%s' (abort, skip, skip-account)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'x': {
			char *end;
			errno = 0;
			o->max_errors = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->max_errors < 1) {
				app_error(app, "--max-errors needs a positive number, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'r':
			o->rejects_path = optarg;
			break;
		case 'U':
			if (parse_size(optarg, &a->max_unpacked) != 0) {
				app_error(app,
					  "--max-unpacked needs a size such as 500M or 2G (bytes, "
					  "K, M or G), not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			a->report_path = optarg;
			break;
		case 'c':
			o->cascade = true;
			break;
		case 'E':
			a->entity = entity_by_name(optarg);
			if (!a->entity) {
				app_error(app,
					  "unknown entity '%s' (accounts, logins, contacts, "
					  "invoices)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				a->format = FORMAT_CSV;
			else if (strcmp(optarg, "xml") == 0)
				a->format = FORMAT_XML;
			else {
				app_error(app, "unknown format '%s' (csv, xml)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout, validate);
			return EXIT_DONE;
		default:
			return usage(stderr, validate);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		app_error(app, "no input files given");
		return usage(stderr, validate);
	}
	if (validate && (o->dry_run || o->rejects_path || o->cascade ||
			 o->on_error != ON_ERROR_ABORT || o->max_errors)) {
		app_error(app, "validate takes only --entity, --format, --mode and --report");
		return EXIT_USAGE;
	}
	if (o->rejects_path && strcmp(o->rejects_path, "-") == 0) {
		app_error(app, "--rejects needs a file name, not standard output");
		return EXIT_USAGE;
	}
	if (o->cascade && o->mode != MODE_DELETE) {
		app_error(app, "--cascade goes with --mode delete");
		return EXIT_USAGE;
	}
	a->files = argv;
	a->nfiles = argc;
	return -1;
}

/*
 * What the arguments name, in dependency order, into INPUTS (RDIAGS: what
 * was wrong with them); false with RES's error set when they cannot be
 * read, each problem printed.
 */
static bool resolve_inputs(struct app *app, const struct import_args *args,
			   struct input_list *inputs, struct diag_list *rdiags,
			   struct import_result *res)
{
	enum resolve_status rs =
		inputs_resolve(args->files, args->nfiles, args->entity, args->format,
			       args->opts.mode == MODE_DELETE, args->max_unpacked, inputs, rdiags);

	if (rs == RESOLVE_OK)
		return true;
	for (size_t i = 0; i < rdiags->count; i++) {
		const struct diag *d = &rdiags->items[i];
		if (d->code == DIAG_BAD_ARCHIVE)
			diag_print(stderr, app->cmd, d);
		else
			app_error(app, "%s: %s", d->file ? d->file : "", d->message);
		if (i == 0)
			error_set(&res->error, resolve_error_kind(rs), "%s: %s",
				  d->file ? d->file : "", d->message);
	}
	error_set(&res->error, resolve_error_kind(rs), "%s", "");
	return false;
}

/* With --verbose: each input's identity, the rate and the key index. */
static void print_verbose(struct app *app, const struct input_list *inputs,
			  const struct import_result *res, double secs)
{
	for (size_t i = 0; i < inputs->count; i++) {
		const struct input *in = &inputs->items[i];
		app_note(app, "%s: %s as %s, %ld record%s, sha256 %s", in->name, in->e->plural,
			 in->format == FORMAT_XML ? "XML" : "CSV", in->records,
			 in->records == 1 ? "" : "s",
			 in->sha256[0] ? in->sha256 : "(not read whole)");
	}
	app_note(app, "%ld record%s in %.2f s (%.0f records/s)", res->records,
		 res->records == 1 ? "" : "s", secs, secs > 0 ? res->records / secs : 0.0);
	app_note(app, "key index: %zu key%s in %.1f %s (at most %.1f %s while growing)", res->keys,
		 res->keys == 1 ? "" : "s", size_value(res->key_bytes), size_unit(res->key_bytes),
		 size_value(res->key_peak), size_unit(res->key_peak));
}

/* A stop signal is why nothing was written, whatever failed after it (a
 * read that the signal interrupted, say): RES says so. */
static void note_stop(struct import_result *res)
{
	if (stop_signal() && res->error.kind != ERROR_STOPPED &&
	    res->outcome != OUTCOME_COMMITTED) {
		error_clear(&res->error);
		error_stopped(&res->error, stop_signal());
	}
}

/*
 * The run itself: import INPUTS into STORE (NULL for validate) with OPTS,
 * progress and diagnostics on the terminal, then publish a new database
 * once committed, and say what happened. The store is closed.
 */
static void run_import(struct app *app, struct store *store, struct input_list *inputs,
		       struct import_opts *opts, bool validate, struct import_result *res)
{
	struct progress prog;
	char started[32];
	struct timespec t0, t1;
	enum store_status st;

	opts->command = app->command_line;
	app_now(started);
	opts->now = started;
	opts->clock = app_now;
	memset(&prog, 0, sizeof(prog));
	prog.app = app;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	if (app->progress) {
		opts->progress = show_progress;
		opts->progress_ctx = &prog;
	}
	opts->on_diag = print_diag;
	opts->diag_ctx = &prog;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	import_run(store, inputs, opts, res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (store && res->outcome == OUTCOME_COMMITTED && (st = store_publish(store)) != STORE_OK) {
		store_error(store, st, NULL, &res->error);
		res->outcome = OUTCOME_ROLLED_BACK;
	}
	store_close(store);
	note_stop(res);
	if (app->progress && prog.shown)
		fputs("\r\033[K", stderr);
	if (res->stopped_max_errors)
		app_error(app,
			  "stopped after %ld rejected record%s (--max-errors); nothing written",
			  opts->max_errors, opts->max_errors == 1 ? "" : "s");
	if (res->error.message[0])
		app_error(app, "%s", res->error.message);
	if (app->verbose)
		print_verbose(app, inputs, res,
			      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!app->quiet && (!error_is_set(&res->error) || res->error.kind == ERROR_DATA))
		report_summary(stdout, res, validate);
}

/* The exit status of the run RES describes (validate: problems are 1, not 65). */
static int import_status(struct import_result *res, bool validate)
{
	int status;

	note_stop(res);
	status = error_is_set(&res->error) ? app_exit_status(&res->error)
		 : res->some_rejected	   ? EXIT_REJECTED
					   : EXIT_DONE;
	return validate && status == EXIT_DATAERR ? EXIT_REJECTED : status;
}

int import_command(int argc, char **argv, struct app *app, bool validate)
{
	struct import_args args;
	struct import_result res;
	struct input_list inputs = {0};
	struct diag_list rdiags = {0};
	struct store *store = NULL;
	bool report_open = false, discard_report = false;
	struct outfile report_out;
	int status;
	enum store_status st;

	if ((status = parse_args(argc, argv, app, validate, &args)) >= 0)
		return status;
	memset(&res, 0, sizeof(res));
	res.outcome = validate ? OUTCOME_VALIDATED : OUTCOME_ROLLED_BACK;
	/* the inputs may hold plaintext passwords: no core dump from here on */
	if (secret_guard_process() != 0) {
		app_error(app, "cannot keep passwords out of core dumps: %s", strerror(errno));
		return EXIT_IOERR;
	}
	stop_hold(true); /* from here on, a signal is a clean stop */
	/* the report is created first: if it cannot be, nothing is done */
	if (args.report_path) {
		if (outfile_open(&report_out, args.report_path) != 0) {
			app_error(app, "cannot create the report '%s': %s", args.report_path,
				  strerror(errno));
			stop_hold(false);
			return EXIT_CANTCREAT;
		}
		report_open = true;
	}
	if (!resolve_inputs(app, &args, &inputs, &rdiags, &res) || stop_signal())
		goto report;
	if (output_is_input(&inputs, validate ? NULL : app->db_path, args.report_path,
			    args.opts.rejects_path, &res.error)) {
		app_error(app, "%s", res.error.message);
		discard_report = true; /* the report's name is an input: never write it */
		goto report;
	}
	if (!validate &&
	    (st = store_open_or_create(app->db_path, app->busy_ms, &store)) != STORE_OK) {
		store_error(store, st, NULL, &res.error);
		app_error(app, "%s", res.error.message);
		goto report;
	}
	run_import(app, store, &inputs, &args.opts, validate, &res);
	store = NULL; /* closed */
report:
	status = import_status(&res, validate);
	if (report_open && discard_report) {
		outfile_abort(&report_out);
		report_open = false;
	}
	if (report_open) {
		res.exit_status = status;
		report_open = false;
		if (report_json_write(&report_out, &res) != 0) {
			app_error(app, "cannot write the report '%s': %s", args.report_path,
				  strerror(errno));
			if (status < 64)
				status = EXIT_CANTCREAT;
		}
	}
	import_result_release(&res);
	input_list_release(&inputs);
	diag_list_release(&rdiags);
	store_close(store);
	stop_hold(false);
	return status;
}

int cmd_import(int argc, char **argv, struct app *app)
{
	return import_command(argc, argv, app, false);
}
