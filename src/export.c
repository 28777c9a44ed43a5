/*
 * export.c - one entity's rows as CSV or XML (see export.h).
 */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "isocodes.h"
#include "xmlio.h"

struct export_run {
	const struct entity *e;
	const struct export_opts *opts;
	FILE *out;
	struct xml_out *xml; /* XML: the document being written */
	int currency;	     /* index of the currency field, -1 if none */
	bool col[FIELD_MAX]; /* field i is a column of this export (export_has_column, once) */
	long rows;	     /* rows written */
	bool write_failed;   /* OUT failed */
	bool stopped;	     /* opts->stop said so */
	char amount[32];     /* the formatted amount of the current row */
};

/* Whether field F is a column of an export with OPTS. */
static bool export_has_column(const struct field *f, const struct export_opts *opts)
{
	return field_stored(f) && (!(f->flags & F_NOEXPORT) || opts->password_hashes);
}

/* The external form of stored VALUE of field F in ROW: what import reads back. */
static const char *external(struct export_run *x, const struct field *f, const struct row *row,
			    const char *value)
{
	if (!value)
		return NULL;
	if (f->type == FT_BOOL)
		return strcmp(value, "0") == 0 ? "false" : "true";
	if (f->type == FT_AMOUNT) {
		const char *cur = x->currency >= 0 ? row->v[x->currency] : NULL;
		int digits = cur ? iso_currency_digits(cur) : 2;
		format_amount(strtoll(value, NULL, 10), digits < 0 ? 2 : digits, x->amount,
			      sizeof(x->amount));
		return x->amount;
	}
	return value;
}

/* The change feed's own columns, before the entity's. */
static const char feed_header[] = "change,batch,changed_at,";

static int write_csv_header(struct export_run *x)
{
	bool first = true;

	if (x->opts->changes && fputs(feed_header, x->out) == EOF)
		return -1;
	for (size_t i = 0; i < x->e->nfields; i++) {
		const struct field *f = &x->e->fields[i];
		if (!x->col[i])
			continue;
		if ((!first && putc(',', x->out) == EOF) || fputs(f->name, x->out) == EOF)
			return -1;
		first = false;
	}
	return putc('\n', x->out) == EOF ? -1 : 0;
}

/* The row's cells as CSV, then the end of the line. */
static int write_csv_cells(struct export_run *x, const char *const value[])
{
	const struct entity *e = x->e;
	bool first = true;

	for (size_t i = 0; i < e->nfields; i++) {
		if (!x->col[i])
			continue;
		if (!first && putc_unlocked(',', x->out) == EOF)
			return -1;
		first = false;
		/* a password hash is not a spreadsheet formula and must stay as it is */
		if (value[i] && csv_write_cell(x->out, value[i], strlen(value[i]),
					       e->fields[i].type != FT_HASH) != 0)
			return -1;
	}
	return putc_unlocked('\n', x->out) == EOF ? -1 : 0;
}

static void external_row(struct export_run *x, const struct row *row, const char *value[])
{
	for (size_t i = 0; i < x->e->nfields; i++)
		value[i] = x->col[i] ? external(x, &x->e->fields[i], row, row->v[i]) : NULL;
}

/* Whether opts->stop asks to stop before the next row (it is then remembered). */
static bool stop_now(struct export_run *x)
{
	if (x->opts->stop && x->opts->stop())
		x->stopped = true;
	return x->stopped;
}

static int write_row(void *ctx, const struct row *row)
{
	struct export_run *x = ctx;
	const char *value[FIELD_MAX] = {0};

	if (stop_now(x))
		return -1;
	external_row(x, row, value);
	if (x->xml ? xml_out_record(x->xml, value) != 0 : write_csv_cells(x, value) != 0) {
		x->write_failed = true;
		return -1;
	}
	x->rows++;
	return 0;
}

/* One change of the feed: the change, its batch and time, then the row. */
static int write_change(void *ctx, const struct feed_change *c)
{
	struct export_run *x = ctx;
	const char *value[FIELD_MAX] = {0};

	if (stop_now(x))
		return -1;
	external_row(x, c->row, value);
	if (fprintf(x->out, "%s,%lld,%s,", c->op, (long long)c->batch, c->time ? c->time : "") <
		    0 ||
	    write_csv_cells(x, value) != 0) {
		x->write_failed = true;
		return -1;
	}
	x->rows++;
	return 0;
}

enum export_status export_entity(struct store *s, const struct entity *e,
				 const struct export_opts *opts, FILE *out, long *rows)
{
	struct export_run x;
	enum store_status st;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.e = e;
	x.opts = opts;
	x.out = out;
	x.currency = e->role[ROLE_CURRENCY];
	for (size_t i = 0; i < e->nfields; i++)
		x.col[i] = export_has_column(&e->fields[i], opts);
	*rows = 0;
	if (opts->format == EXPORT_XML && !opts->changes) {
		x.xml = xml_out_begin(out, e);
		if (!x.xml) {
			errno = ENOMEM;
			return EXPORT_WRITE_ERROR;
		}
	} else if (write_csv_header(&x) != 0) {
		return EXPORT_WRITE_ERROR;
	}
	st = opts->changes ? store_each_feed(s, e, &opts->filter, write_change, &x)
			   : store_each_row(s, e, &opts->filter, write_row, &x);
	if (x.xml)
		rc = xml_out_end(x.xml);
	*rows = x.rows;
	if (x.stopped)
		return EXPORT_STOPPED;
	if (x.write_failed || rc != 0)
		return EXPORT_WRITE_ERROR;
	if (st != STORE_OK)
		return EXPORT_STORE_ERROR;
	return fflush(out) == 0 ? EXPORT_OK : EXPORT_WRITE_ERROR;
}
