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

/* Bytes and SHA-256 of what went through a counting stream. */
struct tally {
	crypto_hash_sha256_state sha;
	uint64_t bytes;
};

static ssize_t tally_write(void *cookie, const char *buf, size_t n)
{
	struct tally *t = cookie;

	crypto_hash_sha256_update(&t->sha, (const unsigned char *)buf, n);
	t->bytes += n;
	return (ssize_t)n;
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

/* The as-of time: SOURCE_DATE_EPOCH, else the end of the newest batch. */
static int newest_batch_end(void *ctx, const struct batch_info *b)
{
	char *as_of = ctx;

	if (b->ended_at)
		snprintf(as_of, 32, "%s", b->ended_at);
	return 0;
}

static int as_of_time(struct store *s, char as_of[32], time_t *t)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		time_t tt = (time_t)v;
		if (*end || v < 0 || !gmtime_r(&tt, &tm))
			return -1;
		strftime(as_of, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		*t = tt;
		return 0;
	}
	snprintf(as_of, 32, "1970-01-01T00:00:00Z");
	if (store_each_batch(s, 0, 1, newest_batch_end, as_of) != STORE_OK)
		return -2;
	if (!strptime(as_of, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -3; /* a batch time not written by acctbatch */
	*t = timegm(&tm);
	return 0;
}

static int add_entry(struct archive *a, const char *name, uint64_t size, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
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

static int add_file(struct archive *a, const char *name, const char *data, size_t len, time_t mtime)
{
	if (add_entry(a, name, len, mtime) != 0)
		return -1;
	return archive_write_data(a, data, len) == (la_ssize_t)len ? 0 : -1;
}

/* The manifest.xml text (schemas/manifest.xsd); NULL when out of memory. */
static xmlBufferPtr manifest(const struct bundle_opts *opts, const struct bundle_result *res,
			     int64_t last_batch, char names[][32], uint64_t bytes[],
			     char sums[][65])
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int bad = !w;

	if (!bad)
		bad = xmlTextWriterSetIndent(w, 1) < 0 ||
		      xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
		      xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
		      xmlTextWriterStartElement(w, BAD_CAST "manifest") < 0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "tool", BAD_CAST "acctbatch") < 0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "version", BAD_CAST opts->version) <
			      0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "kind", BAD_CAST "export") < 0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "database", BAD_CAST opts->database) <
			      0 ||
		      xmlTextWriterWriteElement(w, BAD_CAST "as_of", BAD_CAST res->as_of) < 0 ||
		      xmlTextWriterWriteFormatElement(w, BAD_CAST "last_batch", "%lld",
						      (long long)last_batch) < 0 ||
		      xmlTextWriterWriteElement(
			      w, BAD_CAST "format",
			      BAD_CAST(opts->format == EXPORT_XML ? "xml" : "csv")) < 0 ||
		      xmlTextWriterWriteElement(
			      w, BAD_CAST "password_hashes",
			      BAD_CAST(opts->password_hashes ? "true" : "false")) < 0;
	for (int e = 0; e < ENTITY_COUNT && !bad; e++)
		bad = xmlTextWriterStartElement(w, BAD_CAST "file") < 0 ||
		      xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST names[e]) < 0 ||
		      xmlTextWriterWriteAttribute(w, BAD_CAST "entity",
						  BAD_CAST entity_get(e)->plural) < 0 ||
		      xmlTextWriterWriteFormatAttribute(w, BAD_CAST "rows", "%ld", res->rows[e]) <
			      0 ||
		      xmlTextWriterWriteFormatAttribute(w, BAD_CAST "bytes", "%llu",
							(unsigned long long)bytes[e]) < 0 ||
		      xmlTextWriterWriteAttribute(w, BAD_CAST "sha256", BAD_CAST sums[e]) < 0 ||
		      xmlTextWriterEndElement(w) < 0;
	if (!bad)
		bad = xmlTextWriterEndDocument(w) < 0;
	if (w)
		xmlFreeTextWriter(w);
	if (bad) {
		xmlBufferFree(buf);
		return NULL;
	}
	return buf;
}

