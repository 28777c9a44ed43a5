/*
 * bundle.h - every entity in one archive (export --all), written with
 * libarchive: ENTITY.csv (or .xml) for the four entities in dependency
 * order, manifest.xml (schemas/manifest.xsd) and SHA256SUMS (sha256sum -c).
 *
 * Byte-identical for the same data: fixed entry order, owners, modes, and
 * every time (the manifest's and the entries') is the as-of time, which
 * is the end of the newest batch that changed data, or SOURCE_DATE_EPOCH when set. Each
 * entity is exported twice in one snapshot: once to learn its size and
 * SHA-256 (a tar header needs the size first), once into the archive, so
 * nothing is buffered in memory or on disk.
 */
#ifndef ACCTBATCH_BUNDLE_H
#define ACCTBATCH_BUNDLE_H

#include <libxml/xmlwriter.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "export.h"
#include "store.h"

struct archive;

enum bundle_type { BUNDLE_TAR_GZ, BUNDLE_TAR_XZ, BUNDLE_ZIP, BUNDLE_UNKNOWN };

/* bundle_type_of: the archive type that PATH's name asks for (.tar.gz, .tgz, .tar.xz, .zip). */
enum bundle_type bundle_type_of(const char *path);

struct bundle_opts {
	enum bundle_type type;
	enum export_format format; /* of the entity files */
	bool password_hashes;	   /* logins with password_hash (needed to restore logins) */
	const char *database;	   /* named in the manifest */
	const char *version;	   /* acctbatch's version, named in the manifest */
	int (*stop)(void);	   /* when it returns non-zero, stop (a signal) */
};

struct bundle_result {
	long rows[ENTITY_COUNT]; /* rows written per entity */
	char as_of[32];		 /* the archive's time */
	char error[256];	 /* why it failed */
};

/*
 * bundle_write: the archive onto OUT (a file being written, see outfile.h)
 * from store S inside a read transaction. Returns 0, -1 when writing failed
 * (errno set; exit 74), -2 when the database failed (store_errmsg), -3 when
 * OPTS->stop asked to stop.
 */
int bundle_write(struct store *s, const struct bundle_opts *opts, FILE *out,
		 struct bundle_result *res);

/*
 * What export --all and lists (lists.c) share: archives written the same
 * way (fixed entry order, owner root, mode 0600, every time the as-of
 * time), with manifest.xml and SHA256SUMS last.
 */

/* One member of an archive: its name, size and SHA-256 (known before it is written). */
struct bundle_member {
	char name[80];
	uint64_t bytes;
	char sha256[65];
};

/*
 * bundle_archive: write the archive of TYPE onto OUT: for each of the N
 * members, its header, then CONTENT(CTX, I, ENTRY) writes exactly its bytes
 * to ENTRY; then MANIFEST_XML as manifest.xml and a SHA256SUMS of every
 * member and the manifest. Returns 0; -1 when writing failed (ERROR says
 * why); or CONTENT's own code when it returned less than -1.
 */
int bundle_archive(enum bundle_type type, FILE *out, time_t mtime, const struct bundle_member m[],
		   size_t n, const void *manifest_xml, size_t manifest_len,
		   int (*content)(void *ctx, size_t i, FILE *entry), void *ctx, char error[256]);

/*
 * Writing an archive step by step: bundle_open (NULL on failure, ERROR
 * says why), then for each member bundle_add_entry and its bytes through
 * bundle_entry_stream (closed before the next entry), then bundle_finish,
 * which writes manifest.xml and SHA256SUMS of the N members M, closes and
 * frees the archive (also when it fails; 0 or -1 with ERROR).
 */
struct archive *bundle_open(enum bundle_type type, FILE *out, char error[256]);
/*
 * bundle_write_members: for each of the N members M, its header (with its
 * size) and CONTENT(CTX, I, ENTRY) for its bytes. 0, -1 (ERROR), or
 * CONTENT's own code below -1. The archive stays open either way.
 */
int bundle_write_members(struct archive *a, const struct bundle_member m[], size_t n, time_t mtime,
			 int (*content)(void *ctx, size_t i, FILE *entry), void *ctx,
			 char error[256]);
FILE *bundle_entry_stream(struct archive *a);
int bundle_finish(struct archive *a, const struct bundle_member m[], size_t n,
		  const void *manifest_xml, size_t manifest_len, time_t mtime, char error[256]);

/* A size for bundle_add_entry when it is not known yet (zip only: written after the data). */
#define BUNDLE_SIZE_UNKNOWN UINT64_MAX

/* bundle_add_entry / bundle_add_file: one regular-file entry (header; header and data). */
int bundle_add_entry(struct archive *a, const char *name, uint64_t size, time_t mtime);
int bundle_add_file(struct archive *a, const char *name, const void *data, size_t len,
		    time_t mtime);

/*
 * A stream that counts and hashes what is written to it and, when COPY is
 * not NULL, passes it on to COPY. bundle_tally_open returns it (NULL when
 * out of memory); after fclose, T holds the byte count and
 * bundle_tally_hex gives the SHA-256 (once).
 */
struct bundle_tally {
	crypto_hash_sha256_state sha;
	uint64_t bytes;
	FILE *copy;
};
FILE *bundle_tally_open(struct bundle_tally *t, FILE *copy);
void bundle_tally_hex(struct bundle_tally *t, char hex[65]);

/*
 * bundle_manifest_begin: a writer into BUF with the manifest's common head
 * (tool, version, KIND, database, as_of, last_batch) written and <manifest>
 * left open; NULL on failure. bundle_manifest_file writes one <file> with
 * name, ATTR=VALUE (when ATTR), rows (when ROWS >= 0), bytes and sha256;
 * 0 or -1.
 */
xmlTextWriterPtr bundle_manifest_begin(xmlBufferPtr buf, const char *kind, const char *version,
				       const char *database, const char *as_of, int64_t last_batch);
int bundle_manifest_file(xmlTextWriterPtr w, const struct bundle_member *m, const char *attr,
			 const char *value, long rows);
/* bundle_manifest_end: close the document and free W; BUF, or NULL (freed) when BAD or it failed. */
xmlBufferPtr bundle_manifest_end(xmlTextWriterPtr w, xmlBufferPtr buf, int bad);

/*
 * bundle_source_date: SOURCE_DATE_EPOCH as a time: 1 with AS_OF and *T set,
 * 0 when it is not set, -1 when it is not a number of seconds.
 * bundle_parse_time: *T from a UTC time YYYY-MM-DDTHH:MM:SSZ; 0 or -1.
 */
int bundle_source_date(char as_of[32], time_t *t);
/* bundle_time_fits: whether an archive of TYPE can hold time T (a .zip: 1980 to 2107). */
bool bundle_time_fits(enum bundle_type type, time_t t);
int bundle_parse_time(const char *text, time_t *t);

#endif
