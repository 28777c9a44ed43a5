/*
 * email.c - the one email-address rule: an RFC 5321 Mailbox, UTF-8 allowed
 * (RFC 6531/6532), within the RFC 5321 and DNS length limits.
 *
 * Owns the syntax and length checks behind every email field (docs/email.md
 * is the plain-words version for admins). It works on the bytes it is given,
 * reads nothing past LEN, and must not allocate, print, do DNS look-ups, or
 * change the address. Every refusal is one static phrase from this file.
 *
 * Lengths are counted in octets as the address is written. Because a domain
 * label that is not ASCII travels through DNS in its xn-- (Punycode, RFC 3492)
 * form, the 63-octet label limit is applied to that form, and the domain and
 * address limits are applied to both forms.
 */
#include "email.h"

#include <limits.h>
#include <stdbool.h>

enum {
	LOCAL_MAX = 64,	   /* RFC 5321 4.5.3.1.1, octets */
	DOMAIN_MAX = 255,  /* RFC 5321 4.5.3.1.2, octets */
	ADDRESS_MAX = 254, /* RFC 5321 4.5.3.1.3 path of 256 less the angle brackets */
	LABEL_MAX = 63,	   /* RFC 1035 2.3.4, octets of the label in DNS (xn-- form) */
	ACE_PREFIX = 4,	   /* strlen("xn--") */
};

/* RFC 3492 section 5 parameters. */
enum {
	PUNY_BASE = 36,
	PUNY_TMIN = 1,
	PUNY_TMAX = 26,
	PUNY_SKEW = 38,
	PUNY_DAMP = 700,
	PUNY_INITIAL_BIAS = 72,
	PUNY_INITIAL_N = 128,
};

/*
 * Decode one UTF-8 sequence at P (N > 0 bytes available) into *CP. Returns its
 * length (1 to 4), or 0 when the bytes are not well-formed UTF-8 (RFC 3629):
 * stray continuation bytes, overlong forms, surrogates, values above U+10FFFF,
 * or a sequence cut short by the end of the input.
 */
static size_t decode_utf8(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	unsigned long v;
	size_t need;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] < 0xC2)
		return 0;
	if (p[0] < 0xE0) {
		need = 1;
		v = p[0] & 0x1Fu;
	} else if (p[0] < 0xF0) {
		need = 2;
		v = p[0] & 0x0Fu;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (p[0] < 0xF5) {
		need = 3;
		v = p[0] & 0x07u;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n <= need)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if (p[k] < lo || p[k] > hi)
			return 0;
		v = v << 6 | (p[k] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return need + 1;
}

/* True for a C0 control, DEL or a C1 control (Unicode general category Cc). */
static bool is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 5322 atext, ASCII part. */
static bool is_atext(unsigned char c)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";

	if (is_alnum(c))
		return true;
	for (const char *p = specials; *p != '\0'; p++)
		if ((unsigned char)*p == c)
			return true;
	return false;
}

/*
 * The phrase for an ASCII byte C that may not appear in the local part (or,
 * when IN_DOMAIN, in the domain), naming the common mistakes.
 */
static const char *bad_ascii(unsigned char c, bool in_domain)
{
	if (c < 0x20 || c == 0x7F)
		return in_domain ? "control character in domain"
				 : "control character in local part";
	if (c == ' ')
		return in_domain ? "space in domain" : "space in local part outside quotes";
	if (c == '(' || c == ')')
		return "comments are not allowed";
	if (c == '<' || c == '>')
		return "angle brackets are not allowed";
	if (c == '@')
		return "more than one '@'";
	if (c == '"')
		return "quote in the middle of local part";
	if (c == '\\')
		return "backslash outside quotes in local part";
	return in_domain ? "invalid character in domain" : "invalid character in local part";
}

/*
 * Check a non-ASCII sequence at P (N bytes left). Returns NULL and sets *USED
 * to its length when it is a valid UTF-8 character other than a control,
 * otherwise the phrase to report.
 */
static const char *check_non_ascii(const unsigned char *p, size_t n, bool in_domain, size_t *used)
{
	unsigned long cp;
	size_t k = decode_utf8(p, n, &cp);

	if (k == 0)
		return in_domain ? "invalid UTF-8 in domain" : "invalid UTF-8 in local part";
	if (is_control(cp))
		return in_domain ? "control character in domain"
				 : "control character in local part";
	*used = k;
	return NULL;
}

