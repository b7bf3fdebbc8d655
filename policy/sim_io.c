/* The buffer manager's frames (page -> frame hash, eviction, pinning) and
 * its I/O: requests issued through the replay engine, completions, the
 * prefetch queue, and compute time spent waiting on completions. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/sim_int.h"
#include "base/units.h"

/* ---- page -> frame hash, or a direct table (sr_sim.direct) ---- */

static uint64_t hslot(const struct sr_sim *s, uint64_t page)
{
	return (page * 0x9E3779B97F4A7C15ull >> 17) & s->hmask;
}

/* sr_sim_lookup without a direct table */
struct sr_frame *sr_sim_lookup_hash(const struct sr_sim *s, uint64_t page)
{
	uint32_t i;

	for (i = s->hash[hslot(s, page)]; i != SR_NIL; i = s->fr[i].hnext)
		if (s->fr[i].page == page)
			return &s->fr[i];
	return NULL;
}

static void hash_add(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t h;

	if (s->direct) {
		s->hash[f->page] = (uint32_t)(f - s->fr);
		return;
	}
	h = hslot(s, f->page);
	f->hnext = s->hash[h];
	s->hash[h] = (uint32_t)(f - s->fr);
}

static void hash_del(struct sr_sim *s, struct sr_frame *f)
{
	uint32_t *p, i = (uint32_t)(f - s->fr);

	if (s->direct) {
		s->hash[f->page] = SR_NIL;
		return;
	}
	p = &s->hash[hslot(s, f->page)];
	while (*p != i)
		p = &s->fr[*p].hnext;
	*p = f->hnext;
}

/* sr_sim_page_bytes past the fast case: the last page of the target may be short. */
uint64_t sr_sim_tail_bytes(const struct sr_sim *s, uint64_t p)
{
	uint64_t off = p * s->c->page, n = s->c->page;

	if (off + n > s->c->target_size) {
		n = s->c->target_size > off ? s->c->target_size - off : 0;
		n = (n + s->c->lbs - 1) / s->c->lbs * s->c->lbs;
	}
	return n;
}

/* Bytes of pages [lo, hi): whole pages unless the target's end is among them. */
static uint64_t range_bytes(const struct sr_sim *s, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	if (lo >= hi)
		return 0;
	if (hi * s->c->page <= s->c->target_size)
		return (hi - lo) * s->c->page;
	for (; lo < hi; lo++)
		n += sr_sim_page_bytes(s, lo);
	return n;
}

/* ---- frames ---- */

static void evict(struct sr_sim *s, struct sr_frame *f)
{
	s->repl->remove(s, f);
	hash_del(s, f);
	if (f->prefetched) {
		s->r->wasted_prefetch_bytes += sr_sim_page_bytes(s, f->page);
		s->unused_pf -= sr_sim_page_bytes(s, f->page);
	}
	s->r->evictions++;
	f->state = SR_FR_FREE;
	f->next = s->free_head;
	s->free_head = (uint32_t)(f - s->fr);
}

/* The rest of victim's folio leaves with it (kernel-lru only makes folios). */
static void evict_folio(struct sr_sim *s, const struct sr_frame *victim)
{
	uint64_t n = 1ull << victim->forder, p0 = victim->page & ~(n - 1), p;

	for (p = p0; p < p0 + n; p++) {
		struct sr_frame *g = sr_sim_folio_page(s, p, victim->forder);

		if (g && g != victim && g->state == SR_FR_RES && !g->pinned)
			evict(s, g);
	}
}

/* The readahead mark was hit on f: a folio carries it on all its pages. */
void sr_sim_unmark(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t n = 1ull << f->forder, p0 = f->page & ~(n - 1), p;

	f->mark = 0;
	for (p = p0; f->forder && p < p0 + n; p++) {
		struct sr_frame *g = sr_sim_folio_page(s, p, f->forder);

		if (g)
			g->mark = 0;
	}
}

static int pin_match(const struct sr_sim *s, uint32_t tag);

