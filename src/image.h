/*
 * image.h - a journal row image as a jansson object, whichever way it was
 * written (see journal.h): an object keyed by column name (batches before
 * schema 7, and rows read from a table) or an array of the row's values in
 * table column order, named by the columns the store hands over with it
 * (struct change_info).
 */
#ifndef ACCTBATCH_IMAGE_H
#define ACCTBATCH_IMAGE_H

#include <jansson.h>

/*
 * image_parse: TEXT (JSON, or NULL) as an object; an array takes its names
 * from COLUMNS (N of them; an array of another length is refused). NULL
 * when TEXT is NULL, not JSON, or neither an object nor such an array.
 * The caller owns the result.
 */
json_t *image_parse(const char *text, const char *const *columns, int n);

#endif
