/*
 * testlib.h - helpers shared by the cmocka test programs.
 */
#ifndef ACCTBATCH_TESTLIB_H
#define ACCTBATCH_TESTLIB_H

#include <stddef.h>

/*
 * test_escape: a printable copy of S (LEN bytes) for failure messages:
 * control bytes, DEL and '\' as \xNN. malloc'd; NULL when out of memory.
 */
char *test_escape(const char *s, size_t len);

/*
 * test_corpus_path: OUT (SIZE bytes) := $CONFORMANCE_DIR/REL, the shared
 * conformance data (default ../shared/conformance). Returns 0, or -1 when
 * the path does not fit.
 */
int test_corpus_path(char *out, size_t size, const char *rel);

/* test_remove_database: unlink the database PATH and its -wal and -shm files. */
void test_remove_database(const char *path);

#endif
