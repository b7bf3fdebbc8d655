#include "base/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/outfile.h"

extern char **environ;

const struct sr_svg_frame sr_svg_frame_default = { 900, 500, 100, 50, 760, 360 };
/* Line charts keep room on the right for the legend. */
static const struct sr_svg_frame lines_frame = { 900, 500, 90, 50, 590, 360 };

/* Tableau 10: distinguishable, and readable when printed grey. */
static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
				       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };
#define NR_COLOURS (sizeof(palette) / sizeof(palette[0]))

void sr_svg_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

void sr_svg_begin(FILE *f, const struct sr_svg_frame *fr, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n<title>",
		fr->w, fr->h, fr->w, fr->h);
	sr_svg_escape(f, title);
	fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
		   "<text x=\"%d\" y=\"25\" font-size=\"15\">", fr->w, fr->h, fr->l);
	sr_svg_escape(f, title);
	fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\" "
		   "stroke=\"#444\"/>\n", fr->l, fr->t, fr->pw, fr->ph);
}

void sr_svg_label(FILE *f, double x, double y, const char *anchor, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
	sr_svg_escape(f, s);
	fputs("</text>\n", f);
}

void sr_svg_vlabel(FILE *f, double x, double y, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">",
		x, y, x, y);
	sr_svg_escape(f, s);
	fputs("</text>\n", f);
}

int sr_svg_end(FILE *f)
{
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

char *sr_plot_short_bytes(char *buf, size_t n, uint64_t v)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int i = 0;

	while (d >= 1024 && i < 6) {
		d /= 1024;
		i++;
	}
	snprintf(buf, n, d == floor(d) ? "%.0f %s" : "%.1f %s", d, u[i]);
	return buf;
}

void sr_plot_ramp(double t, unsigned rgb[3])
{
	static const unsigned stop[3][3] = { { 255, 255, 204 }, { 65, 182, 196 }, { 8, 29, 88 } };
	int k = t < 0.5 ? 0 : 1, i;
	double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;

	for (i = 0; i < 3; i++)
		rgb[i] = (unsigned)(stop[k][i] + (stop[k + 1][i] - (double)stop[k][i]) * u + 0.5);
}

/* ---- axes ---- */

struct axis {
	int scale, fmt;
	double lo, hi; /* in transformed units: v, log2 v or log10 v */
};

static int in_domain(int scale, double v)
{
	return isfinite(v) && (scale == SR_AXIS_LIN || v > 0);
}

static double tf(int scale, double v)
{
	return scale == SR_AXIS_LOG2 ? log2(v) : scale == SR_AXIS_LOG10 ? log10(v) : v;
}

static double untf(int scale, double t)
{
	return scale == SR_AXIS_LOG2 ? exp2(t) : scale == SR_AXIS_LOG10 ? pow(10, t) : t;
}