/* A frame for page, evicting if needed; NULL when every frame is in flight
 * or pinned (the caller reads through or gives the prefetch up). */
static struct sr_frame *get_frame(struct sr_sim *s, uint64_t page, uint32_t tag, int prefetch)
{
	struct sr_frame *f;

	if (!s->nfr)
		return NULL;
	if (s->free_head == SR_NIL && s->fresh < s->nfr) {
		f = &s->fr[s->fresh++];
	} else {
		if (s->free_head == SR_NIL) {
			f = s->repl->victim(s);
			if (!f)
				return NULL;
			evict(s, f);
			if (f->forder)
				evict_folio(s, f);
		}
		f = &s->fr[s->free_head];
		s->free_head = f->next;
	}
	/* hpos shares prev's place: SR_NIL too */
	*f = (struct sr_frame){ .page = page, .prev = SR_NIL, .next = SR_NIL, .tag = tag, .state = SR_FR_IO,
				.prefetched = (uint8_t)prefetch };
	if (s->pin_any && s->r->pinned_pages < s->pin_cap &&
	    (s->pol.ops->pin ? s->pol.ops->pin(&s->pol, tag) : pin_match(s, tag))) {
		f->pinned = 1;
		s->r->pinned_pages++;
	}
	if (prefetch)
		s->unused_pf += sr_sim_page_bytes(s, page);
	if (s->repl->alloc)
		s->repl->alloc(s, f);
	if (s->nu) /* MIN: key shares the links' place (no list in flight) */
		f->key = prefetch ? 0 : UINT64_MAX - sr_sim_next_use(s);
	hash_add(s, f);
	return f;
}

/* ---- pinned:PATTERN ---- */

#include <fnmatch.h>

