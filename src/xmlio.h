/*
 * xmlio.h - XML in (streaming, validated against the entity's XSD) with
 * libxml2, hardened: no network, no DTD loading, no entities, no external
 * references; a document with a DOCTYPE is refused.
 *
 * Records are read with libxml2's SAX parser, no tree is built; each
 * record's events also go to the XSD validator, which takes the record as a
 * document of its own. Each record element's children give the field
 * values; a field element left out is a field not given. XSD violations
 * are reported with line and column; the field values of a record are
 * still handed on so that the one set of C field rules decides the verdict
 * and the code (DESIGN section 2).
 */
#ifndef ACCTBATCH_XMLIO_H
#define ACCTBATCH_XMLIO_H

#include <stdio.h>

#include "reader.h"

/*
 * xml_init: libxml2's set-up, for the whole process and every later user of
 * libxml2 in it, not only this file: libxml2's allocator becomes
 * secret.h's, which can wipe a block when it is freed (a document's text
 * may hold passwords: while a logins file is read, what libxml2 frees is
 * wiped), every external entity is refused,
 * and libxml2's generic error output is silenced (findings come back as
 * diagnostics). Call once, before any other libxml2 call (main does).
 */
void xml_init(void);

/* xml_cleanup: release libxml2's global state at exit. */
void xml_cleanup(void);

/*
 * xml_read_records: read SRC as XML records of entity E, validating against
 * the entity's schema (built from entity.c), calling OPS. Returns an enum
 * read_status; file-level problems go to DIAGS.
 */
enum read_status xml_read_records(struct source *src, const struct entity *e,
				  const struct reader_ops *ops, struct diag_list *diags);

/*
 * xml_detect_entity: the entity named by the root element in DATA (LEN
 * bytes, the start of a document), or NULL.
 */
const struct entity *xml_detect_entity(const char *data, size_t len);

/*
 * xml_finish_record: the cell checks of REC (entity_check_cells) merged with
 * its schema findings, which are the last rec->schema_findings items of
 * DIAGS: the C findings, then the schema findings about fields C did not
 * report. Returns the number of problems, or -1 when memory ran out. The
 * reader calls it itself unless reader_ops.checks_later.
 */
int xml_finish_record(const struct record *rec, struct diag_list *diags);

/*
 * Writing records as an XML document of entity E, indented by two spaces,
 * with libxml2's writer (it escapes what XML needs escaped, "\r" as a
 * character reference so that it survives a reader).
 */
struct xml_out;

/* xml_out_begin: the declaration and the root element on OUT; NULL when out of memory. */
struct xml_out *xml_out_begin(FILE *out, const struct entity *e);

/*
 * xml_out_record: one record element with one child element per non-NULL
 * VALUE[i] (by field index, in schema order); a token list (subscriptions)
 * is written as one <subscription> element per token. Returns 0 or -1.
 */
int xml_out_record(struct xml_out *xo, const char *const value[]);

/* xml_out_end: close the root, flush to OUT and free XO. Returns 0, or -1 on a write error. */
int xml_out_end(struct xml_out *xo);

#endif