/* 1, 2 or 5 times a power of ten, at least x. */
static double nice_step(double x)
{
	double p = pow(10, floor(log10(x))), m = x / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void axis_fit(struct axis *a, const struct sr_plot_axis *spec, double dlo, double dhi)
{
	a->scale = spec->scale;
	a->fmt = spec->fmt;
	if (spec->min != 0 || spec->max != 0) {
		dlo = spec->min;
		dhi = spec->max;
		if (a->scale != SR_AXIS_LIN && dlo <= 0)
			dlo = dhi > 0 ? dhi / 1024 : 1;
	} else if (dlo > dhi) { /* no data */
		dlo = a->scale == SR_AXIS_LIN ? 0 : 1;
		dhi = a->scale == SR_AXIS_LIN ? 1 : 10;
	}
	if (a->scale == SR_AXIS_LIN) {
		double step;

		if (spec->min == 0 && spec->max == 0 && dlo > 0)
			dlo = 0;
		if (dhi <= dlo)
			dhi = dlo + (dlo ? fabs(dlo) : 1);
		step = nice_step((dhi - dlo) / 5);
		a->lo = spec->min == 0 && spec->max == 0 ? floor(dlo / step) * step : dlo;
		a->hi = spec->min == 0 && spec->max == 0 ? ceil(dhi / step) * step : dhi;
	} else {
		a->lo = floor(tf(a->scale, dlo));
		a->hi = ceil(tf(a->scale, dhi));
		if (a->hi <= a->lo)
			a->hi = a->lo + 1;
	}
}

/* Fraction [0, 1] along the axis (clamped). */
static double axis_pos(const struct axis *a, double v)
{
	double u = (tf(a->scale, v) - a->lo) / (a->hi - a->lo);

	return u < 0 ? 0 : u > 1 ? 1 : u;
}

static void tick_label(const struct axis *a, double v, char *buf, size_t n)
{
	if (a->fmt == SR_AXIS_BYTES && v >= 0 && v < 1.8e19)
		sr_plot_short_bytes(buf, n, (uint64_t)llround(v));
	else
		snprintf(buf, n, "%.6g", v);
}

/* A single value rather than a tick: whole numbers in full (counts,
 * request indexes), others as tick labels. */
static void value_label(int fmt, double v, char *buf, size_t n)
{
	struct axis a = { .fmt = fmt };

	if (fmt == SR_AXIS_NUM && v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		tick_label(&a, v, buf, n);
}

/* Tick values, at most max of them. */
static size_t axis_ticks(const struct axis *a, double *v, size_t max)
{
	size_t n = 0;
	double t, step;

	if (a->scale == SR_AXIS_LIN) {
		step = nice_step((a->hi - a->lo) / 5);
		for (t = ceil(a->lo / step - 1e-9) * step; t <= a->hi + step * 1e-9 && n < max; t += step)
			v[n++] = fabs(t) < step * 1e-9 ? 0 : t;
		return n;
	}
	step = ceil((a->hi - a->lo) / 10);
	for (t = a->lo; t <= a->hi + 1e-9 && n < max; t += step) {
		v[n++] = untf(a->scale, t);
		/* a decade or three of log10: 2 and 5 between the powers */
		if (a->scale == SR_AXIS_LOG10 && a->hi - a->lo <= 3 && t + 1e-9 < a->hi && n + 2 <= max) {
			v[n++] = 2 * untf(a->scale, t);
			v[n++] = 5 * untf(a->scale, t);
		}
	}
	return n;
}

static void draw_axes(FILE *f, const struct sr_svg_frame *fr, const struct axis *ax,
		      const struct axis *ay, const char *xlabel, const char *ylabel)
{
	double v[16], p;
	char buf[48];
	size_t n, i;

	n = axis_ticks(ax, v, 16);
	for (i = 0; i < n; i++) {
		p = fr->l + axis_pos(ax, v[i]) * fr->pw;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", p,
			fr->t, p, fr->t + fr->ph);
		tick_label(ax, v[i], buf, sizeof(buf));
		sr_svg_label(f, p, fr->t + fr->ph + 16, "middle", buf);
	}
	n = axis_ticks(ay, v, 16);
	for (i = 0; i < n; i++) {
		p = fr->t + fr->ph - axis_pos(ay, v[i]) * fr->ph;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", fr->l,
			p, fr->l + fr->pw, p);
		tick_label(ay, v[i], buf, sizeof(buf));
		sr_svg_label(f, fr->l - 6, p + 4, "end", buf);
	}
	if (xlabel)
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->t + fr->ph + 36, "middle", xlabel);
	if (ylabel)
		sr_svg_vlabel(f, 20, fr->t + fr->ph / 2.0, ylabel);
}

/* ---- line charts ---- */

static int drawable(const struct sr_plot_lines *p, const struct sr_plot_series *s, size_t i)
{
	return in_domain(p->x.scale, s->x[i]) && in_domain(p->y.scale, s->y[i]);
}

