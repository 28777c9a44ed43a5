/*
 * cmd_export.c - "acctbatch export ENTITY": one entity's rows as CSV or XML,
 * to a file (written under a temporary name and renamed) or standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
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

/* export --all: every entity into one archive (bundle.h). */
static int export_all(struct app *app, const struct export_opts *opts, const char *output,
		      bool format_given, const char *job)
{
	struct bundle_opts bo;
	struct bundle_result res;
	struct store *store = NULL;
	struct outfile out;
	int rc, status = EXIT_DONE;

	memset(&bo, 0, sizeof(bo));
	bo.type = bundle_type_of(output);
	if (strcmp(output, "-") == 0 || bo.type == BUNDLE_UNKNOWN) {
		app_error(app, "--all needs -o ARCHIVE, named .tar.gz, .tgz, .tar.xz or .zip");
		return EXIT_USAGE;
	}
	if (opts->filter.account || opts->filter.changed_since || job || opts->changes) {
		app_error(app, "--all writes every row of every entity; it takes no --account, "
			       "--changed-since, --since-last or --changes");
		return EXIT_USAGE;
	}
	{
		char sde_text[32];
		time_t sde_time;
		int sde = bundle_source_date(sde_text, &sde_time);
		if (sde < 0) {
			app_error(app, "SOURCE_DATE_EPOCH is not a number of seconds");
			return EXIT_USAGE;
		}
		if (sde && !bundle_time_fits(bo.type, sde_time)) {
			app_error(app, "a .zip archive keeps times from 1980 to 2107, not %s",
				  sde_text);
			return EXIT_USAGE;
		}
	}
	bo.format = format_given ? opts->format : EXPORT_CSV;
	bo.password_hashes = opts->password_hashes;
	bo.database = app_db_name(app);
	bo.version = ACCTBATCH_VERSION_TEXT;
	bo.stop = stop_signal;
	if (app_is_database_file(app->db_path, output)) {
		app_error(app, "'%s' is the database; the export would overwrite it", output);
		return EXIT_USAGE;
	}
	if ((rc = app_open_existing(app, &store)) != EXIT_DONE)
		return rc;
	if ((rc = store_read_begin(store)) != STORE_OK) {
		rc = app_store_failed(app, store, rc, NULL);
		store_close(store);
		return rc;
	}
	if (outfile_open(&out, output) != 0) {
		app_error(app, "cannot create '%s': %s", output, strerror(errno));
		store_close(store);
		return EXIT_CANTCREAT;
	}
	stop_hold(true); /* a signal now stops the export cleanly */
	rc = bundle_write(store, &bo, out.fp, &res);
	if (rc == 0 && !stop_signal() && outfile_commit(&out) != 0) {
		snprintf(res.error, sizeof(res.error), "%s", strerror(errno));
		rc = -1;
	}
	if (stop_signal()) {
		status = app_stopped(app, output);
	} else if (rc != 0) {
		app_error(app, "cannot write '%s': %s; nothing written", output, res.error);
		status = EXIT_IOERR;
	} else {
		app_note(app,
			 "%ld accounts, %ld logins, %ld contacts and %ld invoices written to %s "
			 "(as of %s)%s",
			 res.rows[ENTITY_ACCOUNTS], res.rows[ENTITY_LOGINS],
			 res.rows[ENTITY_CONTACTS], res.rows[ENTITY_INVOICES], output, res.as_of,
			 bo.password_hashes ? ""
					    : "; without password hashes, its logins cannot be "
					      "imported into an empty database");
	}
	outfile_abort(&out);
	stop_hold(false);
	store_read_end(store);
	store_close(store);
	return status;
}

