/* fio's JSON keys beyond the ones report.c writes; see report_fio.h. The
 * layout follows fio's stat.c (show_thread_status_json, add_ddir_status_json,
 * add_ddir_lat_json), so fio_jsonplus_clat2csv and fio-plot parse it. */
#include "replay/report_fio.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/stats.h"

#define JI(v) json_integer((json_int_t)(v))

/* fio's latency_* tables: a latency lands in the first range it is below
 * ("2" holds [0, 2), "4" holds [2, 4), ...), in ns, us or ms. */
static const char *const lat_keys[] = { "2", "4", "10", "20", "50", "100", "250", "500", "750", "1000" };
static const unsigned lat_lim[] = { 2, 4, 10, 20, 50, 100, 250, 500, 750, 1000 };

static void lat_tables(json_t *job, const struct sr_stats *st)
{
	double n[10] = { 0 }, u[10] = { 0 }, m[12] = { 0 }, total = 0;
	json_t *jn = json_object(), *ju = json_object(), *jm = json_object();
	unsigned op, i, k;

	for (op = 0; op < 2; op++) {
		const struct sr_hist *h = &st->op[op].clat;

		total += (double)h->n;
		for (i = 0; i < SR_HIST_BUCKETS; i++) {
			uint64_t lo, hi, v;

			if (!h->b[i])
				continue;
			sr_hist_bucket_range(i, &lo, &hi);
			v = lo + (hi - lo) / 2;
			if (v < 1000) {
				for (k = 0; k < 9 && v >= lat_lim[k]; k++)
					;
				n[k] += (double)h->b[i];
			} else if (v < 1000000) {
				for (k = 0; k < 9 && v / 1000 >= lat_lim[k]; k++)
					;
				u[k] += (double)h->b[i];
			} else {
				uint64_t ms = v / 1000000;

				for (k = 0; k < 10 && ms >= lat_lim[k]; k++)
					;
				if (k == 10)
					k = ms < 2000 ? 10 : 11;
				m[k] += (double)h->b[i];
			}
		}
	}
	for (k = 0; k < 10; k++) {
		json_object_set_new(jn, lat_keys[k], json_real(total > 0 ? 100 * n[k] / total : 0));
		json_object_set_new(ju, lat_keys[k], json_real(total > 0 ? 100 * u[k] / total : 0));
		json_object_set_new(jm, lat_keys[k], json_real(total > 0 ? 100 * m[k] / total : 0));
	}
	json_object_set_new(jm, "2000", json_real(total > 0 ? 100 * m[10] / total : 0));
	json_object_set_new(jm, ">=2000", json_real(total > 0 ? 100 * m[11] / total : 0));
	json_object_set_new(job, "latency_ns", jn);
	json_object_set_new(job, "latency_us", ju);
	json_object_set_new(job, "latency_ms", jm);
}

/* A latency block with no samples, as fio writes one (min, max, mean,
 * stddev, N): slat_ns (submission latency is not measured apart from
 * completion latency here), and the trim and sync blocks. */
static json_t *empty_lat(void)
{
	return json_pack("{s:I,s:I,s:f,s:f,s:I}", "min", (json_int_t)0, "max", (json_int_t)0, "mean", 0.0,
			 "stddev", 0.0, "N", (json_int_t)0);
}

/* fio's bw_* (KiB/s) and iops_* over per-second samples. The last second
 * counts only when it is the only one (then scaled to its true length):
 * a partial second's bytes are not a second's bandwidth. */
