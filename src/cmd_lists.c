/*
 * cmd_lists.c - "acctbatch lists KIND... -o ARCHIVE": mailing lists into an
 * archive, recorded in the database as a batch of kind "lists"; and
 * "acctbatch lists verify ARCHIVE": whether an archive is intact and which
 * recorded build made it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "archive_in.h"
#include "entity.h"
#include "import.h"
#include "lists.h"
#include "outfile.h"
#include "store.h"
#include "store_lists.h"

#include "stop.h"

static const char usage_text[] =
	"usage: acctbatch [--db PATH] lists [OPTIONS] -o ARCHIVE KIND...\n"
	"       acctbatch [--db PATH] lists verify ARCHIVE\n"
	"  KIND                  invoice-created, standard-invoices, summary-invoices,\n"
	"                        important-notices, subscription:NAME\n"
	"  -o, --output ARCHIVE  .tar.gz, .tgz, .tar.xz or .zip\n"
	"  --from DATE           invoices issued on or after DATE (YYYY-MM-DD)\n"
	"  --to DATE             invoices issued on or before DATE\n"
	"  --account ID          only account ID\n"
	"  --status open|paid|all  invoices with this status (default all: open and paid;\n"
	"                        void invoices are never listed)\n"
	"  --xml                 an XML copy of each list (schemas/lists.xsd)\n"
	"  --as-of TIME          the time written in the archive (YYYY-MM-DDTHH:MM:SSZ;\n"
	"                        default: SOURCE_DATE_EPOCH when set, else now)\n";

static int usage(FILE *out, int status)
{
	fputs(usage_text, out);
	return status;
}

/* The JSON texts a build is recorded with (kinds, parameters, counts); 0 or -1. */
static int build_json(const struct lists_opts *o, const struct lists_result *res, char **kinds,
		      char **params, char **counts)
{
	json_t *k = json_array(), *p = json_object(), *c = json_object();
	int rc = -1;

	if (!k || !p || !c)
		goto out;
	for (size_t i = 0; i < o->nkinds; i++) {
		json_t *n = json_object();
		json_array_append_new(k, json_string(o->kinds[i].name));
		json_object_set_new(n, "rows", json_integer(res->rows[i]));
		json_object_set_new(n, "recipients", json_integer(res->recipients[i]));
		json_object_set_new(c, o->kinds[i].name, n);
	}
	json_object_set_new(p, "from", o->from ? json_string(o->from) : json_null());
	json_object_set_new(p, "to", o->to ? json_string(o->to) : json_null());
	json_object_set_new(p, "account", o->account ? json_string(o->account) : json_null());
	json_object_set_new(p, "status", json_string(o->status ? o->status : "all"));
	json_object_set_new(p, "xml", json_boolean(o->xml));
	*kinds = json_dumps(k, JSON_COMPACT);
	*params = json_dumps(p, JSON_COMPACT);
	*counts = json_dumps(c, JSON_COMPACT);
	rc = *kinds && *params && *counts ? 0 : -1;
out:
	json_decref(k);
	json_decref(p);
	json_decref(c);
	return rc;
}

/*
 * Record the build as a batch of kind "lists", then move the archive into
 * place. An archive that cannot be moved into place takes its record back
 * out, so the database ends as it was.
 */
static int record_and_commit(struct app *app, struct store *store, const struct lists_opts *o,
			     const struct lists_result *res, const char *output,
			     struct outfile *out, int64_t *batch)
{
	char *kinds = NULL, *params = NULL, *counts = NULL, now[APP_TIME_SIZE];
	struct list_build b;
	enum store_status st;
	int status = EXIT_DONE;

