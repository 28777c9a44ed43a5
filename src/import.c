/*
 * import.c - the import pipeline (see import.h).
 *
 * One run: inputs are read one after another in dependency order; each
 * record the reader hands over has had its cells checked; here it gets its
 * key, the duplicate check, the reference check, the mode's decision
 * (insert, update, unchanged, delete) and the rules that need several
 * fields or the stored row; then it is written to the store inside the
 * batch's transaction. The batch commits only when the options allow it.
 *
 * --on-error skip-account runs the batch twice: the first pass (rolled
 * back, passwords not hashed) finds the accounts with a rejected record;
 * the second drops every record of those accounts.
 */
#include "import.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvio.h"
#include "keyset.h"
#include "login_hash.h"
#include "prefetch.h"
#include "rejects.h"
#include "rules.h"
#include "secret.h"
#include "source.h"
#include "spool.h"
#include "stop.h"
#include "xmlio.h"

/* A stand-in hash for passes that are rolled back: never committed. */
static const char placeholder_hash[] = "$argon2id$v=19$m=8,t=1,p=1$cGxhY2Vob2xkZXI$cGxhY2Vob2xkZXI";

/* ------------------------------------------------------------------- run */

/* All state of one pass over the inputs. */
struct run {
	struct store *store;		  /* NULL when only validating */
	const struct import_opts *opts;	  /* the command line */
	struct import_result *res;	  /* counts and diagnostics */
	struct input *input;		  /* file being read */
	size_t input_index;		  /* its index in the list */
	bool final_pass;		  /* effects of this pass may be kept */
	bool hash;			  /* compute real password hashes */
	struct keyset seen[ENTITY_COUNT]; /* keys met in this batch */
	struct keyset *bad_accounts;	  /* accounts with a rejected record (skip-account, sync) */
	struct first_pass *first;	  /* skip-account: what the first pass rejected */
	bool was_empty[ENTITY_COUNT];	  /* the table had no row when the batch began */
	struct keyset rejected_accounts;  /* account records rejected in this pass */
	struct keyset sync_seen;	  /* sync: entity digit + account, named in the batch */
	char **sync_accounts;		  /* sync: those, in order */
	size_t nsync;			  /* entries in sync_accounts */
	size_t diag_mark;		  /* diagnostics before this record */
	long rejected;			  /* records rejected in this pass */
	char *last_account;		  /* last account found to exist */
	struct rejects_file *rejects;	  /* per entity, or NULL */
	bool broken;			  /* a file of this pass could not be read to its end */
	long records;			  /* records read in this pass */
	uint64_t consumed;		  /* bytes of the current input read so far */
	uint64_t done_bytes;		  /* bytes of the inputs finished in this pass */
	uint64_t total_bytes;		  /* bytes of all inputs, 0 if unknown */
	struct row key, old, eff;	  /* per-record rows, buffers reused */
	struct login_group logins;	  /* logins waiting for their hashes */
	const char *precomputed;	  /* hash settled for the record being applied */
};

/*
 * skip-account's first pass: which records it rejected, one bit per record
 * of each input, so that the second pass checks those again and reports
 * each with its own cause, not as account_rejected. Kept across the
 * passes, released by import_run.
 */
struct first_pass {
	unsigned char **rejected; /* per input: bit N-1 for record N */
	size_t *bytes;		  /* per input: bytes allocated in rejected[i] */
	size_t ninputs;		  /* entries in rejected and bytes */
};

/* Mark record NUMBER of input I as rejected by the first pass; -1 out of memory. */
static int first_pass_mark(struct first_pass *fp, size_t i, long number)
{
	size_t byte = (size_t)(number - 1) / 8;

	if (i >= fp->ninputs || number < 1)
		return 0;
	if (byte >= fp->bytes[i]) {
		size_t nbytes = fp->bytes[i] ? fp->bytes[i] : 1024;
		unsigned char *nb;
		while (nbytes <= byte)
			nbytes *= 2;
		nb = realloc(fp->rejected[i], nbytes);
		if (!nb)
			return -1;
		memset(nb + fp->bytes[i], 0, nbytes - fp->bytes[i]);
		fp->rejected[i] = nb;
		fp->bytes[i] = nbytes;
	}
	fp->rejected[i][byte] |= (unsigned char)(1u << ((number - 1) % 8));
	return 0;
}

static bool first_pass_marked(const struct first_pass *fp, size_t i, long number)
{
	size_t byte = (size_t)(number - 1) / 8;

	return i < fp->ninputs && number >= 1 && byte < fp->bytes[i] &&
	       (fp->rejected[i][byte] >> ((number - 1) % 8)) & 1;
}

static void first_pass_release(struct first_pass *fp)
{
	for (size_t i = 0; i < fp->ninputs; i++)
		free(fp->rejected[i]);
	free(fp->rejected);
	free(fp->bytes);
	memset(fp, 0, sizeof(*fp));
}

/* The run's error (the first one is kept); every setter returns -1. */
static int no_memory(struct run *r)
{
	return error_set(&r->res->error, ERROR_NO_MEMORY, "%s", "out of memory");
}

static int hash_failed(struct run *r)
{
	return error_set(&r->res->error, ERROR_NO_MEMORY, "%s",
			 "out of memory while hashing a password");
}

static bool failed(const struct run *r)
{
	return error_is_set(&r->res->error);
}

static int store_fatal(struct run *r, enum store_status st)
{
	return store_error(r->store, st, NULL, &r->res->error);
}

static int stopped(struct run *r)
{
	return error_stopped(&r->res->error, stop_signal());
}

static const char *account_of(const struct record *rec)
{
	int fi = rec->entity->account_field;
	return fi >= 0 && rec->value[fi] && rec->len[fi] ? rec->value[fi] : NULL;
}

/*
 * The records before this point are decided: their diagnostics go to the
 * sink and out of memory (the final pass), or away (skip-account's first
 * pass, which only finds the bad accounts).
 */
static void settle_diags(struct run *r)
{
	if (r->final_pass)
		diag_list_flush(&r->res->diags);
	else
		diag_list_truncate(&r->res->diags, 0);
	r->diag_mark = r->res->diags.count;
}

