/*
 * login_hash.c - logins hashed together (see login_hash.h).
 */
#include "login_hash.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* One held login. */
struct login_held {
	struct record rec;     /* copy; values point into mem */
	char *mem;	       /* sodium_malloc'd copies of the values */
	char *old_hash;	       /* the stored hash, malloc'd, or NULL */
	struct secret_job job; /* its hashing; job.pw NULL: not hashed */
};

int login_group_add(struct login_group *g, const struct record *rec)
{
	struct login_held *h;
	size_t total = 0, off = 0;

	if (!g->held && !(g->held = calloc(LOGIN_GROUP_MAX, sizeof(*g->held))))
		return -1;
	if (g->count == LOGIN_GROUP_MAX)
		return -1;
	h = &g->held[g->count];
	for (size_t i = 0; i < rec->entity->nfields; i++)
		if (rec->value[i])
			total += rec->len[i] + 1;
	h->mem = sodium_malloc(total ? total : 1);
	if (!h->mem)
		return -1;
	h->rec = *rec;
	for (size_t i = 0; i < rec->entity->nfields; i++) {
		if (!rec->value[i])
			continue;
		memcpy(h->mem + off, rec->value[i], rec->len[i]);
		h->mem[off + rec->len[i]] = '\0';
		h->rec.value[i] = h->mem + off;
		off += rec->len[i] + 1;
	}
	g->count++;
	return 0;
}

bool login_group_full(const struct login_group *g)
{
	return g->count == LOGIN_GROUP_MAX;
}

int login_group_settle(struct login_group *g,
		       int (*old_hash)(void *ctx, const struct record *rec, char **hash), void *ctx)
{
	struct secret_job packed[LOGIN_GROUP_MAX];
	size_t n = 0, k = 0;

	for (size_t i = 0; i < g->count; i++) {
		struct login_held *h = &g->held[i];
		int pw = h->rec.entity->role[ROLE_PASSWORD];
		long chars;

		/* only passwords that will pass the rules are worth hashing */
		if (rules_password(&h->rec, &chars) != PASSWORD_NEW)
			continue;
		if (old_hash(ctx, &h->rec, &h->old_hash) != 0)
			return -1;
		h->job.pw = h->rec.value[pw];
		h->job.len = h->rec.len[pw];
		h->job.old_hash = h->old_hash;
		packed[n++] = h->job;
	}
	if (n == 0)
		return 0;
	secret_settle_all(packed, n);
	for (size_t i = 0; i < g->count; i++) {
		if (!g->held[i].job.pw)
			continue;
		g->held[i].job = packed[k];
		sodium_memzero(&packed[k], sizeof(packed[k]));
		k++;
	}
	return 0;
}

const struct record *login_group_record(const struct login_group *g, size_t i, const char **hash)
{
	const struct login_held *h = &g->held[i];

	*hash = NULL;
	if (!h->job.pw)
		return &h->rec;
	if (h->job.rc != 0)
		return NULL;
	*hash = h->job.out;
	return &h->rec;
}

void login_group_clear(struct login_group *g)
{
	for (size_t i = 0; i < g->count; i++) {
		struct login_held *h = &g->held[i];
		sodium_free(h->mem);
		free(h->old_hash);
		sodium_memzero(h, sizeof(*h));
	}
	g->count = 0;
}

void login_group_release(struct login_group *g)
{
	login_group_clear(g);
	free(g->held);
	g->held = NULL;
}
