/* The buffer manager and the compute thread's walk over the schedule, with
 * real reads through a replay engine. One thread: compute is emulated by
 * waiting on the engine's completions until the compute deadline, so the
 * background prefetches progress in real time while "the model computes". */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "policy/sim_int.h"
#include "replay/units.h"

void sr_repl_lfu_count(struct sr_sim *s, uint32_t tag);

#define PF_MAX_RUNS (1u << 16)

/* ---- page -> frame hash ---- */

static uint64_t hslot(const struct sr_sim *s, uint64_t page)
{
	return (page * 0x9E3779B97F4A7C15ull >> 17) & s->hmask;
}

static struct sr_frame *lookup(const struct sr_sim *s, uint64_t page)
{
	uint32_t i;

	if (!s->nfr)
		return NULL;
	for (i = s->hash[hslot(s, page)]; i != SR_NIL; i = s->fr[i].hnext)
		if (s->fr[i].page == page)
			return &s->fr[i];
	return NULL;
}

static void hash_add(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t h = hslot(s, f->page);

	f->hnext = s->hash[h];
	s->hash[h] = (uint32_t)(f - s->fr);
}

static void hash_del(struct sr_sim *s, struct sr_frame *f)
{
	uint32_t *p = &s->hash[hslot(s, f->page)], i = (uint32_t)(f - s->fr);

	while (*p != i)
		p = &s->fr[*p].hnext;
	*p = f->hnext;
}

int sr_sim_cached(const struct sr_sim *s, uint64_t page)
{
	return lookup(s, page) != NULL;
}

/* Bytes the device transfers for page p: the last page of the target may be short. */
static uint64_t page_bytes(const struct sr_sim *s, uint64_t p)
{
	uint64_t off = p * s->c->page, n = s->c->page;

	if (off + n > s->c->target_size) {
		n = s->c->target_size > off ? s->c->target_size - off : 0;
		n = (n + s->c->lbs - 1) / s->c->lbs * s->c->lbs;
	}
	return n;
}

/* ---- frames ---- */

static void evict(struct sr_sim *s, struct sr_frame *f)
{
	s->repl->remove(s, f);
	hash_del(s, f);
	if (f->prefetched)
		s->r->wasted_prefetch_bytes += page_bytes(s, f->page);
	s->r->evictions++;
	s->resident--;
	f->state = SR_FR_FREE;
	f->next = s->free_head;
	s->free_head = (uint32_t)(f - s->fr);
}

static int pin_match(const struct sr_sim *s, uint32_t tag);

/* A frame for page, evicting if needed; NULL when every frame is in flight
 * or pinned (the caller reads through or gives the prefetch up). */
static struct sr_frame *get_frame(struct sr_sim *s, uint64_t page, uint32_t tag, int prefetch)
{
	struct sr_frame *f;

	if (!s->nfr)
		return NULL;
	if (s->free_head == SR_NIL) {
		f = s->repl->victim(s);
		if (!f)
			return NULL;
		evict(s, f);
	}
	f = &s->fr[s->free_head];
	s->free_head = f->next;
	memset(f, 0, sizeof(*f));
	f->page = page;
	f->prev = f->next = f->hpos = SR_NIL;
	f->tag = tag;
	f->state = SR_FR_IO;
	f->prefetched = (uint8_t)prefetch;
	if ((s->pol.ops->pin || s->c->pp.pattern[0]) && s->r->pinned_pages < s->pin_cap &&
	    (s->pol.ops->pin ? s->pol.ops->pin(&s->pol, tag) : pin_match(s, tag))) {
		f->pinned = 1;
		s->r->pinned_pages++;
	}
	if (s->next_use && !prefetch)
		f->key = UINT64_MAX - s->next_use[s->pos];
	hash_add(s, f);
	s->resident++;
	return f;
}

/* ---- pinned:PATTERN ---- */

#include <fnmatch.h>

