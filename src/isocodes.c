/*
 * isocodes.c - look-ups in the generated iso-codes tables (build/isocodes_data.c)
 * and the ISO 4217 minor-unit exceptions.
 */
#include "isocodes.h"

#include <stdlib.h>
#include <string.h>

/* Defined in the generated build/isocodes_data.c, sorted, NULL-free. */
extern const char *const iso_countries[];
extern const size_t iso_countries_count;
extern const char *const iso_currencies[];
extern const size_t iso_currencies_count;

/*
 * Currencies whose ISO 4217 minor unit is not 2 (ISO 4217 list one, "Minor
 * unit" column). Every other code has 2. Codes with "N.A." there (precious
 * metals, units of account, XTS, XXX) are left out of the list by
 * tools/gen_isocodes.c.
 */
static const struct {
	const char code[4];
	int digits;
} minor_units[] = {
	{"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
	{"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
	{"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
	{"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
};

static int compare_code(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool find_code(const char *const *list, size_t n, const char *s, size_t len, size_t want)
{
	char buf[4];

	if (len != want)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return bsearch(buf, list, n, sizeof(*list), compare_code) != NULL;
}

bool iso_country_valid(const char *s, size_t len)
{
	return find_code(iso_countries, iso_countries_count, s, len, 2);
}

bool iso_currency_valid(const char *s, size_t len)
{
	return find_code(iso_currencies, iso_currencies_count, s, len, 3);
}

int iso_currency_digits(const char *code)
{
	for (size_t i = 0; i < sizeof(minor_units) / sizeof(minor_units[0]); i++)
		if (strcmp(minor_units[i].code, code) == 0)
			return minor_units[i].digits;
	return 2;
}

size_t iso_country_count(void)
{
	return iso_countries_count;
}

const char *iso_country_at(size_t i)
{
	return i < iso_countries_count ? iso_countries[i] : NULL;
}

size_t iso_currency_count(void)
{
	return iso_currencies_count;
}

const char *iso_currency_at(size_t i)
{
	return i < iso_currencies_count ? iso_currencies[i] : NULL;
}
