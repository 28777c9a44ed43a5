/*
 * relay.c - a stream drained by a second thread (see relay.h).
 */
#include "relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RELAY_BLOCK (256u * 1024u)
#define RELAY_BLOCKS 4u

struct relay {
	int (*sink)(void *ctx, const void *buf, size_t n);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char *block[RELAY_BLOCKS]; /* a ring of blocks */
	size_t len[RELAY_BLOCKS];  /* bytes in each */
	unsigned head, count;	   /* first full block, full blocks (under lock) */
	unsigned cur;		   /* the block being filled (the writer's own) */
	size_t fill;		   /* bytes in it (the writer's own) */
	bool closing;		   /* no more blocks will come */
	int error;		   /* the sink's errno once it failed, else 0 (under lock) */
	int seen;		   /* the writer's copy of error */
};

static void *drain(void *arg)
{
	struct relay *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		unsigned i;
		while (r->count == 0 && !r->closing)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->count == 0)
			break;
		bool failed = r->error != 0;
		int err = 0;
		i = r->head;
		pthread_mutex_unlock(&r->lock);
		/* the block is the sink's until it is handed back */
		if (!failed && r->sink(r->ctx, r->block[i], r->len[i]) != 0)
			err = errno ? errno : EIO;
		pthread_mutex_lock(&r->lock);
		if (err)
			r->error = err;
		r->head = (r->head + 1) % RELAY_BLOCKS;
		r->count--;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Hand the block being filled to the drain; wait for a free one. Returns the sink's error. */
static int pass_on(struct relay *r)
{
	int err;

	pthread_mutex_lock(&r->lock);
	r->len[r->cur] = r->fill;
	r->count++;
	pthread_cond_broadcast(&r->changed);
	/* the next block is free once fewer than all are full */
	while (r->count == RELAY_BLOCKS)
		pthread_cond_wait(&r->changed, &r->lock);
	err = r->error;
	pthread_mutex_unlock(&r->lock);
	r->cur = (r->cur + 1) % RELAY_BLOCKS;
	r->fill = 0;
	return err;
}

static ssize_t relay_write(void *cookie, const char *buf, size_t n)
{
	struct relay *r = cookie;
	size_t done = 0;

	while (done < n) {
		char *b = r->block[r->cur];
		size_t take = n - done < RELAY_BLOCK - r->fill ? n - done : RELAY_BLOCK - r->fill;
		if (r->seen) {
			errno = r->seen;
			return 0;
		}
		memcpy(b + r->fill, buf + done, take);
		r->fill += take;
		done += take;
		if (r->fill == RELAY_BLOCK)
			r->seen = pass_on(r);
	}
	return (ssize_t)n;
}

static void relay_free(struct relay *r)
{
	for (unsigned i = 0; i < RELAY_BLOCKS; i++)
		free(r->block[i]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->changed);
	free(r);
}

FILE *relay_open(struct relay **out, int (*sink)(void *ctx, const void *buf, size_t n), void *ctx)
{
	static cookie_io_functions_t io = {.write = relay_write};
	struct relay *r = calloc(1, sizeof(*r));
	FILE *f;

	*out = NULL;
	if (!r)
		return NULL;
	r->sink = sink;
	r->ctx = ctx;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	for (unsigned i = 0; i < RELAY_BLOCKS; i++)
		if (!(r->block[i] = malloc(RELAY_BLOCK))) {
			relay_free(r);
			return NULL;
		}
	if (pthread_create(&r->thread, NULL, drain, r) != 0) {
		relay_free(r);
		return NULL;
	}
	f = fopencookie(r, "w", io);
	if (!f) {
		r->closing = true;
		pthread_cond_broadcast(&r->changed);
		pthread_join(r->thread, NULL);
		relay_free(r);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	*out = r;
	return f;
}

int relay_close(struct relay *r, FILE *f)
{
	int rc = fclose(f) == 0 ? 0 : -1; /* the last bytes reach the block */
	int err = errno;

	pthread_mutex_lock(&r->lock);
	if (r->fill) {
		r->len[r->cur] = r->fill;
		r->count++;
		r->fill = 0;
	}
	r->closing = true;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	if (r->error) { /* the drain has ended: no lock needed */
		rc = -1;
		err = r->error;
	}
	relay_free(r);
	errno = err;
	return rc;
}