/* Record REC as rejected with the diagnostics added since the mark. */
static int reject(struct run *r, const struct record *rec)
{
	const char *acct = account_of(rec);
	size_t first = r->diag_mark;

	r->res->counts[rec->entity->id].rejected++;
	r->rejected++;
	if ((rec->entity->flags & E_REFERENCED) && acct &&
	    keyset_add(&r->rejected_accounts, acct, strlen(acct), 0, NULL) < 0)
		no_memory(r);
	if (!r->final_pass && r->first &&
	    first_pass_mark(r->first, r->input_index, rec->number) != 0) {
		return no_memory(r);
	}
	if (acct && r->bad_accounts && keyset_add(r->bad_accounts, acct, strlen(acct), 0, NULL) < 0)
		no_memory(r);
	if (r->final_pass && r->rejects) {
		struct rejects_file *rf = &r->rejects[rec->entity->id];
		if (rf->e && rejects_add(rf, rec, &r->res->diags.items[first],
					 r->res->diags.count - first) != 0)
			error_set(&r->res->error, ERROR_IO, "cannot write the rejects file: %s",
				  strerror(errno));
	}
	if (r->opts->max_errors > 0 && r->rejected >= r->opts->max_errors) {
		r->res->stopped_max_errors = true;
		return -1;
	}
	return 0;
}

/* The key of REC as one string in BUF: fields joined by US, emails
 * normalised. Returns its length, or -1 when it does not fit. */
static long record_key(const struct record *rec, char *buf, size_t size)
{
	const struct entity *e = rec->entity;
	size_t n = 0;

	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		int fi = e->key[k];
		if (n + rec->len[fi] + 1 >= size)
			return -1;
		if (k)
			buf[n++] = '\x1f';
		for (size_t i = 0; i < rec->len[fi]; i++) {
			char c = rec->value[fi][i];
			buf[n++] = fi == e->email_field && c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
	}
	buf[n] = '\0';
	return (long)n;
}

/* Whether account ID exists (in the store, including this batch). */
static int account_exists(struct run *r, const char *id)
{
	int found;

	if (!r->store)
		return 1;
	if (r->last_account && strcmp(r->last_account, id) == 0)
		return 1;
	found = store_account_exists(r->store, id);
	if (found == 1) {
		free(r->last_account);
		r->last_account = strdup(id);
	}
	return found;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/*
 * The password rules (rules.h) for REC, and the hash to store in EFF: the
 * one settled for REC's group (login_hash.h), the stored one when the
 * password did not change, a new one, or a stand-in in a pass that is
 * rolled back. Returns the problems found, or -1 on a fatal error.
 */
static int check_password(struct run *r, const struct record *rec, bool found,
			  const struct row *old, struct row *eff)
{
	const struct entity *e = rec->entity;
	int pw = e->role[ROLE_PASSWORD], ph = e->role[ROLE_HASH];
	long chars;
	enum password_verdict v = rules_password(rec, &chars);
	char hash[SECRET_HASH_MAX];
	const char *h = NULL;
	int rc;

	if (rules_report_password(rec, v, chars, found, &r->res->diags))
		return 1;
	if (v == PASSWORD_HASH)
		h = rec->value[ph];
	else if (v != PASSWORD_NEW)
		return 0;
	else if (r->precomputed)
		h = r->precomputed;
	else if (r->final_pass && found && old->v[ph] &&
		 secret_verify(old->v[ph], rec->value[pw], rec->len[pw]))
		h = old->v[ph];
	else if (!r->hash)
		h = placeholder_hash;
	else if (secret_hash(rec->value[pw], rec->len[pw], hash) == 0)
		h = hash;
	if (!h)
		return hash_failed(r);
	rc = row_set(eff, ph, h, v == PASSWORD_HASH ? rec->len[ph] : strlen(h));
	sodium_memzero(hash, sizeof(hash));
	if (rc != 0) {
		return no_memory(r);
	}
	return 0;
}

/* Whether EFF differs from OLD in any stored field but the tool's times. */
static bool row_changed(const struct entity *e, const struct row *old, const struct row *eff)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (field_stored(&e->fields[i]) && !(e->fields[i].flags & F_TOOL) &&
		    !same(old->v[i], eff->v[i]))
			return true;
	return false;
}

/*
 * sync: the rows of an account the batch leaves out are deleted for the
 * entities that belong to an account and may be deleted (logins, contacts).
 */
static bool synced(const struct entity *e)
{
	return !(e->flags & (E_KEPT | E_REFERENCED));
}

/* sync: remember that the batch names account ACCT for entity E. */
static int sync_note_account(struct run *r, const struct entity *e, const char *acct)
{
	char **n, *entry;
	int added;

	if (asprintf(&entry, "%d%s", (int)e->id, acct) < 0)
		return -1;
	added = keyset_add(&r->sync_seen, entry, strlen(entry), 0, NULL);
	if (added <= 0) {
		free(entry);
		return added;
	}
	n = realloc(r->sync_accounts, (r->nsync + 1) * sizeof(*n));
	if (!n) {
		free(entry);
		return -1;
	}
	r->sync_accounts = n;
	n[r->nsync++] = entry;
	return 0;
}

/* How many of ROWS (per entity, store_account_usage) are of entities whose rows are KEPT or not. */
static long dependents(const long rows[ENTITY_COUNT], unsigned kept)
{
	long n = 0;

	for (int i = 0; i < ENTITY_COUNT; i++)
		if (!(entity_get(i)->flags & E_REFERENCED) &&
		    (entity_get(i)->flags & E_KEPT) == kept)
			n += rows[i];
	return n;
}

/*
 * Whether the rows that name REC's account (ROWS) forbid deleting it: rows
 * that are kept (invoices) always, others without --cascade. Reports why.
 */
