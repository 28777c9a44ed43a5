/*
 * gen_bench.c - deterministic benchmark data: N accounts and M contacts
 * spread over them, as CSV and XML, from a fixed seed (xorshift64*), so
 * every run of 'make bench' measures the same bytes.
 *
 * usage: gen_bench ACCOUNTS CONTACTS OUTDIR [INVOICES]
 * writes OUTDIR/accounts.csv, contacts.csv, contacts.xml and, when INVOICES
 * is given, invoices.csv: INVOICES invoices spread over the accounts, about
 * three in four standard, 60% open, 35% paid, 5% void, issued over 2025-2026.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

static const char *const first[] = {"Anna",   "Björn", "Zoë",	 "François", "Małgorzata", "José",
				    "Øyvind", "Şule",  "Nguyễn", "Liam",     "Olivia",	   "Noah"};
static const char *const last[] = {"Lindqvist", "O'Brien", "Müller",   "García",   "Søreide",
				   "Nakamura",	"Smith",   "Kowalska", "D'Angelo", "Dubois"};
static const char *const countries[] = {"DE", "FR", "NO", "SE", "PL", "ES", "US", "JP", "GB", "KW"};

#define PICK(a) a[next() % (sizeof(a) / sizeof(a[0]))]

/* OUTDIR/invoices.csv: N invoices over ACCOUNTS accounts. */
static int write_invoices(const char *outdir, long accounts, long n)
{
	static const char *const currencies[] = {"EUR", "USD", "JPY", "KWD", "GBP", "NOK"};
	static const char *const statuses[] = {
		"open", "open", "open", "open", "open", "open", "open", "open", "open", "open",
		"open", "open", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "void"};
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/invoices.csv", outdir);
	f = fopen(path, "w");
	if (!f) {
		perror("gen_bench");
		return 73;
	}
	fprintf(f, "invoice_number,account_id,kind,issued_on,due_on,currency,total,status\n");
	for (long i = 0; i < n; i++) {
		/* invoice numbers do not follow accounts, as in real billing runs */
		long acct = (long)(next() % (uint64_t)accounts);
		int day = (int)(next() % 720), month = day / 30, dom = day % 28 + 1;
		const char *cur = PICK(currencies);
		fprintf(f, "INV-%08ld,B-%07ld,%s,%04d-%02d-%02d,%04d-%02d-%02d,%s,%llu%s,%s\n", i,
			acct, next() % 4 ? "standard" : "summary", 2025 + month / 12,
			month % 12 + 1, dom, 2025 + month / 12, month % 12 + 1, 28, cur,
			(unsigned long long)(next() % 100000),
			cur[0] == 'J'	? ""
			: cur[0] == 'K' ? ".125"
					: ".50",
			PICK(statuses));
	}
	if (fclose(f)) {
		perror("gen_bench");
		return 74;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long accounts, contacts, invoices;
	char path[4096];
	FILE *a, *c, *x;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: gen_bench ACCOUNTS CONTACTS OUTDIR [INVOICES]\n");
		return 64;
	}
	accounts = atol(argv[1]);
	contacts = atol(argv[2]);
	invoices = argc == 5 ? atol(argv[4]) : 0;
	snprintf(path, sizeof(path), "%s/accounts.csv", argv[3]);
	a = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/contacts.csv", argv[3]);
	c = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/contacts.xml", argv[3]);
	x = fopen(path, "w");
	if (!a || !c || !x || accounts < 1) {
		perror("gen_bench");
		return 73;
	}
	fprintf(a, "account_id,name,email,country,status,subscriptions\n");
	for (long i = 0; i < accounts; i++)
		fprintf(a, "B-%07ld,\"%s, %s & Co\",holder%ld@bench.example,%s,active,newsletter\n",
			i, PICK(last), PICK(last), i, PICK(countries));
	fprintf(c, "account_id,first_name,last_name,email,country,standard_invoices,"
		   "summary_invoices,important_notices\n");
	fprintf(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<contacts>\n");
	for (long i = 0; i < contacts; i++) {
		long acct = i * accounts / contacts;
		const char *fn = PICK(first), *ln = PICK(last), *co = PICK(countries);
		int s = (int)(next() & 7);
		fprintf(c, "B-%07ld,%s,\"%s\",c%ld@bench.example,%s,%s,%s,%s\n", acct, fn, ln, i,
			co, s & 1 ? "true" : "false", s & 2 ? "true" : "false",
			s & 4 ? "true" : "false");
		fprintf(x,
			"  <contact>\n    <account_id>B-%07ld</account_id>\n"
			"    <first_name>%s</first_name>\n    <last_name>%s</last_name>\n"
			"    <email>c%ld@bench.example</email>\n    <country>%s</country>\n"
			"    <standard_invoices>%s</standard_invoices>\n"
			"    <summary_invoices>%s</summary_invoices>\n"
			"    <important_notices>%s</important_notices>\n  </contact>\n",
			acct, fn, ln, i, co, s & 1 ? "true" : "false", s & 2 ? "true" : "false",
			s & 4 ? "true" : "false");
	}
	fprintf(x, "</contacts>\n");
	if (fclose(a) || fclose(c) || fclose(x)) {
		perror("gen_bench");
		return 74;
	}
	return invoices > 0 ? write_invoices(argv[3], accounts, invoices) : 0;
}