static void hex_digest(crypto_hash_sha256_state *sha, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(sha, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

int bundle_write(struct store *s, const struct bundle_opts *opts, FILE *out,
		 struct bundle_result *res)
{
	static cookie_io_functions_t tally_io = {.write = tally_write};
	static cookie_io_functions_t entry_io = {.write = entry_write};
	char names[ENTITY_COUNT][32], sums[ENTITY_COUNT + 1][65], *sumfile = NULL;
	uint64_t bytes[ENTITY_COUNT];
	struct export_opts xo;
	struct archive *a = NULL;
	xmlBufferPtr man = NULL;
	int64_t last_batch = 0;
	time_t mtime = 0;
	size_t sumlen = 0;
	int rc = -1, t;

	memset(res, 0, sizeof(*res));
	memset(&xo, 0, sizeof(xo));
	xo.format = opts->format;
	xo.password_hashes = opts->password_hashes;
	xo.stop = opts->stop;
	if ((t = as_of_time(s, res->as_of, &mtime)) != 0) {
		snprintf(res->error, sizeof(res->error), "%s",
			 t == -2   ? store_errmsg(s)
			 : t == -3 ? "the newest batch's end time is not a UTC time"
				   : "SOURCE_DATE_EPOCH is not a number of seconds");
		return t == -2 ? -2 : -1;
	}
	if (store_last_batch(s, &last_batch) != STORE_OK) {
		snprintf(res->error, sizeof(res->error), "%s", store_errmsg(s));
		return -2;
	}
	/* pass 1: each entity's size, SHA-256 and rows, in this snapshot */
	for (int e = 0; e < ENTITY_COUNT; e++) {
		struct tally tl;
		FILE *f;
		enum export_status xs;
		crypto_hash_sha256_init(&tl.sha);
		tl.bytes = 0;
		snprintf(names[e], sizeof(names[e]), "%s.%s", entity_get(e)->plural,
			 opts->format == EXPORT_XML ? "xml" : "csv");
		f = fopencookie(&tl, "w", tally_io);
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
		bytes[e] = tl.bytes;
		hex_digest(&tl.sha, sums[e]);
	}
	man = manifest(opts, res, last_batch, names, bytes, sums);
	if (!man)
		goto fail;
	{
		crypto_hash_sha256_state sha;
		crypto_hash_sha256_init(&sha);
		crypto_hash_sha256_update(&sha, xmlBufferContent(man),
					  (size_t)xmlBufferLength(man));
		hex_digest(&sha, sums[ENTITY_COUNT]);
	}
	/* SHA256SUMS in the format sha256sum -c reads: "HEX  NAME" */
	{
		FILE *sf = open_memstream(&sumfile, &sumlen);
		if (!sf)
			goto fail;
		for (int e = 0; e < ENTITY_COUNT; e++)
			fprintf(sf, "%s  %s\n", sums[e], names[e]);
		fprintf(sf, "%s  manifest.xml\n", sums[ENTITY_COUNT]);
		if (fclose(sf) != 0)
			goto fail;
	}
	/* pass 2: the archive */
	a = archive_write_new();
	if (!a)
		goto fail;
	if (opts->type == BUNDLE_ZIP) {
		/* zip keeps local (DOS) times: make local time UTC, so that the
		 * archive does not depend on the machine's time zone */
		setenv("TZ", "UTC0", 1);
		tzset();
		t = archive_write_set_format_zip(a);
	} else {
		t = archive_write_set_format_pax_restricted(a);
	}
	if (t == ARCHIVE_OK && opts->type == BUNDLE_TAR_GZ)
		t = archive_write_add_filter_gzip(a);
	/* gzip stores the current time in its header unless told not to */
	if (t == ARCHIVE_OK && opts->type == BUNDLE_TAR_GZ)
		t = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	if (t == ARCHIVE_OK && opts->type == BUNDLE_TAR_XZ)
		t = archive_write_add_filter_xz(a);
	if (t != ARCHIVE_OK || archive_write_open_FILE(a, out) != ARCHIVE_OK)
		goto archive_fail;
	for (int e = 0; e < ENTITY_COUNT; e++) {
		long rows = 0;
		FILE *f;
		enum export_status xs;
		if (add_entry(a, names[e], bytes[e], mtime) != 0)
			goto archive_fail;
		f = fopencookie(a, "w", entry_io);
		if (!f)
			goto fail;
		xs = export_entity(s, entity_get(e), &xo, f, &rows);
		if (fclose(f) != 0 && xs == EXPORT_OK)
			xs = EXPORT_WRITE_ERROR;
		if (xs != EXPORT_OK || rows != res->rows[e]) {
			if (xs == EXPORT_STOPPED) {
				rc = -3;
				goto done;
			}
			if (xs == EXPORT_STORE_ERROR) {
				snprintf(res->error, sizeof(res->error), "%s", store_errmsg(s));
				rc = -2;
				goto done;
			}
			goto archive_fail;
		}
	}
	if (add_file(a, "manifest.xml", (const char *)xmlBufferContent(man),
		     (size_t)xmlBufferLength(man), mtime) != 0 ||
	    add_file(a, "SHA256SUMS", sumfile, sumlen, mtime) != 0 ||
	    archive_write_close(a) != ARCHIVE_OK)
		goto archive_fail;
	rc = 0;
	goto done;
archive_fail:
	snprintf(res->error, sizeof(res->error), "%s",
		 a && archive_error_string(a) ? archive_error_string(a) : strerror(errno));
	goto done;
fail:
	snprintf(res->error, sizeof(res->error), "%s", strerror(errno ? errno : ENOMEM));
done:
	if (a)
		archive_write_free(a);
	if (man)
		xmlBufferFree(man);
	free(sumfile);
	return rc;
}