int sr_plot_lines_svg(FILE *f, const struct sr_plot_lines *p)
{
	const struct sr_svg_frame *fr = &lines_frame;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, x, y;
	struct axis ax, ay;
	size_t k, i;

	for (k = 0; k < p->ns; k++) {
		const struct sr_plot_series *s = &p->s[k];

		for (i = 0; i < s->n; i++) {
			if (!drawable(p, s, i))
				continue;
			xlo = fmin(xlo, s->x[i]);
			xhi = fmax(xhi, s->x[i]);
			ylo = fmin(ylo, s->y[i]);
			yhi = fmax(yhi, s->y[i]);
			if (s->ylo && in_domain(p->y.scale, s->ylo[i]))
				ylo = fmin(ylo, s->ylo[i]);
			if (s->yhi && in_domain(p->y.scale, s->yhi[i]))
				yhi = fmax(yhi, s->yhi[i]);
		}
	}
	axis_fit(&ax, &p->x, xlo, xhi);
	axis_fit(&ay, &p->y, ylo, yhi);
	sr_svg_begin(f, fr, p->title);
	draw_axes(f, fr, &ax, &ay, p->x.label, p->y.label);
	for (k = 0; k < p->ns; k++) {
		const struct sr_plot_series *s = &p->s[k];
		const char *c = palette[k % NR_COLOURS];
		double ly = fr->t + 14 + 18.0 * (double)k;

		fputs("<polyline class=\"series\" data-series=\"", f);
		sr_svg_escape(f, s->name);
		fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", c,
			s->style == SR_SERIES_DASHED ? " stroke-dasharray=\"6 4\"" : "");
		for (i = 0; i < s->n; i++)
			if (drawable(p, s, i))
				fprintf(f, "%s%.1f,%.1f", i ? " " : "", fr->l + axis_pos(&ax, s->x[i]) * fr->pw,
					fr->t + fr->ph - axis_pos(&ay, s->y[i]) * fr->ph);
		fputs("\"/>\n", f);
		if (s->style == SR_SERIES_MARKERS) {
			fprintf(f, "<g class=\"markers\" fill=\"%s\">", c);
			for (i = 0; i < s->n; i++)
				if (drawable(p, s, i))
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
						fr->l + axis_pos(&ax, s->x[i]) * fr->pw,
						fr->t + fr->ph - axis_pos(&ay, s->y[i]) * fr->ph);
			fputs("</g>\n", f);
		}
		if (s->ylo && s->yhi) {
			fprintf(f, "<path class=\"spread\" stroke=\"%s\" d=\"", c);
			for (i = 0; i < s->n; i++) {
				if (!drawable(p, s, i) || !in_domain(p->y.scale, s->ylo[i]) ||
				    !in_domain(p->y.scale, s->yhi[i]))
					continue;
				x = fr->l + axis_pos(&ax, s->x[i]) * fr->pw;
				y = fr->t + fr->ph - axis_pos(&ay, s->ylo[i]) * fr->ph;
				fprintf(f, "M%.1f %.1fL%.1f %.1f", x, y, x,
					fr->t + fr->ph - axis_pos(&ay, s->yhi[i]) * fr->ph);
			}
			fputs("\"/>\n", f);
		}
		/* legend */
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			fr->l + fr->pw + 14, ly - 4, fr->l + fr->pw + 38, ly - 4, c,
			s->style == SR_SERIES_DASHED ? " stroke-dasharray=\"6 4\"" : "");
		sr_svg_label(f, fr->l + fr->pw + 44, ly, "start", s->name);
	}
	if (!p->ns)
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->t + fr->ph / 2.0, "middle", "no data");
	if (p->note)
		sr_svg_label(f, fr->l, fr->h - 12, "start", p->note);
	return sr_svg_end(f);
}

size_t sr_plot_cdf_points(const struct sr_hist *h, double *x_us, double *y_pct, size_t max)
{
	size_t nz = 0, n = 0, k = 0;
	uint64_t cum = 0, lo, hi;
	unsigned i;

	if (!h->n || !max)
		return 0;
	for (i = 0; i < SR_HIST_BUCKETS; i++)
		nz += h->b[i] != 0;
	for (i = 0; i < SR_HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		cum += h->b[i];
		/* all buckets when they fit, else every (nz/max)-th; always the last */
		if (nz <= max || k * max / nz >= n || cum == h->n) {
			if (n == max)
				n--;
			sr_hist_bucket_range(i, &lo, &hi);
			if (hi > h->max)
				hi = h->max;
			x_us[n] = (double)hi / 1e3;
			y_pct[n] = 100.0 * (double)cum / (double)h->n;
			n++;
		}
		k++;
	}
	return n;
}

