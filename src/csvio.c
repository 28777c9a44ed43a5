/*
 * csvio.c - CSV reading with libcsv and CSV writing with the formula guard.
 *
 * Owns: byte-level CSV syntax, the header-to-field mapping, line numbers.
 * Must not: check field values (entity.c) or touch the database.
 *
 * libcsv is fed one line at a time so that every record knows the line it
 * starts on and an open quoted field knows the line where it began. The
 * parser runs without CSV_STRICT (a stray quote inside an unquoted field is
 * kept as text, as RFC 4180 readers commonly do); libcsv reports a quote
 * left open at the end of the file only in strict mode, so the reader checks
 * the parser state itself. libcsv trims spaces and tabs around unquoted
 * fields (and after a closing quote, which keeps "a" ,b readable); a value
 * whose outer spaces matter must be quoted, so the writer quotes a cell
 * that begins or ends with either. (libcsv keeps its parser state in local
 * variables while parsing, so trimming cannot be limited to some states.)
 */
#include "csvio.h"

#include <csv.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

#define READ_CHUNK 65536
#define MAX_COLUMNS 256		   /* a header with more columns is refused */
#define MAX_FIELD_BYTES (1u << 20) /* one cell may not exceed 1 MiB */

/* libcsv's parser states (struct csv_parser.pstate), from libcsv.c. */
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_BEGUN 2

struct cell {
	size_t off; /* offset of the cell text in csv_state.buf */
	size_t len; /* bytes */
};

/* All state of one CSV read. */
struct csv_state {
	struct source *src;		/* input */
	const struct entity *e;		/* what the records are */
	const struct reader_ops *ops;	/* the caller */
	struct diag_list *diags;	/* where problems go */
	char *buf;			/* the current row's cell texts, NUL-separated */
	size_t buf_len, buf_cap;	/* bytes used / allocated in buf */
	struct cell cells[MAX_COLUMNS]; /* cells of the current row */
	size_t ncells;			/* cells in the current row (may exceed MAX_COLUMNS) */
	int colmap[MAX_COLUMNS];	/* header column -> field index, -1 ignored */
	size_t ncols;			/* header columns */
	bool have_header;		/* header row already seen */
	bool secret;			/* the entity has secret fields: wipe buffers */
	long line;			/* line being fed (1-based) */
	long row_line;			/* line where the current row began */
	long field_line;		/* line where the open quoted field began */
	bool field_open;		/* a quoted field stayed open at a line end */
	long records;			/* data records seen */
	enum read_status status;	/* set by callbacks to stop */
	bool oom;			/* memory ran out inside a callback */
};

/* libcsv allocators that wipe what they release: cells may hold passwords. */
static void *wipe_realloc(void *p, size_t n)
{
	return secret_realloc(p, n, true);
}

static void wipe_free(void *p)
{
	secret_free(p, true);
}

static void add_cell(void *data, size_t len, void *ctx)
{
	struct csv_state *st = ctx;
	size_t need;

	if (st->status != READ_OK)
		return;
	need = st->buf_len + len + 1;
	if (need > st->buf_cap) {
		size_t ncap = st->buf_cap ? st->buf_cap : 4096;
		char *nb;
		while (ncap < need)
			ncap *= 2;
		nb = wipe_realloc(st->buf, ncap);
		if (!nb) {
			st->status = READ_NO_MEMORY;
			return;
		}
		st->buf = nb;
		st->buf_cap = ncap;
	}
	if (st->ncells < MAX_COLUMNS) {
		st->cells[st->ncells].off = st->buf_len;
		st->cells[st->ncells].len = len;
	}
	if (len)
		memcpy(st->buf + st->buf_len, data, len);
	st->buf[st->buf_len + len] = '\0';
	st->buf_len += len + 1;
	st->ncells++;
}

static const char *cell_text(const struct csv_state *st, size_t i)
{
	return st->buf + st->cells[i].off;
}

/* Whether a header cell looks like a column name: safe to quote in a message. */
static bool looks_like_name(const char *s, size_t len)
{
	if (len == 0 || len > 40)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == ' '))
			return false;
	return true;
}

