/* The stage meter (cli/stages.h): a thread that redraws one line. */
#include "cli/stages.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/units.h"
#include "cli/cli.h"

#define LINE_W 48 /* the stage name's column: a shorter name overwrites a longer one */

/* Where the run is, of 1, under the lock: the stages done, and the running
 * one by its time against what its weight gave at the pace so far. */
static double frac_now(const struct sr_cli_stages *s, uint64_t now)
{
	double pace = 1, in, f;

	if (s->total <= 0)
		return 0;
	if (s->done > 0 && s->cur_t0 > s->t0)
		pace = (double)(s->cur_t0 - s->t0) / 1e9 / s->done; /* seconds per unit of weight */
	in = s->cur > 0 && pace > 0 ? (double)(now - s->cur_t0) / 1e9 / (s->cur * pace) : 0;
	if (in > 0.95) /* a stage over its time: wait at 95% of it, not past it */
		in = 0.95;
	f = (s->done + in * s->cur) / s->total;
	return f > 0.999 ? 0.999 : f; /* 100% is the end's */
}

static void draw(struct sr_cli_stages *s, double frac, uint64_t el, const char *name)
{
	fprintf(stderr, "\r[%5.1fs] %5.1f%%  eta %5.0fs  %-*.*s", (double)el / 1e9, 100 * frac,
		frac > 0 ? (double)el / 1e9 * (1 - frac) / frac : 0, LINE_W, LINE_W, name);
	s->shown = 1;
}

static void *ticker(void *arg)
{
	struct sr_cli_stages *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		if (s->stop)
			break;
		now = sr_now_ns();
		if (s->forced || now - s->t0 >= 2000000000ull) /* as sr_cli_meter: a terminal waits 2 s */
			draw(s, frac_now(s, now), now - s->t0, s->name);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

void sr_cli_stages_start(struct sr_cli_stages *s, int on, double total)
{
	pthread_condattr_t ca;
	sigset_t all, old;

	memset(s, 0, sizeof(*s));
	s->t0 = s->cur_t0 = sr_now_ns();
	s->total = total;
	if (!on)
		return;
	s->forced = on == SR_CLI_METER_FORCED;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals stay with the command's thread: its waits must see EINTR on a stop */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->running = !pthread_create(&s->th, NULL, ticker, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->on = s->running;
	if (!s->running) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
	}
}

void sr_cli_stages_next(struct sr_cli_stages *s, const char *name, double weight)
{
	if (!s->on)
		return;
	pthread_mutex_lock(&s->mu);
	s->done += s->cur;
	s->cur = weight > 0 ? weight : 0;
	s->cur_t0 = sr_now_ns();
	snprintf(s->name, sizeof(s->name), "%s", name);
	pthread_mutex_unlock(&s->mu);
}

void sr_cli_stages_total(struct sr_cli_stages *s, double total)
{
	if (!s->on)
		return;
	pthread_mutex_lock(&s->mu);
	s->total = total;
	pthread_mutex_unlock(&s->mu);
}

void sr_cli_stages_printf(struct sr_cli_stages *s, const char *fmt, ...)
{
	va_list ap;

	if (s->on)
		pthread_mutex_lock(&s->mu);
	if (s->shown) /* clear the progress line; the ticker draws it again below */
		fprintf(stderr, "\r%*s\r", LINE_W + 32, "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (s->on)
		pthread_mutex_unlock(&s->mu);
}

void sr_cli_stages_end(struct sr_cli_stages *s)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	s->running = 0;
	if (s->shown || s->forced) {
		uint64_t now = sr_now_ns();

		if (sr_stop_requested) /* a stop: where it stopped, not 100% */
			draw(s, frac_now(s, now), now - s->t0, "stopped");
		else
			draw(s, 1, now - s->t0, "done"); /* the run is over: 100%, eta 0 */
		fputc('\n', stderr);
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->on = s->shown = 0;
}
