/*
 * seams.c - the release behaviour of the test seams (see seams.h).
 */
#include "seams.h"

#include <sodium.h>
#include <time.h>

void seam_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void seam_hash_limits(unsigned long long *ops, size_t *mem)
{
	*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

void seam_read_faults(long long *fail_at, long long *pause_at)
{
	*fail_at = -1;
	*pause_at = -1;
}
