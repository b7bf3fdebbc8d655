/* The simulator's access window: the schedule's records turned into page
 * accesses, the current one and the future the policies peek at, and the
 * whole schedule materialized for MIN's next-use table. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sim_int.h"

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

void sr_sim_pop(struct sr_sim *s)
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

/* MIN needs, for every page access, when the same page is next used. The
 * whole schedule is walked once (as the run will) keeping only each
 * access's page range, then linked backwards. The table is kept as runs:
 * a decode step reads the pages of a tensor in the order the next one
 * does, so consecutive page accesses have consecutive next uses, and a run
 * holds what was 4-8 bytes per page access (deepseek-v3, 100 tokens at 64
 * KiB: 33 M page accesses, a few hundred thousand runs). */
struct span {
	uint64_t page0, npages;
};

static int push_run(struct sr_sim *s, const struct sr_nu_run *r)
{
	if (s->nu_n == s->nu_cap) {
		size_t cap = s->nu_cap ? s->nu_cap * 2 : 4096;
		struct sr_nu_run *nr = realloc(s->nu, cap * sizeof(*nr));

		if (!nr)
			return sr_errf(s->e, -ENOMEM, "oracle: out of memory for %zu next-use runs", cap);
		s->nu = nr;
		s->nu_cap = cap;
	}
	s->nu[s->nu_n++] = *r;
	return 0;
}

/* Backwards over the spans: last[p] is the next use of page p so far, plus
 * one (0: none yet, so the table needs no filling). */
static int link_uses(struct sr_sim *s, const struct span *sp, size_t nsp, uint64_t n, uint64_t *last)
{
	struct sr_nu_run cur = { 0, 0, 0 }, t;
	uint64_t v, p;
	size_t j, i;
	int ret;

	for (j = nsp; j-- > 0;) {
		for (p = sp[j].page0 + sp[j].npages; p-- > sp[j].page0;) {
			v = last[p] - 1; /* 0 - 1: UINT64_MAX, never */
			last[p] = n--;
			if (cur.len && ((v == UINT64_MAX && cur.nu == UINT64_MAX) ||
					(v != UINT64_MAX && cur.nu != UINT64_MAX && v + 1 == cur.nu))) {
				cur.start = n;
				cur.len++;
				cur.nu = v;
				continue;
			}
			if (cur.len && (ret = push_run(s, &cur)))
				return ret;
			cur = (struct sr_nu_run){ n, v, 1 };
		}
	}
	if (cur.len && (ret = push_run(s, &cur)))
		return ret;
	for (i = 0; i < s->nu_n / 2; i++) { /* into position order */
		t = s->nu[i];
		s->nu[i] = s->nu[s->nu_n - 1 - i];
		s->nu[s->nu_n - 1 - i] = t;
	}
	return 0;
}

int sr_sim_materialize(struct sr_sim *s)
{
	uint64_t n = 0, tp = sr_sim_target_pages(s), *last = NULL;
	struct span *sp = NULL, *np;
	size_t nsp = 0, cap = 0;
	const struct sr_access *a;
	int ret;

	if (tp > (1ull << 26))
		return sr_inputf(s->e, "oracle: %s holds %" PRIu64 " pages of %" PRIu64 " bytes: too many to plan; use a larger --page",
				 s->c->tgt_name, tp, s->c->page);
	while ((ret = sr_sim_peek(s, 0, &a)) > 0) {
		if (nsp == cap) {
			cap = cap ? cap * 2 : 4096;
			np = realloc(sp, cap * sizeof(*sp));
			if (!np) {
				ret = sr_errf(s->e, -ENOMEM, "oracle: out of memory for %zu accesses", cap);
				goto out;
			}
			sp = np;
		}
		sp[nsp++] = (struct span){ a->page0, a->npages };
		n += a->npages;
		sr_sim_pop(s);
		if (s->c->stop && *s->c->stop)
			break;
	}
	if (ret < 0)
		goto out;
	last = sr_sim_big_alloc(tp * sizeof(*last));
	if (!last) {
		ret = sr_errf(s->e, -ENOMEM, "oracle: out of memory for %" PRIu64 " pages", tp);
		goto out;
	}
	ret = link_uses(s, sp, nsp, n, last);
	if (!ret)
		ret = restart(s);
out:
	free(sp);
	sr_sim_big_free(last, tp * sizeof(*last));
	return ret;
}
