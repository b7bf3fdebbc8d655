/* ssdreplay synth (--gguf MODEL.gguf | --profile P) [options]: a model's
 * tensor table (--info), a GGUF file laid out from a profile (--write-gguf),
 * or a per-token read schedule as a CSV trace (the default), which replay,
 * analyze and convert read back: `ssdreplay synth --profile P | ssdreplay
 * replay --trace - TARGET`. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/escape.h"
#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "cli/synth_kv.h"
#include "base/units.h"
#include "synth/gguf.h"
#include "synth/profile.h"
#include "synth/schedule.h"
#include "trace/writer.h"

#define CMD "synth"
#define BATCH 4096

enum {
	O_OUTPUT = 'o',
	O_GGUF = 256, O_PROFILE, O_INFO, O_OUTFMT, O_WRITE_GGUF, O_SPARSE, O_TOKENS, O_PREFILL,
	O_ACCESS, O_ROUTING, O_SEED, O_COMPUTE, O_KV, O_KV_OFF, O_THREADS,
	O_KV_OFFLOAD, O_KV_ONLY, O_KV_TYPE, O_KV_BLOCK, O_KV_TIER, O_KV_CHUNK, O_SESSIONS, O_TURNS,
	O_SHARED, O_TURN_TOKENS, O_REQUESTS, O_TIER_CAP, O_TIER_REPORT, O_PROGRESS,
};

struct args {
	const char *model, *write_gguf, *output;
	int info, sparse, have_outfmt, have_threads, have_tokens, progress;
	struct sr_cli_kv kv;
	enum sr_out_fmt outfmt;
	struct sr_synth_opts so;
};

static int parse_double(const char *opt, const char *what, const char *s, double *out, struct sr_err *e)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out) || *out <= 0)
		return sr_inputf(e, CMD ": --%s: expected %s as a number above 0, found '%s'", opt, what, s);
	return 0;
}

/* --gguf and --profile: one model, by either. */
static int row_model(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	(void)cmd;
	if (a->model)
		return sr_inputf(e, CMD ": give one --gguf or --profile");
	if (!*arg)
		return sr_inputf(e, CMD ": --%s: expected a name", o->name);
	a->model = arg;
	return 0;
}

/* --output-format: --info's, so not csv. */
static int row_outfmt(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	if (sr_cli_row_outfmt(cmd, ctx, o, arg, e))
		return -EINVAL;
	if (a->outfmt == SR_OUT_CSV)
		return sr_inputf(e, CMD ": --output-format: --info prints text or json, found '%s'", arg);
	return 0;
}

static int row_access(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)o;
	return sr_cli_access(cmd, arg, &((struct args *)ctx)->so, e);
}

static int row_routing(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)cmd;
	(void)o;
	return sr_routing_parse(arg, &((struct args *)ctx)->so.routing, e) ? -EINVAL : 0;
}

static int row_compute(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_synth_opts *so = &((struct args *)ctx)->so;

	(void)cmd;
	(void)o;
	if (!strncmp(arg, "gflops=", 7))
		return parse_double("compute", "gflops=G", arg + 7, &so->gflops, e);
	if (!strncmp(arg, "ns-per-byte=", 12))
		return parse_double("compute", "ns-per-byte=X", arg + 12, &so->ns_per_byte, e);
	return sr_inputf(e, CMD ": --compute: expected gflops=G or ns-per-byte=X, found '%s'", arg);
}

static int row_kv(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_synth_opts *so = &((struct args *)ctx)->so;
	char buf[64], *comma;

	(void)cmd;
	(void)o;
	snprintf(buf, sizeof(buf), "%s", arg);
	comma = strchr(buf, ',');
	if (comma) {
		if (strcmp(comma, ",write"))
			return sr_inputf(e, CMD ": --kv: expected ctx=N or ctx=N,write, found '%s'", arg);
		*comma = 0;
		so->kv_write = 1;
	}
	if (strncmp(buf, "ctx=", 4) || sr_parse_u64(buf + 4, &so->kv_ctx) || !so->kv_ctx ||
	    so->kv_ctx > (1ull << 24))
		return sr_inputf(e, CMD ": --kv: expected ctx=N with N from 1 to 16M positions, found '%s'", arg);
	return 0;
}

