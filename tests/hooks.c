/*
 * hooks.c - the test build's side of the seams (src/seams.h), linked into
 * the binaries make check builds with -Wl,--wrap=seam_now,... so that the
 * objects under test are the release objects:
 *
 *   ACCTBATCH_NOW=2026-11-26T14:07:06Z  a fixed clock, for reproducible outputs
 *   ACCTBATCH_TEST_WEAK_HASH=1          libsodium's minimum Argon2id limits
 *   ACCTBATCH_TEST_FAIL_READ_AT=N       every file read fails after N bytes
 *   ACCTBATCH_TEST_PAUSE_AT=N           stop (SIGSTOP) once the first file
 *                                       read passes N bytes
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "seams.h"

void __real_seam_now(char buf[32]);
void __wrap_seam_now(char buf[32]);
void __real_seam_hash_limits(unsigned long long *ops, size_t *mem);
void __wrap_seam_hash_limits(unsigned long long *ops, size_t *mem);
void __real_seam_read_faults(long long *fail_at, long long *pause_at);
void __wrap_seam_read_faults(long long *fail_at, long long *pause_at);

void __wrap_seam_now(char buf[32])
{
	const char *fixed = getenv("ACCTBATCH_NOW");

	if (fixed && strlen(fixed) == 20 && fixed[10] == 'T' && fixed[19] == 'Z')
		memcpy(buf, fixed, 21);
	else
		__real_seam_now(buf);
}

void __wrap_seam_hash_limits(unsigned long long *ops, size_t *mem)
{
	const char *w = getenv("ACCTBATCH_TEST_WEAK_HASH");

	__real_seam_hash_limits(ops, mem);
	if (w && strcmp(w, "1") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_MIN;
		*mem = crypto_pwhash_MEMLIMIT_MIN;
	}
}

void __wrap_seam_read_faults(long long *fail_at, long long *pause_at)
{
	__real_seam_read_faults(fail_at, pause_at);
	if (getenv("ACCTBATCH_TEST_PAUSE_AT"))
		*pause_at = atoll(getenv("ACCTBATCH_TEST_PAUSE_AT"));
	if (getenv("ACCTBATCH_TEST_FAIL_READ_AT"))
		*fail_at = atoll(getenv("ACCTBATCH_TEST_FAIL_READ_AT"));
}
