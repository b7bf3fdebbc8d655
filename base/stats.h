/* Statistics, collected once in the hot loop (no allocation per sample) and
 * rendered by the reporters. */
#ifndef SR_STATS_H
#define SR_STATS_H

#include <errno.h>
#include <stdint.h>
#include <stddef.h>

#include "base/fiolog.h"
#include "base/record.h"

/* Log-linear histogram (HdrHistogram-like): values below 2^SR_HIST_SUB_BITS
 * are exact; above, each power-of-two range is cut into 2^SR_HIST_SUB_BITS
 * linear buckets, so a bucket's width is at most 1/64 of its value (1.6%).
 * Covers 0 .. 2^63. */
#define SR_HIST_SUB_BITS 6
#define SR_HIST_SUB (1u << SR_HIST_SUB_BITS)
#define SR_HIST_BUCKETS ((64 - SR_HIST_SUB_BITS + 1) * SR_HIST_SUB)

struct sr_hist {
	uint64_t n;
	uint64_t min, max;
	double sum, sumsq; /* for mean and stddev */
	uint64_t b[SR_HIST_BUCKETS];
};

void sr_hist_init(struct sr_hist *h);
static inline void sr_hist_add(struct sr_hist *h, uint64_t v);
void sr_hist_merge(struct sr_hist *dst, const struct sr_hist *src);
/* Value at percentile p (0 < p <= 100): the midpoint of the bucket holding
 * the ceil(p/100 * n)-th smallest sample, clamped to [min, max]. 0 if empty. */
uint64_t sr_hist_pct(const struct sr_hist *h, double p);
double sr_hist_mean(const struct sr_hist *h);
double sr_hist_stddev(const struct sr_hist *h);
/* Bucket index of v, and the [lo, hi] range of values bucket i holds. */
static inline unsigned sr_hist_bucket(uint64_t v);
void sr_hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi);

/*
 * shift = max(msb(v) - SUB_BITS, 0), found without a branch by forcing bit
 * SUB_BITS on. For v < 2^SUB_BITS this gives shift 0 and bucket v. Otherwise
 * v >> shift lies in [SUB, 2*SUB), so the bucket is
 * (shift + 1) * SUB + sub = g * SUB + sub with g = msb - SUB_BITS + 1.
 * The largest index (v = UINT64_MAX: shift 57, v >> shift = 127) is
 * 57 * 64 + 127 = 3775 = SR_HIST_BUCKETS - 1, so no clamp is needed.
 * Inline (as the adds below): analyze and the replay loop call them once
 * or more per record.
 */
static inline unsigned sr_hist_bucket(uint64_t v)
{
	unsigned msb = 63u - (unsigned)__builtin_clzll(v | SR_HIST_SUB);
	unsigned shift = msb - SR_HIST_SUB_BITS;

	return (shift << SR_HIST_SUB_BITS) + (unsigned)(v >> shift);
}

static inline void sr_hist_add(struct sr_hist *h, uint64_t v)
{
	double d = (double)v;

	h->b[sr_hist_bucket(v)]++;
	h->n++;
	h->min = v < h->min ? v : h->min;
	h->max = v > h->max ? v : h->max;
	h->sum += d;
	h->sumsq += d * d;
}

/* Per-second timeline: bytes and requests completed in each second since
 * start, per op. Grows by doubling (amortised: one realloc per doubling of
 * run time, never per sample). */
struct sr_timeline_slot {
	uint64_t bytes[2]; /* read, write */
	uint64_t ios[2];
};
struct sr_timeline {
	struct sr_timeline_slot *s;
	size_t n, cap; /* n = seconds seen so far */
};
/* Make room for need seconds (doubling): 0 or -ENOMEM. */
int sr_timeline_grow(struct sr_timeline *t, size_t need);
void sr_timeline_free(struct sr_timeline *t);
/* 0 or -ENOMEM. */
static inline int sr_timeline_add(struct sr_timeline *t, uint64_t t_ns, int op, uint64_t bytes)
{
	uint64_t sec = t_ns / 1000000000ull;

	if (op != SR_OP_READ && op != SR_OP_WRITE)
		return 0;
	if (sec >= SIZE_MAX)
		return -ENOMEM;
	if (sec >= t->cap && sr_timeline_grow(t, (size_t)sec + 1))
		return -ENOMEM;
	t->s[sec].bytes[op] += bytes;
	t->s[sec].ios[op]++;
	if (sec >= t->n)
		t->n = (size_t)sec + 1;
	return 0;
}

