/* ssdreplay analyze [options] TRACE: characterize a trace without replaying it. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/analyze_kv.h"
#include "cli/analyze_lat.h"
#include "base/escape.h"
#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "trace/devseen.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "replay/report.h"
#include "base/units.h"
#include "synth/model.h"
#include "synth/profile.h"
#include "trace/analyze.h"
#include "trace/analyze_json.h"
#include "base/plot.h"

#define CMD "analyze"
#define TOP_TEXT 20
#define TOP_JSON 100

enum {
	O_FORMAT = 'f', O_OUTPUT = 'o',
	O_PAGE = 256, O_SIZE, O_TARGET, O_OUTFMT, O_PLOT, O_PROGRESS,
	O_TRACE_IN, O_TRACE_IN_LAST = O_TRACE_IN + SR_CLI_TRACE_IN_NR - 1,
};

struct args {
	struct sr_cli_trace_in in;
	const char *format, *output, *target, *plot, *trace, *src_format;
	uint64_t page, size;
	int have_size, progress;
	enum sr_out_fmt outfmt;
	struct sr_blklat *lat; /* Q/D/C pairing of block traces */
};

#define A struct args
static const struct sr_opt opts[] = {
	SR_CLI_FORMAT_ROW(O_FORMAT, A, format, "trace format: %s"),
	{ SR_OPT_SIZE("page", O_PAGE, "SIZE", "4k", "granularity of unique bytes: a power of two from 512 to 1G", A, page, SR_ANALYZE_PAGE_MIN, SR_ANALYZE_PAGE_MAX),
	  .flags = SR_OPTF_POW2, .expect = "a power of two from 512 to 1G (4k, 64k, 2M)" },
	{ SR_OPT_SIZE("size", O_SIZE, "SIZE", "highest offset in trace", "extent coverage is against (the model or device size)", A, size, 1, 0),
	  .flags = SR_OPTF_DEFDOC, .expect = "a size above 0", .seen_off = offsetof(A, have_size) },
	{ SR_OPT_STR("target", O_TARGET, "FILE", "", "take the coverage extent from this file's or block device's size", A, target) },
	SR_CLI_OUTPUT_ROWS(O_OUTPUT, O_OUTFMT, A, output, outfmt, "FILE", "stdout", "write the report here (only once the whole trace parsed)", "text, json, csv"),
	{ SR_OPT_STR("plot", O_PLOT, "DIR", "", "write heatmap.svg (offset over time) and sizes.svg here, each with its .csv data, .gp gnuplot script and .png (where gnuplot can)", A, plot) },
	SR_CLI_PROGRESS_ROW(O_PROGRESS, A, progress),
	SR_CLI_TRACE_IN_OPTS(O_TRACE_IN),
	SR_OPT_END,
};
#undef A

/* The trace filters: handle() of the table. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	if (key >= O_TRACE_IN && key <= O_TRACE_IN_LAST)
		return sr_cli_trace_in_opt(CMD, key - O_TRACE_IN, arg, &a->in, e);
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

static const char *size_from(const struct args *a)
{
	return a->have_size ? "size" : a->target ? "target" : a->in.gguf ? "model" : "extent";
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* ---- --gguf: bytes read per tensor, tensor kind and layer ---- */

struct by_tensor {
	uint64_t total;                /* bytes read, labelled or not */
	uint64_t kind[SR_TK_NR];
	uint64_t *layer;               /* [n_layer] */
	uint32_t n_layer;
	uint64_t global;               /* non-layer tensors */
	size_t top[TOP_JSON];
	size_t n_top;
};

static int by_tensor(const struct sr_analysis *an, struct by_tensor *b)
{
	const struct sr_model *m = an->model;
	size_t i;

	memset(b, 0, sizeof(*b));
	b->total = an->bytes[SR_OP_READ];
	b->n_layer = sr_model_n_layers(m);
	b->layer = calloc(b->n_layer + 1, sizeof(*b->layer));
	if (!b->layer)
		return -ENOMEM;
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		b->kind[t->kind < SR_TK_NR ? t->kind : 0] += an->t_bytes[i];
		if (t->layer >= 0)
			b->layer[t->layer] += an->t_bytes[i];
		else
			b->global += an->t_bytes[i];
	}
	b->n_top = sr_analysis_top_tensors(an, b->top, TOP_JSON);
	return 0;
}

