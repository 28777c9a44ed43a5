/*
 * secret.c - Argon2id hashing and verification with libsodium.
 */
#include "secret.h"
#include "seams.h"
#include "stop.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *secret_malloc(size_t n)
{
	size_t *h = malloc(n + sizeof(size_t));

	if (!h)
		return NULL;
	*h = n;
	return h + 1;
}

void secret_free(void *p, bool wipe)
{
	if (p) {
		size_t *h = (size_t *)p - 1;
		if (wipe)
			sodium_memzero(p, *h);
		free(h);
	}
}

void *secret_realloc(void *p, size_t n, bool wipe)
{
	size_t old = p ? ((size_t *)p)[-1] : 0;
	void *q = secret_malloc(n);

	if (!q)
		return NULL;
	if (p)
		memcpy(q, p, old < n ? old : n);
	secret_free(p, wipe);
	return q;
}

int secret_guard_process(void)
{
	struct rlimit none = {0, 0};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	return setrlimit(RLIMIT_CORE, &none);
}

static size_t whole_pages(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

void *secret_arena_alloc(size_t n)
{
	size_t len = whole_pages(n ? n : 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_DONTDUMP);
	mlock(p, len); /* best effort: the lock limit may be small */
	return p;
}

void secret_arena_free(void *p, size_t n)
{
	size_t len = whole_pages(n ? n : 1);

	if (!p)
		return;
	sodium_memzero(p, len);
	munlock(p, len);
	munmap(p, len);
}

int secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secret_hash(const char *pw, size_t len, char out[SECRET_HASH_MAX])
{
	unsigned long long ops;
	size_t mem;

	seam_hash_limits(&ops, &mem); /* a test build lowers them (seams.h) */
	return crypto_pwhash_str_alg(out, pw, len, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
}

bool secret_verify(const char *hash, const char *pw, size_t len)
{
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return false;
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

static void settle(struct secret_job *job)
{
	if (job->old_hash && secret_verify(job->old_hash, job->pw, job->len)) {
		size_t n = strlen(job->old_hash);
		if (n < sizeof(job->out)) {
			memcpy(job->out, job->old_hash, n + 1);
			job->reused = true;
			job->rc = 0;
			return;
		}
	}
	job->reused = false;
	job->rc = secret_hash(job->pw, job->len, job->out);
}

struct pool {
	struct secret_job *jobs; /* the work */
	size_t n;		 /* jobs */
	atomic_size_t next;	 /* next job to take */
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		if (stop_signal()) { /* the run ends: no more hashing */
			p->jobs[i].rc = -1;
			continue;
		}
		settle(&p->jobs[i]);
	}
	return NULL;
}

int secret_settle_all(struct secret_job *jobs, size_t n)
{
	pthread_t threads[16];
	struct pool p;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want, started = 0;

	p.jobs = jobs;
	p.n = n;
	atomic_init(&p.next, 0);
	want = cpus < 1 ? 1 : cpus > 16 ? 16 : (size_t)cpus;
	if (want > n)
		want = n;
	/* this thread works too, so start one thread fewer */
	for (size_t t = 0; t + 1 < want; t++) {
		if (pthread_create(&threads[t], NULL, worker, &p) != 0)
			break;
		started++;
	}
	worker(&p);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	return started + 1 == want || want == 0 ? 0 : -1;
}
