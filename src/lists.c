/*
 * lists.c - mailing lists into an archive (see lists.h).
 */
#include "lists.h"
#include "spool.h"

#include <errno.h>
#include <pthread.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvio.h"
#include "entity.h"
#include "isocodes.h"
#include "relay.h"
#include <archive.h>

/* The kinds by name, in the order a build writes them. */
static const char *const kind_names[LIST_KIND_COUNT] = {
	"invoice-created",   "standard-invoices", "summary-invoices",
	"important-notices", "subscription",
};

int list_parse_kind(const char *text, struct list_spec *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < LIST_SUBSCRIPTION; k++)
		if (strcmp(text, kind_names[k]) == 0) {
			out->kind = (enum list_kind)k;
			snprintf(out->name, sizeof(out->name), "%s", text);
			snprintf(out->file, sizeof(out->file), "%s", text);
			return 0;
		}
	if (strncmp(text, "subscription:", 13) == 0) {
		/* the token rule of accounts.subscriptions: [a-z0-9_]{1,40} */
		const char *t = text + 13;
		size_t n = strlen(t);
		if (n < 1 || n > 40 || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
			return -1;
		out->kind = LIST_SUBSCRIPTION;
		memcpy(out->subscription, t, n + 1);
		snprintf(out->name, sizeof(out->name), "subscription:%s", t);
		snprintf(out->file, sizeof(out->file), "subscription-%s", t);
		return 0;
	}
	return -1;
}

/* The archive order: by kind, subscriptions by name. */
static int spec_cmp(const struct list_spec *a, const struct list_spec *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->subscription, b->subscription);
}

int lists_add_kind(struct lists_opts *o, const struct list_spec *spec)
{
	size_t i = 0;

	while (i < o->nkinds && spec_cmp(&o->kinds[i], spec) < 0)
		i++;
	if (i < o->nkinds && spec_cmp(&o->kinds[i], spec) == 0)
		return 0;
	if (o->nkinds == LISTS_MAX)
		return -1;
	memmove(&o->kinds[i + 1], &o->kinds[i], (o->nkinds - i) * sizeof(o->kinds[0]));
	o->kinds[i] = *spec;
	o->nkinds++;
	return 0;
}

const char *lists_roles(unsigned roles, char *buf)
{
	/* alphabetical, as in the role column's documentation */
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{LIST_ROLE_CONTACT, "contact"},
		     {LIST_ROLE_HOLDER, "holder"},
		     {LIST_ROLE_LOGIN, "login"}};

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (roles & names[i].bit) {
			if (buf[0])
				strcat(buf, ";");
			strcat(buf, names[i].name);
		}
	return buf;
}

/*
 * A list's columns (DESIGN section 7): the invoice's fields a per-invoice
 * list shows (its key, account, kind, dates, currency and total), the
 * account's name as account_NAME, then the list's own: the recipient's
 * email, the person's name and the roles. The names of the fields come
 * from the entity tables, made once (list_columns).
 */
#define INVOICE_COLUMNS 11
#define ACCOUNT_COLUMNS 5
static const char *invoice_columns[INVOICE_COLUMNS];
static const char *account_columns[ACCOUNT_COLUMNS];
static char account_name_column[64];
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void make_columns(void)
{
	const struct entity *a = entity_referenced(), *i = entity_with_role(ROLE_KIND);

	snprintf(account_name_column, sizeof(account_name_column), "%s_%s", a->singular,
		 entity_role_name(a, ROLE_NAME));
	invoice_columns[0] = i->fields[i->key[0]].name;
	invoice_columns[1] = entity_role_name(i, ROLE_ACCOUNT);
	invoice_columns[2] = account_name_column;
	invoice_columns[3] = entity_role_name(i, ROLE_KIND);
	invoice_columns[4] = entity_role_name(i, ROLE_ISSUED);
	invoice_columns[5] = entity_role_name(i, ROLE_DUE);
	invoice_columns[6] = entity_role_name(i, ROLE_CURRENCY);
	invoice_columns[7] = entity_role_name(i, ROLE_TOTAL);
	account_columns[0] = a->fields[a->key[0]].name;
	account_columns[1] = account_name_column;
	/* the list's own */
	invoice_columns[8] = account_columns[2] = "email";
	invoice_columns[9] = account_columns[3] = "name";
	invoice_columns[10] = account_columns[4] = "role";
}

