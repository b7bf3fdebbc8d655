#include "replay/report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/record.h"
#include "replay/replay.h"
#include "replay/report_fio.h"
#include "base/units.h"

static const double pcts[] = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
#define NR_PCTS (sizeof(pcts) / sizeof(pcts[0]))

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

static const char *target_of(const struct sr_report_info *ri, const struct sr_stats *st, uint32_t t)
{
	if (st->nr_tgt > 1 && t < st->nr_tgt && st->tgt[t].name)
		return st->tgt[t].name;
	return ri->target;
}

static const char *on_error_str(const struct sr_report_info *ri, char *buf, size_t n)
{
	const char *policy = ri->on_error == SR_ON_ERROR_CONTINUE ? "continue" : "stop";

	if (ri->retries)
		snprintf(buf, n, "retry:%u,%s", ri->retries, policy);
	else
		snprintf(buf, n, "%s", policy);
	return buf;
}

static void first_failure(char *buf, size_t n, const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_io_fates *f = &st->fates;

	snprintf(buf, n, "%s of %" PRIu64 " bytes at offset %" PRIu64 " on %s: %s (errno %d)",
		 sr_op_name(f->first_op), f->first_len, f->first_off, target_of(ri, st, f->first_target),
		 f->first_short ? "transferred 0 bytes (past the end of the target?)" : strerror(f->first_errno),
		 f->first_errno);
}

void sr_report_failures(char *buf, size_t n, const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_io_fates *f = &st->fates;
	char b1[32], first[400];
	int k;

	k = snprintf(buf, n, "%" PRIu64 " of %" PRIu64 " requests failed (%s)", f->failed, f->issued,
		     sr_fmt_bytes(b1, sizeof(b1), f->failed_bytes));
	if (f->have_first && k > 0 && (size_t)k < n) {
		first_failure(first, sizeof(first), ri, st);
		snprintf(buf + k, n - (size_t)k, "; first: %s", first);
	}
}

static uint64_t hmin(const struct sr_hist *h)
{
	return h->n ? h->min : 0;
}

static int spec_known(const struct sr_devspec *s)
{
	return s && (s->model[0] || s->seq_read_Bps > 0 || s->rand_read_iops > 0 || s->link_Bps > 0 ||
		     s->cal_seq_read_Bps > 0 || s->cal_rand_read_iops > 0);
}

/* Read+write figures of one target (or the whole run). */
struct both {
	uint64_t bytes, ios;
	struct sr_hist lat;
};

static void both_of(const struct sr_op_stats *op, struct both *b)
{
	b->bytes = op[0].bytes + op[1].bytes;
	b->ios = op[0].ios + op[1].ios;
	sr_hist_init(&b->lat);
	sr_hist_merge(&b->lat, &op[0].clat);
	sr_hist_merge(&b->lat, &op[1].clat);
}

static const char *tag_label(const struct sr_report_info *ri, uint32_t tag, char *buf, size_t n)
{
	const char *name = ri->tag_name ? ri->tag_name(ri->tag_name_arg, tag, buf, n) : NULL;

	if (name)
		return name;
	/* no model to name it: the number, and what sr_tag_make would mean by it */
	if (!tag)
		snprintf(buf, n, "0 (untagged)");
	else if ((tag >> 20) == 0)
		snprintf(buf, n, "%u (tensor %u)", tag, (tag & 0xfffffu) - 1);
	else
		snprintf(buf, n, "%u (tensor %u expert %u)", tag, (tag & 0xfffffu) - 1, (tag >> 20) - 1);
	return buf;
}

/* Entries of t ordered by bytes, largest first (malloc'd; NULL if empty). */
static const struct sr_tag_ent **tags_by_bytes(const struct sr_tag_stats *t);

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