/* The model's expert geometry for per-slice counts (analyze.h). */
static int set_experts(struct sr_analysis *an, const struct sr_model *m, struct sr_err *e)
{
	uint32_t *n = calloc(m->n_tensors + 1, sizeof(*n));
	uint64_t *u = calloc(m->n_tensors + 1, sizeof(*u));
	size_t i;
	int ret;

	if (!n || !u) {
		free(n);
		free(u);
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < m->n_tensors; i++)
		if (sr_tkind_is_experts(m->tensors[i].kind) && !m->tensors[i].is_bias && m->tensors[i].layer >= 0) {
			n[i] = m->tensors[i].n_expert;
			u[i] = m->tensors[i].expert_bytes;
		}
	ret = sr_analysis_set_experts(an, n, u, e);
	free(n);
	free(u);
	return ret;
}

/* Bytes read of expert x at layer l, over the layer's expert tensors; -1
 * when layer l has no expert tensor with an expert x. */
static int64_t layer_expert_bytes(const struct sr_analysis *an, uint32_t l, uint32_t x)
{
	const struct sr_model *m = an->model;
	int64_t sum = -1;
	size_t i;

	for (i = 0; an->x_n && i < m->n_tensors; i++)
		if (m->tensors[i].layer == (int32_t)l && x < an->x_n[i])
			sum = (sum < 0 ? 0 : sum) + (int64_t)an->x_bytes[an->x_base[i] + x];
	return sum;
}

static void text_experts(FILE *f, const struct sr_analysis *an, const struct by_tensor *b)
{
	char b1[32];
	uint32_t l, x;
	int64_t v;

	for (l = 0; l < b->n_layer; l++) {
		if (layer_expert_bytes(an, l, 0) < 0)
			continue;
		fprintf(f, "  bytes read by expert, layer %u:", l);
		for (x = 0; (v = layer_expert_bytes(an, l, x)) >= 0; x++)
			fprintf(f, " %u: %s", x, sr_fmt_bytes(b1, sizeof(b1), (uint64_t)v));
		fputc('\n', f);
	}
}

static void text_tensors(FILE *f, const struct args *a, const struct sr_analysis *an, const struct by_tensor *b)
{
	const struct sr_model *m = an->model;
	char b1[32], b2[32], en[1024];
	size_t i;
	uint32_t l;

	fprintf(f, "  tensors (--gguf %s): %s read inside %zu tensors, %s outside any tensor\n", a->in.gguf,
		sr_fmt_bytes(b1, sizeof(b1), b->total - an->unlabelled), m->n_tensors,
		sr_fmt_bytes(b2, sizeof(b2), an->unlabelled));
	fprintf(f, "  top tensors by bytes read:\n");
	for (i = 0; i < b->n_top && i < TOP_TEXT; i++) {
		size_t t = b->top[i];

		fprintf(f, "    %-36s %12s %6.2f%% %10" PRIu64 " reads\n", sr_esc(en, sizeof(en), m->tensors[t].name),
			sr_fmt_bytes(b1, sizeof(b1), an->t_bytes[t]), pct(an->t_bytes[t], b->total), an->t_reads[t]);
	}
	fprintf(f, "  bytes read by tensor kind:");
	for (i = 0; i < SR_TK_NR; i++)
		if (b->kind[i])
			fprintf(f, " %s %s (%.1f%%)", sr_tkind_name((enum sr_tkind)i),
				sr_fmt_bytes(b1, sizeof(b1), b->kind[i]), pct(b->kind[i], b->total));
	fprintf(f, "\n  bytes read by layer:");
	for (l = 0; l < b->n_layer; l++)
		fprintf(f, " %u: %s", l, sr_fmt_bytes(b1, sizeof(b1), b->layer[l]));
	fprintf(f, "; global %s\n", sr_fmt_bytes(b1, sizeof(b1), b->global));
	text_experts(f, an, b);
}

