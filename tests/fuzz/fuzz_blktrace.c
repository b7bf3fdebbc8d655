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
 * around a rewind; both passes must agree.
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; built with
 * -DSR_FUZZ_STANDALONE it gets a main() that runs every file named on the
 * command line (directories: every file in them), which is how CTest runs
 * the corpus without clang. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/source.h"

#define MAX_FILES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

/* Hash of every record, or of the error; aborts on a broken contract. */
static uint64_t read_pass(struct sr_source *s, size_t max, struct sr_rec *buf)
{
	struct sr_err e = { 0 };
	uint64_t h = 0xcbf29ce484222325ull;
	int n, i;

	while ((n = sr_source_next(s, buf, max, &e)) > 0) {
		if ((size_t)n > max || e.code)
			abort();
		for (i = 0; i < n; i++) {
			const struct sr_rec *r = &buf[i];

			if (r->op >= SR_OP_NR || (r->op != SR_OP_SYNC && !r->len) ||
			    r->off + r->len < r->off || r->t_ns == SR_T_NONE || r->target)
				abort();
			h = mix(h, r->off);
			h = mix(h, r->len);
			h = mix(h, r->t_ns);
			h = mix(h, r->seq);
			h = mix(h, ((uint64_t)r->target << 32) | r->tag);
			h = mix(h, r->op);
		}
	}
	if (n < 0) {
		if (e.code != n || !e.msg[0] || !memchr(e.msg, '\0', sizeof(e.msg)))
			abort();
		h = mix(h, (uint64_t)n);
	}
	return h;
}

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
		h1 = read_pass(s, max, buf);
		if (s->rewind(s, &e) == 0) {
			h2 = read_pass(s, max == 1 ? 64 : 1, buf);
			if (h1 != h2)
				abort();
		}
		s->close(s);
	} else if (!e.code || !e.msg[0]) {
		abort();
	}
	return 0;
}

#ifdef SR_FUZZ_STANDALONE
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t n = 0, cap = 0;
	size_t r;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		r = fread(data + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct dirent *d;
	struct stat st;
	char sub[4096];
	DIR *dir;
	int ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (run_path(sub, count))
			ret = -1;
	}
	closedir(dir);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count))
			ret = 1;
	printf("fuzz_blktrace: %u inputs ran\n", count);
	if (!count)
		ret = 1;
	return ret;
}
#endif
