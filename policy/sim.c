/* The buffer manager and the compute thread's walk over the schedule, with
 * real reads through a replay engine. One thread: compute is emulated by
 * waiting on the engine's completions until the compute deadline, so the
 * background prefetches progress in real time while "the model computes". */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "policy/sim_int.h"
#include "base/units.h"

#define PF_MAX_RUNS (1u << 16)
#define LOAD_PAGES 16 /* pages per access of --load populate: a fault-around's worth */

/* ---- the compute thread ---- */

/* From page i of a on, the run of hits with nothing to note (resident, not
 * a prefetch's first use, no readahead mark), counted in registers: most
 * page accesses are such hits, and counting each in s->r, whose stores may
 * alias every table's address, reloaded them all per page. The first page
 * that is not one. */
static uint64_t plain_hits(struct sr_sim *s, const struct sr_access *a, uint64_t i)
{
	struct sr_frame *fr = s->fr;
	const uint32_t *ht = s->hash;
	uint64_t i0 = i, n, hmask = s->hmask;

	if (!s->direct)
		return i;
	for (; i < a->npages; i++) {
		const struct sr_frame *f = sr_sim_lookup_direct(fr, ht, hmask, a->page0 + i);

		if (!f || f->state != SR_FR_RES || f->prefetched || f->mark)
			break;
	}
	n = i - i0;
	s->r->pages += n;
	s->r->hits += n;
	/* whole pages: only the target's last page, the run's last if any, may be short */
	if (n)
		s->r->accessed_bytes += (n - 1) * s->c->page + sr_sim_page_bytes(s, a->page0 + i - 1);
	return i;
}

/* Tell the replacement algorithm the access used its resident pages.
 * Inlined into each call below, with touch known where it can be. */
static inline __attribute__((always_inline)) void touch_run(struct sr_sim *s, const struct sr_access *a,
							    void (*touch)(struct sr_sim *, struct sr_frame *))
{
	struct sr_frame *fr = s->fr;
	const uint32_t *ht = s->hash;
	uint64_t i, hmask = s->hmask, pos0 = s->cur_pos0;

	for (i = 0; i < a->npages; i++) {
		uint64_t p = a->page0 + i;
		struct sr_frame *f = s->direct ? sr_sim_lookup_direct(fr, ht, hmask, p) : sr_sim_lookup(s, p);

		if (f && f->state == SR_FR_RES && !f->pinned) {
			s->pos = pos0 + i;
			touch(s, f);
		}
	}
	s->pos = pos0 + a->npages;
}

/* Move frames first .. last, linked in that order, to lru's new end. */
static void lru_splice(struct sr_sim *s, struct sr_list *l, uint32_t first, uint32_t last)
{
	struct sr_frame *fr = s->fr;
	uint32_t prev = fr[first].prev, next = fr[last].next;

	if (next == SR_NIL)
		return; /* at the end already */
	if (prev != SR_NIL)
		fr[prev].next = next;
	else
		l->head = next;
	fr[next].prev = prev;
	fr[l->tail].next = first;
	fr[first].prev = l->tail;
	fr[last].next = SR_NIL;
	l->tail = last;
}

/* lru's touch of an access's pages, one by one to the list's new end, done
 * a run at a time: pages the access uses in the order they are linked (the
 * order of their last use, which for a model's slices read again is the
 * access's own) move together, with the links of the run's two ends
 * changed, not each page's and its neighbours'. The same order results. */
static void touch_lru(struct sr_sim *s, const struct sr_access *a)
{
	struct sr_frame *fr = s->fr;
	struct sr_list *l = &s->l[0];
	uint32_t first = SR_NIL, last = SR_NIL;
	uint64_t i;

	for (i = 0; i < a->npages; i++) {
		struct sr_frame *f = sr_sim_lookup(s, a->page0 + i);
		uint32_t k;

		if (!f || f->state != SR_FR_RES || f->pinned) {
			if (first != SR_NIL)
				lru_splice(s, l, first, last);
			first = SR_NIL;
			continue;
		}
		k = (uint32_t)(f - fr);
		if (first != SR_NIL && fr[last].next == k) {
			last = k;
			continue;
		}
		if (first != SR_NIL)
			lru_splice(s, l, first, last);
		first = last = k;
	}
	if (first != SR_NIL)
		lru_splice(s, l, first, last);
	s->pos = s->cur_pos0 + a->npages;
}

