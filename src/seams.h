/*
 * seams.h - the three things a test build replaces at link time: the
 * clock, the cost of hashing a password, and injected read faults.
 *
 * seams.c holds the release behaviour. The binaries make check builds are
 * linked from the same objects plus tests/hooks.c, whose wrappers
 * (-Wl,--wrap=seam_now,...) read ACCTBATCH_NOW, ACCTBATCH_TEST_WEAK_HASH,
 * ACCTBATCH_TEST_FAIL_READ_AT and ACCTBATCH_TEST_PAUSE_AT. No layer reads a
 * test variable itself, and the release binary cannot honour one.
 */
#ifndef ACCTBATCH_SEAMS_H
#define ACCTBATCH_SEAMS_H

#include <stddef.h>

/* seam_now: the current UTC time as ISO 8601 ("2026-12-03T18:30:00Z") in BUF (32 bytes). */
void seam_now(char buf[32]);

/* seam_hash_limits: the Argon2id cost of a new hash: libsodium's interactive limits. */
void seam_hash_limits(unsigned long long *ops, size_t *mem);

/*
 * seam_read_faults: where reading a file fails with EIO (*FAIL_AT bytes)
 * and where the process stops itself once (*PAUSE_AT bytes): -1, never.
 */
void seam_read_faults(long long *fail_at, long long *pause_at);

#endif
