/*
 * xmlio.c - streaming, hardened XML reading with libxml2's SAX parser and
 * validation against the generated XSD, one record at a time.
 *
 * Owns: XML syntax, the element-to-field mapping, XSD validation, XML
 * safety. Must not: check field values itself (entity.c does, for CSV and
 * XML alike) or touch the database.
 */
#include "xmlio.h"

#include <errno.h>
#include <limits.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "xsd.h"

#define MAX_FIELD_BYTES (1u << 20) /* one element's text may not exceed 1 MiB */

/* Every external entity, DTD or schema import is refused: nothing is fetched or opened. */
static xmlParserInputPtr refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)id;
	(void)ctxt;
	(void)url;
	return NULL;
}

/* Whether an entity with secrets is being read: only then is freed memory
 * wiped (set before a reader starts; one XML document is read at a time). */
static atomic_bool wipe_on;

static bool wiping(void)
{
	return atomic_load_explicit(&wipe_on, memory_order_relaxed);
}

/* libxml2 allocations wipe what they free: element text may hold a password. */
static void wipe_free(void *p)
{
	secret_free(p, wiping());
}

static void *wipe_realloc(void *p, size_t n)
{
	return secret_realloc(p, n, wiping());
}

static char *wipe_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = secret_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static xmlSchemaPtr schemas[ENTITY_COUNT];

/* libxml2's generic messages are not ours to print: structured handlers report. */
static void silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

void xml_init(void)
{
	xmlMemSetup(wipe_free, secret_malloc, wipe_realloc, wipe_strdup);
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_entity);
	xmlSetGenericErrorFunc(NULL, silent);
}

void xml_cleanup(void)
{
	for (int i = 0; i < ENTITY_COUNT; i++) {
		if (schemas[i])
			xmlSchemaFree(schemas[i]);
		schemas[i] = NULL;
	}
	xmlCleanupParser();
}

static void ignore_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* The parsed schema of E, built once from the generated text. */
static xmlSchemaPtr schema_for(const struct entity *e)
{
	xmlSchemaParserCtxtPtr pc;
	char *text;
	size_t len;

	if (schemas[e->id])
		return schemas[e->id];
	text = xsd_text(e, &len);
	if (!text)
		return NULL;
	pc = xmlSchemaNewMemParserCtxt(text, (int)len);
	if (pc) {
		xmlSchemaSetParserStructuredErrors(pc, ignore_error, NULL);
		schemas[e->id] = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	free(text);
	return schemas[e->id];
}

/*
 * The start tags' positions, and the guard that keeps libxml2 linear. The
 * bytes handed to libxml2 are scanned as they pass:
 *
 *  - libxml2's parser says where a start tag ends, not where it begins;
 *    it reports elements in the order the tags come, so the n-th element
 *    started is the n-th start tag the scanner saw;
 *  - the schemas allow no attributes at all, and libxml2 checks the
 *    attributes of one tag against each other (quadratic in their
 *    number): a start tag with an attribute, or with a name longer than
 *    NAME_MAX_BYTES, is refused where it begins, before libxml2 sees it.
 *    The parser gets the bytes up to that '<', then the end of input.
 *
 * Only '<' matters outside tags: well-formed XML has none inside attribute
 * values, text or end tags, so the scanner jumps from one '<' to the next,
 * and looks byte by byte only inside start tags (short) and comments,
 * CDATA sections, processing instructions and declarations (where '<' is
 * not markup).
 */
#define NAME_MAX_BYTES 256 /* longest element name read; acctbatch's are under 30 */

enum scan_state { SC_TEXT, SC_LT, SC_NAME, SC_TAG, SC_BANG, SC_COMMENT, SC_CDATA, SC_PI, SC_DECL };

struct tag_pos {
	long line, column; /* of the '<', 1-based; column in characters */
};

struct tag_scan {
	enum scan_state state; /* where the scanner is */
	long line, column;     /* line of the next byte; characters before it on its line */
	int run; /* '-' or ']' seen in a row (comment/CDATA ends), '?' seen, name bytes */
	long lt_line, lt_col; /* where the last '<' was */
	long lt_off;	      /* its offset in the block being scanned, -1 if in an earlier one */
	int depth;	      /* elements open at the scanner's position */
	long records;	      /* record start tags seen (at depth 1) */
	struct tag_pos *q;    /* ring of start tags not yet taken */
	size_t head, count, cap;
	/* a start tag refused (attributes, a long name): where and why */
	const char *refused; /* what is wrong with it, NULL if none */
	long refused_line, refused_col;
	int refused_depth;     /* 0 the root, 1 a record, 2 a field, deeper */
	long refused_record;   /* the record it is or is in, 0 for none */
	char refused_name[64]; /* the element's name (cut) */
	size_t name_len;       /* bytes of the name so far */
};

static void scan_push(struct tag_scan *sc, long line, long col)
{
	if (sc->count == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 256;
		struct tag_pos *nq = malloc(ncap * sizeof(*nq));
		if (!nq)
			return; /* columns become unknown; nothing else depends on them */
		for (size_t i = 0; i < sc->count; i++)
			nq[i] = sc->q[(sc->head + i) % sc->cap];
		free(sc->q);
		sc->q = nq;
		sc->head = 0;
		sc->cap = ncap;
	}
	sc->q[(sc->head + sc->count) % sc->cap] = (struct tag_pos){line, col};
	sc->count++;
}

static struct tag_pos scan_pop(struct tag_scan *sc)
{
	struct tag_pos p = {0, 0};

	if (sc->count) {
		p = sc->q[sc->head];
		sc->head = (sc->head + 1) % sc->cap;
		sc->count--;
	}
	return p;
}

/* UTF-8 continuation bytes (10xxxxxx) among the N bytes at S. */
static size_t continuation_bytes(const char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ULL;
	size_t count = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		/* bit 7 set and bit 6 clear, in every byte at once; the multiply
		 * adds the eight 0-or-1 bytes up into the top byte */
		w = (w & ~(w << 1) & high) >> 7;
		count += (size_t)((w * 0x0101010101010101ULL) >> 56);
	}
	for (; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) == 0x80;
	return count;
}

