/* The report directory of `ssdreplay study`: summary.md, runs.csv,
 * runs.json and three SVG plots. */
#include "study/study_report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/plot.h"
#include "base/outfile.h"

static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static const char *fig(char *b, size_t n, double v, const char *fmt)
{
	if (v < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, fmt, v);
	return b;
}

static int write_summary(const struct sr_study_report *r, FILE *f)
{
	char b1[32], b2[32], b3[32];
	size_t i;

	fprintf(f, "# ssdreplay study%s\n\n", r->stopped ? " (stopped early: partial)" : "");
	fprintf(f, "- command: `%s`\n", r->cmdline);
	fprintf(f, "- mode: %s; took %.0f s (expected %.0f s)\n", r->mode, r->elapsed_s, r->expected_s);
	fprintf(f, "- target: %s\n", r->target_desc);
	fprintf(f, "- device: %s\n", r->device_desc);
	fprintf(f, "- compute model: a memory-bound decode, every weight byte loaded once at %.2f GB/s "
		   "(this machine's load loop over RAM; the real-mmap child does those loads, the simulated runs charge "
		   "the same time)\n", r->mem_Bps / 1e9);
	fprintf(f, "- device curve: best sequential read of the sweep %.2f GB/s; spec %s; link %s; calibrated %s\n",
		r->sweep_best_Bps / 1e9, r->spec_Bps > 0 ? fig(b1, sizeof(b1), r->spec_Bps / 1e9, "%.2f GB/s") : "unknown",
		r->link_Bps > 0 ? fig(b2, sizeof(b2), r->link_Bps / 1e9, "%.2f GB/s") : "unknown",
		r->cal_Bps > 0 ? fig(b3, sizeof(b3), r->cal_Bps / 1e9, "%.2f GB/s") : "not calibrated");
	fprintf(f, "\n## Verdicts\n\n| # | hypothesis | model | verdict | figures | basis | runs |\n|---|---|---|---|---|---|---|\n");
	for (i = 0; i < r->nrows; i++) {
		const struct sr_study_row *w = &r->rows[i];

		fprintf(f, "| %s | ", w->hyp);
		md_cell(f, w->title);
		fprintf(f, " | %s | **%s** | ", w->model[0] ? w->model : "all", sr_verdict_name(w->j.v));
		md_cell(f, w->j.why);
		fprintf(f, " | %s | %s |\n", w->basis, w->sources);
	}
	if (r->nnotes) {
		fprintf(f, "\n## Notes\n\n");
		for (i = 0; i < r->nnotes; i++)
			fprintf(f, "- %s\n", r->notes[i]);
	}
	fprintf(f, "\n## Runs\n\nFigures per run (all in runs.csv / runs.json). tok/s: tokens per second; read: bytes "
		   "read from the device; seq: sequential share of gaps at the level named.\n\n"
		   "| run | hyp | model | kind | what | tok/s | read MiB | amp | seq %% (level) | GB/s | %% sweep best | pred tok/s |\n"
		   "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < r->nruns; i++) {
		const struct sr_study_run *u = &r->runs[i];

		fprintf(f, "| %s | %s | %s | %s | ", u->id, u->hyp, u->model, u->kind);
		md_cell(f, u->what);
		fprintf(f, "%s | %s | ", u->ok ? "" : " (incomplete)", fig(b1, sizeof(b1), u->ok ? u->tps : -1, "%.3g"));
		fprintf(f, "%s | %s | ", fig(b1, sizeof(b1), u->bytes_read >= 0 ? u->bytes_read / 1048576.0 : -1, "%.1f"),
			fig(b2, sizeof(b2), u->amp, "%.2f"));
		fprintf(f, "%s (%s) | ", fig(b1, sizeof(b1), u->seq_pct, "%.1f"), u->level[0] ? u->level : "-");
		fprintf(f, "%s | %s | %s |\n", fig(b1, sizeof(b1), u->dev_Bps > 0 ? u->dev_Bps / 1e9 : -1, "%.2f"),
			fig(b2, sizeof(b2), u->pct_sweep, "%.0f"), fig(b3, sizeof(b3), u->predictor ? u->pred_tps : -1, "%.3g"));
	}
	fprintf(f, "\n## How each run was made\n\n");
	for (i = 0; i < r->nruns; i++) {
		fprintf(f, "- %s: `%s`", r->runs[i].id, r->runs[i].cmd);
		if (r->runs[i].note[0])
			fprintf(f, " — %s", r->runs[i].note);
		fputc('\n', f);
	}
	fprintf(f, "\nPlots: tokens_vs_ram.svg (tokens/s vs RAM share per model), seq_share.svg (sequential share "
		   "per level), bandwidth_vs_spec.svg (achieved bandwidth of the streamed runs vs the sweep's best, spec "
		   "and link where known); the device curve in sweep/.\n");
	return ferror(f) ? -EIO : 0;
}

