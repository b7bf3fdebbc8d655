/* The progress line of a command made of stages whose sizes are known in
 * advance (cheops's measurements, the study's runs): the command says which
 * stage runs and its weight (expected seconds); a thread redraws the line
 * every second once the run is past 2 s, as sr_cli_meter does (cli/cli.h),
 * with the overall % and ETA and the stage's name. Within a stage the line
 * moves by the time the stage has taken against the time its weight gave,
 * at the pace of the stages done, so a long stage does not freeze it. Only
 * cli/ prints: this is where the stage meter lives. */
#ifndef SR_CLI_STAGES_H
#define SR_CLI_STAGES_H

#include <pthread.h>
#include <stdint.h>

struct sr_cli_stages {
	int on, shown, running, stop, forced;
	uint64_t t0, cur_t0;
	double total, done, cur; /* weights: the plan's, the stages done, the running stage's */
	char name[72];
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Start the meter over a plan of total weight (on: SR_CLI_METER_TTY, a
 * terminal, or SR_CLI_METER_FORCED, --progress: from the start, and a line at
 * the end even for a run under a second;
 * when off, or when no thread can be made, nothing is ever shown). */
void sr_cli_stages_start(struct sr_cli_stages *s, int on, double total);
/* The stage now running and its weight; the one before counts as done. */
void sr_cli_stages_next(struct sr_cli_stages *s, const char *name, double weight);
/* Change the plan's total (a part that will not run after all). */
void sr_cli_stages_total(struct sr_cli_stages *s, double total);
/* A line of its own on stderr, above the progress line. */
void sr_cli_stages_printf(struct sr_cli_stages *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop the thread; a line that was shown ends at 100% with a newline. */
void sr_cli_stages_end(struct sr_cli_stages *s);

#endif