/* Map header cells to fields; report unknown and duplicate columns. */
static int take_header(struct csv_state *st)
{
	struct record present;
	int problems = 0;

	memset(&present, 0, sizeof(present));
	present.entity = st->e;
	present.file = st->src->name;
	present.line = st->row_line;
	if (st->ncells > MAX_COLUMNS) {
		diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->row_line, 0, 0, NULL,
			 "header has %zu columns, at most %d are allowed", st->ncells, MAX_COLUMNS);
		return -1;
	}
	st->ncols = st->ncells;
	for (size_t i = 0; i < st->ncells; i++) {
		const char *name = cell_text(st, i);
		size_t len = st->cells[i].len;
		int fi;

		/* column names never hold spaces: "a, b" headers are common */
		while (len && (*name == ' ' || *name == '\t')) {
			name++;
			len--;
		}
		while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
			len--;
		st->colmap[i] = -1;
		if (utf8_length(name, len) < 0) {
			diag_add(st->diags, DIAG_BAD_UTF8, st->src->name, st->row_line, 0, 0, NULL,
				 "header column %zu is not valid UTF-8", i + 1);
			problems++;
			continue;
		}
		if (len >= 6 && memcmp(name, "error_", 6) == 0)
			continue;
		fi = entity_field_index(st->e, name, len);
		if (fi < 0 && !st->secret && looks_like_name(name, len)) {
			diag_add(st->diags, DIAG_UNKNOWN_COLUMN, st->src->name, st->row_line, 0, 0,
				 NULL, "unknown column '%.*s' for %s", (int)len, name,
				 st->e->plural);
			problems++;
			continue;
		}
		if (fi < 0) {
			/* never echoed when it may be a password (a logins file without
			 * its header row) or when it is no name at all */
			diag_add(st->diags, DIAG_UNKNOWN_COLUMN, st->src->name, st->row_line, 0, 0,
				 NULL,
				 "column %zu of the header is not a field of %s (%s); is the "
				 "header row missing?",
				 i + 1, st->e->plural,
				 st->secret ? "its text is not shown: the file may hold passwords"
					    : "its text is not a column name");
			problems++;
			continue;
		}
		if (present.value[fi]) {
			diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->row_line, 0, 0,
				 st->e->fields[fi].name, "column appears twice in the header");
			problems++;
			continue;
		}
		st->colmap[i] = fi;
		present.value[fi] = "";
	}
	if (problems)
		return -1;
	if (st->ops->on_header && st->ops->on_header(st->ops->ctx, &present) != 0)
		return -1;
	return 0;
}

static void end_row(int term, void *ctx)
{
	struct csv_state *st = ctx;
	struct record rec;
	int bad = 0;

	(void)term;
	if (st->status != READ_OK)
		goto reset;
	if (!st->have_header) {
		st->have_header = true;
		if (take_header(st) != 0)
			st->status = READ_BROKEN;
		goto reset;
	}
	st->records++;
	memset(&rec, 0, sizeof(rec));
	rec.entity = st->e;
	rec.file = st->src->name;
	rec.line = st->row_line;
	rec.number = st->records;
	if (st->ncells != st->ncols) {
		diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->row_line, 0, st->records,
			 NULL, "record has %zu fields, the header has %zu", st->ncells, st->ncols);
		bad++;
		/* keep what there is, by position, so that the rejects file shows it;
		 * not for an entity with secrets: a shifted row may put a password
		 * under a column that is not secret */
		for (size_t i = 0;
		     !st->secret && i < st->ncols && i < st->ncells && i < MAX_COLUMNS; i++) {
			int fi = st->colmap[i];
			if (fi >= 0 && !(st->e->fields[fi].flags & F_SECRET)) {
				rec.value[fi] = cell_text(st, i);
				rec.len[fi] = st->cells[i].len;
			}
		}
	} else {
		for (size_t i = 0; i < st->ncols; i++) {
			int fi = st->colmap[i];
			const char *v;
			size_t len, skip = 0;

			if (fi < 0)
				continue;
			v = cell_text(st, i);
			len = st->cells[i].len;
			if (!(st->e->fields[fi].flags & F_SECRET))
				skip = csv_unguard(v, len);
			rec.value[fi] = v + skip;
			rec.len[fi] = len - skip;
		}
		bad += entity_check_cells(&rec, st->diags);
	}
	if (st->ops->on_record(st->ops->ctx, &rec, bad) != 0)
		st->status = READ_STOPPED;
reset:
	if (st->secret && st->buf)
		sodium_memzero(st->buf, st->buf_len);
	st->buf_len = 0;
	st->ncells = 0;
}

size_t csv_unguard(const char *s, size_t len)
{
	if (len >= 2 && s[0] == '\'' && strchr("=+-@\t\r'", s[1]) && s[1] != '\0')
		return 1;
	return 0;
}