static void text_device(FILE *f, const char *indent, const struct sr_devspec *s, double rbw,
			double wbw, double riops)
{
	struct sr_devspec_pct p;
	char b1[32];
	int any = 0;

	if (!spec_known(s))
		return;
	sr_devspec_pcts(s, rbw, wbw, riops, &p);
	fprintf(f, "%sdevice %s%s%s%s:", indent, s->disk[0] ? s->disk : "of the target",
		s->model[0] ? " (" : "", s->model, s->model[0] ? ")" : "");
	if (p.spec_read >= 0) {
		fprintf(f, " read %.1f%% of spec seq read (%.0f MB/s)", p.spec_read, s->seq_read_Bps / 1e6);
		any = 1;
	}
	if (p.spec_write >= 0 && wbw > 0) {
		fprintf(f, "%s write %.1f%% of spec seq write (%.0f MB/s)", any ? "," : "", p.spec_write,
			s->seq_write_Bps / 1e6);
		any = 1;
	}
	if (p.link >= 0) {
		fprintf(f, "%s %.1f%% of the link ceiling (%s%s%.0f MB/s)", any ? "," : "", p.link,
			s->link_desc, s->link_desc[0] ? ": " : "", s->link_Bps / 1e6);
		any = 1;
	}
	if (p.cal_read >= 0) {
		fprintf(f, "%s %.1f%% of the calibrated max (%.0f MB/s)", any ? "," : "", p.cal_read,
			s->cal_seq_read_Bps / 1e6);
		any = 1;
	}
	if (p.spec_iops >= 0) {
		snprintf(b1, sizeof(b1), " at QD%u", s->rand_qd);
		fprintf(f, "%s IOPS %.1f%% of spec random read (%.0f%s)", any ? ";" : "", p.spec_iops,
			s->rand_read_iops, s->rand_qd ? b1 : "");
		any = 1;
	}
	if (p.cal_iops >= 0) {
		fprintf(f, "%s IOPS %.1f%% of the calibrated max (%.0f)", any ? "," : "", p.cal_iops,
			s->cal_rand_read_iops);
		any = 1;
	}
	if (!any)
		fprintf(f, " no spec figures known (--spec seq_read=...,rand_read=...)");
	fputc('\n', f);
	if (s->spec_exceeds_link)
		fprintf(f, "%s  note: %s\n", indent,
			s->warning[0] ? s->warning : "the spec exceeds the link ceiling, which cannot be: check the spec");
}

static void text_targets(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	double t = sr_runtime_s(st);
	char b1[32];
	unsigned i;

	for (i = 0; i < st->nr_tgt && st->nr_tgt > 1; i++) {
		const struct sr_target_stats *ts = &st->tgt[i];
		struct both b;

		both_of(ts->op, &b);
		fprintf(f, "  target %u %s: %s, %.1f MiB/s, %.0f IOPS, lat (us) mean=%.1f p99=%.1f",
			i, ts->name, sr_fmt_bytes(b1, sizeof(b1), b.bytes),
			t > 0 ? (double)b.bytes / t / 1048576.0 : 0, t > 0 ? (double)b.ios / t : 0,
			sr_hist_mean(&b.lat) / 1e3, sr_hist_pct(&b.lat, 99) / 1e3);
		if (ts->op[0].errors + ts->op[1].errors)
			fprintf(f, ", %" PRIu64 " errors", ts->op[0].errors + ts->op[1].errors);
		if (ts->cpus[0])
			fprintf(f, ", cpus %s", ts->cpus);
		if (ts->numa_node >= 0)
			fprintf(f, " (node %d)", ts->numa_node);
		fputc('\n', f);
		if (ri->tgt_specs)
			text_device(f, "    ", &ri->tgt_specs[i], t > 0 ? ts->op[0].bytes / t : 0,
				    t > 0 ? ts->op[1].bytes / t : 0, t > 0 ? ts->op[0].ios / t : 0);
	}
}

