/* Fuzz the blktrace reader. The first byte picks the set-up:
 *
 *	bits 0-1  number of per-CPU files, 1 to 4
 *	bit 2     batches of 1 record (else 64)
 *	bits 3-4  event: D, Q, C, D
 *	bit 5     --comm fio
 *	bit 6     --pid 1 and --dev 8:0
 *	bit 7     open the directory (else the DEV name, or with one file the file, as auto)
 *
 * then every file but the last is a little-endian u16 length and that many
 * bytes; the last file gets the rest. The files are read to the end twice
 * around a rewind; both passes must agree, and so must a third read with
 * the Q/D/C pairing on (trace/blklat.h).
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; linked with
 * standalone.c it runs a corpus (how CTest runs it without clang). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/source.h"

#define MAX_FILES 4

#include "fuzz_common.h"

/* A private directory for the per-CPU files, made once per process. */
static const char *work_dir(void)
{
	static char dir[256];
	const char *tmp;

	if (!dir[0]) {
		tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/fuzz_blktrace.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

static void cleanup(void)
{
	char path[300];
	int i;

	for (i = 0; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/sdf.blktrace.%d", work_dir(), i);
		unlink(path);
	}
	rmdir(work_dir());
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char events[] = "DQCD";
	static int registered;
	struct sr_trace_opts o = { 0 };
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct sr_rec buf[64];
	const char *dir = work_dir();
	char path[300], open_path[300];
	size_t nfiles, max, i, len;
	uint64_t h1, h2;
	uint8_t flags;

	if (!registered) {
		atexit(cleanup);
		registered = 1;
	}
	if (!size)
		return 0;
	flags = data[0];
	data++;
	size--;
	nfiles = (flags & 3u) + 1;
	for (i = 0; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/sdf.blktrace.%zu", dir, i);
		if (i >= nfiles) {
			unlink(path);
			continue;
		}
		len = size;
		if (i + 1 < nfiles) {
			len = size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0;
			data += size >= 2 ? 2 : size;
			size -= size >= 2 ? 2 : size;
			if (len > size)
				len = size;
		}
		write_file(path, data, len);
		data += len;
		size -= len;
	}
	max = flags & 4u ? 1 : 64;
	o.event = events[(flags >> 3) & 3u];
	if (flags & 0x20u)
		o.comm = "fio";
	if (flags & 0x40u) {
		o.have_pid = 1;
		o.pid = 1;
		o.have_dev = 1;
		o.dev_major = 8;
		o.dev_minor = 0;
	}
	if (flags & 0x80u)
		snprintf(open_path, sizeof(open_path), "%s", dir);
	else if (nfiles == 1)
		snprintf(open_path, sizeof(open_path), "%s/sdf.blktrace.0", dir);
	else
		snprintf(open_path, sizeof(open_path), "%s/sdf", dir);
	if (sr_trace_open_opts(open_path, flags & 0x80u ? "auto" : "blktrace", &o, &s, &e) == 0) {
		if (e.code)
			abort();
		h1 = fuzz_read_pass(s, max, buf, FUZZ_TIMED_TARGET0);
		if (s->rewind(s, &e) == 0) {
			h2 = fuzz_read_pass(s, max == 1 ? 64 : 1, buf, FUZZ_TIMED_TARGET0);
			if (h1 != h2)
				abort();
		}
		s->close(s);
		fuzz_pair_pass(open_path, flags & 0x80u ? "auto" : "blktrace", o, max, buf, FUZZ_TIMED_TARGET0, h1);
	} else if (!e.code || !e.msg[0]) {
		abort();
	}
	return 0;
}
