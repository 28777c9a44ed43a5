/*
 * prefetch.c - a bounded queue of record chunks between a reader thread and
 * the caller (see prefetch.h).
 *
 * The reader thread copies each record into a chunk (values into the
 * chunk's arena, as offsets, since the arena may move while it grows) and
 * moves the diagnostics the reader produced into the chunk next to the
 * record they precede. The caller replays chunks in order. Cancelling
 * (a callback returned -1) makes the reader's next callback stop it.
 */
#include "prefetch.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "secret.h"
#include "xmlio.h"

#define CHUNK_RECORDS 512      /* records per chunk */
#define CHUNK_BYTES (1u << 20) /* arena bytes before a chunk is handed over */
#define QUEUE_CHUNKS 4	       /* chunks in flight */

enum entry_kind { ENTRY_HEADER, ENTRY_RECORD };

struct entry {
	enum entry_kind kind; /* what to replay */
	struct record rec;    /* values hold arena offsets + 1 (0 = NULL) */
	int bad;	      /* problems the reader found in it */
	size_t diags_before;  /* chunk diagnostics to add before it */
	uint64_t consumed;    /* input bytes read when it was made */
};

struct chunk {
	struct entry *entries;	 /* CHUNK_RECORDS slots */
	size_t n;		 /* entries used */
	char *arena;		 /* value bytes */
	size_t used, cap;	 /* arena bytes used / allocated */
	struct diag_list diags;	 /* diagnostics, in order */
	char *raw;		 /* the input bytes read while it filled, for the digest */
	size_t raw_len, raw_cap; /* bytes used / allocated in raw */
	bool last;		 /* the reader has finished */
	enum read_status status; /* with last: the reader's result */
	struct chunk *next;	 /* queue link */
};

struct prefetch {
	pthread_mutex_t lock;		 /* guards the queue and counts */
	pthread_cond_t changed;		 /* queue grew or shrank */
	struct chunk *head, *tail;	 /* full chunks, oldest first */
	size_t queued;			 /* chunks in the queue */
	atomic_bool cancel;		 /* the caller wants no more records */
	struct chunk *filling;		 /* the reader thread's current chunk */
	struct diag_list scratch;	 /* where the reader thread's reader reports */
	struct source *src;		 /* input, used only by the reader thread */
	const struct entity *e;		 /* entity read */
	enum prefetch_format format;	 /* which reader */
	const struct reader_ops *caller; /* the caller's callbacks */
	struct chunk *spare;		 /* chunks replayed, kept for the reader to fill again */
	bool prepare_here;		 /* run caller->prepare on the reader thread */
	bool oom;			 /* the reader thread ran out of memory */
};

static void chunk_free(struct chunk *c)
{
	if (!c)
		return;
	secret_arena_free(c->arena, c->cap);
	free(c->entries);
	secret_arena_free(c->raw, c->raw_cap);
	diag_list_release(&c->diags);
	free(c);
}

static struct chunk *chunk_new(void)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->entries = malloc(CHUNK_RECORDS * sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return NULL;
	}
	return c;
}