static void samples(json_t *dir, const struct sr_stats *st, int op)
{
	double sum = 0, sumsq = 0, isum = 0, isumsq = 0, bmin = 0, bmax = 0, imin = 0, imax = 0;
	double t = sr_runtime_s(st);
	size_t i, n = st->timeline.n;

	if (n > 1 && t < (double)n)
		n--; /* the partial last second */
	for (i = 0; i < n; i++) {
		const struct sr_timeline_slot *s = &st->timeline.s[i];
		double len = st->timeline.n == 1 && t > 0 && t < 1 ? t : 1;
		double bw = (double)s->bytes[op] / 1024 / len, io = (double)s->ios[op] / len;

		sum += bw;
		sumsq += bw * bw;
		isum += io;
		isumsq += io * io;
		bmin = i ? fmin(bmin, bw) : bw;
		bmax = i ? fmax(bmax, bw) : bw;
		imin = i ? fmin(imin, io) : io;
		imax = i ? fmax(imax, io) : io;
	}
	if (!st->op[op].ios)
		n = 0;
	json_object_set_new(dir, "bw_min", JI(n ? bmin : 0));
	json_object_set_new(dir, "bw_max", JI(n ? bmax : 0));
	json_object_set_new(dir, "bw_agg", json_real(n ? 100.0 : 0));
	json_object_set_new(dir, "bw_mean", json_real(n ? sum / n : 0));
	json_object_set_new(dir, "bw_dev", json_real(n > 1 ? sqrt(fmax(0, (sumsq - sum * sum / n) / (n - 1))) : 0));
	json_object_set_new(dir, "bw_samples", JI(n));
	json_object_set_new(dir, "iops_min", JI(n ? imin : 0));
	json_object_set_new(dir, "iops_max", JI(n ? imax : 0));
	json_object_set_new(dir, "iops_mean", json_real(n ? isum / n : 0));
	json_object_set_new(dir, "iops_stddev",
			    json_real(n > 1 ? sqrt(fmax(0, (isumsq - isum * isum / n) / (n - 1))) : 0));
	json_object_set_new(dir, "iops_samples", JI(n));
}

/* json+: clat_ns.bins, "bucket value in ns": count, nonzero buckets only,
 * as fio writes them (the value is the bucket's middle, as fio's
 * plat_idx_to_val). */
static void bins(json_t *lat, const struct sr_hist *h)
{
	json_t *b = json_object();
	char key[32];
	unsigned i;

	for (i = 0; i < SR_HIST_BUCKETS; i++) {
		uint64_t lo, hi;

		if (!h->b[i])
			continue;
		sr_hist_bucket_range(i, &lo, &hi);
		snprintf(key, sizeof(key), "%" PRIu64, lo + (hi - lo) / 2);
		json_object_set_new(b, key, JI(h->b[i]));
	}
	json_object_set_new(lat, "bins", b);
}

static json_t *empty_dir(void)
{
	json_t *d = json_pack("{s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I}", "io_bytes", (json_int_t)0, "io_kbytes",
			      (json_int_t)0, "bw_bytes", (json_int_t)0, "bw", (json_int_t)0, "iops", 0.0,
			      "runtime", (json_int_t)0, "total_ios", (json_int_t)0, "short_ios", (json_int_t)0,
			      "drop_ios", (json_int_t)0);

	json_object_set_new(d, "slat_ns", empty_lat());
	json_object_set_new(d, "clat_ns", empty_lat());
	json_object_set_new(d, "lat_ns", empty_lat());
	return d;
}

json_t *sr_fio_dir(uint64_t bytes, uint64_t ios, double t)
{
	double bw = t > 0 ? (double)bytes / t : 0;
	json_t *j = json_object();

	json_object_set_new(j, "io_bytes", JI(bytes));
	json_object_set_new(j, "io_kbytes", JI(bytes >> 10));
	json_object_set_new(j, "bw_bytes", JI(bw));
	json_object_set_new(j, "bw", JI(bw / 1024)); /* KiB/s, as fio */
	json_object_set_new(j, "iops", json_real(t > 0 ? (double)ios / t : 0));
	json_object_set_new(j, "runtime", JI(t * 1000));
	json_object_set_new(j, "total_ios", JI(ios));
	return j;
}

const char *sr_fio_rw(const char *source, uint64_t read_ios, uint64_t write_ios)
{
	static const struct {
		const char *src, *rw;
	} pats[] = { { "pattern:seq", "read" }, { "pattern:rand", "randread" },
		     { "pattern:write", "write" }, { "pattern:randwrite", "randwrite" } };
	size_t i;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (source && !strcmp(source, pats[i].src))
			return pats[i].rw;
	return write_ios ? (read_ios ? "rw" : "write") : "read";
}

void sr_fio_bs(char *buf, size_t n, uint64_t bs)
{
	if (bs % 1024 == 0)
		snprintf(buf, n, "%" PRIu64 "k", bs / 1024);
	else
		snprintf(buf, n, "%" PRIu64, bs);
}

