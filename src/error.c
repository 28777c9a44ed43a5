/*
 * error.c - the error value (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *err, enum error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err->kind != ERROR_NONE)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int error_stopped(struct error *err, int sig)
{
	if (err->kind != ERROR_NONE)
		return -1;
	err->signal = sig;
	return error_set(err, ERROR_STOPPED, "stopped by signal %d; nothing written", sig);
}

bool error_is_set(const struct error *err)
{
	return err->kind != ERROR_NONE;
}

void error_clear(struct error *err)
{
	memset(err, 0, sizeof(*err));
}
