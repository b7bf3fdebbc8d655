/* Plots as standalone SVG files (and PNG through gnuplot where its png or
 * pngcairo terminal is installed): line charts with several series, a
 * latency CDF from a histogram, a heatmap and a bar histogram.
 *
 * Every series is one element carrying data-series="NAME" (a <polyline> for
 * lines, a <g> of <rect>s for bars and heatmap cells), so a test can count
 * series in the XML. Library code: returns 0 or -errno, never prints. */
#ifndef SR_PLOT_H
#define SR_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/stats.h"

/* ---- canvas primitives, shared by every plot type ---- */

/* Canvas size and the plot area inside it (pixels). */
struct sr_svg_frame {
	int w, h;           /* canvas */
	int l, t, pw, ph;   /* plot area: left, top, width, height */
};
/* 900x500, plot area 100,50 760x360: the analyze plots' geometry. */
extern const struct sr_svg_frame sr_svg_frame_default;

/* XML prolog, <svg>, <title>, white background, title text, plot area box. */
void sr_svg_begin(FILE *f, const struct sr_svg_frame *fr, const char *title);
void sr_svg_escape(FILE *f, const char *s);
void sr_svg_label(FILE *f, double x, double y, const char *anchor, const char *s);
/* The same, rotated -90 degrees about (x, y): a y-axis title. */
void sr_svg_vlabel(FILE *f, double x, double y, const char *s);
/* Closes </svg>; -EIO if f had a write error. */
int sr_svg_end(FILE *f);

/* "4 KiB", "1.5 MiB": short sizes for axis labels. */
char *sr_plot_short_bytes(char *buf, size_t n, uint64_t v);
/* Pale yellow -> teal -> dark blue, t in [0, 1]. */
void sr_plot_ramp(double t, unsigned rgb[3]);

/* ---- line charts ---- */

enum sr_axis_scale { SR_AXIS_LIN, SR_AXIS_LOG2, SR_AXIS_LOG10 };
enum sr_axis_fmt { SR_AXIS_NUM, SR_AXIS_BYTES };

struct sr_plot_axis {
	const char *label;
	int scale;          /* enum sr_axis_scale */
	int fmt;            /* enum sr_axis_fmt: tick labels as numbers or sizes */
	double min, max;    /* both 0: from the data (LIN y starts at 0 for data >= 0) */
};

enum { SR_SERIES_MARKERS = 0, SR_SERIES_LINE = 1, SR_SERIES_DASHED = 2 };

struct sr_plot_series {
	const char *name;
	const double *x, *y;
	const double *ylo, *yhi; /* optional spread drawn as whiskers; NULL: none */
	size_t n;
	int style;               /* SR_SERIES_* */
};

struct sr_plot_lines {
	const char *title;
	struct sr_plot_axis x, y;
	const struct sr_plot_series *s;
	size_t ns;
	const char *note;        /* a line of text under the plot, or NULL */
};

/* Points with x or y outside a log axis's domain (<= 0) are left out. */
int sr_plot_lines_svg(FILE *f, const struct sr_plot_lines *p);

/* The latency CDF of h as a series: x = latency in microseconds (bucket
 * upper bounds), y = percent of requests at or below it. Fills at most max
 * points (the histogram's non-empty buckets, thinned evenly when more);
 * returns how many. */
size_t sr_plot_cdf_points(const struct sr_hist *h, double *x_us, double *y_pct, size_t max);

/* ---- heatmap and histogram ---- */

struct sr_plot_heat {
	const char *title, *xlabel, *ylabel, *series;
	size_t rows, cols;
	const uint64_t *cell;    /* rows x cols, row 0 at the bottom; 0 = empty */
	size_t stride;           /* elements from one row to the next; 0: cols */
	double x0, x1, y0, y1;   /* axis extents for the corner labels */
	int xfmt, yfmt;          /* enum sr_axis_fmt */
	int vfmt;                /* enum sr_axis_fmt: the colour scale's values */
	const char *note;
};
/* Colour is log-scaled from the smallest to the largest non-zero cell. */
int sr_plot_heatmap_svg(FILE *f, const struct sr_plot_heat *h);

struct sr_plot_bars {
	const char *title, *xlabel, *ylabel;
	size_t nb;                   /* bars per series */
	const char *const *labels;   /* nb category labels */
	const double *const *v;      /* ns arrays of nb values */
	const char *const *names;    /* ns series names */
	size_t ns;
	int values;                  /* 1: each bar's value printed above it */
	const char *note;
};
int sr_plot_bars_svg(FILE *f, const struct sr_plot_bars *b);

/* ---- files: NAME.svg, NAME.csv (the data), NAME.gp (a gnuplot script
 * drawing NAME.png from NAME.csv, run in DIR) and NAME.png ---- */

/* The best PNG terminal gnuplot offers here ("pngcairo", "png"), or NULL
 * when gnuplot is absent or has neither. Runs gnuplot (tens of ms). */
const char *sr_plot_png_terminal(void);

/* Write p as DIR/NAME.svg, .csv and .gp (DIR is created when missing, one
 * level), and DIR/NAME.png by running the script when term is not NULL. */
int sr_plot_lines_files(const char *dir, const char *name, const char *term,
			const struct sr_plot_lines *p, struct sr_err *e);
/* The same for a heatmap (CSV: one row per non-empty cell) and bars. */
int sr_plot_heatmap_files(const char *dir, const char *name, const char *term,
			  const struct sr_plot_heat *h, struct sr_err *e);
int sr_plot_bars_files(const char *dir, const char *name, const char *term,
		       const struct sr_plot_bars *b, struct sr_err *e);

/* Helpers of the above (base/plot*.c): create DIR (and its parents) or check it is
 * a directory; write DIR/NAME.EXT through base/outfile with write(f, arg);
 * run `gnuplot NAME.gp` in DIR; a gnuplot string, a CSV field; the head of
 * every NAME.gp (PNG terminal, output NAME.png, CSV separator, title). */
int sr_plot_dir(const char *dir, struct sr_err *e);
int sr_plot_file(const char *dir, const char *name, const char *ext,
		 int (*write)(FILE *f, const void *arg), const void *arg, struct sr_err *e);
int sr_plot_gnuplot(const char *dir, const char *name, struct sr_err *e);
void sr_plot_gp_str(FILE *f, const char *s);
void sr_plot_csv_str(FILE *f, const char *s);
void sr_plot_gp_begin(FILE *f, const char *name, const char *title);

/* `replay --plot DIR` (DIR is created when missing): bandwidth.svg (MiB/s per second of the run, one
 * series per op that moved data) and latency_cdf.svg (completion latency
 * CDF per op), with PNGs when png is set and gnuplot can. */
int sr_plot_replay(const char *dir, const char *title, const struct sr_stats *st, int png,
		   struct sr_err *e);

#endif