static bool dependents_refuse(struct run *r, const struct record *rec,
			      const long rows[ENTITY_COUNT])
{
	const struct entity *e = rec->entity;
	char what[256];
	size_t n = 0;

	for (int i = 0; i < ENTITY_COUNT; i++) {
		const struct entity *d = entity_get(i);
		if ((d->flags & (E_REFERENCED | E_KEPT)) == E_KEPT && rows[i] > 0) {
			entity_report(&r->res->diags, rec, 0, DIAG_HAS_INVOICES,
				      "%s has %ld %s%s and can only be closed "
				      "(status closed), never deleted",
				      e->singular, rows[i], d->singular, rows[i] == 1 ? "" : "s");
			return true;
		}
	}
	if (!dependents(rows, 0) || r->opts->cascade)
		return false;
	what[0] = '\0';
	for (int i = 0; i < ENTITY_COUNT; i++) {
		const struct entity *d = entity_get(i);
		if (d->flags & (E_REFERENCED | E_KEPT))
			continue;
		n += (size_t)snprintf(what + n, n < sizeof(what) ? sizeof(what) - n : 0,
				      "%s%ld %s%s", n ? " and " : "", rows[i], d->singular,
				      rows[i] == 1 ? "" : "s");
	}
	entity_report(&r->res->diags, rec, 0, DIAG_HAS_DEPENDENTS,
		      "%s has %s; use --cascade to delete them too", e->singular, what);
	return true;
}

/*
 * Delete REC's row (KEY; FOUND: it exists) after the deletion rules; only
 * check them when !APPLY. Returns 0 when the delete is (or would be) done,
 * 1 when REC was rejected, -1 on a fatal error.
 */
static int delete_record(struct run *r, const struct record *rec, const struct row *key, bool found,
			 bool apply)
{
	const struct entity *e = rec->entity;
	enum store_status st;

	if (e->flags & E_KEPT) {
		entity_report(&r->res->diags, rec, e->key[0], DIAG_INVOICE_KEPT,
			      "invoices are never deleted (finance keeps every invoice); "
			      "set its status to void instead");
		return reject(r, rec) == 0 ? 1 : -1;
	}
	if (!found) {
		entity_report(&r->res->diags, rec, e->key[0], DIAG_NOT_FOUND, "no %s with this key",
			      e->singular);
		return reject(r, rec) == 0 ? 1 : -1;
	}
	if ((e->flags & E_REFERENCED) && r->store) {
		long rows[ENTITY_COUNT];
		if ((st = store_account_usage(r->store, key->v[0], rows)) != STORE_OK)
			return store_fatal(r, st);
		if (dependents_refuse(r, rec, rows))
			return reject(r, rec) == 0 ? 1 : -1;
		if (apply && dependents(rows, 0) &&
		    (st = store_delete_children(r->store, key->v[0])) != STORE_OK)
			return store_fatal(r, st);
	}
	if (apply && r->store && (st = store_delete(r->store, e, key)) != STORE_OK)
		return store_fatal(r, st);
	return 0;
}

static int on_header(void *ctx, const struct record *present)
{
	struct run *r = ctx;
	const struct entity *e = present->entity;
	enum import_mode mode = r->opts->mode;
	int missing = 0;

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		bool key = f->flags & F_KEY;
		bool needed = key || (mode == MODE_INSERT && (f->flags & F_REQUIRED));
		if (!needed || present->value[i])
			continue;
		diag_add(&r->res->diags, DIAG_MISSING_COLUMN, present->file, present->line, 0, 0,
			 f->name, "the header has no '%s' column%s", f->name,
			 key ? ", which is part of the key" : ", required when inserting");
		missing++;
	}
	if (e->role[ROLE_PASSWORD] >= 0 && mode == MODE_INSERT &&
	    !present->value[e->role[ROLE_PASSWORD]] && !present->value[e->role[ROLE_HASH]]) {
		const char *pw = e->fields[e->role[ROLE_PASSWORD]].name;
		diag_add(&r->res->diags, DIAG_MISSING_COLUMN, present->file, present->line, 0, 0,
			 pw, "the header needs a '%s' or a '%s' column", pw,
			 e->fields[e->role[ROLE_HASH]].name);
		missing++;
	}
	r->diag_mark = r->res->diags.count;
	if (missing) {
		error_set(&r->res->error, ERROR_DATA, "%s", ""); /* the diagnostics say it */
		return -1;
	}
	return 0;
}

/* The verdicts of the batch's key index that prepare_record can leave in a record. */
enum { KEY_UNCHECKED = 0, KEY_NEW, KEY_DUPLICATE, KEY_NO_MEMORY };

/* Whether the first pass of skip-account rejected REC (in the final pass):
 * it is checked again for its own cause. */
static bool rejected_in_first_pass(const struct run *r, const struct record *rec)
{
	return r->final_pass && r->first &&
	       first_pass_marked(r->first, r->input_index, rec->number);
}

/*
 * The key of REC as the batch's key index sees it (record_key), or -1 when
 * apply_record rejects REC before it gets that far: a problem the reader
 * found, an empty key part, a key too long.
 */
static long index_key(const struct run *r, const struct record *rec, int bad, char *buf,
		      size_t size)
{
	const struct entity *e = rec->entity;

	(void)r;
	if (bad)
		return -1;
	for (int k = 0; k < 2 && e->key[k] >= 0; k++)
		if (!rec->value[e->key[k]] || !rec->len[e->key[k]])
			return -1;
	return record_key(rec, buf, size);
}

/*
 * reader_ops.prepare: enter REC's key into the batch's key index on the
 * reader's thread, so the database thread only reads the verdict. While a
 * file is read, only this function touches r->seen; apply_record does the
 * same when no reader thread ran (KEY_UNCHECKED).
 */
static void prepare_record(void *ctx, struct record *rec, int bad)
{
	struct run *r = ctx;
	char keybuf[2048];
	long keylen = index_key(r, rec, bad, keybuf, sizeof(keybuf)), prev = 0;

	if (keylen < 0)
		return;
	switch (keyset_add(&r->seen[rec->entity->id], keybuf, (size_t)keylen,
			   ((long)r->input_index << 40) | rec->line, &prev)) {
	case 1:
		rec->key_state = KEY_NEW;
		break;
	case 0:
		rec->key_state = KEY_DUPLICATE;
		rec->key_prev = prev;
		break;
	default:
		rec->key_state = KEY_NO_MEMORY;
	}
}

/*
 * The steps of apply_record. Each returns 0 to go on, 1 when REC is
 * decided (rejected, or unchanged) and -1 on a fatal error; a rejection
 * goes through reject(), whose -1 (--max-errors reached) ends the pass.
 */
static int rejected(struct run *r, const struct record *rec)
{
	return reject(r, rec) == 0 ? 1 : -1;
}

