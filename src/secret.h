/*
 * secret.h - password hashing (Argon2id via libsodium) and digests.
 *
 * Plaintext passwords enter here and leave only as hash strings; callers
 * wipe their copies with sodium_memzero. Never prints.
 */
#ifndef ACCTBATCH_SECRET_H
#define ACCTBATCH_SECRET_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define SECRET_HASH_MAX crypto_pwhash_STRBYTES /* bytes of a hash string with NUL */

/*
 * Memory that may hold a secret: each block remembers its size, so that it
 * can be wiped when it is released (libcsv and libxml2 give only the
 * pointer back).
 * secret_malloc: a block of N bytes, or NULL.
 * secret_realloc: a block of N bytes holding P's bytes; P is wiped (when
 *   WIPE) and released; P may be NULL. NULL when out of memory (P kept).
 * secret_free: wipe P's bytes (when WIPE) and release it; P may be NULL.
 */
void *secret_malloc(size_t n);
void *secret_realloc(void *p, size_t n, bool wipe);
void secret_free(void *p, bool wipe);

/*
 * secret_guard_process: for the rest of the run, the process leaves no
 * core dump and cannot be attached to by other users' debuggers
 * (PR_SET_DUMPABLE 0, RLIMIT_CORE 0): it may hold plaintext passwords.
 * Returns 0, or -1 when the kernel refused (errno set).
 */
int secret_guard_process(void);

/*
 * secret_arena_alloc: N bytes (rounded up to whole pages) that never go
 * into a core dump (MADV_DONTDUMP) and are kept out of swap when the
 * memory lock limit allows (mlock); NULL when out of memory.
 * secret_arena_free: wipe and release them (N as given); accepts NULL.
 */
void *secret_arena_alloc(size_t n);
void secret_arena_free(void *p, size_t n);

/* secret_init: initialise libsodium; -1 if it cannot be used. */
int secret_init(void);

/*
 * secret_hash: Argon2id hash string of PW (LEN bytes) into OUT. Uses
 * libsodium's interactive limits (or the minimum ones when the environment
 * variable ACCTBATCH_TEST_WEAK_HASH=1 is set: for the test suite only).
 * Returns 0, or -1 when memory ran out.
 */
int secret_hash(const char *pw, size_t len, char out[SECRET_HASH_MAX]);

/* secret_verify: true when HASH is an Argon2id string that PW (LEN bytes) matches. */
bool secret_verify(const char *hash, const char *pw, size_t len);

/* One password to settle: keep OLD_HASH when PW matches it, else hash PW. */
struct secret_job {
	const char *pw;		   /* plaintext, owned by the caller (secure memory) */
	size_t len;		   /* bytes of pw */
	const char *old_hash;	   /* stored hash to verify against, or NULL */
	char out[SECRET_HASH_MAX]; /* the hash to store */
	bool reused;		   /* out is old_hash: the password did not change */
	int rc;			   /* 0, or -1 when hashing failed (memory) */
};

/*
 * secret_settle_all: settle N jobs on all cores (one thread per online CPU,
 * at most 16: each Argon2id hash takes 64 MiB). Once a stop signal came
 * (stop.h), the jobs not yet begun are left with rc -1. Returns 0, or -1
 * when threads could not be started (the jobs are then done on this thread).
 */
int secret_settle_all(struct secret_job *jobs, size_t n);

#endif