static int row_kv_off(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	uint64_t *off = &((struct args *)ctx)->so.kv_off;

	if (sr_cli_size(cmd, o->name, arg, off, e))
		return -EINVAL;
	if (!*off)
		return sr_inputf(e, CMD ": --kv-offset: expected an offset above 0 (the model starts at 0)");
	return 0;
}

#define A struct args
#define SEEN(f) .seen_off = offsetof(A, f)

/* Every default is here, and only here: the table's is what --help prints
 * and what is stored before argv is read (cli/opts.h). */
static const struct sr_opt opts[] = {
	{ "gguf", O_GGUF, 1, "MODEL.gguf", "", "the model: a GGUF file's layout", .parse = row_model },
	{ "profile", O_PROFILE, 1, "NAME", "", "the model: a profile in profiles/models/ (or an .ini path)", .parse = row_model },
	{ SR_OPT_FLAG("info", O_INFO, "print the tensor table, per-layer and per-expert totals, and exit", A, info) },
	{ "output-format", O_OUTFMT, 1, "FMT", "text", "--info: text or json", .parse = row_outfmt,
	  SR_OPT_FIELD(A, outfmt), SEEN(have_outfmt) },
	{ SR_OPT_STR("write-gguf", O_WRITE_GGUF, "OUT.gguf", "", "write the model as a GGUF file (random data) and exit", A, write_gguf) },
	{ SR_OPT_FLAG("sparse", O_SPARSE, "--write-gguf: leave the tensor data as holes (reads return zeros)", A, sparse) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "--write-gguf: progress and ETA on stderr every second from the start (default when stderr is a tty: once the write passes 2 s)", A, progress) },
	{ SR_OPT_UINT("tokens", O_TOKENS, "N", "16", "decode tokens", A, so.tokens, 0, 1ull << 40), SEEN(have_tokens) },
	{ SR_OPT_UINT("prefill", O_PREFILL, "N", "0", "prompt tokens processed first as one batch", A, so.prefill, 0, 1ull << 32),
	  SEEN(have_tokens) },
	{ "access", O_ACCESS, 1, "tensor|page[:SIZE]", "tensor", "whole tensor reads, or page-sized faults as mmap takes them (page: 4k)",
	  .parse = row_access },
	{ SR_OPT_UINT("threads", O_THREADS, "N", "1", "--access page: N threads fault each weight matrix's row chunks at once, interleaved (ggml's mul_mat split; llama.cpp runs one per physical core)",
		      A, so.threads, 1, SR_SYNTH_MAX_THREADS), SEEN(have_threads) },
	/* a given --routing overrides the profile's [routing]: the default only documents (zero: uniform, not given) */
	{ "routing", O_ROUTING, 1, "SPEC", "uniform", "experts per token: uniform, zipf:S, temporal[:P] (P default 0.40, Mixtral), log:FILE (token,layer,e1 e2 ...)",
	  .parse = row_routing, .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_UINT("seed", O_SEED, "N", "1", "seed for routing, token ids and --write-gguf data", A, so.seed, 0, UINT64_MAX) },
	{ "compute", O_COMPUTE, 1, "gflops=G|ns-per-byte=X", "", "time each access by the compute before it (2 flops per weight element), for replay --timing recorded",
	  .parse = row_compute },
	{ "kv", O_KV, 1, "ctx=N[,write]", "", "KV-cache reads of N positions per layer per token (write: also write the new entry)", .parse = row_kv },
	{ "kv-offset", O_KV_OFF, 1, "OFFSET", "after the model", "where the KV cache region starts on the target", .parse = row_kv_off,
	  .flags = SR_OPTF_DEFDOC },
	SR_SYNTH_KV_OPTS(O_KV_OFFLOAD, A),
	SR_CLI_OUTPUT_ROW(O_OUTPUT, A, output, "FILE", "stdout", "write the schedule (CSV) or --info here"),
	SR_OPT_END,
};

#undef SEEN
#undef A

/* ---- --info ---- */

struct totals {
	uint64_t *layer_bytes, *layer_tensors, *layer_expert; /* [n_layer + 1]: last = non-layer */
	uint64_t kind_bytes[SR_TK_NR];
	uint64_t expert_per_token; /* bytes of one expert summed over layers */
	uint32_t n_layer, n_expert;
};