/* The columns of a per-invoice list (INVOICE_COLUMNS) or a per-account one (ACCOUNT_COLUMNS). */
static const char *const *list_columns(bool invoices)
{
	pthread_once(&columns_once, make_columns);
	return invoices ? invoice_columns : account_columns;
}

/* One list being written: its CSV and XML streams and the row last written. */
struct list_run {
	const struct lists_opts *o;
	const struct list_spec *spec;
	FILE *csv;
	xmlTextWriterPtr xml;
	long rows;
	bool write_failed, stopped;
	char key[80];	 /* invoice number or account id of the last row */
	char norm[1024]; /* and its email_norm */
};

static bool per_invoice(const struct list_spec *spec)
{
	return spec->kind <= LIST_SUMMARY_INVOICES;
}

static int write_csv_row(FILE *f, const char *const v[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i && putc_unlocked(',', f) == EOF)
			return -1;
		if (csv_write_cell(f, v[i], strlen(v[i]), true) != 0)
			return -1;
	}
	return putc_unlocked('\n', f) == EOF ? -1 : 0;
}

static int write_xml_row(xmlTextWriterPtr w, const char *const names[], const char *const v[],
			 size_t n, unsigned roles)
{
	char buf[24];

	if (xmlTextWriterStartElement(w, BAD_CAST "recipient") < 0)
		return -1;
	for (size_t i = 0; i + 1 < n; i++) /* the last column is the role */
		if (*v[i] && xmlTextWriterWriteElement(w, BAD_CAST names[i], BAD_CAST v[i]) < 0)
			return -1;
	for (unsigned bit = 1; bit <= LIST_ROLE_LOGIN; bit <<= 1)
		if ((roles & bit) && xmlTextWriterWriteElement(w, BAD_CAST "role",
							       BAD_CAST lists_roles(bit, buf)) < 0)
			return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_row(void *ctx, const struct list_row *r)
{
	struct list_run *x = ctx;
	const char *key = per_invoice(x->spec) ? r->invoice_number : r->account_id;
	char total[32], roles[24];

	if (!key || !r->email_norm)
		return 0;
	/* the same (invoice or account, email) again: a second way it qualifies */
	if (x->rows && strcmp(key, x->key) == 0 && strcmp(r->email_norm, x->norm) == 0)
		return 0;
	if ((x->rows & 4095) == 0 && x->o->stop && x->o->stop()) {
		x->stopped = true;
		return -1;
	}
	snprintf(x->key, sizeof(x->key), "%s", key);
	snprintf(x->norm, sizeof(x->norm), "%s", r->email_norm);
	lists_roles(r->roles, roles);
	if (per_invoice(x->spec)) {
		int digits = r->currency ? iso_currency_digits(r->currency) : 2;
		const char *v[INVOICE_COLUMNS];
		format_amount(r->total, digits < 0 ? 2 : digits, total, sizeof(total));
		v[0] = r->invoice_number;
		v[1] = r->account_id;
		v[2] = r->account_name;
		v[3] = r->kind;
		v[4] = r->issued_on;
		v[5] = r->due_on;
		v[6] = r->currency;
		v[7] = total;
		v[8] = r->email;
		v[9] = r->name;
		v[10] = roles;
		if (write_csv_row(x->csv, v, INVOICE_COLUMNS) != 0 ||
		    (x->xml &&
		     write_xml_row(x->xml, list_columns(true), v, INVOICE_COLUMNS, r->roles) != 0))
			x->write_failed = true;
	} else {
		const char *v[ACCOUNT_COLUMNS] = {r->account_id, r->account_name, r->email, r->name,
						  roles};
		if (write_csv_row(x->csv, v, ACCOUNT_COLUMNS) != 0 ||
		    (x->xml &&
		     write_xml_row(x->xml, list_columns(false), v, ACCOUNT_COLUMNS, r->roles) != 0))
			x->write_failed = true;
	}
	if (x->write_failed)
		return -1;
	x->rows++;
	return 0;
}

/*
 * An unnamed temporary file in $TMPDIR (or /tmp), readable by its owner
 * only; NULL with ERROR saying why.
 */
static FILE *scratch(char error[256])
{
	int fd = spool_tmpfd(error);
	FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;

	if (fd >= 0 && !f) {
		snprintf(error, 256, "%s", strerror(errno));
		close(fd);
	}
	return f;
}

/* The scratch files of a build: CSV and XML per kind. */
struct scratch_set {
	FILE *f[2 * LISTS_MAX];
	size_t n;
};

/* Member I of the archive: copy scratch file I into ENTRY. */
static int copy_content(void *ctx, size_t i, FILE *entry)
{
	struct scratch_set *set = ctx;
	char buf[1 << 16];
	size_t got;

	if (fseeko(set->f[i], 0, SEEK_SET) != 0)
		return -1;
	while ((got = fread(buf, 1, sizeof(buf), set->f[i])) > 0)
		if (fwrite(buf, 1, got, entry) != got)
			return -1;
	return ferror(set->f[i]) ? -1 : 0;
}

static const char *status_text(const struct lists_opts *o)
{
	return o->status ? o->status : "all";
}

/* The manifest.xml of a build; NULL when out of memory. */
static xmlBufferPtr manifest(const struct lists_opts *o, const struct lists_result *res,
			     const struct bundle_member m[])
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? bundle_manifest_begin(buf, "lists", o->version, o->database,
							 o->as_of, res->last_batch)
				 : NULL;
	size_t per = o->xml ? 2 : 1;
	int bad = !w || xmlTextWriterStartElement(w, BAD_CAST "parameters") < 0;

	for (size_t k = 0; k < o->nkinds && !bad; k++)
		bad = xmlTextWriterWriteElement(w, BAD_CAST "kind", BAD_CAST o->kinds[k].name) < 0;
	if (!bad && o->from)
		bad = xmlTextWriterWriteElement(w, BAD_CAST "from", BAD_CAST o->from) < 0;
	if (!bad && o->to)
		bad = xmlTextWriterWriteElement(w, BAD_CAST "to", BAD_CAST o->to) < 0;
	if (!bad && o->account)
		bad = xmlTextWriterWriteElement(w, BAD_CAST "account", BAD_CAST o->account) < 0;
	if (!bad)
		bad = xmlTextWriterWriteElement(w, BAD_CAST "status", BAD_CAST status_text(o)) <
			      0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "xml",
						BAD_CAST(o->xml ? "true" : "false")) < 0 ||
		      xmlTextWriterEndElement(w) < 0;
	for (size_t k = 0; k < o->nkinds && !bad; k++) {
		bad = xmlTextWriterStartElement(w, BAD_CAST "list") < 0 ||
		      xmlTextWriterWriteAttribute(w, BAD_CAST "kind", BAD_CAST o->kinds[k].name) <
			      0 ||
		      xmlTextWriterWriteFormatAttribute(w, BAD_CAST "rows", "%ld", res->rows[k]) <
			      0 ||
		      xmlTextWriterWriteFormatAttribute(w, BAD_CAST "recipients", "%ld",
							res->recipients[k]) < 0;
		for (size_t j = 0; j < per && !bad; j++)
			bad = bundle_manifest_file(w, &m[k * per + j], "format", j ? "xml" : "csv",
						   -1);
		if (!bad)
			bad = xmlTextWriterEndElement(w) < 0;
	}
	return bundle_manifest_end(w, buf, bad);
}

