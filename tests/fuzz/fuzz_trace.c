/* Fuzz the trace readers: the input (less its first byte) becomes a file
 * that is opened as auto/csv/fio-iolog (chosen by the first byte) and read to
 * the end in batches, twice around a rewind; both passes must agree.
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; built with
 * -DSR_FUZZ_STANDALONE it gets a main() that runs every file named on the
 * command line (directories: every file in them) through the same entry
 * point, which is how CTest runs the corpus without clang. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/source.h"

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
			    r->off + r->len < r->off)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "auto",	 "csv",	    "fio-iolog", "blktrace",
					    "blkparse", "ftrace", "filemap",   "cheops-csv" };
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
	close(fd);
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
	printf("fuzz_trace: %u inputs ran\n", count);
	if (!count)
		ret = 1;
	return ret;
}
#endif
