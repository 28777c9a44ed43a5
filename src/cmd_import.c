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
 * (app_is_database_file); MSG says which.
 */
static bool output_is_input(const struct input_list *inputs, const char *db, const char *report,
			    const char *rejects, char *msg, size_t size)
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
			snprintf(msg, size, "'%.400s' is %s; %s would overwrite it", out, what,
				 k ? "--rejects" : "--report");
			return true;
		}
	}
	return false;
}

/*
 * A new, empty, mode 0600 file beside PATH to build a database in: its
 * name (malloc'd) in *NAME, and the descriptor that keeps it locked as
 * ours (close it only after the database is closed: closing any
 * descriptor of a file drops the process's SQLite locks on it). -1 if not.
 */
static int temp_database_beside(const char *path, char **name)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : strdup("");
	int fd = dir ? outfile_temp_create(dir, slash ? slash + 1 : path, "new-", name) : -1;
	int e = errno;

	free(dir);
	errno = e;
	return fd;
}

/* Remove a database file and its WAL companions. */
static void remove_database(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char name[4096];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
}

/*
 * Give the closed database built at TMP its real name PATH; link() fails
 * when PATH appeared meanwhile (another run created it), and then nothing
 * is replaced. Returns 0, or -1 with errno set and MSG filled.
 */
