/*
 * testlib.c - helpers shared by the cmocka test programs (see testlib.h).
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_escape(const char *s, size_t len)
{
	char *out = malloc(len * 4 + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7F || c == '\\') {
			snprintf(out + o, 5, "\\x%02X", c);
			o += 4;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

int test_corpus_path(char *out, size_t size, const char *rel)
{
	const char *dir = getenv("CONFORMANCE_DIR");
	int n;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/conformance";
	n = snprintf(out, size, "%s/%s", dir, rel);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

void test_remove_database(const char *path)
{
	char other[4096];

	unlink(path);
	snprintf(other, sizeof(other), "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	unlink(other);
}
