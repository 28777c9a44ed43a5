/*
 * revert.c - undoing one batch (see revert.h).
 */
#include "revert.h"
#include "image.h"
#include "stop.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct revert_run {
	struct store *s;
	struct revert_result *res;
	const struct revert_opts *opts;
	struct row key, want, old; /* reused across changes */
};

/* ROW from the journal image TEXT of change C (image.h). */
static int row_from_image(const struct entity *e, const struct change_info *c, const char *text,
			  struct row *row)
{
	json_t *obj = image_parse(text, c->columns, c->ncolumns);
	char num[32];
	int rc = 0;

	if (!json_is_object(obj)) {
		json_decref(obj);
		return -1;
	}
	row_clear(row);
	for (size_t i = 0; i < e->nfields && rc == 0; i++) {
		json_t *v;
		if (!field_stored(&e->fields[i]))
			continue;
		v = json_object_get(obj, e->fields[i].name);
		if (json_is_string(v))
			rc = row_set(row, (int)i, json_string_value(v), json_string_length(v));
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			rc = row_set(row, (int)i, num, strlen(num));
		} else if (v && !json_is_null(v)) {
			rc = -1; /* the journal writes only text, integers and null */
		}
	}
	json_decref(obj);
	return rc;
}

static bool same_row(const struct entity *e, const struct row *a, const struct row *b)
{
	for (size_t i = 0; i < e->nfields; i++) {
		if (!field_stored(&e->fields[i]))
			continue;
		if (!a->v[i] != !b->v[i] || (a->v[i] && strcmp(a->v[i], b->v[i]) != 0))
			return false;
	}
	return true;
}

static void step(struct revert_run *r, const char *what, const struct change_info *c)
{
	if (r->opts->on_step)
		r->opts->on_step(r->opts->ctx, what, c->entity, c->key);
}

/* Make the row of change C what it was before C: its before image, or gone. */
static int undo_change(void *ctx, const struct change_info *c)
{
	struct revert_run *r = ctx;
	const struct entity *e = entity_by_name(c->entity);
	const char *key_image = c->before ? c->before : c->after;
	enum store_status st = STORE_OK;
	int found;

	if (stop_signal()) {
		r->res->outcome = REVERT_STORE_ERROR;
		return -1;
	}
	if (!e || !key_image || row_from_image(e, c, key_image, &r->key) != 0 ||
	    (c->before && row_from_image(e, c, c->before, &r->want) != 0)) {
		snprintf(r->res->message, sizeof(r->res->message),
			 "the journal entry of %s %s cannot be read back",
			 c->entity ? c->entity : "?", c->key ? c->key : "?");
		r->res->outcome = REVERT_BROKEN_IMAGE;
		return -1;
	}
	found = store_find(r->s, e, &r->key, &r->old);
	if (found < 0) {
		st = (enum store_status)found;
	} else if (!c->before) {
		if (found) {
			st = store_delete(r->s, e, &r->key);
			step(r, "delete", c);
		} else {
			r->res->unchanged[e->id]++;
		}
	} else if (found && same_row(e, &r->old, &r->want)) {
		r->res->unchanged[e->id]++;
	} else {
		st = found ? store_update(r->s, e, &r->want) : store_insert(r->s, e, &r->want);
		step(r, found ? "restore" : "insert", c);
	}
	if (st != STORE_OK) {
		r->res->outcome = st == STORE_BUSY ? REVERT_STORE_BUSY : REVERT_STORE_ERROR;
		return -1;
	}
	return 0;
}

/* --dry-run: a row that undoing its batch's insert deletes. */
static int show_insert(void *ctx, const char *entity, const char *key, int64_t batch)
{
	struct revert_run *r = ctx;

	(void)batch;
	r->opts->on_step(r->opts->ctx, "delete", entity, key);
	return 0;
}

static int count_dependent(void *ctx, const char *entity, const char *key, int64_t batch)
{
	struct revert_run *r = ctx;

	r->res->dependents++;
	return r->opts->on_dependent ? r->opts->on_dependent(r->opts->ctx, entity, key, batch) : 0;
}

static int count_conflict(void *ctx, const char *entity, const char *key, int64_t later)
{
	struct revert_run *r = ctx;

	r->res->conflicts++;
	return r->opts->on_conflict ? r->opts->on_conflict(r->opts->ctx, entity, key, later) : 0;
}

/* Whether BATCH exists and may be reverted; the reason in res->message if not. */
struct batch_check {
	bool found;
	bool ok;
	char *why;
	size_t size;
};

