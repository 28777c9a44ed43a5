/*
 * fuzzlib.c - helpers shared by the fuzz targets (see fuzzlib.h).
 */
#include "fuzzlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"

void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "contract broken: %s at %s:%d\n", what, file, line);
	abort();
}

/* The fuzzer's bytes as a source's handle. */
struct mem_input {
	const uint8_t *data; /* not owned */
	size_t len;	     /* bytes in data */
	size_t pos;	     /* next byte to hand out */
	size_t step;	     /* most bytes per read, 0 = no limit */
};

static int mem_read(void *handle, char *buf, size_t size, size_t *got)
{
	struct mem_input *in = handle;
	size_t n = in->len - in->pos;

	if (n > size)
		n = size;
	if (in->step && n > in->step)
		n = in->step;
	if (n)
		memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	*got = n;
	return 0;
}

void fuzz_source_open(struct source *src, const char *name, const uint8_t *data, size_t len,
		      size_t step)
{
	struct mem_input *in = malloc(sizeof(*in));

	FUZZ_CHECK(in != NULL);
	in->data = data;
	in->len = len;
	in->pos = 0;
	in->step = step;
	FUZZ_CHECK(source_open_custom(src, name, mem_read, in, free, len) == 0);
}

size_t fuzz_count(const uint8_t *data, size_t len, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += data[i] == (uint8_t)c;
	return n;
}

/* Whether NAME is a field of some entity. */
static bool known_field(const char *name)
{
	for (int id = 0; id < ENTITY_COUNT; id++)
		if (entity_field_index(entity_get(id), name, strlen(name)) >= 0)
			return true;
	return false;
}

void fuzz_check_diags(const struct diag_list *list, size_t from, const char *file, long min_line,
		      long max_line)
{
	FUZZ_CHECK(list->count <= list->cap);
	for (size_t i = from; i < list->count; i++) {
		const struct diag *d = &list->items[i];

		FUZZ_CHECK((int)d->code >= 0 && d->code < DIAG_CODE_COUNT);
		FUZZ_CHECK(diag_code_name(d->code) != NULL && *diag_code_name(d->code) != '\0');
		FUZZ_CHECK(d->file != NULL && strcmp(d->file, file) == 0);
		FUZZ_CHECK(d->message != NULL && *d->message != '\0');
		FUZZ_CHECK(d->line >= min_line && d->line <= max_line);
		FUZZ_CHECK(d->column >= 0 && d->record >= 0);
		FUZZ_CHECK(d->field == NULL || known_field(d->field));
	}
}

uint64_t fuzz_hash(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t fuzz_hash_diags(uint64_t h, const struct diag_list *list, size_t from, bool columns,
			 bool syntax_text)
{
	for (size_t i = from; i < list->count; i++) {
		const struct diag *d = &list->items[i];
		long where[3] = {d->line, d->record, columns ? d->column : 0};
		int code = (int)d->code;

		h = fuzz_hash(h, &code, sizeof(code));
		h = fuzz_hash(h, where, sizeof(where));
		h = fuzz_hash(h, d->field ? d->field : "-", d->field ? strlen(d->field) + 1 : 1);
		if (syntax_text || d->code != DIAG_XML_SYNTAX)
			h = fuzz_hash(h, d->message, strlen(d->message) + 1);
	}
	return h;
}

void fuzz_dump_diags(const char *title, const struct diag_list *list, size_t from)
{
	if (!getenv("FUZZ_VERBOSE"))
		return;
	fprintf(stderr, "%s:\n", title);
	for (size_t i = from; i < list->count; i++) {
		fprintf(stderr, "  record %ld ", list->items[i].record);
		diag_print(stderr, "fuzz", &list->items[i]);
	}
}