/* ---- heatmap ---- */

int sr_plot_heatmap_svg(FILE *f, const struct sr_plot_heat *h)
{
	const struct sr_svg_frame *fr = &sr_svg_frame_default;
	uint64_t maxv = 0, minv = UINT64_MAX, v;
	double cw, ch, t, x0, x1, y0, y1;
	struct axis ax = { .fmt = h->xfmt }, ay = { .fmt = h->yfmt };
	unsigned rgb[3];
	char b1[48], b2[48], note[160];
	size_t r, c;

	size_t stride = h->stride ? h->stride : h->cols;

	for (r = 0; r < h->rows; r++)
		for (c = 0; c < h->cols; c++) {
			v = h->cell[r * stride + c];
			if (v) {
				maxv = v > maxv ? v : maxv;
				minv = v < minv ? v : minv;
			}
		}
	cw = h->cols ? (double)fr->pw / (double)h->cols : 0;
	ch = h->rows ? (double)fr->ph / (double)h->rows : 0;
	sr_svg_begin(f, fr, h->title);
	fputs("<g class=\"series\" data-series=\"", f);
	sr_svg_escape(f, h->series ? h->series : "cells");
	fputs("\" shape-rendering=\"crispEdges\">\n", f);
	for (r = 0; r < h->rows; r++)
		for (c = 0; c < h->cols; c++) {
			v = h->cell[r * stride + c];
			if (!v)
				continue;
			t = maxv > minv ? log((double)v / (double)minv) / log((double)maxv / (double)minv) : 1;
			sr_plot_ramp(t, rgb);
			/* whole-pixel edges: no hairline gaps between cells */
			x0 = floor(fr->l + (double)c * cw + 0.5);
			x1 = floor(fr->l + (double)(c + 1) * cw + 0.5);
			y0 = floor(fr->t + fr->ph - (double)(r + 1) * ch + 0.5);
			y1 = floor(fr->t + fr->ph - (double)r * ch + 0.5);
			fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#%02x%02x%02x\"/>\n",
				x0, y0, x1 - x0 > 1 ? x1 - x0 : 1, y1 - y0 > 1 ? y1 - y0 : 1, rgb[0], rgb[1],
				rgb[2]);
		}
	fputs("</g>\n", f);
	if (!maxv)
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->t + fr->ph / 2.0, "middle", "no data");
	value_label(ay.fmt, h->y0, b1, sizeof(b1));
	sr_svg_label(f, fr->l - 6, fr->t + fr->ph, "end", b1);
	value_label(ay.fmt, h->y1, b1, sizeof(b1));
	sr_svg_label(f, fr->l - 6, fr->t + 10, "end", b1);
	value_label(ax.fmt, h->x0, b1, sizeof(b1));
	sr_svg_label(f, fr->l, fr->t + fr->ph + 18, "start", b1);
	value_label(ax.fmt, h->x1, b1, sizeof(b1));
	sr_svg_label(f, fr->l + fr->pw, fr->t + fr->ph + 18, "end", b1);
	if (h->xlabel)
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->t + fr->ph + 36, "middle", h->xlabel);
	if (h->ylabel)
		sr_svg_vlabel(f, 20, fr->t + fr->ph / 2.0, h->ylabel);
	value_label(h->vfmt, maxv ? (double)minv : 0, b1, sizeof(b1));
	value_label(h->vfmt, (double)maxv, b2, sizeof(b2));
	snprintf(note, sizeof(note), "colour: log scale from %s (palest) to %s (darkest)%s%s", b1, b2,
		 h->note ? "; " : "", h->note ? h->note : "");
	sr_svg_label(f, fr->l, fr->h - 20, "start", note);
	return sr_svg_end(f);
}

