/* Fuzz the trace readers: the input (less its first byte) becomes a file
 * that is opened as one of the eight formats or auto (chosen by the first
 * byte) and read to the end in batches, twice around a rewind; both passes
 * must agree.
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

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "auto",	 "csv",	    "fio-iolog", "blktrace",
					    "blkparse", "ftrace", "filemap", "faults", "cheops-csv" };
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct sr_rec buf[64];
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
	if (sr_trace_open(path, fmts[(data[0] & 0x7f) % 8], &s, &e) == 0) {
		if (e.code)
			abort();
		h1 = fuzz_read_pass(s, max, buf, 0);
		if (s->rewind(s, &e) == 0) {
			h2 = fuzz_read_pass(s, max == 1 ? 64 : 1, buf, 0);
			if (h1 != h2)
				abort();
		}
		s->close(s);
	} else if (!e.code || !e.msg[0]) {
		abort();
	}
	close(fd);
	return 0;
}