static void push(struct prefetch *p, struct chunk *c)
{
	pthread_mutex_lock(&p->lock);
	while (p->queued >= QUEUE_CHUNKS && !atomic_load(&p->cancel))
		pthread_cond_wait(&p->changed, &p->lock);
	if (p->tail)
		p->tail->next = c;
	else
		p->head = c;
	p->tail = c;
	p->queued++;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static struct chunk *pop(struct prefetch *p)
{
	struct chunk *c;

	pthread_mutex_lock(&p->lock);
	while (!p->head)
		pthread_cond_wait(&p->changed, &p->lock);
	c = p->head;
	p->head = c->next;
	if (!p->head)
		p->tail = NULL;
	p->queued--;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return c;
}

/*
 * The caller is done with C: wipe what it held and keep it, with its
 * arena, for the reader to fill again. Chunks are reused, not freed and
 * made anew: their arenas are mapped pages, and unmapping them in a
 * process with two threads costs every core a TLB flush.
 */
static void recycle(struct prefetch *p, struct chunk *c)
{
	sodium_memzero(c->arena, c->used);
	sodium_memzero(c->raw, c->raw_len);
	diag_list_release(&c->diags);
	c->n = c->used = c->raw_len = 0;
	c->last = false;
	c->status = READ_OK;
	pthread_mutex_lock(&p->lock);
	c->next = p->spare;
	p->spare = c;
	pthread_mutex_unlock(&p->lock);
}

/* A chunk to fill: one the caller is done with, else a new one. */
static struct chunk *next_chunk(struct prefetch *p)
{
	struct chunk *c;

	pthread_mutex_lock(&p->lock);
	c = p->spare;
	if (c)
		p->spare = c->next;
	pthread_mutex_unlock(&p->lock);
	if (c) {
		c->next = NULL;
		return c;
	}
	return chunk_new();
}

/* Hand the filling chunk over and start a new one. */
static int rotate(struct prefetch *p)
{
	struct chunk *full = p->filling;

	p->filling = next_chunk(p);
	push(p, full);
	if (!p->filling) {
		p->oom = true;
		return -1;
	}
	return 0;
}

static int add_entry(struct prefetch *p, enum entry_kind kind, const struct record *rec, int bad)
{
	struct chunk *c = p->filling;
	struct entry *en;
	size_t need = 0;

	if (atomic_load(&p->cancel))
		return -1;
	for (size_t i = 0; i < rec->entity->nfields; i++)
		if (rec->value[i])
			need += rec->len[i] + 1;
	if ((c->n == CHUNK_RECORDS || c->used + need > CHUNK_BYTES) && c->n > 0) {
		if (rotate(p) != 0)
			return -1;
		c = p->filling;
	}
	if (c->used + need > c->cap) {
		size_t ncap = c->cap ? c->cap : 65536;
		char *na;
		while (ncap < c->used + need)
			ncap *= 2;
		na = secret_arena_alloc(ncap); /* the values may be passwords */
		if (!na) {
			p->oom = true;
			return -1;
		}
		if (c->arena) {
			memcpy(na, c->arena, c->used);
			secret_arena_free(c->arena, c->cap);
		}
		c->arena = na;
		c->cap = ncap;
	}
	if (diag_list_move(&c->diags, &p->scratch) != 0) {
		p->oom = true;
		return -1;
	}
	en = &c->entries[c->n++];
	en->kind = kind;
	en->rec = *rec;
	en->bad = bad;
	en->diags_before = c->diags.count;
	en->consumed = p->src->consumed;
	for (size_t i = 0; i < rec->entity->nfields; i++) {
		if (!rec->value[i]) {
			en->rec.value[i] = NULL;
			continue;
		}
		memcpy(c->arena + c->used, rec->value[i], rec->len[i]);
		c->arena[c->used + rec->len[i]] = '\0';
		/* an offset, stored as a pointer-sized integer; 1-based so 0 stays NULL */
		en->rec.value[i] = (const char *)(uintptr_t)(c->used + 1);
		c->used += rec->len[i] + 1;
	}
	return 0;
}

static int on_header_p(void *ctx, const struct record *present)
{
	return add_entry(ctx, ENTRY_HEADER, present, 0);
}

static int on_record_p(void *ctx, struct record *rec, int bad)
{
	struct prefetch *p = ctx;

	if (p->prepare_here)
		p->caller->prepare(p->caller->ctx, rec, bad);
	return add_entry(p, ENTRY_RECORD, rec, bad);
}

/*
 * The reader thread's input bytes go into the filling chunk; the caller's
 * thread hashes them when it takes the chunk, so the SHA-256 of the input
 * is not computed on the thread that parses.
 */
static void tap_bytes(void *ctx, const char *buf, size_t n)
{
	struct prefetch *p = ctx;
	struct chunk *c = p->filling;

	if (!c || p->oom)
		return;
	if (c->raw_len + n > c->raw_cap) {
		size_t ncap = c->raw_cap ? c->raw_cap : 65536;
		char *nr;
		while (ncap < c->raw_len + n)
			ncap *= 2;
		nr = secret_arena_alloc(ncap); /* the input bytes: passwords too */
		if (!nr) {
			p->oom = true;
			return;
		}
		if (c->raw) {
			memcpy(nr, c->raw, c->raw_len);
			secret_arena_free(c->raw, c->raw_cap);
		}
		c->raw = nr;
		c->raw_cap = ncap;
	}
	memcpy(c->raw + c->raw_len, buf, n);
	c->raw_len += n;
}

/* Run the reader of FORMAT on this thread. */
static enum read_status read_here(struct source *src, const struct entity *e,
				  enum prefetch_format format, const struct reader_ops *ops,
				  struct diag_list *diags)
{
	return format == PREFETCH_XML ? xml_read_records(src, e, ops, diags)
				      : csv_read_records(src, e, ops, diags);
}

static void *reader_thread(void *arg)
{
	struct prefetch *p = arg;
	/* XML: the cell checks run on the caller's thread (see prefetch_read) */
	struct reader_ops ops = {.on_header = on_header_p,
				 .on_record = on_record_p,
				 .ctx = p,
				 .checks_later = p->format == PREFETCH_XML};
	enum read_status rs;

	rs = read_here(p->src, p->e, p->format, &ops, &p->scratch);
	if (p->oom)
		rs = READ_NO_MEMORY;
	if (p->filling && diag_list_move(&p->filling->diags, &p->scratch) != 0)
		rs = READ_NO_MEMORY;
	if (!p->filling) {
		/* no chunk to finish with: make a bare one (allocation may fail again) */
		p->filling = chunk_new();
		if (!p->filling) {
			/* last resort: the caller sees the queue end through cancel */
			atomic_store(&p->cancel, true);
			pthread_mutex_lock(&p->lock);
			pthread_cond_broadcast(&p->changed);
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		rs = READ_NO_MEMORY;
	}
	p->filling->last = true;
	p->filling->status = rs;
	push(p, p->filling);
	p->filling = NULL;
	return NULL;
}

/*
 * Ask the CPU for entry I of C and its values ahead of use: the reader
 * thread wrote them on another core, and an entry is a dozen cache lines
 * of which the caller reads a few, too sparse for the hardware to guess.
 */
static void warm_entry(const struct chunk *c, size_t i)
{
	const struct entry *en = &c->entries[i];
	const char *p = (const char *)en, *v;

	if (i >= c->n)
		return;
	for (size_t o = 0; o < sizeof(*en); o += 64)
		__builtin_prefetch(p + o);
	/* the values lie together in the arena, after the first one */
	for (size_t f = 0; f < en->rec.entity->nfields; f++)
		if (en->rec.value[f]) {
			v = c->arena + ((uintptr_t)en->rec.value[f] - 1);
			__builtin_prefetch(v);
			__builtin_prefetch(v + 64);
			break;
		}
}

/* Replay one chunk's diagnostics up to UPTO into DIAGS. */
static int replay_diags(struct chunk *c, size_t *done, size_t upto, struct diag_list *diags)
{
	struct diag_list part;

	if (upto <= *done)
		return 0;
	part.items = c->diags.items + *done;
	part.count = part.cap = upto - *done;
	if (diag_list_move(diags, &part) != 0)
		return -1;
	*done = upto;
	return 0;
}

enum read_status prefetch_read(struct source *src, const struct entity *e,
			       enum prefetch_format format, const struct reader_ops *ops,
			       struct diag_list *diags, uint64_t *consumed)
{
	struct prefetch p;
	pthread_t thread;
	enum read_status result = READ_OK;
	bool stopped = false;

	memset(&p, 0, sizeof(p));
	p.src = src;
	p.e = e;
	p.format = format;
	p.caller = ops;
	atomic_init(&p.cancel, false);
	p.filling = chunk_new();
	if (!p.filling || pthread_mutex_init(&p.lock, NULL) != 0) {
		chunk_free(p.filling);
		return read_here(src, e, format, ops, diags);
	}
	pthread_cond_init(&p.changed, NULL);
	/* XML parsing and validation is the slower side: hash on this thread,
	 * run the cell checks here (xml_finish_record, above) and leave the
	 * caller's prepare work to the caller. For CSV the database is the
	 * slower side: the reader hashes, checks and prepares. */
	p.prepare_here = format == PREFETCH_CSV && ops->prepare;
	if (format == PREFETCH_XML) {
		src->tap = tap_bytes;
		src->tap_ctx = &p;
	}
	if (pthread_create(&thread, NULL, reader_thread, &p) != 0) {
		src->tap = NULL;
		chunk_free(p.filling);
		pthread_cond_destroy(&p.changed);
		pthread_mutex_destroy(&p.lock);
		return read_here(src, e, format, ops, diags);
	}
	for (;;) {
		struct chunk *c = pop(&p);
		size_t done = 0;
		bool last = c->last;

		if (!stopped && c->raw_len)
			source_hash(src, c->raw, c->raw_len);
		for (size_t i = 0; i < c->n && !stopped; i++) {
			struct entry *en = &c->entries[i];
			int rc;
			warm_entry(c, i + 2);
			if (replay_diags(c, &done, en->diags_before, diags) != 0) {
				result = READ_NO_MEMORY;
				stopped = true;
				break;
			}
			for (size_t f = 0; f < e->nfields; f++)
				if (en->rec.value[f])
					en->rec.value[f] =
						c->arena + ((uintptr_t)en->rec.value[f] - 1);
			if (consumed)
				*consumed = en->consumed;
			if (en->kind == ENTRY_RECORD && format == PREFETCH_XML &&
			    (en->bad = xml_finish_record(&en->rec, diags)) < 0) {
				result = READ_NO_MEMORY;
				stopped = true;
				break;
			}
			rc = en->kind == ENTRY_HEADER
				     ? (ops->on_header ? ops->on_header(ops->ctx, &en->rec) : 0)
				     : ops->on_record(ops->ctx, &en->rec, en->bad);
			if (rc != 0) {
				result = READ_STOPPED;
				stopped = true;
			}
		}
		if (!stopped && replay_diags(c, &done, c->diags.count, diags) != 0) {
			result = READ_NO_MEMORY;
			stopped = true;
		}
		/* strings moved into DIAGS are owned there now */
		c->diags.count = stopped ? c->diags.count : 0;
		if (stopped && done > 0) {
			for (size_t k = done; k < c->diags.count; k++)
				c->diags.items[k - done] = c->diags.items[k];
			c->diags.count -= done;
		}
		if (last && !stopped)
			result = c->status;
		if (last)
			chunk_free(c);
		else
			recycle(&p, c);
		if (last)
			break;
		if (stopped && !atomic_load(&p.cancel)) {
			pthread_mutex_lock(&p.lock);
			atomic_store(&p.cancel, true);
			pthread_cond_broadcast(&p.changed);
			pthread_mutex_unlock(&p.lock);
		}
	}
	pthread_join(thread, NULL);
	src->tap = NULL; /* later reads (the rest of the file) hash directly again */
	chunk_free(p.filling);
	while (p.head) {
		struct chunk *c = p.head;
		p.head = c->next;
		chunk_free(c);
	}
	while (p.spare) {
		struct chunk *c = p.spare;
		p.spare = c->next;
		chunk_free(c);
	}
	diag_list_release(&p.scratch);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	return result;
}
