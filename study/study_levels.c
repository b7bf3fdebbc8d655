/* The measurement levels of the study's runs (study/study_levels.h). */
#include "devices/discover.h"
#include "study/study_levels.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "trace/fiemap.h"

int sr_study_pattern(struct sr_source *src, struct sr_study_pattern *p, struct sr_err *e)
{
	struct sr_analysis an;
	struct sr_rec rec[256];
	int n, k, ret;

	memset(p, 0, sizeof(*p));
	ret = sr_analysis_init(&an, 4096, e);
	if (ret)
		return ret;
	while ((n = sr_source_next(src, rec, 256, e)) > 0)
		for (k = 0; k < n; k++) {
			if (rec[k].op != SR_OP_READ || !rec[k].len)
				continue;
			if ((ret = sr_analysis_add(&an, &rec[k], e)))
				goto out;
			sr_mix_add(&p->mix, rec[k].len);
			p->reads++;
		}
	ret = n < 0 ? n : 0;
	if (!ret)
		sr_analysis_finish(&an, 0, &p->res);
out:
	sr_analysis_free(&an);
	return ret;
}

void sr_study_disk_of(const char *path, struct sr_study_disk *dk)
{
	char p[256], buf[64];
	struct stat st;
	unsigned maj, min;
	uint64_t start;
	dev_t d;
	FILE *f;

	if (stat(path, &st))
		return;
	dk->target_is_blk = S_ISBLK(st.st_mode);
	d = dk->target_is_blk ? st.st_rdev : st.st_dev;
	dk->blk_dev = d;
	dk->dev_base = 0;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", major(d), minor(d));
	if (access(p, F_OK))
		return;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/start", major(d), minor(d));
	f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%" SCNu64, &start) == 1)
			dk->dev_base = start * 512;
		fclose(f);
	}
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", major(d), minor(d));
	f = fopen(p, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2)
			dk->blk_dev = makedev(maj, min);
		fclose(f);
	}
}

/* The captured levels of a traced run: page-cache insertions of the child,
 * block requests on the target's disk inside the model file. */
void sr_study_trace_levels(const struct sr_study_disk *dk, const char *path, const char *trace, pid_t pid,
			   struct sr_study_run *u)
{
	struct sr_trace_opts fo = { .event = 'D', .have_pid = 1, .pid = (uint32_t)pid };
	struct sr_trace_opts bo = { .event = 'D', .have_dev = 1, .dev_major = major(dk->blk_dev),
				    .dev_minor = minor(dk->blk_dev), .rw = SR_RW_READ };
	struct sr_source *src = NULL;
	struct sr_err e = { 0 };
	struct sr_study_pattern p;

	if (!sr_trace_open_opts(trace, "filemap", &fo, &src, &e) && !sr_study_pattern(src, &p, &e) && p.reads) {
		u->pc_seq_pct = p.res.seq_pct;
		u->pc_mean_req = p.res.mean_req;
	} else if (e.msg[0]) {
		snprintf(u->note, sizeof(u->note), "page-cache level: %.200s", e.msg);
	}
	if (src)
		src->close(src);
	src = NULL;
	sr_err_clear(&e);
	if (!sr_trace_open_opts(trace, "ftrace", &bo, &src, &e) &&
	    (dk->target_is_blk || !sr_fiemap_wrap(&src, path, dk->dev_base, &e)) && !sr_study_pattern(src, &p, &e) && p.reads) {
		u->seq_pct = p.res.seq_pct;
		u->fwd_pct = p.res.fwd_pct;
		u->back_pct = p.res.back_pct;
		u->mean_req = p.res.mean_req;
		u->mix = p.mix;
		snprintf(u->level, sizeof(u->level), "block");
	} else if (e.msg[0]) {
		snprintf(u->note, sizeof(u->note), "block level: %.200s", e.msg);
	}
	if (src)
		src->close(src);
}

uint64_t sr_study_read_ahead_kb(const char *disk)
{
	long v = sr_dev_read_ahead_kb("/sys", disk);

	return v > 0 ? (uint64_t)v : 128;
}

int sr_study_sweep_curve(const char *path, struct sr_curve *c, double *best, unsigned *minqd)
{
	json_t *j, *pts, *p;
	json_error_t je;
	size_t i;
	int ret;

	*minqd = UINT32_MAX;
	j = json_load_file(path, 0, &je);
	pts = j ? json_object_get(j, "points") : NULL;
	json_array_foreach(pts, i, p) {
		unsigned qd = (unsigned)json_integer_value(json_object_get(p, "qd"));

		if (qd < *minqd)
			*minqd = qd;
	}
	json_array_foreach(pts, i, p) {
		unsigned qd = (unsigned)json_integer_value(json_object_get(p, "qd"));
		uint64_t bs = (uint64_t)json_integer_value(json_object_get(p, "bs"));
		double bw = json_number_value(json_object_get(json_object_get(p, "read"), "bw_Bps"));

		if (bw > *best)
			*best = bw;
		if (qd == *minqd)
			sr_curve_add(c, bs, bw);
	}
	ret = j ? 0 : -EINVAL;
	json_decref(j);
	return ret;
}
