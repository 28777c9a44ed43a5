/*
 * cmd_revert.c - "acctbatch revert BATCH": undo one batch as a new batch.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "report.h"
#include "revert.h"
#include "store.h"
#include "stop.h"

#define CONFLICTS_SHOWN 20 /* later changes listed before "and N more" */

static const char usage_text[] =
	"usage: acctbatch [--db PATH] revert [--force] [--dry-run] BATCH\n"
	"  --force      revert even where later batches changed the same rows\n"
	"  --dry-run    show what the revert would do; write nothing\n";

struct conflicts {
	const struct app *app;
	long seen;	 /* later changes listed */
	long dependents; /* dependent rows listed */
};

static int show_conflict(void *ctx, const char *entity, const char *key, int64_t later)
{
	struct conflicts *c = ctx;

	if (c->seen++ < CONFLICTS_SHOWN) {
		char *safe = diag_escaped(key);
		fprintf(stderr, "  %s %s: changed again by batch %" PRId64 "\n", entity,
			safe ? safe : "?", later);
		free(safe);
	}
	return 0;
}

static int show_dependent(void *ctx, const char *entity, const char *key, int64_t batch)
{
	struct conflicts *c = ctx;

	if (c->dependents++ < CONFLICTS_SHOWN) {
		char *safe = diag_escaped(key);
		fprintf(stderr, "  %s %s (batch %" PRId64 ") needs an account the revert removes\n",
			entity, safe ? safe : "?", batch);
		free(safe);
	}
	return 0;
}

static void show_step(void *ctx, const char *what, const char *entity, const char *key)
{
	char *safe = diag_escaped(key);

	(void)ctx;
	printf("%-8s %-9s %s\n", what, entity, safe ? safe : "?");
	free(safe);
}

static void print_counts(const struct revert_result *res)
{
	struct import_result *ir = malloc(sizeof(*ir));

	if (!ir)
		return;
	revert_counts(res, ir);
	report_counts(stdout, ir);
	free(ir);
}

int cmd_revert_parse(int argc, char **argv, struct app *app, void **ctx)
{
	static const struct option longopts[] = {
		{"force", no_argument, NULL, 'f'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct revert_opts *opts;
	char prog_name[64];
	long long batch;
	int c;

	if (!(opts = app_context(app, sizeof(*opts), ctx)))
		return EXIT_IOERR;
	app_options_begin(app, argv, prog_name);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opts->force = true;
			break;
		case 'n':
			opts->dry_run = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_DONE;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (app_parse_batch(app, argv[optind], &batch) != 0)
		return EXIT_USAGE;
	opts->batch = batch;
	return APP_RUN;
}

/* The exit status of a revert that ended as RES, with its message. */
static int verdict(struct app *app, const struct revert_opts *opts, const struct revert_result *res)
{
	switch (res->outcome) {
	case REVERT_COMMITTED:
	case REVERT_DRY_RUN:
		if (res->conflicts)
			app_note(app, "%ld later change%s of the same rows overridden (--force)",
				 res->conflicts, res->conflicts == 1 ? "" : "s");
		if (!app->quiet) {
			print_counts(res);
			if (res->outcome == REVERT_DRY_RUN)
				printf("dry run: nothing written (the counts are what reverting "
				       "batch "
				       "%" PRId64 " would do)\n",
				       opts->batch);
			else
				printf("batch %" PRId64 " committed (reverts batch %" PRId64 ")\n",
				       res->batch, opts->batch);
		}
		return EXIT_DONE;
	case REVERT_CONFLICT:
		app_error(app,
			  "later batches changed %ld row%s that batch %" PRId64
			  " changed (listed above); nothing written (--force reverts anyway)",
			  res->conflicts, res->conflicts == 1 ? "" : "s", opts->batch);
		return EXIT_DATAERR;
	case REVERT_DEPENDENTS:
		app_error(
			app,
			"%ld row%s of other batches need%s an account that reverting batch %" PRId64
			" would remove (listed above); nothing written (revert those batches "
			"first)",
			res->dependents, res->dependents == 1 ? "" : "s",
			res->dependents == 1 ? "s" : "", opts->batch);
		return EXIT_DATAERR;
	case REVERT_NO_BATCH:
		app_error(app, "%s; nothing written", res->message);
		return EXIT_DATAERR;
	case REVERT_BROKEN_IMAGE:
		app_error(app, "%s; nothing written", res->message);
		return EXIT_IOERR;
	case REVERT_STORE_BUSY:
	case REVERT_STORE_ERROR:
		break;
	}
	return app_store_failed(app, app->store,
				res->outcome == REVERT_STORE_BUSY ? STORE_BUSY : STORE_ERROR,
				"; nothing written");
}

int cmd_revert_run(struct app *app, void *ctx)
{
	struct revert_opts *opts = ctx;
	struct revert_result res;
	struct conflicts conf = {app, 0, 0};
	char now[APP_TIME_SIZE];

	opts->command = app->command_line;
	opts->now = app_now(now);
	opts->on_conflict = show_conflict;
	opts->on_dependent = show_dependent;
	if (opts->dry_run && !app->quiet)
		opts->on_step = show_step;
	opts->ctx = &conf;
	/* the conflicts are listed under this line, so it goes first */
	fflush(stdout);
	revert_batch(app->store, opts, &res);
	if (stop_signal() && res.outcome != REVERT_COMMITTED)
		return app_stopped(app, "");
	if (res.conflicts > CONFLICTS_SHOWN)
		fprintf(stderr, "  and %ld more\n", res.conflicts - CONFLICTS_SHOWN);
	if (res.dependents > CONFLICTS_SHOWN)
		fprintf(stderr, "  and %ld more\n", res.dependents - CONFLICTS_SHOWN);
	return verdict(app, opts, &res);
}