static int publish_database(const char *tmp, const char *path, char *msg, size_t size)
{
	int e;

	if (link(tmp, path) == 0)
		return 0;
	e = errno;
	if (e == EEXIST)
		snprintf(msg, size,
			 "database '%s' was created by another run meanwhile; nothing written, "
			 "try again",
			 path);
	else
		snprintf(msg, size, "cannot create database '%s': %s", path, strerror(e));
	errno = e;
	return -1;
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

int import_command(int argc, char **argv, struct app *app, bool validate)
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
	struct import_opts opts;
	struct import_result res;
	struct input_list inputs = {0};
	struct diag_list rdiags = {0};
	struct store *store = NULL;
	struct progress prog;
	const struct entity *entity = NULL;
	enum input_format format = FORMAT_UNKNOWN;
	const char *report_path = NULL;
	bool mode_given = false, report_open = false, discard_report = false;
	char *fresh_db = NULL;
	int fresh_fd = -1;
	struct outfile report_out;
	char started[32], prog_name[64];
	struct timespec t0, t1;
	int c, status = EXIT_DONE;
	uint64_t max_unpacked = 0;
	enum resolve_status rs;
	enum store_status st;

	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	opts.mode = MODE_UPSERT;
	opts.on_error = ON_ERROR_ABORT;
	opts.validate_only = validate;
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_mode(optarg, &opts.mode) != 0) {
				app_error(
					app,
					"unknown mode '%s' (insert, update, upsert, delete, sync)",
					optarg);
				return EXIT_USAGE;
			}
			mode_given = true;
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'e':
			if (strcmp(optarg, "abort") == 0)
				opts.on_error = ON_ERROR_ABORT;
			else if (strcmp(optarg, "skip") == 0)
				opts.on_error = ON_ERROR_SKIP;
			else if (strcmp(optarg, "skip-account") == 0)
				opts.on_error = ON_ERROR_SKIP_ACCOUNT;
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
			opts.max_errors = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || opts.max_errors < 1) {
				app_error(app, "--max-errors needs a positive number, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'r':
			opts.rejects_path = optarg;
			break;
		case 'U':
			if (parse_size(optarg, &max_unpacked) != 0) {
				app_error(app,
					  "--max-unpacked needs a size such as 500M or 2G (bytes, "
					  "K, M or G), not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			report_path = optarg;
			break;
		case 'c':
			opts.cascade = true;
			break;
		case 'E':
			entity = entity_by_name(optarg);
			if (!entity) {
				app_error(app,
					  "unknown entity '%s' (accounts, logins, contacts, "
					  "invoices)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				format = FORMAT_CSV;
			else if (strcmp(optarg, "xml") == 0)
				format = FORMAT_XML;
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
	if (validate && (opts.dry_run || opts.rejects_path || opts.cascade ||
			 opts.on_error != ON_ERROR_ABORT || opts.max_errors)) {
		app_error(app, "validate takes only --entity, --format, --mode and --report");
		return EXIT_USAGE;
	}
	if (opts.rejects_path && strcmp(opts.rejects_path, "-") == 0) {
		app_error(app, "--rejects needs a file name, not standard output");
		return EXIT_USAGE;
	}
	if (opts.cascade && opts.mode != MODE_DELETE) {
		app_error(app, "--cascade goes with --mode delete");
		return EXIT_USAGE;
	}
	(void)mode_given;

	res.outcome = validate ? OUTCOME_VALIDATED : OUTCOME_ROLLED_BACK;
	/* the inputs may hold plaintext passwords: no core dump from here on */
	if (secret_guard_process() != 0) {
		app_error(app, "cannot keep passwords out of core dumps: %s", strerror(errno));
		return EXIT_IOERR;
	}
	stop_hold(true); /* from here on, a signal is a clean stop */
	/* the report is created first: if it cannot be, nothing is done */
	if (report_path) {
		if (outfile_open(&report_out, report_path) != 0) {
			app_error(app, "cannot create the report '%s': %s", report_path,
				  strerror(errno));
			stop_hold(false);
			return EXIT_CANTCREAT;
		}
		report_open = true;
	}
	rs = inputs_resolve(argv, argc, entity, format, opts.mode == MODE_DELETE, max_unpacked,
			    &inputs, &rdiags);
	if (rs != RESOLVE_OK) {
		for (size_t i = 0; i < rdiags.count; i++) {
			const struct diag *d = &rdiags.items[i];
			if (d->code == DIAG_BAD_ARCHIVE)
				diag_print(stderr, app->cmd, d);
			else
				app_error(app, "%s: %s", d->file ? d->file : "", d->message);
			if (i == 0)
				snprintf(res.message, sizeof(res.message), "%s: %s",
					 d->file ? d->file : "", d->message);
		}
		status = rs == RESOLVE_MISSING				  ? EXIT_NOINPUT
			 : rs == RESOLVE_USAGE				  ? EXIT_USAGE
			 : rs == RESOLVE_UNKNOWN || rs == RESOLVE_INVALID ? EXIT_DATAERR
									  : EXIT_IOERR;
		goto report;
	}
	if (stop_signal())
		goto report;
	if (output_is_input(&inputs, validate ? NULL : app->db_path, report_path, opts.rejects_path,
			    res.message, sizeof(res.message))) {
		app_error(app, "%s", res.message);
		status = EXIT_USAGE;
		discard_report = true; /* the report's name is an input: never write it */
		goto report;
	}
	if (!validate) {
		struct stat lsb;
		if (access(app->db_path, F_OK) != 0 && errno == ENOENT &&
		    lstat(app->db_path, &lsb) != 0) { /* not even a (dangling) link */
			/* a new database is built under a temporary name and published
			 * only when the batch commits: a failed run leaves nothing, and
			 * never removes a database another run created meanwhile */
			fresh_fd = temp_database_beside(app->db_path, &fresh_db);
			if (fresh_fd < 0) {
				snprintf(res.message, sizeof(res.message),
					 "cannot create database '%s': %s", app->db_path,
					 strerror(errno));
				app_error(app, "%s", res.message);
				status = EXIT_IOERR;
				goto report;
			}
		}
		st = store_open(fresh_db ? fresh_db : app->db_path, app->busy_ms, &store);
		if (st != STORE_OK) {
			app_error(app, "%s", store_errmsg(store));
			snprintf(res.message, sizeof(res.message), "%s", store_errmsg(store));
			status = st == STORE_BUSY ? EXIT_TEMPFAIL : EXIT_IOERR;
			goto report;
		}
	}
	opts.command = app->command_line;
	snprintf(started, sizeof(started), "%s", app_now());
	opts.now = started;
	opts.clock = app_now;
	memset(&prog, 0, sizeof(prog));
	prog.app = app;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	if (app->progress) {
		opts.progress = show_progress;
		opts.progress_ctx = &prog;
	}
	opts.on_diag = print_diag;
	opts.diag_ctx = &prog;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = import_run(store, &inputs, &opts, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	store_close(store);
	store = NULL;
	if (fresh_db && res.outcome == OUTCOME_COMMITTED &&
	    publish_database(fresh_db, app->db_path, res.message, sizeof(res.message)) != 0) {
		res.outcome = OUTCOME_ROLLED_BACK;
		status = res.exit_status = errno == EEXIST ? EXIT_TEMPFAIL : EXIT_IOERR;
	}
	if (app->progress && prog.shown)
		fputs("\r\033[K", stderr);
	if (res.stopped_max_errors)
		app_error(app,
			  "stopped after %ld rejected record%s (--max-errors); nothing written",
			  opts.max_errors, opts.max_errors == 1 ? "" : "s");
	if (res.message[0])
		app_error(app, "%s", res.message);
	if (app->verbose) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		for (size_t i = 0; i < inputs.count; i++) {
			const struct input *in = &inputs.items[i];
			app_note(app, "%s: %s as %s, %ld record%s, sha256 %s", in->name,
				 in->e->plural, in->format == FORMAT_XML ? "XML" : "CSV",
				 in->records, in->records == 1 ? "" : "s",
				 in->sha256[0] ? in->sha256 : "(not read whole)");
		}
		app_note(app, "%ld record%s in %.2f s (%.0f records/s)", res.records,
			 res.records == 1 ? "" : "s", secs, secs > 0 ? res.records / secs : 0.0);
		app_note(app, "key index: %zu key%s in %.1f %s (at most %.1f %s while growing)",
			 res.keys, res.keys == 1 ? "" : "s", size_value(res.key_bytes),
			 size_unit(res.key_bytes), size_value(res.key_peak),
			 size_unit(res.key_peak));
	}
	if (!app->quiet && (status < 64 || status == EXIT_DATAERR))
		report_summary(stdout, &res, validate);
report:
	if (stop_signal() && status < 128 && res.outcome != OUTCOME_COMMITTED) {
		status = res.exit_status = 128 + stop_signal();
		snprintf(res.message, sizeof(res.message), "stopped by signal %d; nothing written",
			 stop_signal());
	}
	if (validate && status == EXIT_DATAERR) /* validate wrote nothing: problems are 1 */
		status = res.exit_status = EXIT_REJECTED;
	if (report_open && discard_report) {
		outfile_abort(&report_out);
		report_open = false;
	}
	if (report_open) {
		res.exit_status = status;
		report_open = false;
		if (report_json_write(&report_out, &res) != 0) {
			app_error(app, "cannot write the report '%s': %s", report_path,
				  strerror(errno));
			if (status < 64)
				status = EXIT_CANTCREAT;
		}
	}
	import_result_release(&res);
	input_list_release(&inputs);
	diag_list_release(&rdiags);
	store_close(store);
	if (fresh_db) {
		remove_database(fresh_db);
		free(fresh_db);
	}
	if (fresh_fd >= 0)
		close(fresh_fd); /* after store_close: see temp_database_beside */
	stop_hold(false);
	return status;
}

int cmd_import(int argc, char **argv, struct app *app)
{
	return import_command(argc, argv, app, false);
}
