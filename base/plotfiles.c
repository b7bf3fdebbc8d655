/* Plot files beyond the SVG: a heatmap's and a bar chart's data and gnuplot
 * script (the line chart's are in base/plot.c, beside its axis code), and
 * replay's plots. */
#include "base/plot.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- heatmap ---- */

static int heat_svg(FILE *f, const void *arg)
{
	return sr_plot_heatmap_svg(f, arg);
}

/* One row per non-empty cell: its x and y extent and its value. */
static int heat_csv(FILE *f, const void *arg)
{
	const struct sr_plot_heat *h = arg;
	size_t stride = h->stride ? h->stride : h->cols, r, c;
	double dx = h->cols ? (h->x1 - h->x0) / (double)h->cols : 0;
	double dy = h->rows ? (h->y1 - h->y0) / (double)h->rows : 0;

	fputs("x_low,x_high,y_low,y_high,", f);
	sr_plot_csv_str(f, h->series ? h->series : "value");
	fputc('\n', f);
	for (r = 0; r < h->rows; r++)
		for (c = 0; c < h->cols; c++) {
			uint64_t v = h->cell[r * stride + c];

			if (v)
				fprintf(f, "%.17g,%.17g,%.17g,%.17g,%" PRIu64 "\n", h->x0 + (double)c * dx,
					h->x0 + (double)(c + 1) * dx, h->y0 + (double)r * dy,
					h->y0 + (double)(r + 1) * dy, v);
		}
	return ferror(f) ? -EIO : 0;
}

struct named {
	const char *name;
	const void *p;
};

static int heat_gp(FILE *f, const void *arg)
{
	const struct named *g = arg;
	const struct sr_plot_heat *h = g->p;

	sr_plot_gp_begin(f, g->name, h->title);
	fputs("set xlabel ", f);
	sr_plot_gp_str(f, h->xlabel);
	fputs("\nset ylabel ", f);
	sr_plot_gp_str(f, h->ylabel);
	fputs("\nset cblabel ", f);
	sr_plot_gp_str(f, h->series);
	fprintf(f, "\nset logscale cb\nset palette defined (0 \"#ffffcc\", 0.5 \"#41b6c4\", 1 \"#0c2c84\")\n"
		   "set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n"
		   "plot \"%s.csv\" skip 1 using (($1+$2)/2):(($3+$4)/2):(($2-$1)/2):(($4-$3)/2):5 "
		   "with boxxyerror fill solid noborder lc palette notitle\n",
		h->x0, h->x1 > h->x0 ? h->x1 : h->x0 + 1, h->y0, h->y1 > h->y0 ? h->y1 : h->y0 + 1, g->name);
	return ferror(f) ? -EIO : 0;
}

int sr_plot_heatmap_files(const char *dir, const char *name, const char *term,
			  const struct sr_plot_heat *h, struct sr_err *e)
{
	struct named g = { name, h };
	int ret;

	if ((ret = sr_plot_dir(dir, e)) || (ret = sr_plot_file(dir, name, "svg", heat_svg, h, e)) ||
	    (ret = sr_plot_file(dir, name, "csv", heat_csv, h, e)) ||
	    (ret = sr_plot_file(dir, name, "gp", heat_gp, &g, e)))
		return ret;
	/* nothing to draw: gnuplot would fail on an empty file */
	for (size_t r = 0; r < h->rows; r++)
		for (size_t c = 0; c < h->cols; c++)
			if (term && h->cell[r * (h->stride ? h->stride : h->cols) + c])
				return sr_plot_gnuplot(dir, name, e);
	return 0;
}

/* ---- bars ---- */

static int bars_svg(FILE *f, const void *arg)
{
	return sr_plot_bars_svg(f, arg);
}

