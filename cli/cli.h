/* Shared by the subcommands in cli/: exit codes, signal flag, helpers that
 * print. Only cli/ prints and chooses exit status. */
#ifndef SR_CLI_H
#define SR_CLI_H

#include <signal.h>
#include <stdint.h>

#include "replay/err.h"

enum {
	SR_EXIT_OK = 0,
	SR_EXIT_FAIL = 1,    /* the run failed (I/O error, verify mismatch) */
	SR_EXIT_USAGE = 2,   /* bad input: flag, trace, profile, device */
	SR_EXIT_SIGNAL = 130 /* stopped by SIGINT/SIGTERM, partial report printed */
};

extern volatile sig_atomic_t sr_cli_stop;
void sr_cli_install_signals(void);

/* Print "ssdreplay: MSG" and return the exit status the error calls for. */
int sr_cli_fail(const struct sr_err *e);

/* Parse helpers that fill e with "CMD: --OPT: expected ..., found '...'". */
int sr_cli_size(const char *cmd, const char *opt, const char *arg, uint64_t *out, struct sr_err *e);
int sr_cli_uint(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out, struct sr_err *e);

/* The trace filter flags every trace-reading command takes, in this order:
 * --event, --dev, --pid, --comm, --rw, --time (which = 0..5). */
struct sr_trace_opts;
int sr_cli_trace_opt(const char *cmd, int which, const char *arg, struct sr_trace_opts *o,
		     struct sr_err *e);
int sr_cli_trace_filtering(const struct sr_trace_opts *o);

int cmd_replay(int argc, char **argv);
int cmd_prep(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_convert(int argc, char **argv);

#endif