static bool plain_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	return digits > 0 && i == len;
}

bool csv_needs_guard(const char *s, size_t len)
{
	if (len == 0)
		return false;
	if (strchr("=+-@\t\r", s[0]) && s[0] != '\0')
		return !plain_number(s, len);
	return csv_unguard(s, len) == 1;
}

int csv_write_cell(FILE *out, const char *s, size_t len, bool guard)
{
	/* one writer per stream: the unlocked calls skip a lock per byte */
	bool quote = false;

	if (guard && csv_needs_guard(s, len))
		quote = true; /* the guard quote goes inside the quotes too */
	for (size_t i = 0; i < len && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		quote = true; /* libcsv would trim them from an unquoted cell */
	if (!quote)
		return fwrite_unlocked(s, 1, len, out) == len ? 0 : -1;
	if (putc_unlocked('"', out) == EOF)
		return -1;
	if (guard && csv_needs_guard(s, len) && putc_unlocked('\'', out) == EOF)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' && putc_unlocked('"', out) == EOF)
			return -1;
		if (putc_unlocked(s[i], out) == EOF)
			return -1;
	}
	return putc_unlocked('"', out) == EOF ? -1 : 0;
}

/* Feed one line (ending with LF, or the last bytes of the file) to libcsv. */
static int feed_line(struct csv_state *st, struct csv_parser *p, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	size_t cells_before = st->ncells;
	long rows_before = st->records + st->have_header;

	if (nul) {
		diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->line, 0, 0, NULL,
			 "NUL byte at byte %zu of the line; the file is not text",
			 (size_t)(nul - s) + 1);
		return -1;
	}
	if (st->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		/* the BOM goes before libcsv sees it, so a quoted first name stays quoted */
		s += 3;
		n -= 3;
	}
	if (p->pstate == LIBCSV_ROW_NOT_BEGUN)
		st->row_line = st->line;
	if (csv_parse(p, s, n, add_cell, end_row, st) != n) {
		if (csv_error(p) == CSV_ENOMEM || csv_error(p) == CSV_ETOOBIG)
			st->status = READ_NO_MEMORY;
		else
			diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->line, 0, 0, NULL,
				 "%s", csv_strerror(csv_error(p)));
		return -1;
	}
	if (st->status != READ_OK)
		return -1;
	if (p->pstate == LIBCSV_FIELD_BEGUN && p->quoted) {
		/* the open field began on an earlier line only if no cell ended since */
		if (!st->field_open || st->ncells != cells_before ||
		    st->records + st->have_header != rows_before)
			st->field_line = st->line;
		st->field_open = true;
		if (p->entry_pos > MAX_FIELD_BYTES) {
			diag_add(st->diags, DIAG_CSV_SYNTAX, st->src->name, st->field_line, 0, 0,
				 NULL,
				 "quoted field longer than 1 MiB; is a closing quote missing?");
			return -1;
		}
	} else {
		st->field_open = false;
	}
	return 0;
}

