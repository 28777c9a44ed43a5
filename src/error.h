/*
 * error.h - one error value for the whole program: what kind of failure
 * it was and a message for people, in the style of got's got_error.
 *
 * A layer that meets a failure (a library call, a system call, a rule)
 * sets the kind and says what failed; it never chooses an exit status.
 * The command layer alone turns a kind into an exit status, through one
 * table (app_exit_status, app.h). The first error set is the one kept: a
 * later failure while cleaning up does not hide the cause.
 */
#ifndef ACCTBATCH_ERROR_H
#define ACCTBATCH_ERROR_H

#include <stdbool.h>

enum error_kind {
	ERROR_NONE,	   /* no error */
	ERROR_USAGE,	   /* the command line asks for something impossible */
	ERROR_DATA,	   /* an input is wrong (the diagnostics say where) */
	ERROR_NO_INPUT,	   /* something named does not exist */
	ERROR_CANT_CREATE, /* an output cannot be created */
	ERROR_IO,	   /* reading or writing failed, or the database did */
	ERROR_NO_MEMORY,   /* memory ran out */
	ERROR_BUSY,	   /* the database is locked by another run */
	ERROR_STOPPED,	   /* a stop signal came (error.signal) */
	ERROR_KIND_COUNT
};

struct error {
	enum error_kind kind; /* ERROR_NONE: no error */
	int signal;	      /* ERROR_STOPPED: the signal */
	char message[512];    /* for people; "" when the diagnostics say it all */
};

/*
 * error_set: make ERR an error of KIND with a formatted message, unless it
 * already holds one (the first error is kept). Returns -1, for
 * "return error_set(...)".
 */
int error_set(struct error *err, enum error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* error_stopped: ERR is "stopped by signal SIG; nothing written" (unless it holds one). */
int error_stopped(struct error *err, int sig);

/* error_is_set: whether ERR holds an error. */
bool error_is_set(const struct error *err);

/* error_clear: ERR holds no error. */
void error_clear(struct error *err);

#endif
