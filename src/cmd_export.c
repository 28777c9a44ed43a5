/*
 * cmd_export.c - "acctbatch export ENTITY": one entity's rows as CSV or XML,
 * to a file (written under a temporary name and renamed) or standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "bundle.h"
#include "entity.h"
#include "export.h"
#include "import.h"
#include "outfile.h"
#include "store.h"
#include "source.h"
#include "stop.h"

static const char usage_text[] =
	"usage: acctbatch [--db PATH] export [OPTIONS] accounts|logins|contacts|invoices\n"
	"       acctbatch [--db PATH] export --all [--format csv|xml] "
	"[--include-password-hashes] -o ARCHIVE\n"
	"  --all                        every entity into ARCHIVE (.tar.gz, .tgz, .tar.xz, .zip)\n"
	"                               with manifest.xml and SHA256SUMS\n"
	"  -o, --output FILE            write to FILE (default: standard output)\n"
	"  --format csv|xml             default: from FILE's name, else csv\n"
	"  --account ID                 only the rows of account ID\n"
	"  --changed-since TIME         only rows updated after TIME (YYYY-MM-DDTHH:MM:SSZ)\n"
	"  --since-last JOB             only what changed since JOB's last complete export\n"
	"  --changes                    the change feed (CSV): every insert, update, delete\n"
	"  --include-password-hashes    logins: include password_hash\n";

static int usage(FILE *out, int status)
{
	fputs(usage_text, out);
	return status;
}

/* What the options asked for. */
struct export_cmd {
	struct export_opts opts;
	bool all;		/* --all: every entity into an archive */
	struct bundle_opts bo;	/* with --all */
	const struct entity *e; /* else the entity */
	const char *job;	/* --since-last JOB, or NULL */
};

/* export --all: check what every entity into one archive (bundle.h) needs. */
static int export_all_parse(struct app *app, struct export_cmd *x, bool format_given)
{
	struct bundle_opts *bo = &x->bo;
	const struct export_opts *opts = &x->opts;
	char sde_text[32];
	time_t sde_time;
	int sde;

	bo->type = bundle_type_of(app->output);
	if (strcmp(app->output, "-") == 0 || bo->type == BUNDLE_UNKNOWN) {
		app_error(app, "--all needs -o ARCHIVE, named .tar.gz, .tgz, .tar.xz or .zip");
		return EXIT_USAGE;
	}
	if (opts->filter.account || opts->filter.changed_since || x->job || opts->changes) {
		app_error(app, "--all writes every row of every entity; it takes no --account, "
			       "--changed-since, --since-last or --changes");
		return EXIT_USAGE;
	}
	sde = bundle_source_date(sde_text, &sde_time);
	if (sde < 0) {
		app_error(app, "SOURCE_DATE_EPOCH is not a number of seconds");
		return EXIT_USAGE;
	}
	if (sde && !bundle_time_fits(bo->type, sde_time)) {
		app_error(app, "a .zip archive keeps times from 1980 to 2107, not %s", sde_text);
		return EXIT_USAGE;
	}
	bo->format = format_given ? opts->format : EXPORT_CSV;
	bo->password_hashes = opts->password_hashes;
	bo->database = app_db_name(app);
	bo->version = ACCTBATCH_VERSION_TEXT;
	bo->stop = stop_signal;
	return APP_RUN;
}

/* export --all: every entity into the archive open as app->out. */
static int export_all_run(struct app *app, struct export_cmd *x)
{
	struct bundle_result res;
	const char *output = app->output;
	int rc;

	rc = bundle_write(app->store, &x->bo, app->out.fp, &res);
	if (rc == 0 && !stop_signal() && outfile_commit(&app->out) != 0) {
		snprintf(res.error, sizeof(res.error), "%s", strerror(errno));
		rc = -1;
	}
	if (stop_signal())
		return app_stopped(app, output);
	if (rc != 0) {
		app_error(app, "cannot write '%s': %s; nothing written", output, res.error);
		return EXIT_IOERR;
	}
	app_note(app,
		 "%ld accounts, %ld logins, %ld contacts and %ld invoices written to %s "
		 "(as of %s)%s",
		 res.rows[ENTITY_ACCOUNTS], res.rows[ENTITY_LOGINS], res.rows[ENTITY_CONTACTS],
		 res.rows[ENTITY_INVOICES], output, res.as_of,
		 x->bo.password_hashes ? ""
				       : "; without password hashes, its logins cannot be "
					 "imported into an empty database");
	return EXIT_DONE;
}

