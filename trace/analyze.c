#include "trace/analyze.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/plot.h"

#define NS_PER_SEC 1000000000ull
#define BATCH 1024

/* ---- plot grids ---- */

/* g: zeroed (calloc: fresh pages stay untouched until a record lands) */
static void grid_init(struct sr_plot_grid *g, uint64_t page)
{
	g->xw = 1;
	g->yh = page;
}

/* Double the x units per column: column c takes columns 2c and 2c + 1. */
static void grid_widen(struct sr_plot_grid *g)
{
	unsigned r, c;

	for (r = 0; r < SR_PLOT_ROWS; r++) {
		for (c = 0; c < SR_PLOT_COLS / 2; c++)
			g->cell[r][c] = g->cell[r][2 * c] + g->cell[r][2 * c + 1];
		memset(&g->cell[r][SR_PLOT_COLS / 2], 0, sizeof(g->cell[r]) / 2);
	}
	g->xw *= 2;
}

static void grid_heighten(struct sr_plot_grid *g)
{
	unsigned r, c;

	for (r = 0; r < SR_PLOT_ROWS / 2; r++)
		for (c = 0; c < SR_PLOT_COLS; c++)
			g->cell[r][c] = g->cell[2 * r][c] + g->cell[2 * r + 1][c];
	memset(&g->cell[SR_PLOT_ROWS / 2], 0, sizeof(g->cell) / 2);
	g->yh *= 2;
}

/* Bytes [off, off + len), len > 0, at x: split over the rows they cover. */
static void grid_add(struct sr_plot_grid *g, uint64_t x, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, r, r0, r1, lo, hi, col;
	unsigned xs, ys; /* xw and yh are powers of two: shifts, not divisions */

	if (!g->n++)
		g->x0 = x;
	x = x > g->x0 ? x - g->x0 : 0;
	while (x >> (xs = (unsigned)__builtin_ctzll(g->xw)) >= SR_PLOT_COLS)
		grid_widen(g);
	while ((end - 1) >> (ys = (unsigned)__builtin_ctzll(g->yh)) >= SR_PLOT_ROWS)
		grid_heighten(g);
	col = x >> xs;
	r0 = off >> ys;
	r1 = (end - 1) >> ys;
	for (r = r0; r <= r1; r++) {
		lo = r == r0 ? off : r << ys;
		hi = r == r1 ? end : (r + 1) << ys;
		g->cell[r][col] += hi - lo;
	}
	if (x > g->xmax)
		g->xmax = x;
	if (end > g->ymax)
		g->ymax = end;
}

/* ---- accumulation ---- */

int sr_analysis_init(struct sr_analysis *a, uint64_t page, struct sr_err *e)
{
	memset(a, 0, sizeof(*a));
	if (page < SR_ANALYZE_PAGE_MIN || page > SR_ANALYZE_PAGE_MAX || (page & (page - 1)))
		return sr_inputf(e, "analyze: page size %" PRIu64 " is not a power of two from 512 to 1G",
				 page);
	a->page = page;
	a->page_shift = (unsigned)__builtin_ctzll(page);
	sr_pagemap_init(&a->rd);
	sr_pagemap_init(&a->rd2);
	sr_pagemap_init(&a->wr);
	sr_hist_init(&a->jump);
	sr_hist_init(&a->iat);
	a->by_index = calloc(2, sizeof(*a->by_index));
	if (!a->by_index)
		return sr_errf(e, -ENOMEM, "analyze: out of memory for the plot grids");
	a->by_time = a->by_index + 1;
	grid_init(a->by_index, page);
	grid_init(a->by_time, page);
	a->plots = 1;
	return 0;
}

void sr_analysis_free(struct sr_analysis *a)
{
	sr_pagemap_free(&a->rd);
	sr_pagemap_free(&a->rd2);
	sr_pagemap_free(&a->wr);
	sr_timeline_free(&a->tl);
	free(a->t_bytes);
	free(a->t_reads);
	free(a->spans);
	a->t_bytes = a->t_reads = NULL;
	a->spans = NULL;
	free(a->x_n);
	free(a->x_unit);
	free(a->x_base);
	free(a->x_bytes);
	a->x_n = NULL;
	a->x_unit = a->x_base = a->x_bytes = NULL;
	sr_analyze_kv_free(&a->kv);
	free(a->by_index);
	a->by_index = a->by_time = NULL;
}

