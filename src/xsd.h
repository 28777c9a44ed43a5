/*
 * xsd.h - the XML Schema of each entity, generated from the field tables in
 * entity.c, so the XSD and the C checks share one source of truth. The
 * checked-in schemas/ENTITY.xsd files are this text (a test keeps them so).
 */
#ifndef ACCTBATCH_XSD_H
#define ACCTBATCH_XSD_H

#include <stdio.h>

#include "entity.h"

/* xsd_write: write entity E's XSD to OUT. Returns 0 or -1 on write error. */
int xsd_write(const struct entity *e, FILE *out);

/* xsd_text: the XSD as a malloc'd NUL-terminated string (*LEN bytes), or NULL. */
char *xsd_text(const struct entity *e, size_t *len);

#endif
