/*
 * keyset.h - a set of byte-string keys with one long value each: the index of
 * keys seen in a batch (for duplicate_in_file, sync and skip-account). The
 * only structure of acctbatch whose memory grows with the number of rows.
 */
#ifndef ACCTBATCH_KEYSET_H
#define ACCTBATCH_KEYSET_H

#include <stdbool.h>
#include <stddef.h>

struct keyset {
	struct keyset_slot *slots;   /* open addressing, power-of-two size */
	size_t cap;		     /* slots allocated */
	size_t count;		     /* keys held */
	struct keyset_block *blocks; /* the key bytes, newest block first */
	size_t bytes;		     /* bytes allocated for blocks */
	size_t peak;		     /* most bytes held at once (keyset_peak_bytes) */
};

/*
 * keyset_add: insert KEY (LEN bytes) with VALUE. Returns 1 if added, 0 if it
 * was present (*OLD, when not NULL, gets the stored value), -1 when out of
 * memory.
 */
int keyset_add(struct keyset *set, const char *key, size_t len, long value, long *old);

/* keyset_get: whether KEY is in the set; its value goes to *VALUE. */
bool keyset_get(const struct keyset *set, const char *key, size_t len, long *value);

/* keyset_has: whether KEY is in the set. */
bool keyset_has(const struct keyset *set, const char *key, size_t len);

/* keyset_bytes: memory the set holds (slots and key blocks), for reports. */
size_t keyset_bytes(const struct keyset *set);

/* keyset_peak_bytes: the most memory the set held at once: while the slot
 * table doubles, the old and the new table are both held. */
size_t keyset_peak_bytes(const struct keyset *set);

/* keyset_release: free everything; the set is empty and reusable. Safe twice. */
void keyset_release(struct keyset *set);

#endif