/* The pagecache policy's touch only sets a bit: inline, it took the
 * pagecache row of deepseek-v3 (100 tokens, 50%, 64k pages) from a median
 * of 1.51 to 1.43 s user (9 alternating runs, loaded machine). lru gained
 * nothing measurable from the same; its own walk (touch_lru) did. */
static void touch_pages(struct sr_sim *s, const struct sr_access *a)
{
	if (s->repl == &sr_repl_kernel)
		touch_run(s, a, sr_kernel_touch);
	else if (s->repl == &sr_repl_lru)
		touch_lru(s, a);
	else
		touch_run(s, a, s->repl->touch);
}

static int access_pages(struct sr_sim *s, const struct sr_access *a)
{
	const struct sr_policy_ops *po = s->pol.ops;
	uint64_t i, tp = sr_sim_extent_pages(s);
	int ret;

	s->cur_pos0 = s->pos;
	for (i = 0; i < a->npages; i++) {
		uint64_t p, q, lo, hi, mark;
		struct sr_frame *f;
		int marked;

		i = plain_hits(s, a, i);
		if (i == a->npages)
			break;
		p = a->page0 + i;
		f = sr_sim_lookup(s, p);
		s->r->pages++;
		s->r->accessed_bytes += sr_sim_page_bytes(s, p);
		if (f) {
			if (f->prefetched) {
				f->prefetched = 0;
				s->r->prefetch_used_bytes += sr_sim_page_bytes(s, p);
				s->unused_pf -= sr_sim_page_bytes(s, p);
			}
			marked = f->mark && po->marked;
			if (f->mark) {
				sr_sim_unmark(s, f);
				if (po->marked)
					po->marked(&s->pol, p);
			}
			if (f->state == SR_FR_RES) {
				s->r->hits++;
			} else {
				s->r->late++;
				if (!f->io && (ret = sr_sim_issue_taken(s, p)))
					return ret;
				if (!s->req[f->io - 1].needed) {
					s->req[f->io - 1].needed = 1;
					s->needed++;
				}
				if (po->miss && (ret = sr_sim_wait_needed(s)))
					return ret;
			}
			/* page_cache_async_ra() allocates and submits the window
			 * from the fault that found the mark, before the access
			 * reads on into it; the fault holds the marked folio, so
			 * that reclaim cannot take it (s->held) */
			if (marked) {
				s->held = f;
				ret = sr_sim_pump(s);
				s->held = NULL;
				if (ret)
					return ret;
			}
			continue;
		}
		/* the run of missing pages read together (a fault reads one) */
		for (q = p; !po->miss && q < a->page0 + a->npages && !sr_sim_lookup(s, q); q++)
			;
		lo = p;
		hi = q;
		mark = UINT64_MAX;
		if (po->miss) {
			/* a fault: one page demanded, the policy decides what else comes with it */
			s->r->faults++;
			hi = p + 1;
			po->miss(&s->pol, p, &lo, &hi, &mark);
			if (lo > p)
				lo = p;
			if (hi <= p)
				hi = p + 1;
			if (hi > tp)
				hi = tp > p ? tp : p + 1;
			q = p + 1;
		}
		ret = sr_sim_read_range(s, a, lo, hi, p, q);
		if (mark != UINT64_MAX && (f = sr_sim_lookup(s, mark)))
			f->mark = 1;
		if (!ret && po->miss)
			ret = sr_sim_wait_needed(s);
		if (ret)
			return ret;
		for (p++; p < q; p++) { /* the rest of the run was demanded too */
			s->r->pages++;
			s->r->accessed_bytes += sr_sim_page_bytes(s, p);
		}
		i = q - a->page0 - 1;
	}
	ret = sr_sim_wait_needed(s);
	if (ret)
		return ret;
	touch_pages(s, a);
	return 0;
}

/* Bytes of the token starting at the current access (for --compute-ms-per-token). */
static int token_bytes(struct sr_sim *s, uint64_t *bytes)
{
	const struct sr_access *a;
	size_t i;
	int ret;

	*bytes = 0;
	for (i = 0; (ret = sr_sim_peek(s, i, &a)) > 0; i++) {
		if (i && (a->flags & SR_RF_TOKEN))
			break;
		*bytes += a->len;
	}
	return ret < 0 ? ret : 0;
}