static const char *const csv_cols =
	"id,hyp,model,moe,kind,what,model_bytes,mem_bytes,ram_share_ratio,page,anon_bytes,swappiness,hugepage,tokens,"
	"tokens_per_s,wall_s,compute_s_per_token,read_bytes,resident_end_bytes,major_faults,swap_in_bytes,swap_out_bytes,amplification_ratio,"
	"level,seq_pct,fwd_pct,back_pct,mean_req_bytes,pagecache_seq_pct,pagecache_mean_req_bytes,dev_Bps,spec_pct,"
	"link_pct,cal_pct,sweep_best_pct,predictor,"
	"pred_tokens_per_s,loo_tokens_per_s,ok,command,note\n";

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int write_csv(const struct sr_study_report *r, FILE *f)
{
	size_t i;

	fputs(csv_cols, f);
	for (i = 0; i < r->nruns; i++) {
		const struct sr_study_run *u = &r->runs[i];

		fprintf(f, "%s,%s,%s,%d,%s,", u->id, u->hyp, u->model, u->moe, u->kind);
		csv_str(f, u->what);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%.4f,%" PRIu64 ",%" PRIu64 ",%d,%d,%" PRIu64 ",%.6g,%.6g,%.6g,%.0f,%.0f,%.0f,%.0f,%.0f,%.4g,%s,%.2f,%.2f,%.2f,%.0f,%.2f,%.0f,%.6g,%.2f,%.2f,%.2f,%.2f,%d,%.6g,%.6g,%d,",
			u->model_bytes, u->mem, u->ram_share, u->page, u->anon, u->swappiness, u->hugepage, u->tokens,
			u->tps, u->wall_s, u->compute_s, u->bytes_read, u->resident_end, u->majflt, u->swap_in, u->swap_out, u->amp, u->level, u->seq_pct,
			u->fwd_pct, u->back_pct, u->mean_req, u->pc_seq_pct, u->pc_mean_req, u->dev_Bps, u->pct_spec,
			u->pct_link, u->pct_cal, u->pct_sweep, u->predictor, u->pred_tps, u->loo_tps, u->ok);
		csv_str(f, u->cmd);
		fputc(',', f);
		csv_str(f, u->note);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static json_t *num(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

/* bytes, bytes per second and counts: integers (README "Units in reports") */
static json_t *numint(double v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)llround(v));
}