/* Whether C ends an element name in a start tag. */
static bool name_end(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>';
}

/* Move the position over the N bytes at S. */
static void scan_text(struct tag_scan *sc, const char *s, size_t n)
{
	const char *nl, *end = s + n;

	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		sc->line++;
		sc->column = 0;
		s = nl + 1;
	}
	sc->column += (long)((size_t)(end - s) - continuation_bytes(s, (size_t)(end - s)));
}

/* Refuse the start tag being scanned: WHAT is wrong with it. */
static void scan_refuse(struct tag_scan *sc, const char *what)
{
	sc->refused = what;
	sc->refused_line = sc->lt_line;
	sc->refused_col = sc->lt_col;
	sc->refused_depth = sc->depth;
	sc->refused_record = sc->depth >= 1 ? sc->records : 0;
	sc->state = SC_TEXT;
}

/*
 * Scan the N bytes at BUF. Returns how many of them libxml2 may have: N,
 * or fewer when a start tag in them is refused (sc->refused), up to its
 * '<' (0 when that '<' was in an earlier block).
 */
static size_t scan_bytes(struct tag_scan *sc, const char *buf, size_t n)
{
	size_t i = 0;

	sc->lt_off = -1;
	while (i < n && !sc->refused) {
		unsigned char c;

		if (sc->state == SC_TEXT) {
			/* text and end tags alike: jump to the next '<' */
			const char *lt = memchr(buf + i, '<', n - i);
			size_t stop = lt ? (size_t)(lt - buf) : n;
			scan_text(sc, buf + i, stop - i);
			if (!lt)
				return n;
			sc->column++;
			sc->lt_line = sc->line;
			sc->lt_col = sc->column;
			sc->lt_off = (long)stop;
			sc->state = SC_LT;
			i = stop + 1;
			continue;
		}
		c = (unsigned char)buf[i];
		if (sc->state == SC_LT) {
			/* the byte after '<' says what it opens */
			sc->run = 0;
			if (c == '/') { /* an end tag: its name is text to the scanner */
				sc->depth--;
				sc->state = SC_TEXT;
				continue;
			}
			if (c == '!' || c == '?') { /* taken here, so "<!-" opens a comment */
				sc->state = c == '!' ? SC_BANG : SC_PI;
				sc->column++;
				i++;
				continue;
			}
			scan_push(sc, sc->lt_line, sc->lt_col);
			if (sc->depth == 1)
				sc->records++;
			sc->state = SC_NAME;
			sc->name_len = 0;
		}
		if (sc->state == SC_NAME) {
			/* a start tag's name: the bytes up to a blank, '/' or '>' */
			size_t j = i, kept = sizeof(sc->refused_name) - 1;
			while (j < n && !name_end(buf[j]))
				j++;
			if (sc->name_len < kept) {
				size_t room = kept - sc->name_len;
				memcpy(sc->refused_name + sc->name_len, buf + i,
				       j - i < room ? j - i : room);
			}
			sc->name_len += j - i;
			sc->column += (long)(j - i - continuation_bytes(buf + i, j - i));
			sc->refused_name[sc->name_len < kept ? sc->name_len : kept] = '\0';
			if (sc->name_len > NAME_MAX_BYTES) {
				scan_refuse(sc, "a long name");
				break;
			}
			i = j;
			if (i == n)
				break;
			if (sc->name_len == 0) { /* "< x", "<>": libxml2's syntax error */
				sc->state = SC_TEXT;
				continue;
			}
			c = (unsigned char)buf[i];
			sc->state = SC_TAG;
		}
		if (sc->state == SC_TAG) {
			/* after the name, nothing but blanks and '/' before '>' */
			if (c == '\n') {
				sc->line++;
				sc->column = 0;
			} else {
				sc->column++;
			}
			if (c == '>') {
				if (sc->run != '/')
					sc->depth++;
				sc->state = SC_TEXT;
			} else if (!name_end((char)c)) { /* not a blank or '/' */
				scan_refuse(sc, "attributes");
			}
			sc->run = c == '/' ? '/' : 0;
			i++;
			continue;
		}
		/* inside a comment, CDATA section, processing instruction or
		 * declaration: byte by byte */
		if (c == '\n') {
			sc->line++;
			sc->column = 0;
		} else if ((c & 0xC0) != 0x80) {
			sc->column++;
		}
		switch (sc->state) {
		case SC_BANG:
			sc->state = c == '-' ? SC_COMMENT : c == '[' ? SC_CDATA : SC_DECL;
			sc->run =
				c == '-' ? -1 : 0; /* a comment: the opener's second '-' to come */
			break;
		case SC_COMMENT: /* "<!-" seen; ends at "-->" */
			if (sc->run < 0) {
				sc->run = 0;
				break;
			}
			if (c == '>' && sc->run >= 2)
				sc->state = SC_TEXT;
			sc->run = c == '-' ? sc->run + 1 : 0;
			break;
		case SC_CDATA:
			if (c == '>' && sc->run >= 2)
				sc->state = SC_TEXT;
			sc->run = c == ']' ? sc->run + 1 : 0;
			break;
		case SC_PI:
			if (c == '>' && sc->run)
				sc->state = SC_TEXT;
			sc->run = c == '?';
			break;
		case SC_DECL:
			if (c == '>')
				sc->state = SC_TEXT;
			break;
		default:
			break;
		}
		i++;
	}
	if (!sc->refused)
		return n;
	return sc->lt_off < 0 ? 0 : (size_t)sc->lt_off;
}

/* Where an open element's start tag is, and the field its name gives. */
struct open_elem {
	const xmlChar *name; /* local name, in the parser's dictionary */
	long line, column;   /* of the start tag */
	int field;	     /* field its name names, for the messages; -1 for none */
};

#define OPEN_MAX 64 /* open elements whose positions are kept (libxml2 allows 256) */

