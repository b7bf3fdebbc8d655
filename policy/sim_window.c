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

/* MIN needs, for every page access, when the same page is next used: walk
 * the whole schedule once (as the run will), then link uses backwards. */
int sr_sim_materialize(struct sr_sim *s)
{
	uint64_t *pages = NULL, cap = 0, n = 0, i, tp = sr_sim_target_pages(s), *last = NULL;
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
		sr_sim_pop(s);
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
	ret = restart(s);
out:
	free(pages);
	free(last);
	return ret;
}