static int write_json(const struct sr_study_report *r, const char *path)
{
	json_t *root = json_object(), *runs = json_array(), *rows = json_array(), *o;
	size_t i;
	int ret;

	for (i = 0; i < r->nruns; i++) {
		const struct sr_study_run *u = &r->runs[i];

		o = json_object();
		json_object_set_new(o, "id", json_string(u->id));
		json_object_set_new(o, "hyp", json_string(u->hyp));
		json_object_set_new(o, "model", json_string(u->model));
		json_object_set_new(o, "moe", json_boolean(u->moe));
		json_object_set_new(o, "kind", json_string(u->kind));
		json_object_set_new(o, "what", json_string(u->what));
		json_object_set_new(o, "model_bytes", json_integer((json_int_t)u->model_bytes));
		json_object_set_new(o, "mem_bytes", json_integer((json_int_t)u->mem));
		json_object_set_new(o, "ram_share_ratio", json_real(u->ram_share));
		json_object_set_new(o, "page", json_integer((json_int_t)u->page));
		json_object_set_new(o, "anon_bytes", json_integer((json_int_t)u->anon));
		json_object_set_new(o, "swappiness", u->swappiness < 0 ? json_null() : json_integer(u->swappiness));
		json_object_set_new(o, "hugepage", json_integer(u->hugepage));
		json_object_set_new(o, "tokens", json_integer((json_int_t)u->tokens));
		json_object_set_new(o, "tokens_per_s", num(u->tps));
		json_object_set_new(o, "wall_s", num(u->wall_s));
		json_object_set_new(o, "compute_s_per_token", num(u->compute_s));
		json_object_set_new(o, "read_bytes", numint(u->bytes_read));
		json_object_set_new(o, "resident_end_bytes", numint(u->resident_end));
		json_object_set_new(o, "major_faults", numint(u->majflt));
		json_object_set_new(o, "swap_in_bytes", numint(u->swap_in));
		json_object_set_new(o, "swap_out_bytes", numint(u->swap_out));
		json_object_set_new(o, "amplification_ratio", num(u->amp));
		json_object_set_new(o, "level", json_string(u->level));
		json_object_set_new(o, "seq_pct", num(u->seq_pct));
		json_object_set_new(o, "fwd_pct", num(u->fwd_pct));
		json_object_set_new(o, "back_pct", num(u->back_pct));
		json_object_set_new(o, "mean_req_bytes", numint(u->mean_req));
		json_object_set_new(o, "pagecache_seq_pct", num(u->pc_seq_pct));
		json_object_set_new(o, "pagecache_mean_req_bytes", numint(u->pc_mean_req));
		json_object_set_new(o, "dev_Bps", numint(u->dev_Bps));
		json_object_set_new(o, "spec_pct", num(u->pct_spec));
		json_object_set_new(o, "link_pct", num(u->pct_link));
		json_object_set_new(o, "cal_pct", num(u->pct_cal));
		json_object_set_new(o, "sweep_best_pct", num(u->pct_sweep));
		json_object_set_new(o, "predictor", json_boolean(u->predictor));
		json_object_set_new(o, "pred_tokens_per_s", u->predictor ? num(u->pred_tps) : json_null());
		json_object_set_new(o, "loo_tokens_per_s", u->predictor ? num(u->loo_tps) : json_null());
		json_object_set_new(o, "ok", json_boolean(u->ok));
		json_object_set_new(o, "command", json_string(u->cmd));
		json_object_set_new(o, "note", json_string(u->note));
		json_array_append_new(runs, o);
	}
	for (i = 0; i < r->nrows; i++) {
		const struct sr_study_row *w = &r->rows[i];

		o = json_object();
		json_object_set_new(o, "hyp", json_string(w->hyp));
		json_object_set_new(o, "title", json_string(w->title));
		json_object_set_new(o, "model", json_string(w->model));
		json_object_set_new(o, "verdict", json_string(sr_verdict_name(w->j.v)));
		json_object_set_new(o, "figures", json_string(w->j.why));
		json_object_set_new(o, "basis", json_string(w->basis));
		json_object_set_new(o, "runs", json_string(w->sources));
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "command", json_string(r->cmdline));
	json_object_set_new(root, "mode", json_string(r->mode));
	json_object_set_new(root, "stopped", json_boolean(r->stopped));
	json_object_set_new(root, "elapsed_s", json_real(r->elapsed_s));
	json_object_set_new(root, "mem_Bps", json_integer((json_int_t)llround(r->mem_Bps)));
	json_object_set_new(root, "sweep_best_Bps", json_integer((json_int_t)llround(r->sweep_best_Bps)));
	json_object_set_new(root, "spec_bw_bytes", r->spec_Bps > 0 ? json_real(r->spec_Bps) : json_null());
	json_object_set_new(root, "link_bw_bytes", r->link_Bps > 0 ? json_real(r->link_Bps) : json_null());
	json_object_set_new(root, "predictor", json_pack("{s:f,s:f,s:i,s:o,s:o}", "a_seq", r->pred.a, "b_other", r->pred.b,
							 "runs", (int)r->pred.n, "mape_pct", num(r->pred.mape),
							 "loo_mape_pct", num(r->pred.loo_mape)));
	json_object_set_new(root, "verdicts", rows);
	json_object_set_new(root, "runs", runs);
	ret = json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) ? -EIO : 0;
	json_decref(root);
	return ret;
}

/* ---- plots ---- */

static int plot_tokens(const struct sr_study_report *r, struct sr_err *e)
{
	struct sr_plot_series s[16];
	double x[16][8], y[16][8];
	char names[16][96];
	size_t ns = 0, m, i, k, kind;
	struct sr_plot_lines p = { .title = "tokens/s vs share of the model in RAM",
				   .x = { .label = "model in RAM (%)" }, .y = { .label = "tokens/s" },
				   .note = "real-mmap: page cache in a memory cgroup; simulated: pagecache policy, real reads" };

	for (m = 0; m < r->nmodels && ns + 2 <= 16; m++) {
		for (kind = 0; kind < 2; kind++) {
			size_t n = 0;

			for (i = 0; i < r->nruns && n < 8; i++) {
				const struct sr_study_run *u = &r->runs[i];
				int real = !strcmp(u->kind, "real-mmap") || !strcmp(u->kind, "ram");

				if (strcmp(u->model, r->models[m]) || strcmp(u->hyp, "H2") || !u->ok || !(u->tps > 0) ||
				    real != (kind == 0) || (!real && strcmp(u->kind, "simulated")))
					continue;
				/* sorted by RAM share */
				for (k = n; k > 0 && x[ns][k - 1] > u->ram_share * 100; k--) {
					x[ns][k] = x[ns][k - 1];
					y[ns][k] = y[ns][k - 1];
				}
				x[ns][k] = u->ram_share * 100;
				y[ns][k] = u->tps;
				n++;
			}
			if (!n)
				continue;
			snprintf(names[ns], sizeof(names[ns]), "%s %s", r->models[m], kind ? "simulated" : "real-mmap");
			s[ns] = (struct sr_plot_series){ .name = names[ns], .x = x[ns], .y = y[ns], .n = n,
							 .style = kind ? SR_SERIES_DASHED : SR_SERIES_LINE };
			ns++;
		}
	}
	p.s = s;
	p.ns = ns;
	return sr_plot_lines_files(r->dir, "tokens_vs_ram", NULL, &p, e);
}

