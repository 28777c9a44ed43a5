/*
 * bundle.c - every entity in one archive (see bundle.h).
 */
#include "bundle.h"
#include "source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static ssize_t tally_write(void *cookie, const char *buf, size_t n)
{
	struct bundle_tally *t = cookie;

	if (t->copy && fwrite(buf, 1, n, t->copy) != n)
		return 0; /* stdio reads 0 as an error; errno is fwrite's */
	crypto_hash_sha256_update(&t->sha, (const unsigned char *)buf, n);
	t->bytes += n;
	return (ssize_t)n;
}

FILE *bundle_tally_open(struct bundle_tally *t, FILE *copy)
{
	static cookie_io_functions_t tally_io = {.write = tally_write};
	FILE *f;

	crypto_hash_sha256_init(&t->sha);
	t->bytes = 0;
	t->copy = copy;
	f = fopencookie(t, "w", tally_io);
	/* large blocks: an entry of a mailing list may be hundreds of megabytes */
	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

void bundle_tally_hex(struct bundle_tally *t, char hex[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(&t->sha, d);
	sodium_bin2hex(hex, 65, d, sizeof(d));
}

/* An archive entry's data, written through stdio. */
static ssize_t entry_write(void *cookie, const char *buf, size_t n)
{
	la_ssize_t w = archive_write_data(cookie, buf, n);

	if (w < 0 || (size_t)w != n) {
		errno = EIO;
		return 0; /* stdio reads 0 as an error */
	}
	return (ssize_t)n;
}

enum bundle_type bundle_type_of(const char *path)
{
	if (source_name_ends_with(path, ".tar.gz") || source_name_ends_with(path, ".tgz"))
		return BUNDLE_TAR_GZ;
	if (source_name_ends_with(path, ".tar.xz"))
		return BUNDLE_TAR_XZ;
	if (source_name_ends_with(path, ".zip"))
		return BUNDLE_ZIP;
	return BUNDLE_UNKNOWN;
}

int bundle_source_date(char as_of[32], time_t *t)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;
	char *end;
	long long v;
	time_t tt;

	if (!sde || !*sde)
		return 0;
	if (strspn(sde, "0123456789") != strlen(sde))
		return -1; /* digits only: no sign, no spaces */
	errno = 0;
	v = strtoll(sde, &end, 10);
	tt = (time_t)v;
	if (errno || *end || v < 0 || !gmtime_r(&tt, &tm))
		return -1;
	strftime(as_of, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	*t = tt;
	return 1;
}

bool bundle_time_fits(enum bundle_type type, time_t t)
{
	/* a zip entry's DOS time counts years from 1980 in 7 bits */
	return type != BUNDLE_ZIP || (t >= 315532800 && t < 4354819200LL);
}

int bundle_parse_time(const char *text, time_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*t = timegm(&tm);
	return 0;
}

/* The as-of time of export --all: SOURCE_DATE_EPOCH, else the end of the newest batch. */
static int as_of_time(struct store *s, char as_of[32], time_t *t, int64_t *last_batch)
{
	int sde = bundle_source_date(as_of, t);

	if (sde < 0)
		return -1;
	if (store_last_batch(s, last_batch, sde ? NULL : as_of) != STORE_OK)
		return -2;
	if (sde)
		return 0;
	if (!*as_of)
		snprintf(as_of, 32, "1970-01-01T00:00:00Z");
	return bundle_parse_time(as_of, t) == 0 ? 0 : -3; /* -3: a time not written by acctbatch */
}

int bundle_add_entry(struct archive *a, const char *name, uint64_t size, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
	if (size != BUNDLE_SIZE_UNKNOWN)
		archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	rc = archive_write_header(a, e);
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : -1;
}

int bundle_add_file(struct archive *a, const char *name, const void *data, size_t len, time_t mtime)
{
	if (bundle_add_entry(a, name, len, mtime) != 0)
		return -1;
	return archive_write_data(a, data, len) == (la_ssize_t)len ? 0 : -1;
}

xmlTextWriterPtr bundle_manifest_begin(xmlBufferPtr buf, const char *kind, const char *version,
				       const char *database, const char *as_of, int64_t last_batch)
{
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);

	if (w && (xmlTextWriterSetIndent(w, 1) < 0 ||
		  xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
		  xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
		  xmlTextWriterStartElement(w, BAD_CAST "manifest") < 0 ||
		  xmlTextWriterWriteElement(w, BAD_CAST "tool", BAD_CAST "acctbatch") < 0 ||
		  xmlTextWriterWriteElement(w, BAD_CAST "version", BAD_CAST version) < 0 ||
		  xmlTextWriterWriteElement(w, BAD_CAST "kind", BAD_CAST kind) < 0 ||
		  xmlTextWriterWriteElement(w, BAD_CAST "database", BAD_CAST database) < 0 ||
		  xmlTextWriterWriteElement(w, BAD_CAST "as_of", BAD_CAST as_of) < 0 ||
		  xmlTextWriterWriteFormatElement(w, BAD_CAST "last_batch", "%lld",
						  (long long)last_batch) < 0)) {
		xmlFreeTextWriter(w);
		return NULL;
	}
	return w;
}

int bundle_manifest_file(xmlTextWriterPtr w, const struct bundle_member *m, const char *attr,
			 const char *value, long rows)
{
	return xmlTextWriterStartElement(w, BAD_CAST "file") < 0 ||
			       xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST m->name) <
				       0 ||
			       (attr && xmlTextWriterWriteAttribute(w, BAD_CAST attr,
								    BAD_CAST value) < 0) ||
			       (rows >= 0 && xmlTextWriterWriteFormatAttribute(w, BAD_CAST "rows",
									       "%ld", rows) < 0) ||
			       xmlTextWriterWriteFormatAttribute(w, BAD_CAST "bytes", "%llu",
								 (unsigned long long)m->bytes) <
				       0 ||
			       xmlTextWriterWriteAttribute(w, BAD_CAST "sha256",
							   BAD_CAST m->sha256) < 0 ||
			       xmlTextWriterEndElement(w) < 0
		       ? -1
		       : 0;
}

