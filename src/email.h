/*
 * email.h - the one email-address rule, used for every email field.
 *
 * An address is accepted when mail can be sent to it: an RFC 5321 Mailbox,
 * with the UTF-8 extensions of RFC 6531/6532 (docs/email.md says it in plain
 * words). This module only decides yes or no and says why not; it must not
 * allocate, print, look anything up in DNS, or normalise the address (case
 * folding for comparisons belongs to the store).
 */
#ifndef ACCTBATCH_EMAIL_H
#define ACCTBATCH_EMAIL_H

#include <stddef.h>

/* email_check: decide whether S (LEN bytes, not necessarily NUL-terminated) is an
 * address mail can be sent to. Returns 0 when it is; otherwise -1 and sets *WHY
 * (if WHY is not NULL) to a static lower-case English phrase without final full stop
 * saying what is wrong, e.g. "local part longer than 64 octets". Never allocates. */
int email_check(const char *s, size_t len, const char **why);

#endif