enum read_status csv_read_records(struct source *src, const struct entity *e,
				  const struct reader_ops *ops, struct diag_list *diags)
{
	struct csv_state st;
	struct csv_parser parser;
	char *chunk = NULL, *carry = NULL;
	size_t ncarry = 0, carry_cap = 0;
	bool parser_ready = false;
	enum read_status result = READ_OK;

	memset(&st, 0, sizeof(st));
	st.src = src;
	st.e = e;
	st.ops = ops;
	st.diags = diags;
	st.line = 1;
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].flags & F_SECRET)
			st.secret = true;
	chunk = malloc(READ_CHUNK);
	if (!chunk || csv_init(&parser, CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		result = READ_NO_MEMORY;
		goto out;
	}
	parser_ready = true;
	csv_set_realloc_func(&parser, wipe_realloc);
	csv_set_free_func(&parser, wipe_free);

	for (;;) {
		size_t got, pos = 0;

		if (source_read(src, chunk, READ_CHUNK, &got) != 0) {
			result = READ_IO_ERROR;
			goto out;
		}
		if (got == 0)
			break;
		while (pos < got) {
			const char *nl = memchr(chunk + pos, '\n', got - pos);
			size_t n = nl ? (size_t)(nl - (chunk + pos)) + 1 : got - pos;

			if (!nl || ncarry) {
				/* a line crossing chunks is gathered before it is fed */
				if (ncarry + n > carry_cap) {
					size_t ncap = carry_cap ? carry_cap * 2 : 4096;
					char *nc;
					while (ncap < ncarry + n)
						ncap *= 2;
					nc = wipe_realloc(carry, ncap);
					if (!nc) {
						result = READ_NO_MEMORY;
						goto out;
					}
					carry = nc;
					carry_cap = ncap;
				}
				memcpy(carry + ncarry, chunk + pos, n);
				ncarry += n;
				if (ncarry > MAX_FIELD_BYTES * 4) {
					diag_add(diags, DIAG_CSV_SYNTAX, src->name, st.line, 0, 0,
						 NULL, "line longer than 4 MiB");
					result = READ_BROKEN;
					goto out;
				}
				if (nl) {
					if (feed_line(&st, &parser, carry, ncarry) != 0)
						goto stopped;
					sodium_memzero(carry, ncarry);
					ncarry = 0;
					st.line++;
				}
			} else {
				if (feed_line(&st, &parser, chunk + pos, n) != 0)
					goto stopped;
				st.line++;
			}
			pos += n;
		}
		if (st.secret)
			sodium_memzero(chunk, got);
	}
	if (ncarry && feed_line(&st, &parser, carry, ncarry) != 0)
		goto stopped;
	if ((parser.pstate == LIBCSV_FIELD_BEGUN && parser.quoted) ||
	    csv_fini(&parser, add_cell, end_row, &st) != 0) {
		/* libcsv reports an open quote at the end only in strict mode */
		diag_add(diags, DIAG_CSV_SYNTAX, src->name, st.field_open ? st.field_line : st.line,
			 0, 0, NULL, "quoted field is not closed: a closing '\"' is missing");
		result = READ_BROKEN;
		goto out;
	}
	if (st.status != READ_OK)
		goto stopped;
	if (!st.have_header) {
		diag_add(diags, DIAG_CSV_SYNTAX, src->name, 1, 0, 0, NULL,
			 "file is empty: a header row is needed");
		result = READ_BROKEN;
	}
	goto out;
stopped:
	result = st.status != READ_OK ? st.status : READ_BROKEN;
out:
	if (parser_ready)
		csv_free(&parser);
	if (chunk) {
		sodium_memzero(chunk, READ_CHUNK);
		free(chunk);
	}
	wipe_free(carry);
	wipe_free(st.buf);
	return result;
}

/* Header detection: split the first line at commas (quotes are rare in headers). */
const struct entity *csv_detect_entity(const char *data, size_t len)
{
	const struct entity *best = NULL;
	int best_score = 0;
	bool tie = false;
	/* the header line ends at LF, CRLF or (old Mac files) a lone CR */
	size_t n = 0;

	while (n < len && data[n] != '\n' && data[n] != '\r')
		n++;

	if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		n -= 3;
	}
	for (int id = 0; id < ENTITY_COUNT; id++) {
		const struct entity *e = entity_get(id);
		int score = 0;
		bool all = true;
		size_t i = 0;

		while (i <= n) {
			size_t j = i;
			const char *name;
			size_t nlen;
			while (j < n && data[j] != ',')
				j++;
			name = data + i;
			nlen = j - i;
			if (nlen && name[nlen - 1] == '\r')
				nlen--;
			/* spaces around a name, as the reader trims them (libcsv) */
			while (nlen && (name[0] == ' ' || name[0] == '\t'))
				name++, nlen--;
			while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
				nlen--;
			if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"') {
				name++;
				nlen -= 2;
			}
			if (!(nlen >= 6 && memcmp(name, "error_", 6) == 0)) {
				if (entity_field_index(e, name, nlen) >= 0)
					score++;
				else
					all = false;
			}
			i = j + 1;
		}
		/* every key field must be named for the header to identify the entity */
		for (int k = 0; k < 2 && e->key[k] >= 0; k++) {
			const char *kn = e->fields[e->key[k]].name;
			size_t kl = strlen(kn);
			bool found = false;
			for (const char *p = data; p + kl <= data + n; p++)
				if (memcmp(p, kn, kl) == 0 &&
				    (p == data || memchr(",\" \t", p[-1], 4)) &&
				    (p + kl == data + n || memchr(",\"\r \t", p[kl], 5)))
					found = true;
			if (!found)
				all = false;
		}
		if (all && score > best_score) {
			best = e;
			best_score = score;
			tie = false;
		} else if (all && score == best_score && score > 0) {
			tie = true;
		}
	}
	return tie ? NULL : best;
}
