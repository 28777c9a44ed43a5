/*
 * fuzz_csv.c - libFuzzer target of the CSV reader: csv_detect_entity and
 * csv_read_records (src/csvio.c), with the cell checks of entity.c they
 * call.
 *
 * The input is one CSV file. Its entity is the one csv_detect_entity
 * finds, else one chosen by a hash of the input, so that a header of no
 * entity is read too. Contracts checked, for each input:
 *  - detection gives NULL or one of the four entities;
 *  - the read ends READ_OK or READ_BROKEN (the input never fails, no
 *    callback stops it), and READ_BROKEN comes with a diagnostic;
 *  - on_header comes at most once, before any record, naming only fields
 *    of the entity; records come numbered 1, 2, ... with non-decreasing
 *    lines in [1, LF count + 1], no more records than line ends, each
 *    value NUL-terminated at its length and under a header column;
 *  - BAD is exactly the number of diagnostics added for the record, all
 *    of them with its number; every diagnostic passes fuzz_check_diags;
 *  - the same bytes read at most STEP (1..97) bytes at a time give the
 *    same status, records and diagnostics as read all at once;
 *  - the complete records written back with csv_write_cell (formula
 *    guard on, as export does) under a header of the columns read, and
 *    read again, give the same values, with no csv_syntax.
 * When no entity fits the header and the read ends there, the first line
 * is replaced with a header of as many free-text account columns as it
 * has cells, so that the rows behind a foreign header are read as well.
 */
#include "csvio.h"
#include "fuzzlib.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hashes of the records written back, in order. */
struct expect {
	uint64_t *h; /* owned */
	size_t n;    /* used */
	size_t cap;  /* allocated */
};

/* One read of one buffer. */
struct run {
	const struct entity *e;	    /* what the records are */
	const char *name;	    /* the source's name */
	struct diag_list *diags;    /* where the reader reports */
	size_t seen;		    /* diagnostics already checked */
	long records;		    /* records seen */
	long last_line;		    /* line of the last record */
	long max_line;		    /* LF count + 1 */
	long max_rows;		    /* line ends (LF or CR) + 1 */
	bool header_seen;	    /* on_header came */
	bool present[FIELD_MAX];    /* columns of the header */
	size_t npresent;	    /* how many */
	uint64_t hash;		    /* every event, for the chunked comparison */
	FILE *out;		    /* the records written back, or NULL */
	struct expect *write_to;    /* hashes of the records written to out */
	const struct expect *check; /* read back: the values expected, or NULL */
	size_t next;		    /* read back: the next one */
};

static const char *const text_columns[] = {"name", "full_name", "street",
					   "city", "region",	"postal_code"};

/* The hash of REC's values. */
static uint64_t values_hash(const struct record *rec)
{
	uint64_t h = FUZZ_HASH_INIT;

	for (size_t i = 0; i < rec->entity->nfields; i++) {
		size_t given = rec->value[i] != NULL;
		h = fuzz_hash(h, &given, sizeof(given));
		if (given) {
			h = fuzz_hash(h, &rec->len[i], sizeof(rec->len[i]));
			h = fuzz_hash(h, rec->value[i], rec->len[i]);
		}
	}
	return h;
}

static void expect_add(struct expect *x, uint64_t h)
{
	if (x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 64;
		uint64_t *nh = realloc(x->h, ncap * sizeof(*nh));
		FUZZ_CHECK(nh != NULL);
		x->h = nh;
		x->cap = ncap;
	}
	x->h[x->n++] = h;
}

static int on_header(void *ctx, const struct record *present)
{
	struct run *r = ctx;
	bool first = true;

	FUZZ_CHECK(!r->header_seen && r->records == 0);
	FUZZ_CHECK(present->entity == r->e);
	r->header_seen = true;
	for (size_t i = 0; i < r->e->nfields; i++) {
		r->present[i] = present->value[i] != NULL;
		r->npresent += r->present[i];
	}
	if (!r->out || r->npresent == 0)
		return 0;
	for (size_t i = 0; i < r->e->nfields; i++) {
		if (!r->present[i])
			continue;
		if (!first)
			fputc(',', r->out);
		fputs(r->e->fields[i].name, r->out);
		first = false;
	}
	fputc('\n', r->out);
	return 0;
}

