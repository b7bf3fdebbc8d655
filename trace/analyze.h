/* Characterize a trace in one streaming pass (ssdreplay analyze): volumes,
 * unique pages, amplification and coverage, gap classes between consecutive
 * requests, request sizes, bandwidth over trace time, passes over the data.
 * Memory does not grow with the number of records: the page bitmaps grow
 * with the extent touched, the timeline with the trace's duration, the rest
 * is fixed. Never prints; errors come back as -errno with e set. */
#ifndef SR_ANALYZE_H
#define SR_ANALYZE_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/stats.h"
#include "trace/analyze_kv.h"
#include "trace/pagemap.h"
#include "base/source.h"

struct sr_model; /* synth/model.h */

/* Plot grids (--plot): bytes per cell, filled while streaming. The x range
 * (request index or time) and the y range (offset) are not known until the
 * end, so both cell sizes start small and double, merging neighbours, when a
 * request falls beyond the grid. At the end between half and all of each
 * axis is in use. */
#define SR_PLOT_COLS 200
#define SR_PLOT_ROWS 100
struct sr_plot_grid {
	uint64_t cell[SR_PLOT_ROWS][SR_PLOT_COLS];
	uint64_t xw;       /* x units (requests or ns) per column, a power of two */
	uint64_t yh;       /* bytes per row, a power of two */
	uint64_t x0;       /* x of the first sample (time: first timestamp) */
	uint64_t xmax;     /* largest x - x0 seen */
	uint64_t ymax;     /* largest end offset seen */
	uint64_t n;        /* samples */
};

/* Page sizes --page accepts: powers of two in this range. */
#define SR_ANALYZE_PAGE_MIN 512ull
#define SR_ANALYZE_PAGE_MAX (1ull << 30)
/* The per-second timeline stops at this many seconds of trace time. */
#define SR_ANALYZE_MAX_SECONDS (1ull << 22)

struct sr_analysis {
	const char *name;           /* source name for messages, set by sr_analysis_run */
	uint64_t page;
	unsigned page_shift;

	/* totals */
	uint64_t records;           /* every record the source gave */
	uint64_t requests;          /* reads and writes with a length */
	uint64_t ops[SR_OP_NR];     /* records per op */
	uint64_t bytes[SR_OP_NR];   /* bytes per op (syncs: 0) */
	uint64_t zero_len;          /* reads/writes of length 0: counted in ops[], nothing else */
	uint64_t extent;            /* highest end offset of a request */
	uint32_t max_target;        /* highest target index seen (all share one offset space) */

	/* unique pages: reads (once, twice) and writes */
	struct sr_pagemap rd, rd2, wr;
	uint64_t touches[2];        /* pages touched, summed over requests: read, write */

	/* gaps between consecutive requests, in trace order */
	int have_prev;
	uint64_t prev_end;
	uint64_t gaps, seq, fwd, back;
	uint64_t restarts;          /* backward jumps of more than half the extent so far */
	struct sr_hist jump;        /* |start - previous end| of non-sequential gaps, bytes */

	struct sr_size_hist sizes[2]; /* read, write */

	/* time */
	uint64_t timed;             /* requests with a timestamp */
	uint64_t timed_bytes;
	uint64_t t_first, t_last, t_min, t_max;
	uint64_t t_backwards;       /* timestamps smaller than the previous one */
	struct sr_hist iat;         /* inter-arrival, ns (negative deltas count as 0) */
	struct sr_timeline tl;

	/* The plot grids are filled only while plots is set (sr_analysis_init
	 * sets it): clear it before the first record when nothing will draw
	 * them (analyze without --plot), as they cost more per record than
	 * every figure of the report. They live apart (one calloc), so that
	 * their 320 KB are never touched then: a page fault costs 30-50 us
	 * on a virtual machine. */
	int plots;
	struct sr_plot_grid *by_index, *by_time;

	/* --gguf: bytes read per tensor of model, a read spanning several
	 * tensors split between them (sr_analysis_set_spans). trace/ does not
	 * see synth/: it works on the tensors' byte ranges, and keeps model
	 * (opaque here) for the caller that names them. */
	const struct sr_model *model;
	struct sr_span *spans;      /* [n_spans] in file order */
	size_t n_spans;
	uint64_t *t_bytes;          /* [n_tensors] */
	uint64_t *t_reads;          /* [n_tensors]: reads touching the tensor */
	uint64_t unlabelled;        /* bytes read outside every tensor */
	/* Expert tensors (sr_analysis_set_experts): tensor i holds x_n[i]
	 * slices of x_unit[i] bytes; x_bytes[x_base[i] + e] is what was read of
	 * slice e, a read spanning slices split between them. */
	uint32_t *x_n;
	uint64_t *x_unit, *x_base, *x_bytes;