/* The modelled run's clock, which the kernel's periodic statistics flush
 * follows (pclru.c): compute (compute()), and the bytes read since, at the
 * page-cache cost per byte when one is given (--mmap-cost), else the stall
 * measured here. */
static void clock_reads(struct sr_sim *s, uint64_t stall)
{
	uint64_t rd = s->r->demand_bytes + s->r->prefetch_bytes;

	if (s->c->clock_ns_per_byte > 0)
		s->clock_ns += (uint64_t)((double)(rd - s->clock_rd) * s->c->clock_ns_per_byte);
	else
		s->clock_ns += stall;
	s->clock_rd = rd;
}

static void end_token(struct sr_sim *s, int prefill)
{
	uint64_t rd = s->r->demand_bytes + s->r->prefetch_bytes;

	if (s->c->stat_flush == SR_STATS_TOKEN && s->repl == &sr_repl_kernel)
		sr_kernel_flush(s);

	if (!prefill) {
		sr_hist_add(&s->r->token_stall, s->tok_stall);
		s->r->last_token_read_bytes = rd - s->tok_read0;
		if (s->r->tok_n < SR_SIM_MAX_TOK) {
			s->r->tok_read[s->r->tok_n] = rd - s->tok_read0;
			s->r->tok_faults[s->r->tok_n] = s->r->faults - s->tok_faults0;
			s->r->tok_act[s->r->tok_n] = s->r->pgactivate - s->tok_act0;
			s->r->tok_deact[s->r->tok_n] = s->r->pgdeactivate - s->tok_deact0;
			if (s->repl == &sr_repl_kernel) {
				sr_kernel_lists(s, &s->r->tok_active[s->r->tok_n], &s->r->tok_inactive[s->r->tok_n]);
				s->r->tok_active[s->r->tok_n] *= s->c->page;
				s->r->tok_inactive[s->r->tok_n] *= s->c->page;
				s->r->tok_lists = 1;
			}
			s->r->tok_stall[s->r->tok_n++] = s->tok_stall;
		}
		if (s->n_decoded++ >= s->c->warmup_tokens) {
			s->r->steady_read_bytes += rd - s->tok_read0;
			s->r->steady_tokens++;
		}
	}
	s->tok_stall = 0;
	s->tok_read0 = rd;
	s->tok_faults0 = s->r->faults;
	s->tok_act0 = s->r->pgactivate;
	s->tok_deact0 = s->r->pgdeactivate;
}

/* Emulated compute, charged to decode or to the prefill batch. */
static int compute(struct sr_sim *s, uint64_t ns, int prefill)
{
	int ret = sr_sim_compute(s, ns);

	s->clock_ns += ns;
	if (!ret)
		*(prefill ? &s->r->prefill_ns : &s->r->compute_ns) += ns;
	return ret;
}