/* State of one XML read. */
struct xml_state {
	struct source *src;	      /* input */
	const struct entity *e;	      /* what the records are */
	const struct reader_ops *ops; /* the caller */
	struct diag_list *diags;      /* where problems go */
	struct diag_list pending;     /* schema findings of the current record */
	xmlParserCtxtPtr ctxt;	      /* the SAX parser */
	xmlSchemaValidCtxtPtr vctxt;  /* the validator, fed one record at a time */
	xmlSAXHandlerPtr vsax;	      /* its SAX side while a record is validated */
	xmlSchemaSAXPlugPtr plug;     /* non-NULL while a record is validated */
	enum read_status stop;	      /* why the callbacks stopped the parser */
	long file_errors;	      /* schema problems outside any record */
	long records;		      /* records seen */
	bool fatal;		      /* a syntax error ended the document */
	bool syntax_first;	      /* ... one before the tag the scanner refused */
	bool eof_given;		      /* read_io has told libxml2 the input ended */
	bool secret;		      /* wipe text buffers */
	bool seen_root;		      /* the root element has started */
	bool told_text;		      /* this text between records is reported */
	long gap_line;		      /* line where the last markup between records ended */
	long gap_breaks;	      /* line ends in the blank text since then */
	bool skip;		      /* the validator does not see this record */
	bool starting;		      /* an element's start is with the validator */
	int depth;		      /* elements open */
	int field;		      /* field of the open depth-2 element, -1 for none */
	char *text;		      /* current field's text */
	size_t text_len, text_cap;    /* bytes used / allocated */
	char *vtext;		      /* text not yet handed to the validator: one run */
	size_t vtext_len, vtext_cap;  /* bytes used / allocated */
	bool vtext_cdata;	      /* the run is CDATA */
	char *values;		      /* the record's field texts, NUL-separated */
	size_t values_len, values_cap;
	size_t off[FIELD_MAX];	/* offset of each given field in values */
	size_t vlen[FIELD_MAX]; /* bytes of each given field */
	bool given[FIELD_MAX];	/* field element seen */
	long fline[FIELD_MAX];	/* line of each field element */
	long fcol[FIELD_MAX];	/* column of each field element */
	struct tag_scan scan;	/* where the start tags are, ahead of the parser */
	char *inbuf;		/* input read ahead in large blocks (libxml2 asks for ~4 KB) */
	size_t in_len, in_off;	/* bytes in inbuf / handed to libxml2 */
	struct open_elem open[OPEN_MAX]; /* the open elements, root first */
	struct {
		const xmlChar *name; /* an element name, as the parser's dictionary holds it */
		int field;	     /* the field it gives, -1 for none */
		int named;	     /* the field it names in messages, -1 for none */
	} names[32];		     /* element names met, so each is looked up once */
	size_t nnames;		     /* entries used in names */
};

/* End the parse from a callback, for reason WHY. */
static void stop_parser(struct xml_state *st, enum read_status why)
{
	if (st->stop == READ_OK)
		st->stop = why;
	xmlStopParser(st->ctxt);
}

/*
 * A syntax error ends the document at once, as the first one is the one
 * that means something: libxml2 would read on with its callbacks off but
 * for stray text, and every later message would be about text it misread
 * (which may be a password).
 */
static void on_xml_error(void *ctx, xmlErrorPtr err)
{
	struct xml_state *st = ctx;
	const char *msg = err->message ? err->message : "malformed XML";
	const char *nl = strchr(msg, '\n');
	size_t n = nl ? (size_t)(nl - msg) : strlen(msg), k = 0;
	char shown[256];
	bool quoted = false;
	bool utf8 = err->domain != XML_FROM_SCHEMASV && strstr(msg, "not proper UTF-8");

	if (!utf8 && err->level < XML_ERR_ERROR)
		return; /* a warning */
	/* the input ends early on purpose at a refused tag: ours is the message,
	 * unless libxml2 found a problem in the bytes before that tag: where
	 * the tag starts or later (libxml2 may have had the tag's first bytes
	 * when it was cut by the end of a read) is ours; so is a problem on
	 * its line once libxml2 was told the input ends */
	if (st->scan.refused && (err->line > st->scan.refused_line ||
				 (err->line == st->scan.refused_line &&
				  (st->eof_given || err->int2 >= st->scan.refused_col)))) {
		st->fatal = true;
		stop_parser(st, READ_BROKEN);
		return;
	}
	st->syntax_first = st->scan.refused != NULL;
	/* one line only: libxml2 may add the offending bytes on a second line,
	 * and they may be part of a password */
	while (n && msg[n - 1] == ' ')
		n--;
	if (utf8) {
		st->fatal = true;
		diag_add(st->diags, DIAG_BAD_UTF8, st->src->name, err->line, err->int2, 0, NULL,
			 "not valid UTF-8 (or the document's encoding declaration is wrong)");
		stop_parser(st, READ_BROKEN);
		return;
	}
	/* where a password may be read, what libxml2 quotes of the input
	 * ("Entity 'x' not defined") is left out */
	for (size_t i = 0; i < n && k + 4 < sizeof(shown); i++) {
		if (st->secret && msg[i] == '\'') {
			quoted = !quoted;
			if (!quoted) {
				memcpy(shown + k, "...", 3);
				k += 3;
			}
		} else if (quoted) {
			continue;
		}
		shown[k++] = msg[i];
	}
	shown[k] = '\0';
	st->fatal = true;
	diag_add(st->diags, DIAG_XML_SYNTAX, st->src->name, err->line, err->int2, 0, NULL, "%s",
		 shown);
	stop_parser(st, READ_BROKEN);
}

#define INBUF_BYTES (256u << 10)