int sr_analysis_set_spans(struct sr_analysis *a, const struct sr_model *model, const struct sr_span *spans,
			  size_t n, struct sr_err *e)
{
	free(a->t_bytes);
	free(a->t_reads);
	free(a->spans);
	a->model = model;
	a->n_spans = n;
	a->spans = malloc((n + 1) * sizeof(*a->spans));
	a->t_bytes = calloc(n + 1, sizeof(*a->t_bytes));
	a->t_reads = calloc(n + 1, sizeof(*a->t_reads));
	if (!a->spans || !a->t_bytes || !a->t_reads)
		return sr_errf(e, -ENOMEM, "analyze: out of memory for %zu tensors", n);
	memcpy(a->spans, spans, n * sizeof(*spans));
	return 0;
}

int sr_analysis_set_experts(struct sr_analysis *a, const uint32_t *n_expert, const uint64_t *expert_bytes,
			    struct sr_err *e)
{
	size_t i, n = a->n_spans;
	uint64_t total = 0;

	a->x_n = calloc(n + 1, sizeof(*a->x_n));
	a->x_unit = calloc(n + 1, sizeof(*a->x_unit));
	a->x_base = calloc(n + 1, sizeof(*a->x_base));
	if (!a->x_n || !a->x_unit || !a->x_base)
		return sr_errf(e, -ENOMEM, "analyze: out of memory for %zu tensors", n);
	for (i = 0; i < n; i++) {
		if (!n_expert[i] || !expert_bytes[i])
			continue;
		a->x_n[i] = n_expert[i];
		a->x_unit[i] = expert_bytes[i];
		a->x_base[i] = total;
		total += n_expert[i];
	}
	a->x_bytes = calloc(total + 1, sizeof(*a->x_bytes));
	if (!a->x_bytes)
		return sr_errf(e, -ENOMEM, "analyze: out of memory for %llu expert slices", (unsigned long long)total);
	return 0;
}

/* [lo, hi) of tensor i split over its expert slices. */
static void label_experts(struct sr_analysis *a, size_t i, uint64_t lo, uint64_t hi)
{
	uint64_t u = a->x_unit[i], base = a->spans[i].off, x, s, t;

	for (x = (lo - base) / u; x < a->x_n[i] && base + x * u < hi; x++) {
		s = lo > base + x * u ? lo : base + x * u;
		t = hi < base + (x + 1) * u ? hi : base + (x + 1) * u;
		if (s < t)
			a->x_bytes[a->x_base[i] + x] += t - s;
	}
}