/* The manifest.xml of export --all (schemas/manifest.xsd); NULL when out of memory. */
static xmlBufferPtr manifest(const struct bundle_opts *opts, const struct bundle_result *res,
			     int64_t last_batch, const struct bundle_member m[])
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? bundle_manifest_begin(buf, "export", opts->version,
							 opts->database, res->as_of, last_batch)
				 : NULL;
	int bad = !w;

	if (!bad)
		bad = xmlTextWriterWriteElement(
			      w, BAD_CAST "format",
			      BAD_CAST(opts->format == EXPORT_XML ? "xml" : "csv")) < 0 ||
		      xmlTextWriterWriteElement(
			      w, BAD_CAST "password_hashes",
			      BAD_CAST(opts->password_hashes ? "true" : "false")) < 0;
	for (int e = 0; e < ENTITY_COUNT && !bad; e++)
		bad = bundle_manifest_file(w, &m[e], "entity", entity_get(e)->plural, res->rows[e]);
	return bundle_manifest_end(w, buf, bad);
}

xmlBufferPtr bundle_manifest_end(xmlTextWriterPtr w, xmlBufferPtr buf, int bad)
{
	if (!bad && w)
		bad = xmlTextWriterEndDocument(w) < 0;
	if (w)
		xmlFreeTextWriter(w);
	if (bad || !w) {
		xmlBufferFree(buf);
		return NULL;
	}
	return buf;
}

static void archive_error_text(struct archive *a, char error[256])
{
	snprintf(error, 256, "%s",
		 a && archive_error_string(a) ? archive_error_string(a)
					      : strerror(errno ? errno : EIO));
}