static int read_io(void *ctx, char *buf, int len)
{
	struct xml_state *st = ctx;
	size_t got;

	if (st->in_off == st->in_len && st->scan.refused)
		goto eof;
	if (st->in_off == st->in_len) {
		/* one read of 256 KB instead of sixty-four of 4 KB; and never
		 * fewer than 4 bytes but at the end: libxml2 misjudges a UTF-8
		 * character when a read hands it less than a whole one (a slow
		 * pipe) */
		if (!st->inbuf && !(st->inbuf = wipe_realloc(NULL, INBUF_BYTES)))
			return -1;
		st->in_len = 0;
		while (st->in_len < 4) {
			size_t n;
			if (source_read(st->src, st->inbuf + st->in_len, INBUF_BYTES - st->in_len,
					&n) != 0)
				return -1;
			if (n == 0)
				break;
			st->in_len += n;
		}
		st->in_off = 0;
		if (st->in_len == 0)
			goto eof;
		/* a refused start tag: libxml2 gets what comes before it, then
		 * the end of input */
		st->in_len = scan_bytes(&st->scan, st->inbuf, st->in_len);
		if (st->in_len == 0)
			goto eof;
	}
	got = st->in_len - st->in_off < (size_t)len ? st->in_len - st->in_off : (size_t)len;
	memcpy(buf, st->inbuf + st->in_off, got);
	st->in_off += got;
	return (int)got;
eof:
	st->eof_given = true;
	return 0;
}

static int close_io(void *ctx)
{
	(void)ctx;
	return 0;
}

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap;
	char *nb;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	nb = wipe_realloc(*buf, ncap);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Store the finished text of field FI (tokens join with a space). */
static int keep_field(struct xml_state *st, int fi, long line, long col)
{
	bool again = st->given[fi];

	if (again && st->e->fields[fi].type != FT_TOKENS)
		return 0; /* the schema reports the repetition */
	if (grow(&st->values, &st->values_cap, st->values_len + st->text_len + 2) != 0)
		return -1;
	if (again && st->values_len > 0 && st->off[fi] + st->vlen[fi] + 1 == st->values_len) {
		/* the previous token is the last value: extend it */
		st->values[st->values_len - 1] = ' ';
		if (st->text_len)
			memcpy(st->values + st->values_len, st->text, st->text_len);
		st->values_len += st->text_len;
		st->values[st->values_len++] = '\0';
		st->vlen[fi] += 1 + st->text_len;
		return 0;
	}
	if (again) {
		/* tokens split by other elements: the schema reports the order */
		return 0;
	}
	st->off[fi] = st->values_len;
	st->vlen[fi] = st->text_len;
	if (st->text_len) /* no text: st->text may not exist yet */
		memcpy(st->values + st->values_len, st->text, st->text_len);
	st->values_len += st->text_len;
	st->values[st->values_len++] = '\0';
	st->given[fi] = true;
	st->fline[fi] = line;
	st->fcol[fi] = col;
	return 0;
}

int xml_finish_record(const struct record *rec, struct diag_list *diags)
{
	size_t n = (size_t)rec->schema_findings, mark = diags->count - n, kept = 0;
	struct diag_list schema = {0};
	int bad;

	if (n == 0)
		return entity_check_cells(rec, diags);
	/* take the schema findings off the end, check the cells, put them back */
	schema.items = malloc(n * sizeof(*schema.items));
	if (!schema.items)
		return -1;
	memcpy(schema.items, diags->items + mark, n * sizeof(*schema.items));
	schema.count = schema.cap = n;
	diags->count = mark;
	bad = entity_check_cells(rec, diags);
	/* the C rules decide a field's value: a schema finding about a field C
	 * already reported is left out; every other finding stands, after them */
	for (size_t i = 0; i < n; i++) {
		struct diag *d = &schema.items[i];
		bool told = false;
		for (size_t k = mark; d->field && k < diags->count; k++)
			told = told || (diags->items[k].field &&
					strcmp(diags->items[k].field, d->field) == 0);
		if (told) {
			free(d->file);
			free(d->field);
			free(d->message);
			continue;
		}
		schema.items[kept++] = *d;
		bad++;
	}
	schema.count = kept;
	if (diag_list_move(diags, &schema) != 0) {
		diag_list_release(&schema);
		return -1;
	}
	free(schema.items);
	return bad;
}

static int deliver(struct xml_state *st)
{
	struct record rec;
	int bad;

	memset(&rec, 0, sizeof(rec));
	rec.entity = st->e;
	rec.file = st->src->name;
	rec.line = st->open[1].line; /* the record element */
	rec.column = st->open[1].column;
	rec.number = st->records;
	for (size_t i = 0; i < st->e->nfields; i++) {
		if (!st->given[i])
			continue;
		rec.value[i] = st->values + st->off[i];
		rec.len[i] = st->vlen[i];
		rec.field_line[i] = st->fline[i];
		rec.field_column[i] = st->fcol[i];
	}
	/* the schema findings go first, as they are; xml_finish_record merges
	 * them with the cell checks (here, or later on the caller's thread) */
	rec.schema_findings = (int)st->pending.count;
	bad = rec.schema_findings;
	if (diag_list_move(st->diags, &st->pending) != 0)
		return -2;
	if (!st->ops->checks_later && (bad = xml_finish_record(&rec, st->diags)) < 0)
		return -2;
	if (st->ops->on_record(st->ops->ctx, &rec, bad) != 0)
		return -1;
	if (st->secret && st->values)
		sodium_memzero(st->values, st->values_len);
	st->values_len = 0;
	memset(st->given, 0, sizeof(st->given));
	return 0;
}

/*
 * Look at the prolog before libxml2 does: a DOCTYPE (which is where entity
 * declarations and external subsets live) is refused outright, as is a
 * root element of another entity. Returns 0 to go on, or -1 with a
 * diagnostic added.
 */