static int pin_match(const struct sr_sim *s, uint32_t tag)
{
	const struct sr_model *m = s->c->model;
	long t = sr_tag_tensor(tag);
	char pat[sizeof(s->c->pp.pattern)], *tok, *save = NULL;

	if (!m || t < 0 || (size_t)t >= m->n_tensors)
		return 0;
	memcpy(pat, s->c->pp.pattern, sizeof(pat));
	for (tok = strtok_r(pat, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!fnmatch(tok, m->tensors[t].name, 0))
			return 1;
	return 0;
}

/* ---- I/O ---- */

static void busy_start(struct sr_sim *s, unsigned dev, uint64_t now)
{
	if (!s->inflight++)
		s->busy_since = now;
	if (!s->dev_inflight[dev]++)
		s->dev_since[dev] = now;
}

static void complete(struct sr_sim *s, struct sr_req *q, uint64_t now)
{
	uint64_t p;
	uint32_t slot = q->io.idx;

	for (p = q->page0; p < q->page0 + q->npages; p++) {
		struct sr_frame *f = lookup(s, p);

		if (!f || f->state != SR_FR_IO || f->io != slot + 1)
			continue;
		f->state = SR_FR_RES;
		f->io = 0;
		if (!f->pinned)
			s->repl->insert(s, f, f->prefetched);
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
static int reap(struct sr_sim *s, int wait, uint64_t timeout_ns)
{
	int n, i, ret = 0;

	if (!s->inflight)
		return 0;
	n = s->c->engine->reap(&s->eng, wait ? 1 : 0, s->c->qd, timeout_ns, s->done);
	if (n < 0)
		return sr_errf(s->e, n, "%s: reap: %s", s->c->tgt_name, strerror(-n));
	for (i = 0; i < n; i++) {
		struct sr_req *q = (struct sr_req *)s->done[i];
		int r = check_res(s, q);

		if (r && !ret)
			ret = r;
		complete(s, q, sr_now_ns());
	}
	return ret;
}

/* Read pages [page0, page0 + n) (frames already set up, or none: read
 * through) into a free slot; pages in [nlo, nhi) count as demand. */
static int issue(struct sr_sim *s, uint64_t page0, uint64_t n, uint64_t nlo, uint64_t nhi, int needed)
{
	struct sr_req *q;
	uint64_t p, bytes = 0, dbytes = 0;
	uint32_t slot;
	int ret;

	while (!s->nfree) {
		ret = reap(s, 1, 100000000ull);
		if (ret)
			return ret;
	}
	slot = s->free_slots[--s->nfree];
	q = &s->req[slot];
	for (p = page0; p < page0 + n; p++) {
		struct sr_frame *f = lookup(s, p);

		if (f && f->state == SR_FR_IO && !f->io)
			f->io = slot + 1;
		if (f && f->pinned)
			s->r->pinned_read_bytes += page_bytes(s, p);
		bytes += page_bytes(s, p);
		if (p >= nlo && p < nhi)
			dbytes += page_bytes(s, p);
	}
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
	q->io.issue_ns = sr_now_ns();
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
		complete(s, q, sr_now_ns());
		return ret;
	}
	if (ret == SR_Q_BUSY)
		ret = -EBUSY;
	if (ret < 0) {
		complete(s, q, sr_now_ns());
		return sr_errf(s->e, ret, "%s: queue: %s", s->c->tgt_name, strerror(-ret));
	}
	ret = s->c->engine->submit(&s->eng);
	if (ret < 0)
		return sr_errf(s->e, ret, "%s: submit: %s", s->c->tgt_name, strerror(-ret));
	return 0;
}

static uint64_t max_pages(const struct sr_sim *s)
{
	return s->c->max_req / s->c->page;
}

static uint64_t target_pages(const struct sr_sim *s)
{
	return (s->c->target_size + s->c->page - 1) / s->c->page;
}

/* Pages prefetch and readahead may touch: the model's, not the whole device's. */
static uint64_t extent_pages(const struct sr_sim *s)
{
	uint64_t x = s->c->extent && s->c->extent < s->c->target_size ? s->c->extent : s->c->target_size;

	return (x + s->c->page - 1) / s->c->page;
}

/* Issue queued prefetches while slots are free (one is kept for demand reads). */
static int pump(struct sr_sim *s)
{
	unsigned reserve = s->c->qd > 1;
	int ret;

	while (s->pf_n && s->nfree > reserve && (!s->pf_limit || s->pf_inflight < s->pf_limit)) {
		struct sr_pf_run *run = &s->pf[s->pf_head];
		uint64_t p, n = 0;

		while (run->npages && lookup(s, run->page0)) {
			run->page0++;
			run->npages--;
		}
		if (!run->npages) {
			s->pf_head = (s->pf_head + 1) % s->pf_cap;
			s->pf_n--;
			continue;
		}
		for (p = run->page0; n < run->npages && n < max_pages(s) && n < chunk_left(s, run->page0) &&
		     !lookup(s, p); p++, n++) {
			struct sr_frame *f = get_frame(s, p, run->tag, 1);

			if (!f)
				break;
			if (p == run->mark)
				f->mark = 1;
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
	uint64_t p0 = off / s->c->page, p1, tp = extent_pages(s);
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
}

void sr_sim_cold(struct sr_sim *s, uint64_t off, uint64_t len)
{
	uint64_t p, p1;

	if (!len || !s->nfr || !s->repl->cold)
		return;
	p1 = (off + len - 1) / s->c->page + 1;
	for (p = off / s->c->page; p < p1; p++) {
		struct sr_frame *f = lookup(s, p);

		if (f && f->state == SR_FR_RES && !f->pinned)
			s->repl->cold(s, f);
	}
}

void sr_sim_prefetch_limit(struct sr_sim *s, unsigned n)
{
	s->pf_limit = n;
}

/* Wait (doing background I/O) for ns of emulated compute. */
static int compute(struct sr_sim *s, uint64_t ns)
{
	uint64_t now = sr_now_ns(), deadline = now + ns;
	int ret;

	for (;;) {
		ret = pump(s);
		if (ret)
			return ret;
		if (s->c->stop && *s->c->stop)
			return 0;
		now = sr_now_ns();
		if (now >= deadline)
			return reap(s, 0, 0);
		if (s->inflight) {
			ret = reap(s, 1, deadline - now);
			if (ret)
				return ret;
		} else {
			struct timespec ts = { (time_t)((deadline - now) / 1000000000ull),
					       (long)((deadline - now) % 1000000000ull) };

			nanosleep(&ts, NULL);
		}
	}
}

/* Wait until every request the compute thread needs has landed; prefetch
 * continues meanwhile. */
static int wait_needed(struct sr_sim *s)
{
	int ret;

	while (s->needed) {
		ret = pump(s);
		if (ret)
			return ret;
		ret = reap(s, 1, 100000000ull);
		if (ret)
			return ret;
		if (s->c->stop && *s->c->stop && !s->inflight)
			break;
	}
	return 0;
}

/* Read [lo, hi) (pages), the pages in [nlo, nhi) being demanded by the
 * compute thread and the rest readahead; one request may hold both, as the
 * kernel's read-around does (the fault then waits for all of it). Cached
 * pages are skipped; a demanded page with no frame to hold it (all in
 * flight or pinned, or MIN declines it) is read through. */
static int read_range(struct sr_sim *s, const struct sr_access *a, uint64_t lo, uint64_t hi,
		      uint64_t nlo, uint64_t nhi)
{
	uint64_t p = lo;
	int ret;

	while (p < hi) {
		uint64_t q = p, ndemand = 0;

		if (lookup(s, p)) {
			p++;
			continue;
		}
		while (q < hi && q - p < max_pages(s) && q - p < chunk_left(s, p) && !lookup(s, q)) {
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
		if (q == p)
			break; /* readahead with no room: stop reading ahead */
		ret = issue(s, p, q - p, nlo, nhi, !!ndemand);
		if (ret)
			return ret;
		p = q;
	}
	return 0;
}

/* ---- the access window: the current access and the future policies peek at ---- */

static int to_access(struct sr_sim *s, const struct sr_rec *r, int pass_start, struct sr_access *a)
{
	const struct sr_model *m = s->c->model;
	long t = sr_tag_tensor(r->tag);

	if (r->off >= s->c->target_size || r->len > s->c->target_size - r->off)
		return sr_inputf(s->e, "%s: record %" PRIu64 ": bytes %" PRIu64 "..%" PRIu64 " are beyond %s (%" PRIu64 " bytes)",
				 s->src->name, r->seq, r->off, r->off + r->len, s->c->tgt_name, s->c->target_size);
	memset(a, 0, sizeof(*a));
	a->off = r->off;
	a->len = r->len;
	a->page0 = r->off / s->c->page;
	a->npages = (r->off + r->len - 1) / s->c->page - a->page0 + 1;
	a->t_ns = r->t_ns;
	a->tag = r->tag;
	a->flags = r->flags | (pass_start ? SR_RF_TOKEN : 0);
	a->expert = -1;
	a->layer = -1;
	if (m && t >= 0 && (size_t)t < m->n_tensors && r->off >= m->tensors[t].off &&
	    r->off < m->tensors[t].off + m->tensors[t].bytes) {
		a->expert = sr_tag_expert(r->tag);
	} else if (m) {
		/* a capture of the model file: find the tensor by offset */
		t = sr_model_find(m, r->off);
		if (t >= 0 && m->tensors[t].expert_bytes)
			a->expert = (int)((r->off - m->tensors[t].off) / m->tensors[t].expert_bytes);
		if (t >= 0)
			a->tag = sr_tag_make((uint32_t)t, a->expert);
	} else {
		t = -1;
	}
	a->tensor = t;
	if (t >= 0)
		a->layer = m->tensors[t].layer;
	if (a->flags & SR_RF_TOKEN)
		s->token = s->ntok++;
	a->token = s->token;
	a->idx = s->next_idx++;
	return 0;
}

/* Make the window hold at least need accesses: 1, 0 at the end, -errno. */
static int fill(struct sr_sim *s, size_t need)
{
	int ret;

	while (s->win_n < need) {
		struct sr_rec *r;
		int pass_start = 0;

		if (s->in_pos == s->in_n) {
			if (s->src_done)
				return 0;
			ret = sr_source_next(s->src, s->in, 256, s->e);
			if (ret < 0)
				return ret;
			s->in_n = ret;
			s->in_pos = 0;
			if (!ret) {
				if (!s->next_idx && !s->passes_done)
					return sr_inputf(s->e, "%s: no records", s->src->name);
				if (++s->passes_done >= (s->c->passes ? s->c->passes : 1)) {
					s->src_done = 1;
					return 0;
				}
				ret = s->src->rewind(s->src, s->e);
				if (ret)
					return ret;
				s->pass_start = 1;
				continue;
			}
		}
		r = &s->in[s->in_pos++];
		if (r->op != SR_OP_READ || !r->len) {
			s->r->skipped++;
			continue;
		}
		if (s->next_idx == 0 || s->pass_start)
			pass_start = 1;
		s->pass_start = 0;
		if (s->win_n == s->win_cap) {
			size_t ncap = s->win_cap * 2, i;
			struct sr_access *w = malloc(ncap * sizeof(*w));

			if (!w)
				return sr_errf(s->e, -ENOMEM, "out of memory for the schedule window");
			for (i = 0; i < s->win_n; i++)
				w[i] = s->win[(s->win_head + i) % s->win_cap];
			free(s->win);
			s->win = w;
			s->win_cap = ncap;
			s->win_head = 0;
		}
		ret = to_access(s, r, pass_start, &s->win[(s->win_head + s->win_n) % s->win_cap]);
		if (ret)
			return ret;
		s->win_n++;
	}
	return 1;
}

int sr_sim_peek(struct sr_sim *s, size_t i, const struct sr_access **out)
{
	int ret = fill(s, i + 1);

	if (ret <= 0)
		return ret;
	*out = &s->win[(s->win_head + i) % s->win_cap];
	return 1;
}

static void pop(struct sr_sim *s)
{
	s->win_head = (s->win_head + 1) % s->win_cap;
	s->win_n--;
}

static int restart(struct sr_sim *s)
{
	s->passes_done = 0;
	s->src_done = 0;
	s->in_n = s->in_pos = 0;
	s->win_n = s->win_head = 0;
	s->next_idx = s->token = s->ntok = 0;
	s->pass_start = 0;
	s->r->skipped = 0;
	return s->src->rewind(s->src, s->e);
}

/* MIN needs, for every page access, when the same page is next used: walk
 * the whole schedule once (as the run will), then link uses backwards. */
int sr_sim_materialize(struct sr_sim *s)
{
	uint64_t *pages = NULL, cap = 0, n = 0, i, tp = target_pages(s), *last = NULL;
	const struct sr_access *a;
	int ret;

	if (tp > (1ull << 26))
		return sr_inputf(s->e, "oracle: %s holds %" PRIu64 " pages of %" PRIu64 " bytes: too many to plan; use a larger --page",
				 s->c->tgt_name, tp, s->c->page);
	while ((ret = sr_sim_peek(s, 0, &a)) > 0) {
		for (i = 0; i < a->npages; i++) {
			if (n == cap) {
				uint64_t *np;

				cap = cap ? cap * 2 : 1 << 16;
				np = realloc(pages, cap * sizeof(*pages));
				if (!np) {
					free(pages);
					return sr_errf(s->e, -ENOMEM, "oracle: out of memory for %" PRIu64 " page accesses", cap);
				}
				pages = np;
			}
			pages[n++] = a->page0 + i;
		}
		pop(s);
		if (s->c->stop && *s->c->stop)
			break;
	}
	if (ret < 0)
		goto out;
	last = malloc(tp * sizeof(*last));
	s->next_use = malloc((n ? n : 1) * sizeof(*s->next_use));
	if (!last || !s->next_use) {
		ret = sr_errf(s->e, -ENOMEM, "oracle: out of memory for %" PRIu64 " page accesses", n);
		goto out;
	}
	memset(last, 0xff, tp * sizeof(*last));
	for (i = n; i-- > 0;) {
		s->next_use[i] = last[pages[i]];
		last[pages[i]] = i;
	}
	s->n_uses = n;
	ret = restart(s);
out:
	free(pages);
	free(last);
	return ret;
}

/* ---- the compute thread ---- */

static int access_pages(struct sr_sim *s, const struct sr_access *a)
{
	const struct sr_policy_ops *po = s->pol.ops;
	uint64_t i, tp = extent_pages(s);
	int ret;

	s->cur_pos0 = s->pos;
	for (i = 0; i < a->npages; i++) {
		uint64_t p = a->page0 + i, q, lo, hi, mark;
		struct sr_frame *f = lookup(s, p);

		s->r->pages++;
		s->r->accessed_bytes += page_bytes(s, p);
		if (f) {
			if (f->prefetched) {
				f->prefetched = 0;
				s->r->prefetch_used_bytes += page_bytes(s, p);
			}
			if (f->mark) {
				f->mark = 0;
				if (po->marked)
					po->marked(&s->pol, p);
			}
			if (f->state == SR_FR_RES) {
				s->r->hits++;
				continue;
			}
			s->r->late++;
			if (!s->req[f->io - 1].needed) {
				s->req[f->io - 1].needed = 1;
				s->needed++;
			}
			if (po->miss && (ret = wait_needed(s)))
				return ret;
			continue;
		}
		for (q = p; q < a->page0 + a->npages && !lookup(s, q); q++)
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
		ret = read_range(s, a, lo, hi, p, q);
		if (mark != UINT64_MAX && (f = lookup(s, mark)))
			f->mark = 1;
		if (!ret && po->miss)
			ret = wait_needed(s);
		if (ret)
			return ret;
		for (p++; p < q; p++) { /* the rest of the run was demanded too */
			s->r->pages++;
			s->r->accessed_bytes += page_bytes(s, p);
		}
		i = q - a->page0 - 1;
	}
	ret = wait_needed(s);
	if (ret)
		return ret;
	for (i = 0; i < a->npages; i++) {
		struct sr_frame *f = lookup(s, a->page0 + i);

		if (f && f->state == SR_FR_RES && !f->pinned) {
			s->pos = s->cur_pos0 + i;
			s->repl->touch(s, f);
		}
	}
	s->pos = s->cur_pos0 + a->npages;
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

static void end_token(struct sr_sim *s, int prefill)
{
	uint64_t rd = s->r->demand_bytes + s->r->prefetch_bytes;

	if (!prefill) {
		sr_hist_add(&s->r->token_stall, s->tok_stall);
		s->r->last_token_read_bytes = rd - s->tok_read0;
		if (s->n_decoded++ >= s->c->warmup_tokens) {
			s->r->steady_read_bytes += rd - s->tok_read0;
			s->r->steady_tokens++;
		}
	}
	s->tok_stall = 0;
	s->tok_read0 = rd;
}

static int walk(struct sr_sim *s)
{
	const struct sr_sim_cfg *c = s->c;
	uint64_t tok_bytes = 0, last_t = 0;
	int ret, in_token = 0, prefill = 0;

	for (;;) {
		const struct sr_access *a;
		uint64_t gap = 0, t0, stall;

		if (c->stop && *c->stop) {
			s->r->partial = 1;
			break;
		}
		ret = sr_sim_peek(s, 0, &a);
		if (ret <= 0)
			break;
		if (a->flags & SR_RF_TOKEN) {
			if (in_token)
				end_token(s, prefill);
			in_token = 1;
			prefill = !!(a->flags & SR_RF_PREFILL);
			if (prefill)
				s->r->prefill_tokens++;
			else
				s->r->tokens++;
			if (c->compute_ns_per_token && (ret = token_bytes(s, &tok_bytes)))
				return ret;
			if (a->t_ns != SR_T_NONE && a->t_ns < last_t)
				last_t = 0; /* a new pass of the schedule */
		}
		if (!c->compute_ns_per_token && !c->ignore_t_ns && a->t_ns != SR_T_NONE) {
			gap = a->t_ns >= last_t ? a->t_ns - last_t : a->t_ns;
			last_t = a->t_ns;
		}
		if (gap) {
			ret = compute(s, gap);
			if (ret)
				return ret;
			if (!prefill)
				s->r->compute_ns += gap;
			else
				s->r->prefill_ns += gap;
		}
		s->r->accesses++;
		if (s->repl == &sr_repl_lfu)
			sr_repl_lfu_count(s, a->tag);
		if (s->pol.ops->access)
			s->pol.ops->access(&s->pol, a);
		t0 = sr_now_ns();
		ret = access_pages(s, a);
		if (ret)
			return ret;
		stall = sr_now_ns() - t0;
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
			ret = compute(s, gap);
			if (ret)
				return ret;
			if (!prefill)
				s->r->compute_ns += gap;
			else
				s->r->prefill_ns += gap;
		} else {
			ret = pump(s);
			if (!ret)
				ret = reap(s, 0, 0);
			if (ret)
				return ret;
		}
		pop(s);
	}
	if (ret < 0)
		return ret;
	if (in_token)
		end_token(s, prefill);
	return 0;
}

/* ---- setup and the run ---- */

#define SR_HUGE (2u << 20)

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
	s->fr = calloc(cap ? cap : 1, sizeof(*s->fr));
	while (hn < 2 * cap)
		hn *= 2;
	s->hash = malloc(hn * sizeof(*s->hash));
	if (!s->fr || !s->hash)
		return sr_errf(e, -ENOMEM, "out of memory for %" PRIu64 " page frames", cap);
	memset(s->hash, 0xff, hn * sizeof(*s->hash));
	s->hmask = hn - 1;
	s->free_head = SR_NIL;
	for (i = cap; i-- > 0;) {
		s->fr[i].next = s->free_head;
		s->free_head = (uint32_t)i;
	}
	/* pinned pages may not take the frames reads in flight need */
	s->pin_cap = cap > 2ull * c->qd * max_pages(s) ? cap - (uint64_t)c->qd * max_pages(s) : cap / 2;
	s->repl = c->policy->repl ? c->policy->repl : &sr_repl_lru;
	ret = s->repl->init(s, e);
	if (ret)
		return ret;

	s->pf_cap = PF_MAX_RUNS;
	s->pf = malloc(s->pf_cap * sizeof(*s->pf));
	s->win_cap = 1024;
	s->win = malloc(s->win_cap * sizeof(*s->win));
	s->req = calloc(c->qd, sizeof(*s->req));
	s->done = calloc(c->qd, sizeof(*s->done));
	s->free_slots = calloc(c->qd, sizeof(*s->free_slots));
	if (!s->pf || !s->win || !s->req || !s->done || !s->free_slots)
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
	memset((void *)al, 0, buf_len);
	for (i = 0; i < c->qd; i++) {
		s->req[i].io.idx = (uint32_t)i;
		s->req[i].io.buf = (char *)al + i * c->max_req;
		s->free_slots[s->nfree++] = (uint32_t)(c->qd - 1 - i);
	}
	s->eng.ops = c->engine;
	s->r->nr_dev = c->nr_fds > 1 ? c->nr_fds : 1;
	s->eng.cfg = (struct sr_engine_cfg){
		.fds = c->nr_fds > 1 ? c->fds : &c->fd, .nr_fds = s->r->nr_dev, .qd = c->qd, .buf_size = (size_t)c->max_req,
		.buf_base = (void *)al, .threads = !strcmp(c->engine->name, "psync") ? c->qd : 1,
	};
	ret = c->engine->init(&s->eng, e);
	if (ret)
		return ret;
	s->eng_up = 1;

	s->pol.ops = c->policy;
	s->pol.pp = c->pp;
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
		if (reap(s, 1, 100000000ull) && !s->inflight)
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
	free(s->fr);
	free(s->hash);
	free(s->next_use);
	free(s->pf);
	free(s->win);
	free(s->req);
	free(s->done);
	free(s->free_slots);
}

int sr_sim_run(const struct sr_sim_cfg *c, struct sr_source *src, struct sr_sim_result *r,
	       struct sr_err *e)
{
	struct sr_sim *s = calloc(1, sizeof(*s));
	uint64_t t0, i;
	int ret;

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
	t0 = sr_now_ns();
	ret = walk(s);
	drain(s);
	r->wall_ns = sr_now_ns() - t0;
	for (i = 0; i < s->nfr; i++)
		if (s->fr[i].state != SR_FR_FREE && s->fr[i].prefetched)
			r->unused_prefetch_bytes += page_bytes(s, s->fr[i].page);
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

uint64_t sr_sim_capacity(const struct sr_sim *s)
{
	return s->nfr;
}

uint64_t sr_sim_seed(const struct sr_sim *s)
{
	return s->c->seed;
}

uint64_t sr_sim_ra_kb(const struct sr_sim *s)
{
	return s->c->ra_kb;
}

double sr_sim_tokens_per_s(const struct sr_sim_result *r)
{
	double t = (double)(r->compute_ns + r->stall_ns) / 1e9;

	return t > 0 ? (double)r->tokens / t : 0;
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
