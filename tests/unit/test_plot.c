/* Plots: each type is well-formed XML (python3's xml.etree parses it, when
 * python3 is here) with one data-series element per series; names are
 * escaped; log axes drop points they cannot show; the latency CDF ends at
 * 100% and never falls. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/plot.h"

static char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");
	char *path;

	assert_true(asprintf(&path, "%s/sr_plot_XXXXXX", d && *d ? d : "/tmp") > 0);
	assert_non_null(mkdtemp(path));
	return path;
}

/* Removes DIR and the files in it, the data and gnuplot scripts a test did
 * not look at included: a test leaves nothing behind in TMPDIR. */
static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(unlink(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* Series in an SVG file as python's XML parser counts them: -1 if it does
 * not parse, -2 if python3 is not here (then only the C-side count runs). */
static int xml_series(const char *path)
{
	char cmd[1024];
	FILE *p;
	int n = -2;

	if (system("python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1"))
		return -2;
	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import sys, xml.etree.ElementTree as E\n"
		 "try: r = E.parse(sys.argv[1]).getroot()\n"
		 "except Exception: print(-1); sys.exit()\n"
		 "print(-1 if not r.tag.endswith('svg') else sum(1 for e in r.iter() if 'data-series' in e.attrib))\" '%s'",
		 path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static void check_file(const char *path, int series)
{
	char *s = slurp(path);
	int x = xml_series(path);

	assert_int_equal(count(s, "data-series=\""), series);
	assert_non_null(strstr(s, "</svg>"));
	if (x != -2)
		assert_int_equal(x, series);
	free(s);
}

static void test_lines(void **state)
{
	static const double x[] = { 4096, 65536, 1048576 }, y1[] = { 100, 900, 1500 },
			    y2[] = { 300, 1800, 2900 }, y3[] = { 2000, 2000, 2000 }, lo[] = { 90, 850, 1400 },
			    hi[] = { 110, 950, 1600 };
	const struct sr_plot_series s[] = {
		{ .name = "qd=1", .x = x, .y = y1, .ylo = lo, .yhi = hi, .n = 3 },
		{ .name = "qd=<32> & \"more\"", .x = x, .y = y2, .n = 3, .style = SR_SERIES_LINE },
		{ .name = "spec", .x = x, .y = y3, .n = 3, .style = SR_SERIES_DASHED },
	};
	char *dir = tmp_dir(), path[512], *svg;
	struct sr_err e = { 0 };
	struct sr_plot_lines p = { .title = "bw <test>", .s = s, .ns = 3, .note = "a & b",
				   .x = { .label = "request size", .scale = SR_AXIS_LOG2, .fmt = SR_AXIS_BYTES },
				   .y = { .label = "MiB/s" } };

	(void)state;
	assert_int_equal(sr_plot_lines_files(dir, "bw", NULL, &p, &e), 0);
	snprintf(path, sizeof(path), "%s/bw.svg", dir);
	check_file(path, 3);
	svg = slurp(path);
	assert_non_null(strstr(svg, "qd=&lt;32&gt; &amp; &quot;more&quot;"));
	assert_non_null(strstr(svg, "4 KiB"));  /* byte tick labels */
	assert_non_null(strstr(svg, "1 MiB"));
	assert_int_equal(count(svg, "class=\"spread\""), 1);
	assert_int_equal(count(svg, "stroke-dasharray"), 2); /* the dashed series and its legend */
	free(svg);
	unlink(path);
	rm_dir(dir);
}

static void test_lines_log_drops_nonpositive(void **state)
{
	static const double x[] = { 1, 2, 3 }, y[] = { 10, 0, 100 };
	const struct sr_plot_series s = { .name = "p99", .x = x, .y = y, .n = 3 };
	struct sr_plot_lines p = { .title = "t", .s = &s, .ns = 1, .y = { .scale = SR_AXIS_LOG10 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(sr_plot_lines_svg(f, &p), 0);
	fclose(f);
	/* two markers: the zero is off a log axis */
	assert_int_equal(count(buf, "<circle"), 2);
	free(buf);
}

static void test_lines_empty(void **state)
{
	struct sr_plot_lines p = { .title = "nothing" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(sr_plot_lines_svg(f, &p), 0);
	fclose(f);
	assert_non_null(strstr(buf, "no data"));
	assert_int_equal(count(buf, "data-series"), 0);
	free(buf);
}

static void test_cdf_points(void **state)
{
	struct sr_hist h;
	double x[300], y[300];
	size_t n, i;
	uint64_t v;

	(void)state;
	sr_hist_init(&h);
	assert_int_equal(sr_plot_cdf_points(&h, x, y, 300), 0);
	for (v = 1000; v < 5000000; v = v * 11 / 10)
		sr_hist_add(&h, v);
	n = sr_plot_cdf_points(&h, x, y, 300);
	assert_true(n > 10);
	for (i = 1; i < n; i++) {
		assert_true(x[i] > x[i - 1]);
		assert_true(y[i] >= y[i - 1]);
	}
	assert_true(y[n - 1] == 100.0);
	assert_true(x[n - 1] <= 5000.0); /* clamped to the largest sample, in us */
	/* thinned to the space given, still ending at 100% */
	n = sr_plot_cdf_points(&h, x, y, 7);
	assert_int_equal(n, 7);
	assert_true(y[6] == 100.0);
	for (i = 1; i < n; i++)
		assert_true(x[i] > x[i - 1]);
}

static void test_heatmap(void **state)
{
	uint64_t cell[3 * 4] = { 0, 1, 2, 0, 10, 0, 0, 100, 5, 5, 0, 0 };
	struct sr_plot_heat h = { .title = "heat", .xlabel = "time", .ylabel = "offset", .rows = 3, .cols = 4,
				  .cell = cell, .x1 = 2.5, .y1 = 1 << 20, .yfmt = SR_AXIS_BYTES, .series = "bytes" };
	char *dir = tmp_dir(), path[512], *svg;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/heat.svg", dir);
	f = fopen(path, "w");
	assert_int_equal(sr_plot_heatmap_svg(f, &h), 0);
	fclose(f);
	check_file(path, 1);
	svg = slurp(path);
	/* one rect per non-empty cell, plus the background and the plot area */
	assert_int_equal(count(svg, "<rect"), 6 + 2);
	assert_non_null(strstr(svg, "1 MiB"));
	assert_non_null(strstr(svg, "from 1 (palest) to 100 (darkest)"));
	free(svg);

	/* a used corner of a bigger array (analyze's fixed grid): stride */
	{
		uint64_t big[3][6] = { { 0, 1, 2, 0, 999, 999 }, { 10, 0, 0, 100, 999, 999 }, { 5, 5, 0, 0, 999, 999 } };

		h.cell = &big[0][0];
		h.stride = 6;
		f = fopen(path, "w");
		assert_int_equal(sr_plot_heatmap_svg(f, &h), 0);
		fclose(f);
		check_file(path, 1);
		svg = slurp(path);
		assert_int_equal(count(svg, "<rect"), 6 + 2);
		assert_null(strstr(svg, "999"));
		free(svg);
	}
	unlink(path);
	rm_dir(dir);
}

static void test_bars(void **state)
{
	static const char *const labels[] = { "4 KiB", "8 KiB", "16 KiB" }, *const names[] = { "read", "write" };
	static const double r[] = { 10, 0, 3 }, w[] = { 1, 2, 0 };
	const double *const v[] = { r, w };
	struct sr_plot_bars b = { .title = "sizes", .nb = 3, .labels = labels, .v = v, .names = names, .ns = 2,
				  .xlabel = "request size", .ylabel = "requests" };
	char *dir = tmp_dir(), path[512], *svg;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/bars.svg", dir);
	f = fopen(path, "w");
	assert_int_equal(sr_plot_bars_svg(f, &b), 0);
	fclose(f);
	check_file(path, 2);
	svg = slurp(path);
	/* 4 bars + 2 legend swatches + background + plot area */
	assert_int_equal(count(svg, "<rect"), 4 + 2 + 2);
	free(svg);
	unlink(path);
	rm_dir(dir);
}

static void test_replay_plots(void **state)
{
	struct sr_stats st;
	struct sr_err e = { 0 };
	char *dir = tmp_dir(), path[512];
	uint64_t i;

	(void)state;
	sr_stats_init(&st);
	for (i = 0; i < 3000; i++)
		assert_int_equal(sr_stats_complete(&st, SR_OP_READ, 4096, 50000 + i * 37 % 9000, i * 1000000ull), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(sr_stats_complete(&st, SR_OP_WRITE, 65536, 200000 + i * 1000, i * 25000000ull), 0);
	assert_int_equal(sr_plot_replay(dir, "replay of x", &st, 0, &e), 0);
	snprintf(path, sizeof(path), "%s/bandwidth.svg", dir);
	check_file(path, 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/latency_cdf.svg", dir);
	check_file(path, 2);
	unlink(path);
	sr_stats_free(&st);

	/* reads only: one series each */
	sr_stats_init(&st);
	assert_int_equal(sr_stats_complete(&st, SR_OP_READ, 4096, 1000, 5), 0);
	assert_int_equal(sr_plot_replay(dir, "one", &st, 0, &e), 0);
	snprintf(path, sizeof(path), "%s/bandwidth.svg", dir);
	check_file(path, 1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/latency_cdf.svg", dir);
	check_file(path, 1);
	unlink(path);
	sr_stats_free(&st);

	/* an unwritable directory is an error, not a crash */
	assert_true(sr_plot_replay("/proc/nonexistent/dir", "x", &st, 0, &e) < 0);
	/* the data and gnuplot script kept beside each SVG */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.%s", dir, i < 2 ? "bandwidth" : "latency_cdf", i % 2 ? "gp" : "csv");
		assert_int_equal(unlink(path), 0);
	}
	rm_dir(dir);
}

static void test_png(void **state)
{
	static const double x[] = { 1, 2, 4 }, y[] = { 1, 4, 16 };
	const struct sr_plot_series s = { .name = "a\"b\\c", .x = x, .y = y, .n = 3 };
	struct sr_plot_lines p = { .title = "png \"test\"", .s = &s, .ns = 1,
				   .x = { .scale = SR_AXIS_LOG2 }, .y = { .label = "y" } };
	const char *term = sr_plot_png_terminal();
	char *dir, path[512];
	struct sr_err e = { 0 };
	struct stat sb;

	(void)state;
	if (!term)
		skip();
	dir = tmp_dir();
	assert_int_equal(sr_plot_lines_files(dir, "p", term, &p, &e), 0);
	snprintf(path, sizeof(path), "%s/p.png", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 1000);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.gp", dir); /* the script and its data are kept */
	assert_int_equal(stat(path, &sb), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.csv", dir);
	assert_int_equal(stat(path, &sb), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.svg", dir);
	unlink(path);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_lines_log_drops_nonpositive),
		cmocka_unit_test(test_lines_empty),
		cmocka_unit_test(test_cdf_points),
		cmocka_unit_test(test_heatmap),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_replay_plots),
		cmocka_unit_test(test_png),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
