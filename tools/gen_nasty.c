/*
 * gen_nasty.c - deterministic round-trip data: N records of each entity
 * whose text fields hold the values most likely to break a CSV or XML
 * writer or a spreadsheet (quotes, commas, line breaks, leading = + - @ '
 * and tabs, spaces at the ends, non-ASCII, right-to-left marks, emoji,
 * values of the longest allowed length), all valid for import. Fixed seed
 * (xorshift64*), so every run writes the same bytes.
 *
 * usage: gen_nasty N OUTDIR
 * writes OUTDIR/accounts.csv, logins.csv, contacts.csv, invoices.csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0xD1B54A32D192ED03ULL;

static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

#define COUNT(a) (sizeof(a) / sizeof(a[0]))
#define PICK(a) a[next() % COUNT(a)]

/* Pieces of text, each valid on its own; \u200f is a right-to-left mark. */
static const char *const pieces[] = {
	"\"quoted\"", ",",	"\n",	 "\r\n",    "=SUM(A1:A9)", "+1",	  "-2",
	"@cmd",	      "'",	"''",	 "'=x",	    "\t",	   "Zoë",	  "Søreide",
	"Małgorzata", "\u200f", "مرحبا", "שלום",    "😀",	   "👩‍💻", "e\u0301",
	"漢字",	      "Ωμέγα",	" ",	 "a;b",	    "<tag>",	   "&amp;",	  "]]>",
	"-12.50",     "0",	"x",	 "O'Brien", "\\",	   "%s",	  "{}",
};
/* Pieces a value may begin with (leading guard characters and spaces included). */
static const char *const starts[] = {
	"=", "+", "-", "@", "'", "\t", " ", "'=", "''", "Zoë", "😀", "\u200f", "\"", "-12.50", "A"};

/* Characters (code points) in the UTF-8 string S. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * A nasty text of at most MAX characters (at least 1) in BUF; one value in
 * eight is exactly MAX characters long. A value never ends in a lone CR.
 */
static void nasty(char *buf, size_t size, size_t max)
{
	size_t n = 0, len = 0;
	int fill = next() % 8 == 0;

	buf[0] = '\0';
	for (const char *p = PICK(starts);; p = PICK(pieces)) {
		size_t c = chars(p), b = strlen(p);
		if (n + c > max || len + b + 1 > size)
			break;
		memcpy(buf + len, p, b + 1);
		len += b;
		n += c;
		if (!fill && next() % 4 == 0)
			break;
	}
	while (fill && n < max && len + 2 < size) { /* pad to exactly MAX characters */
		buf[len++] = 'z';
		buf[len] = '\0';
		n++;
	}
	if (len == 0) {
		strcpy(buf, "x");
		len = 1;
	}
}

/* Write S as one RFC 4180 cell, always quoted. */
static void cell(FILE *f, const char *s, int last)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
	putc(last ? '\n' : ',', f);
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(73);
	}
	return f;
}

int main(int argc, char **argv)
{
	static const char hash[] = "$argon2id$v=19$m=8,t=1,p=1$54G+I2ELA4SSHgu6QA89cQ$"
				   "QUve/lFo9ALIivkXJr70+O6wi5zqBSXnHQ70rdKyOYw";
	static const char *const countries[] = {"DE", "FR", "NO", "IL", "EG", "JP", "GB", "KW"};
	static const char *const currencies[] = {"EUR", "JPY", "KWD", "USD", "BHD", "CLP"};
	static const char *const subs[] = {"", "newsletter", "newsletter product_updates",
					   "security_advisories"};
	static const char *const status[] = {"active", "suspended", "closed"};
	static const char *const istatus[] = {"open", "paid", "void"};
	static const char *const tf[] = {"true", "false"};
	char a[2048], b[2048], c[2048], d[2048], e[2048], g[2048], h[2048], id[64];
	FILE *fa, *fl, *fc, *fi;
	long n;

	if (argc != 3 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: gen_nasty N OUTDIR\n");
		return 64;
	}
	fa = open_out(argv[2], "accounts.csv");
	fl = open_out(argv[2], "logins.csv");
	fc = open_out(argv[2], "contacts.csv");
	fi = open_out(argv[2], "invoices.csv");
	fputs("account_id,name,email,full_name,phone,street,city,region,postal_code,country,"
	      "status,subscriptions\n",
	      fa);
	fputs("account_id,email,full_name,password_hash,activate_licenses,make_purchases,"
	      "view_pay_invoices,invoice_created_alerts\n",
	      fl);
	fputs("account_id,first_name,last_name,email,country,standard_invoices,summary_invoices,"
	      "important_notices\n",
	      fc);
	fputs("invoice_number,account_id,kind,issued_on,due_on,currency,total,status,"
	      "description\n",
	      fi);
	for (long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "N-%06ld", i);
		nasty(a, sizeof(a), 200);
		nasty(b, sizeof(b), 200);
		nasty(c, sizeof(c), 200);
		nasty(d, sizeof(d), 200);
		nasty(e, sizeof(e), 200);
		nasty(g, sizeof(g), 200);
		cell(fa, id, 0);
		cell(fa, a, 0);
		snprintf(h, sizeof(h), "Holder.%ld@Nasty.example", i);
		cell(fa, h, 0);
		cell(fa, b, 0);
		cell(fa, i % 5 ? "+49 30-1234567" : "", 0);
		cell(fa, c, 0);
		cell(fa, d, 0);
		cell(fa, e, 0);
		cell(fa, g, 0);
		cell(fa, PICK(countries), 0);
		cell(fa, PICK(status), 0);
		cell(fa, PICK(subs), 1);

		nasty(a, sizeof(a), 200);
		cell(fl, id, 0);
		snprintf(h, sizeof(h), "Login.%ld@Nasty.example", i);
		cell(fl, h, 0);
		cell(fl, a, 0);
		cell(fl, hash, 0);
		cell(fl, "true", 0);
		cell(fl, PICK(tf), 0);
		cell(fl, PICK(tf), 0);
		cell(fl, PICK(tf), 1);

		nasty(a, sizeof(a), 100);
		nasty(b, sizeof(b), 100);
		cell(fc, id, 0);
		cell(fc, a, 0);
		cell(fc, b, 0);
		snprintf(h, sizeof(h), "%s.%ld@Nasty.example", i % 2 ? "Contact" : "contact", i);
		cell(fc, h, 0);
		cell(fc, PICK(countries), 0);
		cell(fc, PICK(tf), 0);
		cell(fc, PICK(tf), 0);
		cell(fc, PICK(tf), 1);

		nasty(a, sizeof(a), 500);
		snprintf(h, sizeof(h), "INV/%06ld", i);
		cell(fi, h, 0);
		cell(fi, id, 0);
		cell(fi, i % 3 ? "standard" : "summary", 0);
		snprintf(h, sizeof(h), "2026-%02ld-%02ld", 1 + i % 12, 1 + i % 28);
		cell(fi, h, 0);
		snprintf(h, sizeof(h), "2026-%02ld-28", 1 + i % 12);
		cell(fi, h, 0);
		cell(fi, PICK(currencies), 0);
		snprintf(h, sizeof(h), "%llu", (unsigned long long)(next() % 100000000));
		cell(fi, h, 0);
		cell(fi, PICK(istatus), 0);
		cell(fi, i % 7 ? a : "", 1);
	}
	if (fclose(fa) || fclose(fl) || fclose(fc) || fclose(fi)) {
		perror("gen_nasty");
		return 74;
	}
	return 0;
}