static json_t *json_tensors(const struct args *a, const struct sr_analysis *an, const struct by_tensor *b)
{
	const struct sr_model *m = an->model;
	json_t *o = json_object(), *arr, *k;
	size_t i;
	uint32_t l;

	json_object_set_new(o, "model", json_string(a->in.gguf));
	json_object_set_new(o, "tensors", json_integer((json_int_t)m->n_tensors));
	json_object_set_new(o, "labelled_bytes", json_integer((json_int_t)(b->total - an->unlabelled)));
	json_object_set_new(o, "unlabelled_bytes", json_integer((json_int_t)an->unlabelled));
	json_object_set_new(o, "top", arr = json_array());
	for (i = 0; i < b->n_top; i++) {
		size_t t = b->top[i];

		json_array_append_new(arr, json_pack("{s:s,s:I,s:f,s:I,s:i,s:s}", "name", m->tensors[t].name,
						     "bytes", (json_int_t)an->t_bytes[t], "pct",
						     pct(an->t_bytes[t], b->total), "reads",
						     (json_int_t)an->t_reads[t], "layer", (int)m->tensors[t].layer,
						     "kind", sr_tkind_name((enum sr_tkind)m->tensors[t].kind)));
	}
	json_object_set_new(o, "kind_bytes", k = json_object());
	for (i = 0; i < SR_TK_NR; i++)
		if (b->kind[i])
			json_object_set_new(k, sr_tkind_name((enum sr_tkind)i), json_integer((json_int_t)b->kind[i]));
	json_object_set_new(o, "layers", arr = json_array());
	for (l = 0; l < b->n_layer; l++)
		json_array_append_new(arr, json_integer((json_int_t)b->layer[l]));
	json_object_set_new(o, "global_bytes", json_integer((json_int_t)b->global));
	/* experts[layer][expert]: bytes read of each slice; [] for a layer without experts */
	json_object_set_new(o, "experts", arr = json_array());
	for (l = 0; l < b->n_layer; l++) {
		json_t *row = json_array();
		int64_t v;
		uint32_t x;

		for (x = 0; (v = layer_expert_bytes(an, l, x)) >= 0; x++)
			json_array_append_new(row, json_integer((json_int_t)v));
		json_array_append_new(arr, row);
	}
	return o;
}

/* ---- devices: a block trace of several is several address spaces ---- */

static void text_devices(FILE *f, const struct args *a)
{
	struct sr_trace_dev d[SR_DEVSEEN_MAX];
	int more;
	unsigned n = sr_trace_devs(d, SR_DEVSEEN_MAX, &more), i;

	if (n < 2)
		return;
	fprintf(f, "  devices: %u%s in the trace:", n, more ? "+" : "");
	for (i = 0; i < n; i++)
		fprintf(f, " %u:%u (%" PRIu64 " events)", d[i].major, d[i].minor, d[i].events);
	if (a->in.topts.have_dev)
		fprintf(f, "; only %u:%u analysed (--dev)\n", a->in.topts.dev_major, a->in.topts.dev_minor);
	else
		fprintf(f, "\n  NOTE: their offsets are folded into one address space below; pick one with --dev MAJ:MIN\n");
}

static json_t *json_devices(const struct args *a)
{
	struct sr_trace_dev d[SR_DEVSEEN_MAX];
	json_t *arr = json_array();
	char name[32];
	unsigned n = sr_trace_devs(d, SR_DEVSEEN_MAX, NULL), i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%u:%u", d[i].major, d[i].minor);
		json_array_append_new(arr, json_pack("{s:s,s:I,s:b}", "dev", name, "events", (json_int_t)d[i].events,
						     "analysed", !a->in.topts.have_dev ||
								 (a->in.topts.dev_major == d[i].major &&
								  a->in.topts.dev_minor == d[i].minor)));
	}
	return arr;
}

/* ---- text ---- */