int cmd_export_parse(int argc, char **argv, struct app *app, void **ctx)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"account", required_argument, NULL, 'a'},
		{"changed-since", required_argument, NULL, 's'},
		{"include-password-hashes", no_argument, NULL, 'H'},
		{"since-last", required_argument, NULL, 'j'},
		{"changes", no_argument, NULL, 'C'},
		{"all", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct export_cmd *x;
	struct export_opts *opts;
	bool format_given = false;
	char prog_name[64];
	int c;

	if (!(x = app_context(app, sizeof(*x), ctx)))
		return EXIT_IOERR;
	opts = &x->opts;
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			app->output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "xml") != 0) {
				app_error(app, "unknown format '%s' (csv, xml)", optarg);
				return EXIT_USAGE;
			}
			opts->format = strcmp(optarg, "xml") == 0 ? EXPORT_XML : EXPORT_CSV;
			format_given = true;
			break;
		case 'a':
			opts->filter.account = optarg;
			break;
		case 's':
			if (!entity_valid_text(FT_TIME, optarg)) {
				app_error(app,
					  "--changed-since needs a UTC time such as "
					  "2026-11-26T00:00:00Z, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			opts->filter.changed_since = optarg;
			break;
		case 'H':
			opts->password_hashes = true;
			break;
		case 'j':
			if (!*optarg || strlen(optarg) > 100) {
				app_error(app,
					  "--since-last needs a job name of 1 to 100 characters");
				return EXIT_USAGE;
			}
			x->job = optarg;
			break;
		case 'C':
			opts->changes = true;
			break;
		case 'A':
			x->all = true;
			break;
		case 'h':
			return usage(stdout, EXIT_DONE);
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (x->all) {
		if ((c = export_all_parse(app, x, format_given)) != APP_RUN)
			return c;
	} else {
		if (optind != argc - 1)
			return usage(stderr, EXIT_USAGE);
		x->e = entity_by_name(argv[optind]);
		if (!x->e) {
			app_error(app, "unknown entity '%s' (accounts, logins, contacts, invoices)",
				  argv[optind]);
			return EXIT_USAGE;
		}
		/* only logins hold hashes */
		if (opts->password_hashes && x->e->role[ROLE_HASH] < 0) {
			app_error(app, "--include-password-hashes is for logins only");
			return EXIT_USAGE;
		}
		if (!format_given)
			opts->format = source_name_ends_with(app->output, ".xml") ? EXPORT_XML
										  : EXPORT_CSV;
		opts->stop = stop_signal;
	}
	if (app_is_database_file(app->db_path, app->output)) {
		app_error(app, "'%s' is the database; the export would overwrite it", app->output);
		return EXIT_USAGE;
	}
	if (!x->all && opts->changes && opts->format == EXPORT_XML) {
		app_error(app, "the change feed (--changes) is written as CSV only");
		return EXIT_USAGE;
	}
	return APP_RUN;
}

/* Where job X->job stands (from) and will stand after this run (to), read in the snapshot. */
static enum store_status job_range(struct app *app, struct export_cmd *x, int64_t *from,
				   int64_t *to)
{
	enum store_status st;

	/* the snapshot's newest batch is where the job will stand after this run */
	st = store_job_watermark(app->store, x->job, x->e->plural, x->opts.changes, from);
	if (st == STORE_OK)
		st = store_last_batch(app->store, to, NULL);
	x->opts.filter.after_batch_set = true;
	x->opts.filter.after_batch = *from;
	return st;
}

/* Move job X->job on to batch TO, once its output is complete. */
static int move_job(struct app *app, const struct export_cmd *x, int64_t from, int64_t to)
{
	char now[APP_TIME_SIZE], why[600];
	enum store_status st;

	st = store_set_job_watermark(app->store, x->job, x->e->plural, x->opts.changes, to,
				     app_now(now));
	if (st != STORE_OK) {
		snprintf(why, sizeof(why),
			 "; the output is complete, but job '%s' did not move on: its next "
			 "run writes these rows again",
			 x->job);
		return app_store_failed(app, app->store, st, why);
	}
	if (to == from)
		app_note(app, "job '%s' stays at batch %lld (no batch since its last run)", x->job,
			 (long long)to);
	else
		app_note(app, "job '%s' now stands at batch %lld (this run: batches %lld to %lld)",
			 x->job, (long long)to, (long long)from + 1, (long long)to);
	return EXIT_DONE;
}

int cmd_export_run(struct app *app, void *ctx)
{
	struct export_cmd *x = ctx;
	const char *output = app->output;
	enum export_status xs;
	enum store_status st;
	int64_t job_from = 0, job_to = 0;
	long rows = 0;

	if (x->all)
		return export_all_run(app, x);
	if (x->job && (st = job_range(app, x, &job_from, &job_to)) != STORE_OK)
		return app_store_failed(app, app->store, st, NULL);
	xs = export_entity(app->store, x->e, &x->opts, app->out.fp, &rows);
	if (xs == EXPORT_OK && stop_signal())
		xs = EXPORT_STOPPED;
	if (xs == EXPORT_OK && outfile_commit(&app->out) != 0)
		xs = EXPORT_WRITE_ERROR;
	if (xs == EXPORT_STOPPED)
		return app_stopped(app, output);
	if (xs == EXPORT_WRITE_ERROR) {
		if (strcmp(output, "-") == 0)
			app_error(app,
				  "cannot write to standard output: %s; the output is incomplete",
				  strerror(errno));
		else
			app_error(app, "cannot write '%s': %s; nothing written", output,
				  strerror(errno));
		return EXIT_IOERR;
	}
	if (xs == EXPORT_STORE_ERROR)
		return app_store_failed(app, app->store, STORE_ERROR, "; nothing written");
	app_note(app, "%ld %s%s written to %s", rows,
		 x->opts.changes ? "change"
		 : rows == 1	 ? x->e->singular
				 : x->e->plural,
		 x->opts.changes && rows != 1 ? "s" : "",
		 strcmp(output, "-") == 0 ? "standard output" : output);
	app_end_snapshot(app);
	/* only a complete output moves the job on */
	return x->job ? move_job(app, x, job_from, job_to) : EXIT_DONE;
}
