/*
 * relay.h - a write stream whose bytes another thread passes on: what is
 * written goes into 256 KB blocks, and a second thread hands each full
 * block to a sink (hashing it, writing it to a file or compressing it into
 * an archive) while the writer goes on. A mailing list's rows are made on
 * one core while the other hashes and compresses them (DESIGN section 8).
 *
 * Memory is fixed: at most RELAY_BLOCKS blocks are in flight; a writer
 * that gets ahead waits.
 */
#ifndef ACCTBATCH_RELAY_H
#define ACCTBATCH_RELAY_H

#include <stddef.h>
#include <stdio.h>

struct relay;

/*
 * relay_open: a stream whose bytes reach SINK(CTX, BUF, N) in order on a
 * thread of its own (SINK returns 0, or -1 on failure with errno set).
 * Returns NULL when out of memory or no thread can be started.
 */
FILE *relay_open(struct relay **r, int (*sink)(void *ctx, const void *buf, size_t n), void *ctx);

/*
 * relay_close: close the stream F from relay_open, wait until the sink has
 * had every byte and free R. Returns 0, or -1 when writing or the sink
 * failed (errno set). Once the sink has failed, later writes fail too.
 */
int relay_close(struct relay *r, FILE *f);

#endif
