/* sr_parse_rate TRACE [FORMAT [seq]]: read a whole trace through the reader
 * table and print records, seconds and records/s (wall and per CPU second).
 * Nothing else runs, so this is the readers' own cost. "seq" turns the
 * parallel line reader off (one core), to compare both in one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/units.h"
#include "base/source.h"
#include "trace/plines.h"

int main(int argc, char **argv)
{
	static struct sr_rec recs[4096];
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct rusage ru;
	uint64_t n = 0, bytes = 0, t0;
	double wall, cpu;
	int got, i;

	if (argc < 2) {
		fprintf(stderr, "usage: sr_parse_rate TRACE [FORMAT [seq]]\n");
		return 2;
	}
	if (argc > 3 && !strcmp(argv[3], "seq"))
		sr_plines_tune(0, UINT64_MAX, 0);
	t0 = sr_now_ns();
	if (sr_trace_open(argv[1], argc > 2 ? argv[2] : "auto", &s, &e)) {
		fprintf(stderr, "sr_parse_rate: %s\n", e.msg);
		return 2;
	}
	while ((got = sr_source_next(s, recs, 4096, &e)) > 0) {
		n += (uint64_t)got;
		for (i = 0; i < got; i++)
			bytes += recs[i].len;
	}
	s->close(s);
	if (got < 0) {
		fprintf(stderr, "sr_parse_rate: %s\n", e.msg);
		return 2;
	}
	wall = (double)(sr_now_ns() - t0) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      ru.ru_stime.tv_usec / 1e6;
	printf("%s%s: %llu records (%llu bytes asked) in %.3f s wall, %.3f s cpu: %.2f M records/s wall, %.2f M/s per cpu second, max RSS %ld KiB\n",
	       argv[1], argc > 3 && !strcmp(argv[3], "seq") ? " (sequential)" : "", (unsigned long long)n, (unsigned long long)bytes, wall, cpu,
	       wall > 0 ? n / wall / 1e6 : 0, cpu > 0 ? n / cpu / 1e6 : 0, ru.ru_maxrss);
	return 0;
}