/*
 * Check the Dot-string local part at the start of S (LEN bytes). Returns NULL
 * and sets *END to the offset of the '@' (or LEN when there is none), or the
 * phrase to report.
 */
static const char *check_dot_string(const unsigned char *s, size_t len, size_t *end)
{
	size_t i = 0;

	if (s[0] == '@')
		return "local part is empty";
	if (s[0] == '.')
		return "local part starts with a dot";
	while (i < len && s[i] != '@') {
		if (s[i] == '.') {
			if (i + 1 == len || s[i + 1] == '@')
				return "local part ends with a dot";
			if (s[i + 1] == '.')
				return "two dots in a row in local part";
			i++;
		} else if (s[i] >= 0x80) {
			size_t k = 0;
			const char *err = check_non_ascii(s + i, len - i, false, &k);

			if (err != NULL)
				return err;
			i += k;
		} else if (is_atext(s[i])) {
			i++;
		} else {
			return bad_ascii(s[i], false);
		}
	}
	*end = i;
	return NULL;
}

/*
 * Check the Quoted-string local part at the start of S (LEN bytes, S[0] is
 * '"'): qtextSMTP, UTF-8 other than controls, and quoted-pairSMTP. Returns
 * NULL and sets *END to the offset just past the closing quote, or the
 * phrase to report.
 */
static const char *check_quoted_string(const unsigned char *s, size_t len, size_t *end)
{
	size_t i = 1;

	for (;;) {
		if (i >= len)
			return "quoted local part has no closing quote";
		if (s[i] == '"')
			break;
		if (s[i] == '\\') {
			if (i + 1 == len)
				return "quoted local part has no closing quote";
			if (s[i + 1] >= 0x80)
				return "backslash before a non-ASCII character in local part";
			if (s[i + 1] < 0x20 || s[i + 1] == 0x7F)
				return "control character in local part";
			i += 2;
		} else if (s[i] >= 0x80) {
			size_t k = 0;
			const char *err = check_non_ascii(s + i, len - i, false, &k);

			if (err != NULL)
				return err;
			i += k;
		} else if (s[i] < 0x20 || s[i] == 0x7F) {
			return "control character in local part";
		} else {
			i++;
		}
	}
	*end = i + 1;
	return NULL;
}