	if (build_json(o, res, &kinds, &params, &counts) != 0) {
		app_error(app, "out of memory; nothing written");
		status = EXIT_IOERR;
		goto out;
	}
	st = store_begin_batch(store, "lists", app->command_line, app_now(now), batch);
	if (st == STORE_OK) {
		memset(&b, 0, sizeof(b));
		b.batch = *batch;
		b.archive = output;
		b.sha256 = res->sha256;
		b.as_of = o->as_of;
		b.data_batch = res->last_batch;
		b.kinds = kinds;
		b.params = params;
		b.counts = counts;
		st = store_record_list_build(store, &b);
	}
	if (st == STORE_OK)
		st = store_end_batch(store, *batch, "[]", "{}", app_now(now), true);
	if (st != STORE_OK) {
		store_rollback(store);
		status = app_store_failed(app, store, st, "; nothing written");
		goto out;
	}
	if (outfile_commit(out) != 0) {
		int err = errno;
		st = store_forget_batch(store, *batch);
		app_error(app, "cannot write '%s': %s; nothing written%s", output, strerror(err),
			  st == STORE_OK ? "" : " (but its build stays recorded)");
		status = EXIT_IOERR;
	}
out:
	free(kinds);
	free(params);
	free(counts);
	return status;
}

/* What the options asked for. */
struct lists_cmd {
	struct lists_opts o;	   /* the lists to build */
	char as_of[APP_TIME_SIZE]; /* o.as_of when it was not given */
	const char *verify;	   /* lists verify ARCHIVE: its path; else NULL */
	char sha256[65];	   /* its SHA-256 */
};

static int build(struct app *app, struct lists_opts *o)
{
	struct lists_result res;
	const char *output = app->output;
	int64_t batch = 0;
	int rc, status;

	if (o->account) {
		int found = store_account_exists(app->store, o->account);
		if (found == 0) {
			app_error(app, "there is no account '%s'", o->account);
			return EXIT_DATAERR;
		}
		if (found < 0)
			return app_store_failed(app, app->store, found, NULL);
	}
	rc = lists_write(app->store, o, app->out.fp, &res);
	app_end_snapshot(app);
	if (stop_signal())
		return app_stopped(app, output);
	if (rc == -2) {
		app_error(app, "%s; nothing written", res.error);
		return EXIT_IOERR;
	}
	if (rc != 0) {
		app_error(app, "cannot write '%s': %s; nothing written", output, res.error);
		return EXIT_IOERR;
	}
	status = record_and_commit(app, app->store, o, &res, output, &app->out, &batch);
	if (status != EXIT_DONE)
		return status;
	for (size_t k = 0; k < o->nkinds; k++)
		app_note(app, "%-24s %ld row%s, %ld recipient%s", o->kinds[k].name, res.rows[k],
			 res.rows[k] == 1 ? "" : "s", res.recipients[k],
			 res.recipients[k] == 1 ? "" : "s");
	app_note(app, "%s written (as of %s, data up to batch %" PRId64 ")", output, o->as_of,
		 res.last_batch);
	app_note(app, "recorded as batch %" PRId64 "; archive sha256 %s", batch, res.sha256);
	return EXIT_DONE;
}

/* lists verify: one recorded build that the archive's SHA-256 matches. */
struct found {
	const char *path;
	int n;
};

static int print_build(void *ctx, const struct list_build *b)
{
	struct found *f = ctx;
	json_t *kinds = json_loads(b->kinds ? b->kinds : "[]", 0, NULL), *v;
	size_t i;

	printf("%s: built as batch %" PRId64 " at %s, as of %s, from data up to batch %" PRId64
	       "\n",
	       f->path, b->batch, b->built_at ? b->built_at : "-", b->as_of, b->data_batch);
	printf("%s: kinds", f->path);
	json_array_foreach(kinds, i, v) printf(" %s", json_string_value(v));
	printf("; parameters %s; counts %s\n", b->params, b->counts);
	json_decref(kinds);
	f->n++;
	return 0;
}