static void write_text(FILE *f, const struct args *a, const struct sr_analysis *an,
		       const struct sr_analysis_res *r)
{
	char b1[32], b2[32], b3[32];
	uint64_t sz[SR_SIZE_BUCKETS];
	unsigned k;

	fprintf(f, "ssdreplay %s: analyze of %s (%s, level %s), page %s\n", SR_VERSION, a->trace,
		a->src_format, sr_trace_format_level(a->src_format), sr_fmt_bytes(b1, sizeof(b1), an->page));
	if (sr_cli_trace_filtering(&a->in.topts))
		fprintf(f, "  filtered: only records passing --event/--dev/--pid/--comm/--ops/--time\n");
	fprintf(f, "  records: %" PRIu64 ": %" PRIu64 " reads (%s), %" PRIu64 " writes (%s), %" PRIu64
		   " trims (%s), %" PRIu64 " syncs\n", an->records, an->ops[SR_OP_READ],
		sr_fmt_bytes(b1, sizeof(b1), an->bytes[SR_OP_READ]), an->ops[SR_OP_WRITE],
		sr_fmt_bytes(b2, sizeof(b2), an->bytes[SR_OP_WRITE]), an->ops[SR_OP_TRIM],
		sr_fmt_bytes(b3, sizeof(b3), an->bytes[SR_OP_TRIM]), an->ops[SR_OP_SYNC]);
	if (an->zero_len)
		fprintf(f, "  %" PRIu64 " zero-length reads/writes counted above, left out below\n", an->zero_len);
	if (an->max_target)
		fprintf(f, "  %u targets: their offsets are analysed as one address space\n", an->max_target + 1);
	text_devices(f, a);
	sr_cli_analyze_lat_text(f, a->lat);
	fprintf(f, "  requests: %" PRIu64 " reads and writes, mean size %s\n", an->requests,
		sr_fmt_bytes(b1, sizeof(b1), (uint64_t)(r->mean_req + 0.5)));
	fprintf(f, "  request sizes:");
	for (k = 0; k < SR_SIZE_BUCKETS; k++) {
		sz[k] = an->sizes[0].b[k] + an->sizes[1].b[k];
		if (sz[k])
			fprintf(f, " <=%s: %" PRIu64 " (%.1f%%)", sr_fmt_bytes(b1, sizeof(b1), 1ull << k),
				sz[k], pct(sz[k], an->requests));
	}
	fprintf(f, "\n  unique: %s read (%" PRIu64 " pages), %s written (%" PRIu64 " pages), %s in all;"
		   " %" PRIu64 " pages re-read (%.1f%% of pages read)\n",
		sr_fmt_bytes(b1, sizeof(b1), r->read_unique), r->read_pages,
		sr_fmt_bytes(b2, sizeof(b2), r->write_unique), r->write_pages,
		sr_fmt_bytes(b3, sizeof(b3), r->unique), r->reread_pages, pct(r->reread_pages, r->read_pages));
	fprintf(f, "  read amplification: %.3fx (bytes read / unique bytes read), %.3fx (page touches / unique pages)\n",
		r->amp_bytes, r->amp_pages);
	fprintf(f, "  coverage: %.2f%% of %s (%s), reads alone %.2f%%\n", 100 * r->coverage,
		sr_fmt_bytes(b1, sizeof(b1), r->size),
		a->have_size ? "--size" : a->target ? a->target : a->in.gguf ? a->in.gguf : "highest offset in the trace",
		100 * r->read_coverage);
	fprintf(f, "  gaps: %" PRIu64 " between %" PRIu64 " requests: sequential %" PRIu64 " (%.1f%%), "
		   "forward skip %" PRIu64 " (%.1f%%), backward seek %" PRIu64 " (%.1f%%)\n",
		an->gaps, an->requests, an->seq, r->seq_pct, an->fwd, r->fwd_pct, an->back, r->back_pct);
	if (an->jump.n)
		fprintf(f, "  jump distance (non-sequential gaps): mean %s, median ~%s (within 1.6%%)\n",
			sr_fmt_bytes(b1, sizeof(b1), (uint64_t)(r->jump_mean + 0.5)),
			sr_fmt_bytes(b2, sizeof(b2), r->jump_median));
	fprintf(f, "  passes: %.3f (page touches / unique pages), restarts %" PRIu64
		   " (backward jumps over half the highest offset so far)\n", r->passes, an->restarts);
	if (!r->timed) {
		fprintf(f, "  time: no timestamps\n");
		return;
	}
	if (an->timed < an->requests)
		fprintf(f, "  time: only %" PRIu64 " of %" PRIu64 " requests have timestamps; figures use those\n",
			an->timed, an->requests);
	fprintf(f, "  bandwidth: average %.2f MiB/s (%.3f GB/s) over %" PRIu64 " s (span %.3f s), "
		   "peak %.2f MiB/s (%.3f GB/s) in second %" PRIu64 "\n", r->bw_avg / 1048576.0,
		r->bw_avg / 1e9, r->seconds, r->span_s, (double)r->bw_peak / 1048576.0,
		(double)r->bw_peak / 1e9, r->peak_sec);
	if (an->iat.n)
		fprintf(f, "  inter-arrival (us): mean=%.1f p50=%.1f p99=%.1f max=%.1f%s\n",
			sr_hist_mean(&an->iat) / 1e3, r->iat_p50 / 1e3, r->iat_p99 / 1e3, an->iat.max / 1e3,
			an->t_backwards ? " (some timestamps go backwards: counted as 0)" : "");
}