/* RFC 3492 section 6.1, bias adaptation. */
static unsigned long puny_adapt(unsigned long delta, unsigned long points, bool first)
{
	unsigned long k = 0;

	delta = first ? delta / PUNY_DAMP : delta / 2;
	delta += delta / points;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

/* The code point starting at *I in the valid UTF-8 text P (N bytes); advances *I. */
static unsigned long next_code_point(const unsigned char *p, size_t n, size_t *i)
{
	unsigned long cp = 0;

	*i += decode_utf8(p + *i, n - *i, &cp);
	return cp;
}

/*
 * Length in octets of the Punycode encoding (RFC 3492, without the "xn--"
 * prefix) of the valid UTF-8 label P (N bytes, at most LABEL_MAX code points,
 * so no counter can overflow). Runs the encoder of section 6.3 but only counts
 * the digits it would write.
 */
static size_t puny_length(const unsigned char *p, size_t n)
{
	unsigned long cur = PUNY_INITIAL_N, delta = 0, bias = PUNY_INITIAL_BIAS;
	size_t basic = 0, total = 0, handled, out, i;

	for (i = 0; i < n; total++)
		if (next_code_point(p, n, &i) < 0x80)
			basic++;
	out = basic + (basic > 0);
	handled = basic;
	while (handled < total) {
		unsigned long m = ULONG_MAX;

		for (i = 0; i < n;) {
			unsigned long cp = next_code_point(p, n, &i);

			if (cp >= cur && cp < m)
				m = cp;
		}
		delta += (m - cur) * (handled + 1);
		cur = m;
		for (i = 0; i < n;) {
			unsigned long cp = next_code_point(p, n, &i);

			if (cp < cur) {
				delta++;
			} else if (cp == cur) {
				unsigned long q = delta;

				for (unsigned long k = PUNY_BASE;; k += PUNY_BASE) {
					unsigned long t = k <= bias		  ? PUNY_TMIN
							  : k >= bias + PUNY_TMAX ? PUNY_TMAX
										  : k - bias;

					if (q < t)
						break;
					out++;
					q = (q - t) / (PUNY_BASE - t);
				}
				out++;
				bias = puny_adapt(delta, handled + 1, handled == basic);
				delta = 0;
				handled++;
			}
		}
		delta++;
		cur++;
	}
	return out;
}

/*
 * Check the domain name D (N > 0 bytes): labels of letters, digits, hyphens
 * and non-ASCII UTF-8, separated by single dots, no hyphen at either end of
 * a label, each label at most LABEL_MAX octets in its DNS (xn--) form.
 * Returns NULL and sets *ASCII_LEN to the length of the whole name in that
 * form, or the phrase to report.
 */
static const char *check_domain_name(const unsigned char *d, size_t n, size_t *ascii_len)
{
	size_t i = 0, total = 0;

	if (d[0] == '.')
		return "domain starts with a dot";
	for (;;) {
		size_t start = i, points = 0;
		bool ascii = true;

		if (d[i] == '.')
			return "two dots in a row in domain";
		while (i < n && d[i] != '.') {
			if (d[i] >= 0x80) {
				size_t k = 0;
				const char *err = check_non_ascii(d + i, n - i, true, &k);

				if (err != NULL)
					return err;
				ascii = false;
				i += k;
			} else if (is_alnum(d[i]) || d[i] == '-') {
				i++;
			} else {
				return bad_ascii(d[i], true);
			}
			points++;
		}
		if (d[start] == '-')
			return "domain label starts with a hyphen";
		if (d[i - 1] == '-')
			return "domain label ends with a hyphen";
		if (ascii) {
			if (i - start > LABEL_MAX)
				return "domain label longer than 63 octets";
			total += i - start;
		} else {
			size_t alen;

			/* Each code point costs at least one octet in the xn-- form. */
			if (points > LABEL_MAX - ACE_PREFIX)
				return "domain label longer than 63 octets in its xn-- form";
			alen = ACE_PREFIX + puny_length(d + start, i - start);
			if (alen > LABEL_MAX)
				return "domain label longer than 63 octets in its xn-- form";
			total += alen;
		}
		if (i == n)
			break;
		i++;
		total++;
		if (i == n)
			return "domain ends with a dot";
	}
	*ascii_len = total;
	return NULL;
}

/* True when P (N bytes) is an RFC 5321 IPv4-address-literal: four Snum 0-255. */
static bool is_ipv4(const unsigned char *p, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned value = 0;
		size_t digits = 0;

		if (part > 0) {
			if (i == n || p[i] != '.')
				return false;
			i++;
		}
		while (i < n && is_digit(p[i]) && digits < 3) {
			value = value * 10 + (unsigned)(p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || value > 255)
			return false;
	}
	return i == n;
}

/*
 * Check the IPv6 address P (N bytes, the text after "IPv6:") against RFC 5321
 * IPv6-full, IPv6-comp, IPv6v4-full and IPv6v4-comp: 8 groups of 1 to 4 hex
 * digits (an IPv4 tail counts as 2), or at most 6 with one "::" that stands
 * for at least 2 groups of zeros. Returns NULL or the phrase to report.
 */
static const char *check_ipv6(const unsigned char *p, size_t n)
{
	size_t i = 0, groups = 0;
	bool compressed = false;

	if (n == 0)
		return "empty IPv6 address literal";
	if (p[0] == ':') {
		if (n < 2 || p[1] != ':')
			return "address literal starts with a single colon";
		compressed = true;
		i = 2;
	}
	while (i < n) {
		size_t j = i;
		bool dotted = false;

		while (j < n && p[j] != ':') {
			if (p[j] == '.')
				dotted = true;
			j++;
		}
		if (j == i)
			return "three colons in a row in address literal";
		if (dotted) {
			if (j < n)
				return "dotted IPv4 part not at the end of address literal";
			if (!is_ipv4(p + i, j - i))
				return "invalid IPv4 part in address literal";
			groups += 2;
			break;
		}
		for (size_t k = i; k < j; k++)
			if (!is_xdigit(p[k]))
				return "invalid character in IPv6 address literal";
		if (j - i > 4)
			return "group of more than 4 hex digits in address literal";
		groups++;
		i = j;
		if (i == n)
			break;
		i++;
		if (i < n && p[i] == ':') {
			if (compressed)
				return "more than one '::' in address literal";
			compressed = true;
			i++;
		} else if (i == n) {
			return "address literal ends with a single colon";
		}
	}
	if (compressed && groups > 6)
		return "too many groups around '::' in address literal";
	if (!compressed && groups < 8)
		return "too few groups in IPv6 address literal";
	if (!compressed && groups > 8)
		return "too many groups in IPv6 address literal";
	return NULL;
}

/* True when P (N bytes) starts with the tag "IPv6:", in any case (RFC 5234 strings). */
static bool has_ipv6_tag(const unsigned char *p, size_t n)
{
	static const char tag[] = "ipv6:";

	if (n < sizeof(tag) - 1)
		return false;
	for (size_t i = 0; i < sizeof(tag) - 1; i++) {
		unsigned char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)tag[i])
			return false;
	}
	return true;
}