/* The key parts of REC into KEY: every record needs them. */
static int take_key(struct run *r, const struct record *rec, struct row *key)
{
	const struct entity *e = rec->entity;
	int problems = 0;

	for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
		int fi = e->key[k];
		if (!rec->value[fi] || !rec->len[fi]) {
			if (!rec->value[fi])
				entity_report(&r->res->diags, rec, fi, DIAG_REQUIRED,
					      "part of the key; every record needs it");
			problems++;
		} else if (row_set(key, fi, rec->value[fi], rec->len[fi]) != 0) {
			return no_memory(r);
		}
	}
	return problems ? rejected(r, rec) : 0;
}

/*
 * REC's key in the batch's key index: *ADDED 1 when it is new to the batch.
 * A duplicate in the batch is rejected, naming the first record.
 */
static int index_record(struct run *r, const struct record *rec, int *added)
{
	const struct entity *e = rec->entity;
	char keybuf[2048];
	long keylen, prev = rec->key_prev;

	if (rec->key_state != KEY_UNCHECKED) {
		/* prepare_record indexed the key on the reader's thread */
		*added = rec->key_state == KEY_NEW ? 1 : rec->key_state == KEY_DUPLICATE ? 0 : -1;
	} else if ((keylen = record_key(rec, keybuf, sizeof(keybuf))) < 0) {
		entity_report(&r->res->diags, rec, e->key[0], DIAG_TOO_LONG, "key too long");
		return rejected(r, rec);
	} else {
		*added = keyset_add(&r->seen[e->id], keybuf, (size_t)keylen,
				    ((long)r->input_index << 40) | rec->line, &prev);
	}
	if (*added < 0)
		return no_memory(r);
	if (*added == 0) {
		struct input *first = r->input - r->input_index + (prev >> 40);
		int kf = e->key[1] >= 0 ? e->key[1] : e->key[0];
		entity_report(&r->res->diags, rec, kf, DIAG_DUPLICATE_IN_FILE,
			      "same %s%s%s as the record at %s:%ld%s",
			      e->key[1] >= 0 ? e->fields[e->key[0]].name : "",
			      e->key[1] >= 0 ? " and " : "", e->fields[kf].name, first->name,
			      prev & ((1L << 40) - 1),
			      kf == e->email_field ? " (emails are compared ignoring case)" : "");
		return rejected(r, rec);
	}
	return 0;
}

/*
 * The accounts the cells of EFF name exist (in the database or earlier in
 * the batch). AGAIN: REC is checked again after skip-account's first pass,
 * for its own problems only.
 */
static int check_references(struct run *r, const struct record *rec, const struct row *eff,
			    bool again)
{
	const struct entity *e = rec->entity;
	int problems = 0;

	for (size_t i = 0; i < e->nfields && problems == 0; i++) {
		const char *acct = eff->v[i];
		bool was_rejected;
		int ex;
		if (!(e->fields[i].flags & F_REF) || !acct)
			continue;
		ex = account_exists(r, acct);
		if (ex < 0)
			return store_fatal(r, (enum store_status)ex);
		if (ex != 0)
			continue;
		was_rejected = keyset_has(&r->rejected_accounts, acct, strlen(acct));
		if (was_rejected && again) {
			/* checked again: its account is in the batch but left
			 * out; what else is wrong with the record itself? */
		} else if (was_rejected) {
			/* the account is in the batch, but its own record was rejected */
			entity_report(&r->res->diags, rec, (int)i, DIAG_ACCOUNT_REJECTED,
				      "account '%s' was rejected earlier in this batch", acct);
			problems++;
		} else {
			entity_report(&r->res->diags, rec, (int)i, DIAG_NO_ACCOUNT,
				      "account '%s' exists neither in the database nor earlier in "
				      "this batch",
				      acct);
			problems++;
		}
	}
	return problems;
}

/* The row REC makes, and every rule it must keep; rejected when it breaks one. */
static int check_record(struct run *r, const struct record *rec, bool found, bool again,
			const struct row *old, struct row *eff)
{
	int problems = rules_build_row(rec, found, old, eff, &r->res->diags);

	if (problems == 0)
		problems = check_references(r, rec, eff, again);
	if (problems == 0 && (problems = check_password(r, rec, found, old, eff)) >= 0) {
		/* validating an update without a database: the stored row is unknown */
		int more =
			rules_check_row(rec, found, r->store || !found, old, eff, &r->res->diags);
		problems = more < 0 ? -1 : problems + more;
	}
	if (problems < 0 || failed(r)) /* a fatal error, here or in an earlier record */
		return failed(r) ? -1 : no_memory(r);
	return problems ? rejected(r, rec) : 0;
}

/* Write EFF (FOUND: over OLD), unless nothing but the tool's times would change. */
static int write_row(struct run *r, const struct record *rec, bool found, const struct row *old,
		     struct row *eff)
{
	const struct entity *e = rec->entity;
	int up = e->role[ROLE_UPDATED], cr = e->role[ROLE_CREATED];
	enum store_status st;

	if (found && !row_changed(e, old, eff)) {
		r->res->counts[e->id].unchanged++;
		return 1;
	}
	if ((!found && !eff->v[cr] && row_set(eff, cr, r->opts->now, strlen(r->opts->now))) ||
	    ((found || !eff->v[up]) && row_set(eff, up, r->opts->now, strlen(r->opts->now))))
		return no_memory(r);
	if (!r->store)
		return 0; /* validating: nothing to write */
	st = found ? store_update(r->store, e, eff) : store_insert(r->store, e, eff);
	return st == STORE_OK ? 0 : store_fatal(r, st);
}

/* "left out": a record of REC's account was rejected (skip-account). */
static int left_out(struct run *r, const struct record *rec, const char *acct)
{
	entity_report(&r->res->diags, rec, -1, DIAG_ACCOUNT_REJECTED,
		      "left out: a record of account '%s' was rejected", acct ? acct : "");
	return rejected(r, rec);
}

/*
 * Decide REC (BAD: the reader found problems in its cells) and apply it:
 * its key, the batch's key index, skip-account, the stored row, the mode,
 * the rules, and the write. Returns 0, or -1 when the pass must stop.
 */
