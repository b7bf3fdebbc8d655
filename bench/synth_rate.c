/* Drain a synthetic schedule without writing it: generation alone.
 *   sr_synth_rate MODEL TOKENS [ROUTING] [page]
 * prints records, CPU and wall seconds, and records per CPU second. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "synth/profile.h"
#include "synth/schedule.h"

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct sr_rec buf[4096];
	struct sr_synth_opts o;
	struct sr_model m = { 0 };
	struct sr_source *src;
	struct sr_err e = { 0 };
	uint64_t n = 0, bytes = 0;
	double c0, w0, cpu, wall;
	int got, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s MODEL TOKENS [ROUTING] [page]\n", argv[0]);
		return 2;
	}
	sr_synth_opts_default(&o);
	o.tokens = strtoull(argv[2], NULL, 10);
	if ((argc > 3 && sr_routing_parse(argv[3], &o.routing, &e)) || sr_model_load(argv[1], &m, &e)) {
		fprintf(stderr, "sr_synth_rate: %s\n", e.msg);
		return 2;
	}
	if (argc > 4)
		o.access = SR_ACCESS_PAGE;
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	if (sr_synth_open(&m, &o, &src, &e)) {
		fprintf(stderr, "sr_synth_rate: %s\n", e.msg);
		return 2;
	}
	while ((got = sr_source_next(src, buf, 4096, &e)) > 0)
		for (i = 0, n += (uint64_t)got; i < got; i++)
			bytes += buf[i].len;
	src->close(src);
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	wall = now(CLOCK_MONOTONIC) - w0;
	printf("%s %s tokens: %" PRIu64 " records (%.1f GiB) in %.3f s CPU, %.3f s wall: %.1f M records/s per CPU second\n",
	       argv[1], argv[2], n, (double)bytes / (1u << 30), cpu, wall, (double)n / cpu / 1e6);
	sr_model_free(&m);
	return got < 0;
}
