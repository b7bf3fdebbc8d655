/* sr_stall_probe SECONDS [PERIOD_US [THRESHOLD_US]]: how long this CPU was
 * away. Sleeps PERIOD_US (default 1000) at a time for SECONDS and prints
 * each wake-up later than THRESHOLD_US (default 1000) past its due time as
 * "stall DUE_NS WOKE_NS" (CLOCK_MONOTONIC, the clock tracefs's "mono" uses),
 * then a summary line. Run pinned (taskset) at a real-time priority above
 * the work measured (chrt): a late wake-up then means the CPU ran nothing of
 * this machine's own (the hypervisor had it) or sat in interrupt context.
 * bench/timing.sh runs one per CPU beside each replay. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	long long period = (argc > 2 ? atoll(argv[2]) : 1000) * 1000, thr = (argc > 3 ? atoll(argv[3]) : 1000) * 1000;
	long long end, due, woke, n = 0, nstall = 0, worst = 0, away = 0;

	if (secs <= 0 || period <= 0 || thr <= 0) {
		fprintf(stderr, "usage: sr_stall_probe SECONDS [PERIOD_US [THRESHOLD_US]]\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	end = now_ns() + (long long)(secs * 1e9);
	due = now_ns();
	while (!stop && due < end) {
		struct timespec ts;

		due += period;
		ts.tv_sec = due / 1000000000ll;
		ts.tv_nsec = due % 1000000000ll;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		woke = now_ns();
		n++;
		if (woke - due > thr) {
			printf("stall %lld %lld\n", due, woke);
			nstall++;
			away += woke - due;
		}
		if (woke - due > worst)
			worst = woke - due;
		if (woke > due + period)
			due = woke; /* no burst of catch-up wake-ups */
	}
	printf("probe: %lld wake-ups, %lld over %lld us, worst %.3f ms, %.3f ms away in all\n", n, nstall, thr / 1000,
	       (double)worst / 1e6, (double)away / 1e6);
	return 0;
}
