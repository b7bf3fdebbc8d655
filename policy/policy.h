/* The simulated buffer manager and its policies (`ssdreplay simulate`).
 *
 * A compute thread walks a schedule (a struct sr_source: synth schedule or
 * trace). Each read access is cut into --page sized pages and asks the
 * buffer manager: a resident page costs nothing, a missing one is a demand
 * read through a replay engine (real I/O on the target) and the compute
 * thread stalls until it lands. Compute time between accesses is emulated by
 * waiting while the policy's background prefetches proceed on the same
 * device and the same --qd slots. Page contents are not kept: the manager
 * tracks residency (metadata) within the --mem budget and reads into a
 * small ring of O_DIRECT buffers.
 *
 * A policy is one static struct sr_policy_ops: a replacement algorithm
 * (which resident page to evict: lru, fifo, clock, lfu, min, 2q) plus hooks
 * that see each demand access and the future the policy is allowed to see
 * (sr_sim_peek) and issue prefetches (sr_sim_prefetch), widen a demand read
 * (readahead), or react to hits. New strategies (issue 10: routed WILLNEED,
 * pread expert pools, per-tensor mmap vs read) are new table entries that
 * combine a replacement with their own hooks and parameters
 * (policy/strategies.c). */
#ifndef SR_POLICY_H
#define SR_POLICY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "replay/engine.h"
#include "base/err.h"
#include "base/stats.h"
#include "synth/model.h"
#include "base/source.h"

/* One demand access as the compute thread sees it. */
struct sr_access {
	uint64_t off, len;
	uint64_t page0, npages; /* pages [page0, page0 + npages) */
	uint64_t idx;           /* position in the access stream */
	uint64_t token;         /* token number (0-based) */
	uint64_t t_ns;          /* cumulative compute time from the schedule, or SR_T_NONE */
	uint32_t tag;
	long tensor;            /* model tensor index, -1 unknown */
	int expert;             /* expert id of an expert slice, -1 otherwise */
	int layer;              /* -1: not in a layer, or unknown */
	uint8_t flags;          /* SR_RF_* */
};

struct sr_sim;
struct sr_policy;
struct sr_frame;

/* Replacement: which resident, unpinned frame to evict. Frames enter when
 * their read completes (insert), are touched on each demand access, leave
 * through remove (evicted by the manager). */
struct sr_repl_ops {
	const char *name;
	int (*init)(struct sr_sim *s, struct sr_err *e);
	void (*fini)(struct sr_sim *s);
	void (*insert)(struct sr_sim *s, struct sr_frame *f, int prefetched);
	void (*touch)(struct sr_sim *s, struct sr_frame *f);
	void (*remove)(struct sr_sim *s, struct sr_frame *f);
	struct sr_frame *(*victim)(struct sr_sim *s); /* NULL: nothing evictable */
	/* Optional: 0 = read the page through without caching it (MIN's bypass). */
	int (*admit)(struct sr_sim *s, uint64_t page);
	/* Optional: make a resident frame the next victim (sr_sim_cold). */
	void (*cold)(struct sr_sim *s, struct sr_frame *f);
	/* Optional: a frame was just given to page, before its read is issued
	 * (the kernel's filemap_add_folio); insert follows when it lands. */
	void (*alloc)(struct sr_sim *s, struct sr_frame *f);
};
extern const struct sr_repl_ops sr_repl_lru, sr_repl_fifo, sr_repl_clock, sr_repl_lfu,
	sr_repl_min, sr_repl_2q;

/* Parameters a policy spec "NAME:ARGS" parses into. */
struct sr_policy_params {
	uint64_t k;          /* lookahead:K, expert-temporal:D */
	int layers;          /* lookahead:KL: K counts layers, not tensors */
	double acc;          /* router-guess:ACC */
	char pattern[256];   /* pinned:PATTERN (comma-separated globs) */
	uint64_t ra_kb;      /* pagecache:RA_KB, 0 = the target's read_ahead_kb */
	/* issue 10's strategies (policy/strategies.c) */
	int dontneed;        /* routed-willneed:dontneed: drop a layer's expert ranges after use */
	unsigned threads;    /* pread-prefetch:T: pread workers (0: min(8, cores)) */
	unsigned ahead;      /* pread-prefetch::A: MoE layers streamed ahead in prefill (0: 3) */
	int cold;            /* pread-prefetch: MADV_COLD streamed ranges after use (default on) */
	char rules[256];     /* tensor-rule:GLOB=read|mmap,...: first match wins, unmatched = mmap */
};

