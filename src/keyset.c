/*
 * keyset.c - open-addressing hash set (FNV-1a, linear probing). Key bytes
 * live in blocks (16 KiB growing to 1 MiB) appended to and never moved, so a key costs its
 * length plus one 32-byte slot (at most 3/4 of the slots are used).
 */
#include "keyset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (1u << 20)

struct keyset_slot {
	const char *key; /* into a block, NULL when the slot is free */
	uint64_t hash;	 /* FNV-1a of key */
	long value;	 /* caller's value */
	uint32_t len;	 /* bytes in key */
};

struct keyset_block {
	struct keyset_block *next; /* older block */
	size_t used;		   /* bytes used in data */
	size_t size;		   /* bytes in data */
	char data[];		   /* key bytes */
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct keyset_slot *find_slot(struct keyset_slot *slots, size_t cap, const char *key,
				     size_t len, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].key &&
	       !(slots[i].hash == h && slots[i].len == len && memcmp(slots[i].key, key, len) == 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct keyset *set)
{
	size_t ncap = set->cap ? set->cap * 2 : 1024;
	struct keyset_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	if (set->bytes + (set->cap + ncap) * sizeof(*ns) > set->peak)
		set->peak = set->bytes + (set->cap + ncap) * sizeof(*ns);
	for (size_t i = 0; i < set->cap; i++) {
		struct keyset_slot *o = &set->slots[i];
		if (o->key)
			*find_slot(ns, ncap, o->key, o->len, o->hash) = *o;
	}
	free(set->slots);
	set->slots = ns;
	set->cap = ncap;
	return 0;
}

/* A stable copy of KEY in the set's blocks. */
static const char *keep_bytes(struct keyset *set, const char *key, size_t len)
{
	struct keyset_block *b = set->blocks;
	char *out;

	if (!b || b->size - b->used < len) {
		/* blocks grow from 16 KiB to 1 MiB, so a small batch stays small */
		size_t size = b ? (b->size * 2 > BLOCK_BYTES ? BLOCK_BYTES : b->size * 2) : 16384;
		if (size < len)
			size = len;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = set->blocks;
		b->used = 0;
		b->size = size;
		set->blocks = b;
		set->bytes += sizeof(*b) + size;
		if (keyset_bytes(set) > set->peak)
			set->peak = keyset_bytes(set);
	}
	out = b->data + b->used;
	memcpy(out, key, len);
	b->used += len;
	return out;
}

int keyset_add(struct keyset *set, const char *key, size_t len, long value, long *old)
{
	uint64_t h = hash_bytes(key, len);
	struct keyset_slot *slot;
	const char *kept;

	if (len > UINT32_MAX)
		return -1;
	if ((set->count + 1) * 4 > set->cap * 3 && grow(set) != 0)
		return -1;
	slot = find_slot(set->slots, set->cap, key, len, h);
	if (slot->key) {
		if (old)
			*old = slot->value;
		return 0;
	}
	kept = keep_bytes(set, key, len ? len : 1);
	if (!kept)
		return -1;
	slot->key = kept;
	slot->len = (uint32_t)len;
	slot->hash = h;
	slot->value = value;
	set->count++;
	return 1;
}

bool keyset_get(const struct keyset *set, const char *key, size_t len, long *value)
{
	const struct keyset_slot *slot;

	if (!set->cap)
		return false;
	slot = find_slot(set->slots, set->cap, key, len, hash_bytes(key, len));
	if (slot->key)
		*value = slot->value;
	return slot->key != NULL;
}

bool keyset_has(const struct keyset *set, const char *key, size_t len)
{
	if (!set->cap)
		return false;
	return find_slot(set->slots, set->cap, key, len, hash_bytes(key, len))->key != NULL;
}

size_t keyset_bytes(const struct keyset *set)
{
	return set->bytes + set->cap * sizeof(struct keyset_slot);
}

size_t keyset_peak_bytes(const struct keyset *set)
{
	return set->peak;
}

void keyset_release(struct keyset *set)
{
	while (set->blocks) {
		struct keyset_block *b = set->blocks;
		set->blocks = b->next;
		free(b);
	}
	free(set->slots);
	set->slots = NULL;
	set->cap = 0;
	set->count = 0;
	set->bytes = 0;
	set->peak = 0;
}