static int walk(struct sr_sim *s)
{
	const struct sr_sim_cfg *c = s->c;
	uint64_t tok_bytes = 0, last_t = 0;
	int ret, in_token = 0, prefill = 0;

	for (;;) {
		/* a copy: looking ahead (token_bytes, the policies' peeks) may
		 * grow the window and move the access it holds */
		struct sr_access cur;
		const struct sr_access *a = &cur, *w;
		uint64_t gap = 0, t0, stall, settled;

		if (c->stop && *c->stop) {
			s->r->partial = 1;
			break;
		}
		ret = sr_sim_peek(s, 0, &w);
		if (ret <= 0)
			break;
		cur = *w;
		if (a->flags & SR_RF_TOKEN) {
			if (in_token)
				end_token(s, prefill);
			in_token = 1;
			prefill = !!(a->flags & SR_RF_PREFILL);
			if (prefill)
				s->r->prefill_tokens++;
			else
				s->r->tokens++;
			if (c->progress)
				c->progress(c->progress_arg, s->r->prefill_tokens + s->r->tokens,
					    s->r->demand_bytes + s->r->prefetch_bytes);
			if (c->compute_ns_per_token && (ret = token_bytes(s, &tok_bytes)))
				return ret;
			if (a->t_ns != SR_T_NONE && a->t_ns < last_t)
				last_t = 0; /* a new pass of the schedule */
		}
		if (!c->compute_ns_per_token && !c->ignore_t_ns && a->t_ns != SR_T_NONE) {
			gap = a->t_ns >= last_t ? a->t_ns - last_t : a->t_ns;
			last_t = a->t_ns;
		}
		if (gap && (ret = compute(s, gap, prefill)))
			return ret;
		s->r->accesses++;
		if (s->repl == &sr_repl_lfu)
			sr_repl_lfu_count(s, a->tag);
		if (s->pol.ops->access)
			s->pol.ops->access(&s->pol, a);
		t0 = sr_now_ns();
		settled = s->settle_ns;
		ret = access_pages(s, a);
		if (ret)
			return ret;
		/* catching up with compute before a demand read is not stall */
		stall = sr_now_ns() - t0 - (s->settle_ns - settled);
		clock_reads(s, stall);
		s->tok_stall += stall;
		if (!prefill)
			s->r->stall_ns += stall;
		else
			s->r->prefill_ns += stall;
		if (c->compute_ns_per_token && tok_bytes) {
			/* a prefill batch computes for all its prompt tokens */
			double per = (double)c->compute_ns_per_token *
				     (prefill && c->prefill_tokens ? (double)c->prefill_tokens : 1.0);

			gap = (uint64_t)(per * (double)a->len / (double)tok_bytes);
			ret = compute(s, gap, prefill);
			if (ret)
				return ret;
		} else {
			ret = sr_sim_pump_reap(s);
			if (ret)
				return ret;
		}
		sr_sim_pop(s);
	}
	if (ret < 0)
		return ret;
	if (in_token)
		end_token(s, prefill);
	return sr_sim_settle(s); /* the last token's compute is in the wall time */
}

/* llama.cpp's loader maps the model with MAP_POPULATE: the kernel faults
 * every page in, in address order, through the same readahead and memory
 * limit, before the prompt; then it calls POSIX_MADV_WILLNEED on the whole
 * mapping, which force_page_cache_ra() cuts to the file's readahead window
 * from the start (measured: 16 MiB of a 75 MiB file, fincore, with
 * POSIX_FADV_SEQUENTIAL and read_ahead_kb 8192), read again unmapped when
 * the walk's reclaim took it. At a limit near the model's size the lists it
 * leaves (which part is resident, which active) decide the first tokens'
 * reads. Its reads are not the run's: the result is put back as it was.
 * The walk (populate_vma_page_range: FOLL_TOUCH) calls folio_mark_accessed()
 * on every page it maps with a PTE, which leaves single pages referenced
 * and activates larger folios at their second page, before any reclaim
 * scan: on this VM's 6.18 (ext4, 200 MiB file, no limit) the pages came out
 * as /proc/kpageflags put them: the first 16 MiB single pages inactive and
 * referenced, the next 64 MiB (16 to 1,024 KiB folios) active, the 2 MiB
 * folios after them mapped by PMDs and left inactive (pgactivate +16,384). */
/* The load's POSIX_MADV_WILLNEED: the readahead window's worth from the
 * file's start, what is not cached read in single pages and left unmapped
 * (force_page_cache_ra -> do_page_cache_ra). */
static int load_willneed(struct sr_sim *s)
{
	uint64_t n = s->r->ra_window_bytes / s->c->page, tp = sr_sim_extent_pages(s), t0 = sr_now_ns();
	int ret;

	if (n > tp)
		n = tp;
	if (!n)
		return 0;
	sr_sim_prefetch(s, 0, n * s->c->page, UINT64_MAX);
	ret = sr_sim_pump_reap(s);
	while (!ret && (s->pf_n || s->inflight)) {
		ret = sr_sim_pump(s);
		if (!ret)
			ret = sr_sim_reap(s, 1, 100000000ull);
	}
	clock_reads(s, sr_now_ns() - t0);
	return ret;
}

