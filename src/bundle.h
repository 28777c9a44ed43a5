/*
 * bundle.h - every entity in one archive (export --all), written with
 * libarchive: ENTITY.csv (or .xml) for the four entities in dependency
 * order, manifest.xml (schemas/manifest.xsd) and SHA256SUMS (sha256sum -c).
 *
 * Byte-identical for the same data: fixed entry order, owners, modes, and
 * every time (the manifest's and the entries') is the as-of time, which
 * is the end of the newest batch, or SOURCE_DATE_EPOCH when set. Each
 * entity is exported twice in one snapshot: once to learn its size and
 * SHA-256 (a tar header needs the size first), once into the archive, so
 * nothing is buffered in memory or on disk.
 */
#ifndef ACCTBATCH_BUNDLE_H
#define ACCTBATCH_BUNDLE_H

#include <stdio.h>

#include "export.h"
#include "store.h"

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

#endif