/* ---- bar histogram ---- */

int sr_plot_bars_svg(FILE *f, const struct sr_plot_bars *b)
{
	const struct sr_svg_frame *fr = &sr_svg_frame_default;
	double maxv = 0, slot, bw, x, hgt;
	char buf[48];
	size_t i, k;

	for (k = 0; k < b->ns; k++)
		for (i = 0; i < b->nb; i++)
			if (b->v[k][i] > maxv)
				maxv = b->v[k][i];
	sr_svg_begin(f, fr, b->title);
	slot = b->nb ? (double)fr->pw / (double)b->nb : 0;
	bw = b->ns ? slot * 0.8 / (double)b->ns : 0;
	for (k = 0; k < b->ns; k++) {
		fputs("<g class=\"series\" data-series=\"", f);
		sr_svg_escape(f, b->names[k]);
		fprintf(f, "\" fill=\"%s\">\n", palette[k % NR_COLOURS]);
		for (i = 0; i < b->nb; i++) {
			if (!(b->v[k][i] > 0))
				continue;
			hgt = fr->ph * b->v[k][i] / maxv;
			x = fr->l + slot * (double)i + slot * 0.1 + bw * (double)k;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n", x,
				fr->t + fr->ph - hgt, bw, hgt);
		}
		fputs("</g>\n", f);
		for (i = 0; b->values && i < b->nb; i++) {
			if (!(b->v[k][i] > 0))
				continue;
			value_label(SR_AXIS_NUM, b->v[k][i], buf, sizeof(buf));
			sr_svg_label(f, fr->l + slot * (double)i + slot * 0.1 + bw * ((double)k + 0.5),
				     fr->t + fr->ph - fr->ph * b->v[k][i] / maxv - 4, "middle", buf);
		}
		if (b->ns > 1) {
			fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
				fr->l + fr->pw - 150.0, fr->t + 8 + 16 * (int)k, palette[k % NR_COLOURS]);
			sr_svg_label(f, fr->l + fr->pw - 135.0, fr->t + 17 + 16 * (int)k, "start", b->names[k]);
		}
	}
	for (i = 0; i < b->nb; i++) {
		x = fr->l + slot * ((double)i + 0.5);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"10\" "
			   "transform=\"rotate(-45 %.1f %d)\">", x, fr->t + fr->ph + 14, x, fr->t + fr->ph + 14);
		sr_svg_escape(f, b->labels[i]);
		fputs("</text>\n", f);
	}
	if (!(maxv > 0))
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->t + fr->ph / 2.0, "middle", "no data");
	sr_svg_label(f, fr->l - 6, fr->t + fr->ph, "end", "0");
	value_label(SR_AXIS_NUM, maxv, buf, sizeof(buf));
	sr_svg_label(f, fr->l - 6, fr->t + 10, "end", buf);
	if (b->ylabel)
		sr_svg_vlabel(f, 20, fr->t + fr->ph / 2.0, b->ylabel);
	if (b->xlabel)
		sr_svg_label(f, fr->l + fr->pw / 2.0, fr->h - 36, "middle", b->xlabel);
	if (b->note)
		sr_svg_label(f, fr->l, fr->h - 14, "start", b->note);
	return sr_svg_end(f);
}

/* ---- gnuplot ---- */

/* Run gnuplot with args in directory dir (NULL: here), all output to
 * /dev/null. Returns its exit status, or -errno when it could not start. */