static int check_prolog(struct source *src, const struct entity *e, struct diag_list *diags)
{
	const char *d;
	size_t len, i = 0;
	long line = 1;

	if (source_peek(src, SOURCE_PEEK_MAX, &d, &len) != 0)
		return 0; /* the read error surfaces through the parser */
	if (len >= 2 && ((unsigned char)d[0] == 0xFE || (unsigned char)d[0] == 0xFF ||
			 d[0] == '\0' || d[1] == '\0')) {
		diag_add(diags, DIAG_XML_SYNTAX, src->name, 1, 0, 0, NULL,
			 "document is not UTF-8 (UTF-16 or other encodings are not accepted)");
		return -1;
	}
	if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		const char *end;
		if (d[i] == '\n') {
			line++;
			i++;
		} else if (d[i] == ' ' || d[i] == '\t' || d[i] == '\r') {
			i++;
		} else if (len - i >= 2 && memcmp(d + i, "<?", 2) == 0) {
			end = memmem(d + i, len - i, "?>", 2);
			if (!end)
				break;
			for (const char *p = d + i; p < end; p++)
				line += *p == '\n';
			i = (size_t)(end - d) + 2;
		} else if (len - i >= 4 && memcmp(d + i, "<!--", 4) == 0) {
			end = memmem(d + i, len - i, "-->", 3);
			if (!end)
				break;
			for (const char *p = d + i; p < end; p++)
				line += *p == '\n';
			i = (size_t)(end - d) + 3;
		} else if (len - i >= 2 && memcmp(d + i, "<!", 2) == 0) {
			diag_add(diags, DIAG_XML_SYNTAX, src->name, line, 0, 0, NULL,
				 "document type declarations and entities are not allowed");
			return -1;
		} else if (d[i] == '<') {
			size_t j = i + 1, n;
			while (j < len && !strchr(" \t\r\n/>", d[j]))
				j++;
			n = j - i - 1;
			if (j < len &&
			    (n != strlen(e->plural) || memcmp(d + i + 1, e->plural, n) != 0)) {
				diag_add(diags, DIAG_SCHEMA, src->name, line, 0, 0, NULL,
					 "root element is <%.*s>, expected <%s>",
					 (int)(n > 40 ? 40 : n), d + i + 1, e->plural);
				return -1;
			}
			return 0;
		} else {
			return 0; /* not markup: the parser reports it */
		}
	}
	if (len == SOURCE_PEEK_MAX) {
		diag_add(diags, DIAG_XML_SYNTAX, src->name, line, 0, 0, NULL,
			 "no root element in the first %d bytes", SOURCE_PEEK_MAX);
		return -1;
	}
	return 0;
}

/*
 * The position to report for an element whose start tag the scanner saw at
 * AT and libxml2 puts on NODE_LINE (where the tag ends). The scanner's is
 * exact; libxml2's is the fallback should the two ever disagree.
 */
static void tag_position(struct tag_pos at, long node_line, long *line, long *col)
{
	if (at.line > 0 && at.line <= node_line && node_line - at.line < 1000) {
		*line = at.line;
		*col = at.column;
	} else {
		*line = node_line;
		*col = 0;
	}
}

/*
 * The field element NAME gives a value of (-1 for none), and in *NAMED the
 * field a message about it names: a token's element ("subscription")
 * names its list field (subscriptions), whose value it gives one token at
 * a time (an element named after a token-list field gives none; the
 * element of a token is the field's values[0], entity.h). Remembered per
 * name: the parser interns element names
 * in its dictionary (no XML_PARSE_NODICT), so one name is one pointer,
 * alive as long as the parser, throughout a document.
 */
static int field_of_name(struct xml_state *st, const xmlChar *name, int *named)
{
	const char *s = (const char *)name;
	bool sub;
	int field;

	for (size_t i = 0; i < st->nnames; i++)
		if (st->names[i].name == name) {
			*named = st->names[i].named;
			return st->names[i].field;
		}
	*named = entity_item_field(st->e, s);
	sub = *named >= 0;
	if (!sub)
		*named = entity_field_index(st->e, s, strlen(s));
	field = *named >= 0 && st->e->fields[*named].type == FT_TOKENS && !sub ? -1 : *named;
	if (st->nnames < sizeof(st->names) / sizeof(st->names[0])) {
		st->names[st->nnames].name = name;
		st->names[st->nnames].field = field;
		st->names[st->nnames++].named = *named;
	}
	return field;
}

/*
 * The open element a schema finding is about. Findings come while one of
 * the record's events is handed to the validator, and begin with the name
 * of the element they concern ("Element 'email': ..."): the innermost open
 * element of that name, else the innermost one. While an element starts,
 * a finding is about it (an attribute, "This element is not expected"),
 * but "Element content is not allowed" is about its parent, which may bear
 * the same name.
 */
static const struct open_elem *finding_elem(const struct xml_state *st, const char *msg)
{
	const char *name = NULL;
	size_t n = 0;
	int top = (st->depth > OPEN_MAX ? OPEN_MAX : st->depth) - 1, from = top;

	if (st->starting && top > 1 && strstr(msg, "content is not allowed"))
		from = top - 1; /* not about the element starting: about its parent */
	if (strncmp(msg, "Element '", 9) == 0) {
		const char *end;
		name = msg + 9;
		if (*name == '{' && (end = strchr(name, '}')) != NULL)
			name = end + 1; /* {namespace}name */
		end = strchr(name, '\'');
		n = end ? (size_t)(end - name) : 0;
	}
	for (int i = from; n && i >= 1; i--)
		if (strlen((const char *)st->open[i].name) == n &&
		    memcmp(st->open[i].name, name, n) == 0)
			return &st->open[i];
	return &st->open[top];
}

static void on_schema_error(void *ctx, xmlErrorPtr err)
{
	struct xml_state *st = ctx;
	const char *msg = err->message ? err->message : "does not match the schema";
	const char *nl = strchr(msg, '\n');
	size_t n = nl ? (size_t)(nl - msg) : strlen(msg);
	const struct open_elem *at = finding_elem(st, msg);

	while (n && msg[n - 1] == ' ')
		n--;
	if (st->depth < 2) {
		/* about the root, outside any record: the document's structure */
		diag_add(st->diags, DIAG_SCHEMA, st->src->name, at->line, at->column, 0, NULL,
			 "%.*s", (int)n, msg);
		st->file_errors++;
		return;
	}
	diag_add(&st->pending, DIAG_SCHEMA, st->src->name, at->line, at->column, st->records,
		 at->field >= 0 ? st->e->fields[at->field].name : NULL, "%.*s", (int)n, msg);
}

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *id, const xmlChar *url)
{
	struct xml_state *st = ctx;

	(void)name;
	(void)id;
	(void)url;
	diag_add(st->diags, DIAG_XML_SYNTAX, st->src->name, st->ctxt->input->line, 0, 0, NULL,
		 "document type declarations and entities are not allowed");
	stop_parser(st, READ_BROKEN);
}

