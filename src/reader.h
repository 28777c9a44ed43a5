/*
 * reader.h - what the CSV and XML readers hand to their caller.
 *
 * A reader turns a source into records of one entity and calls back for
 * each; locations travel inside the record. Readers report problems of the
 * file itself (syntax, encoding, unknown columns, schema) into a diagnostics
 * list and never decide whether a record is applied.
 */
#ifndef ACCTBATCH_READER_H
#define ACCTBATCH_READER_H

#include "diag.h"
#include "entity.h"
#include "source.h"

/*
 * The caller's side of a read. on_header may be NULL. Each callback returns
 * 0 to go on or -1 to stop reading at once.
 */
struct reader_ops {
	/* once, before the first record: present->value[i] != NULL for each
	 * field the file's header names (CSV only; XML says per record) */
	int (*on_header)(void *ctx, const struct record *present);
	/* once per record; rec->value[] stay valid until the callback returns.
	 * BAD is the number of problems the reader found in this record
	 * (already in the diagnostics list): the record must be rejected. */
	int (*on_record)(void *ctx, struct record *rec, int bad);
	void *ctx; /* passed to every callback */
	/* optional, before on_record: runs on the thread that reads, which may
	 * not be the caller's (prefetch.h), so it may touch only what the caller
	 * leaves alone while the read lasts; it may set rec->key_state/key_prev.
	 * Readers do not call it themselves; prefetch_read does. */
	void (*prepare)(void *ctx, struct record *rec, int bad);
	/* XML: leave the cell checks of entity.c to the caller, who runs them
	 * with xml_finish_record before on_record's work (prefetch does, on
	 * its own thread); BAD then counts only the record's schema findings */
	bool checks_later;
};

/* Results of a read. */
enum read_status {
	READ_OK = 0,	    /* the whole file was read */
	READ_BROKEN = 1,    /* the file cannot be read on (syntax), reported in diags */
	READ_IO_ERROR = 2,  /* the source failed; errno-style code in source->error */
	READ_STOPPED = 3,   /* a callback asked to stop */
	READ_NO_MEMORY = 4, /* out of memory */
};

#endif