enum {
	SR_PN_MODEL = 1,   /* needs tensor names/layers (a --profile or --gguf) */
	SR_PN_FUTURE = 2,  /* needs the whole future page sequence (materialized) */
};

struct sr_policy_ops {
	const char *name;    /* "lookahead" */
	const char *args;    /* "K", "PATTERN", "" */
	const char *help;
	unsigned needs;      /* SR_PN_* */
	const struct sr_repl_ops *repl; /* NULL: cache nothing (every access reads) */
	/* Parse the text after "NAME:" (NULL when absent). */
	int (*parse)(const char *arg, struct sr_policy_params *pp, struct sr_err *e);
	int (*init)(struct sr_policy *p, struct sr_err *e);
	void (*fini)(struct sr_policy *p);
	/* Before a's pages are looked up: plan prefetches (sr_sim_prefetch). */
	void (*access)(struct sr_policy *p, const struct sr_access *a);
	/* Fault-style policies (mmap): each demand miss on page waits before the
	 * next page is looked at; the hook may widen the read to [*lo, *hi) and
	 * set *mark to a page whose first use calls marked() (readahead). */
	void (*miss)(struct sr_policy *p, uint64_t page, uint64_t *lo, uint64_t *hi, uint64_t *mark);
	/* A demand access found a frame carrying a readahead mark. */
	void (*marked)(struct sr_policy *p, uint64_t page);
	/* Optional: 1 = keep pages of this tag resident (pinned); without the
	 * hook, pinned:PATTERN's globs decide. */
	int (*pin)(struct sr_policy *p, uint32_t tag);
};

struct sr_policy {
	const struct sr_policy_ops *ops;
	struct sr_policy_params pp;
	struct sr_sim *sim;
	void *priv;
};

/* "lru", "lookahead:2", "pinned:*norm*,token_embd*": find the entry and parse
 * its arguments. Unknown names and bad arguments are bad input. */
int sr_policy_parse(const char *spec, const struct sr_policy_ops **ops,
		    struct sr_policy_params *pp, struct sr_err *e);
extern const struct sr_policy_ops *const sr_policies[]; /* NULL terminated */

/* What a run is given. */
/* The kernel refreshes a memory cgroup's statistics every 2 s
 * (flush_memcg_stats_dwork) and whenever memory.stat is read; reclaim
 * decides from them in between. */
enum sr_stat_flush {
	SR_STATS_PERIODIC, /* the 2 s flusher only */
	SR_STATS_TOKEN,    /* and at every token's end: a reader of memory.stat per token */
	SR_STATS_EXACT,    /* always current (no kernel does this) */
};
/* The flusher's 2 s period is in no step with a run: the first flush is
 * taken half way through it (simulate's --stat-flush default). */
#define SR_STAT_PHASE_NS 1000000000ull