/* One row per category, one column per series. */
static int bars_csv(FILE *f, const void *arg)
{
	const struct sr_plot_bars *b = arg;
	size_t i, k;

	fputs("category", f);
	for (k = 0; k < b->ns; k++) {
		fputc(',', f);
		sr_plot_csv_str(f, b->names[k]);
	}
	fputc('\n', f);
	for (i = 0; i < b->nb; i++) {
		sr_plot_csv_str(f, b->labels[i]);
		for (k = 0; k < b->ns; k++)
			fprintf(f, ",%.17g", b->v[k][i]);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static int bars_gp(FILE *f, const void *arg)
{
	const struct named *g = arg;
	const struct sr_plot_bars *b = g->p;

	sr_plot_gp_begin(f, g->name, b->title);
	fputs("set xlabel ", f);
	sr_plot_gp_str(f, b->xlabel);
	fputs("\nset ylabel ", f);
	sr_plot_gp_str(f, b->ylabel);
	fprintf(f, "\nset style data histograms\nset style fill solid 0.8 border -1\nset yrange [0:*]\n"
		   "set grid ytics\nset key outside right\n"
		   "plot for [i=2:%zu] \"%s.csv\" using i:xtic(1) title columnheader(i)\n",
		b->ns + 1, g->name);
	return ferror(f) ? -EIO : 0;
}

int sr_plot_bars_files(const char *dir, const char *name, const char *term,
		       const struct sr_plot_bars *b, struct sr_err *e)
{
	struct named g = { name, b };
	int ret;

	if ((ret = sr_plot_dir(dir, e)) || (ret = sr_plot_file(dir, name, "svg", bars_svg, b, e)) ||
	    (ret = sr_plot_file(dir, name, "csv", bars_csv, b, e)) ||
	    (ret = sr_plot_file(dir, name, "gp", bars_gp, &g, e)))
		return ret;
	return term && b->nb && b->ns ? sr_plot_gnuplot(dir, name, e) : 0;
}

/* ---- replay ---- */

#define CDF_POINTS 200

int sr_plot_replay(const char *dir, const char *title, const struct sr_stats *st, int png,
		   struct sr_err *e)
{
	const struct sr_timeline *tl = &st->timeline;
	struct sr_plot_series s[2];
	double *buf;
	char t[256];
	const char *term;
	size_t ns = 0, i, n = tl->n ? tl->n : 1;
	int op, ret;

	if ((ret = sr_plot_dir(dir, e)))
		return ret;
	term = png ? sr_plot_png_terminal() : NULL;

	/* 2 ops x (x, y) for the timeline, then for the CDF */
	buf = calloc(4 * (n > CDF_POINTS ? n : CDF_POINTS), sizeof(*buf));
	if (!buf)
		return sr_errf(e, -ENOMEM, "out of memory");
	for (op = 0; op < 2; op++) {
		double *x = buf + (size_t)op * 2 * n, *y = x + n;

		if (!st->op[op].bytes)
			continue;
		for (i = 0; i < tl->n; i++) {
			/* the last second is as long as the run lasted into it: its
			 * bytes over a full second would show a collapse at the end */
			double span = i + 1 == tl->n ? sr_timeline_last_span(st) : 1;

			x[i] = (double)i + span / 2; /* the middle of its second */
			y[i] = (double)tl->s[i].bytes[op] / 1048576.0 / span;
		}
		s[ns++] = (struct sr_plot_series){ .name = sr_op_name(op), .x = x, .y = y, .n = tl->n,
						   .style = SR_SERIES_MARKERS };
	}
	snprintf(t, sizeof(t), "%s: bandwidth per second", title);
	ret = sr_plot_lines_files(dir, "bandwidth", term,
				  &(struct sr_plot_lines){
					  .title = t, .s = s, .ns = ns,
					  .x = { .label = "seconds since start (a point per second; the last over its own length)" },
					  .y = { .label = "MiB/s" },
				  }, e);
	if (ret)
		goto out;
	ns = 0;
	for (op = 0; op < 2; op++) {
		double *x = buf + (size_t)op * 2 * CDF_POINTS, *y = x + CDF_POINTS;
		size_t np = sr_plot_cdf_points(&st->op[op].clat, x, y, CDF_POINTS);

		if (np)
			s[ns++] = (struct sr_plot_series){ .name = sr_op_name(op), .x = x, .y = y, .n = np,
							   .style = SR_SERIES_LINE };
	}
	snprintf(t, sizeof(t), "%s: completion latency CDF", title);
	ret = sr_plot_lines_files(dir, "latency_cdf", term,
				  &(struct sr_plot_lines){
					  .title = t, .s = s, .ns = ns,
					  .x = { .label = "completion latency (us)", .scale = SR_AXIS_LOG10 },
					  .y = { .label = "% of requests at or below", .min = 0, .max = 100 },
				  }, e);
out:
	free(buf);
	return ret;
}