static int check_batch(void *ctx, const struct batch_info *b)
{
	struct batch_check *c = ctx;

	c->found = true;
	if (!b->kind || (strcmp(b->kind, "import") != 0 && strcmp(b->kind, "revert") != 0))
		snprintf(c->why, c->size,
			 "batch %lld is a %s batch; only imports and reverts can be reverted",
			 (long long)b->id, b->kind ? b->kind : "?");
	else if (!b->outcome || strcmp(b->outcome, "committed") != 0)
		snprintf(c->why, c->size, "batch %lld was not committed", (long long)b->id);
	else
		c->ok = true;
	return 0;
}

void revert_counts(const struct revert_result *res, struct import_result *out)
{
	memset(out, 0, sizeof(*out));
	for (int e = 0; e < ENTITY_COUNT; e++) {
		out->counts[e].inserted = res->counts[e][0];
		out->counts[e].updated = res->counts[e][1];
		out->counts[e].deleted = res->counts[e][2];
		out->counts[e].unchanged = res->unchanged[e];
		out->present[e] = res->counts[e][0] || res->counts[e][1] || res->counts[e][2] ||
				  res->unchanged[e];
	}
}

static char *counts_text(const struct revert_result *res)
{
	struct import_result *ir = malloc(sizeof(*ir));
	json_t *obj;
	char *text;

	if (!ir)
		return NULL;
	revert_counts(res, ir);
	obj = import_counts_json(ir);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	free(ir);
	return text;
}

static enum revert_outcome store_outcome(enum store_status st)
{
	return st == STORE_BUSY ? REVERT_STORE_BUSY : REVERT_STORE_ERROR;
}

void revert_batch(struct store *s, const struct revert_opts *opts, struct revert_result *res)
{
	struct revert_run r;
	struct batch_check check = {false, false, res->message, sizeof(res->message)};
	enum store_status st;
	int64_t batch = 0;
	char *counts = NULL;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.res = res;
	r.opts = opts;
	st = store_begin_batch(s, "revert", opts->command, opts->now, &batch);
	/* the batch just begun is the newest: only older ones can be reverted */
	if (st == STORE_OK && opts->batch < batch)
		st = store_each_batch(s, opts->batch, 0, check_batch, &check);
	if (st != STORE_OK) {
		res->outcome = store_outcome(st);
		goto rollback;
	}
	if (!check.found || !check.ok) {
		if (!check.found)
			snprintf(res->message, sizeof(res->message), "there is no batch %lld",
				 (long long)opts->batch);
		res->outcome = REVERT_NO_BATCH;
		goto rollback;
	}
	if ((st = store_revert_plan(s, opts->batch, &res->changes)) != STORE_OK ||
	    (st = store_each_conflict(s, opts->batch, count_conflict, &r)) != STORE_OK) {
		res->outcome = store_outcome(st);
		goto rollback;
	}
	if (res->conflicts && !opts->force) {
		res->outcome = REVERT_CONFLICT;
		goto rollback;
	}
	res->outcome = REVERT_COMMITTED;
	st = store_each_planned(s, undo_change, &r);
	if (st != STORE_OK) {
		if (res->outcome == REVERT_COMMITTED)
			res->outcome = store_outcome(st);
		goto rollback;
	}
	/* then the inserts, each entity's in one statement, what needs an
	 * account before the accounts */
	for (int id = ENTITY_COUNT - 1; id >= 0; id--) {
		const struct entity *e = entity_get(id); /* ids are in dependency order */
		long deleted, planned;
		if ((opts->on_step &&
		     (st = store_each_planned_insert(s, e, show_insert, &r)) != STORE_OK) ||
		    (st = store_undo_inserts(s, e, &deleted, &planned)) != STORE_OK) {
			res->outcome = store_outcome(st);
			goto rollback;
		}
		res->unchanged[e->id] += planned - deleted; /* gone already */
	}
	/* a removed account must not leave rows of later batches behind (the
	 * foreign keys would refuse the commit): a conflict --force cannot undo */
	if ((st = store_each_dependent(s, count_dependent, &r)) != STORE_OK) {
		res->outcome = store_outcome(st);
		goto rollback;
	}
	if (res->dependents) {
		res->outcome = REVERT_DEPENDENTS;
		goto rollback;
	}
	store_batch_counts(s, batch, res->counts);
	if (opts->dry_run) {
		res->outcome = REVERT_DRY_RUN;
		goto rollback;
	}
	counts = counts_text(res);
	st = store_batch_reverts(s, batch, opts->batch);
	if (st == STORE_OK)
		st = store_end_batch(s, batch, "[]", counts ? counts : "{}", opts->now, true);
	free(counts);
	if (st != STORE_OK) {
		res->outcome = store_outcome(st);
		goto done;
	}
	res->batch = batch;
	goto done;
rollback:
	store_rollback(s);
done:
	row_release(&r.key);
	row_release(&r.want);
	row_release(&r.old);
}
