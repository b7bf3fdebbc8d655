/* ssdreplay prep TARGET --size SIZE: lay down data that names its own place.
 * Every 512-byte sector carries its byte offset and the run id (see
 * replay/verify.h), so `replay --verify` can tell a misplaced read. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "devices/target.h"
#include "replay/units.h"
#include "replay/verify.h"

#define CMD "prep"
#define PREP_CHUNK (1u << 20)

enum { O_SIZE = 's', O_RUN_ID = 256, O_FORCE, O_QUIET };

static const struct sr_opt opts[] = {
	{ "size", O_SIZE, 1, "SIZE", "device size", "bytes to write (a multiple of 4 KiB); required for files" },
	{ "run-id", O_RUN_ID, 1, "N", "random", "run id stored in every sector" },
	{ "force", O_FORCE, 0, "", "", "overwrite a file or device that holds data not written by prep" },
	{ "quiet", O_QUIET, 0, "", "", "print nothing on success" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct args {
	uint64_t size, run_id;
	int have_run_id, force, quiet;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_SIZE: return sr_cli_size(CMD, "size", arg, &a->size, e);
	case O_RUN_ID:
		a->have_run_id = 1;
		return sr_cli_uint(CMD, "run-id", arg, 0, UINT64_MAX, &a->run_id, e);
	case O_FORCE: a->force = 1; return 0;
	case O_QUIET: a->quiet = 1; return 0;
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* Does the target already hold something prep did not write? */
static int holds_foreign_data(const struct sr_target *t, void *buf)
{
	uint64_t id;

	if (!t->is_blk && t->size == 0)
		return 0;
	if (pread(t->fd, buf, 4096, 0) != 4096)
		return !t->is_blk ? t->size > 0 : 1;
	return sr_verify_run_id(buf, &id) != 0;
}

int cmd_prep(int argc, char **argv)
{
	struct args a = { 0 };
	struct sr_err e = { 0 };
	struct sr_target t = { .fd = -1 };
	struct stat sb;
	void *buf = NULL;
	uint64_t off;
	int pos, ret, existed;
	char b1[32];

	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] TARGET", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos != 1) {
		sr_inputf(&e, CMD ": expected one TARGET (a file or block device), found %d", argc - pos);
		goto fail;
	}
	existed = stat(argv[pos], &sb) == 0;
	if (!(existed && S_ISBLK(sb.st_mode)) && !a.size) {
		sr_inputf(&e, CMD ": --size is required for a file");
		goto fail;
	}
	if (a.size % 4096) {
		sr_inputf(&e, CMD ": --size %" PRIu64 " is not a multiple of 4 KiB", a.size);
		goto fail;
	}
	ret = sr_target_open(argv[pos], SR_TGT_WRITE | SR_TGT_DIRECT | SR_TGT_CREATE, &t, &e);
	if (ret == -EINVAL && e.bad_input && strstr(e.msg, "O_DIRECT")) {
		sr_err_clear(&e); /* tmpfs and friends: buffered, then flushed and evicted */
		ret = sr_target_open(argv[pos], SR_TGT_WRITE | SR_TGT_CREATE, &t, &e);
	}
	if (ret)
		goto fail;
	if (sr_target_write_check(&t, "/sys", &e))
		goto fail;
	if (t.is_blk) {
		if (!a.size)
			a.size = t.size / 4096 * 4096;
		if (a.size > t.size) {
			sr_inputf(&e, "%s: --size %" PRIu64 " is larger than the device (%" PRIu64 " bytes)",
				  t.path, a.size, t.size);
			goto fail;
		}
	}
	if (posix_memalign(&buf, 4096, PREP_CHUNK)) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (!a.force && holds_foreign_data(&t, buf)) {
		sr_inputf(&e, "%s: holds data not written by ssdreplay prep; --force overwrites it", t.path);
		goto fail;
	}
	if (!a.have_run_id && getrandom(&a.run_id, sizeof(a.run_id), 0) != sizeof(a.run_id))
		a.run_id = sr_now_ns();
	if (!t.is_blk && ftruncate(t.fd, (off_t)a.size)) {
		sr_errf(&e, -errno, "%s: truncate: %s", t.path, strerror(errno));
		goto fail;
	}
	sr_cli_install_signals();
	for (off = 0; off < a.size && !sr_cli_stop; off += PREP_CHUNK) {
		size_t n = a.size - off < PREP_CHUNK ? (size_t)(a.size - off) : PREP_CHUNK;
		ssize_t w;

		sr_verify_fill(buf, off, n, a.run_id);
		w = pwrite(t.fd, buf, n, (off_t)off);
		if (w != (ssize_t)n) {
			sr_errf(&e, w < 0 ? -errno : -EIO, "%s: write at offset %" PRIu64 ": %s", t.path, off,
				w < 0 ? strerror(errno) : "short write");
			goto fail;
		}
	}
	if (sr_cli_stop) {
		fprintf(stderr, "ssdreplay: prep stopped by signal at offset %" PRIu64 "\n", off);
		ret = SR_EXIT_SIGNAL;
		goto out;
	}
	if (fdatasync(t.fd)) {
		sr_errf(&e, -errno, "%s: fdatasync: %s", t.path, strerror(errno));
		goto fail;
	}
	/* leave nothing in the page cache: the next replay must read the device */
	posix_fadvise(t.fd, 0, 0, POSIX_FADV_DONTNEED);
	if (!a.quiet)
		printf("prepped %s: %s (%" PRIu64 " bytes), run id 0x%016" PRIx64 "\n", t.path,
		       sr_fmt_bytes(b1, sizeof(b1), a.size), a.size, a.run_id);
	ret = SR_EXIT_OK;
	goto out;
fail:
	ret = sr_cli_fail(&e);
out:
	free(buf);
	sr_target_close(&t);
	return ret;
}
