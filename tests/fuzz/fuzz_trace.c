/* Fuzz the trace readers: the input (less its first byte) becomes a file
 * that is opened as one of the eight formats or auto (chosen by the first
 * byte) and read to the end in batches, twice around a rewind; both passes
 * must agree; the blktrace and blkparse readers (and auto) read it a third
 * time with the Q/D/C pairing on (trace/blklat.h), to the same records. The
 * same file is then read by the parallel line reader
 * (trace/plines.c) cut into tiny blocks: the records and the error message
 * must be those of the sequential reader. The ftrace, filemap and faults
 * readers read it with and without their one-pass path: the same again.
 * Every read checks the reader's position: it grows, stays within the
 * file and is at its end when the read is.
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; linked with
 * standalone.c it runs a corpus (how CTest runs it without clang). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/source.h"
#include "trace/plines.h"
#include "trace/textparse.h"

#include "fuzz_common.h"

/* Hash of a whole read and of its error message. */
static uint64_t read_all(const char *path, const char *fmt, size_t max, struct sr_rec *buf)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	uint64_t h, done, total, last = 0;
	size_t i;
	int n;

	if (sr_trace_open(path, fmt, &s, &e))
		h = (uint64_t)e.code;
	else {
		h = 0xcbf29ce484222325ull;
		while ((n = sr_source_next(s, buf, max, &e)) > 0) {
			for (i = 0; i < (size_t)n; i++)
				h = fuzz_mix(fuzz_mix(fuzz_mix(fuzz_mix(fuzz_mix(h, buf[i].off), buf[i].len),
							       buf[i].t_ns), buf[i].seq),
					     ((uint64_t)buf[i].tag << 8) | buf[i].op);
			/* the position (progress lines) only grows, within the file */
			sr_source_pos(s, &done, &total);
			if (done < last || done > total)
				abort();
			last = done;
		}
		sr_source_pos(s, &done, &total);
		if (!n && done != total) /* read to the end: all of it */
			abort();
		h = fuzz_mix(h, (uint64_t)n);
		s->close(s);
	}
	for (i = 0; e.code && e.msg[i]; i++)
		h = fuzz_mix(h, (unsigned char)e.msg[i]);
	return h;
}

/* Sequential and parallel reads of the CSV and ftrace readers agree. */
static void check_parallel(const char *path, const char *fmt, size_t block, size_t max,
			   struct sr_rec *buf)
{
	uint64_t seq, par;

	sr_plines_tune(0, UINT64_MAX, 0);
	seq = read_all(path, fmt, max, buf);
	sr_plines_tune(block, 0, 1 + (block & 1));
	par = read_all(path, fmt, max, buf);
	sr_plines_tune(0, UINT64_MAX, 0);
	if (seq != par)
		abort();
}

/* The ftrace readers' one-pass reading of the usual line gives what the
 * checked path gives, records and messages. */
static void check_fast(const char *path, const char *fmt, size_t max, struct sr_rec *buf)
{
	uint64_t fast, checked;

	sr_plines_tune(0, UINT64_MAX, 0);
	fast = read_all(path, fmt, max, buf);
	sr_ftrace_fast = 0;
	checked = read_all(path, fmt, max, buf);
	sr_ftrace_fast = 1;
	if (fast != checked)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "auto",	 "csv",	    "fio-iolog", "blktrace",
					    "blkparse", "ftrace", "filemap", "faults", "cheops-csv" };
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct sr_rec buf[64];
	const char *fmt;
	char path[64];
	size_t max;
	uint64_t h1, h2;
	int fd;

	if (!size)
		return 0;
	fd = memfd_create("fuzz_trace", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	max = data[0] & 0x80 ? 1 : 64;
	fmt = fmts[(data[0] & 0x7f) % 8];
	if (sr_trace_open(path, fmt, &s, &e) == 0) {
		if (e.code)
			abort();
		h1 = fuzz_read_pass(s, max, buf, 0);
		if (s->rewind(s, &e) == 0) {
			h2 = fuzz_read_pass(s, max == 1 ? 64 : 1, buf, 0);
			if (h1 != h2)
				abort();
		}
		s->close(s);
		if (!strcmp(fmt, "auto") || !strcmp(fmt, "blktrace") || !strcmp(fmt, "blkparse"))
			fuzz_pair_pass(path, fmt, (struct sr_trace_opts){ 0 }, max, buf, 0, h1);
	} else if (!e.code || !e.msg[0]) {
		abort();
	}
	check_parallel(path, "csv", 1 + size % 61, max, buf);
	check_parallel(path, "ftrace", 2 + size % 127, max, buf);
	check_fast(path, "ftrace", max, buf);
	check_fast(path, "filemap", max, buf);
	check_fast(path, "faults", max, buf);
	close(fd);
	return 0;
}