/* A relay's sink: the bytes go on into a counting, hashing stream. */
static int to_stream(void *ctx, const void *buf, size_t n)
{
	return fwrite(buf, 1, n, ctx) == n ? 0 : -1;
}

/* One output of a list: rows written on this thread, hashed and passed on by the relay's. */
struct output {
	struct bundle_tally tally;
	FILE *counted; /* bundle_tally_open onto the destination */
	struct relay *relay;
	FILE *f; /* what the rows are written to */
};

static int output_open(struct output *o, FILE *dest)
{
	o->counted = bundle_tally_open(&o->tally, dest);
	o->f = o->counted ? relay_open(&o->relay, to_stream, o->counted) : NULL;
	return o->f ? 0 : -1;
}

/* Close O, its size and SHA-256 into M; 0 or -1 (errno set). */
static int output_close(struct output *o, struct bundle_member *m)
{
	int rc = 0;

	if (o->f && relay_close(o->relay, o->f) != 0)
		rc = -1;
	if (o->counted) {
		int err = errno;
		if (fclose(o->counted) != 0)
			rc = -1;
		else
			errno = err;
		m->bytes = o->tally.bytes;
		bundle_tally_hex(&o->tally, m->sha256);
	}
	o->f = o->counted = NULL;
	return rc;
}