static int load_populate(struct sr_sim *s)
{
	uint64_t tp = sr_sim_extent_pages(s), pg, n, q, t0, act, rd;
	struct sr_sim_result *keep = malloc(sizeof(*keep));
	int ret = 0;

	if (!keep)
		return sr_errf(s->e, -ENOMEM, "out of memory");
	*keep = *s->r;
	for (pg = 0; pg < tp && !ret && !(s->c->stop && *s->c->stop); pg += n) {
		struct sr_access a = { .page0 = pg, .t_ns = SR_T_NONE, .tensor = -1, .expert = -1, .layer = -1 };

		n = tp - pg < LOAD_PAGES ? tp - pg : LOAD_PAGES;
		a.npages = n;
		a.off = pg * s->c->page;
		a.len = n * s->c->page;
		t0 = sr_now_ns();
		ret = access_pages(s, &a);
		if (!ret)
			ret = sr_sim_pump_reap(s);
		clock_reads(s, sr_now_ns() - t0);
		/* the page walk touches what it mapped (FOLL_TOUCH) */
		for (q = pg; q < pg + n && !ret; q++) {
			struct sr_frame *f = sr_sim_lookup(s, q);

			if (f && f->state == SR_FR_RES)
				sr_kernel_mark_accessed(s, f);
		}
	}
	if (!ret)
		ret = load_willneed(s);
	if (s->c->stat_flush == SR_STATS_TOKEN)
		sr_kernel_flush(s); /* the runner's mark after its load */
	act = s->r->pgactivate - keep->pgactivate;
	rd = s->r->demand_bytes + s->r->prefetch_bytes - keep->demand_bytes - keep->prefetch_bytes;
	*s->r = *keep;
	s->r->load_pgactivate = act;
	s->r->load_read_bytes = rd;
	s->clock_rd = s->r->demand_bytes + s->r->prefetch_bytes;
	free(keep);
	s->tok_read0 = s->tok_faults0 = 0;
	s->tok_act0 = s->r->pgactivate;
	s->tok_deact0 = s->r->pgdeactivate;
	s->pos = s->cur_pos0 = 0; /* the schedule's positions start after it */
	return ret;
}

/* ---- setup and the run ---- */

#define SR_HUGE (2u << 20)

void *sr_sim_big_alloc(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len ? len : 1, MADV_HUGEPAGE); /* advice only: 4 KiB pages still work */
	return p;
}

void sr_sim_big_free(void *p, size_t len)
{
	if (p)
		munmap(p, len ? len : 1);
}