/* Whether the validator is to see the events now: inside a record it takes. */
static bool validating(const struct xml_state *st)
{
	return st->vsax && !st->skip && st->depth >= 2;
}

/*
 * Hand the buffered run of text to the validator in one piece. libxml2's
 * parser delivers text in pieces (at every entity or character reference,
 * every 300 bytes or so), and the validator would join the pieces one
 * reallocation at a time, and report misplaced text once per piece.
 */
static void flush_text(struct xml_state *st)
{
	if (!st->vtext_len)
		return;
	if (validating(st))
		(st->vtext_cdata ? st->vsax->cdataBlock : st->vsax->characters)(
			st->vctxt, (const xmlChar *)st->vtext, (int)st->vtext_len);
	if (st->secret)
		sodium_memzero(st->vtext, st->vtext_len);
	st->vtext_len = 0;
}

/* Keep LEN bytes of text at S for the validator; 0, or -1 with the parse stopped. */
static int buffer_text(struct xml_state *st, const xmlChar *s, int len, bool cdata)
{
	if (st->vtext_len && cdata != st->vtext_cdata)
		flush_text(st);
	st->vtext_cdata = cdata;
	if (st->vtext_len + (size_t)len > MAX_FIELD_BYTES) {
		const struct open_elem *el =
			&st->open[(st->depth > OPEN_MAX ? OPEN_MAX : st->depth) - 1];
		diag_add(st->diags, DIAG_XML_SYNTAX, st->src->name, el->line, el->column,
			 st->records, el->field >= 0 ? st->e->fields[el->field].name : NULL,
			 "element text longer than 1 MiB");
		stop_parser(st, READ_BROKEN);
		return -1;
	}
	if (grow(&st->vtext, &st->vtext_cap, st->vtext_len + (size_t)len) != 0) {
		stop_parser(st, READ_NO_MEMORY);
		return -1;
	}
	memcpy(st->vtext + st->vtext_len, s, (size_t)len);
	st->vtext_len += (size_t)len;
	return 0;
}

/*
 * Markup between records (the root's start tag, a record's end, a comment)
 * has just ended: the text that follows starts on the parser's line. The
 * line of a mistake in that text is counted from there, over the line ends
 * in the text as the parser hands it over (CR LF and a lone CR as LF), so
 * that it does not depend on how the text comes in pieces.
 */
static void between_markup(struct xml_state *st)
{
	st->gap_line = st->ctxt->input->line;
	st->gap_breaks = 0;
}

/* The root element: the entity's plural, without attributes; -1 if not. */
static int start_root(struct xml_state *st, const xmlChar *name, bool attributes)
{
	long line, col;

	tag_position(scan_pop(&st->scan), st->ctxt->input->line, &line, &col);
	st->open[0] = (struct open_elem){name, line, col, -1};
	st->seen_root = true;
	if (strcmp((const char *)name, st->e->plural) != 0 || attributes) {
		diag_add(st->diags, DIAG_SCHEMA, st->src->name, line, col, 0, NULL,
			 "the root element must be <%s>, without attributes", st->e->plural);
		stop_parser(st, READ_BROKEN);
		return -1;
	}
	return 0;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
		     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
		     int nb_defaulted, const xmlChar **attributes)
{
	struct xml_state *st = ctx;
	struct open_elem *el;
	void *unused = NULL;
	int named;

	if (st->depth == 0) {
		st->depth++;
		if (start_root(st, name, nb_namespaces > 0 || nb_attributes > 0) != 0)
			return;
		between_markup(st);
		/* the validator sees the whole document but for records of
		 * another name; a finding always concerns one record, as the
		 * root holds nothing but records */
		st->vsax = NULL; /* no SAX handler of ours behind the validator's */
		st->plug = xmlSchemaSAXPlug(st->vctxt, &st->vsax, &unused);
		if (!st->plug)
			stop_parser(st, READ_NO_MEMORY);
		else
			st->vsax->startElementNs(st->vctxt, name, prefix, uri, nb_namespaces,
						 namespaces, nb_attributes, nb_defaulted,
						 attributes);
		return;
	}
	flush_text(st); /* the parent's text before this child */
	el = st->depth < OPEN_MAX ? &st->open[st->depth] : NULL;
	st->depth++;
	if (!el) {
		scan_pop(&st->scan);
	} else {
		tag_position(scan_pop(&st->scan), st->ctxt->input->line, &el->line, &el->column);
		el->name = name;
		el->field = -1;
	}
	if (st->depth == 2) {
		/* a record: it is validated on its own, as if it were a document,
		 * so every schema finding belongs to exactly one record */
		st->records++;
		st->values_len = 0;
		memset(st->given, 0, sizeof(st->given));
		if (strcmp((const char *)name, st->e->singular) != 0 || uri) {
			/* the validator is kept out of it: one element it does not
			 * expect in the root, and it would skip every later record */
			diag_add(&st->pending, DIAG_SCHEMA, st->src->name, el->line, el->column,
				 st->records, NULL, "<%s> holds <%s> records, not <%s%s%s%s>",
				 st->e->plural, st->e->singular, uri ? "{" : "",
				 uri ? (const char *)uri : "", uri ? "}" : "", (const char *)name);
			st->skip = true; /* the validator would skip every later record */
			return;
		}
	} else if (st->depth == 3) {
		st->field = field_of_name(st, name, &named);
		st->text_len = 0;
		if (el)
			el->field = named;
	} else if (el) {
		field_of_name(st, name, &el->field);
	}
	if (validating(st)) {
		st->starting = true;
		st->vsax->startElementNs(st->vctxt, name, prefix, uri, nb_namespaces, namespaces,
					 nb_attributes, nb_defaulted, attributes);
		st->starting = false;
	}
}