static int totals(const struct sr_model *m, struct totals *t, struct sr_err *e)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m->n_tensors; i++) {
		if (m->tensors[i].layer >= 0 && (uint32_t)m->tensors[i].layer + 1 > t->n_layer)
			t->n_layer = (uint32_t)m->tensors[i].layer + 1;
		if (m->tensors[i].n_expert > t->n_expert)
			t->n_expert = m->tensors[i].n_expert;
	}
	t->layer_bytes = calloc(t->n_layer + 1, sizeof(uint64_t));
	t->layer_tensors = calloc(t->n_layer + 1, sizeof(uint64_t));
	t->layer_expert = calloc(t->n_layer + 1, sizeof(uint64_t));
	if (!t->layer_bytes || !t->layer_tensors || !t->layer_expert)
		return sr_errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *ts = &m->tensors[i];
		uint32_t l = ts->layer >= 0 ? (uint32_t)ts->layer : t->n_layer;

		t->layer_bytes[l] += ts->bytes;
		t->layer_tensors[l]++;
		if (ts->n_expert && ts->expert_bytes) {
			t->layer_expert[l] += ts->expert_bytes;
			t->expert_per_token += ts->expert_bytes;
		}
		t->kind_bytes[ts->kind < SR_TK_NR ? ts->kind : 0] += ts->bytes;
	}
	return 0;
}

static void totals_free(struct totals *t)
{
	free(t->layer_bytes);
	free(t->layer_tensors);
	free(t->layer_expert);
}

static const char *type_name(uint32_t id)
{
	const struct sr_ggml_type *ty = sr_ggml_type(id);

	return ty ? ty->name : "?";
}

static void dims(char *buf, size_t n, const struct sr_tensor *t)
{
	size_t used = 0;
	uint32_t d;

	buf[0] = 0;
	for (d = 0; d < t->n_dims && d < SR_MAX_DIMS && used < n; d++)
		used += (size_t)snprintf(buf + used, n - used, "%s%" PRIu64, d ? "x" : "", t->ne[d]);
}

static void info_text(FILE *f, const struct sr_model *m, const struct totals *t)
{
	const struct sr_hparams *hp = &m->hp;
	char b1[32], b2[32], dm[96], en[1024], ea[256]; /* en, ea: file-derived names, escaped */
	size_t i;
	uint32_t l;

	fprintf(f, "model %s (%s), GGUF v%u, %zu tensors, data at %" PRIu64 ", file %s (%" PRIu64 " bytes)\n",
		m->name ? sr_esc(en, sizeof(en), m->name) : "?", m->arch ? sr_esc(ea, sizeof(ea), m->arch) : "?",
		m->version, m->n_tensors, m->data_off,
		sr_fmt_bytes(b1, sizeof(b1), m->file_size), m->file_size);
	fprintf(f, "  layers %u, embd %u, ff %u, heads %u/%u kv, vocab %u, experts %u (%u used, ff %u, %u shared), dense lead %u\n",
		hp->n_layer, hp->n_embd, hp->n_ff, hp->n_head, hp->n_head_kv, hp->n_vocab, hp->n_expert,
		hp->n_expert_used, hp->n_ff_exp, hp->n_expert_shared, hp->n_dense_lead);
	fprintf(f, "\n%-40s %-7s %-24s %14s %14s\n", "tensor", "type", "dims", "offset", "bytes");
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *ts = &m->tensors[i];

		dims(dm, sizeof(dm), ts);
		fprintf(f, "%-40s %-7s %-24s %14" PRIu64 " %14" PRIu64 "\n", sr_esc(en, sizeof(en), ts->name),
			type_name(ts->type), dm,
			ts->off, ts->bytes);
	}
	fprintf(f, "\n%-8s %8s %14s %12s %14s\n", "layer", "tensors", "bytes", "", "1 expert");
	for (l = 0; l <= t->n_layer; l++) {
		if (!t->layer_tensors[l])
			continue;
		if (l < t->n_layer)
			fprintf(f, "%-8u", l);
		else
			fprintf(f, "%-8s", "global");
		fprintf(f, " %8" PRIu64 " %14" PRIu64 " %12s %14" PRIu64 "\n", t->layer_tensors[l],
			t->layer_bytes[l], sr_fmt_bytes(b1, sizeof(b1), t->layer_bytes[l]), t->layer_expert[l]);
	}
	fprintf(f, "\nby kind:\n");
	for (i = 0; i < SR_TK_NR; i++)
		if (t->kind_bytes[i])
			fprintf(f, "  %-20s %14" PRIu64 " %12s (%.2f%%)\n", sr_tkind_name((enum sr_tkind)i),
				t->kind_bytes[i], sr_fmt_bytes(b1, sizeof(b1), t->kind_bytes[i]),
				m->file_size ? 100.0 * (double)t->kind_bytes[i] / (double)m->file_size : 0);
	if (t->n_expert)
		fprintf(f, "\nexperts: %u per expert tensor; one expert is %s over all layers, a token's %u experts %s per token\n",
			t->n_expert, sr_fmt_bytes(b1, sizeof(b1), t->expert_per_token), hp->n_expert_used,
			sr_fmt_bytes(b2, sizeof(b2), t->expert_per_token * hp->n_expert_used));
}