static int setup(struct sr_sim *s, struct sr_err *e)
{
	const struct sr_sim_cfg *c = s->c;
	uint64_t cap = c->policy->repl ? c->mem / c->page : 0, hn = 1024, i;
	size_t buf_len, map_len;
	uintptr_t al;
	char *map;
	int ret;

	if (!c->page || (c->page & (c->page - 1)) || c->page % c->lbs)
		return sr_inputf(e, "simulate: --page %" PRIu64 " must be a power of two and a multiple of %s's %u-byte logical block size",
				 c->page, c->tgt_name, c->lbs);
	if (c->max_req < c->page || c->max_req % c->page || c->max_req > (1u << 30))
		return sr_inputf(e, "simulate: --bs %" PRIu64 " must be a multiple of --page %" PRIu64 " up to 1G",
				 c->max_req, c->page);
	if (!c->qd)
		return sr_inputf(e, "simulate: --qd must be at least 1");
	if (c->nr_fds > SR_SIM_MAX_DEV)
		return sr_inputf(e, "simulate: at most %d striped targets", SR_SIM_MAX_DEV);
	if (c->nr_fds > 1 && (!c->stripe || c->stripe % c->page))
		return sr_inputf(e, "simulate: --layout stripe:%" PRIu64 ": the chunk must be a multiple of --page %" PRIu64,
				 c->stripe, c->page);
	if (cap >= SR_NIL)
		return sr_inputf(e, "simulate: --mem %" PRIu64 " holds too many %" PRIu64 "-byte pages: use a larger --page",
				 c->mem, c->page);
	s->nfr = (uint32_t)cap;
	s->r->capacity_pages = cap;
	s->fr_len = (cap ? cap : 1) * sizeof(*s->fr);
	s->fr = sr_sim_big_alloc(s->fr_len);
	while (hn < 2 * cap)
		hn *= 2;
	/* A table indexed by page is one load per lookup (no chain through
	 * frames all over memory): use it when it is not much larger than
	 * the hash would be. */
	if (cap && sr_sim_target_pages(s) <= 2 * hn) {
		hn = sr_sim_target_pages(s);
		s->direct = 1;
	}
	s->hash_len = hn * sizeof(*s->hash);
	s->hash = sr_sim_big_alloc(s->hash_len);
	if (!s->fr || !s->hash)
		return sr_errf(e, -ENOMEM, "out of memory for %" PRIu64 " page frames", cap);
	memset(s->hash, 0xff, hn * sizeof(*s->hash));
	s->hmask = hn - 1;
	/* frames are handed out in order before any is reused (get_frame):
	 * no free list through the whole array, whose writes were a pass over
	 * memory per row */
	s->free_head = SR_NIL;
	/* pinned pages may not take the frames reads in flight need */
	s->pin_cap = cap > 2ull * c->qd * sr_sim_max_pages(s) ? cap - (uint64_t)c->qd * sr_sim_max_pages(s) : cap / 2;
	s->repl = c->policy->repl ? c->policy->repl : &sr_repl_lru;
	ret = s->repl->init(s, e);
	if (ret)
		return ret;

	if (c->pp.pattern[0] && c->model) {
		ret = sr_sim_pin_table(s, e);
		if (ret)
			return ret;
	}

	s->pf_cap = PF_MAX_RUNS;
	s->pf = malloc(s->pf_cap * sizeof(*s->pf));
	s->win_cap = 1024;
	s->win = malloc(s->win_cap * sizeof(*s->win));
	s->req = calloc(c->qd, sizeof(*s->req));
	s->done = calloc(c->qd, sizeof(*s->done));
	s->free_slots = calloc(c->qd, sizeof(*s->free_slots));
	s->landed = calloc(c->qd, sizeof(*s->landed));
	if (!s->pf || !s->win || !s->req || !s->done || !s->free_slots || !s->landed)
		return sr_errf(e, -ENOMEM, "out of memory");

	/* read buffers on transparent huge pages where allowed, as replay does */
	buf_len = (size_t)c->max_req * c->qd;
	map_len = (buf_len + SR_HUGE - 1) / SR_HUGE * SR_HUGE + SR_HUGE;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return sr_errf(e, -errno, "cannot allocate %u buffers of %" PRIu64 " bytes", c->qd, c->max_req);
	s->bufmap = map;
	s->bufmap_len = map_len;
	al = ((uintptr_t)map + SR_HUGE - 1) & ~(uintptr_t)(SR_HUGE - 1);
	madvise((void *)al, buf_len, MADV_HUGEPAGE);
	if (strcmp(c->engine->name, "null")) /* the null engine never touches them */
		memset((void *)al, 0, buf_len);
	for (i = 0; i < c->qd; i++) {
		s->req[i].io.idx = (uint32_t)i;
		s->req[i].io.buf = (char *)al + i * c->max_req;
		s->free_slots[s->nfree++] = (uint32_t)(c->qd - 1 - i);
	}
	s->eng.ops = c->engine;
	s->untimed = !!(c->engine->flags & SR_ENGINE_NODATA);
	s->r->nr_dev = c->nr_fds > 1 ? c->nr_fds : 1;
	s->eng.cfg = (struct sr_engine_cfg){
		.fds = c->nr_fds > 1 ? c->fds : &c->fd, .nr_fds = s->r->nr_dev, .qd = c->qd, .buf_size = (size_t)c->max_req,
		.buf_base = (void *)al, .threads = (c->engine->flags & SR_ENGINE_SYNCIO) ? c->qd : 1,
	};
	ret = c->engine->init(&s->eng, e);
	if (ret)
		return ret;
	s->eng_up = 1;

	s->pol.ops = c->policy;
	s->pol.pp = c->pp;
	s->pin_any = c->policy->pin || c->pp.pattern[0];
	s->pol.sim = s;
	if (c->policy->init) {
		ret = c->policy->init(&s->pol, e);
		if (ret)
			return ret;
	}
	s->pol_up = 1;
	return 0;
}

static void drain(struct sr_sim *s)
{
	uint64_t deadline = sr_now_ns() + 30000000000ull;

	while (s->inflight && sr_now_ns() < deadline)
		if (sr_sim_reap(s, 1, 100000000ull) && !s->inflight)
			break;
}

