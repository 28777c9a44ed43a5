/*
 * keyset.c - open-addressing hash set (FNV-1a, linear probing) of owned keys.
 */
#include "keyset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct keyset_slot {
	char *key;     /* owned copy, NULL when the slot is free */
	size_t len;    /* bytes in key */
	uint64_t hash; /* FNV-1a of key */
	long value;    /* caller's value */
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

int keyset_add(struct keyset *set, const char *key, size_t len, long value, long *old)
{
	uint64_t h = hash_bytes(key, len);
	struct keyset_slot *slot;

	if ((set->count + 1) * 4 > set->cap * 3 && grow(set) != 0)
		return -1;
	slot = find_slot(set->slots, set->cap, key, len, h);
	if (slot->key) {
		if (old)
			*old = slot->value;
		return 0;
	}
	slot->key = malloc(len ? len : 1);
	if (!slot->key)
		return -1;
	memcpy(slot->key, key, len);
	slot->len = len;
	slot->hash = h;
	slot->value = value;
	set->count++;
	return 1;
}

bool keyset_has(const struct keyset *set, const char *key, size_t len)
{
	if (!set->cap)
		return false;
	return find_slot(set->slots, set->cap, key, len, hash_bytes(key, len))->key != NULL;
}

void keyset_release(struct keyset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].key);
	free(set->slots);
	set->slots = NULL;
	set->cap = 0;
	set->count = 0;
}
