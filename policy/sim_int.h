/* Internals shared by the simulator (sim.c: the compute thread and the run;
 * sim_io.c: frames and I/O; sim_window.c: the access window), the
 * replacement algorithms (repl.c) and the policies (policies.c). Not for
 * other modules. */
#ifndef SR_SIM_INT_H
#define SR_SIM_INT_H

#include "policy/policy.h"

#define SR_NIL UINT32_MAX

enum { SR_FR_FREE = 0, SR_FR_IO, SR_FR_RES };

/* 32 bytes: the frame array is a quarter of a page per 64 KiB of --mem
 * and every row zeroes it, so fields that never live at the same time
 * share space and the flags are bits. */
struct sr_frame {
	uint64_t page;
	union {
		struct {
			uint32_t prev, next; /* list links (lru, fifo, 2q, kernel); the free list uses next */
		};
		uint32_t hpos;       /* lfu: heap position while resident (no list then) */
		uint64_t key;        /* min: its heap key from the demand miss until insert (in flight: no list, no heap) */
	};
	uint32_t hnext;      /* hash chain */
	uint32_t io;         /* in-flight request slot + 1, 0: none */
	uint32_t tag;
	uint8_t state : 2;   /* SR_FR_* */
	uint8_t prefetched : 1; /* brought in by a prefetch and not used yet */
	uint8_t pinned : 1;
	uint8_t ref : 3;     /* clock / 2q referenced bit; kernel: young, PG_referenced */
	uint8_t list : 1;    /* 2q: 0 inactive, 1 active */
	uint8_t mark : 1;    /* readahead mark (pagecache) */
	uint8_t forder;      /* kernel-lru: the page is in a folio of 2^forder pages, aligned (0: its own) */
};
_Static_assert(sizeof(struct sr_frame) == 32, "a page frame is 32 bytes: simulate's memory per page");

/* A heap slot (lfu): the frame's key, copied in, and its index. */
struct sr_heapent {
	uint64_t key;
	uint32_t fr;
};

/* An in-flight request: a run of pages. */
struct sr_req {
	struct sr_io io;
	uint64_t page0, npages;
	int prefetch;
	int needed;          /* the compute thread waits for it */
	unsigned dev;        /* striped device it went to */
};

struct sr_pf_run {
	uint64_t page0, npages, mark;
	uint64_t wend;       /* the window's end, pages: folios stop there */
	uint64_t fend;       /* the end of the folio being filled */
	uint32_t tag;
	uint8_t order;       /* folios of up to 2^order pages (page_cache_ra_order); 0 after a conflict */
	uint8_t forder;      /* the folio being filled */
	uint8_t taken;       /* its frames are taken (the pagecache lists: sim_io.c's eager()) */
};

/* MIN's next-use table, run-length coded: page accesses start .. start +
 * len - 1 are next used at nu, nu + 1, ... (nu UINT64_MAX: never). */
struct sr_nu_run {
	uint64_t start, nu;
	uint64_t len;
};

struct sr_min;

struct sr_list {
	uint32_t head, tail, n;
};

struct sr_sim {
	const struct sr_sim_cfg *c;
	struct sr_sim_result *r;
	struct sr_err *e;
	struct sr_source *src;
	struct sr_policy pol;
	const struct sr_repl_ops *repl;

	/* frames and the page -> frame hash */
	struct sr_frame *fr;
	size_t fr_len, hash_len; /* bytes mapped by sr_sim_big_alloc */
	uint32_t nfr, free_head;
	uint32_t fresh;       /* frames never handed out: fresh .. nfr - 1 (untouched memory until then) */
	uint64_t unused_pf;   /* bytes of frames a prefetch brought in, not used yet */
	uint32_t *hash;       /* direct: frame of each target page, else hash heads */
	uint64_t hmask;       /* direct: target pages - 1 */
	int direct;
	uint64_t pin_cap;
	int pin_any;          /* a policy's pin hook or pinned:PATTERN: new frames may be pinned */
	uint8_t *pin_tensor;  /* pinned:PATTERN matched once per tensor, not per frame */

	/* replacement state */
	struct sr_list l[2];   /* lru/fifo: l[0]; 2q: l[0] inactive, l[1] active */
	uint32_t hand;         /* clock */
	struct sr_heapent *heap; /* lfu */
	uint32_t heap_n;         /* lfu: heap entries; min: resident frames */
	struct sr_min *min;      /* min: next-use buckets (repl_min.c) */
	uint64_t clock;        /* lfu tie-break: access counter */
	uint32_t *tag_keys;    /* lfu: open-addressing tag -> count */
	uint64_t *tag_cnt;
	void *repl_priv;       /* kernel-lru: its shadow entries and scan state (pclru.c) */
	uint64_t tag_mask;
	uint64_t tag_used;     /* keys in the table: it doubles past half full */
	struct sr_nu_run *nu;  /* min: next uses of the page accesses, as runs */
	size_t nu_n, nu_cap, nu_at; /* nu_at: the run the last lookup found */
	uint64_t pos;          /* page accesses so far (index into next_use) */
	uint64_t cur_pos0;     /* pos of the current access's first page */
	struct sr_frame *held; /* the page whose fault is reading the next window (pclru.c skips it) */