/* ---- JSON: one object, a section per topic ---- */

#define JU(v) json_integer((json_int_t)(v))
#define SET(o, k, v) json_object_set_new(o, k, v)

static int write_json(FILE *f, const struct args *a, const struct sr_analysis *an,
		      const struct sr_analysis_res *r)
{
	struct sr_analysis_json_in in = { .source = a->trace, .format = a->src_format,
					  .filtered = sr_cli_trace_filtering(&a->in.topts), .devices = json_devices(a),
					  .size_from = size_from(a), .target = a->target };
	json_t *root, *o;
	int ret;

	if (in.devices && sr_cli_analyze_lat_json(in.devices, a->lat)) {
		json_decref(in.devices);
		return -ENOMEM;
	}
	root = sr_analysis_json(an, r, &in);

	o = sr_cli_analyze_kv_json(an, an->model != NULL, &ret);
	if (o)
		SET(root, "kv", o);
	if (ret) {
		json_decref(root);
		return ret;
	}
	if (an->model) {
		struct by_tensor b;

		if (by_tensor(an, &b)) {
			json_decref(root);
			return -ENOMEM;
		}
		SET(root, "tensors", json_tensors(a, an, &b));
		free(b.layer);
	}
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

/* ---- CSV: a header and one row of the main scalars ---- */

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const struct args *a, const struct sr_analysis *an,
		      const struct sr_analysis_res *r)
{
	fputs("source,format,page,records,requests,reads,writes,trims,syncs,read_bytes,write_bytes,"
	      "unique_read_bytes,unique_bytes,reread_pages,amplification_ratio,page_amplification_ratio,size_bytes,"
	      "size_from,coverage_ratio,gaps,sequential,forward,backward,sequential_pct,forward_pct,backward_pct,"
	      "jump_mean_bytes,jump_median_bytes,mean_request_bytes,passes_ratio,restarts,timestamps,bw_avg_Bps,"
	      "bw_peak_Bps,iat_p50_us,iat_p99_us\n", f);
	csv_field(f, a->trace);
	fputc(',', f);
	csv_field(f, a->src_format);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		   ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%.6f,%" PRIu64 ",%s"
		   ",%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f,%.3f,%lld,%" PRIu64
		   ",%lld,%.6f,%" PRIu64 ",%d,%lld,%" PRIu64 ",%.3f,%.3f\n",
		an->page, an->records, an->requests, an->ops[SR_OP_READ], an->ops[SR_OP_WRITE],
		an->ops[SR_OP_TRIM], an->ops[SR_OP_SYNC], an->bytes[SR_OP_READ], an->bytes[SR_OP_WRITE],
		r->read_unique, r->unique, r->reread_pages, r->amp_bytes, r->amp_pages, r->size,
		size_from(a), r->coverage, an->gaps, an->seq, an->fwd, an->back, r->seq_pct, r->fwd_pct,
		r->back_pct, llround(r->jump_mean), r->jump_median, llround(r->mean_req), r->passes, an->restarts,
		r->timed, llround(r->bw_avg), (uint64_t)r->bw_peak, r->iat_p50 / 1e3, r->iat_p99 / 1e3);
}

static int write_report(const struct args *a, struct sr_outfile *out, const struct sr_analysis *an,
			const struct sr_analysis_res *r, struct sr_err *e)
{
	FILE *f = out->f;
	int ret = 0;

	if (a->outfmt == SR_OUT_JSON)
		ret = write_json(f, a, an, r);
	else if (a->outfmt == SR_OUT_CSV)
		write_csv(f, a, an, r);
	else
		write_text(f, a, an, r);
	if (a->outfmt == SR_OUT_TEXT && !ret)
		ret = sr_cli_analyze_kv_text(f, an, an->model != NULL);
	if (a->outfmt == SR_OUT_TEXT && an->model) {
		struct by_tensor b;

		ret = by_tensor(an, &b);
		if (!ret)
			text_tensors(f, a, an, &b);
		free(b.layer);
	}
	if (ferror(f))
		ret = -EIO;
	if (ret) {
		sr_outfile_abort(out);
		return sr_errf(e, ret, "%s: cannot write the report", out->name);
	}
	return sr_outfile_commit(out, e);
}