static void text_tags(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_tag_stats *tg = st->tags;
	const struct sr_tag_ent **v;
	unsigned top = ri->tag_top ? ri->tag_top : 10, i;
	uint64_t total = st->op[0].bytes + st->op[1].bytes;
	char b1[32], name[160];

	if (!tg)
		return;
	fprintf(f, "  tags: %u distinct%s; top %u by bytes:\n", tg->n,
		tg->other.ios ? " (table full: the rest under other)" : "", top < tg->n ? top : tg->n);
	v = tags_by_bytes(tg);
	for (i = 0; v && i < tg->n && i < top; i++)
		fprintf(f, "    %-40s %10s (%5.1f%%) %9" PRIu64 " requests, lat (us) mean=%.1f p99=%.1f\n",
			tag_label(ri, v[i]->tag, name, sizeof(name)), sr_fmt_bytes(b1, sizeof(b1), v[i]->bytes),
			total ? 100.0 * (double)v[i]->bytes / (double)total : 0, v[i]->ios,
			sr_tag_mean(v[i]) / 1e3, sr_tag_pct(v[i], 99) / 1e3);
	if (tg->other.ios)
		fprintf(f, "    %-40s %10s (%5.1f%%) %9" PRIu64 " requests\n", "other",
			sr_fmt_bytes(b1, sizeof(b1), tg->other.bytes),
			total ? 100.0 * (double)tg->other.bytes / (double)total : 0, tg->other.ios);
	free(v);
}