struct archive *bundle_open(enum bundle_type type, FILE *out, char error[256])
{
	struct archive *a = archive_write_new();
	int t;

	if (!a) {
		snprintf(error, 256, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (type == BUNDLE_ZIP) {
		/* zip keeps local (DOS) times: make local time UTC, so that the
		 * archive does not depend on the machine's time zone */
		setenv("TZ", "UTC0", 1);
		tzset();
		t = archive_write_set_format_zip(a);
	} else {
		t = archive_write_set_format_pax_restricted(a);
	}
	if (t == ARCHIVE_OK && type == BUNDLE_TAR_GZ)
		t = archive_write_add_filter_gzip(a);
	/* gzip stores the current time in its header unless told not to */
	if (t == ARCHIVE_OK && type == BUNDLE_TAR_GZ)
		t = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	if (t == ARCHIVE_OK && type == BUNDLE_TAR_XZ)
		t = archive_write_add_filter_xz(a);
	/* no padding of the last block with zeros: the archive ends where its data does */
	if (t == ARCHIVE_OK)
		t = archive_write_set_bytes_in_last_block(a, 1);
	if (t != ARCHIVE_OK || archive_write_open_FILE(a, out) != ARCHIVE_OK) {
		archive_error_text(a, error);
		archive_write_free(a);
		return NULL;
	}
	return a;
}

FILE *bundle_entry_stream(struct archive *a)
{
	static cookie_io_functions_t entry_io = {.write = entry_write};
	FILE *f = fopencookie(a, "w", entry_io);

	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

int bundle_finish(struct archive *a, const struct bundle_member m[], size_t n,
		  const void *manifest_xml, size_t manifest_len, time_t mtime, char error[256])
{
	struct bundle_tally tl;
	char *sumfile = NULL, man_sha[65];
	size_t sumlen = 0;
	FILE *f = bundle_tally_open(&tl, NULL);
	int rc = -1;

	/* SHA256SUMS in the format sha256sum -c reads: "HEX  NAME" */
	if (!f || fwrite(manifest_xml, 1, manifest_len, f) != manifest_len || fclose(f) != 0)
		goto fail;
	bundle_tally_hex(&tl, man_sha);
	f = open_memstream(&sumfile, &sumlen);
	if (!f)
		goto fail;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s  %s\n", m[i].sha256, m[i].name);
	fprintf(f, "%s  manifest.xml\n", man_sha);
	if (fclose(f) != 0)
		goto fail;
	if (bundle_add_file(a, "manifest.xml", manifest_xml, manifest_len, mtime) != 0 ||
	    bundle_add_file(a, "SHA256SUMS", sumfile, sumlen, mtime) != 0 ||
	    archive_write_close(a) != ARCHIVE_OK) {
		archive_error_text(a, error);
		goto done;
	}
	rc = 0;
	goto done;
fail:
	snprintf(error, 256, "%s", strerror(errno ? errno : ENOMEM));
done:
	archive_write_free(a);
	free(sumfile);
	return rc;
}

int bundle_write_members(struct archive *a, const struct bundle_member m[], size_t n, time_t mtime,
			 int (*content)(void *ctx, size_t i, FILE *entry), void *ctx,
			 char error[256])
{
	for (size_t i = 0; i < n; i++) {
		FILE *f;
		int t;
		if (bundle_add_entry(a, m[i].name, m[i].bytes, mtime) != 0 ||
		    !(f = bundle_entry_stream(a))) {
			archive_error_text(a, error);
			return -1;
		}
		t = content(ctx, i, f);
		if (fclose(f) != 0 && t == 0)
			t = -1;
		if (t != 0) {
			if (t == -1)
				archive_error_text(a, error);
			return t;
		}
	}
	return 0;
}

int bundle_archive(enum bundle_type type, FILE *out, time_t mtime, const struct bundle_member m[],
		   size_t n, const void *manifest_xml, size_t manifest_len,
		   int (*content)(void *ctx, size_t i, FILE *entry), void *ctx, char error[256])
{
	struct archive *a = bundle_open(type, out, error);
	int rc;

	if (!a)
		return -1;
	rc = bundle_write_members(a, m, n, mtime, content, ctx, error);
	if (rc != 0) {
		archive_write_free(a);
		return rc;
	}
	return bundle_finish(a, m, n, manifest_xml, manifest_len, mtime, error);
}

/* export --all, pass 2: entity I exported again into the archive entry. */
struct pass2 {
	struct store *s;
	const struct export_opts *xo;
	struct bundle_result *res;
};

static int export_content(void *ctx, size_t i, FILE *entry)
{
	struct pass2 *p = ctx;
	long rows = 0;
	enum export_status xs =
		export_entity(p->s, entity_get((enum entity_id)i), p->xo, entry, &rows);

	if (xs == EXPORT_STOPPED)
		return -3;
	if (xs == EXPORT_STORE_ERROR) {
		snprintf(p->res->error, sizeof(p->res->error), "%s", store_errmsg(p->s));
		return -2;
	}
	return xs == EXPORT_OK && rows == p->res->rows[i] ? 0 : -1;
}

int bundle_write(struct store *s, const struct bundle_opts *opts, FILE *out,
		 struct bundle_result *res)
{
	struct bundle_member m[ENTITY_COUNT];
	struct export_opts xo;
	struct pass2 p2 = {s, &xo, res};
	xmlBufferPtr man = NULL;
	int64_t last_batch = 0;
	time_t mtime = 0;
	char error[256];
	int rc, t;

	memset(res, 0, sizeof(*res));
	memset(&xo, 0, sizeof(xo));
	xo.format = opts->format;
	xo.password_hashes = opts->password_hashes;
	xo.stop = opts->stop;
	if ((t = as_of_time(s, res->as_of, &mtime, &last_batch)) != 0) {
		snprintf(res->error, sizeof(res->error), "%s",
			 t == -2   ? store_errmsg(s)
			 : t == -3 ? "the newest batch's end time is not a UTC time"
				   : "SOURCE_DATE_EPOCH is not a number of seconds");
		return t == -2 ? -2 : -1;
	}
	/* pass 1: each entity's size, SHA-256 and rows, in this snapshot */
	for (int e = 0; e < ENTITY_COUNT; e++) {
		struct bundle_tally tl;
		FILE *f = bundle_tally_open(&tl, NULL);
		enum export_status xs;
		snprintf(m[e].name, sizeof(m[e].name), "%s.%s", entity_get(e)->plural,
			 opts->format == EXPORT_XML ? "xml" : "csv");
		if (!f)
			return -1;
		xs = export_entity(s, entity_get(e), &xo, f, &res->rows[e]);
		fclose(f);
		if (xs == EXPORT_STOPPED)
			return -3;
		if (xs != EXPORT_OK) {
			snprintf(res->error, sizeof(res->error), "%s",
				 xs == EXPORT_STORE_ERROR ? store_errmsg(s) : strerror(errno));
			return xs == EXPORT_STORE_ERROR ? -2 : -1;
		}
		m[e].bytes = tl.bytes;
		bundle_tally_hex(&tl, m[e].sha256);
	}
	man = manifest(opts, res, last_batch, m);
	if (!man) {
		snprintf(res->error, sizeof(res->error), "%s", strerror(ENOMEM));
		return -1;
	}
	/* pass 2: the archive */
	error[0] = '\0';
	rc = bundle_archive(opts->type, out, mtime, m, ENTITY_COUNT, xmlBufferContent(man),
			    (size_t)xmlBufferLength(man), export_content, &p2, error);
	if (rc == -1)
		snprintf(res->error, sizeof(res->error), "%s", error);
	xmlBufferFree(man);
	return rc;
}