struct sr_sim_cfg {
	const struct sr_policy_ops *policy;
	struct sr_policy_params pp;
	const char *policy_spec;     /* for messages and reports */
	const struct sr_engine_ops *engine;
	int fd;                      /* target, opened O_DIRECT read-only */
	const char *tgt_name;
	uint64_t target_size;
	uint64_t extent;             /* the model's bytes from offset 0: prefetch and readahead stay inside (0: target_size) */
	uint32_t lbs;
	uint64_t mem;                /* resident budget, bytes */
	uint64_t page;               /* cache granularity, power of two */
	uint64_t max_req;            /* largest read (contiguous missing pages coalesce up to it) */
	unsigned qd;                 /* requests in flight, demand and prefetch together */
	uint64_t compute_ns_per_token; /* 0: use the schedule's t_ns deltas (or no compute) */
	int ignore_t_ns;             /* --compute-ms-per-token 0: no compute even if annotated */
	uint64_t passes;             /* passes over the source (a trace: one token each); 0 = 1 */
	const struct sr_model *model;/* NULL for traces without a model */
	uint64_t seed;
	uint64_t ra_kb;              /* the target's read_ahead_kb (pagecache default) */
	uint64_t max_folio;          /* the largest page-cache folio readahead makes, bytes (sr_dev_max_folio); 0: single pages */
	uint64_t prefill_tokens;     /* prompt tokens in the schedule's prefill batch (its compute is this many tokens') */
	uint64_t warmup_tokens;      /* decode tokens before the steady-state figures start counting */
	int load_populate;           /* pagecache: fault the whole extent in, in order, first (MAP_POPULATE); not counted */
	/* pagecache: when reclaim's memory-cgroup statistics (list sizes,
	 * refaults activated) are brought up to date (pclru.c) */
	enum sr_stat_flush stat_flush;
	uint64_t stat_phase_ns;      /* SR_STATS_PERIODIC, SR_STATS_TOKEN: the first periodic flush, on the run's clock */
	double clock_ns_per_byte;    /* the run's clock per byte read (--mmap-cost's); 0: the stall measured here */
	/* RAID-0: fds[0..nr_fds) striped in `stripe` chunks (a multiple of
	 * page); nr_fds 0 or 1: fd alone. target_size is the striped space. */
	const int *fds;
	unsigned nr_fds;
	uint64_t stripe;
	volatile sig_atomic_t *stop;
	/* Called at the start of each token with the tokens begun (prefill
	 * and decode) and the bytes read so far; NULL: none. */
	void (*progress)(void *arg, uint64_t tokens, uint64_t read_bytes);
	void *progress_arg;
};

#define SR_SIM_MAX_DEV 16
#define SR_SIM_MAX_TOK 256 /* decode tokens kept one by one in the report */

struct sr_sim_result {
	uint64_t tokens, prefill_tokens;
	uint64_t accesses;           /* records simulated */
	uint64_t pages;              /* page accesses */
	uint64_t hits, late, misses; /* resident / prefetch in flight / demand read */
	uint64_t bypass_pages;       /* demand pages read without a frame (no room, or MIN) */
	uint64_t pages_read;         /* pages brought in from the device */
	uint64_t accessed_bytes;     /* pages accessed x page size */
	uint64_t demand_bytes, prefetch_bytes; /* bytes read, by cause */
	uint64_t demand_ios, prefetch_ios;
	uint64_t prefetch_used_bytes;   /* prefetched pages a demand access then used */
	uint64_t wasted_prefetch_bytes; /* prefetched pages evicted before any use */
	uint64_t unused_prefetch_bytes; /* prefetched pages still unused at the end */
	uint64_t prefetch_dropped;      /* prefetch runs given up (no frame to hold them) */
	uint64_t evictions;
	uint64_t skipped;            /* non-read records ignored */
	uint64_t compute_ns, stall_ns, wall_ns, busy_ns;
	struct sr_hist token_stall;  /* per decode token stall, ns */
	uint64_t capacity_pages, pinned_pages;
	uint64_t prefill_ns;         /* compute + stall of the prefill batch */
	uint64_t faults;             /* fault-style policies: demand misses that waited (the mmap rows' major faults) */
	uint64_t pinned_read_bytes;  /* bytes read into pinned frames (per-tensor read: the private buffers) */
	uint64_t max_pf_inflight;    /* most prefetch requests in flight at once */
	uint64_t last_token_read_bytes; /* bytes read during the last decode token (0: converged) */
	uint64_t steady_read_bytes, steady_tokens; /* decode tokens after warmup_tokens and what they read */
	/* the first SR_SIM_MAX_TOK decode tokens one by one: bytes read, stall
	 * (ns), faults, pages activated and deactivated (pagecache's lists) */
	uint64_t tok_read[SR_SIM_MAX_TOK], tok_stall[SR_SIM_MAX_TOK], tok_faults[SR_SIM_MAX_TOK];
	uint64_t tok_act[SR_SIM_MAX_TOK], tok_deact[SR_SIM_MAX_TOK];
	/* the pagecache lists at each of those tokens' end (tok_lists: kept),
	 * bytes, as memory.stat's active_file and inactive_file */
	uint64_t tok_active[SR_SIM_MAX_TOK], tok_inactive[SR_SIM_MAX_TOK];
	int tok_lists;
	uint64_t tok_n;
	unsigned nr_dev;             /* striped devices (1 without --layout) */
	uint64_t dev_bytes[SR_SIM_MAX_DEV], dev_busy_ns[SR_SIM_MAX_DEV], dev_ios[SR_SIM_MAX_DEV];
	int partial;
	int costed;                  /* stalls charged by the page-cache cost model (--mmap-cost), not timed */
	/* pagecache's kernel lists, counted as /proc/vmstat does: pages
	 * activated by reclaim, deactivated, read again after their eviction,
	 * and of those put straight on the active list */
	uint64_t pgactivate, pgdeactivate, refaults, ws_activate;
	uint64_t load_pgactivate;    /* --load populate: pages its walk activated (in no other figure) */
	uint64_t load_read_bytes;    /* --load populate: bytes its walk and its WILLNEED read (in no other figure) */
	/* bytes readahead read into folios of --max-folio (/proc/meminfo's
	 * FileHugePages at 2 MiB), and into larger folios than a page */
	uint64_t max_folio_bytes, large_folio_bytes;
	uint64_t ra_window_bytes;    /* the pagecache policy's readahead window, 0: none (another policy, or no readahead) */
};