/* Request sizes: power-of-two buckets, bucket k holds sizes in (2^(k-1), 2^k]. */
#define SR_SIZE_BUCKETS 48
struct sr_size_hist {
	uint64_t b[SR_SIZE_BUCKETS];
};
static inline void sr_size_hist_add(struct sr_size_hist *h, uint64_t len)
{
	unsigned k = len <= 1 ? 0 : 64u - (unsigned)__builtin_clzll(len - 1);

	if (k > SR_SIZE_BUCKETS - 1)
		k = SR_SIZE_BUCKETS - 1;
	h->b[k]++;
}

struct sr_op_stats {
	uint64_t ios;        /* completed requests */
	uint64_t bytes;      /* completed bytes */
	uint64_t errors;     /* requests that finally failed (after any retries) */
	uint64_t short_ios;  /* completions that transferred less than asked (fio's short_ios) */
	struct sr_hist clat; /* completion latency, ns (submit to reap) */
	struct sr_size_hist sizes;
};

/* Per-tag counters (--tag-stats): bytes, requests and a coarse latency
 * histogram per distinct record tag (layer/tensor/expert for synth, pid for
 * captures). The table is sized once (cap distinct tags); tags beyond it are
 * counted in `other`. Entries are handed out in order of first appearance
 * from one calloc'd array, so only the pages of tags actually seen are
 * touched. Latency buckets: 8 per power of two (width <= 12.5% of the
 * value), values clamped to 2^42 ns (73 min). */
#define SR_TAG_SUB_BITS 3
#define SR_TAG_MAX_LOG2 42
#define SR_TAG_HIST_BUCKETS ((SR_TAG_MAX_LOG2 - SR_TAG_SUB_BITS + 1) << SR_TAG_SUB_BITS)
#define SR_TAG_DEFAULT_CAP 65536u

struct sr_tag_ent {
	uint32_t tag;
	uint64_t ios, bytes;
	uint64_t lat_sum, lat_max; /* ns */
	uint32_t b[SR_TAG_HIST_BUCKETS]; /* saturating counts */
};

struct sr_tag_stats {
	struct sr_tag_ent *ent;  /* n used of cap, in order of first appearance */
	uint32_t *index;         /* open addressing over tags: 0 empty, else entry + 1 */
	uint32_t mask;           /* index size - 1 (a power of two >= 2 * cap) */
	uint32_t n, cap;
	struct sr_tag_ent other; /* requests whose tag found the table full (.tag unused) */
};

int sr_tag_stats_init(struct sr_tag_stats *t, uint32_t cap); /* 0 or -ENOMEM */
void sr_tag_stats_free(struct sr_tag_stats *t);
void sr_tag_add(struct sr_tag_stats *t, uint32_t tag, uint64_t bytes, uint64_t lat_ns);
/* Add src's counts into dst (tag by tag). */
void sr_tag_merge(struct sr_tag_stats *dst, const struct sr_tag_stats *src);
/* Latency percentile of one entry (bucket midpoint clamped to lat_max), mean. */
uint64_t sr_tag_pct(const struct sr_tag_ent *e, double p);
double sr_tag_mean(const struct sr_tag_ent *e);
unsigned sr_tag_bucket(uint64_t v);

/* One replay target's share of the work (several targets: --target A --target B). */
struct sr_target_stats {
	const char *name;        /* the caller's string: lives as long as the target list */
	struct sr_op_stats op[2];
	uint64_t verify_errors, verified_bytes;
	int numa_node;           /* node its threads and buffers were bound to, -1: none */
	char cpus[128];          /* CPUs its replay threads were allowed on ("0,2-3") */
};

/* What became of every request the loop handed to the engine. Each one is
 * counted once in `issued` and ends either completed (op[].ios, op[].bytes:
 * all its bytes, after resubmitting the rest of short transfers and any
 * retries) or failed (all its bytes in failed_bytes), so
 *   issued = completed + failed,  issued_bytes = completed bytes + failed_bytes.
 * Resubmissions and retries are counted apart and never as new requests. */