#define JU(v) json_integer((json_int_t)(v))
#define SET(o, k, v) json_object_set_new(o, k, v)

static int info_json(FILE *f, const struct sr_model *m, const struct totals *t)
{
	const struct sr_hparams *hp = &m->hp;
	json_t *root = json_object(), *o, *a;
	size_t i;
	uint32_t l, d;
	int ret;

	SET(root, "model", o = json_object());
	SET(o, "name", json_string(m->name ? m->name : ""));
	SET(o, "arch", json_string(m->arch ? m->arch : ""));
	SET(o, "version", JU(m->version));
	SET(o, "alignment_bytes", JU(m->alignment));
	SET(o, "data_offset", JU(m->data_off));
	SET(o, "file_bytes", JU(m->file_size));
	SET(o, "tensors", JU(m->n_tensors));
	SET(root, "hparams", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
				       "n_layer", (json_int_t)hp->n_layer, "n_embd", (json_int_t)hp->n_embd,
				       "n_ff", (json_int_t)hp->n_ff, "n_head", (json_int_t)hp->n_head,
				       "n_head_kv", (json_int_t)hp->n_head_kv, "n_vocab", (json_int_t)hp->n_vocab,
				       "n_expert", (json_int_t)hp->n_expert,
				       "n_expert_used", (json_int_t)hp->n_expert_used,
				       "n_ff_exp", (json_int_t)hp->n_ff_exp,
				       "n_expert_shared", (json_int_t)hp->n_expert_shared,
				       "n_dense_lead", (json_int_t)hp->n_dense_lead));
	SET(root, "tensors", a = json_array());
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *ts = &m->tensors[i];
		json_t *dm = json_array();

		for (d = 0; d < ts->n_dims && d < SR_MAX_DIMS; d++)
			json_array_append_new(dm, JU(ts->ne[d]));
		o = json_object();
		SET(o, "name", json_string(ts->name));
		SET(o, "type", json_string(type_name(ts->type)));
		SET(o, "dims", dm);
		SET(o, "offset", JU(ts->off));
		SET(o, "bytes", JU(ts->bytes));
		SET(o, "layer", json_integer(ts->layer));
		SET(o, "kind", json_string(sr_tkind_name((enum sr_tkind)ts->kind)));
		if (ts->n_expert) {
			SET(o, "experts", JU(ts->n_expert));
			SET(o, "expert_bytes", JU(ts->expert_bytes));
		}
		json_array_append_new(a, o);
	}
	SET(root, "layers", a = json_array());
	for (l = 0; l < t->n_layer; l++)
		json_array_append_new(a, json_pack("{s:I,s:I,s:I,s:I}", "layer", (json_int_t)l, "tensors",
						   (json_int_t)t->layer_tensors[l], "bytes",
						   (json_int_t)t->layer_bytes[l], "expert_bytes",
						   (json_int_t)t->layer_expert[l]));
	SET(root, "global", json_pack("{s:I,s:I}", "tensors", (json_int_t)t->layer_tensors[t->n_layer],
				      "bytes", (json_int_t)t->layer_bytes[t->n_layer]));
	SET(root, "kind_bytes", o = json_object());
	for (i = 0; i < SR_TK_NR; i++)
		if (t->kind_bytes[i])
			SET(o, sr_tkind_name((enum sr_tkind)i), JU(t->kind_bytes[i]));
	SET(root, "experts", json_pack("{s:I,s:I,s:I}", "per_tensor", (json_int_t)t->n_expert,
				       "bytes_per_expert", (json_int_t)t->expert_per_token,
				       "bytes_per_token", (json_int_t)(t->expert_per_token * hp->n_expert_used)));
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