int cmd_export(int argc, char **argv, struct app *app)
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
	struct export_opts opts;
	const struct entity *e;
	const char *output = "-", *job = NULL;
	int64_t job_from = 0, job_to = 0;
	bool format_given = false, all = false;
	struct store *store = NULL;
	struct outfile out;
	enum store_status st;
	enum export_status xs;
	char prog_name[64];
	long rows = 0;
	int c, status = EXIT_DONE;

	memset(&opts, 0, sizeof(opts));
	memset(&out, 0, sizeof(out));
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "xml") != 0) {
				app_error(app, "unknown format '%s' (csv, xml)", optarg);
				return EXIT_USAGE;
			}
			opts.format = strcmp(optarg, "xml") == 0 ? EXPORT_XML : EXPORT_CSV;
			format_given = true;
			break;
		case 'a':
			opts.filter.account = optarg;
			break;
		case 's':
			if (!entity_valid_text(FT_TIME, optarg)) {
				app_error(app,
					  "--changed-since needs a UTC time such as "
					  "2026-11-26T00:00:00Z, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			opts.filter.changed_since = optarg;
			break;
		case 'H':
			opts.password_hashes = true;
			break;
		case 'j':
			if (!*optarg || strlen(optarg) > 100) {
				app_error(app,
					  "--since-last needs a job name of 1 to 100 characters");
				return EXIT_USAGE;
			}
			job = optarg;
			break;
		case 'C':
			opts.changes = true;
			break;
		case 'A':
			all = true;
			break;
		case 'h':
			return usage(stdout, EXIT_DONE);
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (all)
		return export_all(app, &opts, output, format_given, job);
	if (optind != argc - 1)
		return usage(stderr, EXIT_USAGE);
	e = entity_by_name(argv[optind]);
	if (!e) {
		app_error(app, "unknown entity '%s' (accounts, logins, contacts, invoices)",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (opts.password_hashes && e->role[ROLE_HASH] < 0) { /* only logins hold hashes */
		app_error(app, "--include-password-hashes is for logins only");
		return EXIT_USAGE;
	}
	if (!format_given)
		opts.format = source_name_ends_with(output, ".xml") ? EXPORT_XML : EXPORT_CSV;
	opts.stop = stop_signal;
	if (app_is_database_file(app->db_path, output)) {
		app_error(app, "'%s' is the database; the export would overwrite it", output);
		return EXIT_USAGE;
	}
	if (opts.changes && opts.format == EXPORT_XML) {
		app_error(app, "the change feed (--changes) is written as CSV only");
		return EXIT_USAGE;
	}
	if ((c = app_open_existing(app, &store)) != EXIT_DONE)
		return c;
	st = store_read_begin(store);
	if (st == STORE_OK && job) {
		/* the snapshot's newest batch is where the job will stand after this run */
		st = store_job_watermark(store, job, e->plural, opts.changes, &job_from);
		if (st == STORE_OK)
			st = store_last_batch(store, &job_to, NULL);
		opts.filter.after_batch_set = true;
		opts.filter.after_batch = job_from;
	}
	if (st != STORE_OK) {
		status = app_store_failed(app, store, st, NULL);
		store_close(store);
		return status;
	}
	if (outfile_open(&out, output) != 0) {
		app_error(app, "cannot create '%s': %s", output, strerror(errno));
		store_close(store);
		return EXIT_CANTCREAT;
	}
	stop_hold(true); /* a signal now stops the export cleanly */
	xs = export_entity(store, e, &opts, out.fp, &rows);
	if (xs == EXPORT_OK && stop_signal())
		xs = EXPORT_STOPPED;
	if (xs == EXPORT_OK && outfile_commit(&out) != 0)
		xs = EXPORT_WRITE_ERROR;
	if (xs == EXPORT_STOPPED) {
		status = app_stopped(app, output);
	} else if (xs == EXPORT_WRITE_ERROR) {
		if (strcmp(output, "-") == 0)
			app_error(app,
				  "cannot write to standard output: %s; the output is incomplete",
				  strerror(errno));
		else
			app_error(app, "cannot write '%s': %s; nothing written", output,
				  strerror(errno));
		status = EXIT_IOERR;
	} else if (xs == EXPORT_STORE_ERROR) {
		status = app_store_failed(app, store, STORE_ERROR, "; nothing written");
	} else {
		app_note(app, "%ld %s%s written to %s", rows,
			 opts.changes ? "change"
			 : rows == 1  ? e->singular
				      : e->plural,
			 opts.changes && rows != 1 ? "s" : "",
			 strcmp(output, "-") == 0 ? "standard output" : output);
	}
	outfile_abort(&out);
	stop_hold(false);
	store_read_end(store);
	if (status == EXIT_DONE && job) {
		char now[APP_TIME_SIZE];
		/* only a complete output moves the job on */
		st = store_set_job_watermark(store, job, e->plural, opts.changes, job_to,
					     app_now(now));
		if (st != STORE_OK) {
			char why[600];
			snprintf(why, sizeof(why),
				 "; the output is complete, but job '%s' did not move on: its next "
				 "run writes these rows again",
				 job);
			status = app_store_failed(app, store, st, why);
		} else if (job_to == job_from) {
			app_note(app, "job '%s' stays at batch %lld (no batch since its last run)",
				 job, (long long)job_to);
		} else {
			app_note(app,
				 "job '%s' now stands at batch %lld (this run: batches %lld to "
				 "%lld)",
				 job, (long long)job_to, (long long)job_from + 1,
				 (long long)job_to);
		}
	}
	store_close(store);
	return status;
}
