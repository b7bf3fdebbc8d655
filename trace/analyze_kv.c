/* analyze's KV-cache section (trace/analyze_kv.h). */
#include "trace/analyze_kv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "base/record.h"

/* Open addressing; key is offset + 1 (0: empty). */
struct sr_kv_bp {
	uint64_t key;
	int64_t rd, touch; /* change in read coverage, in written-or-read coverage */
};

static struct sr_kv_bp *slot(struct sr_analyze_kv *k, uint64_t off)
{
	uint64_t mask = k->cap_bp - 1, i = sr_mix64(off) & mask;

	while (k->bp[i].key && k->bp[i].key != off + 1)
		i = (i + 1) & mask;
	return &k->bp[i];
}

static int grow(struct sr_analyze_kv *k)
{
	struct sr_kv_bp *old = k->bp;
	uint64_t n = k->cap_bp, i;

	k->cap_bp = n ? n * 2 : 1024;
	k->bp = calloc(k->cap_bp, sizeof(*k->bp));
	if (!k->bp) {
		k->bp = old;
		k->cap_bp = n;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (old[i].key)
			*slot(k, old[i].key - 1) = old[i];
	free(old);
	return 0;
}

static int mark(struct sr_analyze_kv *k, uint64_t off, int64_t rd, int64_t touch)
{
	struct sr_kv_bp *b;

	if (k->n_bp * 2 >= k->cap_bp && grow(k))
		return -ENOMEM;
	b = slot(k, off);
	if (!b->key) {
		b->key = off + 1;
		k->n_bp++;
	}
	b->rd += rd;
	b->touch += touch;
	return 0;
}

int sr_analyze_kv_add(struct sr_analyze_kv *k, const struct sr_rec *r, struct sr_err *e)
{
	long layer;
	int rd = r->op == SR_OP_READ;

	if ((r->flags & (SR_RF_TOKEN | SR_RF_PREFILL)) == SR_RF_TOKEN)
		k->steps++;
	if (!(r->flags & SR_RF_KV) || (r->op != SR_OP_READ && r->op != SR_OP_WRITE) || !r->len)
		return 0;
	if (!k->layer_bytes && !(k->layer_bytes = calloc(SR_KV_MAX_LAYERS + 1, sizeof(*k->layer_bytes))))
		return sr_errf(e, -ENOMEM, "out of memory");
	if (rd) {
		k->reads++;
		k->read_bytes += r->len;
	} else {
		k->writes++;
		k->write_bytes += r->len;
	}
	layer = sr_kv_tag_layer(r->tag);
	if (layer >= 0) {
		k->layer_bytes[layer] += r->len;
		if ((uint64_t)layer + 1 > k->layers)
			k->layers = (uint64_t)layer + 1;
		if (sr_kv_tag_seq(r->tag) + 1 > k->seqs)
			k->seqs = sr_kv_tag_seq(r->tag) + 1;
	}
	if (sr_kv_tag_v(r->tag))
		return 0; /* positions are counted on K (V, when cached, is read alike) */
	if (!rd && !(r->flags & SR_RF_PREFILL) && (!k->unit || r->len < k->unit))
		k->unit = r->len;
	if (mark(k, r->off, rd, 1) || mark(k, r->off + r->len, -rd, -1))
		return sr_errf(e, -ENOMEM, "out of memory for the KV position map");
	return 0;
}

void sr_analyze_kv_free(struct sr_analyze_kv *k)
{
	free(k->layer_bytes);
	free(k->bp);
	memset(k, 0, sizeof(*k));
}

uint64_t sr_analyze_kv_tokens(const struct sr_analyze_kv *k)
{
	return k->steps * (k->seqs ? k->seqs : 1);
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = ((const struct sr_kv_bp *)a)->key, y = ((const struct sr_kv_bp *)b)->key;

	return x < y ? -1 : x > y;
}

static int cmp_row(const void *a, const void *b)
{
	uint64_t x = ((const struct sr_kv_dist_row *)a)->reads, y = ((const struct sr_kv_dist_row *)b)->reads;

	return x < y ? -1 : x > y;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int sr_analyze_kv_dist(const struct sr_analyze_kv *k, struct sr_kv_dist *d)
{
	struct sr_kv_bp *v;
	uint64_t i, n = 0, g = 0, len;
	int64_t rd = 0, touch = 0;

	memset(d, 0, sizeof(*d));
	if (!k->n_bp)
		return 0;
	v = malloc(k->n_bp * sizeof(*v));
	d->rows = malloc(k->n_bp * sizeof(*d->rows));
	if (!v || !d->rows) {
		free(v);
		free(d->rows);
		d->rows = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < k->cap_bp; i++)
		if (k->bp[i].key)
			v[n++] = k->bp[i];
	qsort(v, n, sizeof(*v), cmp_key);
	/* stretches of equal read count among the bytes ever touched */
	for (i = 0; i + 1 < n; i++) {
		rd += v[i].rd;
		touch += v[i].touch;
		len = v[i + 1].key - v[i].key;
		if (touch <= 0 || !len)
			continue;
		g = gcd(g, len);
		if (d->n_rows && d->rows[d->n_rows - 1].reads == (uint64_t)rd)
			d->rows[d->n_rows - 1].positions += len; /* bytes for now */
		else
			d->rows[d->n_rows++] = (struct sr_kv_dist_row){ (uint64_t)rd, len };
	}
	free(v);
	d->unit = k->unit && g && g % k->unit == 0 ? k->unit : g ? g : 1;
	qsort(d->rows, d->n_rows, sizeof(*d->rows), cmp_row);
	for (i = 0, n = 0; i < d->n_rows; i++) {
		if (n && d->rows[n - 1].reads == d->rows[i].reads)
			d->rows[n - 1].positions += d->rows[i].positions;
		else
			d->rows[n++] = d->rows[i];
	}
	d->n_rows = n;
	for (i = 0; i < n; i++) {
		d->rows[i].positions /= d->unit;
		d->positions += d->rows[i].positions;
	}
	return 0;
}