/* ---- output ---- */

/* A schedule or --info through base/outfile: written whole or not at all,
 * never renamed over a device node, write errors reported (exit 1). */
static int close_out(struct sr_outfile *o, int ret, struct sr_err *e)
{
	if (ret || ferror(o->f)) {
		sr_outfile_abort(o);
		return sr_errf(e, ret ? ret : -EIO, "%s: %s", o->name,
			       ret == -EINTR ? "stopped: nothing written" : "cannot write");
	}
	return sr_outfile_commit(o, e);
}

static int write_schedule(const struct args *a, const struct sr_model *m, struct sr_err *e)
{
	struct sr_writer_cfg cfg = { 0 };
	struct sr_source *src = NULL;
	struct sr_writer *w = NULL;
	struct sr_rec *buf;
	struct sr_outfile o = { 0 };
	int ret, n;

	buf = malloc(BATCH * sizeof(*buf));
	if (!buf)
		return sr_errf(e, -ENOMEM, "out of memory");
	ret = sr_synth_open(m, &a->so, &src, e);
	if (ret)
		goto out;
	ret = sr_outfile_open(&o, a->output, e);
	if (ret)
		goto out;
	ret = sr_writer_open("csv", o.f, &cfg, &w, e);
	if (ret)
		goto out;
	while ((n = sr_source_next(src, buf, BATCH, e)) > 0 && !sr_cli_stop) {
		ret = sr_writer_write(w, buf, (size_t)n);
		if (ret)
			break;
	}
	if (n < 0)
		ret = n;
	if (sr_writer_close(w) && !ret)
		ret = -EIO;
	w = NULL;
	if (ret && !e->code)
		sr_errf(e, ret, "%s: cannot write the schedule", o.name);
	if (!ret && sr_cli_stop && !sr_outfile_direct(&o))
		ret = -EINTR; /* a stopped schedule is partial: not renamed into place */
	ret = close_out(&o, ret, e);
out:
	if (w)
		sr_writer_close(w);
	sr_outfile_abort(&o);
	if (src)
		src->close(src);
	free(buf);
	return ret;
}

/* synth --write-gguf on a terminal or with --progress: the shared meter
 * (cli/cli.h), bytes written of the file's. */
static void gguf_progress(void *arg, uint64_t done, uint64_t total)
{
	sr_cli_meter_tick(arg, total ? (double)done / (double)total : 0, done);
}