static int write_plots(const char *dir, const struct args *a, const struct sr_analysis *an,
		       struct sr_err *e)
{
	const char *term = sr_plot_png_terminal();
	char title[512];
	int ret;

	snprintf(title, sizeof(title), "%s: bytes by offset and %s", a->trace,
		 an->timed && an->timed == an->requests ? "time" : "request index");
	if ((ret = sr_analyze_plot_heatmap(dir, term, an, title, e)))
		return ret;
	snprintf(title, sizeof(title), "%s: request sizes", a->trace);
	return sr_analyze_plot_sizes(dir, term, an, title, e);
}

int cmd_analyze(int argc, char **argv)
{
	struct args a = { .in.topts.event = 'D' }; /* the rest: the table's defaults */
	struct sr_err e = { 0 };
	struct sr_source *src = NULL;
	struct sr_analysis *an = NULL;
	struct sr_analysis_res res;
	struct sr_model model = { 0 };
	struct sr_span *spans = NULL;
	struct sr_outfile out = { 0 };
	struct sr_cli_trace_meter meter = { 0 };
	struct stat st;
	uint64_t tsize = 0;
	int pos, ret, status = SR_EXIT_OK, have_model = 0;

	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] TRACE", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos != 1) {
		sr_inputf(&e, CMD ": expected one TRACE, found %d; see ssdreplay analyze --help", argc - pos);
		goto fail;
	}
	a.trace = argv[pos];
	if (a.have_size && a.target) {
		sr_inputf(&e, CMD ": give --size or --target, not both");
		goto fail;
	}
	if (a.target && sr_analyze_file_size(a.target, &tsize, &e))
		goto fail;
	if (a.plot && !stat(a.plot, &st) && !S_ISDIR(st.st_mode)) {
		sr_inputf(&e, CMD ": --plot %s: exists and is not a directory", a.plot);
		goto fail;
	}
	if (sr_outfile_open(&out, a.output, &e)) /* before reading: a bad -o fails now */
		goto fail;
	an = malloc(sizeof(*an));
	if (!an) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (sr_analysis_init(an, a.page, &e))
		goto fail;
	an->plots = a.plot != NULL; /* the grids only feed --plot */
	if (a.in.gguf) {
		if (sr_model_load(a.in.gguf, &model, &e))
			goto fail;
		have_model = 1;
		spans = sr_model_spans(&model);
		if (!spans) {
			sr_errf(&e, -ENOMEM, "out of memory");
			goto fail;
		}
		if (sr_analysis_set_spans(an, &model, spans, model.n_tensors, &e) || set_experts(an, &model, &e))
			goto fail;
		if (!a.have_size && !a.target)
			tsize = model.file_size; /* coverage of the model file */
	}
	sr_trace_devs_reset();
	if (sr_blklat_new(0, &a.lat)) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	a.in.topts.lat = a.lat;
	sr_cli_trace_meter_start(&meter, isatty(STDERR_FILENO), a.progress);
	if (sr_cli_trace_in_open_model(&a.in, a.trace, a.format, have_model ? &model : NULL, &src, &e) ||
	    sr_cli_trace_meter_wrap(&meter, &src, &e))
		goto fail;
	a.src_format = src->format ? src->format : a.format;
	if (sr_analysis_run(an, src, &e))
		goto fail; /* bad trace: nothing written */
	sr_cli_trace_meter_end(&meter, 1); /* the line ends before the report */
	sr_blklat_finish(a.lat);
	sr_analysis_finish(an, a.have_size ? a.size : tsize, &res);

	if (write_report(&a, &out, an, &res, &e))
		goto fail;
	if (a.plot && write_plots(a.plot, &a, an, &e))
		goto fail;
	goto out;
fail:
	sr_cli_trace_meter_end(&meter, 0);
	status = sr_cli_fail(&e);
out:
	sr_outfile_abort(&out);
	if (src)
		src->close(src);
	if (an)
		sr_analysis_free(an);
	free(an);
	free(spans);
	if (have_model)
		sr_model_free(&model);
	sr_blklat_free(a.lat);
	return status;
}
