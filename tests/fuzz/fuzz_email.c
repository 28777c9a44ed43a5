/*
 * fuzz_email.c - libFuzzer target of the email rule: email_check
 * (src/email.c).
 *
 * The input is one address, exactly as it would stand in a cell; libFuzzer
 * hands it over in a buffer of exactly its size, so AddressSanitizer sees
 * any read past LEN. Contracts checked, for each input:
 *  - email_check returns 0 or -1, the same with WHY NULL, and the same
 *    when asked twice;
 *  - -1 comes with a phrase: not empty, printable ASCII, no capital first
 *    letter, no final full stop;
 *  - an accepted address is valid UTF-8 without control characters (C0,
 *    DEL, C1), at most 254 octets, with an '@' after which the domain,
 *    1 to 255 octets, holds none, and a local part of 1 to 64 octets;
 *  - it is refused with a space before or after it, or a '>' after it,
 *    and it is refused cut short by its last octet when that is part of a
 *    non-ASCII character (the cut leaves bad UTF-8);
 *  - changing the case of its ASCII letters does not change the verdict
 *    (domain names and the "IPv6:" tag are case-insensitive).
 */
#include "email.h"
#include "entity.h"
#include "fuzzlib.h"

#include <stdlib.h>
#include <string.h>

/* The verdict on a copy of the LEN bytes at S of exactly that size. */
static int check_copy(const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	const char *why = NULL;
	int rc;

	FUZZ_CHECK(copy != NULL);
	if (len)
		memcpy(copy, s, len);
	rc = email_check(copy, len, &why);
	FUZZ_CHECK(rc == 0 || (rc == -1 && why != NULL));
	free(copy);
	return rc;
}

/* The contract of a refusal's phrase. */
static void check_phrase(const char *why)
{
	size_t n = strlen(why);

	FUZZ_CHECK(n > 0 && n < 200);
	FUZZ_CHECK(!(why[0] >= 'A' && why[0] <= 'Z'));
	FUZZ_CHECK(why[n - 1] != '.');
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(why[i] >= 0x20 && why[i] < 0x7F);
}

/* The contract of an accepted address S (LEN bytes). */
static void check_accepted(const uint8_t *s, size_t len)
{
	const uint8_t *at = NULL;
	char *framed = malloc(len + 1);

	FUZZ_CHECK(len >= 3 && len <= 254);
	FUZZ_CHECK(utf8_length((const char *)s, len) >= 0);
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK(s[i] >= 0x20 && s[i] != 0x7F);
		/* C1 controls U+0080..U+009F are C2 80..C2 9F */
		FUZZ_CHECK(!(s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F));
		if (s[i] == '@')
			at = s + i;
	}
	FUZZ_CHECK(at != NULL);
	FUZZ_CHECK(at - s >= 1 && at - s <= 64);
	FUZZ_CHECK(s + len - (at + 1) >= 1 && s + len - (at + 1) <= 255);
	FUZZ_CHECK(framed != NULL);
	framed[0] = ' ';
	memcpy(framed + 1, s, len);
	FUZZ_CHECK(check_copy(framed, len + 1) == -1);
	memcpy(framed, s, len);
	framed[len] = ' ';
	FUZZ_CHECK(check_copy(framed, len + 1) == -1);
	framed[len] = '>';
	FUZZ_CHECK(check_copy(framed, len + 1) == -1);
	if (s[len - 1] >= 0x80)
		FUZZ_CHECK(check_copy((const char *)s, len - 1) == -1);
	free(framed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL, *why_again = NULL;
	int rc = email_check(s, size, &why);
	char *folded;

	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(email_check(s, size, NULL) == rc);
	FUZZ_CHECK(email_check(s, size, &why_again) == rc);
	if (rc == -1) {
		FUZZ_CHECK(why != NULL && why_again == why);
		check_phrase(why);
	} else {
		check_accepted(data, size);
	}
	folded = malloc(size ? size : 1);
	FUZZ_CHECK(folded != NULL);
	for (size_t i = 0; i < size; i++) {
		char c = s[i];
		folded[i] = c >= 'a' && c <= 'z'   ? (char)(c - 'a' + 'A')
			    : c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a')
						   : c;
	}
	FUZZ_CHECK(check_copy(folded, size) == rc);
	free(folded);
	return 0;
}
