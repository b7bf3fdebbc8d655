#include "replay/report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "replay/record.h"
#include "replay/units.h"

static const double pcts[] = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
#define NR_PCTS (sizeof(pcts) / sizeof(pcts[0]))

double sr_runtime_s(const struct sr_stats *st)
{
	uint64_t ns = st->end_ns > st->start_ns ? st->end_ns - st->start_ns : 0;

	return (double)ns / 1e9;
}

double sr_bw_bytes(const struct sr_stats *st, int op)
{
	double t = sr_runtime_s(st);

	return t > 0 ? (double)st->op[op].bytes / t : 0;
}

double sr_amplification(const struct sr_stats *st)
{
	uint64_t asked = st->req_bytes;
	uint64_t issued = st->op[0].bytes + st->op[1].bytes;

	return asked ? (double)issued / (double)asked : 0;
}

static uint64_t hmin(const struct sr_hist *h)
{
	return h->n ? h->min : 0;
}

/* ---- text ---- */

static void text_op(FILE *f, const struct sr_stats *st, int op)
{
	const struct sr_op_stats *o = &st->op[op];
	const struct sr_hist *h = &o->clat;
	double bw = sr_bw_bytes(st, op), t = sr_runtime_s(st);
	char b1[32];
	unsigned k;

	fprintf(f, "  %s: %" PRIu64 " requests, %s in %.3f s: %.1f MiB/s (%.3f GB/s), %.0f IOPS",
		sr_op_name(op), o->ios, sr_fmt_bytes(b1, sizeof(b1), o->bytes), t, bw / 1048576.0,
		bw / 1e9, t > 0 ? (double)o->ios / t : 0);
	if (o->errors)
		fprintf(f, ", %" PRIu64 " errors", o->errors);
	fputc('\n', f);
	if (!h->n)
		return;
	fprintf(f, "    clat (us): min=%.1f mean=%.1f stddev=%.1f max=%.1f\n", hmin(h) / 1e3,
		sr_hist_mean(h) / 1e3, sr_hist_stddev(h) / 1e3, h->max / 1e3);
	fprintf(f, "    clat percentiles (us): p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f p99.99=%.1f\n",
		sr_hist_pct(h, 50) / 1e3, sr_hist_pct(h, 90) / 1e3, sr_hist_pct(h, 99) / 1e3,
		sr_hist_pct(h, 99.9) / 1e3, sr_hist_pct(h, 99.99) / 1e3);
	fprintf(f, "    request sizes:");
	for (k = 0; k < SR_SIZE_BUCKETS; k++) {
		if (!o->sizes.b[k])
			continue;
		fprintf(f, " <=%s: %" PRIu64 " (%.1f%%)", sr_fmt_bytes(b1, sizeof(b1), 1ull << k),
			o->sizes.b[k], 100.0 * (double)o->sizes.b[k] / (double)o->ios);
	}
	fputc('\n', f);
}

static void write_text(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	char b1[32], b2[32], b3[32];
	uint64_t reqs = st->op[0].ios + st->op[1].ios;
	double cpu = st->usr_cpu_s + st->sys_cpu_s;

	fprintf(f, "ssdreplay %s: %s of %s (%s) on %s (%s, %u-byte blocks)\n", SR_VERSION, ri->cmd,
		ri->source, ri->format ? ri->format : "-", ri->target,
		sr_fmt_bytes(b1, sizeof(b1), ri->target_size), ri->lbs);
	fprintf(f, "  engine %s, qd %u, max request %s%s, %s, timing %s\n", ri->engine, ri->qd,
		sr_fmt_bytes(b2, sizeof(b2), ri->bs), ri->merge ? " (merge on)" : "",
		ri->direct ? "O_DIRECT" : "buffered", ri->timing);
	if (st->partial)
		fprintf(f, "  PARTIAL: stopped before the end of the workload\n");
	text_op(f, st, SR_OP_READ);
	if (st->op[1].ios || st->op[1].errors)
		text_op(f, st, SR_OP_WRITE);
	if (st->skipped_writes)
		fprintf(f, "  writes: %" PRIu64 " write records (%s) skipped: read-only unless --allow-write\n",
			st->skipped_writes, sr_fmt_bytes(b1, sizeof(b1), st->skipped_bytes));
	fprintf(f, "  shaping: %" PRIu64 " records asking %s; split +%" PRIu64 ", merged %" PRIu64
		   ", realigned %" PRIu64 ", remapped %" PRIu64 ", other ops skipped %" PRIu64 "\n",
		st->records, sr_fmt_bytes(b1, sizeof(b1), st->req_bytes), st->split, st->merged,
		st->realigned, st->remapped, st->skipped_other);
	if (ri->page)
		fprintf(f, "  page %s: %" PRIu64 " records rounded out, +%s, read amplification %.3fx\n",
			sr_fmt_bytes(b1, sizeof(b1), ri->page), st->page_expanded,
			sr_fmt_bytes(b3, sizeof(b3), st->page_extra_bytes), sr_amplification(st));
	if (st->lag.n)
		fprintf(f, "  schedule lag (us): mean=%.1f p50=%.1f p99=%.1f max=%.1f\n",
			sr_hist_mean(&st->lag) / 1e3, sr_hist_pct(&st->lag, 50) / 1e3,
			sr_hist_pct(&st->lag, 99) / 1e3, st->lag.max / 1e3);
	if (st->verified_bytes || st->verify_errors)
		fprintf(f, "  verify: %s checked, %" PRIu64 " errors\n",
			sr_fmt_bytes(b1, sizeof(b1), st->verified_bytes), st->verify_errors);
	fprintf(f, "  cpu: usr=%.3f s sys=%.3f s, %.2f us/request\n", st->usr_cpu_s, st->sys_cpu_s,
		reqs ? cpu * 1e6 / (double)reqs : 0);
}

