/* ssdreplay prep TARGET... --size SIZE: lay down data that names its own place.
 * Every 512-byte sector carries its byte offset on its own target and the
 * run id (see replay/verify.h), so `replay --verify` can tell a misplaced
 * read. Several targets are prepped as a set: target i gets run id + i, so a
 * replay over them (stripe or by-target) also tells a read from the wrong
 * device, or the devices given in another order. */
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/samefile.h"
#include "base/checked.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "devices/target.h"
#include "base/units.h"
#include "replay/verify.h"

#define CMD "prep"
#define PREP_CHUNK (1u << 20)

enum { O_SIZE = 's', O_RUN_ID = 256, O_FORCE, O_QUIET, O_FORCE_DESTROY, O_PROGRESS };

struct args {
	uint64_t size, run_id;
	int have_run_id, force, quiet, progress;
	const char *force_destroy;
};

#define A struct args
static const struct sr_opt opts[] = {
	{ SR_OPT_SIZE("size", O_SIZE, "SIZE", "device size", "bytes to write (a multiple of 4 KiB); required for files", A, size, 0, 0),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_UINT("run-id", O_RUN_ID, "N", "random", "run id stored in every sector", A, run_id, 0, UINT64_MAX),
	  .flags = SR_OPTF_DEFDOC, .seen_off = offsetof(A, have_run_id) },
	{ SR_OPT_FLAG("force", O_FORCE, "overwrite a file or device that holds data not written by prep", A, force) },
	{ SR_OPT_FLAG("quiet", O_QUIET, "print nothing on success (and no progress line unless --progress)", A, quiet) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "progress and ETA over all targets on stderr every second from the start (default when stderr is a tty: once the writing passes 2 s)", A, progress) },
	{ SR_OPT_STR("force-destroy-data", O_FORCE_DESTROY, "DEVICE", "", "prep DEVICE (one of the targets) even though it is mounted or has holders, destroying its data; the device holding / and swap are refused even then", A, force_destroy) },
	SR_OPT_END,
};
#undef A

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

#define MAX_TARGETS 64

/* A file that cannot fit is bad input before it is created: prep x --size
 * 1P filled the file system and left a partial file. The file's own blocks
 * count as room (it is rewritten in place). */
static int room_check(const char *path, const struct stat *old, uint64_t size, struct sr_err *e)
{
	char *copy = strdup(path);
	struct statvfs vfs;
	uint64_t room, mine;
	char b1[32], b2[32];
	int ret;

	if (!copy)
		return sr_errf(e, -ENOMEM, "out of memory");
	ret = statvfs(old ? path : dirname(copy), &vfs);
	free(copy);
	if (ret)
		return 0; /* the open below names the problem */
	mine = old ? (uint64_t)old->st_blocks * 512 : 0;
	if (sr_mul_u64(vfs.f_bavail, vfs.f_frsize, &room) || sr_add_u64(room, mine, &room))
		room = UINT64_MAX;
	if (size <= room)
		return 0;
	return sr_inputf(e, "%s: --size %s is more than the %s free on its file system", path,
			 sr_fmt_bytes(b1, sizeof(b1), size), sr_fmt_bytes(b2, sizeof(b2), room));
}

/* Open, check and size one target; the size to write goes in *size. */
static int open_one(const struct args *a, const char *path, struct sr_target *t, uint64_t *size,
		    int *created, struct sr_err *e)
{
	struct stat sb;
	int ret, existed = stat(path, &sb) == 0;

	*size = a->size;
	*created = !existed;
	if (!(existed && S_ISBLK(sb.st_mode)) && !a->size)
		return sr_inputf(e, CMD ": %s: --size is required for a file", path);
	if (!(existed && S_ISBLK(sb.st_mode)) && room_check(path, existed ? &sb : NULL, a->size, e))
		return -EINVAL;
	/* refuse before anything opens the device for writing */
	if (sr_target_write_check_path(path, "/sys", a->force_destroy, e))
		return -EINVAL;
	ret = sr_target_open(path, SR_TGT_WRITE | SR_TGT_DIRECT | SR_TGT_CREATE, t, e);
	if (ret == -EINVAL && e->bad_input && strstr(e->msg, "O_DIRECT")) {
		sr_err_clear(e); /* tmpfs and friends: buffered, then flushed and evicted */
		ret = sr_target_open(path, SR_TGT_WRITE | SR_TGT_CREATE, t, e);
	}
	if (ret)
		return ret;
	if (sr_target_write_check_force(t, "/sys", a->force_destroy, e))
		return -EINVAL;
	if (t->is_blk) {
		if (!*size)
			*size = t->size / 4096 * 4096;
		if (*size > t->size)
			return sr_inputf(e, "%s: --size %" PRIu64 " is larger than the device (%" PRIu64 " bytes)",
					 t->path, *size, t->size);
	}
	return 0;
}

/* Target i is none of the earlier ones (a set of one file twice would get
 * two run ids and fail its verify), and no other prep is writing it: an
 * advisory lock held until exit, so two `prep x` at once cannot both
 * succeed. */