/*
 * Check the address literal D (N bytes, D[0] is '['): "[IPv4]" or "[IPv6:...]",
 * the only two forms RFC 5321 defines with a registered tag. Returns NULL or
 * the phrase to report.
 */
static const char *check_address_literal(const unsigned char *d, size_t n)
{
	size_t close = 1;

	while (close < n && d[close] != ']')
		close++;
	if (close == n)
		return "address literal has no closing bracket";
	if (close != n - 1)
		return "text after the address literal";
	if (close == 1)
		return "empty address literal";
	if (has_ipv6_tag(d + 1, close - 1))
		return check_ipv6(d + 6, close - 6);
	if (is_ipv4(d + 1, close - 1))
		return NULL;
	for (size_t i = 1; i < close; i++) {
		if (d[i] != ':')
			continue;
		for (size_t k = 1; k < close; k++)
			if (!is_xdigit(d[k]) && d[k] != ':' && d[k] != '.')
				return "address literal tag other than IPv6";
		return "address literal lacks the 'IPv6:' tag";
	}
	return is_digit(d[1]) ? "invalid IPv4 address literal"
			      : "address literal is neither IPv4 nor IPv6";
}

int email_check(const char *s, size_t len, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	const unsigned char *domain;
	const char *err;
	size_t at = 0, dlen, ascii_dlen;

	if (len == 0) {
		err = "address is empty";
		goto refuse;
	}
	/* Common pasting mistakes first, so the phrase names them. */
	if (u[0] == ' ' || u[len - 1] == ' ') {
		err = u[0] == ' ' ? "address starts with a space" : "address ends with a space";
		goto refuse;
	}
	if (u[len - 1] == '>') {
		err = "angle brackets are not allowed";
		goto refuse;
	}
	if (u[0] == '"')
		err = check_quoted_string(u, len, &at);
	else
		err = check_dot_string(u, len, &at);
	if (err != NULL)
		goto refuse;
	if (at == len) {
		err = "no '@' in address";
		goto refuse;
	}
	if (u[at] != '@') {
		err = "text after the closing quote of local part";
		goto refuse;
	}
	if (at > LOCAL_MAX) {
		err = "local part longer than 64 octets";
		goto refuse;
	}
	domain = u + at + 1;
	dlen = len - at - 1;
	if (dlen == 0) {
		err = "domain is empty";
		goto refuse;
	}
	ascii_dlen = dlen;
	if (domain[0] == '[')
		err = check_address_literal(domain, dlen);
	else
		err = check_domain_name(domain, dlen, &ascii_dlen);
	if (err != NULL)
		goto refuse;
	if (dlen > DOMAIN_MAX) {
		err = "domain longer than 255 octets";
		goto refuse;
	}
	if (ascii_dlen > DOMAIN_MAX) {
		err = "domain longer than 255 octets in its xn-- form";
		goto refuse;
	}
	if (len > ADDRESS_MAX) {
		err = "address longer than 254 octets";
		goto refuse;
	}
	if (at + 1 + ascii_dlen > ADDRESS_MAX) {
		err = "address longer than 254 octets with its domain in xn-- form";
		goto refuse;
	}
	return 0;

refuse:
	if (why != NULL)
		*why = err;
	return -1;
}