static int run_gnuplot(const char *dir, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret, st;

	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (dir)
		posix_spawn_file_actions_addchdir_np(&fa, dir);
	ret = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

const char *sr_plot_png_terminal(void)
{
	static const char *const terms[] = { "pngcairo", "png" };
	char cmd[64];
	size_t i;

	for (i = 0; i < 2; i++) {
		char *argv[] = { "gnuplot", "-e", cmd, NULL };

		snprintf(cmd, sizeof(cmd), "set terminal %s", terms[i]);
		if (run_gnuplot(NULL, argv) == 0)
			return terms[i];
	}
	return NULL;
}

int sr_plot_gnuplot(const char *dir, const char *name, struct sr_err *e)
{
	char script[512];
	int ret;

	if ((size_t)snprintf(script, sizeof(script), "%s.gp", name) >= sizeof(script))
		return sr_inputf(e, "%s: name too long", name);
	{
		char *argv[] = { "gnuplot", script, NULL };

		ret = run_gnuplot(dir, argv);
	}
	if (ret < 0)
		return sr_errf(e, ret, "gnuplot: %s", strerror(-ret));
	if (ret)
		return sr_errf(e, -EIO, "gnuplot failed (exit %d) running %s/%s", ret, dir, script);
	return 0;
}

void sr_plot_gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++)
		fputc(*s == '"' ? '\'' : *s == '\\' || (unsigned char)*s < 0x20 ? ' ' : *s, f);
	fputc('"', f);
}

void sr_plot_csv_str(FILE *f, const char *s)
{
	if (s && !strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void sr_plot_gp_begin(FILE *f, const char *name, const char *title)
{
	fprintf(f, "# %s.gp: draws %s.png from %s.csv (both written by ssdreplay beside it);\n"
		   "# run it in this directory: gnuplot %s.gp\n"
		   "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		   "\tset terminal pngcairo size 900,500\n} else {\n\tset terminal png size 900,500\n}\n"
		   "set output \"%s.png\"\nset datafile separator \",\"\nset title ",
		name, name, name, name, name);
	sr_plot_gp_str(f, title);
	fputc('\n', f);
}

int sr_plot_file(const char *dir, const char *name, const char *ext,
		 int (*write)(FILE *f, const void *arg), const void *arg, struct sr_err *e)
{
	struct sr_outfile out;
	char path[4096];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext) >= sizeof(path))
		return sr_inputf(e, "%s: path too long", dir);
	if ((ret = sr_outfile_open(&out, path, e)))
		return ret;
	if ((ret = write(out.f, arg))) {
		sr_outfile_abort(&out);
		return sr_errf(e, -EIO, "%s: write failed", path);
	}
	return sr_outfile_commit(&out, e);
}

static void gp_axis(FILE *f, const char *name, const struct axis *a, const char *label)
{
	double v[16];
	char buf[48];
	size_t n, i;

	if (label) {
		fprintf(f, "set %slabel ", name);
		sr_plot_gp_str(f, label);
		fputc('\n', f);
	}
	if (a->scale != SR_AXIS_LIN)
		fprintf(f, "set logscale %s %d\n", name, a->scale == SR_AXIS_LOG2 ? 2 : 10);
	/* a hair wider than the end ticks, or gnuplot drops them */
	fprintf(f, "set %srange [%.17g:%.17g]\nset %stics (", name,
		untf(a->scale, a->lo) - fabs(untf(a->scale, a->lo)) * 1e-9,
		untf(a->scale, a->hi) + fabs(untf(a->scale, a->hi)) * 1e-9, name);
	n = axis_ticks(a, v, 16);
	for (i = 0; i < n; i++) {
		tick_label(a, v[i], buf, sizeof(buf));
		fprintf(f, "%s", i ? ", " : "");
		sr_plot_gp_str(f, buf);
		fprintf(f, " %.17g", v[i]);
	}
	fputs(")\n", f);
}

/* NAME.csv of a line chart: one row per point, series by series. */
static int lines_csv(FILE *f, const void *arg)
{
	const struct sr_plot_lines *p = arg;
	size_t k, i;

	fputs("series,x,y,y_low,y_high\n", f);
	for (k = 0; k < p->ns; k++)
		for (i = 0; i < p->s[k].n; i++) {
			sr_plot_csv_str(f, p->s[k].name);
			fprintf(f, ",%.17g,%.17g", p->s[k].x[i], p->s[k].y[i]);
			if (p->s[k].ylo && p->s[k].yhi)
				fprintf(f, ",%.17g,%.17g\n", p->s[k].ylo[i], p->s[k].yhi[i]);
			else
				fputs(",,\n", f);
		}
	return ferror(f) ? -EIO : 0;
}

