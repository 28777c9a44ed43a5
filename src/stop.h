/*
 * stop.h - the signals that end a run cleanly: SIGINT, SIGTERM and SIGHUP.
 *
 * While a command holds them (it has something to roll back or remove),
 * a signal only records itself; every layer that can run for long checks
 * stop_signal() where it can stop cleanly (each block of input read, each
 * password hashed, each SQLite statement through a progress handler, each
 * row written), so that any command stops within a fraction of a second.
 * Outside a hold the signal has its default effect. Never prints.
 */
#ifndef ACCTBATCH_STOP_H
#define ACCTBATCH_STOP_H

#include <stdbool.h>

/* stop_catch: install the handlers (once, from main). */
void stop_catch(void);

/* stop_hold: while HOLD, a stop signal only sets the flag; otherwise it acts as usual. */
void stop_hold(bool hold);

/* stop_signal: the signal that asked the run to stop, 0 if none. Async-signal-safe to read. */
int stop_signal(void);

#endif