/*
 * List K of O: its CSV onto CSV_DEST (a scratch file, or the archive entry
 * when the archive is a zip), its XML (with --xml) into a scratch file of
 * SET; sizes and SHA-256 into M.
 */
static int build_list(struct store *s, const struct lists_opts *o, size_t k, FILE *csv_dest,
		      struct scratch_set *set, struct bundle_member *m, struct lists_result *res)
{
	const struct list_spec *spec = &o->kinds[k];
	struct list_query q = {spec->kind, spec->subscription, o->from,
			       o->to,	   o->account,	       o->status};
	struct output out[2];
	struct list_run x;
	xmlOutputBufferPtr xbuf;
	size_t per = o->xml ? 2 : 1;
	enum store_status st;
	const char *const *cols = list_columns(per_invoice(spec));
	size_t ncols = per_invoice(spec) ? INVOICE_COLUMNS : ACCOUNT_COLUMNS;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	memset(out, 0, sizeof(out));
	x.o = o;
	x.spec = spec;
	for (size_t j = 0; j < per; j++)
		snprintf(m[j].name, sizeof(m[j].name), "%s.%s", spec->file, j ? "xml" : "csv");
	if (output_open(&out[0], csv_dest) != 0)
		goto out;
	if (o->xml) {
		if (!(set->f[set->n] = scratch(res->error))) {
			rc = -2; /* res->error names $TMPDIR */
			goto out;
		}
		if (output_open(&out[1], set->f[set->n++]) != 0)
			goto out;
	}
	x.csv = out[0].f;
	for (size_t i = 0; i < ncols; i++)
		if ((i && putc(',', x.csv) == EOF) || fputs(cols[i], x.csv) == EOF)
			goto out;
	if (putc('\n', x.csv) == EOF)
		goto out;
	if (o->xml) {
		xbuf = xmlOutputBufferCreateFile(out[1].f, NULL); /* does not close it */
		x.xml = xbuf ? xmlNewTextWriter(xbuf) : NULL;
		if (!x.xml) {
			if (xbuf)
				xmlOutputBufferClose(xbuf);
			goto out;
		}
		if (xmlTextWriterSetIndent(x.xml, 1) < 0 ||
		    xmlTextWriterSetIndentString(x.xml, BAD_CAST "  ") < 0 ||
		    xmlTextWriterStartDocument(x.xml, "1.0", "UTF-8", NULL) < 0 ||
		    xmlTextWriterStartElement(
			    x.xml, BAD_CAST(per_invoice(spec) ? "invoice_list" : "account_list")) <
			    0 ||
		    xmlTextWriterWriteAttribute(x.xml, BAD_CAST "kind", BAD_CAST spec->name) < 0)
			goto out;
	}
	st = store_each_list_row(s, &q, write_row, &x);
	if (x.stopped) {
		rc = -3;
		goto out;
	}
	if (st != STORE_OK && !x.write_failed) {
		snprintf(res->error, sizeof(res->error), "%s", store_errmsg(s));
		rc = -2;
		goto out;
	}
	if (x.write_failed)
		goto out;
	if (x.xml && (xmlTextWriterEndDocument(x.xml) < 0 || xmlTextWriterFlush(x.xml) < 0))
		goto out;
	res->rows[k] = x.rows;
	rc = 0;
out:
	if (x.xml)
		xmlFreeTextWriter(x.xml);
	for (size_t j = 0; j < per; j++)
		if (output_close(&out[j], &m[j]) != 0 && rc == 0)
			rc = -1;
	if (rc == -1 && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s", strerror(errno ? errno : EIO));
	return rc;
}

/* List K's distinct recipients into RES; as lists_write. */
static int count_list(struct store *s, const struct lists_opts *o, size_t k,
		      struct lists_result *res)
{
	const struct list_spec *spec = &o->kinds[k];
	struct list_query q = {spec->kind, spec->subscription, o->from,
			       o->to,	   o->account,	       o->status};