struct sr_io_fates {
	uint64_t issued, issued_bytes;
	uint64_t failed, failed_bytes;
	uint64_t eio;          /* completions with -EIO */
	uint64_t errno_other;  /* completions with another -errno */
	uint64_t short_ios;    /* completions short of what was asked (0 bytes included) */
	uint64_t resubmitted;  /* remainders of short completions sent again */
	uint64_t retried;      /* retries after a failed completion (--on-error retry:N) */
	uint64_t retried_ok;   /* requests retried at least once that then completed */
	/* the first request to fail finally (earliest in run time) */
	int have_first;
	int first_errno;       /* positive errno; EIO for a transfer of 0 bytes */
	int first_short;       /* it failed by transferring 0 bytes, not with an errno */
	uint8_t first_op;
	uint32_t first_target; /* index into tgt[] (0 with one target) */
	uint64_t first_off, first_len, first_t_ns;
};

struct sr_stats {
	struct sr_op_stats op[2]; /* SR_OP_READ, SR_OP_WRITE */
	struct sr_io_fates fates;

	/* Shaping counters (the report must not hide what it changed). */
	uint64_t records;          /* records read from the source */
	uint64_t req_bytes;        /* bytes the issued records asked for (before shaping) */
	uint64_t skipped_writes;   /* write records not issued (no --allow-write) */
	uint64_t skipped_bytes;    /* their bytes */
	uint64_t skipped_other;    /* trim, sync and zero-length records: never issued */
	uint64_t realigned;        /* records whose offset/length were expanded to the block size */
	uint64_t eof_trimmed;      /* records cut at the last whole block of a target whose size is not a block multiple */
	uint64_t eof_trimmed_bytes; /* the bytes of the partial last block they did not read */
	uint64_t page_expanded;    /* records grown by --page rounding */
	uint64_t page_extra_bytes; /* bytes added by --page rounding */
	uint64_t split;            /* extra requests created by splitting to --bs */
	uint64_t stripe_split;     /* extra requests created at stripe chunk boundaries */
	uint64_t merged;           /* records absorbed into a neighbour by --merge */
	uint64_t remapped;         /* records moved by --offset-map */
	uint64_t verify_errors;
	uint64_t verified_bytes;

	struct sr_hist lag;          /* --timing recorded: issue time minus scheduled time, ns */
	struct sr_timeline timeline;
	struct sr_fiolog fiolog;     /* fio's --write_*_log sums; off unless interval_ns is set */

	uint64_t start_ns, end_ns;   /* wall clock of the run (monotonic) */
	double usr_cpu_s, sys_cpu_s; /* getrusage over the run */
	int partial;                 /* stopped by a signal or error before the end */

	/* Filled by sr_replay_run when its cfg asks (freed by sr_stats_free). */
	struct sr_target_stats *tgt; /* per target, when cfg.targets is set */
	unsigned nr_tgt;
	struct sr_tag_stats *tags;   /* when cfg.tag_stats */
	char cpus[128];              /* CPUs the replay threads were allowed on, "" if not recorded */
};

void sr_stats_init(struct sr_stats *s);
void sr_stats_free(struct sr_stats *s);
/* One completed request. Returns 0 or -ENOMEM (timeline growth). */
int sr_stats_complete(struct sr_stats *s, int op, uint64_t bytes, uint64_t clat_ns,
		      uint64_t t_ns_since_start);
/* Add one worker's completions (ops, verify counts, lag, timeline) into dst.
 * Timelines must share a start time. Returns 0 or -ENOMEM. */
int sr_stats_merge_io(struct sr_stats *dst, const struct sr_stats *src);
void sr_op_stats_merge(struct sr_op_stats *dst, const struct sr_op_stats *src);
/* Add src's counts into dst; the earlier first failure wins. */
void sr_io_fates_merge(struct sr_io_fates *dst, const struct sr_io_fates *src);

/* Seconds from the first submission to the last completion. */
double sr_runtime_s(const struct sr_stats *st);
/* Seconds the timeline's last slot covers: the run's length past its last
 * whole second, in (0, 1]; 1 when unknown. */
double sr_timeline_last_span(const struct sr_stats *st);

#endif