/* Hand the record to the caller. */
static void end_record(struct xml_state *st)
{
	int r;

	st->skip = false;
	if ((r = deliver(st)) != 0)
		stop_parser(st, r == -2 ? READ_NO_MEMORY : READ_STOPPED);
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct xml_state *st = ctx;

	flush_text(st);
	if (validating(st) || (st->depth == 1 && st->vsax))
		st->vsax->endElementNs(st->vctxt, name, prefix, uri);
	if (st->depth == 3 && st->field >= 0) {
		const struct open_elem *el = &st->open[2];
		if (keep_field(st, st->field, el->line, el->column) != 0)
			stop_parser(st, READ_NO_MEMORY);
		if (st->secret && st->text)
			sodium_memzero(st->text, st->text_len);
		st->text_len = 0;
	}
	st->depth--;
	if (st->depth == 1) {
		end_record(st);
		between_markup(st);
	}
	st->told_text = false;
}

/* A comment or processing instruction: between records, where the text
 * after it starts. */
static void on_comment(void *ctx, const xmlChar *value)
{
	struct xml_state *st = ctx;

	(void)value;
	if (st->depth == 1)
		between_markup(st);
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)target;
	(void)data;
	on_comment(ctx, NULL);
}

/* Text: a field's value, or (between records) a mistake. */
static void on_text(struct xml_state *st, const xmlChar *s, int len, bool cdata)
{
	if (st->depth == 1) {
		int i = 0;
		while (!cdata && i < len &&
		       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			st->gap_breaks += s[i++] == '\n';
		if (i < len && !st->told_text) {
			/* the line of its first character that is not blank: counted
			 * from the markup before it, as the parser's own line after S
			 * is not (it counts no lone CR, which reaches S as LF) */
			diag_add(st->diags, DIAG_SCHEMA, st->src->name,
				 st->gap_line + st->gap_breaks, 0, 0, NULL,
				 "text between records: <%s> holds only <%s> elements",
				 st->e->plural, st->e->singular);
			st->file_errors++;
			st->told_text = true;
		}
		return;
	}
	if (st->depth == 3 && st->field >= 0) {
		if (st->text_len + (size_t)len > MAX_FIELD_BYTES) {
			const struct open_elem *el = &st->open[2];
			diag_add(st->diags, DIAG_XML_SYNTAX, st->src->name, el->line, el->column,
				 st->records, st->e->fields[st->field].name,
				 "element text longer than 1 MiB");
			stop_parser(st, READ_BROKEN);
			return;
		}
		if (grow(&st->text, &st->text_cap, st->text_len + (size_t)len + 1) != 0) {
			stop_parser(st, READ_NO_MEMORY);
			return;
		}
		memcpy(st->text + st->text_len, s, (size_t)len);
		st->text_len += (size_t)len;
	}
	if (validating(st))
		buffer_text(st, s, len, cdata);
}

static void on_characters(void *ctx, const xmlChar *s, int len)
{
	on_text(ctx, s, len, false);
}

static void on_cdata(void *ctx, const xmlChar *s, int len)
{
	on_text(ctx, s, len, true);
}

/*
 * The diagnostic for the start tag the scanner refused, after the records
 * before it were read: the root's own message, or the record's or field's
 * element with what is wrong with it. Nothing after it is read.
 */
static void refused_tag(struct xml_state *st)
{
	const struct tag_scan *sc = &st->scan;
	long record = sc->refused_record;
	const char *where = sc->refused_depth == 1   ? "the record"
			    : sc->refused_depth == 2 ? "the field"
						     : "the";

	if (sc->refused_depth == 0 && strcmp(sc->refused, "attributes") == 0) {
		diag_add(st->diags, DIAG_SCHEMA, st->src->name, sc->refused_line, sc->refused_col,
			 0, NULL, "the root element must be <%s>, without attributes",
			 st->e->plural);
		return;
	}
	if (strcmp(sc->refused, "attributes") == 0)
		diag_add(st->diags, DIAG_SCHEMA, st->src->name, sc->refused_line, sc->refused_col,
			 sc->refused_depth >= 1 ? record : 0, NULL,
			 "%s element <%s> has attributes, which the schemas never allow; the "
			 "file is read no further",
			 where, sc->refused_name);
	else
		diag_add(st->diags, DIAG_SCHEMA, st->src->name, sc->refused_line, sc->refused_col,
			 sc->refused_depth >= 1 ? record : 0, NULL,
			 "%s element's name is longer than %d bytes ('%.20s...'); the file is "
			 "read no further",
			 where, NAME_MAX_BYTES, sc->refused_name);
}

enum read_status xml_read_records(struct source *src, const struct entity *e,
				  const struct reader_ops *ops, struct diag_list *diags)
{
	struct xml_state st;
	xmlSAXHandler sax;
	xmlSchemaPtr schema;
	enum read_status result = READ_OK;

	memset(&st, 0, sizeof(st));
	st.src = src;
	st.e = e;
	st.ops = ops;
	st.diags = diags;
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].flags & F_SECRET)
			st.secret = true;
	atomic_store(&wipe_on, st.secret);
	schema = schema_for(e);
	if (!schema) {
		diag_add(diags, DIAG_SCHEMA, src->name, 0, 0, 0, NULL,
			 "internal error: the %s schema does not compile", e->plural);
		result = READ_BROKEN;
		goto out;
	}
	xmlSetGenericErrorFunc(NULL, silent); /* per thread: this may run on a reader thread */
	if (check_prolog(src, e, diags) != 0) {
		result = READ_BROKEN;
		goto out;
	}
	/* SAX: no tree is built; each record's events also go to the validator */
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.ignorableWhitespace = on_characters;
	sax.cdataBlock = on_cdata;
	sax.comment = on_comment;
	sax.processingInstruction = on_pi;
	sax.internalSubset = refuse_dtd;
	sax.externalSubset = refuse_dtd;
	sax.serror = on_xml_error;
	st.scan.line = 1;
	st.vctxt = xmlSchemaNewValidCtxt(schema);
	st.ctxt = xmlCreateIOParserCtxt(&sax, &st, read_io, close_io, &st, XML_CHAR_ENCODING_NONE);
	if (!st.ctxt || !st.vctxt) {
		result = READ_NO_MEMORY;
		goto out;
	}
	xmlCtxtUseOptions(st.ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	xmlSchemaSetValidStructuredErrors(st.vctxt, on_schema_error, &st);
	xmlResetLastError();
	xmlParseDocument(st.ctxt);
	if (st.stop == READ_STOPPED || st.stop == READ_NO_MEMORY) {
		result = st.stop;
	} else if (st.scan.refused && !st.syntax_first) {
		refused_tag(&st);
		result = READ_BROKEN;
	} else if (src->error) {
		result = READ_IO_ERROR; /* whatever libxml2 made of the short read */
	} else if (st.stop != READ_OK) {
		result = st.stop;
	} else if (st.fatal || !st.ctxt->wellFormed) {
		if (!st.fatal)
			diag_add(diags, DIAG_XML_SYNTAX, src->name, 0, 0, 0, NULL,
				 "malformed XML document");
		result = READ_BROKEN;
	} else if (!st.seen_root) {
		diag_add(diags, DIAG_XML_SYNTAX, src->name, 1, 0, 0, NULL,
			 "document has no root element");
		result = READ_BROKEN;
	} else if (st.file_errors > 0) {
		result = READ_BROKEN; /* the document's structure is wrong outside records */
	}
out:
	if (st.plug)
		xmlSchemaSAXUnplug(st.plug);
	if (st.ctxt)
		xmlFreeParserCtxt(st.ctxt);
	if (st.vctxt)
		xmlSchemaFreeValidCtxt(st.vctxt);
	if (st.secret && st.text)
		sodium_memzero(st.text, st.text_cap);
	if (st.secret && st.values)
		sodium_memzero(st.values, st.values_cap);
	if (st.secret && st.vtext)
		sodium_memzero(st.vtext, st.vtext_cap);
	wipe_free(st.text);
	wipe_free(st.vtext);
	wipe_free(st.values);
	if (st.inbuf) {
		sodium_memzero(st.inbuf, INBUF_BYTES);
		wipe_free(st.inbuf);
	}
	atomic_store(&wipe_on, false);
	free(st.scan.q);
	diag_list_release(&st.pending);
	return result;
}