/* Write REC's values back as one CSV row, as export does. */
static void write_back(struct run *r, const struct record *rec)
{
	bool first = true, all_empty = true;

	for (size_t i = 0; i < r->e->nfields; i++) {
		if (r->present[i] && !rec->value[i])
			return; /* a row of the wrong width: not all there */
		if (r->present[i] && rec->len[i])
			all_empty = false;
	}
	if (r->npresent == 0 || (r->npresent == 1 && all_empty))
		return; /* an empty one-column row is a blank line, which CSV skips */
	for (size_t i = 0; i < r->e->nfields; i++) {
		const struct field *f = &r->e->fields[i];
		if (!r->present[i])
			continue;
		if (!first)
			fputc(',', r->out);
		FUZZ_CHECK(csv_write_cell(r->out, rec->value[i], rec->len[i],
					  !(f->flags & F_SECRET)) == 0);
		first = false;
	}
	fputc('\n', r->out);
	expect_add(r->write_to, values_hash(rec));
}

static int on_record(void *ctx, struct record *rec, int bad)
{
	struct run *r = ctx;
	size_t added = r->diags->count - r->seen;
	bool missing = false;
	long head[3];

	FUZZ_CHECK(rec->entity == r->e);
	FUZZ_CHECK(rec->file != NULL && strcmp(rec->file, r->name) == 0);
	FUZZ_CHECK(rec->number == ++r->records);
	FUZZ_CHECK(r->records + 1 <= r->max_rows); /* the header is a row too */
	FUZZ_CHECK(rec->line >= 1 && rec->line <= r->max_line && rec->line >= r->last_line);
	FUZZ_CHECK(rec->column == 0);
	r->last_line = rec->line;
	FUZZ_CHECK(bad >= 0 && added == (size_t)bad);
	fuzz_check_diags(r->diags, r->seen, r->name, 1, r->max_line);
	for (size_t i = r->seen; i < r->diags->count; i++)
		FUZZ_CHECK(r->diags->items[i].record == rec->number);
	for (size_t i = 0; i < r->e->nfields; i++) {
		if (!rec->value[i]) {
			missing = missing || r->present[i];
			continue;
		}
		FUZZ_CHECK(r->present[i]);
		FUZZ_CHECK(strlen(rec->value[i]) == rec->len[i]);
	}
	FUZZ_CHECK(!missing || bad > 0); /* a short row is csv_syntax */
	head[0] = rec->number;
	head[1] = rec->line;
	head[2] = bad;
	r->hash = fuzz_hash(r->hash, head, sizeof(head));
	r->hash = fuzz_hash(r->hash, &(uint64_t){values_hash(rec)}, sizeof(uint64_t));
	r->hash = fuzz_hash_diags(r->hash, r->diags, r->seen, true, true);
	r->seen = r->diags->count;
	if (r->out)
		write_back(r, rec);
	if (r->check) {
		FUZZ_CHECK(r->next < r->check->n);
		FUZZ_CHECK(r->check->h[r->next] == values_hash(rec));
		r->next++;
	}
	return 0;
}

/*
 * Read the SIZE bytes at DATA as CSV of E, STEP bytes at a time, checking
 * the contracts; the records go to WRITE_TO (written to *OUT) or are
 * compared with CHECK. Returns the status; *HASH is every event's hash and
 * *RECORDS the number of records.
 */
