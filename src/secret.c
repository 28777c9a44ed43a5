/*
 * secret.c - Argon2id hashing and verification with libsodium.
 */
#include "secret.h"

#include <stdlib.h>
#include <string.h>

int secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static bool weak(void)
{
	const char *w = getenv("ACCTBATCH_TEST_WEAK_HASH");
	return w && strcmp(w, "1") == 0;
}

int secret_hash(const char *pw, size_t len, char out[SECRET_HASH_MAX])
{
	unsigned long long ops = weak() ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = weak() ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;

	return crypto_pwhash_str_alg(out, pw, len, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
}

bool secret_verify(const char *hash, const char *pw, size_t len)
{
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return false;
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}
