/*
 * cmd_history.c - "acctbatch history [BATCH]": the batches, newest first, or
 * one batch with its changes, as a table or as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "entity.h"
#include "image.h"
#include "store.h"
#include "store_history.h"
#include "store_lists.h"

static const char usage_text[] =
	"usage: acctbatch [--db PATH] history [--limit N] [--format table|json] [BATCH]\n"
	"  --limit N              the N newest batches (default: all)\n"
	"  --format table|json    default: table\n"
	"  BATCH                  one batch, with every change it made\n";

struct history {
	bool json;		   /* --format json */
	bool one;		   /* a BATCH was named: show its changes */
	long shown;		   /* batches written */
	bool failed;		   /* standard output failed */
	enum store_status changes; /* how reading a batch's changes failed, else STORE_OK */
	struct store *store;
	int64_t only; /* the BATCH named, 0 for all */
	long limit;   /* --limit, 0 for none */
};

/*
 * Print one line (FMT without its newline) with every name and value in
 * it escaped (diag_escape): a file name, a command line or a value from
 * the database never reaches a terminal raw.
 */
__attribute__((format(printf, 1, 2))) static void out_line(const char *fmt, ...)
{
	va_list ap;
	char *raw = NULL, *safe;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		raw = NULL;
	va_end(ap);
	safe = raw ? diag_escaped(raw) : NULL;
	fputs(safe ? safe : "?", stdout);
	putchar('\n');
	free(raw);
	free(safe);
}

/* A JSON text from the database, parsed; null when it is absent or broken. */
static json_t *parse(const char *text)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	return v ? v : json_null();
}

/* Whether column COL of entity E's images is a hash, which history never shows. */
static bool hidden(const struct entity *e, const char *col)
{
	int fi = e ? entity_field_index(e, col, strlen(col)) : -1;

	return fi >= 0 && e->fields[fi].type == FT_HASH;
}

/* Whether column COL is the tool's time of the last change, which every update changes. */
static bool change_time(const struct entity *e, const char *col)
{
	return e && e->role[ROLE_UPDATED] >= 0 &&
	       strcmp(col, e->fields[e->role[ROLE_UPDATED]].name) == 0;
}

/* A row image of E as history shows it: a hash is never shown. */
static json_t *parse_image(const struct entity *e, const struct change_info *c, const char *text)
{
	json_t *v = image_parse(text, c->columns, c->ncolumns);

	if (!v)
		v = json_null();

	for (size_t i = 0; e && i < e->nfields; i++) {
		const char *col = e->fields[i].name;
		if (e->fields[i].type == FT_HASH && json_is_string(json_object_get(v, col)))
			json_object_set_new(v, col, json_string("[redacted]"));
	}
	return v;
}

/* "32 inserted, 1 updated" for one entity's counts, leaving out zeros. */
static void print_counts(const char *entity, json_t *c)
{
	static const char *const ops[] = {"inserted", "updated", "unchanged", "deleted",
					  "rejected"};
	bool any = false;

	printf("       %-9s", entity);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		json_int_t n = json_integer_value(json_object_get(c, ops[i]));
		if (n) {
			printf("%s %" JSON_INTEGER_FORMAT " %s", any ? "," : "", n, ops[i]);
			any = true;
		}
	}
	printf("%s\n", any ? "" : " no change");
}

