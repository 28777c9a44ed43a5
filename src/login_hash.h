/*
 * login_hash.h - logins with new passwords, held in a group and hashed
 * together on all cores before they are applied in their order.
 *
 * Owns the copies of the group's records (in secure memory: locked, kept
 * out of core dumps, wiped when freed) and the hashing. Which password is
 * worth hashing is rules_password's verdict (rules.h), so that the rules
 * are checked in one place. Must not touch the database: a stored hash to
 * compare with comes through a callback.
 */
#ifndef ACCTBATCH_LOGIN_HASH_H
#define ACCTBATCH_LOGIN_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include "entity.h"
#include "secret.h"

#define LOGIN_GROUP_MAX 32 /* logins hashed together */

struct login_group {
	struct login_held *held; /* LOGIN_GROUP_MAX entries, allocated on first use */
	size_t count;		 /* records held */
};

/* login_group_add: hold a copy of REC. Returns 0, or -1 out of memory. */
int login_group_add(struct login_group *g, const struct record *rec);

/* login_group_full: whether the group holds LOGIN_GROUP_MAX records. */
bool login_group_full(const struct login_group *g);

/*
 * login_group_settle: hash the password of every held record that keeps the
 * password rules, all at once. OLD_HASH(CTX, REC, &HASH) gives the hash
 * stored for REC's login (a malloc'd string, or NULL when there is none)
 * and returns 0, or -1 to give up; a password that matches it keeps it.
 * Returns 0, or what OLD_HASH returned.
 */
int login_group_settle(struct login_group *g,
		       int (*old_hash)(void *ctx, const struct record *rec, char **hash),
		       void *ctx);

/*
 * login_group_record: held record I, and in *HASH the hash settled for it:
 * NULL when none was computed (its password breaks a rule, which applying
 * it reports). Returns NULL when hashing it failed (out of memory, or a stop
 * signal came first).
 */
const struct record *login_group_record(const struct login_group *g, size_t i, const char **hash);

/* login_group_clear: wipe and free the held records; the group stays usable. */
void login_group_clear(struct login_group *g);

/* login_group_release: clear G and free what it holds; safe twice. */
void login_group_release(struct login_group *g);

#endif
