/* sr_memcg_cycle FILE CYCLES [--populate] [--stat MEMORY_STAT] [--pause MS]: read FILE
 * through a shared mapping, one byte of every 4 KiB page in file order,
 * CYCLES times (a dense model's weights read once per token), after
 * posix_fadvise(POSIX_FADV_SEQUENTIAL) as llama.cpp does. --populate maps
 * with MAP_POPULATE (llama.cpp's load). --stat reads the given memory.stat
 * after every cycle: reading it flushes the memory cgroup's statistics,
 * which reclaim otherwise sees as of the kernel's periodic flush only.
 * --pause sleeps MS milliseconds after each cycle (a token's compute).
 * Prints per cycle: "cycle K BYTES_READ SECONDS [active_file inactive_file]"
 * (block reads from /proc/self/io). Run it inside a memory cgroup
 * (bench/memcg_cycle.sh). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "real/cgroup.h"

/* active_file and inactive_file of a memory.stat, appended to stdout */
static int print_lists(const char *path)
{
	char b[256];
	long long act = -1, inact = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(b, sizeof(b), f)) {
		if (!strncmp(b, "active_file ", 12))
			act = atoll(b + 12);
		else if (!strncmp(b, "inactive_file ", 14))
			inact = atoll(b + 14);
	}
	fclose(f);
	printf(" %lld %lld", act, inact);
	return 0;
}

static int parse_ms(const char *s, int *ms)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 60000)
		return 0;
	*ms = (int)v;
	return 1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *stat_path = NULL;
	int populate = 0, pause_ms = 0, cycles, fd, i, k;
	volatile const unsigned char *m;
	unsigned sum = 0;
	struct stat st;

	if (argc < 3 || (cycles = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: sr_memcg_cycle FILE CYCLES [--populate] [--stat MEMORY_STAT] [--pause MS]\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--populate"))
			populate = 1;
		else if (!strcmp(argv[i], "--stat") && i + 1 < argc)
			stat_path = argv[++i];
		else if (!strcmp(argv[i], "--pause") && i + 1 < argc && parse_ms(argv[i + 1], &pause_ms))
			i++;
		else {
			fprintf(stderr, "sr_memcg_cycle: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size < 4096) {
		fprintf(stderr, "sr_memcg_cycle: %s: cannot open, or smaller than a page\n", argv[1]);
		return 2;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
	if (m == MAP_FAILED) {
		perror("sr_memcg_cycle: mmap");
		return 1;
	}
	for (k = 0; k < cycles; k++) {
		uint64_t r0 = sr_proc_read_bytes("/proc/self/io");
		double t0 = now_s();
		off_t o;

		for (o = 0; o < st.st_size; o += 4096)
			sum += m[o];
		printf("cycle %d %llu %.4f", k, (unsigned long long)(sr_proc_read_bytes("/proc/self/io") - r0),
		       now_s() - t0);
		if (stat_path && print_lists(stat_path)) {
			fprintf(stderr, "sr_memcg_cycle: cannot read %s\n", stat_path);
			return 1;
		}
		printf("\n");
		fflush(stdout);
		if (pause_ms)
			usleep((useconds_t)pause_ms * 1000);
	}
	return sum == 0xdeadbeef; /* keeps the reads */
}