/* A list build: its archive, SHA-256, as-of time and each list's counts. */
static void print_build(const char *text)
{
	json_t *b = parse(text), *counts = json_object_get(b, "counts"), *params, *v;
	const char *kind;

	out_line("       list build %s (sha256 %s)",
		 json_string_value(json_object_get(b, "archive")),
		 json_string_value(json_object_get(b, "sha256")));
	printf("       as of %s, data up to batch %" JSON_INTEGER_FORMAT "\n",
	       json_string_value(json_object_get(b, "as_of")),
	       json_integer_value(json_object_get(b, "data_batch")));
	params = json_object_get(b, "params");
	printf("       parameters:");
	json_object_foreach(params, kind, v)
	{
		char *safe = json_is_string(v) ? diag_escaped(json_string_value(v)) : NULL;
		if (json_is_string(v))
			printf(" --%s %s", kind, safe ? safe : "?");
		else if (json_is_true(v))
			printf(" --%s", kind);
		free(safe);
	}
	printf("\n");
	json_object_foreach(counts, kind, v)
	{
		json_int_t rows = json_integer_value(json_object_get(v, "rows"));
		json_int_t recipients = json_integer_value(json_object_get(v, "recipients"));
		printf("       %-24s %" JSON_INTEGER_FORMAT " row%s, %" JSON_INTEGER_FORMAT
		       " recipient%s\n",
		       kind, rows, rows == 1 ? "" : "s", recipients, recipients == 1 ? "" : "s");
	}
	json_decref(b);
}

static void print_batch_table(const struct batch_info *b)
{
	json_t *inputs = parse(b->inputs), *counts = parse(b->counts), *v;
	const char *entity;
	size_t i;

	out_line("%5" PRId64 "  %-20s  %-20s  %-11s %s", b->id, b->started_at,
		 b->ended_at ? b->ended_at : "-", b->outcome ? b->outcome : "-",
		 b->command ? b->command : "");
	if (b->reverts)
		printf("       reverts batch %" PRId64 "\n", b->reverts);
	json_array_foreach(inputs, i, v)
	{
		const char *sha = json_string_value(json_object_get(v, "sha256"));
		out_line("       input %s (%s, sha256 %s)",
			 json_string_value(json_object_get(v, "file")),
			 json_string_value(json_object_get(v, "entity")), sha ? sha : "-");
	}
	json_object_foreach(counts, entity, v) print_counts(entity, v);
	if (b->build)
		print_build(b->build);
	json_decref(inputs);
	json_decref(counts);
}

static json_t *batch_json(const struct batch_info *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "batch", json_integer(b->id));
	json_object_set_new(o, "kind", json_string(b->kind ? b->kind : ""));
	json_object_set_new(o, "started_at",
			    b->started_at ? json_string(b->started_at) : json_null());
	json_object_set_new(o, "ended_at", b->ended_at ? json_string(b->ended_at) : json_null());
	json_object_set_new(o, "command", json_string(b->command ? b->command : ""));
	json_object_set_new(o, "inputs", parse(b->inputs));
	json_object_set_new(o, "counts", parse(b->counts));
	json_object_set_new(o, "outcome", json_string(b->outcome ? b->outcome : ""));
	json_object_set_new(o, "reverts", b->reverts ? json_integer(b->reverts) : json_null());
	if (b->build) /* a list build: what it built */
		json_object_set_new(o, "list_build", parse(b->build));
	return o;
}

/* For an update of E: "name: 'A' -> 'B'" for each column that changed. */
static void print_update(const struct entity *e, json_t *before, json_t *after)
{
	const char *col;
	json_t *a;

	json_object_foreach(after, col, a)
	{
		json_t *b = json_object_get(before, col);
		char *bs, *as;
		if (json_equal(a, b) || change_time(e, col))
			continue;
		if (hidden(e, col)) {
			printf("         %s: changed ([redacted])\n", col);
			continue;
		}
		bs = json_dumps(b ? b : json_null(), JSON_ENCODE_ANY);
		as = json_dumps(a, JSON_ENCODE_ANY);
		out_line("         %s: %s -> %s", col, bs ? bs : "?", as ? as : "?");
		free(bs);
		free(as);
	}
}