/* The SHA-256 of the file at PATH, in hex; 0, or -1 with errno set. */
static int file_sha256(const char *path, char hex[65])
{
	crypto_hash_sha256_state sha;
	unsigned char d[crypto_hash_sha256_BYTES], buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t got;
	int bad;

	if (!f)
		return -1;
	crypto_hash_sha256_init(&sha);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&sha, buf, got);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		errno = EIO;
		return -1;
	}
	crypto_hash_sha256_final(&sha, d);
	sodium_bin2hex(hex, 65, d, sizeof(d));
	return 0;
}

/* lists verify ARCHIVE: the archive itself, checked as the argument it is. */
static int verify_parse(struct app *app, struct lists_cmd *l, const char *path)
{
	char why[512];
	long members;

	app->needs = NEED_DATABASE; /* the recorded builds are read; nothing is written */
	l->verify = path;
	if (access(path, F_OK) != 0) {
		app_error(app, "cannot open '%s': %s", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	members = archive_check_sums(path, why);
	if (members < 0) {
		app_error(app, "%s: %s", path, why);
		return EXIT_DATAERR;
	}
	if (file_sha256(path, l->sha256) != 0) {
		app_error(app, "cannot read '%s': %s", path, strerror(errno));
		return EXIT_IOERR;
	}
	printf("%s: SHA256SUMS OK (%ld members)\n", path, members);
	return APP_RUN;
}

/* lists verify ARCHIVE: the recorded builds that its SHA-256 matches. */
static int verify(struct app *app, const struct lists_cmd *l)
{
	struct found f = {l->verify, 0};
	enum store_status st;

	st = store_find_list_build(app->store, l->sha256, print_build, &f);
	if (st != STORE_OK)
		return app_store_failed(app, app->store, st, NULL);
	if (f.n == 0) {
		app_error(app,
			  "%s: no list build recorded in '%s' has this archive's SHA-256 (%s): it "
			  "was changed after it was built, or built from another database",
			  l->verify, app->db_path, l->sha256);
		return EXIT_DATAERR;
	}
	printf("%s: sha256 %s matches the recorded build\n", l->verify, l->sha256);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_IOERR;
}

int cmd_lists_run(struct app *app, void *ctx)
{
	struct lists_cmd *l = ctx;

	return l->verify ? verify(app, l) : build(app, &l->o);
}

/* The kinds of list named (ARGV, ARGC of them); *INVOICE_KIND when one lists invoices. */
static int add_kinds(struct app *app, struct lists_opts *o, int argc, char **argv,
		     bool *invoice_kind)
{
	for (int i = 0; i < argc; i++) {
		struct list_spec spec;
		if (strcmp(argv[i], "verify") == 0) {
			app_error(app, "'verify' comes right after 'lists': acctbatch lists "
				       "verify ARCHIVE");
			return EXIT_USAGE;
		}
		if (list_parse_kind(argv[i], &spec) != 0) {
			app_error(app,
				  "unknown kind '%s' (invoice-created, standard-invoices, "
				  "summary-invoices, important-notices, subscription:NAME with "
				  "NAME of 1 to 40 of a-z, 0-9, _)",
				  argv[i]);
			return EXIT_USAGE;
		}
		if (lists_add_kind(o, &spec) != 0) {
			app_error(app, "at most %d kinds in one archive", LISTS_MAX);
			return EXIT_USAGE;
		}
		*invoice_kind |= spec.kind <= LIST_SUMMARY_INVOICES;
	}
	return APP_RUN;
}

/* The time written in the archive: --as-of AS_OF, else SOURCE_DATE_EPOCH, else now. */
static int set_as_of(struct app *app, struct lists_cmd *l, const char *as_of)
{
	if (!as_of) {
		int sde = bundle_source_date(l->as_of, &l->o.as_of_time);
		if (sde < 0) {
			app_error(app, "SOURCE_DATE_EPOCH is not a number of seconds");
			return EXIT_USAGE;
		}
		if (!sde)
			app_now(l->as_of);
		as_of = l->as_of;
	}
	l->o.as_of = as_of;
	if (bundle_parse_time(as_of, &l->o.as_of_time) != 0) {
		app_error(app, "'%s' is not a UTC time", as_of);
		return EXIT_USAGE;
	}
	if (!bundle_time_fits(l->o.type, l->o.as_of_time)) {
		app_error(app, "a .zip archive keeps times from 1980 to 2107, not %s", as_of);
		return EXIT_USAGE;
	}
	return APP_RUN;
}

int cmd_lists_parse(int argc, char **argv, struct app *app, void **ctx)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"from", required_argument, NULL, 'F'},
		{"to", required_argument, NULL, 'T'},
		{"account", required_argument, NULL, 'a'},
		{"status", required_argument, NULL, 's'},
		{"xml", no_argument, NULL, 'x'},
		{"as-of", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lists_cmd *l; /* large: on the heap */
	const char *output = NULL, *as_of = NULL;
	bool status_given = false, invoice_kind = false;
	char prog_name[64];
	int c;

	if (!(l = app_context(app, sizeof(*l), ctx)))
		return EXIT_IOERR;
	if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
			return usage(stdout, EXIT_DONE);
		if (argc != 3 || argv[2][0] == '-')
			return usage(stderr, EXIT_USAGE);
		return verify_parse(app, l, argv[2]);
	}
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'F':
		case 'T':
			if (!entity_valid_text(FT_DATE, optarg)) {
				app_error(app, "--%s needs a date such as 2026-11-01, not '%s'",
					  c == 'F' ? "from" : "to", optarg);
				return EXIT_USAGE;
			}
			*(c == 'F' ? &l->o.from : &l->o.to) = optarg;
			break;
		case 'a':
			l->o.account = optarg;
			break;
		case 's':
			if (strcmp(optarg, "open") != 0 && strcmp(optarg, "paid") != 0 &&
			    strcmp(optarg, "all") != 0) {
				app_error(app, "unknown --status '%s' (open, paid, all)", optarg);
				return EXIT_USAGE;
			}
			l->o.status = strcmp(optarg, "all") == 0 ? NULL : optarg;
			status_given = true;
			break;
		case 'x':
			l->o.xml = true;
			break;
		case 'A':
			if (!entity_valid_text(FT_TIME, optarg)) {
				app_error(app,
					  "--as-of needs a UTC time such as 2026-11-26T00:00:00Z, "
					  "not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			as_of = optarg;
			break;
		case 'h':
			return usage(stdout, EXIT_DONE);
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (optind == argc) {
		app_error(app, "name at least one kind of list");
		return usage(stderr, EXIT_USAGE);
	}
	if ((c = add_kinds(app, &l->o, argc - optind, argv + optind, &invoice_kind)) != APP_RUN)
		return c;
	if (!invoice_kind && (l->o.from || l->o.to || status_given)) {
		app_error(app, "--from, --to and --status select invoices; name an invoice list "
			       "(invoice-created, standard-invoices, summary-invoices)");
		return EXIT_USAGE;
	}
	if (l->o.from && l->o.to && strcmp(l->o.from, l->o.to) > 0) {
		app_error(app, "--from %s is after --to %s", l->o.from, l->o.to);
		return EXIT_USAGE;
	}
	if (output && app_is_database_file(app->db_path, output)) {
		app_error(app, "'%s' is the database; the archive would overwrite it", output);
		return EXIT_USAGE;
	}
	if (!output || strcmp(output, "-") == 0 ||
	    (l->o.type = bundle_type_of(output)) == BUNDLE_UNKNOWN) {
		app_error(app, "lists needs -o ARCHIVE, named .tar.gz, .tgz, .tar.xz or .zip");
		return EXIT_USAGE;
	}
	if ((c = set_as_of(app, l, as_of)) != APP_RUN)
		return c;
	l->o.database = app_db_name(app);
	l->o.version = ACCTBATCH_VERSION_TEXT;
	l->o.stop = stop_signal;
	app->output = output;
	return APP_RUN;
}