static int lines_svg(FILE *f, const void *arg)
{
	return sr_plot_lines_svg(f, arg);
}

struct lines_gp {
	const char *name;
	const struct sr_plot_lines *p;
};

/* NAME.gp: the SVG's axes and series, drawn from NAME.csv (rows picked per
 * series by their place in the file, so any series name works). */
static int lines_gp(FILE *f, const void *arg)
{
	const struct lines_gp *g = arg;
	const struct sr_plot_lines *p = g->p;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	struct axis ax, ay;
	size_t k, i, row = 0;
	int plotted = 0;

	for (k = 0; k < p->ns; k++)
		for (i = 0; i < p->s[k].n; i++)
			if (drawable(p, &p->s[k], i)) {
				xlo = fmin(xlo, p->s[k].x[i]);
				xhi = fmax(xhi, p->s[k].x[i]);
				ylo = fmin(ylo, p->s[k].y[i]);
				yhi = fmax(yhi, p->s[k].y[i]);
			}
	axis_fit(&ax, &p->x, xlo, xhi);
	axis_fit(&ay, &p->y, ylo, yhi);
	sr_plot_gp_begin(f, g->name, p->title);
	fputs("set key outside right\nset grid\n", f);
	gp_axis(f, "x", &ax, p->x.label);
	gp_axis(f, "y", &ay, p->y.label);
	for (k = 0; k < p->ns; row += p->s[k].n, k++) {
		for (i = 0; i < p->s[k].n && !drawable(p, &p->s[k], i); i++)
			;
		if (i == p->s[k].n)
			continue; /* gnuplot refuses a series without a point */
		/* a log axis leaves out points <= 0, as the SVG does */
		fprintf(f, "%s \"%s.csv\" skip 1 every ::%zu::%zu using 2:(%s) with %s lw 2%s title ",
			plotted++ ? ", \\\n    " : "plot", g->name, row, row + p->s[k].n - 1,
			p->x.scale != SR_AXIS_LIN ?
				(p->y.scale != SR_AXIS_LIN ? "$2 > 0 && $3 > 0 ? $3 : NaN" : "$2 > 0 ? $3 : NaN") :
				(p->y.scale != SR_AXIS_LIN ? "$3 > 0 ? $3 : NaN" : "$3"),
			p->s[k].style == SR_SERIES_MARKERS ? "linespoints pt 7 ps 0.6" : "lines",
			p->s[k].style == SR_SERIES_DASHED ? " dt 2" : "");
		sr_plot_gp_str(f, p->s[k].name);
	}
	if (!plotted)
		fputs("set label \"no data\" at graph 0.5, graph 0.5 center\nplot NaN notitle", f);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int sr_plot_lines_files(const char *dir, const char *name, const char *term,
			const struct sr_plot_lines *p, struct sr_err *e)
{
	struct lines_gp g = { name, p };
	int ret;

	if ((ret = sr_plot_dir(dir, e)) ||
	    (ret = sr_plot_file(dir, name, "svg", lines_svg, p, e)) ||
	    (ret = sr_plot_file(dir, name, "csv", lines_csv, p, e)) ||
	    (ret = sr_plot_file(dir, name, "gp", lines_gp, &g, e)))
		return ret;
	return term ? sr_plot_gnuplot(dir, name, e) : 0;
}

int sr_plot_dir(const char *dir, struct sr_err *e)
{
	char path[4096];
	struct stat sb;
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return sr_inputf(e, "%s: path too long", dir);
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) /* mkdir -p */
		if (*p == '/') {
			*p = 0;
			if (mkdir(path, 0777) && errno != EEXIST)
				return sr_inputf(e, "%s: %s", path, strerror(errno));
			*p = '/';
		}
	if (mkdir(dir, 0777) && errno != EEXIST)
		return sr_inputf(e, "%s: %s", dir, strerror(errno));
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
		return sr_inputf(e, "%s: exists and is not a directory", dir);
	return 0;
}