int sr_sim_pin_table(struct sr_sim *s, struct sr_err *e)
{
	const struct sr_model *m = s->c->model;
	char pat[sizeof(s->c->pp.pattern)], *tok, *save = NULL;
	size_t t;

	s->pin_tensor = calloc(m->n_tensors ? m->n_tensors : 1, 1);
	if (!s->pin_tensor)
		return sr_errf(e, -ENOMEM, "out of memory");
	memcpy(pat, s->c->pp.pattern, sizeof(pat));
	for (tok = strtok_r(pat, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (t = 0; t < m->n_tensors; t++)
			if (!fnmatch(tok, m->tensors[t].name, 0))
				s->pin_tensor[t] = 1;
	return 0;
}

static int pin_match(const struct sr_sim *s, uint32_t tag)
{
	long t = sr_tag_tensor(tag);

	return s->pin_tensor && t >= 0 && (size_t)t < s->c->model->n_tensors && s->pin_tensor[t];
}

/* ---- I/O ---- */

/* A request's issue or completion time. The null engine completes every
 * request inside queue(): its busy time is nothing, and two clock reads per
 * request were a twentieth of an accounting run (its report shows no busy
 * figure). */
static uint64_t io_now(const struct sr_sim *s)
{
	return s->untimed ? 0 : sr_now_ns();
}

static void busy_start(struct sr_sim *s, unsigned dev, uint64_t now)
{
	if (!s->inflight++)
		s->busy_since = now;
	if (!s->dev_inflight[dev]++)
		s->dev_since[dev] = now;
}

static void complete(struct sr_sim *s, struct sr_req *q, uint64_t now)
{
	void (*insert)(struct sr_sim *, struct sr_frame *, int) = s->repl->insert;
	struct sr_frame *fr = s->fr;
	const uint32_t *ht = s->hash;
	uint64_t p, end = q->page0 + q->npages, hmask = s->hmask;
	uint32_t slot = q->io.idx;

	for (p = q->page0; p < end; p++) {
		struct sr_frame *f = s->direct ? sr_sim_lookup_direct(fr, ht, hmask, p) : sr_sim_lookup(s, p);

		if (!f || f->state != SR_FR_IO || f->io != slot + 1)
			continue;
		f->state = SR_FR_RES;
		f->io = 0;
		if (!f->pinned)
			insert(s, f, f->prefetched);
	}
	if (q->needed) {
		q->needed = 0;
		s->needed--;
	}
	if (q->prefetch)
		s->pf_inflight--;
	if (!--s->inflight)
		s->r->busy_ns += now - s->busy_since;
	if (!--s->dev_inflight[q->dev])
		s->r->dev_busy_ns[q->dev] += now - s->dev_since[q->dev];
	s->free_slots[s->nfree++] = slot;
}

static const char *dev_name(const struct sr_sim *s, unsigned dev)
{
	static const char *const names[] = { "striped device 0", "striped device 1", "striped device 2",
					     "striped device 3", "a striped device" };

	if (s->c->nr_fds <= 1)
		return s->c->tgt_name;
	return names[dev < 4 ? dev : 4];
}

/* RAID-0: the device and its offset for striped byte off. Runs never cross
 * a chunk (read_range and pump cut them), so a request is one piece. */
static unsigned stripe_map(const struct sr_sim *s, uint64_t off, uint64_t *dev_off)
{
	uint64_t chunk, n = s->c->nr_fds;

	if (n <= 1) {
		*dev_off = off;
		return 0;
	}
	chunk = off / s->c->stripe;
	*dev_off = chunk / n * s->c->stripe + off % s->c->stripe;
	return (unsigned)(chunk % n);
}

/* Pages from p to the end of p's stripe chunk (no limit without a stripe). */
static uint64_t chunk_left(const struct sr_sim *s, uint64_t p)
{
	uint64_t per;

	if (s->c->nr_fds <= 1)
		return UINT64_MAX;
	per = s->c->stripe / s->c->page;
	return per - p % per;
}

/* One request's pages from p: at most want, a request's size (--bs) and
 * what is left of p's stripe chunk. */
static uint64_t req_pages(const struct sr_sim *s, uint64_t p, uint64_t want)
{
	uint64_t lim = want < sr_sim_max_pages(s) ? want : sr_sim_max_pages(s);

	return chunk_left(s, p) < lim ? chunk_left(s, p) : lim;
}

static int check_res(struct sr_sim *s, struct sr_req *q)
{
	uint64_t want = q->io.len, eof;

	if (q->io.res == (int64_t)want)
		return 0;
	/* O_DIRECT at the end of a file that is not a block multiple: short is fine */
	eof = s->c->target_size - q->page0 * s->c->page;
	if (q->io.res >= 0 && (uint64_t)q->io.res >= eof && eof < want)
		return 0;
	if (q->io.res < 0)
		return sr_errf(s->e, (int)q->io.res, "%s: read at offset %" PRIu64 " length %u failed: %s",
			       dev_name(s, q->dev), q->io.off, q->io.len, strerror((int)-q->io.res));
	return sr_errf(s->e, -EIO, "%s: short read at offset %" PRIu64 ": %" PRId64 " of %u bytes",
		       dev_name(s, q->dev), q->io.off, q->io.res, q->io.len);
}

/* Reap completions, waiting up to timeout_ns for at least one when wait. */
int sr_sim_reap(struct sr_sim *s, int wait, uint64_t timeout_ns)
{
	int n, i, ret = 0;

	if (!s->inflight)
		return 0;
	if (s->nlanded) { /* done inside queue (issue): they land now */
		uint64_t now = io_now(s);
		unsigned k;

		for (k = 0; k < s->nlanded; k++)
			complete(s, &s->req[s->landed[k]], now);
		s->nlanded = 0;
		return 0;
	}
	n = s->c->engine->reap(&s->eng, wait ? 1 : 0, s->c->qd, timeout_ns, s->done);
	if (n < 0)
		return sr_errf(s->e, n, "%s: reap: %s", s->c->tgt_name, strerror(-n));
	for (i = 0; i < n; i++) {
		struct sr_req *q = (struct sr_req *)s->done[i];
		int r = check_res(s, q);

		if (r && !ret)
			ret = r;
		complete(s, q, io_now(s));
	}
	return ret;
}

/* Read pages [page0, page0 + n) (frames already set up, or none: read
 * through) into a free slot; pages in [nlo, nhi) count as demand. */
static int issue(struct sr_sim *s, uint64_t page0, uint64_t n, uint64_t nlo, uint64_t nhi, int needed)
{
	struct sr_frame *fr = s->fr;
	const uint32_t *ht = s->hash;
	struct sr_req *q;
	uint64_t p, bytes, dbytes, pinned = 0, hmask = s->hmask;
	uint32_t slot;
	int ret;

	while (!s->nfree) {
		ret = sr_sim_reap(s, 1, 100000000ull);
		if (ret)
			return ret;
	}
	slot = s->free_slots[--s->nfree];
	q = &s->req[slot];
	for (p = page0; p < page0 + n; p++) {
		struct sr_frame *f = s->direct ? sr_sim_lookup_direct(fr, ht, hmask, p) : sr_sim_lookup(s, p);

		if (!f)
			continue;
		if (f->state == SR_FR_IO && !f->io)
			f->io = slot + 1;
		if (f->pinned)
			pinned += sr_sim_page_bytes(s, p);
	}
	s->r->pinned_read_bytes += pinned;
	bytes = range_bytes(s, page0, page0 + n);
	dbytes = range_bytes(s, nlo > page0 ? nlo : page0, nhi < page0 + n ? nhi : page0 + n);
	q->page0 = page0;
	q->npages = n;
	q->prefetch = !dbytes;
	q->needed = needed;
	if (needed)
		s->needed++;
	if (q->prefetch && ++s->pf_inflight > s->r->max_pf_inflight)
		s->r->max_pf_inflight = s->pf_inflight;
	q->dev = stripe_map(s, page0 * s->c->page, &q->io.off);
	q->io.len = (uint32_t)bytes;
	q->io.op = SR_OP_READ;
	q->io.target = q->dev;
	s->r->dev_bytes[q->dev] += bytes;
	s->r->dev_ios[q->dev]++;
	q->io.res = 0;
	q->io.issue_ns = io_now(s);
	s->r->pages_read += n;
	s->r->prefetch_bytes += bytes - dbytes;
	s->r->demand_bytes += dbytes;
	if (dbytes)
		s->r->demand_ios++;
	else
		s->r->prefetch_ios++;
	busy_start(s, q->dev, q->io.issue_ns);
	ret = s->c->engine->queue(&s->eng, &q->io);
	if (ret == SR_Q_COMPLETED) {
		ret = check_res(s, q);
		/* Done inside queue (the null engine; psync at QD 1), but its
		 * pages stay in flight until the next reap, as an asynchronous
		 * read's stay until it completes: the kernel locks a readahead
		 * window's pages under I/O, so reclaim cannot take the window's
		 * start while its end is being set up. Completed here, the rest
		 * of a 16 MiB window evicted its start (null engine,
		 * dense-8l-1024e at 35%: 286.1 MiB/token against io_uring's
		 * 211.0-212.3 and the real 198.0; deferred: 205.4). */
		if (!ret) {
			s->landed[s->nlanded++] = slot;
			return 0;
		}
		complete(s, q, io_now(s));
		return ret;
	}
	if (ret == SR_Q_BUSY)
		ret = -EBUSY;
	if (ret < 0) {
		complete(s, q, io_now(s));
		return sr_errf(s->e, ret, "%s: queue: %s", s->c->tgt_name, strerror(-ret));
	}
	ret = s->c->engine->submit(&s->eng);
	if (ret < 0)
		return sr_errf(s->e, ret, "%s: submit: %s", s->c->tgt_name, strerror(-ret));
	return 0;
}

uint64_t sr_sim_max_pages(const struct sr_sim *s)
{
	return s->c->max_req / s->c->page;
}

uint64_t sr_sim_target_pages(const struct sr_sim *s)
{
	return (s->c->target_size + s->c->page - 1) / s->c->page;
}

/* Pages prefetch and readahead may touch: the model's, not the whole device's. */
uint64_t sr_sim_extent_pages(const struct sr_sim *s)
{
	uint64_t x = s->c->extent && s->c->extent < s->c->target_size ? s->c->extent : s->c->target_size;

	return (x + s->c->page - 1) / s->c->page;
}

/* The kernel's readahead (page_cache_ra_order(), page_cache_ra_unbounded())
 * allocates and inserts every folio of a window, charging the memory
 * cgroup and reclaiming for each, before it submits their reads: a window
 * holds its room from then on, whatever the queue depth. The pagecache
 * lists do the same: a window's frames are taken at once and wait in
 * flight for a slot. Taken a request at a time, as slots freed, a window
 * held less room the fewer slots there were (tests/unit/test_pclru.c: a
 * dense model at 35%, QD 1, read 6% more a token than at QD 256), and the
 * windows ahead of the reader evicted each other less than the kernel's
 * do (README, "A readahead window takes its room at once"). */
static int eager(const struct sr_sim *s)
{
	return s->repl == &sr_repl_kernel;
}

/* Page p has a frame taken for a read not yet issued. */
static int pending(const struct sr_sim *s, uint64_t p)
{
	const struct sr_frame *f = sr_sim_lookup(s, p);

	return f && f->state == SR_FR_IO && !f->io;
}

/* The folio page_cache_ra_order() makes at page p of run's window: its
 * order, lowered to p's alignment and to fit before the window's end (no
 * order 1); a page of it already cached fails the folio's insertion, and
 * the kernel reads the rest of the window in single pages. */
static void next_folio(struct sr_sim *s, struct sr_pf_run *run, uint64_t p)
{
	unsigned o = run->order;
	uint64_t i;

	if (p && (unsigned)__builtin_ctzll(p) < o)
		o = (unsigned)__builtin_ctzll(p);
	while (o && p + (1ull << o) > run->wend)
		o--;
	if (o == 1)
		o = 0;
	for (i = 1; o && i < (1ull << o); i++)
		if (sr_sim_lookup(s, p + i)) {
			run->order = 0;
			o = 0;
		}
	run->forder = (uint8_t)o;
	run->fend = p + (1ull << o);
}

/* A frame taken for run at page p: its folio, and the readahead mark. */
static void set_folio(struct sr_sim *s, const struct sr_pf_run *run, struct sr_frame *f, uint64_t p)
{
	if (p < run->fend) {
		f->forder = run->forder;
		if (run->forder) {
			s->r->large_folio_bytes += sr_sim_page_bytes(s, p);
			if ((s->c->page << run->forder) >= sr_sim_max_folio(s))
				s->r->max_folio_bytes += sr_sim_page_bytes(s, p);
		}
		/* the folio holding the mark carries it, on every page */
		if (run->mark >= (p & ~((1ull << run->forder) - 1)) && run->mark < run->fend)
			f->mark = 1;
	} else if (p == run->mark) {
		f->mark = 1;
	}
}

/* Take frames for all of run's window (eager()). A cached page makes the
 * rest single pages (page_cache_ra_order() falls back to
 * do_page_cache_ra()); with no frame left the rest is given up, as the
 * kernel's readahead allocation gives up (__GFP_NORETRY). */
static void take_run(struct sr_sim *s, struct sr_pf_run *run)
{
	uint64_t p;

	run->taken = 1;
	for (p = run->page0; p < run->page0 + run->npages; p++) {
		struct sr_frame *f;

		if (sr_sim_lookup(s, p)) {
			run->order = 0;
			continue;
		}
		if (run->order && p >= run->fend)
			next_folio(s, run, p);
		f = get_frame(s, p, run->tag, 1);
		if (!f) {
			s->r->prefetch_dropped++;
			run->npages = p - run->page0;
			return;
		}
		set_folio(s, run, f, p);
	}
}

/* Issue the frames taken and not yet read from page p on, at most max. */
static int issue_taken(struct sr_sim *s, uint64_t p, uint64_t max)
{
	uint64_t n = 0, lim = req_pages(s, p, max);

	while (n < lim && pending(s, p + n))
		n++;
	return n ? issue(s, p, n, 0, 0, 0) : 0;
}

int sr_sim_issue_taken(struct sr_sim *s, uint64_t p)
{
	return issue_taken(s, p, UINT64_MAX);
}

/* eager(): the head run's frames taken, its reads issued while slots are
 * free. 1: nothing more to issue now. */
static int pump_taken(struct sr_sim *s, unsigned reserve, int *ret)
{
	struct sr_pf_run *run = &s->pf[s->pf_head];

	if (!run->taken)
		take_run(s, run);
	while (run->npages && !pending(s, run->page0)) { /* read, or issued by a fault */
		run->page0++;
		run->npages--;
	}
	if (!run->npages) {
		s->pf_head = (s->pf_head + 1) % s->pf_cap;
		s->pf_n--;
		return 0;
	}
	if (s->nfree <= reserve)
		return 1;
	*ret = issue_taken(s, run->page0, run->npages); /* the next call steps past it */
	return *ret != 0;
}

/* Issue queued prefetches while slots are free (one is kept for demand reads). */
int sr_sim_pump(struct sr_sim *s)
{
	unsigned reserve = s->c->qd > 1;
	int ret = 0;

	if (eager(s)) {
		while (s->pf_n && !pump_taken(s, reserve, &ret))
			;
		return ret;
	}
	while (s->pf_n && s->nfree > reserve && (!s->pf_limit || s->pf_inflight < s->pf_limit)) {
		struct sr_pf_run *run = &s->pf[s->pf_head];
		uint64_t p, n = 0, lim;

		while (run->npages && sr_sim_lookup(s, run->page0)) {
			run->page0++;
			run->npages--;
			run->order = 0; /* a page there: the rest in single pages */
		}
		if (!run->npages) {
			s->pf_head = (s->pf_head + 1) % s->pf_cap;
			s->pf_n--;
			continue;
		}
		lim = req_pages(s, run->page0, run->npages);
		for (p = run->page0; n < lim && !sr_sim_lookup(s, p); p++, n++) {
			struct sr_frame *f;

			if (run->order && p >= run->fend)
				next_folio(s, run, p);
			f = get_frame(s, p, run->tag, 1);
			if (!f)
				break;
			set_folio(s, run, f, p);
		}
		if (!n) { /* nowhere to put it: give the rest of this run up */
			s->r->prefetch_dropped++;
			run->npages = 0;
			continue;
		}
		ret = issue(s, run->page0, n, 0, 0, 0);
		if (ret)
			return ret;
		run->page0 += n;
		run->npages -= n;
	}
	return 0;
}

void sr_sim_prefetch(struct sr_sim *s, uint64_t off, uint64_t len, uint64_t mark)
{
	sr_sim_prefetch_folios(s, off, len, mark, 0);
}

void sr_sim_prefetch_folios(struct sr_sim *s, uint64_t off, uint64_t len, uint64_t mark, unsigned order)
{
	uint64_t p0 = off / s->c->page, p1, tp = sr_sim_extent_pages(s);
	struct sr_pf_run *run;

	if (!len || !s->nfr || p0 >= tp)
		return;
	p1 = (off + len - 1) / s->c->page + 1;
	if (p1 > tp)
		p1 = tp;
	if (s->pf_n == s->pf_cap) {
		s->r->prefetch_dropped++;
		return;
	}
	run = &s->pf[(s->pf_head + s->pf_n++) % s->pf_cap];
	run->page0 = p0;
	run->npages = p1 - p0;
	run->mark = mark;
	run->tag = s->win_n ? s->win[s->win_head].tag : 0;
	run->wend = p1;
	run->fend = p0;
	run->order = (uint8_t)(order < 31 ? order : 31);
	run->forder = 0;
	run->taken = 0;
}

void sr_sim_cold(struct sr_sim *s, uint64_t off, uint64_t len)
{
	uint64_t p, p1;

	if (!len || !s->nfr || !s->repl->cold)
		return;
	p1 = (off + len - 1) / s->c->page + 1;
	for (p = off / s->c->page; p < p1; p++) {
		struct sr_frame *f = sr_sim_lookup(s, p);

		if (f && f->state == SR_FR_RES && !f->pinned)
			s->repl->cold(s, f);
	}
}

void sr_sim_prefetch_limit(struct sr_sim *s, unsigned n)
{
	s->pf_limit = n;
}

/* Emulated compute is a deadline in real time (cpu_until), not a sleep per
 * call. Compute comes in slices as small as a page's share of a token
 * (under a microsecond), and each sleep here overshoots by 25-75 us: the
 * sleep-per-call emulation stretched 0.17 s of compute into 22 s of wall
 * (moe-5l-640e, 16 tokens, --access page), so readahead had a hundred
 * times the time to land that the model's compute gives it. Now compute
 * only moves the deadline; real time catches up when the debt passes
 * SR_DEBT_NS, and before anything waits on a demand read (settle), so a
 * demand is issued and waited for no earlier than its access's time. The
 * catching up sleeps (or waits for completions) until SR_SPIN_NS before
 * the deadline and polls the rest: the overshoot falls in the poll. */
#define SR_DEBT_NS 1000000ull
#define SR_SPIN_NS 100000ull

/* Issue what the prefetch queue allows and take the completions there are,
 * without waiting. */
int sr_sim_pump_reap(struct sr_sim *s)
{
	int ret = sr_sim_pump(s);

	return ret ? ret : sr_sim_reap(s, 0, 0);
}

/* Pump prefetches and reap completions until real time until. */
static int run_until(struct sr_sim *s, uint64_t until)
{
	uint64_t now, left;
	int ret;

	for (;;) {
		ret = sr_sim_pump(s);
		if (ret)
			return ret;
		if (s->c->stop && *s->c->stop)
			return 0;
		now = sr_now_ns();
		if (now >= until)
			return sr_sim_reap(s, 0, 0);
		left = until - now;
		if (left <= SR_SPIN_NS) {
			ret = sr_sim_reap(s, 0, 0);
		} else if (s->inflight) {
			ret = sr_sim_reap(s, 1, left - SR_SPIN_NS);
		} else {
			struct timespec ts = { (time_t)((left - SR_SPIN_NS) / 1000000000ull),
					       (long)((left - SR_SPIN_NS) % 1000000000ull) };

			nanosleep(&ts, NULL);
		}
		if (ret)
			return ret;
	}
}

/* ns of emulated compute, with background I/O. The null engine moves no
 * data and takes no time, so nothing can land during compute: no waiting. */
int sr_sim_compute(struct sr_sim *s, uint64_t ns)
{
	uint64_t now;

	if (s->untimed)
		return sr_sim_pump_reap(s);
	now = sr_now_ns();
	/* past the deadline (a stall, or the simulator's own work took
	 * longer): compute starts now, it cannot be done in the past */
	s->cpu_until = (s->cpu_until > now ? s->cpu_until : now) + ns;
	if (s->cpu_until - now > SR_DEBT_NS)
		return run_until(s, s->cpu_until);
	return sr_sim_pump_reap(s);
}

/* Catch real time up with the compute charged so far; the time it takes is
 * compute, not stall (settle_ns). */
int sr_sim_settle(struct sr_sim *s)
{
	uint64_t t0;
	int ret;

	if (s->untimed || (t0 = sr_now_ns()) >= s->cpu_until)
		return 0;
	ret = run_until(s, s->cpu_until);
	s->settle_ns += sr_now_ns() - t0;
	return ret;
}

/* Wait until every request the compute thread needs has landed; prefetch
 * continues meanwhile. */
int sr_sim_wait_needed(struct sr_sim *s)
{
	int ret;

	if (s->needed && (ret = sr_sim_settle(s)))
		return ret;
	while (s->needed) {
		ret = sr_sim_pump(s);
		if (ret)
			return ret;
		ret = sr_sim_reap(s, 1, 100000000ull);
		if (ret)
			return ret;
		if (s->c->stop && *s->c->stop && !s->inflight)
			break;
	}
	return 0;
}

/* sr_sim_read_range() with eager(): a frame for every page of the range
 * first, as page_cache_ra_unbounded() inserts the read-around's pages
 * before it reads them, then the reads. */
static int read_taken(struct sr_sim *s, const struct sr_access *a, uint64_t lo, uint64_t hi, uint64_t nlo,
		      uint64_t nhi)
{
	uint64_t p;
	int room = 1, ret;

	for (p = lo; p < hi; p++) {
		if (sr_sim_lookup(s, p))
			continue;
		if (p >= nlo && p < nhi) {
			s->pos = s->cur_pos0 + (p - a->page0);
			s->r->misses++;
			s->r->bypass_pages += !get_frame(s, p, a->tag, 0); /* no frame: read through */
		} else if (room && !get_frame(s, p, a->tag, 1)) {
			room = 0; /* no frame left: no more readahead */
		}
	}
	for (p = lo; p < hi;) {
		uint64_t q = p, ndemand = 0, lim = req_pages(s, p, hi - p);

		for (; q - p < lim; q++) {
			int dem = q >= nlo && q < nhi;

			if (!pending(s, q) && !(dem && !sr_sim_lookup(s, q)))
				break;
			ndemand += dem;
		}
		if (q == p) {
			p++;
			continue;
		}
		ret = issue(s, p, q - p, nlo, nhi, !!ndemand);
		if (ret)
			return ret;
		p = q;
	}
	return 0;
}

/* Read [lo, hi) (pages), the pages in [nlo, nhi) being demanded by the
 * compute thread and the rest readahead; one request may hold both, as the
 * kernel's read-around does (the fault then waits for all of it). Cached
 * pages are skipped; a demanded page with no frame to hold it (all in
 * flight or pinned, or MIN declines it) is read through. */
int sr_sim_read_range(struct sr_sim *s, const struct sr_access *a, uint64_t lo, uint64_t hi,
		      uint64_t nlo, uint64_t nhi)
{
	uint64_t p = lo;
	int ret;

	/* a demand is read no earlier than its access's time */
	if (nlo < nhi && (ret = sr_sim_settle(s)))
		return ret;
	if (eager(s))
		return read_taken(s, a, lo, hi, nlo, nhi);
	while (p < hi) {
		uint64_t q = p, ndemand = 0, lim;

		if (sr_sim_lookup(s, p)) {
			p++;
			continue;
		}
		lim = req_pages(s, p, hi - p);
		while (q - p < lim && !sr_sim_lookup(s, q)) {
			struct sr_frame *f = NULL;

			if (q >= nlo && q < nhi) {
				s->pos = s->cur_pos0 + (q - a->page0);
				if (!s->repl->admit || s->repl->admit(s, q))
					f = get_frame(s, q, a->tag, 0);
				s->r->misses++;
				s->r->bypass_pages += !f;
				ndemand++;
			} else if (!get_frame(s, q, a->tag, 1)) {
				break;
			}
			q++;
		}
		if (q == p) {
			/* readahead with no room (every frame in flight or
			 * pinned): read no more of it, but the demanded pages
			 * still, as filemap_fault reads its page when
			 * readahead could not allocate */
			if (p >= nlo)
				break;
			p = nlo;
			continue;
		}
		ret = issue(s, p, q - p, nlo, nhi, !!ndemand);
		if (ret)
			return ret;
		p = q;
	}
	return 0;
}