int cmd_synth(int argc, char **argv)
{
	struct args a = { 0 };
	struct sr_err e = { 0 };
	struct sr_model m = { 0 };
	struct totals t = { 0 };
	int pos, ret, status = SR_EXIT_OK, loaded = 0;
	struct sr_outfile o = { 0 };

	ret = sr_opts_parse(CMD, opts, argc, argv, NULL, &a, "(--gguf MODEL.gguf | --profile NAME) [options]",
			    &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos) {
		sr_inputf(&e, CMD ": unexpected argument '%s'; see ssdreplay synth --help", argv[pos]);
		goto fail;
	}
	if (!a.model) {
		sr_inputf(&e, CMD ": expected --gguf MODEL.gguf or --profile NAME; see ssdreplay synth --help");
		goto fail;
	}
	if (a.info && a.write_gguf) {
		sr_inputf(&e, CMD ": give --info or --write-gguf, not both");
		goto fail;
	}
	if (a.have_outfmt && !a.info) {
		sr_inputf(&e, CMD ": --output-format goes with --info (schedules are CSV)");
		goto fail;
	}
	if (a.have_threads && a.so.access != SR_ACCESS_PAGE) {
		sr_inputf(&e, CMD ": --threads goes with --access page (whole-tensor reads have no page order)");
		goto fail;
	}
	if (a.sparse && !a.write_gguf) {
		sr_inputf(&e, CMD ": --sparse goes with --write-gguf");
		goto fail;
	}
	if (sr_cli_kv_check(&a.so, &a.kv, a.have_tokens, &e))
		goto fail;
	if (sr_model_load(a.model, &m, &e))
		goto fail;
	loaded = 1;
	if (a.info) {
		if (totals(&m, &t, &e))
			goto fail;
		if (sr_outfile_open(&o, a.output, &e))
			goto fail;
		ret = 0;
		if (a.outfmt == SR_OUT_JSON)
			ret = info_json(o.f, &m, &t);
		else
			info_text(o.f, &m, &t);
		if (close_out(&o, ret, &e))
			goto fail;
	} else if (a.write_gguf) {
		sr_cli_install_signals(); /* a stop removes the half-written OUT.tmp (exit 130) */
		struct sr_cli_meter gm;

		sr_cli_meter_start(&gm, a.progress ? SR_CLI_METER_FORCED : isatty(STDERR_FILENO));
		ret = sr_gguf_write_progress(a.write_gguf, &m, a.sparse ? SR_FILL_SPARSE : SR_FILL_RANDOM,
					     a.so.seed, gm.on ? gguf_progress : NULL, &gm, &e);
		if (ret && gm.shown)
			fputc('\n', stderr); /* a failed or stopped write does not end at 100% */
		else
			sr_cli_meter_end(&gm);
		if (ret)
			goto fail;
	} else if (a.kv.report) {
		sr_cli_install_signals();
		if (sr_cli_kv_tier_report(&m, &a.so, &a.kv, a.output, &e))
			goto fail;
		if (sr_cli_stop)
			status = SR_EXIT_SIGNAL;
	} else {
		sr_cli_install_signals();
		if (write_schedule(&a, &m, &e))
			goto fail;
		if (sr_cli_stop)
			status = SR_EXIT_SIGNAL;
	}
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	sr_outfile_abort(&o);
	totals_free(&t);
	if (loaded)
		sr_model_free(&m);
	return status;
}

int sr_cli_synth_open(const char *spec, struct sr_model *m, struct sr_source **src, char **keep,
		      struct sr_err *e)
{
	struct args a = { 0 };
	char *argv[64], *tok, *save = NULL;
	int argc = 0, pos, ret;

	*src = NULL;
	*keep = strdup(spec); /* argv, the model name and a routing log path point into it */
	if (!*keep)
		return sr_errf(e, -ENOMEM, "out of memory");
	argv[argc++] = "synth";
	for (tok = strtok_r(*keep, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == (int)(sizeof(argv) / sizeof(argv[0])) - 1)
			return sr_inputf(e, "replay: --synth: more than %d words", argc - 1);
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	ret = sr_opts_parse(CMD, opts, argc, argv, NULL, &a, "", &pos, e);
	if (ret == 1)
		return sr_inputf(e, "replay: --synth takes synth's schedule options (see ssdreplay synth --help)");
	if (ret)
		return ret;
	if (pos < argc && !a.model)
		a.model = argv[pos++]; /* "--synth llama-2-7b-q4_k_m --tokens 4": the model first */
	if (pos < argc)
		return sr_inputf(e, "replay: --synth: unexpected '%s'", argv[pos]);
	if (!a.model)
		return sr_inputf(e, "replay: --synth: expected a model: --synth 'PROFILE|MODEL.gguf [--tokens N ...]'");
	if (a.info || a.write_gguf || a.output || a.have_outfmt || a.sparse)
		return sr_inputf(e, "replay: --synth takes schedule options only, not --info, --write-gguf, -o or --output-format");
	if (a.have_threads && a.so.access != SR_ACCESS_PAGE)
		return sr_inputf(e, "replay: --synth: --threads goes with --access page");
	if (a.kv.report)
		return sr_inputf(e, "replay: --synth: --tier-report prints a table, not a schedule");
	ret = sr_cli_kv_check(&a.so, &a.kv, a.have_tokens, e);
	if (ret)
		return ret;
	ret = sr_model_load(a.model, m, e);
	if (ret)
		return ret;
	ret = sr_synth_open(m, &a.so, src, e);
	if (ret) {
		sr_model_free(m);
		memset(m, 0, sizeof(*m));
	}
	return ret;
}