static void text_fates(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_io_fates *x = &st->fates;
	const struct sr_faults *fl = ri->faults;
	char b1[32], b2[32], b3[32], pol[32], first[400];
	unsigned i;

	if (!fl && !x->failed && !x->eio && !x->errno_other && !x->short_ios && !x->retried)
		return;
	fprintf(f, "  requests: %" PRIu64 " issued (%s) = %" PRIu64 " completed (%s) + %" PRIu64 " failed (%s)\n",
		x->issued, sr_fmt_bytes(b1, sizeof(b1), x->issued_bytes), st->op[0].ios + st->op[1].ios,
		sr_fmt_bytes(b2, sizeof(b2), st->op[0].bytes + st->op[1].bytes), x->failed,
		sr_fmt_bytes(b3, sizeof(b3), x->failed_bytes));
	fprintf(f, "  errors: %" PRIu64 " EIO, %" PRIu64 " other errno, %" PRIu64 " short (%" PRIu64
		   " remainders resubmitted), %" PRIu64 " retries (%" PRIu64 " requests then completed); on error %s\n",
		x->eio, x->errno_other, x->short_ios, x->resubmitted, x->retried, x->retried_ok,
		on_error_str(ri, pol, sizeof(pol)));
	if (x->have_first) {
		first_failure(first, sizeof(first), ri, st);
		fprintf(f, "    first failure: %s\n", first);
	}
	if (!fl)
		return;
	fprintf(f, "  faults injected (seed %" PRIu64 "): %" PRIu64 " EIO, %" PRIu64 " short, %" PRIu64 " delayed",
		ri->seed, fl->injected_eio, fl->injected_short, fl->injected_delay);
	if (fl->delay_ns)
		fprintf(f, " by %" PRIu64 " ms", fl->delay_ns / 1000000);
	for (i = 0; i < fl->nr_fail_at; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "; fail-at ", fl->fail_at[i]);
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
	if (ri->layout)
		fprintf(f, "  layout %s over %u targets, %u thread%s per target\n", ri->layout, st->nr_tgt,
			ri->threads ? ri->threads : 1, ri->threads > 1 ? "s" : "");
	if (st->cpus[0])
		fprintf(f, "  replay threads on cpus %s\n", st->cpus);
	if (st->partial)
		fprintf(f, "  PARTIAL: stopped before the end of the workload\n");
	text_op(f, st, SR_OP_READ);
	if (st->op[1].ios || st->op[1].errors)
		text_op(f, st, SR_OP_WRITE);
	{
		double t = sr_runtime_s(st);

		text_device(f, "  ", ri->spec, sr_bw_bytes(st, 0), sr_bw_bytes(st, 1),
			    t > 0 ? (double)st->op[0].ios / t : 0);
	}
	text_targets(f, ri, st);
	text_tags(f, ri, st);
	if (st->skipped_writes)
		fprintf(f, "  writes: %" PRIu64 " write records (%s) skipped: read-only unless --allow-write\n",
			st->skipped_writes, sr_fmt_bytes(b1, sizeof(b1), st->skipped_bytes));
	fprintf(f, "  shaping: %" PRIu64 " records asking %s; split +%" PRIu64 ", merged %" PRIu64
		   ", realigned %" PRIu64 ", remapped %" PRIu64 ", other ops skipped %" PRIu64 "\n",
		st->records, sr_fmt_bytes(b1, sizeof(b1), st->req_bytes), st->split, st->merged,
		st->realigned, st->remapped, st->skipped_other);
	if (st->eof_trimmed)
		fprintf(f, "  end of target: %" PRIu64 " records stop at the last whole %u-byte block; %s of the partial block not read\n",
			st->eof_trimmed, ri->lbs, sr_fmt_bytes(b1, sizeof(b1), st->eof_trimmed_bytes));
	if (st->stripe_split)
		fprintf(f, "  stripe: +%" PRIu64 " requests from cutting at chunk boundaries\n", st->stripe_split);
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
	text_fates(f, ri, st);
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
	json_t *j = sr_fio_dir(o->bytes, o->ios, sr_runtime_s(st)), *sizes = json_object();
	unsigned k;

	json_object_set_new(j, "short_ios", json_integer((json_int_t)o->short_ios));
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

static json_t *jpct(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

static json_t *jpos(double v)
{
	return v > 0 ? json_real(v) : json_null();
}

/* bytes per second: an integer (README "Units in reports"), null when unknown */
static json_t *jBps(double v)
{
	return v > 0 ? json_integer((json_int_t)llround(v)) : json_null();
}

static json_t *json_device(const struct sr_devspec *s, double rbw, double wbw, double riops)
{
	struct sr_devspec_pct p;
	json_t *j = json_object();

	sr_devspec_pcts(s, rbw, wbw, riops, &p);
	json_object_set_new(j, "disk", json_string(s->disk));
	json_object_set_new(j, "model", json_string(s->model));
	json_object_set_new(j, "profile", json_string(s->profile));
	json_object_set_new(j, "spec_source", json_string(s->source));
	json_object_set_new(j, "spec_seq_read_Bps", jBps(s->seq_read_Bps));
	json_object_set_new(j, "spec_pct", jpct(p.spec_read));
	json_object_set_new(j, "spec_seq_write_Bps", jBps(s->seq_write_Bps));
	json_object_set_new(j, "spec_write_pct", jpct(p.spec_write));
	json_object_set_new(j, "spec_rand_read_iops", jpos(s->rand_read_iops));
	json_object_set_new(j, "spec_rand_qd", s->rand_qd ? JU(s->rand_qd) : json_null());
	json_object_set_new(j, "spec_iops_pct", jpct(p.spec_iops));
	json_object_set_new(j, "link", json_string(s->link_desc));
	json_object_set_new(j, "link_Bps", jBps(s->link_Bps));
	json_object_set_new(j, "link_pct", jpct(p.link));
	json_object_set_new(j, "cal_seq_read_Bps", jBps(s->cal_seq_read_Bps));
	json_object_set_new(j, "cal_pct", jpct(p.cal_read));
	json_object_set_new(j, "cal_rand_read_iops", jpos(s->cal_rand_read_iops));
	json_object_set_new(j, "cal_iops_pct", jpct(p.cal_iops));
	json_object_set_new(j, "spec_exceeds_link", json_boolean(s->spec_exceeds_link));
	return j;
}

static json_t *json_op_brief(const struct sr_op_stats *o, double t)
{
	return json_pack("{s:I,s:I,s:I,s:f,s:f,s:I,s:I}", "bytes", (json_int_t)o->bytes, "ios",
			 (json_int_t)o->ios, "bw_Bps", (json_int_t)(t > 0 ? llround((double)o->bytes / t) : 0), "iops",
			 t > 0 ? (double)o->ios / t : 0.0, "lat_mean_ns", sr_hist_mean(&o->clat),
			 "lat_p99_ns", (json_int_t)sr_hist_pct(&o->clat, 99), "errors", (json_int_t)o->errors);
}

static json_t *json_cpu_list(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (*p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			break;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (; lo <= hi && lo < 65536; lo++)
			json_array_append_new(a, JU(lo));
		p = *end == ',' ? end + 1 : end;
		if (!*end || (*end != ',' && *end != '-'))
			break;
	}
	return a;
}

static json_t *json_targets(const struct sr_report_info *ri, const struct sr_stats *st)
{
	double t = sr_runtime_s(st);
	json_t *a = json_array();
	unsigned i;

	for (i = 0; i < st->nr_tgt; i++) {
		const struct sr_target_stats *ts = &st->tgt[i];
		json_t *j = json_object();
		struct both b;

		both_of(ts->op, &b);
		json_object_set_new(j, "name", json_string(ts->name ? ts->name : ""));
		json_object_set_new(j, "bytes", JU(b.bytes));
		json_object_set_new(j, "ios", JU(b.ios));
		json_object_set_new(j, "bw_Bps", JU(t > 0 ? llround((double)b.bytes / t) : 0));
		json_object_set_new(j, "iops", json_real(t > 0 ? (double)b.ios / t : 0));
		json_object_set_new(j, "lat_mean_ns", json_real(sr_hist_mean(&b.lat)));
		json_object_set_new(j, "lat_p99_ns", JU(sr_hist_pct(&b.lat, 99)));
		json_object_set_new(j, "read", json_op_brief(&ts->op[0], t));
		json_object_set_new(j, "write", json_op_brief(&ts->op[1], t));
		json_object_set_new(j, "verified_bytes", JU(ts->verified_bytes));
		json_object_set_new(j, "verify_errors", JU(ts->verify_errors));
		json_object_set_new(j, "numa_node", json_integer(ts->numa_node));
		json_object_set_new(j, "cpus", json_string(ts->cpus));
		if (ri->tgt_specs && spec_known(&ri->tgt_specs[i]))
			json_object_set_new(j, "device",
					    json_device(&ri->tgt_specs[i], t > 0 ? ts->op[0].bytes / t : 0,
							t > 0 ? ts->op[1].bytes / t : 0,
							t > 0 ? ts->op[0].ios / t : 0));
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *json_tag(const struct sr_report_info *ri, const struct sr_tag_ent *e, int other)
{
	json_t *j = json_object();
	char name[160];

	if (!other) {
		json_object_set_new(j, "tag", JU(e->tag));
		json_object_set_new(j, "name", json_string(tag_label(ri, e->tag, name, sizeof(name))));
		/* as sr_tag_make (synth/model.h) packs them: -1 = none */
		json_object_set_new(j, "tensor", json_integer((json_int_t)(e->tag & 0xfffffu) - 1));
		json_object_set_new(j, "expert", json_integer((json_int_t)(e->tag >> 20) - 1));
	}
	json_object_set_new(j, "bytes", JU(e->bytes));
	json_object_set_new(j, "ios", JU(e->ios));
	json_object_set_new(j, "lat_mean_ns", json_real(sr_tag_mean(e)));
	json_object_set_new(j, "lat_p99_ns", JU(sr_tag_pct(e, 99)));
	json_object_set_new(j, "lat_max_ns", JU(e->lat_max));
	return j;
}

static int cmp_ent_bytes(const void *a, const void *b)
{
	const struct sr_tag_ent *x = *(const struct sr_tag_ent *const *)a;
	const struct sr_tag_ent *y = *(const struct sr_tag_ent *const *)b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static const struct sr_tag_ent **tags_by_bytes(const struct sr_tag_stats *t)
{
	const struct sr_tag_ent **v;
	uint32_t i;

	if (!t->n || !(v = malloc(t->n * sizeof(*v))))
		return NULL;
	for (i = 0; i < t->n; i++)
		v[i] = &t->ent[i];
	qsort(v, t->n, sizeof(*v), cmp_ent_bytes);
	return v;
}

static void json_tags(json_t *j, const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_tag_ent **v = tags_by_bytes(st->tags);
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; v && i < st->tags->n; i++)
		json_array_append_new(a, json_tag(ri, v[i], 0));
	free(v);
	json_object_set_new(j, "tags", a);
	json_object_set_new(j, "tags_other", json_tag(ri, &st->tags->other, 1));
}

static json_t *json_fates(const struct sr_report_info *ri, const struct sr_stats *st)
{
	const struct sr_io_fates *x = &st->fates;
	json_t *j = json_object(), *fe;
	char pol[32];

	json_object_set_new(j, "issued", JU(x->issued));
	json_object_set_new(j, "issued_bytes", JU(x->issued_bytes));
	json_object_set_new(j, "completed", JU(st->op[0].ios + st->op[1].ios));
	json_object_set_new(j, "completed_bytes", JU(st->op[0].bytes + st->op[1].bytes));
	json_object_set_new(j, "failed", JU(x->failed));
	json_object_set_new(j, "failed_bytes", JU(x->failed_bytes));
	json_object_set_new(j, "eio", JU(x->eio));
	json_object_set_new(j, "errno_other", JU(x->errno_other));
	json_object_set_new(j, "short", JU(x->short_ios));
	json_object_set_new(j, "resubmitted", JU(x->resubmitted));
	json_object_set_new(j, "retried", JU(x->retried));
	json_object_set_new(j, "retried_ok", JU(x->retried_ok));
	json_object_set_new(j, "on_error", json_string(on_error_str(ri, pol, sizeof(pol))));
	if (!x->have_first) {
		json_object_set_new(j, "first_error", json_null());
		return j;
	}
	fe = json_object();
	json_object_set_new(fe, "offset", JU(x->first_off));
	json_object_set_new(fe, "length", JU(x->first_len));
	json_object_set_new(fe, "errno", json_integer(x->first_errno));
	json_object_set_new(fe, "error", json_string(x->first_short ? "transferred 0 bytes" : strerror(x->first_errno)));
	json_object_set_new(fe, "short", json_boolean(x->first_short));
	json_object_set_new(fe, "op", json_string(sr_op_name(x->first_op)));
	json_object_set_new(fe, "target", json_string(target_of(ri, st, x->first_target)));
	json_object_set_new(fe, "target_index", JU(x->first_target));
	json_object_set_new(fe, "time_ns", JU(x->first_t_ns));
	json_object_set_new(j, "first_error", fe);
	return j;
}

static json_t *json_faults(const struct sr_report_info *ri)
{
	const struct sr_faults *fl = ri->faults;
	json_t *j = json_object(), *at = json_array();
	unsigned i;

	json_object_set_new(j, "inner", json_string(fl->inner ? fl->inner->name : ""));
	json_object_set_new(j, "seed", JU(ri->seed));
	json_object_set_new(j, "eio_ratio", json_real(fl->eio));
	json_object_set_new(j, "short_ratio", json_real(fl->short_rate));
	json_object_set_new(j, "delay_ms", JU(fl->delay_ns / 1000000));
	json_object_set_new(j, "delay_ratio", json_real(fl->delay_rate));
	for (i = 0; i < fl->nr_fail_at; i++)
		json_array_append_new(at, JU(fl->fail_at[i]));
	json_object_set_new(j, "fail_at", at);
	json_object_set_new(j, "completions", JU(fl->seq));
	json_object_set_new(j, "injected_eio", JU(fl->injected_eio));
	json_object_set_new(j, "injected_short", JU(fl->injected_short));
	json_object_set_new(j, "injected_delay", JU(fl->injected_delay));
	return j;
}

static json_t *json_own(const struct sr_report_info *ri, const struct sr_stats *st)
{
	json_t *j = json_object(), *tl = json_array();
	size_t i;

	json_object_set_new(j, "target", json_string(ri->target));
	json_object_set_new(j, "target_bytes", JU(ri->target_size));
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
	json_object_set_new(j, "stripe_split", JU(st->stripe_split));
	json_object_set_new(j, "merged", JU(st->merged));
	json_object_set_new(j, "realigned", JU(st->realigned));
	json_object_set_new(j, "eof_trimmed", JU(st->eof_trimmed));
	json_object_set_new(j, "eof_trimmed_bytes", JU(st->eof_trimmed_bytes));
	json_object_set_new(j, "remapped", JU(st->remapped));
	json_object_set_new(j, "page_expanded", JU(st->page_expanded));
	json_object_set_new(j, "page_extra_bytes", JU(st->page_extra_bytes));
	json_object_set_new(j, "amplification_ratio", json_real(sr_amplification(st)));
	json_object_set_new(j, "verified_bytes", JU(st->verified_bytes));
	json_object_set_new(j, "verify_errors", JU(st->verify_errors));
	json_object_set_new(j, "errors", json_fates(ri, st));
	if (ri->faults)
		json_object_set_new(j, "faults", json_faults(ri));
	json_object_set_new(j, "bw_Bps", JU(llround(sr_bw_bytes(st, 0) + sr_bw_bytes(st, 1))));
	if (st->lag.n)
		json_object_set_new(j, "lag_ns", json_hist(&st->lag));
	if (ri->layout)
		json_object_set_new(j, "layout", json_string(ri->layout));
	json_object_set_new(j, "threads_per_target", JU(ri->threads ? ri->threads : 1));
	json_object_set_new(j, "cpus", json_string(st->cpus));
	json_object_set_new(j, "cpu_list", json_cpu_list(st->cpus));
	if (st->nr_tgt)
		json_object_set_new(j, "targets", json_targets(ri, st));
	if (spec_known(ri->spec)) {
		double t = sr_runtime_s(st);

		json_object_set_new(j, "device", json_device(ri->spec, sr_bw_bytes(st, 0), sr_bw_bytes(st, 1),
							    t > 0 ? (double)st->op[0].ios / t : 0));
	}
	if (st->tags)
		json_tags(j, ri, st);
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

static int write_json(FILE *f, const struct sr_report_info *ri, const struct sr_stats *st, int plus)
{
	json_t *root = json_object(), *jobs = json_array(), *job = json_object();
	double t = sr_runtime_s(st);
	int ret;

	json_object_set_new(root, "fio version", json_string("ssdreplay-" SR_VERSION));
	json_object_set_new(job, "jobname", json_string(ri->cmd));
	json_object_set_new(job, "groupid", json_integer(0));
	/* fio's td->error: the errno of the first request that failed; a run
	 * cut short otherwise (signal, verify mismatch) keeps its old 1 */
	json_object_set_new(job, "error", json_integer(st->fates.have_first ? st->fates.first_errno
									  : st->partial ? 1 : 0));
	json_object_set_new(job, "job_runtime", JU(t * 1000));
	json_object_set_new(job, "read", json_op(st, SR_OP_READ));
	json_object_set_new(job, "write", json_op(st, SR_OP_WRITE));
	json_object_set_new(job, "usr_cpu", json_real(t > 0 ? 100 * st->usr_cpu_s / t : 0));
	json_object_set_new(job, "sys_cpu", json_real(t > 0 ? 100 * st->sys_cpu_s / t : 0));
	json_object_set_new(job, "ssdreplay", json_own(ri, st));
	sr_report_fio_keys(root, job, ri, st, plus);
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

	fprintf(f, "target,source,engine,qd,max_request,page,op,ios,bytes,runtime_s,bw_Bps,iops,"
		   "clat_mean_us,clat_p50_us,clat_p90_us,clat_p99_us,clat_p999_us,clat_max_us,"
		   "split,merged,realigned,amplification_ratio,partial\n");
	for (op = 0; op < 2; op++) {
		const struct sr_op_stats *o = &st->op[op];
		const struct sr_hist *h = &o->clat;
		double t = sr_runtime_s(st), bw = sr_bw_bytes(st, op);

		if (op == SR_OP_WRITE && !o->ios && !o->errors)
			continue;
		fprintf(f, "%s,%s,%s,%u,%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64
			   ",%.6f,%lld,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%.6f,%d\n",
			ri->target, ri->source, ri->engine, ri->qd, ri->bs, ri->page, sr_op_name(op),
			o->ios, o->bytes, t, llround(bw), t > 0 ? (double)o->ios / t : 0,
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
	case SR_OUT_JSON_PLUS:
		return write_json(f, ri, st, fmt == SR_OUT_JSON_PLUS);
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

	fprintf(f, "second,read_bytes,read_ios,read_Bps,write_bytes,write_ios,write_Bps\n");
	for (i = 0; i < st->timeline.n; i++) {
		const struct sr_timeline_slot *s = &st->timeline.s[i];
		/* rates of the last, partial second over the time it covered */
		double span = i + 1 == st->timeline.n ? sr_timeline_last_span(st) : 1;

		fprintf(f, "%zu,%" PRIu64 ",%" PRIu64 ",%lld,%" PRIu64 ",%" PRIu64 ",%lld\n", i,
			s->bytes[0], s->ios[0], llround(s->bytes[0] / span), s->bytes[1], s->ios[1],
			llround(s->bytes[1] / span));
	}
	return ferror(f) ? -EIO : 0;
}
