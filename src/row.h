/*
 * row.h - a row of an entity in canonical form, the value the store and
 * its callers exchange (never SQL text).
 */
#ifndef ACCTBATCH_ROW_H
#define ACCTBATCH_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "entity.h"

/*
 * A row in canonical form: one NUL-terminated string per field of the
 * entity (NULL = not set / SQL NULL). Booleans are "1"/"0", amounts are
 * integer minor units, emails as given. Strings are owned by the row.
 */
struct row {
	char *v[FIELD_MAX];    /* the values: NULL, or buf[i] */
	char *buf[FIELD_MAX];  /* owned buffers, kept across row_clear for reuse */
	size_t cap[FIELD_MAX]; /* bytes allocated in buf[i] */
};

/* row_release: free the buffers; the row is empty afterwards. Safe twice. */
void row_release(struct row *r);

/* row_clear: unset every value but keep the buffers for the next record. */
void row_clear(struct row *r);

/* row_set: set field I of R to a copy of S (LEN bytes); -1 when out of memory. */
int row_set(struct row *r, int i, const char *s, size_t len);

/* row_unset: make field I of R NULL. */
void row_unset(struct row *r, int i);

/* field_stored: whether field F has a database column. */
bool field_stored(const struct field *f);

#endif
