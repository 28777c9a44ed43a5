/*
 * archive_in.h - reading an onboarding package: the CSV and XML members of
 * a .zip, .tar, .tar.gz, .tgz or .tar.xz archive, with libarchive, into
 * memory (memfd), never onto disk by name.
 *
 * Refused, with nothing kept: absolute paths, '..' components, links,
 * devices and other special files, duplicate member names, members that are
 * not .csv or .xml (except the manifest.xml and SHA256SUMS at the top that
 * acctbatch writes), an uncompressed total over the limit, a compression
 * ratio over 100:1, and, when SHA256SUMS is present, any member it does not
 * list or whose SHA-256 differs.
 */
#ifndef ACCTBATCH_ARCHIVE_IN_H
#define ACCTBATCH_ARCHIVE_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

#define ARCHIVE_MAX_UNPACKED_DEFAULT (2ULL << 30) /* 2 GiB */
#define ARCHIVE_MAX_RATIO 100			  /* uncompressed : archive bytes */
#define ARCHIVE_VERIFY_MAX (64ULL << 30)	  /* lists verify reads at most this */

/* archive_is_package: whether PATH's name is that of an archive acctbatch reads. */
bool archive_is_package(const char *path);

/*
 * archive_read_members: check the archive at PATH and call FN(CTX, MEMBER,
 * FD) for each CSV or XML member in archive order, FD a memfd holding its
 * bytes (FN owns it). Returns 0; -1 when the archive is refused or
 * unreadable, with a diagnostic naming PATH (and the member) in DIAGS; -2
 * when FN failed.
 */
int archive_read_members(const char *path, uint64_t max_unpacked,
			 int (*fn)(void *ctx, const char *member, int fd), void *ctx,
			 struct diag_list *diags);

/*
 * archive_check_sums: check the archive at PATH against the SHA256SUMS it
 * holds (lists verify): every member listed with its SHA-256, every listed
 * name present. Reads members without keeping them, at most
 * ARCHIVE_VERIFY_MAX bytes unpacked (no ratio limit: nothing is kept). Returns the number of members checked, -1 when
 * the archive does not match (WHY says how), -2 when it cannot be read
 * (WHY).
 */
long archive_check_sums(const char *path, char why[512]);

#endif
