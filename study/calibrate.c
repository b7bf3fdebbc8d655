#include "study/calibrate.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/outfile.h"
#include "devices/discover.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "replay/replay.h"
#include "base/source.h"

/* Sequential 128 KiB..4 MiB at QD 1..32 and 4 KiB random at QD 1..64.
 * 4 MiB stops at QD 16 to keep the buffers at 64 MiB. */
static const struct {
	int rand;
	uint64_t bs;
	unsigned qd;
} grid[] = {
	{ 0, 128 << 10, 1 }, { 0, 128 << 10, 8 }, { 0, 128 << 10, 32 },
	{ 0, 1 << 20, 1 },   { 0, 1 << 20, 8 },   { 0, 1 << 20, 32 },
	{ 0, 4 << 20, 1 },   { 0, 4 << 20, 4 },   { 0, 4 << 20, 16 },
	{ 1, 4096, 1 },      { 1, 4096, 8 },      { 1, 4096, 32 },     { 1, 4096, 64 },
};
#define NR_GRID (sizeof(grid) / sizeof(grid[0]))

static int run_point(const struct sr_cal_cfg *c, const struct sr_target *t, const struct sr_engine_ops *eng,
		     uint64_t size, int rand, uint64_t bs, unsigned qd, uint64_t runtime_ns,
		     struct sr_cal_point *pt, struct sr_err *e)
{
	struct sr_source *src = NULL;
	struct sr_stats st;
	struct sr_replay_cfg rc;
	double secs;
	int ret;

	sr_stats_init(&st);
	ret = sr_pattern_open(rand ? SR_PAT_RAND : SR_PAT_SEQ, size / bs * bs, bs, 1, &src, e);
	if (ret)
		goto out;
	rc = (struct sr_replay_cfg){
		.engine = eng, .qd = qd, .batch = 1, .threads = 1, .timing = SR_TIMING_AFAP, .time_scale = 1,
		.runtime_ns = runtime_ns, .loops = 0, .tgt_name = t->path, .stop = c->stop,
		.shape = {
			.src_name = src->name, .tgt_name = t->path, .target_size = t->size,
			.lbs = t->lbs, .max_req = bs,
		},
	};
	ret = sr_replay_run(&rc, src, &t->fd, 1, &st, e);
	if (ret)
		goto out;
	if (st.op[0].errors) {
		ret = sr_errf(e, -EIO, "%s: %" PRIu64 " reads failed during calibration (%s %" PRIu64 " KiB QD%u)",
			      t->path, st.op[0].errors, rand ? "random" : "sequential", bs >> 10, qd);
		goto out;
	}
	secs = (double)(st.end_ns - st.start_ns) / 1e9;
	*pt = (struct sr_cal_point){ .rand = rand, .bs = bs, .qd = qd };
	if (secs > 0) {
		pt->Bps = (double)st.op[0].bytes / secs;
		pt->iops = (double)st.op[0].ios / secs;
	}
out:
	if (src)
		src->close(src);
	sr_stats_free(&st);
	return ret;
}

static int mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i;

	if (strlen(dir) >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, strlen(dir) + 1);
	for (i = 1; p[i]; i++)
		if (p[i] == '/') {
			p[i] = 0;
			if (mkdir(p, 0755) && errno != EEXIST)
				return -errno;
			p[i] = '/';
		}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_profile(const struct sr_cal_cfg *c, struct sr_cal_result *r, uint64_t point_ns,
			 struct sr_err *e)
{
	char dir[PATH_MAX / 2], date[64];
	time_t now = time(NULL);
	struct sr_outfile out;
	struct tm tm;
	FILE *f;
	int ret, i;

	if (sr_devspec_cal_dir(dir, sizeof(dir)))
		return sr_errf(e, -ENOENT, "no place for the profile: set SSDREPLAY_STATE, XDG_STATE_HOME or HOME");
	ret = mkdirs(dir);
	if (ret)
		return sr_errf(e, ret, "%s: cannot create: %s", dir, strerror(-ret));
	snprintf(r->file, sizeof(r->file), "%s/%s.ini", dir, r->key);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ret = sr_outfile_open(&out, r->file, e); /* unique temp, fsync, rename */
	if (ret)
		return ret;
	f = out.f;
	fprintf(f, "; ssdreplay devices --calibrate: best read figures measured here\n");
	fprintf(f, "; io_uring, O_DIRECT, read-only; %d points of %.0f ms each\n", r->n, point_ns / 1e6);
	fprintf(f, "[calibration]\n");
	fprintf(f, "disk = %s\nmodel = %s\nserial = %s\ntarget = %s\ndate = %s\n", r->disk, r->model,
		r->serial, c->target, date);
	fprintf(f, "seq_read = %.3fMB/s\nseq_bs = %" PRIu64 "\nseq_qd = %u\n", r->seq_Bps / 1e6, r->seq_bs,
		r->seq_qd);
	fprintf(f, "rand_read = %.0f\nrand_qd = %u\n", r->rand_iops, r->rand_qd);
	fprintf(f, "; points: pattern bs qd MB/s IOPS\n");
	for (i = 0; i < r->n; i++)
		fprintf(f, "; %s %" PRIu64 " %u %.1f %.0f\n", r->pt[i].rand ? "rand" : "seq", r->pt[i].bs,
			r->pt[i].qd, r->pt[i].Bps / 1e6, r->pt[i].iops);
	return sr_outfile_commit(&out, e);
}