static enum read_status read_csv(const struct entity *e, const uint8_t *data, size_t size,
				 size_t step, FILE *out, struct expect *write_to,
				 const struct expect *check, uint64_t *hash, long *records)
{
	struct diag_list diags = {0};
	struct source src;
	struct reader_ops ops = {.on_header = on_header, .on_record = on_record};
	struct run r;
	enum read_status rs;

	memset(&r, 0, sizeof(r));
	r.e = e;
	r.name = "fuzz.csv";
	r.diags = &diags;
	r.max_line = (long)fuzz_count(data, size, '\n') + 1;
	r.max_rows = r.max_line + (long)fuzz_count(data, size, '\r');
	r.hash = FUZZ_HASH_INIT;
	r.out = out;
	r.write_to = write_to;
	r.check = check;
	ops.ctx = &r;
	fuzz_source_open(&src, r.name, data, size, step);
	rs = csv_read_records(&src, e, &ops, &diags);
	source_close(&src);
	FUZZ_CHECK(rs == READ_OK || rs == READ_BROKEN);
	FUZZ_CHECK(rs != READ_BROKEN || diags.count > 0);
	fuzz_check_diags(&diags, r.seen, r.name, 1, r.max_line);
	if (check) {
		FUZZ_CHECK(rs == READ_OK && r.next == check->n);
		for (size_t i = 0; i < diags.count; i++)
			FUZZ_CHECK(diags.items[i].code != DIAG_CSV_SYNTAX);
	}
	r.hash = fuzz_hash(r.hash, &rs, sizeof(rs));
	r.hash = fuzz_hash_diags(r.hash, &diags, r.seen, true, true);
	*hash = r.hash;
	*records = r.records;
	fuzz_dump_diags(check ? "read back" : step ? "in steps" : "at once", &diags, 0);
	diag_list_release(&diags);
	return rs;
}

/* All the checks of one CSV file of E; whether any record got past the header. */
static bool check_file(const struct entity *e, const uint8_t *data, size_t size)
{
	struct expect written = {0};
	char *back = NULL;
	size_t back_len = 0;
	FILE *out = open_memstream(&back, &back_len);
	uint64_t whole, chunked, ignored;
	long records, chunked_records, ignored_records;
	enum read_status rs;
	size_t step = 1 + fuzz_hash(FUZZ_HASH_INIT, data, size) % 97;

	FUZZ_CHECK(out != NULL);
	rs = read_csv(e, data, size, 0, out, &written, NULL, &whole, &records);
	FUZZ_CHECK(fclose(out) == 0);
	FUZZ_CHECK(read_csv(e, data, size, step, NULL, NULL, NULL, &chunked, &chunked_records) ==
		   rs);
	FUZZ_CHECK(chunked == whole && chunked_records == records);
	if (written.n > 0)
		read_csv(e, (const uint8_t *)back, back_len, 0, NULL, NULL, &written, &ignored,
			 &ignored_records);
	free(back);
	free(written.h);
	return records > 0;
}

/* DATA with its first line replaced by a header of free-text account columns. */
static void check_foreign_header(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size, cells = fuzz_count(data, first, ',') + 1;
	size_t rest = size - first, n = 0;
	char header[128];
	uint8_t *copy;

	if (cells > sizeof(text_columns) / sizeof(text_columns[0]))
		cells = sizeof(text_columns) / sizeof(text_columns[0]);
	for (size_t i = 0; i < cells; i++)
		n += (size_t)snprintf(header + n, sizeof(header) - n, "%s%s", i ? "," : "",
				      text_columns[i]);
	if (first && data[first - 1] == '\r' && n + 1 < sizeof(header))
		header[n++] = '\r';
	copy = malloc(n + rest + 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, header, n);
	if (rest)
		memcpy(copy + n, data + first, rest);
	check_file(entity_get(ENTITY_ACCOUNTS), copy, n + rest);
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct entity *e = csv_detect_entity((const char *)data, size);
	bool known = false;

	for (int id = 0; id < ENTITY_COUNT; id++)
		known = known || e == entity_get(id);
	FUZZ_CHECK(e == NULL || known);
	if (e) {
		check_file(e, data, size);
		return 0;
	}
	e = entity_get(fuzz_hash(FUZZ_HASH_INIT, data, size) % ENTITY_COUNT);
	if (!check_file(e, data, size))
		check_foreign_header(data, size);
	return 0;
}