	if (store_list_recipients(s, &q, &res->recipients[k]) != STORE_OK) {
		snprintf(res->error, sizeof(res->error), "%s", store_errmsg(s));
		return -2;
	}
	return 0;
}

/*
 * A zip takes an entry whose size comes after its data, so each CSV goes
 * straight into the archive while its rows are made (the XML copy goes
 * through a scratch file). Returns as lists_write.
 */
static int write_zip(struct store *s, const struct lists_opts *o, FILE *out,
		     struct lists_result *res, struct bundle_member m[], struct scratch_set *set,
		     xmlBufferPtr *man)
{
	struct archive *a = bundle_open(o->type, out, res->error);
	size_t per = o->xml ? 2 : 1;
	int rc = 0;

	if (!a)
		return -1;
	for (size_t k = 0; k < o->nkinds && rc == 0; k++) {
		struct bundle_member *mk = &m[k * per];
		FILE *entry;
		size_t xml_at = set->n;
		snprintf(mk->name, sizeof(mk->name), "%s.csv", o->kinds[k].file);
		if (bundle_add_entry(a, mk->name, BUNDLE_SIZE_UNKNOWN, o->as_of_time) != 0 ||
		    !(entry = bundle_entry_stream(a))) {
			rc = -1;
			break;
		}
		rc = build_list(s, o, k, entry, set, mk, res);
		if (fclose(entry) != 0 && rc == 0)
			rc = -1;
		if (rc == 0)
			rc = count_list(s, o, k, res);
		if (rc == 0 && o->xml &&
		    (bundle_add_entry(a, mk[1].name, mk[1].bytes, o->as_of_time) != 0 ||
		     !(entry = bundle_entry_stream(a)) ||
		     (copy_content(set, xml_at, entry) != 0) + (fclose(entry) != 0)))
			rc = -1;
	}
	if (rc == 0 && !(*man = manifest(o, res, m)))
		errno = ENOMEM, rc = -1;
	if (rc != 0) {
		if (rc == -1 && !res->error[0])
			snprintf(res->error, sizeof(res->error), "%s",
				 strerror(errno ? errno : EIO));
		archive_write_free(a);
		return rc;
	}
	return bundle_finish(a, m, o->nkinds * per, xmlBufferContent(*man),
			     (size_t)xmlBufferLength(*man), o->as_of_time, res->error);
}

/* The members of a tar archive, compressed on a thread of their own (write_tar). */
struct packer {
	struct archive *a;
	const struct bundle_member *m;
	size_t n;
	time_t mtime;
	struct scratch_set *set;
	char error[256];
	int rc;
};

static void *pack(void *arg)
{
	struct packer *p = arg;

	p->rc = bundle_write_members(p->a, p->m, p->n, p->mtime, copy_content, p->set, p->error);
	return NULL;
}

/*
 * The lists, already in SET's scratch files, into a tar archive: one
 * thread compresses them while this one counts each list's recipients
 * for the manifest, which comes last. Returns as lists_write.
 */
static int write_tar(struct store *s, const struct lists_opts *o, FILE *out,
		     struct lists_result *res, struct bundle_member m[], struct scratch_set *set,
		     xmlBufferPtr *man)
{
	struct packer p;
	pthread_t thread;
	size_t n = o->nkinds * (o->xml ? 2 : 1);
	bool threaded;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.a = bundle_open(o->type, out, res->error);
	if (!p.a)
		return -1;
	p.m = m;
	p.n = n;
	p.mtime = o->as_of_time;
	p.set = set;
	threaded = pthread_create(&thread, NULL, pack, &p) == 0;
	if (!threaded)
		pack(&p);
	for (size_t k = 0; k < o->nkinds && rc == 0; k++)
		rc = count_list(s, o, k, res);
	if (threaded)
		pthread_join(thread, NULL);
	if (rc == 0 && p.rc != 0) {
		snprintf(res->error, sizeof(res->error), "%s", p.error);
		rc = -1;
	}
	if (rc == 0 && !(*man = manifest(o, res, m))) {
		snprintf(res->error, sizeof(res->error), "%s", strerror(ENOMEM));
		rc = -1;
	}
	if (rc != 0) {
		archive_write_free(p.a);
		return rc;
	}
	return bundle_finish(p.a, m, n, xmlBufferContent(*man), (size_t)xmlBufferLength(*man),
			     o->as_of_time, res->error);
}

int lists_write(struct store *s, const struct lists_opts *o, FILE *out, struct lists_result *res)
{
	struct bundle_member m[2 * LISTS_MAX];
	struct scratch_set set;
	struct bundle_tally whole;
	xmlBufferPtr man = NULL;
	size_t per = o->xml ? 2 : 1;
	FILE *tf = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&set, 0, sizeof(set));
	memset(m, 0, sizeof(m));
	if (store_last_batch(s, &res->last_batch, NULL) != STORE_OK) {
		snprintf(res->error, sizeof(res->error), "%s", store_errmsg(s));
		return -2;
	}
	/* the archive's own SHA-256 is what a build is recorded and verified by */
	tf = bundle_tally_open(&whole, out);
	if (!tf) {
		snprintf(res->error, sizeof(res->error), "%s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	if (o->type == BUNDLE_ZIP) {
		rc = write_zip(s, o, tf, res, m, &set, &man);
	} else {
		/* a tar header holds the size: each list goes to a scratch file first */
		for (size_t k = 0; k < o->nkinds; k++) {
			FILE *f = set.f[set.n] = scratch(res->error);
			if (!f) {
				rc = -2; /* res->error names $TMPDIR */
				goto out;
			}
			set.n++;
			rc = build_list(s, o, k, f, &set, &m[k * per], res);
			if (rc != 0)
				goto out;
		}
		rc = write_tar(s, o, tf, res, m, &set, &man);
	}
out:
	if (fclose(tf) != 0 && rc == 0) {
		snprintf(res->error, sizeof(res->error), "%s", strerror(errno ? errno : EIO));
		rc = -1;
	}
	/* a scratch file that failed: $TMPDIR is full, not the output */
	for (size_t i = 0; i < set.n && rc == -1; i++)
		if (ferror(set.f[i]) || fflush(set.f[i]) != 0) {
			snprintf(res->error, sizeof(res->error),
				 "cannot write a temporary file in %s (TMPDIR): %s", spool_dir(),
				 strerror(errno ? errno : ENOSPC));
			rc = -2;
		}
	bundle_tally_hex(&whole, res->sha256);
	if (man)
		xmlBufferFree(man);
	for (size_t i = 0; i < set.n; i++)
		fclose(set.f[i]);
	return rc;
}