	/* engine */
	struct sr_engine eng;
	struct sr_req *req;
	struct sr_io **done;
	uint32_t *free_slots;
	uint32_t *landed;      /* slots done inside queue, completed at the next reap (sim_io.c) */
	unsigned nlanded;
	unsigned nfree, inflight, needed;
	void *bufmap;
	size_t bufmap_len;
	uint64_t busy_since;
	unsigned pf_inflight, pf_limit;
	unsigned dev_inflight[SR_SIM_MAX_DEV];
	uint64_t dev_since[SR_SIM_MAX_DEV];
	int eng_up, pol_up;
	int untimed;           /* the engine moves no data (null): its requests take no time to time */
	uint64_t cpu_until;    /* real time the emulated compute charged so far ends (sim_io.c) */
	uint64_t settle_ns;    /* time spent catching up with it before demand reads */

	/* prefetch queue (ring) */
	struct sr_pf_run *pf;
	size_t pf_cap, pf_head, pf_n;

	/* access window (ring): [win_head] is the current access */
	struct sr_access *win;
	size_t win_cap, win_head, win_n;
	struct sr_rec in[256];
	int in_n, in_pos;
	uint64_t passes_done;
	int src_done;
	uint64_t next_idx, token;
	int pass_start;
	uint64_t ntok;             /* tokens started */
	uint64_t tok_stall;        /* stall of the current token */
	uint64_t tok_read0;        /* bytes read when the current token started */
	uint64_t tok_faults0;      /* faults when the current token started */
	uint64_t tok_act0;         /* pages activated when the current token started */
	uint64_t tok_deact0;       /* and deactivated */
	uint64_t n_decoded;        /* decode tokens finished */
	uint64_t clock_ns;         /* the modelled run's clock: compute, and reads (clock_reads) */
	uint64_t clock_rd;         /* bytes read when clock_ns last counted them */
};

/* The pagecache policy's readahead state and hooks (policies.c), shared
 * by the mmap-based strategies (strategies.c): their priv starts with it. */
struct sr_pc {
	uint64_t ra;          /* readahead window, pages */
	uint64_t start, size; /* the current window (file_ra_state) */
	uint64_t async;       /* its async_size: its mark is that many pages before its end */
	unsigned order;       /* ra->order: folio order the next async window asks for */
	unsigned max_order;   /* the largest folio the page cache makes here, 0: none */
};
int sr_pc_setup(struct sr_policy *p, struct sr_pc *c);
void sr_pc_miss(struct sr_policy *p, uint64_t page, uint64_t *lo, uint64_t *hi, uint64_t *mark);
void sr_pc_marked(struct sr_policy *p, uint64_t page);

extern const struct sr_policy_ops sr_pol_routed_willneed, sr_pol_pread_prefetch, sr_pol_tensor_rule;

/* repl.c helpers for the manager */
void sr_list_init(struct sr_list *l);
/* head: the reclaim end, tail: the newest. Inline: a list move is a few
 * stores, and the call cost as much as they did in the pagecache row. */
