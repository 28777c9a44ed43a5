/*
 * isocodes.h - ISO 3166-1 country and ISO 4217 currency codes.
 *
 * The code lists are generated at build time from Debian's iso-codes JSON
 * data (tools/gen_isocodes.c), never typed by hand. ISO 4217 minor units are
 * not part of iso-codes; the few currencies whose minor unit is not 2 are
 * listed in isocodes.c with the standard as the source (docs/fields.md).
 */
#ifndef ACCTBATCH_ISOCODES_H
#define ACCTBATCH_ISOCODES_H

#include <stdbool.h>
#include <stddef.h>

/* iso_country_valid: true when S (LEN bytes) is an assigned alpha-2 code (upper case). */
bool iso_country_valid(const char *s, size_t len);

/* iso_currency_valid: true when S (LEN bytes) is an ISO 4217 alpha-3 code (upper case). */
bool iso_currency_valid(const char *s, size_t len);

/* iso_currency_digits: minor unit digits of currency CODE (0, 2, 3 or 4); 2 if unknown. */
int iso_currency_digits(const char *code);

/* iso_country_count / iso_country_at: the sorted list, for the XSD. */
size_t iso_country_count(void);
const char *iso_country_at(size_t i);

/* iso_currency_count / iso_currency_at: the sorted list, for the XSD. */
size_t iso_currency_count(void);
const char *iso_currency_at(size_t i);

#endif