static int apply_record(struct run *r, struct record *rec, int bad)
{
	const struct entity *e = rec->entity;
	enum import_mode mode = r->opts->mode;
	struct row *key_row = &r->key, *old_row = &r->old, *eff_row = &r->eff;
	const char *acct = account_of(rec);
	int found = 0, rc, added = 0;
	bool again = rejected_in_first_pass(r, rec);

	r->records++;
	if (r->opts->progress && r->records % 1000 == 0)
		r->opts->progress(r->opts->progress_ctx, r->records, r->done_bytes + r->consumed,
				  r->total_bytes);
	if (bad) {
		rc = rejected(r, rec);
		goto out;
	}
	if ((rc = take_key(r, rec, key_row)) != 0 || (rc = index_record(r, rec, &added)) != 0)
		goto out;
	/* skip-account drops the records of a bad account; the ones the first
	 * pass rejected are checked again, for their own cause */
	if (r->final_pass && r->opts->on_error == ON_ERROR_SKIP_ACCOUNT && acct && !again &&
	    keyset_has(r->bad_accounts, acct, strlen(acct))) {
		entity_report(&r->res->diags, rec, -1, DIAG_ACCOUNT_REJECTED,
			      "left out: another record of account '%s' was rejected", acct);
		rc = rejected(r, rec);
		goto out;
	}
	if (r->store) {
		/* a key new to the batch cannot be in a table that began it empty */
		found = r->was_empty[e->id] && added == 1
				? 0
				: store_find(r->store, e, key_row, old_row);
		if (found < 0) {
			rc = store_fatal(r, (enum store_status)found);
			goto out;
		}
	} else if (mode == MODE_UPDATE) {
		found = 1; /* validating an update: the stored row is unknown, not absent */
	}
	if (mode == MODE_DELETE) {
		if (r->store || (e->flags & E_KEPT))
			rc = delete_record(r, rec, key_row, found == 1, !again);
		if (rc == 0 && again)
			rc = left_out(r, rec, acct);
	} else if (mode == MODE_INSERT && found) {
		entity_report(&r->res->diags, rec, e->key[0], DIAG_EXISTS, "%s already exists",
			      e->singular);
		rc = rejected(r, rec);
	} else if (mode == MODE_UPDATE && !found && r->store) {
		entity_report(&r->res->diags, rec, e->key[0], DIAG_NOT_FOUND, "no %s with this key",
			      e->singular);
		rc = rejected(r, rec);
	} else if ((rc = check_record(r, rec, found, again, old_row, eff_row)) != 0) {
		/* rejected, or fatal */
	} else if (again) {
		/* the first pass found a problem the second does not (the batch
		 * around it changed): never applied, its account is left out */
		rc = left_out(r, rec, acct);
	} else if (mode == MODE_SYNC && synced(e) &&
		   sync_note_account(r, e, eff_row->v[e->account_field]) < 0) {
		rc = no_memory(r);
	} else {
		rc = write_row(r, rec, found, old_row, eff_row);
	}
out:
	r->diag_mark = r->res->diags.count;
	row_clear(key_row);
	row_clear(old_row);
	row_clear(eff_row);
	return rc < 0 ? -1 : 0;
}

/* login_group_settle's callback: the hash stored for REC's login. */
static int stored_hash(void *ctx, const struct record *rec, char **hash)
{
	struct run *r = ctx;
	const struct entity *e = rec->entity;
	int found;

	*hash = NULL;
	row_clear(&r->key);
	row_clear(&r->old);
	for (int k = 0; k < 2 && e->key[k] >= 0; k++)
		if (row_set(&r->key, e->key[k], rec->value[e->key[k]], rec->len[e->key[k]]) != 0) {
			return no_memory(r);
		}
	found = store_find(r->store, e, &r->key, &r->old);
	if (found < 0)
		return store_fatal(r, (enum store_status)found);
	if (found && r->old.v[e->role[ROLE_HASH]] &&
	    !(*hash = strdup(r->old.v[e->role[ROLE_HASH]]))) {
		return no_memory(r);
	}
	row_clear(&r->key);
	row_clear(&r->old);
	return 0;
}

/*
 * Apply the held logins in their order, their passwords settled first on
 * all cores: a password that matches the stored hash keeps it (unchanged),
 * any other gets a new Argon2id hash. Returns what apply_record returns.
 */
static int flush_logins(struct run *r)
{
	int rc = 0;

	if (r->logins.count == 0)
		return 0;
	if (login_group_settle(&r->logins, stored_hash, r) != 0)
		rc = -1;
	for (size_t i = 0; i < r->logins.count && rc == 0; i++) {
		const struct record *rec = login_group_record(&r->logins, i, &r->precomputed);
		if (!rec && stop_signal()) {
			stopped(r);
			rc = -1;
		} else if (!rec) {
			rc = hash_failed(r);
		} else {
			/* apply_record reads the record, which the group keeps */
			rc = apply_record(r, (struct record *)rec, 0);
		}
		r->precomputed = NULL;
	}
	login_group_clear(&r->logins);
	return rc;
}

static int on_record(void *ctx, struct record *rec, int bad)
{
	struct run *r = ctx;
	const struct entity *e = rec->entity;
	int pw = e->role[ROLE_PASSWORD], rc;

	if (stop_signal()) {
		stopped(r);
		return -1;
	}
	if (r->hash && r->store && !bad && pw >= 0 && rec->value[pw] && rec->len[pw] &&
	    r->opts->mode != MODE_DELETE) {
		if (login_group_add(&r->logins, rec) != 0) {
			return no_memory(r);
		}
		if (!login_group_full(&r->logins))
			return 0;
		rc = flush_logins(r);
		settle_diags(r);
		return rc;
	}
	if (r->logins.count) {
		/* the reader already reported this record's cell problems: hold
		 * them aside while the earlier, pending logins are applied */
		struct diag_list held = {0}, mine = {0};

		if (r->res->diags.count > r->diag_mark) {
			mine.items = r->res->diags.items + r->diag_mark;
			mine.count = mine.cap = r->res->diags.count - r->diag_mark;
		}
		if (diag_list_move(&held, &mine) != 0) {
			return no_memory(r);
		}
		r->res->diags.count = r->diag_mark;
		rc = flush_logins(r);
		if (diag_list_move(&r->res->diags, &held) != 0) {
			diag_list_release(&held);
			return no_memory(r);
		}
		free(held.items);
		if (rc != 0)
			return -1;
	}
	rc = apply_record(r, rec, bad);
	settle_diags(r);
	return rc;
}