static inline void sr_list_push_tail(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	uint32_t i = (uint32_t)(f - s->fr);

	f->prev = l->tail;
	f->next = SR_NIL;
	if (l->tail != SR_NIL)
		s->fr[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->n++;
}

static inline void sr_list_push_head(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	uint32_t i = (uint32_t)(f - s->fr);

	f->prev = SR_NIL;
	f->next = l->head;
	if (l->head != SR_NIL)
		s->fr[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
	l->n++;
}

static inline void sr_list_unlink(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	if (f->prev != SR_NIL)
		s->fr[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != SR_NIL)
		s->fr[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = SR_NIL;
	l->n--;
}

extern const struct sr_repl_ops sr_repl_kernel; /* pclru.c: the pagecache policy's lists */

/* kernel-lru's touch, inline here so that the page walk after each access
 * (sim.c) sets the bit without a call per page. */
#define SR_KREF_YOUNG 1 /* kernel-lru: the page's PTE is young (pclru.c) */
/* kernel-lru (pclru.c): the memory cgroup's statistics brought up to
 * date (memory.stat read); folio_mark_accessed() on f's folio. */
void sr_kernel_flush(struct sr_sim *s);
/* The active and inactive lists' sizes now, in pages. */
void sr_kernel_lists(const struct sr_sim *s, uint64_t *active, uint64_t *inactive);
void sr_kernel_mark_accessed(struct sr_sim *s, struct sr_frame *f);
static inline void sr_kernel_touch(struct sr_sim *s, struct sr_frame *f)
{
	(void)s;
	f->ref |= SR_KREF_YOUNG;
}
void sr_repl_lfu_count(struct sr_sim *s, uint32_t tag);

/* sim_io.c: frames and I/O */
/* A frame can be had without evicting. */
static inline int sr_sim_frame_free(const struct sr_sim *s)
{
	return s->free_head != SR_NIL || s->fresh < s->nfr;
}
struct sr_frame *sr_sim_lookup_hash(const struct sr_sim *s, uint64_t page);
void sr_sim_unmark(struct sr_sim *s, struct sr_frame *f);
/* The frame of page, NULL: not resident or in flight. Inline: the
 * pagecache row looks up every page its readahead windows cover. */
static inline struct sr_frame *sr_sim_lookup(const struct sr_sim *s, uint64_t page)
{
	uint32_t i;

	if (!s->direct) /* a direct table has frames: test that first */
		return s->nfr ? sr_sim_lookup_hash(s, page) : NULL;
	i = page <= s->hmask ? s->hash[page] : SR_NIL;
	return i == SR_NIL ? NULL : &s->fr[i];
}
/* The frame of page p if it is a page of a folio of 2^order pages (the
 * pages it was read with), else NULL. */
static inline struct sr_frame *sr_sim_folio_page(const struct sr_sim *s, uint64_t p, unsigned order)
{
	struct sr_frame *g = sr_sim_lookup(s, p);

	return g && g->forder == order ? g : NULL;
}
/* sr_sim_lookup with a direct table, from copies of its fields a loop
 * keeps in registers. */
static inline struct sr_frame *sr_sim_lookup_direct(struct sr_frame *fr, const uint32_t *ht, uint64_t hmask,
						    uint64_t page)
{
	uint32_t i = page <= hmask ? ht[page] : SR_NIL;

	return i == SR_NIL ? NULL : &fr[i];
}
uint64_t sr_sim_tail_bytes(const struct sr_sim *s, uint64_t p);
/* Bytes the device transfers for page p: short at the target's end
 * (lbs-rounded). Inline: every page access adds it up. */
static inline uint64_t sr_sim_page_bytes(const struct sr_sim *s, uint64_t p)
{
	if ((p + 1) * s->c->page <= s->c->target_size)
		return s->c->page;
	return sr_sim_tail_bytes(s, p);
}
uint64_t sr_sim_max_pages(const struct sr_sim *s);    /* pages per request */
uint64_t sr_sim_target_pages(const struct sr_sim *s);
uint64_t sr_sim_extent_pages(const struct sr_sim *s);
int sr_sim_reap(struct sr_sim *s, int wait, uint64_t timeout_ns);
int sr_sim_issue_taken(struct sr_sim *s, uint64_t p); /* a fault on a frame taken and not yet read: read it now */
int sr_sim_pump(struct sr_sim *s);                    /* issue queued prefetches while there is room */
int sr_sim_pump_reap(struct sr_sim *s);               /* pump, then reap without waiting */
int sr_sim_compute(struct sr_sim *s, uint64_t ns);    /* emulated compute: moves the deadline on, I/O meanwhile */
int sr_sim_wait_needed(struct sr_sim *s);            /* settles first */
int sr_sim_settle(struct sr_sim *s);                  /* real time catches up with the compute charged */
int sr_sim_read_range(struct sr_sim *s, const struct sr_access *a, uint64_t lo, uint64_t hi, uint64_t nlo,
		      uint64_t nhi);

/* MIN: when the page of the current page access is used next (UINT64_MAX: never). */
static inline uint64_t sr_sim_next_use(struct sr_sim *s)
{
	const struct sr_nu_run *r;
	size_t i = s->nu_at;

	/* the run walks forward with pos (and back a little within an access) */
	while (i && s->pos < s->nu[i].start)
		i--;
	while (i + 1 < s->nu_n && s->pos >= s->nu[i].start + s->nu[i].len)
		i++;
	s->nu_at = i;
	r = &s->nu[i];
	if (r->nu == UINT64_MAX || s->pos < r->start || s->pos >= r->start + r->len)
		return UINT64_MAX;
	return r->nu + (s->pos - r->start);
}

/* sim_window.c: the access window */
void sr_sim_pop(struct sr_sim *s);                    /* done with the current access */
int sr_sim_materialize(struct sr_sim *s); /* fills nu for MIN */

/* Zeroed memory for the frame and page tables (tens to hundreds of MiB),
 * on transparent huge pages where allowed: first-touch faults of 4 KiB
 * pages were a third of a simulated row's CPU time. NULL on failure;
 * sr_sim_big_free(NULL, ...) does nothing. */
void *sr_sim_big_alloc(size_t len);
void sr_sim_big_free(void *p, size_t len);

/* pinned:PATTERN: match each tensor name against the globs once. */
int sr_sim_pin_table(struct sr_sim *s, struct sr_err *e);

#endif