static int lock_one(const struct sr_target *t, int i, struct sr_err *e)
{
	int j;

	for (j = 0; j < i; j++)
		if (sr_same_fd(t[j].fd, t[i].fd))
			return sr_inputf(e, CMD ": %s is given twice (the same %s as %s)", t[i].path,
					 t[i].is_blk ? "device" : "file", t[j].path);
	if (flock(t[i].fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			return sr_inputf(e, "%s: another ssdreplay prep is writing it (locked); let it finish", t[i].path);
		return sr_errf(e, -errno, "%s: flock: %s", t[i].path, strerror(errno));
	}
	return 0;
}

/* The progress over all targets: bytes written before this target, of all. */
struct prep_meter {
	struct sr_cli_meter m;
	uint64_t before, total;
};

static int write_one(struct sr_target *t, uint64_t size, uint64_t run_id, void *buf, uint64_t *stopped_at,
		     struct prep_meter *pm, struct sr_err *e)
{
	uint64_t off;

	if (!t->is_blk && ftruncate(t->fd, (off_t)size))
		return sr_errf(e, -errno, "%s: truncate: %s", t->path, strerror(errno));
	for (off = 0; off < size && !sr_cli_stop; off += PREP_CHUNK) {
		size_t n = size - off < PREP_CHUNK ? (size_t)(size - off) : PREP_CHUNK;
		ssize_t w;

		sr_verify_fill(buf, off, n, run_id);
		w = pwrite(t->fd, buf, n, (off_t)off);
		if (w != (ssize_t)n)
			return sr_errf(e, w < 0 ? -errno : -EIO, "%s: write at offset %" PRIu64 ": %s", t->path, off,
				       w < 0 ? strerror(errno) : "short write");
		sr_cli_meter_tick(&pm->m, (double)(pm->before + off + n) / (double)pm->total, pm->before + off + n);
	}
	*stopped_at = off;
	if (sr_cli_stop)
		return 1;
	if (fdatasync(t->fd))
		return sr_errf(e, -errno, "%s: fdatasync: %s", t->path, strerror(errno));
	/* leave nothing in the page cache: the next replay must read the device */
	posix_fadvise(t->fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

int cmd_prep(int argc, char **argv)
{
	struct args a = { 0 };
	struct sr_err e = { 0 };
	struct sr_target *t = NULL;
	uint64_t sizes[MAX_TARGETS], off = 0;
	struct prep_meter pm = { .total = 0 };
	int created[MAX_TARGETS] = { 0 };
	void *buf = NULL;
	int pos, ret, nr = 0, i, named;
	char b1[32];

	ret = sr_opts_parse(CMD, opts, argc, argv, NULL, &a, "[options] TARGET [TARGET...]", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos < 1 || argc - pos > MAX_TARGETS) {
		sr_inputf(&e, CMD ": expected 1 to %d TARGETs (files or block devices), found %d", MAX_TARGETS,
			  argc - pos);
		goto fail;
	}
	if (a.size % 4096) {
		sr_inputf(&e, CMD ": --size %" PRIu64 " is not a multiple of 4 KiB", a.size);
		goto fail;
	}
	for (i = pos, named = !a.force_destroy; i < argc && !named; i++) {
		char x[4096], y[4096];

		named = realpath(a.force_destroy, x) && realpath(argv[i], y) && !strcmp(x, y);
	}
	if (!named) {
		sr_inputf(&e, CMD ": --force-destroy-data %s is not one of the targets", a.force_destroy);
		goto fail;
	}
	t = calloc((size_t)(argc - pos), sizeof(*t));
	if (!t || posix_memalign(&buf, 4096, PREP_CHUNK)) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	/* every target checked before the first byte is written */
	for (i = 0; i < argc - pos; i++) {
		t[i].fd = -1;
		nr = i + 1;
		if (open_one(&a, argv[pos + i], &t[i], &sizes[i], &created[i], &e) || lock_one(t, i, &e))
			goto fail;
		/* after the lock: a prep running now would look like foreign data */
		if (!a.force && holds_foreign_data(&t[i], buf)) {
			sr_inputf(&e, "%s: holds data not written by ssdreplay prep; --force overwrites it", t[i].path);
			goto fail;
		}
	}
	if (!a.have_run_id && getrandom(&a.run_id, sizeof(a.run_id), 0) != sizeof(a.run_id))
		a.run_id = sr_now_ns();
	sr_cli_install_signals();
	for (i = 0; i < nr; i++)
		pm.total += sizes[i];
	sr_cli_meter_start(&pm.m, a.progress ? SR_CLI_METER_FORCED : !a.quiet && isatty(STDERR_FILENO));
	for (i = 0; i < nr; i++) {
		ret = write_one(&t[i], sizes[i], a.run_id + (uint64_t)i, buf, &off, &pm, &e);
		pm.before += sizes[i];
		if (ret < 0) {
			sr_cli_meter_cut(&pm.m);
			goto fail;
		}
		if (ret) {
			sr_cli_meter_cut(&pm.m);
			fprintf(stderr, "ssdreplay: prep stopped by signal at offset %" PRIu64 " of %s\n", off,
				t[i].path);
			ret = SR_EXIT_SIGNAL;
			goto out;
		}
		if (i == nr - 1)
			sr_cli_meter_end(&pm.m);
		else
			sr_cli_meter_cut(&pm.m); /* the line stays, the next target's starts below it */
		if (!a.quiet)
			printf("prepped %s: %s (%" PRIu64 " bytes), run id 0x%016" PRIx64 "\n", t[i].path,
			       sr_fmt_bytes(b1, sizeof(b1), sizes[i]), sizes[i], a.run_id + (uint64_t)i);
	}
	ret = SR_EXIT_OK;
	goto out;
fail:
	ret = sr_cli_fail(&e);
	for (i = 0; t && i < nr; i++) /* no partial file left by a failed run */
		if (created[i] && t[i].fd >= 0 && !t[i].is_blk)
			unlink(t[i].path);
out:
	free(buf);
	for (i = 0; t && i < nr; i++)
		sr_target_close(&t[i]);
	free(t);
	return ret;
}