/* sync: delete the rows of each account named in the file that the file left out. */
struct sync_ctx {
	struct run *r;
	const struct entity *e;
	struct row *doomed; /* keys to delete */
	size_t n;
};

static int collect_unseen(void *ctx, const struct row *row)
{
	struct sync_ctx *sc = ctx;
	struct record rec;
	char k[2048];
	long len;
	bool seen;

	memset(&rec, 0, sizeof(rec));
	rec.entity = sc->e;
	for (int i = 0; i < 2 && sc->e->key[i] >= 0; i++) {
		int fi = sc->e->key[i];
		rec.value[fi] = row->v[fi];
		rec.len[fi] = strlen(row->v[fi]);
	}
	len = record_key(&rec, k, sizeof(k));
	if (len < 0)
		return -1;
	seen = keyset_has(&sc->r->seen[sc->e->id], k, (size_t)len);
	if (!seen) {
		struct row *n = realloc(sc->doomed, (sc->n + 1) * sizeof(*n));
		if (!n)
			return -1;
		sc->doomed = n;
		memset(&n[sc->n], 0, sizeof(*n));
		for (int i = 0; i < 2 && sc->e->key[i] >= 0; i++) {
			int fi = sc->e->key[i];
			row_set(&n[sc->n], fi, row->v[fi], strlen(row->v[fi]));
		}
		sc->n++;
	}
	return 0;
}

/*
 * sync: after the whole batch (several files may name one account), delete
 * the logins and contacts of every account the batch named that the batch
 * left out.
 */
static int sync_batch(struct run *r)
{
	int rc = 0;

	for (size_t a = 0; a < r->nsync && rc == 0; a++) {
		const struct entity *e = entity_get(r->sync_accounts[a][0] - '0');
		const char *acct = r->sync_accounts[a] + 1;
		struct sync_ctx sc = {r, e, NULL, 0};
		enum store_status st;

		if (r->bad_accounts && keyset_has(r->bad_accounts, acct, strlen(acct)))
			continue; /* never remove rows of an account whose records were rejected */
		st = store_each_key(r->store, e, acct, collect_unseen, &sc);
		if (st != STORE_OK)
			rc = store_fatal(r, st);
		for (size_t i = 0; i < sc.n; i++) {
			if (rc == 0 && (st = store_delete(r->store, e, &sc.doomed[i])) != STORE_OK)
				rc = store_fatal(r, st);
			row_release(&sc.doomed[i]);
		}
		free(sc.doomed);
	}
	for (size_t a = 0; a < r->nsync; a++)
		free(r->sync_accounts[a]);
	free(r->sync_accounts);
	r->sync_accounts = NULL;
	r->nsync = 0;
	keyset_release(&r->sync_seen);
	return rc;
}

/* Read every input once. Returns 0, or -1 when the pass had to stop. */
static int run_pass(struct run *r, struct input_list *inputs)
{
	for (size_t i = 0; i < inputs->count; i++) {
		struct input *in = &inputs->items[i];
		struct reader_ops ops = {.on_header = on_header,
					 .on_record = on_record,
					 .ctx = r,
					 .prepare = prepare_record};
		struct source src;
		enum read_status rs;
		char why[600];

		r->input = in;
		r->input_index = i;
		r->res->present[in->e->id] = true;
		if (input_open(in, &src) != 0) {
			int e = errno;
			error_set(&r->res->error, e == ENOENT ? ERROR_NO_INPUT : ERROR_IO,
				  "%s; nothing written", input_why(in, e, why, sizeof(why)));
			return -1;
		}
		r->diag_mark = r->res->diags.count;
		r->consumed = 0;
		in->records = -r->records;
		rs = prefetch_read(&src, in->e,
				   in->format == FORMAT_XML ? PREFETCH_XML : PREFETCH_CSV, &ops,
				   &r->res->diags, &r->consumed);
		if ((rs == READ_OK || rs == READ_BROKEN) && !failed(r) && flush_logins(r) != 0 &&
		    rs == READ_OK)
			rs = READ_STOPPED;
		login_group_clear(&r->logins);
		settle_diags(r);
		/* the batch applies the whole input and records the SHA-256 of
		 * exactly the bytes applied: a file that changed or shrank while
		 * it was read rolls the batch back */
		if (rs == READ_OK && source_finish_digest(&src, in->sha256) != 0)
			rs = READ_IO_ERROR;
		if (rs == READ_OK && source_check_whole(&src) != 0) {
			src.error = errno;
			rs = READ_IO_ERROR;
		}
		if (rs == READ_IO_ERROR) {
			error_set(&r->res->error, ERROR_IO, "%s; nothing written",
				  input_why(in, src.error, why, sizeof(why)));
		} else if (rs == READ_NO_MEMORY) {
			no_memory(r);
		}
		in->records += r->records;
		r->done_bytes += src.consumed;
		if (r->opts->progress)
			r->opts->progress(r->opts->progress_ctx, r->records, r->done_bytes,
					  r->total_bytes);
		source_close(&src);
		if (rs == READ_BROKEN) /* the file's own problems are in the diagnostics */
			r->broken = true;
		if (failed(r) || rs == READ_STOPPED)
			return -1;
	}
	if (r->opts->mode == MODE_SYNC && r->store && sync_batch(r) != 0)
		return -1;
	return 0;
}

static void run_release(struct run *r)
{
	for (int e = 0; e < ENTITY_COUNT; e++)
		keyset_release(&r->seen[e]);
	keyset_release(&r->sync_seen);
	keyset_release(&r->rejected_accounts);
	for (size_t a = 0; a < r->nsync; a++)
		free(r->sync_accounts[a]);
	free(r->sync_accounts);
	free(r->last_account);
	row_release(&r->key);
	row_release(&r->old);
	row_release(&r->eff);
	login_group_release(&r->logins);
	memset(r->seen, 0, sizeof(r->seen));
	r->sync_accounts = NULL;
	r->nsync = 0;
	r->last_account = NULL;
}

const char *import_outcome_name(enum import_outcome o)
{
	switch (o) {
	case OUTCOME_COMMITTED:
		return "committed";
	case OUTCOME_DRY_RUN:
		return "dry_run";
	case OUTCOME_VALIDATED:
		return "validated";
	default:
		return "rolled_back";
	}
}