int sr_calibrate(const struct sr_cal_cfg *c, struct sr_cal_result *r, struct sr_err *e)
{
	const struct sr_engine_ops *eng = sr_engine_find(c->engine ? c->engine : "io_uring");
	struct sr_target t = { .fd = -1 };
	struct sr_blkdev *d = NULL;
	struct stat sb;
	uint64_t size, point_ns;
	unsigned i;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!eng)
		return sr_inputf(e, "calibrate: unknown engine '%s'", c->engine);
	if (stat(c->target, &sb))
		return sr_inputf(e, "%s: %s", c->target, strerror(errno));
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_blocks * 512 < (uint64_t)sb.st_size)
		return sr_inputf(e, "%s: sparse file (%" PRIu64 " of %" PRIu64 " bytes allocated): reads of holes "
				 "never reach the device; write it fully first (ssdreplay prep %s --size SIZE)",
				 c->target, (uint64_t)sb.st_blocks * 512, (uint64_t)sb.st_size, c->target);
	ret = sr_disk_for_path(c->target, "/sys", r->disk, sizeof(r->disk), r->note, sizeof(r->note), e);
	if (ret) {
		e->bad_input = 1;
		return ret;
	}
	d = malloc(sizeof(*d));
	if (!d)
		return sr_errf(e, -ENOMEM, "out of memory");
	if (!sr_blkdev_read("/sys", NULL, r->disk, 0, d, NULL)) {
		sr_strcpy(r->model, sizeof(r->model), d->model);
		sr_strcpy(r->serial, sizeof(r->serial), d->serial);
	}
	free(d);
	sr_devspec_key(r->disk, r->model, r->serial, r->key, sizeof(r->key));

	ret = sr_target_open(c->target, SR_TGT_DIRECT, &t, e);
	if (ret)
		return ret;
	if (c->size > t.size) { /* clamping it silently made an 8 MiB file pass for 1 TiB */
		ret = sr_inputf(e, "%s: %" PRIu64 " bytes to read, but the target has %" PRIu64, c->target, c->size,
				t.size);
		goto out;
	}
	size = c->size ? c->size : t.size;
	r->region = size;
	r->cached = size < SR_CAL_MIN_STORED;
	if (size < (4u << 20)) {
		ret = sr_inputf(e, "%s: %" PRIu64 " bytes to read: calibration needs at least 4 MiB", c->target, size);
		goto out;
	}
	if (t.lbs > 4096) {
		ret = sr_inputf(e, "%s: logical block size %u is above 4 KiB: the 4K random points cannot run",
				c->target, t.lbs);
		goto out;
	}
	point_ns = c->runtime_ns / NR_GRID;
	if (point_ns < 20000000)
		point_ns = 20000000;
	for (i = 0; i < NR_GRID && !(c->stop && *c->stop); i++) {
		struct sr_cal_point *pt = &r->pt[r->n];

		ret = run_point(c, &t, eng, size, grid[i].rand, grid[i].bs, grid[i].qd, point_ns, pt, e);
		if (ret)
			goto out;
		r->n++;
		if (!pt->rand && pt->Bps > r->seq_Bps) {
			r->seq_Bps = pt->Bps;
			r->seq_bs = pt->bs;
			r->seq_qd = pt->qd;
		}
		if (pt->rand && pt->iops > r->rand_iops) {
			r->rand_iops = pt->iops;
			r->rand_qd = pt->qd;
		}
		if (c->point_done)
			c->point_done(c->arg, pt->rand, pt->bs, pt->qd, pt->Bps, pt->iops);
	}
	if (c->stop && *c->stop) {
		ret = sr_errf(e, -EINTR, "calibration stopped by a signal: no profile written");
		goto out;
	}
	if (!(r->seq_Bps > 0) || !(r->rand_iops > 0)) {
		ret = sr_errf(e, -EIO, "%s: calibration read nothing", c->target);
		goto out;
	}
	r->file[0] = '\0';
	ret = r->cached ? 0 : write_profile(c, r, point_ns, e);
out:
	sr_target_close(&t);
	return ret;
}