int sr_sim_run(const struct sr_sim_cfg *c, struct sr_source *src, struct sr_sim_result *r,
	       struct sr_err *e);

/* Derived figures. */
double sr_sim_tokens_per_s(const struct sr_sim_result *r); /* tokens / (compute + stall) */
double sr_sim_hit_rate(const struct sr_sim_result *r);     /* 1 - pages read / pages accessed */
double sr_sim_served_rate(const struct sr_sim_result *r);  /* accesses that found the page (resident or in flight) */
double sr_sim_prefill_tokens_per_s(const struct sr_sim_result *r, uint64_t prefill_tokens);
/* Bytes read per decode token: the steady tokens' (after warmup_tokens) when
 * there are any, else all tokens'. */
double sr_sim_read_per_token(const struct sr_sim_result *r);

/* For policies. */
const struct sr_model *sr_sim_model(const struct sr_sim *s);
uint64_t sr_sim_page_size(const struct sr_sim *s);
uint64_t sr_sim_seed(const struct sr_sim *s);
uint64_t sr_sim_ra_kb(const struct sr_sim *s);
void sr_sim_note_readahead(struct sr_sim *s, uint64_t window_bytes); /* for the report */
uint64_t sr_sim_max_folio(const struct sr_sim *s);
/* The i-th access from the current one (0 = current). 1, 0 at the end, -errno.
 * *out is valid until the next peek: looking further may grow the window. */
int sr_sim_peek(struct sr_sim *s, size_t i, const struct sr_access **out);
/* Queue a background read of [off, off + len) (whole pages); pages resident
 * or in flight are skipped. mark: flag the frame at page `mark` (absolute
 * page number, UINT64_MAX none) for the marked() hook. */
void sr_sim_prefetch(struct sr_sim *s, uint64_t off, uint64_t len, uint64_t mark);
/* The same, the pages read into folios of up to 2^order pages as the
 * kernel's page_cache_ra_order() makes them (kernel-lru keeps and evicts a
 * folio whole; order 0: single pages, as sr_sim_prefetch). */
void sr_sim_prefetch_folios(struct sr_sim *s, uint64_t off, uint64_t len, uint64_t mark, unsigned order);
/* Resident pages of [off, off + len) become the next to evict (MADV_COLD,
 * and MADV_DONTNEED on a shared file mapping: the page cache keeps them,
 * unmapped and first in line for reclaim). */
void sr_sim_cold(struct sr_sim *s, uint64_t off, uint64_t len);
/* At most n prefetch requests in flight (a pool of n reader threads); 0: qd - 1. */
void sr_sim_prefetch_limit(struct sr_sim *s, unsigned n);

#endif