/* The batch's inputs as JSON: [{"file": ..., "sha256": ..., "entity": ...}]. */
static char *inputs_json(const struct input_list *inputs)
{
	json_t *arr = json_array();
	char *text;

	for (size_t i = 0; i < inputs->count; i++)
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s}", "file", inputs->items[i].name,
						"entity", inputs->items[i].e->plural, "sha256",
						inputs->items[i].sha256));
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

json_t *import_counts_json(const struct import_result *res)
{
	json_t *obj = json_object();

	for (int e = 0; e < ENTITY_COUNT; e++) {
		const struct entity_counts *c = &res->counts[e];
		if (!res->present[e] && !c->inserted && !c->updated && !c->deleted)
			continue;
		json_object_set_new(
			obj, entity_get(e)->plural,
			json_pack("{s:I, s:I, s:I, s:I, s:I}", "inserted", (json_int_t)c->inserted,
				  "updated", (json_int_t)c->updated, "unchanged",
				  (json_int_t)c->unchanged, "deleted", (json_int_t)c->deleted,
				  "rejected", (json_int_t)c->rejected));
	}
	return obj;
}

static char *counts_json(const struct import_result *res)
{
	json_t *obj = import_counts_json(res);
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	return text;
}

static int note_header(void *ctx, const struct record *present)
{
	unsigned *mask = ctx;

	for (size_t i = 0; i < present->entity->nfields; i++)
		if (present->value[i])
			*mask |= 1u << i;
	return -1; /* the header is all we want */
}

static int no_record(void *ctx, struct record *rec, int bad)
{
	(void)ctx;
	(void)rec;
	(void)bad;
	return -1;
}

/*
 * The columns of the rejects file for IN: the CSV header's columns, so
 * that a fixed rejects file re-imports with the same meaning (a column the
 * input left out stays left out). XML inputs and standard input give every
 * field but the tool's times.
 */
static unsigned input_columns(const struct input *in)
{
	const struct entity *e = in->e;
	unsigned mask = 0;
	struct reader_ops ops = {.on_header = note_header, .on_record = no_record, .ctx = &mask};
	struct diag_list ignored = {0};
	struct source src;

	if (in->format == FORMAT_CSV && strcmp(in->path, "-") != 0 && input_open(in, &src) == 0) {
		csv_read_records(&src, e, &ops, &ignored);
		source_close(&src);
		diag_list_release(&ignored);
	}
	if (mask == 0)
		for (size_t f = 0; f < e->nfields; f++)
			if (!(e->fields[f].flags & F_TOOL))
				mask |= 1u << f;
	return mask;
}

/* Open the rejects file of each entity in the batch. */
static int open_rejects(struct run *r, struct input_list *inputs, struct rejects_file *rf)
{
	unsigned columns[ENTITY_COUNT] = {0};
	int entities = 0;
	const char *path = r->opts->rejects_path;

	for (size_t i = 0; i < inputs->count; i++) {
		const struct entity *e = inputs->items[i].e;
		if (!columns[e->id])
			entities++;
		columns[e->id] |= input_columns(&inputs->items[i]);
	}
	for (int id = 0; id < ENTITY_COUNT; id++) {
		char *name = NULL;
		const char *dot, *slash;
		if (!columns[id])
			continue;
		if (entities == 1) {
			name = strdup(path);
		} else {
			dot = strrchr(path, '.');
			slash = strrchr(path, '/');
			if (!dot || (slash && dot < slash))
				dot = path + strlen(path);
			if (asprintf(&name, "%.*s.%s%s", (int)(dot - path), path,
				     entity_get(id)->plural, dot) < 0)
				name = NULL;
		}
		if (!name || rejects_open(&rf[id], name, entity_get(id), columns[id]) != 0) {
			error_set(&r->res->error, ERROR_CANT_CREATE,
				  "cannot create the rejects file '%s': %s", name ? name : path,
				  strerror(errno));
			free(name);
			return -1;
		}
		free(name);
	}
	return 0;
}

/* Get R ready for pass PASS (1: the final one) over INPUTS. */
static void begin_pass(struct run *r, struct input_list *inputs, int pass, bool two_pass)
{
	const struct import_opts *opts = r->opts;
	struct import_result *res = r->res;

	r->final_pass = pass == 1;
	r->hash = r->final_pass && !opts->dry_run && r->store != NULL;
	r->rejected = 0;
	r->broken = false;
	r->records = 0;
	r->done_bytes = 0;
	r->total_bytes = 0;
	for (size_t i = 0; i < inputs->count; i++) {
		const struct input *in = &inputs->items[i];
		if (in->bytes)
			r->total_bytes += in->bytes->from < 0 ? in->bytes->len : 0;
		else
			r->total_bytes += (uint64_t)in->id.st_size;
	}
	if (pass == 1 && two_pass) {
		/* second pass of skip-account: afresh, with the bad accounts known */
		diag_list_release(&res->diags);
		memset(res->counts, 0, sizeof(res->counts));
		res->stopped_max_errors = false;
		run_release(r);
	}
	/* the final pass streams its diagnostics as each record is decided */
	res->diags.sink = r->final_pass ? opts->on_diag : NULL;
	res->diags.sink_ctx = opts->diag_ctx;
	res->diags.keep = IMPORT_REPORT_ERRORS;
}

/* Begin the pass's batch; note which tables it found empty. */
static int begin_batch(struct run *r)
{
	enum store_status st;

	st = store_begin_batch(r->store, "import", r->opts->command, r->opts->now, &r->res->batch);
	if (st != STORE_OK)
		return store_fatal(r, st);
	for (int e = 0; e < ENTITY_COUNT; e++) {
		int empty = store_is_empty(r->store, entity_get(e));
		if (empty < 0)
			return store_fatal(r, (enum store_status)empty);
		r->was_empty[e] = empty == 1;
	}
	return 0;
}

/* The size of the batch's key index, for --verbose. */
static void note_key_index(const struct run *r)
{
	struct import_result *res = r->res;

	res->records = r->records;
	res->keys = 0;
	res->key_bytes = 0;
	res->key_peak = 0;
	for (int e = 0; e < ENTITY_COUNT; e++) {
		res->keys += r->seen[e].count;
		res->key_bytes += keyset_bytes(&r->seen[e]);
		res->key_peak += keyset_peak_bytes(&r->seen[e]);
	}
}