static json_t *job_options(const struct sr_report_info *ri, const struct sr_stats *st)
{
	json_t *o = json_object();
	char buf[32];

	json_object_set_new(o, "rw", json_string(sr_fio_rw(ri->source, st->op[0].ios, st->op[1].ios)));
	sr_fio_bs(buf, sizeof(buf), ri->bs);
	json_object_set_new(o, "bs", json_string(buf));
	snprintf(buf, sizeof(buf), "%u", ri->qd);
	json_object_set_new(o, "iodepth", json_string(buf));
	json_object_set_new(o, "ioengine", json_string(ri->engine));
	json_object_set_new(o, "direct", json_string(ri->direct ? "1" : "0"));
	snprintf(buf, sizeof(buf), "%u", ri->threads ? ri->threads : 1);
	json_object_set_new(o, "numjobs", json_string(buf));
	json_object_set_new(o, "filename", json_string(ri->target));
	return o;
}

/* fio's disk_util: per disk the counters of /sys/block/NAME/stat over the
 * run, util = busy time over the run's time, in percent (fio's
 * show_disk_util: io_ticks * 100 / msec, at most 100). */
static json_t *disk_util(const struct sr_report_info *ri, const struct sr_stats *st)
{
	json_t *a = json_array();
	double ms = sr_runtime_s(st) * 1000;
	unsigned i;

	for (i = 0; i < ri->ndisks; i++) {
		const struct sr_disk_stat *x = &ri->disks[i].before, *y = &ri->disks[i].after;
		double util = ms > 0 ? (double)(y->io_ticks_ms - x->io_ticks_ms) * 100 / ms : 0;
		json_t *d = json_object();

		json_object_set_new(d, "name", json_string(ri->disks[i].name));
		json_object_set_new(d, "read_ios", JI(y->rd_ios - x->rd_ios));
		json_object_set_new(d, "write_ios", JI(y->wr_ios - x->wr_ios));
		json_object_set_new(d, "read_merges", JI(y->rd_merges - x->rd_merges));
		json_object_set_new(d, "write_merges", JI(y->wr_merges - x->wr_merges));
		json_object_set_new(d, "read_ticks", JI(y->rd_ticks_ms - x->rd_ticks_ms));
		json_object_set_new(d, "write_ticks", JI(y->wr_ticks_ms - x->wr_ticks_ms));
		json_object_set_new(d, "in_queue", JI(y->in_queue_ms - x->in_queue_ms));
		json_object_set_new(d, "util", json_real(util > 100 ? 100 : util));
		json_array_append_new(a, d);
	}
	return a;
}

void sr_report_fio_keys(json_t *root, json_t *job, const struct sr_report_info *ri,
			const struct sr_stats *st, int plus)
{
	struct timeval tv;
	char tbuf[64];
	time_t now;
	int op;

	gettimeofday(&tv, NULL);
	now = tv.tv_sec;
	strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y", localtime(&now));
	json_object_set_new(root, "timestamp", JI(tv.tv_sec));
	json_object_set_new(root, "timestamp_ms", JI((uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000));
	json_object_set_new(root, "time", json_string(tbuf));
	json_object_set_new(root, "global options", json_object());
	json_object_set_new(root, "disk_util", disk_util(ri, st));

	json_object_set_new(job, "job options", job_options(ri, st));
	json_object_set_new(job, "elapsed", JI((uint64_t)ceil(sr_runtime_s(st))));
	for (op = 0; op < 2; op++) {
		json_t *dir = json_object_get(job, op ? "write" : "read");

		if (!dir)
			continue;
		json_object_set_new(dir, "drop_ios", JI(0));
		json_object_set_new(dir, "slat_ns", empty_lat());
		samples(dir, st, op);
		if (plus && st->op[op].clat.n)
			bins(json_object_get(dir, "clat_ns"), &st->op[op].clat);
	}
	json_object_set_new(job, "trim", empty_dir());
	json_object_set_new(job, "sync", json_pack("{s:I,s:o}", "total_ios", (json_int_t)0, "lat_ns", empty_lat()));
	lat_tables(job, st);
}