const struct entity *xml_detect_entity(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(data + i, '<', len - i);
		size_t j, start;
		char name[32];

		if (!lt)
			return NULL;
		i = (size_t)(lt - data) + 1;
		if (len - i >= 3 && memcmp(data + i, "!--", 3) == 0) {
			/* a comment may hold any text, '<' too */
			const char *end = memmem(data + i, len - i, "-->", 3);
			if (!end)
				return NULL;
			i = (size_t)(end - data) + 3;
			continue;
		}
		if (i < len && (data[i] == '?' || data[i] == '!'))
			continue;
		start = i;
		j = i;
		while (j < len && j - start < sizeof(name) - 1 &&
		       ((data[j] >= 'a' && data[j] <= 'z') || data[j] == '_'))
			j++;
		memcpy(name, data + start, j - start);
		name[j - start] = '\0';
		return entity_by_name(name);
	}
	return NULL;
}

struct xml_out {
	xmlTextWriterPtr w;	/* the writer, owning its output buffer */
	const struct entity *e; /* what the records are */
	int failed;		/* a write failed */
};

struct xml_out *xml_out_begin(FILE *out, const struct entity *e)
{
	struct xml_out *xo = calloc(1, sizeof(*xo));
	xmlOutputBufferPtr buf;

	if (!xo)
		return NULL;
	buf = xmlOutputBufferCreateFile(out, NULL); /* does not close OUT */
	xo->w = buf ? xmlNewTextWriter(buf) : NULL;
	if (!xo->w) {
		if (buf)
			xmlOutputBufferClose(buf);
		free(xo);
		return NULL;
	}
	xo->e = e;
	if (xmlTextWriterSetIndent(xo->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(xo->w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(xo->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(xo->w, BAD_CAST e->plural) < 0)
		xo->failed = 1;
	return xo;
}

int xml_out_record(struct xml_out *xo, const char *const value[])
{
	const struct entity *e = xo->e;

	if (xo->failed || xmlTextWriterStartElement(xo->w, BAD_CAST e->singular) < 0)
		return xo->failed = -1;
	for (size_t i = 0; i < e->nfields; i++) {
		const char *v = value[i];
		if (!v)
			continue;
		if (e->fields[i].type != FT_TOKENS) {
			if (xmlTextWriterWriteElement(xo->w, BAD_CAST e->fields[i].name,
						      BAD_CAST v) < 0)
				return xo->failed = -1;
			continue;
		}
		while (*v) { /* tokens are single-spaced when stored */
			size_t n = strcspn(v, " ");
			if (n &&
			    xmlTextWriterWriteFormatElement(xo->w, BAD_CAST e->fields[i].values[0],
							    "%.*s", (int)n, v) < 0)
				return xo->failed = -1;
			v += n + (v[n] == ' ');
		}
	}
	if (xmlTextWriterEndElement(xo->w) < 0)
		return xo->failed = -1;
	return 0;
}

int xml_out_end(struct xml_out *xo)
{
	int rc = xo->failed ? -1 : 0;

	if (!xo->failed && xmlTextWriterEndDocument(xo->w) < 0)
		rc = -1;
	if (xmlTextWriterFlush(xo->w) < 0)
		rc = -1;
	xmlFreeTextWriter(xo->w);
	free(xo);
	return rc;
}