/* First tensor ending after off (tensors ascend by offset). */
static size_t tensor_after(const struct sr_analysis *a, uint64_t off)
{
	size_t lo = 0, hi = a->n_spans, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->spans[mid].off + a->spans[mid].len > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void label_read(struct sr_analysis *a, const struct sr_rec *r)
{
	const struct sr_span *m = a->spans;
	uint64_t end = r->off + r->len, covered = 0, lo, hi;
	long t = sr_tag_tensor(r->tag);
	size_t i;

	if (t >= 0 && (size_t)t < a->n_spans && r->off >= m[t].off && r->off < m[t].off + m[t].len)
		i = (size_t)t;
	else
		i = tensor_after(a, r->off);
	for (; i < a->n_spans && m[i].off < end; i++) {
		lo = r->off > m[i].off ? r->off : m[i].off;
		hi = end < m[i].off + m[i].len ? end : m[i].off + m[i].len;
		if (hi <= lo)
			continue;
		a->t_bytes[i] += hi - lo;
		a->t_reads[i]++;
		if (a->x_n && a->x_n[i])
			label_experts(a, i, lo, hi);
		covered += hi - lo;
	}
	a->unlabelled += r->len - covered;
}

static int cmp_top(const void *pa, const void *pb, void *ctx)
{
	const uint64_t *b = ctx;
	size_t x = *(const size_t *)pa, y = *(const size_t *)pb;

	if (b[x] != b[y])
		return b[x] > b[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

size_t sr_analysis_top_tensors(const struct sr_analysis *a, size_t *idx, size_t n)
{
	size_t i, k = 0, *all;

	if (!a->spans || !n)
		return 0;
	all = malloc(a->n_spans * sizeof(*all) + 1);
	if (!all)
		return 0;
	for (i = 0; i < a->n_spans; i++)
		if (a->t_bytes[i])
			all[k++] = i;
	qsort_r(all, k, sizeof(*all), cmp_top, a->t_bytes);
	if (k > n)
		k = n;
	memcpy(idx, all, k * sizeof(*idx));
	free(all);
	return k;
}

/* The steps of one record, inlined whatever the compiler would choose:
 * a call each cost ~20 instructions of ~230 a record. */
#define HOT static inline __attribute__((always_inline))
#define WHERE(a, r) ((a)->name ? (a)->name : "record"), (unsigned long long)(r)->seq
#define MAX_T_NS (SR_ANALYZE_MAX_SECONDS * NS_PER_SEC) /* t_ns / NS_PER_SEC >= MAX_SECONDS, without a division */

/* The error for a record the page map refused (ret from sr_pagemap_mark). */
static int pagemap_err(const struct sr_analysis *a, const struct sr_rec *r, int ret, struct sr_err *e)
{
	if (ret == -EFBIG)
		return sr_inputf(e, "%s:%llu: offset %" PRIu64 " is beyond the %llu TiB the page map "
				 "covers at --page %" PRIu64 " (use a larger --page)", WHERE(a, r),
				 r->off, (unsigned long long)((SR_PAGEMAP_MAX_PAGES << a->page_shift) >> 40),
				 a->page);
	return sr_errf(e, ret, "%s:%llu: out of memory for the page map", WHERE(a, r));
}

/* Gap to the previous request: where it starts against where the previous
 * one ended. A restart is a backward jump of more than half the highest
 * offset seen so far: a new pass over the data beginning, as opposed to the
 * short backward hops of interleaved streams. */
HOT void add_gap(struct sr_analysis *a, uint64_t off, uint64_t end)
{
	uint64_t d;

	if (a->have_prev) {
		a->gaps++;
		if (off == a->prev_end) {
			a->seq++;
		} else if (off > a->prev_end) {
			a->fwd++;
			sr_hist_add(&a->jump, off - a->prev_end);
		} else {
			d = a->prev_end - off;
			a->back++;
			sr_hist_add(&a->jump, d);
			if (d > a->extent / 2)
				a->restarts++;
		}
	}
	a->have_prev = 1;
	a->prev_end = end;
	if (end > a->extent)
		a->extent = end;
}

/* The time figures of a request with a timestamp. */
HOT int add_time(struct sr_analysis *a, const struct sr_rec *r, struct sr_err *e)
{
	if (!a->timed) {
		a->t_first = a->t_min = a->t_max = r->t_ns;
	} else if (r->t_ns < a->t_last) {
		a->t_backwards++;
		sr_hist_add(&a->iat, 0);
	} else {
		sr_hist_add(&a->iat, r->t_ns - a->t_last);
	}
	a->t_last = r->t_ns;
	if (r->t_ns < a->t_min)
		a->t_min = r->t_ns;
	if (r->t_ns > a->t_max)
		a->t_max = r->t_ns;
	a->timed++;
	a->timed_bytes += r->len;
	if (a->plots)
		grid_add(a->by_time, r->t_ns, r->off, r->len);
	if (sr_timeline_add(&a->tl, r->t_ns, r->op, r->len))
		return sr_errf(e, -ENOMEM, "%s:%llu: out of memory for the timeline", WHERE(a, r));
	return 0;
}

/* One record: inline in sr_analysis_run's loop, where most of analyze's
 * time per record goes besides the reader's. */
HOT int add_rec(struct sr_analysis *a, const struct sr_rec *r, struct sr_err *e)
{
	uint64_t end = r->off + r->len, first, n;
	int op = r->op, ret;

	if (op >= SR_OP_NR)
		return sr_inputf(e, "%s:%llu: unknown op %d", WHERE(a, r), op);
	a->records++;
	a->ops[op]++;
	a->bytes[op] += r->len;
	if (op != SR_OP_READ && op != SR_OP_WRITE)
		return 0;
	if (!r->len) {
		a->zero_len++;
		return 0;
	}
	if (end < r->off)
		return sr_inputf(e, "%s:%llu: offset+length beyond 64 bits", WHERE(a, r));
	/* sr_analyze_kv_add does nothing for records without these flags */
	if ((r->flags & (SR_RF_KV | SR_RF_TOKEN)) && (ret = sr_analyze_kv_add(&a->kv, r, e)))
		return ret;
	if (r->t_ns != SR_T_NONE && r->t_ns >= MAX_T_NS)
		return sr_inputf(e, "%s:%llu: time %.0f s is more than %llu days after the trace start: "
				 "too long for the per-second timeline", WHERE(a, r),
				 (double)r->t_ns / 1e9, SR_ANALYZE_MAX_SECONDS / 86400);

	/* Unique pages: a read page seen before goes into rd2 (re-read). */
	first = r->off >> a->page_shift;
	n = ((end - 1) >> a->page_shift) - first + 1;
	if (op == SR_OP_READ)
		ret = sr_pagemap_mark(&a->rd, &a->rd2, first, n);
	else
		ret = sr_pagemap_mark(&a->wr, NULL, first, n);
	if (ret)
		return pagemap_err(a, r, ret, e);
	a->touches[op] += n;
	if (a->spans && op == SR_OP_READ)
		label_read(a, r);

	add_gap(a, r->off, end);
	if (r->target > a->max_target)
		a->max_target = r->target;
	sr_size_hist_add(&a->sizes[op], r->len);
	if (a->plots)
		grid_add(a->by_index, a->requests, r->off, r->len);
	a->requests++;
	return r->t_ns == SR_T_NONE ? 0 : add_time(a, r, e);
}

int sr_analysis_add(struct sr_analysis *a, const struct sr_rec *r, struct sr_err *e)
{
	return add_rec(a, r, e);
}

int sr_analysis_run(struct sr_analysis *a, struct sr_source *src, struct sr_err *e)
{
	struct sr_rec *buf = malloc(BATCH * sizeof(*buf));
	int n, i, ret = 0;

	if (!buf)
		return sr_errf(e, -ENOMEM, "out of memory");
	a->name = src->name;
	while (!ret && (n = sr_source_next(src, buf, BATCH, e)) > 0)
		for (i = 0; i < n && !ret; i++)
			ret = add_rec(a, &buf[i], e);
	free(buf);
	a->name = NULL;
	return ret ? ret : n;
}

static double ratio(double num, double den)
{
	return den > 0 ? num / den : 0;
}

static uint64_t pages_to_bytes(uint64_t pages, unsigned shift)
{
	return pages > (UINT64_MAX >> shift) ? UINT64_MAX : pages << shift;
}

void sr_analysis_finish(const struct sr_analysis *a, uint64_t size, struct sr_analysis_res *r)
{
	uint64_t size_pages, s, b;

	memset(r, 0, sizeof(*r));
	r->read_pages = a->rd.count;
	r->write_pages = a->wr.count;
	r->pages = r->read_pages + r->write_pages - sr_pagemap_count_and(&a->rd, &a->wr);
	r->reread_pages = a->rd2.count;
	r->read_unique = pages_to_bytes(r->read_pages, a->page_shift);
	r->write_unique = pages_to_bytes(r->write_pages, a->page_shift);
	r->unique = pages_to_bytes(r->pages, a->page_shift);
	r->amp_bytes = ratio((double)a->bytes[SR_OP_READ], (double)r->read_unique);
	r->amp_pages = ratio((double)a->touches[0], (double)r->read_pages);
	r->passes = ratio((double)a->touches[0] + (double)a->touches[1], (double)r->pages);

	/* Coverage in pages: unique pages over the pages of size, so a size
	 * that is not a multiple of the page is rounded up, not overshot. */
	r->size = size ? size : a->extent;
	size_pages = (r->size >> a->page_shift) + ((r->size & (a->page - 1)) != 0);
	r->coverage = ratio((double)r->pages, (double)size_pages);
	r->read_coverage = ratio((double)r->read_pages, (double)size_pages);

	r->seq_pct = ratio(100.0 * (double)a->seq, (double)a->gaps);
	r->fwd_pct = ratio(100.0 * (double)a->fwd, (double)a->gaps);
	r->back_pct = ratio(100.0 * (double)a->back, (double)a->gaps);
	r->jump_mean = sr_hist_mean(&a->jump);
	r->jump_median = sr_hist_pct(&a->jump, 50);
	r->mean_req = ratio((double)a->bytes[SR_OP_READ] + (double)a->bytes[SR_OP_WRITE],
			    (double)a->requests);

	if (!a->timed)
		return;
	r->timed = 1;
	r->span_s = (double)(a->t_max - a->t_min) / 1e9;
	r->first_sec = a->t_min / NS_PER_SEC;
	r->seconds = a->t_max / NS_PER_SEC - r->first_sec + 1;
	r->bw_avg = (double)a->timed_bytes / (double)r->seconds;
	r->peak_sec = r->first_sec;
	for (s = r->first_sec; s < a->tl.n; s++) {
		b = a->tl.s[s].bytes[0] + a->tl.s[s].bytes[1];
		if (b > r->bw_peak) {
			r->bw_peak = b;
			r->peak_sec = s;
		}
	}
	r->iat_p50 = sr_hist_pct(&a->iat, 50);
	r->iat_p99 = sr_hist_pct(&a->iat, 99);
}

const char *sr_trace_format_level(const char *format)
{
	static const struct {
		const char *format, *level;
	} levels[] = {
		{ "blktrace", "block" }, { "blkparse", "block" }, { "ftrace", "block" },
		{ "filemap", "page-cache" }, { "faults", "page-fault" },
	};
	size_t i;

	for (i = 0; format && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(format, levels[i].format))
			return levels[i].level;
	return "unknown";
}

int sr_analyze_file_size(const char *path, uint64_t *size, struct sr_err *e)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_inputf(e, "analyze: --target %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = sr_errf(e, -errno, "analyze: --target %s: %s", path, strerror(errno));
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size))
			ret = sr_errf(e, -errno, "analyze: --target %s: BLKGETSIZE64: %s", path,
				      strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
	} else {
		ret = sr_inputf(e, "analyze: --target %s: expected a regular file or a block device", path);
	}
	close(fd);
	return ret;
}

/* ---- SVG (base/plot.h draws) ---- */

/* Draw into f, or (f NULL) write DIR/heatmap.svg, .csv, .gp and .png. */
static int heatmap(FILE *f, const char *dir, const char *term, const struct sr_analysis *a,
		   const char *title, struct sr_err *e)
{
	int by_time = a->timed && a->timed == a->requests;
	const struct sr_plot_grid *g = by_time ? a->by_time : a->by_index;
	uint64_t cols = 1, rows = 1;
	struct sr_plot_heat h = {
		.title = title,
		.xlabel = by_time ? "time since the first request (s)" : "request index",
		.ylabel = "offset",
		.series = "bytes",
		.cell = &g->cell[0][0],
		.stride = SR_PLOT_COLS,
		.yfmt = SR_AXIS_BYTES,
		.vfmt = SR_AXIS_BYTES,
		.note = "bytes per cell",
	};

	if (g->n) {
		cols = g->xmax / g->xw + 1;
		rows = (g->ymax - 1) / g->yh + 1;
	}
	h.rows = rows;
	h.cols = cols;
	h.x1 = by_time ? (double)(cols * g->xw) / 1e9 : (double)(cols * g->xw);
	h.y1 = (double)(rows * g->yh);
	return f ? sr_plot_heatmap_svg(f, &h) : sr_plot_heatmap_files(dir, "heatmap", term, &h, e);
}

static int sizes(FILE *f, const char *dir, const char *term, const struct sr_analysis *a,
		 const char *title, struct sr_err *e)
{
	static const char *const names[] = { "requests" };
	char text[SR_SIZE_BUCKETS][32], b1[24];
	const char *labels[SR_SIZE_BUCKETS];
	double cnt[SR_SIZE_BUCKETS];
	const double *v[] = { cnt };
	int k, k0 = -1, k1 = -1;
	struct sr_plot_bars b = {
		.title = title,
		.xlabel = "request size (power-of-two buckets: (size/2, size]), reads and writes",
		.ylabel = "requests",
		.v = v,
		.names = names,
		.ns = 1,
		.values = 1,
	};

	for (k = 0; k < SR_SIZE_BUCKETS; k++) {
		if (!a->sizes[0].b[k] && !a->sizes[1].b[k])
			continue;
		if (k0 < 0)
			k0 = k;
		k1 = k;
	}
	for (k = k0; k >= 0 && k <= k1; k++) {
		cnt[k - k0] = (double)(a->sizes[0].b[k] + a->sizes[1].b[k]);
		snprintf(text[k - k0], sizeof(text[0]), "\xe2\x89\xa4%s",
			 sr_plot_short_bytes(b1, sizeof(b1), 1ull << k));
		labels[k - k0] = text[k - k0];
	}
	b.nb = k0 < 0 ? 0 : (size_t)(k1 - k0 + 1);
	b.labels = labels;
	return f ? sr_plot_bars_svg(f, &b) : sr_plot_bars_files(dir, "sizes", term, &b, e);
}

int sr_analyze_svg_heatmap(FILE *f, const struct sr_analysis *a, const char *title)
{
	return heatmap(f, NULL, NULL, a, title, NULL);
}

int sr_analyze_svg_sizes(FILE *f, const struct sr_analysis *a, const char *title)
{
	return sizes(f, NULL, NULL, a, title, NULL);
}

int sr_analyze_plot_heatmap(const char *dir, const char *term, const struct sr_analysis *a,
			    const char *title, struct sr_err *e)
{
	return heatmap(NULL, dir, term, a, title, e);
}

int sr_analyze_plot_sizes(const char *dir, const char *term, const struct sr_analysis *a,
			  const char *title, struct sr_err *e)
{
	return sizes(NULL, dir, term, a, title, e);
}