	struct sr_analyze_kv kv;    /* records flagged SR_RF_KV (trace/analyze_kv.h) */
};

/* Derived figures (sr_analysis_finish). */
struct sr_analysis_res {
	uint64_t read_pages, write_pages, pages, reread_pages; /* unique pages */
	uint64_t read_unique, write_unique, unique;            /* the same in bytes */
	double amp_bytes;   /* bytes read / unique bytes read */
	double amp_pages;   /* read page touches / unique read pages */
	/* Passes over the data: page touches / unique pages, reads and writes
	 * together: how many times the model was streamed on average (for a
	 * read-only trace the same number as amp_pages). The restarts count in
	 * struct sr_analysis says how many of those passes began with a jump
	 * back to the start rather than by re-reading pieces in place. */
	double passes;
	uint64_t size;      /* size coverage is against */
	double coverage, read_coverage;
	double seq_pct, fwd_pct, back_pct;
	double jump_mean;
	uint64_t jump_median;
	double mean_req;
	int timed;          /* some request had a timestamp */
	double span_s;      /* last timestamp - first timestamp */
	uint64_t first_sec, seconds; /* timeline seconds [first_sec, first_sec + seconds) */
	double bw_avg;      /* bytes/s: timed bytes / seconds */
	uint64_t bw_peak, peak_sec; /* busiest second: bytes, index since trace start */
	uint64_t iat_p50, iat_p99;
};

/* page: a power of two in [SR_ANALYZE_PAGE_MIN, SR_ANALYZE_PAGE_MAX]. */
int sr_analysis_init(struct sr_analysis *a, uint64_t page, struct sr_err *e);
void sr_analysis_free(struct sr_analysis *a);
/* Attribute reads to the n byte ranges of model's tensors (sr_model_spans;
 * copied; model must outlive a). Records labelled by sr_label_wrap are found
 * without a search. */
int sr_analysis_set_spans(struct sr_analysis *a, const struct sr_model *model, const struct sr_span *spans,
			  size_t n, struct sr_err *e);
/* Count bytes per expert slice too: n_expert[i] slices of expert_bytes[i]
 * for each of the n_spans tensors (0 for tensors that are not experts).
 * After sr_analysis_set_spans. */
int sr_analysis_set_experts(struct sr_analysis *a, const uint32_t *n_expert, const uint64_t *expert_bytes,
			    struct sr_err *e);
/* Tensors by bytes read, most first (ties: file order): up to n indexes
 * into the spans (a->model->tensors), of tensors read at all; returns how many. */
size_t sr_analysis_top_tensors(const struct sr_analysis *a, size_t *idx, size_t n);
/* One record. e names r->seq on failure. */
int sr_analysis_add(struct sr_analysis *a, const struct sr_rec *r, struct sr_err *e);
/* Every record of src, batch by batch. */
int sr_analysis_run(struct sr_analysis *a, struct sr_source *src, struct sr_err *e);
/* size: what coverage is against; 0 means the extent seen. */
void sr_analysis_finish(const struct sr_analysis *a, uint64_t size, struct sr_analysis_res *r);

/* The level a trace format measures at (the level changes
 * the answer): "block" (blktrace, blkparse, ftrace), "page-cache" (filemap),
 * "page-fault" (faults), else "unknown" (csv, fio-iolog, a schedule...). */
const char *sr_trace_format_level(const char *format);

/* Size of a regular file (stat) or block device (BLKGETSIZE64). */
int sr_analyze_file_size(const char *path, uint64_t *size, struct sr_err *e);

/* SVG plots: offset-vs-time heat map (by time when every request has a
 * timestamp, else by request index) and the request-size histogram. */
int sr_analyze_svg_heatmap(FILE *f, const struct sr_analysis *a, const char *title);
int sr_analyze_svg_sizes(FILE *f, const struct sr_analysis *a, const char *title);
/* The same as DIR/heatmap.* and DIR/sizes.*: SVG, CSV data, gnuplot script,
 * and PNG when term (sr_plot_png_terminal) is not NULL. */
int sr_analyze_plot_heatmap(const char *dir, const char *term, const struct sr_analysis *a,
			    const char *title, struct sr_err *e);
int sr_analyze_plot_sizes(const char *dir, const char *term, const struct sr_analysis *a,
			  const char *title, struct sr_err *e);

#endif
