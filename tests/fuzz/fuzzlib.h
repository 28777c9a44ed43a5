/*
 * fuzzlib.h - what the libFuzzer targets of tests/fuzz share: a contract
 * check that stops the run, a source over the fuzzer's bytes, and the
 * checks every diagnostic must pass.
 *
 * Only the fuzz targets use this; it calls the project's code and never
 * changes it. A broken contract prints what broke and aborts, so that
 * libFuzzer saves the input as a crash artifact.
 */
#ifndef ACCTBATCH_FUZZLIB_H
#define ACCTBATCH_FUZZLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "source.h"

/* FUZZ_CHECK: abort with the condition's text when COND is false: a contract is broken. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(#cond, __FILE__, __LINE__);                                      \
	} while (0)

/* fuzz_fail: print "contract broken: WHAT at FILE:LINE" to standard error and abort. */
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));

/*
 * fuzz_source_open: SRC reads the LEN bytes at DATA (which must outlive
 * it), at most STEP bytes per read (0: all that is asked for), named
 * NAME. Aborts when memory runs out: a fuzz input is small.
 */
void fuzz_source_open(struct source *src, const char *name, const uint8_t *data, size_t len,
		      size_t step);

/* fuzz_count: how many bytes of DATA (LEN bytes) are C. */
size_t fuzz_count(const uint8_t *data, size_t len, char c);

/*
 * fuzz_check_diags: the contract of every diagnostic in LIST from index
 * FROM on: a code of DIAG_CODE_COUNT's range, the file FILE, a message
 * that is not empty, a line in [MIN_LINE, MAX_LINE], column and record
 * not negative, and a field (when set) that is a field name of any
 * entity.
 */
void fuzz_check_diags(const struct diag_list *list, size_t from, const char *file, long min_line,
		      long max_line);

/* fuzz_hash: the FNV-1a hash H carried over the N bytes at P (start with FUZZ_HASH_INIT). */
#define FUZZ_HASH_INIT 14695981039346656037ULL
uint64_t fuzz_hash(uint64_t h, const void *p, size_t n);

/*
 * fuzz_hash_diags: H carried over the code, line, record, field and
 * message of LIST[FROM..]; their columns only when COLUMNS, the messages
 * of xml_syntax (libxml2's words, which depend on how its input came in
 * blocks) only when SYNTAX_TEXT.
 */
uint64_t fuzz_hash_diags(uint64_t h, const struct diag_list *list, size_t from, bool columns,
			 bool syntax_text);

/*
 * fuzz_dump_diags: when FUZZ_VERBOSE is set in the environment, print
 * LIST[FROM..] to standard error after the line "TITLE:", for reading a
 * crash artifact by hand.
 */
void fuzz_dump_diags(const char *title, const struct diag_list *list, size_t from);

#endif