static int print_change(void *ctx, const struct change_info *c)
{
	struct history *h = ctx;
	const struct entity *e = entity_by_name(c->entity);

	if (h->json) {
		json_t *o = json_object();
		char *text;
		json_object_set_new(o, "op", json_string(c->op));
		json_object_set_new(o, "entity", json_string(c->entity));
		json_object_set_new(o, "key", json_string(c->key ? c->key : ""));
		json_object_set_new(o, "before", parse_image(e, c, c->before));
		json_object_set_new(o, "after", parse_image(e, c, c->after));
		text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!text || printf("%s\n    %s", h->shown++ ? "," : "", text) < 0)
			h->failed = true;
		free(text);
		return h->failed ? -1 : 0;
	}
	out_line("       %-6s %-9s %s", c->op, c->entity, c->key ? c->key : "");
	if (strcmp(c->op, "update") == 0) {
		json_t *before = image_parse(c->before, c->columns, c->ncolumns);
		json_t *after = image_parse(c->after, c->columns, c->ncolumns);
		print_update(e, before ? before : json_null(), after ? after : json_null());
		json_decref(before);
		json_decref(after);
	}
	return ferror(stdout) ? -1 : 0;
}

/* Show the changes of batch B through print_change; a failure of the store
 * (not of the output, which print_change notes) is kept in H->changes. */
static void show_changes(struct history *h, int64_t b)
{
	enum store_status st = store_each_change(h->store, b, print_change, h);

	if (st != STORE_OK && !h->failed)
		h->changes = st;
}

static int show_batch(void *ctx, const struct batch_info *b)
{
	struct history *h = ctx;

	if (h->json) {
		json_t *o = batch_json(b);
		char *text = json_dumps(o, JSON_COMPACT);
		size_t n = text ? strlen(text) : 0;
		json_decref(o);
		if (!text) {
			h->failed = true;
			return -1;
		}
		if (h->one) {
			/* the object stays open for its changes */
			printf("{%.*s,\n  \"changes\": [", (int)(n - 2), text + 1);
			h->shown = 0;
			show_changes(h, b->id);
			printf("%s]}\n", h->shown ? "\n  " : "");
			h->shown = 1;
		} else {
			printf("%s\n  %s", h->shown++ ? "," : "[", text);
		}
		free(text);
		return ferror(stdout) || h->failed || h->changes != STORE_OK ? -1 : 0;
	}
	if (!h->shown++)
		printf("%5s  %-20s  %-20s  %-11s %s\n", "batch", "started", "ended", "outcome",
		       "command");
	print_batch_table(b);
	if (h->one && !b->build) { /* a list build changes no row */
		printf("       changes:\n");
		show_changes(h, b->id);
	}
	return ferror(stdout) || h->failed || h->changes != STORE_OK ? -1 : 0;
}

int cmd_history_parse(int argc, char **argv, struct app *app, void **ctx)
{
	static const struct option longopts[] = {
		{"limit", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct history *h;
	char prog_name[64], *end;
	int c;

	if (!(h = app_context(app, sizeof(*h), ctx)))
		return EXIT_IOERR;
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			errno = 0;
			h->limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || h->limit <= 0) {
				app_error(app, "--limit needs a positive whole number, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0) {
				app_error(app, "unknown format '%s' (table, json)", optarg);
				return EXIT_USAGE;
			}
			h->json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_DONE;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (optind == argc - 1) {
		long long batch;
		if (app_parse_batch(app, argv[optind], &batch) != 0)
			return EXIT_USAGE;
		h->only = batch;
		h->one = true;
	}
	return APP_RUN;
}

int cmd_history_run(struct app *app, void *ctx)
{
	struct history *h = ctx;
	enum store_status st;
	int status = EXIT_DONE;

	h->store = app->store;
	st = store_each_batch(h->store, h->only, h->limit, show_batch, h);
	if (h->json && !h->one)
		printf("%s\n", h->shown ? "\n]" : "[]");
	if (fflush(stdout) != 0 || ferror(stdout) || h->failed) {
		app_error(app, "cannot write to standard output: %s", strerror(errno));
		status = EXIT_IOERR;
	} else if (h->changes != STORE_OK || st != STORE_OK) {
		status = app_store_failed(app, h->store, h->changes != STORE_OK ? h->changes : st,
					  NULL);
	} else if (h->one && !h->shown) {
		app_error(app, "there is no batch %" PRId64, h->only);
		status = EXIT_DATAERR;
	}
	return status;
}
