/*
 * report.c - diagnostics, summary table and JSON report of a run.
 */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

void report_counts(FILE *out, const struct import_result *res)
{
	fprintf(out, "%-10s %9s %9s %9s %9s %9s\n", "", "inserted", "updated", "unchanged",
		"deleted", "rejected");
	for (int e = 0; e < ENTITY_COUNT; e++) {
		const struct entity_counts *c = &res->counts[e];
		if (!res->present[e] && !c->inserted && !c->updated && !c->deleted)
			continue;
		fprintf(out, "%-10s %9ld %9ld %9ld %9ld %9ld\n", entity_get(e)->plural, c->inserted,
			c->updated, c->unchanged, c->deleted, c->rejected);
	}
}

void report_summary(FILE *out, const struct import_result *res, bool validate_only)
{
	if (validate_only) {
		long records = 0, rejected = 0;
		for (int e = 0; e < ENTITY_COUNT; e++)
			rejected += res->counts[e].rejected;
		records = res->records;
		fprintf(out, "%ld record%s checked, %ld rejected, %ld problem%s\n", records,
			records == 1 ? "" : "s", rejected, diag_list_total(&res->diags),
			diag_list_total(&res->diags) == 1 ? "" : "s");
		return;
	}
	report_counts(out, res);
	if (res->outcome == OUTCOME_COMMITTED)
		fprintf(out, "batch %lld committed\n", (long long)res->batch);
	else if (res->outcome == OUTCOME_DRY_RUN)
		fprintf(out, "dry run: nothing written (the counts are what the batch would do)\n");
	else
		fprintf(out, "rolled back: nothing written (the counts are what was undone)\n");
}

/* A JSON string of S; invalid UTF-8 bytes become U+FFFD, never a lost entry. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	size_t n, o = 0;
	char *clean;

	if (j)
		return j;
	n = strlen(s);
	clean = malloc(n * 3 + 1);
	if (!clean)
		return json_null();
	for (size_t i = 0; i < n;) {
		size_t k = 1;
		while (k <= 4 && i + k <= n && utf8_length(s + i, k) != 1)
			k++;
		if (k <= 4 && i + k <= n) {
			memcpy(clean + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(clean + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	clean[o] = '\0';
	j = json_string(clean);
	free(clean);
	return j ? j : json_null();
}

static json_t *nullable_int(long v)
{
	return v > 0 ? json_integer(v) : json_null();
}

int report_json_write(struct outfile *of, const struct import_result *res)
{
	json_t *root = json_object(), *ents = import_counts_json(res), *errs = json_array();
	int rc = -1;

	for (size_t i = 0; i < res->diags.count; i++) {
		const struct diag *d = &res->diags.items[i];
		json_array_append_new(
			errs, json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "file",
					d->file ? json_text(d->file) : json_null(), "line",
					nullable_int(d->line), "column", nullable_int(d->column),
					"record", nullable_int(d->record), "field",
					d->field ? json_text(d->field) : json_null(), "code",
					diag_code_name(d->code), "message", json_text(d->message)));
	}
	json_object_set_new(root, "batch", res->batch ? json_integer(res->batch) : json_null());
	json_object_set_new(root, "outcome", json_string(import_outcome_name(res->outcome)));
	json_object_set_new(root, "entities", ents);
	json_object_set_new(root, "errors", errs);
	/* the first IMPORT_REPORT_ERRORS are listed; stderr had every one */
	json_object_set_new(root, "errors_omitted", json_integer(res->diags.omitted));
	json_object_set_new(root, "exit_status", json_integer(res->exit_status));
	if (res->error.message[0]) {
		char *safe = diag_escaped(res->error.message);
		json_object_set_new(root, "message", json_text(safe ? safe : res->error.message));
		free(safe);
	}
	if (json_dumpf(root, of->fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', of->fp) == EOF) {
		int err = errno ? errno : EIO;
		outfile_abort(of);
		errno = err;
		goto out;
	}
	rc = outfile_commit(of);
out:
	json_decref(root);
	return rc;
}