/* ---- JSON (fio's shape: jobs[0].read.bw_bytes and friends) ---- */

static json_t *json_hist(const struct sr_hist *h)
{
	json_t *o = json_object(), *p = json_object();
	char key[32];
	unsigned i;

	json_object_set_new(o, "min", json_integer((json_int_t)hmin(h)));
	json_object_set_new(o, "max", json_integer((json_int_t)h->max));
	json_object_set_new(o, "mean", json_real(sr_hist_mean(h)));
	json_object_set_new(o, "stddev", json_real(sr_hist_stddev(h)));
	json_object_set_new(o, "N", json_integer((json_int_t)h->n));
	for (i = 0; i < NR_PCTS; i++) {
		snprintf(key, sizeof(key), "%f", pcts[i]);
		json_object_set_new(p, key, json_integer((json_int_t)sr_hist_pct(h, pcts[i])));
	}
	json_object_set_new(o, "percentile", p);
	return o;
}

static json_t *json_op(const struct sr_stats *st, int op)
{
	const struct sr_op_stats *o = &st->op[op];
	double t = sr_runtime_s(st), bw = sr_bw_bytes(st, op);
	json_t *j = json_object(), *sizes = json_object();
	unsigned k;

	json_object_set_new(j, "io_bytes", json_integer((json_int_t)o->bytes));
	json_object_set_new(j, "io_kbytes", json_integer((json_int_t)(o->bytes >> 10)));
	json_object_set_new(j, "bw_bytes", json_integer((json_int_t)bw));
	json_object_set_new(j, "bw", json_integer((json_int_t)(bw / 1024))); /* KiB/s, as fio */
	json_object_set_new(j, "iops", json_real(t > 0 ? (double)o->ios / t : 0));
	json_object_set_new(j, "runtime", json_integer((json_int_t)(t * 1000)));
	json_object_set_new(j, "total_ios", json_integer((json_int_t)o->ios));
	json_object_set_new(j, "short_ios", json_integer(0));
	json_object_set_new(j, "errors", json_integer((json_int_t)o->errors));
	json_object_set_new(j, "clat_ns", json_hist(&o->clat));
	json_object_set_new(j, "lat_ns", json_hist(&o->clat));
	for (k = 0; k < SR_SIZE_BUCKETS; k++)
		if (o->sizes.b[k]) {
			char key[24];

			snprintf(key, sizeof(key), "%llu", 1ull << k);
			json_object_set_new(sizes, key, json_integer((json_int_t)o->sizes.b[k]));
		}
	json_object_set_new(j, "size_hist_le", sizes);
	return j;
}

#define JU(v) json_integer((json_int_t)(v))

static json_t *json_own(const struct sr_report_info *ri, const struct sr_stats *st)
{
	json_t *j = json_object(), *tl = json_array();
	size_t i;

	json_object_set_new(j, "target", json_string(ri->target));
	json_object_set_new(j, "target_size", JU(ri->target_size));
	json_object_set_new(j, "logical_block_size", JU(ri->lbs));
	json_object_set_new(j, "source", json_string(ri->source));
	json_object_set_new(j, "format", json_string(ri->format ? ri->format : ""));
	json_object_set_new(j, "engine", json_string(ri->engine));
	json_object_set_new(j, "qd", JU(ri->qd));
	json_object_set_new(j, "max_request", JU(ri->bs));
	json_object_set_new(j, "page", JU(ri->page));
	json_object_set_new(j, "direct", json_boolean(ri->direct));
	json_object_set_new(j, "timing", json_string(ri->timing));
	json_object_set_new(j, "partial", json_boolean(st->partial));
	json_object_set_new(j, "records", JU(st->records));
	json_object_set_new(j, "requested_bytes", JU(st->req_bytes));
	json_object_set_new(j, "skipped_writes", JU(st->skipped_writes));
	json_object_set_new(j, "skipped_write_bytes", JU(st->skipped_bytes));
	json_object_set_new(j, "skipped_other", JU(st->skipped_other));
	json_object_set_new(j, "split", JU(st->split));
	json_object_set_new(j, "merged", JU(st->merged));
	json_object_set_new(j, "realigned", JU(st->realigned));
	json_object_set_new(j, "remapped", JU(st->remapped));
	json_object_set_new(j, "page_expanded", JU(st->page_expanded));
	json_object_set_new(j, "page_extra_bytes", JU(st->page_extra_bytes));
	json_object_set_new(j, "amplification", json_real(sr_amplification(st)));
	json_object_set_new(j, "verified_bytes", JU(st->verified_bytes));
	json_object_set_new(j, "verify_errors", JU(st->verify_errors));
	json_object_set_new(j, "bw_MiBps", json_real((sr_bw_bytes(st, 0) + sr_bw_bytes(st, 1)) / 1048576.0));
	json_object_set_new(j, "bw_GBps", json_real((sr_bw_bytes(st, 0) + sr_bw_bytes(st, 1)) / 1e9));
	if (st->lag.n)
		json_object_set_new(j, "lag_ns", json_hist(&st->lag));
	for (i = 0; i < st->timeline.n; i++) {
		const struct sr_timeline_slot *s = &st->timeline.s[i];

		json_array_append_new(tl, json_pack("{s:I,s:I,s:I,s:I}", "read_bytes",
						     (json_int_t)s->bytes[0], "read_ios", (json_int_t)s->ios[0],
						     "write_bytes", (json_int_t)s->bytes[1], "write_ios",
						     (json_int_t)s->ios[1]));
	}
	json_object_set_new(j, "timeline", tl);
	return j;
}

