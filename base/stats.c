#include "base/stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TIMELINE_INIT_CAP 64

void sr_hist_init(struct sr_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void sr_hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	unsigned g, shift;

	if (i >= SR_HIST_BUCKETS)
		i = SR_HIST_BUCKETS - 1;
	if (i < SR_HIST_SUB) {
		*lo = *hi = i;
		return;
	}
	g = i >> SR_HIST_SUB_BITS;
	shift = g - 1;
	*lo = (uint64_t)(SR_HIST_SUB + (i & (SR_HIST_SUB - 1))) << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

void sr_hist_merge(struct sr_hist *dst, const struct sr_hist *src)
{
	unsigned i;

	if (!src->n)
		return;
	for (i = 0; i < SR_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->n += src->n;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
}

/* ceil(p/100 * n), clamped to [1, n]. A few ulps are shaved off before the
 * ceil so that a product that should be an exact integer (99% of 1000) but
 * rounded up by one ulp does not select the next sample. */
static uint64_t pct_rank(uint64_t n, double p)
{
	double r = p / 100.0 * (double)n;
	double k;

	r -= r * 4 * DBL_EPSILON;
	k = ceil(r);
	if (!(k >= 1.0))
		return 1;
	if (k >= (double)n)
		return n;
	return (uint64_t)k;
}

uint64_t sr_hist_pct(const struct sr_hist *h, double p)
{
	uint64_t rank, cum = 0, lo, hi, mid;
	unsigned i;

	if (!h->n)
		return 0;
	if (p >= 100.0)
		return h->max;
	rank = pct_rank(h->n, p);
	for (i = 0; i < SR_HIST_BUCKETS; i++) {
		cum += h->b[i];
		if (cum >= rank)
			break;
	}
	if (i == SR_HIST_BUCKETS) /* counts inconsistent with n */
		return h->max;
	sr_hist_bucket_range(i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

double sr_hist_mean(const struct sr_hist *h)
{
	return h->n ? h->sum / (double)h->n : 0.0;
}

/* Population standard deviation. */
double sr_hist_stddev(const struct sr_hist *h)
{
	double mean, var;

	if (!h->n)
		return 0.0;
	mean = h->sum / (double)h->n;
	var = h->sumsq / (double)h->n - mean * mean;
	return var > 0.0 ? sqrt(var) : 0.0;
}

int sr_timeline_grow(struct sr_timeline *t, size_t need)
{
	struct sr_timeline_slot *s;
	size_t cap = t->cap ? t->cap : TIMELINE_INIT_CAP;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap > SIZE_MAX / sizeof(*s))
		return -ENOMEM;
	s = realloc(t->s, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + t->cap, 0, (cap - t->cap) * sizeof(*s));
	t->s = s;
	t->cap = cap;
	return 0;
}

void sr_timeline_free(struct sr_timeline *t)
{
	free(t->s);
	t->s = NULL;
	t->n = t->cap = 0;
}

void sr_stats_init(struct sr_stats *s)
{
	memset(s, 0, sizeof(*s));
	sr_hist_init(&s->op[SR_OP_READ].clat);
	sr_hist_init(&s->op[SR_OP_WRITE].clat);
	sr_hist_init(&s->lag);
}

void sr_stats_free(struct sr_stats *s)
{
	sr_timeline_free(&s->timeline);
	sr_fiolog_free(&s->fiolog);
	free(s->tgt);
	s->tgt = NULL;
	s->nr_tgt = 0;
	if (s->tags) {
		sr_tag_stats_free(s->tags);
		free(s->tags);
		s->tags = NULL;
	}
}

int sr_stats_complete(struct sr_stats *s, int op, uint64_t bytes, uint64_t clat_ns,
		      uint64_t t_ns_since_start)
{
	struct sr_op_stats *o;

	if (op != SR_OP_READ && op != SR_OP_WRITE)
		return 0;
	o = &s->op[op];
	o->ios++;
	o->bytes += bytes;
	sr_hist_add(&o->clat, clat_ns);
	sr_size_hist_add(&o->sizes, bytes);
	if (s->fiolog.interval_ns && sr_fiolog_add(&s->fiolog, t_ns_since_start, op, bytes, clat_ns))
		return -ENOMEM;
	return sr_timeline_add(&s->timeline, t_ns_since_start, op, bytes);
}

void sr_op_stats_merge(struct sr_op_stats *dst, const struct sr_op_stats *src)
{
	unsigned k;

	dst->ios += src->ios;
	dst->bytes += src->bytes;
	dst->errors += src->errors;
	dst->short_ios += src->short_ios;
	sr_hist_merge(&dst->clat, &src->clat);
	for (k = 0; k < SR_SIZE_BUCKETS; k++)
		dst->sizes.b[k] += src->sizes.b[k];
}

void sr_io_fates_merge(struct sr_io_fates *dst, const struct sr_io_fates *src)
{
	dst->issued += src->issued;
	dst->issued_bytes += src->issued_bytes;
	dst->failed += src->failed;
	dst->failed_bytes += src->failed_bytes;
	dst->eio += src->eio;
	dst->errno_other += src->errno_other;
	dst->short_ios += src->short_ios;
	dst->resubmitted += src->resubmitted;
	dst->retried += src->retried;
	dst->retried_ok += src->retried_ok;
	if (src->have_first && (!dst->have_first || src->first_t_ns < dst->first_t_ns)) {
		dst->have_first = 1;
		dst->first_errno = src->first_errno;
		dst->first_short = src->first_short;
		dst->first_op = src->first_op;
		dst->first_target = src->first_target;
		dst->first_off = src->first_off;
		dst->first_len = src->first_len;
		dst->first_t_ns = src->first_t_ns;
	}
}

int sr_stats_merge_io(struct sr_stats *dst, const struct sr_stats *src)
{
	size_t i;
	int ret;

	sr_op_stats_merge(&dst->op[0], &src->op[0]);
	sr_op_stats_merge(&dst->op[1], &src->op[1]);
	sr_io_fates_merge(&dst->fates, &src->fates);
	dst->verify_errors += src->verify_errors;
	dst->verified_bytes += src->verified_bytes;
	sr_hist_merge(&dst->lag, &src->lag);
	if (src->timeline.n > dst->timeline.cap) {
		ret = sr_timeline_grow(&dst->timeline, src->timeline.n);
		if (ret)
			return ret;
	}
	for (i = 0; i < src->timeline.n; i++) {
		dst->timeline.s[i].bytes[0] += src->timeline.s[i].bytes[0];
		dst->timeline.s[i].bytes[1] += src->timeline.s[i].bytes[1];
		dst->timeline.s[i].ios[0] += src->timeline.s[i].ios[0];
		dst->timeline.s[i].ios[1] += src->timeline.s[i].ios[1];
	}
	if (src->timeline.n > dst->timeline.n)
		dst->timeline.n = src->timeline.n;
	return sr_fiolog_merge(&dst->fiolog, &src->fiolog);
}

/* ---- per-tag counters ---- */

int sr_tag_stats_init(struct sr_tag_stats *t, uint32_t cap)
{
	uint32_t size = 2;

	memset(t, 0, sizeof(*t));
	if (!cap)
		cap = SR_TAG_DEFAULT_CAP;
	if (cap > (1u << 30))
		return -EINVAL;
	while (size < 2 * cap)
		size *= 2;
	/* calloc of this size is fresh zeroed pages: untouched tags cost no memory */
	t->ent = calloc(cap, sizeof(*t->ent));
	t->index = calloc(size, sizeof(*t->index));
	if (!t->ent || !t->index) {
		sr_tag_stats_free(t);
		return -ENOMEM;
	}
	t->mask = size - 1;
	t->cap = cap;
	return 0;
}

void sr_tag_stats_free(struct sr_tag_stats *t)
{
	free(t->ent);
	free(t->index);
	t->ent = NULL;
	t->index = NULL;
	t->n = t->cap = t->mask = 0;
}

/* As sr_hist_bucket with SR_TAG_SUB_BITS, values clamped below 2^SR_TAG_MAX_LOG2. */
unsigned sr_tag_bucket(uint64_t v)
{
	unsigned msb, shift;

	if (v >> SR_TAG_MAX_LOG2)
		v = (1ull << SR_TAG_MAX_LOG2) - 1;
	msb = 63u - (unsigned)__builtin_clzll(v | (1u << SR_TAG_SUB_BITS));
	shift = msb - SR_TAG_SUB_BITS;
	return (shift << SR_TAG_SUB_BITS) + (unsigned)(v >> shift);
}

static void tag_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	unsigned sub = 1u << SR_TAG_SUB_BITS, shift;

	if (i < sub) {
		*lo = *hi = i;
		return;
	}
	shift = (i >> SR_TAG_SUB_BITS) - 1;
	*lo = (uint64_t)(sub + (i & (sub - 1))) << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

static uint32_t tag_hash(uint32_t tag)
{
	return tag * 0x9e3779b1u; /* Fibonacci hashing; the mask keeps the low bits */
}

/* The entry of tag, created on first sight; NULL when the table is full. */
static struct sr_tag_ent *tag_slot(struct sr_tag_stats *t, uint32_t tag)
{
	uint32_t h = tag_hash(tag) >> 7, i;

	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		uint32_t v = t->index[i];

		if (!v)
			break;
		if (t->ent[v - 1].tag == tag)
			return &t->ent[v - 1];
	}
	if (t->n == t->cap)
		return NULL;
	t->index[i] = ++t->n;
	t->ent[t->n - 1].tag = tag;
	return &t->ent[t->n - 1];
}

static void ent_add(struct sr_tag_ent *e, uint64_t ios, uint64_t bytes, uint64_t lat_ns)
{
	uint32_t *b = &e->b[sr_tag_bucket(lat_ns)];

	e->ios += ios;
	e->bytes += bytes;
	e->lat_sum += lat_ns;
	if (lat_ns > e->lat_max)
		e->lat_max = lat_ns;
	*b += *b != UINT32_MAX;
}

void sr_tag_add(struct sr_tag_stats *t, uint32_t tag, uint64_t bytes, uint64_t lat_ns)
{
	struct sr_tag_ent *e = tag_slot(t, tag);

	ent_add(e ? e : &t->other, 1, bytes, lat_ns);
}

static void ent_merge(struct sr_tag_ent *d, const struct sr_tag_ent *s)
{
	unsigned i;

	d->ios += s->ios;
	d->bytes += s->bytes;
	d->lat_sum += s->lat_sum;
	if (s->lat_max > d->lat_max)
		d->lat_max = s->lat_max;
	for (i = 0; i < SR_TAG_HIST_BUCKETS; i++) {
		uint64_t v = (uint64_t)d->b[i] + s->b[i];

		d->b[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}

void sr_tag_merge(struct sr_tag_stats *dst, const struct sr_tag_stats *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++) {
		struct sr_tag_ent *e = tag_slot(dst, src->ent[i].tag);

		ent_merge(e ? e : &dst->other, &src->ent[i]);
	}
	ent_merge(&dst->other, &src->other);
}

uint64_t sr_tag_pct(const struct sr_tag_ent *e, double p)
{
	uint64_t n = 0, rank, cum = 0, lo, hi, mid;
	unsigned i;

	for (i = 0; i < SR_TAG_HIST_BUCKETS; i++)
		n += e->b[i];
	if (!n)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	for (i = 0; i < SR_TAG_HIST_BUCKETS; i++) {
		cum += e->b[i];
		if (cum >= rank)
			break;
	}
	if (i >= SR_TAG_HIST_BUCKETS - 1) /* the clamped top bucket: all we know is the max */
		return e->lat_max;
	tag_bucket_range(i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	return mid > e->lat_max ? e->lat_max : mid;
}

double sr_tag_mean(const struct sr_tag_ent *e)
{
	return e->ios ? (double)e->lat_sum / (double)e->ios : 0.0;
}

double sr_runtime_s(const struct sr_stats *st)
{
	uint64_t ns = st->end_ns > st->start_ns ? st->end_ns - st->start_ns : 0;

	return (double)ns / 1e9;
}

double sr_timeline_last_span(const struct sr_stats *st)
{
	double t = sr_runtime_s(st), span;

	if (!st->timeline.n || t <= 0)
		return 1;
	span = t - (double)(st->timeline.n - 1);
	return span > 1 ? 1 : span < 0.001 ? 0.001 : span;
}
