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

#endif
