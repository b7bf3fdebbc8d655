/* Error context carried out of library code: a negative errno plus a one-line
 * message naming the file, line or offset and what was expected. Library
 * code never prints; cli/ prints e->msg and picks the exit status. */
#ifndef SR_ERR_H
#define SR_ERR_H

#include <signal.h>
#include <stdarg.h>

/* Set (to the signal's number) by the CLI's SIGINT/SIGTERM/SIGHUP handlers.
 * Library loops that wait on input retry an interrupted read only while it
 * is 0, so a stop is not held up by a pipe or FIFO that stays silent. */
extern volatile sig_atomic_t sr_stop_requested;

struct sr_err {
	int code;       /* negative errno, 0 when clear */
	int bad_input;  /* 1: the user's input was wrong (exit 2), 0: a runtime failure */
	char msg[512];
};

/* Fill e (when non-NULL) and return code so callers can `return sr_errf(...)`.
 * The first error wins: a later call does not overwrite an earlier message. */
int sr_errf(struct sr_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, marking the error as bad user input. */
int sr_inputf(struct sr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sr_err_clear(struct sr_err *e);

#endif
