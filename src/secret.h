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

#endif
