/*
 * stop.c - stop signals (see stop.h). The only process-wide state is the
 * flag a handler may set: a handler can reach nothing else.
 */
#include "stop.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stopped_by; /* the signal, 0 if none */
static volatile sig_atomic_t holding;	 /* a command has something to clean up */

static void on_stop_signal(int signo)
{
	if (!holding) { /* nothing to roll back: the default action */
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	stopped_by = signo;
}

void stop_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void stop_hold(bool hold)
{
	holding = hold;
}

int stop_signal(void)
{
	return stopped_by;
}
