/* Timed waits on the monotonic clock: condition variables made with
 * sr_cond_init_mono wait until an sr_deadline_in deadline, so a wall-clock
 * step (NTP, a VM resuming) neither stretches nor cuts a wait. */
#ifndef SR_COND_H
#define SR_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

void sr_cond_init_mono(pthread_cond_t *cv);
/* now + ns on CLOCK_MONOTONIC, for pthread_cond_timedwait on such a cv */
void sr_deadline_in(struct timespec *ts, uint64_t ns);

#endif
