/* A minimal SVG line chart of the simulate rows: tokens/s and stall per
 * token against --mem, one line per policy. (replay/plot.c, built
 * separately, may replace this writer later.) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/simreport.h"

#define W 720
#define H 420
#define ML 70
#define MR 190
#define MT 40
#define MB 50

static const char *const colors[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
				      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

static const char *row_name(const struct sr_sim_row *w)
{
	return w->kind == SR_ROW_SIM ? w->policy : w->kind == SR_ROW_MMAP ? "real-mmap" : "ram";
}

static double row_y(const struct sr_sim_row *w, int stall)
{
	if (w->kind == SR_ROW_SIM)
		return stall ? sr_hist_mean(&w->res.token_stall) / 1e6 : sr_sim_tokens_per_s(&w->res);
	if (stall)
		return w->mm.tokens ? (double)(w->mm.wall_ns - (w->mm.compute_ns < w->mm.wall_ns ? w->mm.compute_ns : w->mm.wall_ns)) /
					      (double)w->mm.tokens / 1e6 : 0;
	return sr_mmap_tokens_per_s(&w->mm);
}

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

static int plot_one(const char *path, const struct sr_sim_report *rep, int stall)
{
	double xmax = 0, ymax = 0;
	size_t i, j, series = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (i = 0; i < rep->n; i++) {
		double x = (double)rep->rows[i].mem / 1048576.0, y = row_y(&rep->rows[i], stall);

		if (x > xmax)
			xmax = x;
		if (y > ymax)
			ymax = y;
	}
	if (xmax <= 0)
		xmax = 1;
	if (ymax <= 0)
		ymax = 1;
	ymax *= 1.1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\">", ML);
	esc(f, rep->model ? rep->model : rep->source);
	fprintf(f, ": %s vs memory budget</text>\n", stall ? "stall per token (ms)" : "tokens/s");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", ML, H - MB, W - MR, H - MB);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", ML, MT, ML, H - MB);
	for (i = 0; i <= 4; i++) {
		double fx = ML + (W - MR - ML) * i / 4.0, fy = H - MB - (H - MB - MT) * i / 4.0;

		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", fx, H - MB + 16, xmax * i / 4);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", ML - 6, fy + 4, ymax * i / 4);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, fy, W - MR, fy);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">--mem (MiB)</text>\n", (ML + W - MR) / 2, H - 12);
	/* one series per distinct name, in first-seen order */
	for (i = 0; i < rep->n; i++) {
		const char *name = row_name(&rep->rows[i]), *col = colors[series % 10];

		for (j = 0; j < i && strcmp(row_name(&rep->rows[j]), name); j++)
			;
		if (j < i)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		for (j = i; j < rep->n; j++) {
			if (strcmp(row_name(&rep->rows[j]), name))
				continue;
			fprintf(f, "%.1f,%.1f ", ML + (W - MR - ML) * ((double)rep->rows[j].mem / 1048576.0) / xmax,
				H - MB - (H - MB - MT) * row_y(&rep->rows[j], stall) / ymax);
		}
		fprintf(f, "\"/>\n");
		for (j = i; j < rep->n; j++)
			if (!strcmp(row_name(&rep->rows[j]), name))
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
					ML + (W - MR - ML) * ((double)rep->rows[j].mem / 1048576.0) / xmax,
					H - MB - (H - MB - MT) * row_y(&rep->rows[j], stall) / ymax, col);
		fprintf(f, "<text x=\"%d\" y=\"%zu\" fill=\"%s\">", W - MR + 10, MT + 16 * series, col);
		esc(f, name);
		fprintf(f, "</text>\n");
		series++;
	}
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

int sr_sim_plot(const char *dir, const struct sr_sim_report *rep, struct sr_err *e)
{
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/simulate-tokens.svg", dir);
	ret = plot_one(path, rep, 0);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/simulate-stall.svg", dir);
		ret = plot_one(path, rep, 1);
	}
	if (ret)
		return sr_errf(e, ret, "%s: cannot write the plot: %s", path, strerror(-ret));
	return 0;
}