/*
 * The run's verdict: whether the batch may commit (COMMIT, never in a dry
 * run), else the data error that refuses it. The inserted, updated and
 * deleted counts are the journal's.
 */
static int settle_verdict(struct run *r, bool *commit)
{
	struct import_result *res = r->res;
	const struct import_opts *opts = r->opts;
	long journal[ENTITY_COUNT][3];
	enum store_status st;
	bool acceptable;

	if (r->store) {
		if ((st = store_batch_counts(r->store, res->batch, journal)) != STORE_OK)
			return store_fatal(r, st);
		for (int e = 0; e < ENTITY_COUNT; e++) {
			res->counts[e].inserted = journal[e][0];
			res->counts[e].updated = journal[e][1];
			res->counts[e].deleted = journal[e][2];
		}
	}
	/* what a real run would do; a dry run reports the same status */
	acceptable = !res->stopped_max_errors && !r->broken &&
		     !(r->rejected > 0 && opts->on_error == ON_ERROR_ABORT);
	*commit = acceptable && !opts->dry_run && r->store != NULL;
	if (!acceptable)
		error_set(&res->error, ERROR_DATA, "%s", ""); /* the diagnostics say why */
	else
		res->some_rejected = r->rejected > 0;
	res->outcome = !r->store       ? OUTCOME_VALIDATED
		       : opts->dry_run ? OUTCOME_DRY_RUN
		       : *commit       ? OUTCOME_COMMITTED
				       : OUTCOME_ROLLED_BACK;
	return 0;
}

/*
 * A failure after the verdict (a rejects file lost, a batch that could not
 * be ended) outranks the verdict on the input: it is the run's error.
 */
static void fail_after_verdict(struct run *r)
{
	if (r->res->error.kind == ERROR_DATA)
		error_clear(&r->res->error);
}

/* Write the rejects files; any that cannot be written fails the run. */
static void commit_rejects(struct run *r, struct rejects_file *rf, bool *commit)
{
	for (int e = 0; e < ENTITY_COUNT; e++) {
		if (!rf[e].e || rejects_commit(&rf[e]) == 0)
			continue;
		fail_after_verdict(r);
		error_set(&r->res->error, ERROR_IO, "cannot write the rejects file: %s",
			  strerror(errno));
		*commit = false;
		if (r->store)
			r->res->outcome = OUTCOME_ROLLED_BACK;
	}
}

/* End the batch: record its inputs and counts, and commit when COMMIT. */
static void end_batch(struct run *r, struct input_list *inputs, bool commit)
{
	char *inputs_text = inputs_json(inputs), *counts_text = counts_json(r->res), ended[32];
	const struct import_opts *opts = r->opts;
	enum store_status st;

	st = store_end_batch(r->store, r->res->batch, inputs_text ? inputs_text : "[]",
			     counts_text ? counts_text : "{}",
			     opts->clock ? opts->clock(ended) : opts->now, commit);
	if (st != STORE_OK) {
		fail_after_verdict(r);
		store_fatal(r, st);
		r->res->outcome = OUTCOME_ROLLED_BACK;
	}
	free(inputs_text);
	free(counts_text);
}

int import_run(struct store *store, struct input_list *inputs, const struct import_opts *opts,
	       struct import_result *res)
{
	struct run r;
	struct keyset bad = {0};
	struct first_pass first;
	struct rejects_file rf[ENTITY_COUNT];
	bool two_pass = opts->on_error == ON_ERROR_SKIP_ACCOUNT;
	bool commit = false, in_batch = false;

	memset(res, 0, sizeof(*res));
	memset(rf, 0, sizeof(rf));
	memset(&first, 0, sizeof(first));
	if (two_pass) {
		first.ninputs = inputs->count;
		first.rejected = calloc(inputs->count ? inputs->count : 1, sizeof(*first.rejected));
		first.bytes = calloc(inputs->count ? inputs->count : 1, sizeof(*first.bytes));
		if (!first.rejected || !first.bytes) {
			first_pass_release(&first);
			return error_set(&res->error, ERROR_NO_MEMORY, "%s", "out of memory");
		}
	}
	res->outcome = store ? OUTCOME_ROLLED_BACK : OUTCOME_VALIDATED;
	memset(&r, 0, sizeof(r));
	r.store = store;
	r.opts = opts;
	r.res = res;
	/* only skip-account and sync need to know which accounts had a
	 * rejected record (an index that grows with the accounts) */
	r.bad_accounts = two_pass || opts->mode == MODE_SYNC ? &bad : NULL;
	r.first = two_pass ? &first : NULL;

	if (opts->rejects_path && open_rejects(&r, inputs, rf) != 0)
		goto out;
	for (int pass = two_pass ? 0 : 1; pass <= 1; pass++) {
		begin_pass(&r, inputs, pass, two_pass);
		r.rejects = r.final_pass && opts->rejects_path ? rf : NULL;
		if (store) {
			in_batch = true;
			if (begin_batch(&r) != 0)
				goto out;
		}
		run_pass(&r, inputs);
		note_key_index(&r);
		/* skip-account's first pass only finds the bad accounts: a broken
		 * file or --max-errors ends the second one the same way, with
		 * every message */
		if (failed(&r) || (r.final_pass && (res->stopped_max_errors || r.broken)))
			break;
		if (!r.final_pass && store) {
			store_rollback(store);
			in_batch = false;
		}
	}
	if (failed(&r) || settle_verdict(&r, &commit) != 0)
		goto out;
	if (opts->rejects_path)
		commit_rejects(&r, rf, &commit);
	if (store && in_batch) {
		end_batch(&r, inputs, commit);
		in_batch = false;
	}
out:
	if (failed(&r) && store)
		res->outcome = opts->dry_run && res->error.kind == ERROR_DATA ? OUTCOME_DRY_RUN
									      : OUTCOME_ROLLED_BACK;
	if (in_batch && store)
		store_rollback(store);
	for (int e = 0; e < ENTITY_COUNT; e++)
		if (rf[e].e)
			rejects_abort(&rf[e]);
	run_release(&r);
	keyset_release(&bad);
	first_pass_release(&first);
	diag_list_flush(&res->diags); /* what came after the last record */
	return failed(&r) ? -1 : 0;
}

void import_result_release(struct import_result *res)
{
	diag_list_release(&res->diags);
}
