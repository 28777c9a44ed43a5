/*
 * fuzz_archive.c - libFuzzer target of the archive reader:
 * archive_read_members and archive_check_sums (src/archive_in.c), with
 * libarchive's zip, tar, gzip and xz readers behind them.
 *
 * The input is one archive file. It is written to pkg in a directory of
 * the target's own, made with mkdtemp in $TMPDIR (tests/fuzz/run.sh sets
 * TMPDIR under build/fuzz), where the spool's unnamed file goes too;
 * nothing is written anywhere else, and the directory is removed at exit.
 * Contracts checked, for each input:
 *  - archive_read_members returns 0 or -1: its callback never fails (-2),
 *    and the machine does not (-3: I/O, memory, a full $TMPDIR), so a
 *    damaged archive must not be taken for a failing machine; 0 comes
 *    with no diagnostic, -1 with bad_archive last; every diagnostic names
 *    the archive, line 0;
 *  - members are handed over only when the whole archive was accepted,
 *    and then at least one: each named in the archive's rules (no '/'
 *    first, no '..' component, a .csv or .xml name that is not the
 *    manifest), its bytes after the last member's and inside the spool,
 *    and readable back from it, all of them;
 *  - archive_check_sums returns the members it checked, or -1 or -2 with
 *    a reason that fits its 512 bytes.
 * The unpacked limit is 4 MiB, or for one input in four a small one
 * chosen by a hash of the input, so that --max-unpacked is reached too.
 */
#include "archive_in.h"
#include "csvio.h"
#include "fuzzlib.h"
#include "source.h"
#include "xmlio.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BIG_LIMIT (4u << 20) /* the unpacked limit of most inputs */

static char dir[4096];	/* the target's own directory */
static char path[4200]; /* the archive in it */

/* What the members handed over looked like. */
struct seen {
	struct spool *sp; /* their bytes */
	size_t members;	  /* handed over */
	uint64_t end;	  /* where the last one ended in sp */
};

/* Whether NAME has a ".." component. */
static bool dotdot(const char *name)
{
	for (const char *p = name; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

static int on_member(void *ctx, const char *member, uint64_t start, uint64_t len)
{
	struct seen *s = ctx;
	struct spooled b = {.sp = s->sp, .start = start, .len = len, .from = -1};
	char buf[4096];
	uint64_t off = 0;

	FUZZ_CHECK(member != NULL && member[0] != '\0' && member[0] != '/');
	FUZZ_CHECK(!dotdot(member));
	FUZZ_CHECK(source_name_ends_with(member, ".csv") || source_name_ends_with(member, ".xml"));
	FUZZ_CHECK(strcmp(member, "manifest.xml") != 0);
	FUZZ_CHECK(start >= s->end && start + len <= spool_size(s->sp));
	s->end = start + len;
	s->members++;
	for (;;) {
		size_t got = 0;
		FUZZ_CHECK(spooled_read(&b, off, buf, sizeof(buf), &got) == 0);
		if (got == 0)
			break;
		if (off == 0) {
			/* what an import does next with the first bytes */
			csv_detect_entity(buf, got);
			xml_detect_entity(buf, got);
		}
		off += got;
		FUZZ_CHECK(off <= len);
	}
	FUZZ_CHECK(off == len);
	return 0;
}

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0);
	snprintf(dir, sizeof(dir), "%s/acctbatch-fuzz-archive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/pkg", dir);
	/* the spool goes to $TMPDIR: into the directory too */
	FUZZ_CHECK(setenv("TMPDIR", dir, 1) == 0);
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = fuzz_hash(FUZZ_HASH_INIT, data, size);
	uint64_t limit = h % 4 == 0 ? 1 + (h >> 8) % 8192 : BIG_LIMIT;
	struct diag_list diags = {0};
	struct seen s = {0};
	char why[512], spool_why[256];
	size_t done = 0;
	long checked;
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	while (done < size) {
		ssize_t w = write(fd, data + done, size - done);
		FUZZ_CHECK(w > 0 || (w < 0 && errno == EINTR));
		if (w > 0)
			done += (size_t)w;
	}
	FUZZ_CHECK(close(fd) == 0);

	s.sp = spool_new(spool_why);
	FUZZ_CHECK(s.sp != NULL);
	rc = archive_read_members(path, limit, s.sp, on_member, &s, &diags);
	fuzz_dump_diags("archive_read_members", &diags, 0);
	FUZZ_CHECK(rc == 0 || rc == -1);
	fuzz_check_diags(&diags, 0, path, 0, 0);
	if (rc == 0)
		FUZZ_CHECK(diags.count == 0 && s.members > 0);
	else
		FUZZ_CHECK(diags.count > 0 && s.members == 0);
	if (rc == -1)
		FUZZ_CHECK(diags.items[diags.count - 1].code == DIAG_BAD_ARCHIVE);
	diag_list_release(&diags);
	spool_free(s.sp);

	memset(why, 'x', sizeof(why));
	checked = archive_check_sums(path, why);
	FUZZ_CHECK(checked >= -2);
	if (checked < 0)
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
	FUZZ_CHECK(unlink(path) == 0);
	return 0;
}
