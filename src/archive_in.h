/*
 * archive_in.h - reading an onboarding package: the CSV and XML members of
 * a .zip, .tar, .tar.gz, .tgz or .tar.xz archive, with libarchive, into
 * one spool (spool.h), never onto disk by name.
 *
 * Refused, with nothing kept: absolute paths, '..' components, links,
 * devices and other special files, duplicate member names, members that are
 * not .csv or .xml (except the manifest.xml and SHA256SUMS at the top that
 * acctbatch writes), an uncompressed total over the limit, a compression
 * ratio over 100:1, and, when SHA256SUMS is present, any member it does not
 * list or whose SHA-256 differs, and any name it lists that is no member.
 * An archive that is cut short is said to be, also when what it holds
 * would unpack past the ratio limit.
 */
#ifndef ACCTBATCH_ARCHIVE_IN_H
#define ACCTBATCH_ARCHIVE_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "spool.h"

#define ARCHIVE_MAX_UNPACKED_DEFAULT (2ULL << 30) /* 2 GiB */
#define ARCHIVE_MAX_RATIO 100			  /* uncompressed : archive bytes */
#define ARCHIVE_VERIFY_MAX (64ULL << 30)	  /* lists verify reads at most this */

/* archive_is_package: whether PATH's name is that of an archive acctbatch reads. */
bool archive_is_package(const char *path);

/*
 * archive_read_members: check the whole archive at PATH, its members'
 * bytes appended to the spool SP one after another (one descriptor for
 * any number of members), then call FN(CTX, MEMBER, START, LEN) for each
 * CSV or XML member in archive order, its bytes at [START, START + LEN)
 * in SP. Returns 0; -1 when the archive is refused (bad_archive) with a
 * diagnostic naming PATH (and the member) in DIAGS; -2 when FN failed; -3
 * when the machine failed (I/O, memory, a full $TMPDIR, a stop signal, the
 * archive changed while read), with a diagnostic saying so.
 */
int archive_read_members(const char *path, uint64_t max_unpacked, struct spool *sp,
			 int (*fn)(void *ctx, const char *member, uint64_t start, uint64_t len),
			 void *ctx, struct diag_list *diags);

/*
 * archive_check_sums: check the archive at PATH against the SHA256SUMS it
 * holds (lists verify): every member listed with its SHA-256, every listed
 * name present (the same check as an import's). Reads members without keeping them, at most
 * ARCHIVE_VERIFY_MAX bytes unpacked (no ratio limit: nothing is kept). Returns the number of members checked, -1 when
 * the archive does not match (WHY says how), -2 when it cannot be read
 * (WHY).
 */
long archive_check_sums(const char *path, char why[512]);

#endif