static int bars(const char *dir, const char *name, const struct sr_plot_bars *b, struct sr_err *e)
{
	struct sr_outfile out;
	char path[4200];
	int ret;

	snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
	if ((ret = sr_outfile_open(&out, path, e)))
		return ret;
	if ((ret = sr_plot_bars_svg(out.f, b))) {
		sr_outfile_abort(&out);
		return sr_errf(e, -EIO, "%s: write error", path);
	}
	return sr_outfile_commit(&out, e);
}

static int plot_seq(const struct sr_study_report *r, struct sr_err *e)
{
	static const char *const levels[3] = { "page faults", "page-cache insertions", "block requests" };
	double v[8][3];
	const double *vp[8];
	const char *names[8];
	size_t m, l;
	struct sr_plot_bars b = { .title = "sequential share of gaps per measurement level", .xlabel = "level",
				  .ylabel = "sequential gaps (%)", .nb = 3, .labels = levels,
				  .note = "H1: dense > 80%, MoE 40-60% (missing bars: level not measured)" };

	for (m = 0; m < r->nmodels && m < 8; m++) {
		for (l = 0; l < 3; l++)
			v[m][l] = r->seq[m][l] < 0 ? 0 : r->seq[m][l];
		vp[m] = v[m];
		names[m] = r->models[m];
	}
	b.v = vp;
	b.names = names;
	b.ns = m;
	return bars(r->dir, "seq_share", &b, e);
}

static int plot_bw(const struct sr_study_report *r, struct sr_err *e)
{
	const char *labels[64], *names[4];
	double v[4][64];
	const double *vp[4];
	char lab[64][64];
	size_t i, nb = 0, ns = 0, k;
	struct sr_plot_bars b = { .title = "achieved read bandwidth of the streamed runs", .xlabel = "run",
				  .ylabel = "GB/s", .note = "bars per run: achieved; reference: sweep best, spec, link (when known)" };

	for (i = 0; i < r->nruns && nb < 64; i++) {
		const struct sr_study_run *u = &r->runs[i];

		if (!(u->dev_Bps > 0))
			continue;
		snprintf(lab[nb], sizeof(lab[nb]), "%s %.20s", u->id, u->model);
		labels[nb] = lab[nb];
		v[0][nb] = u->dev_Bps / 1e9;
		v[1][nb] = r->sweep_best_Bps / 1e9;
		v[2][nb] = r->spec_Bps / 1e9;
		v[3][nb] = r->link_Bps / 1e9;
		nb++;
	}
	names[ns] = "achieved";
	vp[ns++] = v[0];
	names[ns] = "sweep best here";
	vp[ns++] = v[1];
	if (r->spec_Bps > 0) {
		names[ns] = "spec";
		vp[ns++] = v[2];
	}
	if (r->link_Bps > 0) {
		names[ns] = "link";
		for (k = 0; k < nb; k++)
			v[ns][k] = v[3][k];
		vp[ns] = v[ns];
		ns++;
	}
	b.nb = nb;
	b.labels = labels;
	b.v = vp;
	b.names = names;
	b.ns = ns;
	return bars(r->dir, "bandwidth_vs_spec", &b, e);
}

static int with_file(const char *dir, const char *name, int (*fn)(const struct sr_study_report *, FILE *),
		     const struct sr_study_report *r, struct sr_err *e)
{
	struct sr_outfile out;
	char path[4200];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((ret = sr_outfile_open(&out, path, e)))
		return ret;
	if ((ret = fn(r, out.f))) {
		sr_outfile_abort(&out);
		return sr_errf(e, -EIO, "%s: write error", path);
	}
	return sr_outfile_commit(&out, e);
}

int sr_study_write(const struct sr_study_report *r, struct sr_err *e)
{
	char path[4200];

	if (with_file(r->dir, "summary.md", write_summary, r, e) || with_file(r->dir, "runs.csv", write_csv, r, e))
		return -EIO;
	snprintf(path, sizeof(path), "%s/runs.json", r->dir);
	if (write_json(r, path))
		return sr_errf(e, -EIO, "%s: write error", path);
	if (plot_tokens(r, e) || plot_seq(r, e) || plot_bw(r, e))
		return -EIO;
	return 0;
}