static void teardown(struct sr_sim *s)
{
	if (s->eng_up) {
		drain(s);
		s->c->engine->cleanup(&s->eng);
	}
	if (s->pol_up && s->pol.ops->fini)
		s->pol.ops->fini(&s->pol);
	if (s->repl && s->repl->fini)
		s->repl->fini(s);
	if (s->bufmap)
		munmap(s->bufmap, s->bufmap_len);
	sr_sim_big_free(s->fr, s->fr_len);
	free(s->pin_tensor);
	sr_sim_big_free(s->hash, s->hash_len);
	free(s->nu);
	free(s->pf);
	free(s->win);
	free(s->req);
	free(s->done);
	free(s->free_slots);
	free(s->landed);
}

int sr_sim_run(const struct sr_sim_cfg *c, struct sr_source *src, struct sr_sim_result *r,
	       struct sr_err *e)
{
	struct sr_sim *s = calloc(1, sizeof(*s));
	uint64_t t0;
	int ret, slack;

	memset(r, 0, sizeof(*r));
	sr_hist_init(&r->token_stall);
	if (!s)
		return sr_errf(e, -ENOMEM, "out of memory");
	s->c = c;
	s->r = r;
	s->e = e;
	s->src = src;
	if (c->policy->needs & SR_PN_MODEL && !c->model) {
		ret = sr_inputf(e, "simulate: policy %s needs the model's tensors: give --profile or --gguf",
				c->policy_spec ? c->policy_spec : c->policy->name);
		goto out;
	}
	ret = setup(s, e);
	if (ret)
		goto out;
	if (c->policy->needs & SR_PN_FUTURE) {
		ret = sr_sim_materialize(s);
		if (ret)
			goto out;
	}
	if (c->load_populate && s->repl == &sr_repl_kernel)
		ret = load_populate(s); /* not the run's: before its clock starts */
	/* the default 50 us timer slack is most of a millisecond's debt's
	 * catching up (sim_io.c); restored after */
	slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	t0 = sr_now_ns();
	if (!ret)
		ret = walk(s);
	drain(s);
	r->wall_ns = sr_now_ns() - t0;
	if (slack > 0)
		prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
	r->unused_prefetch_bytes = s->unused_pf;
	if (ret)
		r->partial = 1;
out:
	teardown(s);
	free(s);
	return ret;
}

const struct sr_model *sr_sim_model(const struct sr_sim *s)
{
	return s->c->model;
}

uint64_t sr_sim_page_size(const struct sr_sim *s)
{
	return s->c->page;
}

uint64_t sr_sim_seed(const struct sr_sim *s)
{
	return s->c->seed;
}

uint64_t sr_sim_ra_kb(const struct sr_sim *s)
{
	return s->c->ra_kb;
}

void sr_sim_note_readahead(struct sr_sim *s, uint64_t window_bytes)
{
	s->r->ra_window_bytes = window_bytes;
}

uint64_t sr_sim_max_folio(const struct sr_sim *s)
{
	return s->c->max_folio ? s->c->max_folio : 4096;
}

double sr_sim_tokens_per_s(const struct sr_sim_result *r)
{
	double t = (double)(r->compute_ns + r->stall_ns) / 1e9;

	return t > 0 ? (double)r->tokens / t : 0;
}

double sr_sim_read_per_token(const struct sr_sim_result *r)
{
	if (r->steady_tokens)
		return (double)r->steady_read_bytes / (double)r->steady_tokens;
	return r->tokens ? (double)(r->demand_bytes + r->prefetch_bytes) / (double)r->tokens : 0;
}

double sr_sim_prefill_tokens_per_s(const struct sr_sim_result *r, uint64_t prefill_tokens)
{
	return r->prefill_ns && prefill_tokens ? (double)prefill_tokens * 1e9 / (double)r->prefill_ns : 0;
}

double sr_sim_hit_rate(const struct sr_sim_result *r)
{
	if (!r->pages)
		return 0;
	return r->pages_read >= r->pages ? 0 : 1.0 - (double)r->pages_read / (double)r->pages;
}

double sr_sim_served_rate(const struct sr_sim_result *r)
{
	return r->pages ? (double)(r->hits + r->late) / (double)r->pages : 0;
}