static int write_json(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	json_t *root = json_object(), *jobs = json_array(), *job = json_object();
	double t = sr_runtime_s(st);
	int ret;

	json_object_set_new(root, "fio version", json_string("ssdreplay-" SR_VERSION));
	json_object_set_new(job, "jobname", json_string(ri->cmd));
	json_object_set_new(job, "groupid", json_integer(0));
	json_object_set_new(job, "error", json_integer(st->partial ? 1 : 0));
	json_object_set_new(job, "job_runtime", JU(t * 1000));
	json_object_set_new(job, "read", json_op(st, SR_OP_READ));
	json_object_set_new(job, "write", json_op(st, SR_OP_WRITE));
	json_object_set_new(job, "usr_cpu", json_real(t > 0 ? 100 * st->usr_cpu_s / t : 0));
	json_object_set_new(job, "sys_cpu", json_real(t > 0 ? 100 * st->sys_cpu_s / t : 0));
	json_object_set_new(job, "ssdreplay", json_own(ri, st));
	json_array_append_new(jobs, job);
	json_object_set_new(root, "jobs", jobs);
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

/* ---- CSV: one row per op ---- */

static void write_csv(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	int op;

	fprintf(f, "target,source,engine,qd,max_request,page,op,ios,bytes,runtime_s,bw_MiBps,bw_GBps,iops,"
		   "clat_mean_us,clat_p50_us,clat_p90_us,clat_p99_us,clat_p999_us,clat_max_us,"
		   "split,merged,realigned,amplification,partial\n");
	for (op = 0; op < 2; op++) {
		const struct sr_op_stats *o = &st->op[op];
		const struct sr_hist *h = &o->clat;
		double t = sr_runtime_s(st), bw = sr_bw_bytes(st, op);

		if (op == SR_OP_WRITE && !o->ios && !o->errors)
			continue;
		fprintf(f, "%s,%s,%s,%u,%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64
			   ",%.6f,%.3f,%.6f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%.6f,%d\n",
			ri->target, ri->source, ri->engine, ri->qd, ri->bs, ri->page, sr_op_name(op),
			o->ios, o->bytes, t, bw / 1048576.0, bw / 1e9, t > 0 ? (double)o->ios / t : 0,
			sr_hist_mean(h) / 1e3, sr_hist_pct(h, 50) / 1e3, sr_hist_pct(h, 90) / 1e3,
			sr_hist_pct(h, 99) / 1e3, sr_hist_pct(h, 99.9) / 1e3, h->max / 1e3, st->split,
			st->merged, st->realigned, sr_amplification(st), st->partial);
	}
}

int sr_report_write(FILE *f, enum sr_out_fmt fmt, const struct sr_report_info *ri,
		    const struct sr_stats *st)
{
	switch (fmt) {
	case SR_OUT_JSON:
		return write_json(f, ri, st);
	case SR_OUT_CSV:
		write_csv(f, ri, st);
		break;
	default:
		write_text(f, ri, st);
	}
	return ferror(f) ? -EIO : 0;
}

int sr_report_timeline_csv(FILE *f, const struct sr_stats *st)
{
	size_t i;

	fprintf(f, "second,read_bytes,read_ios,read_MiBps,write_bytes,write_ios,write_MiBps\n");
	for (i = 0; i < st->timeline.n; i++) {
		const struct sr_timeline_slot *s = &st->timeline.s[i];

		fprintf(f, "%zu,%" PRIu64 ",%" PRIu64 ",%.3f,%" PRIu64 ",%" PRIu64 ",%.3f\n", i,
			s->bytes[0], s->ios[0], s->bytes[0] / 1048576.0, s->bytes[1], s->ios[1],
			s->bytes[1] / 1048576.0);
	}
	return ferror(f) ? -EIO : 0;
}
