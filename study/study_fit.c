/* The device curve (bandwidth vs request size from a sweep), request-size
 * mixes and the fitted tokens/s predictor of `ssdreplay study`.
 *
 * The predictor: per token, T = compute + io * (a*s + b*(1-s)), where io is
 * the time the run's request-size mix takes on the device curve, s its
 * sequential share, and a, b >= 0 are fitted by least squares on the
 * relative error of T over the runs. a and b absorb what the curve does not
 * know: overlap with compute and readahead (a < 1), and the cost of faults
 * and seeks (b > 1). Swap the curve for another device's (its calibrated or
 * spec curve) to predict that device. */
#include "study/study.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void sr_curve_add(struct sr_curve *c, uint64_t bs, double Bps)
{
	size_t i, k;

	for (i = 0; i < c->n; i++)
		if (c->bs[i] == bs) {
			if (Bps > c->Bps[i])
				c->Bps[i] = Bps;
			return;
		}
	if (c->n == SR_CURVE_MAX)
		return;
	for (k = c->n; k > 0 && c->bs[k - 1] > bs; k--) {
		c->bs[k] = c->bs[k - 1];
		c->Bps[k] = c->Bps[k - 1];
	}
	c->bs[k] = bs;
	c->Bps[k] = Bps;
	c->n++;
}

double sr_curve_at(const struct sr_curve *c, uint64_t bs)
{
	size_t i;
	double t;

	if (!c->n)
		return 0;
	if (bs <= c->bs[0])
		return c->Bps[0];
	if (bs >= c->bs[c->n - 1])
		return c->Bps[c->n - 1];
	for (i = 1; i < c->n && c->bs[i] < bs; i++)
		;
	t = (log2((double)bs) - log2((double)c->bs[i - 1])) / (log2((double)c->bs[i]) - log2((double)c->bs[i - 1]));
	return c->Bps[i - 1] + t * (c->Bps[i] - c->Bps[i - 1]);
}

void sr_mix_add_bytes(struct sr_mix *m, uint64_t len, double bytes)
{
	unsigned k = len <= 1 ? 0 : 64u - (unsigned)__builtin_clzll(len - 1);

	if (k > SR_MIX_BINS - 1)
		k = SR_MIX_BINS - 1;
	m->bytes[k] += bytes;
}

void sr_mix_add(struct sr_mix *m, uint64_t len)
{
	sr_mix_add_bytes(m, len, (double)len);
}

double sr_mix_total(const struct sr_mix *m)
{
	double s = 0;
	int k;

	for (k = 0; k < SR_MIX_BINS; k++)
		s += m->bytes[k];
	return s;
}

double sr_mix_seconds(const struct sr_mix *m, const struct sr_curve *c)
{
	double s = 0, bw;
	int k;

	for (k = 0; k < SR_MIX_BINS; k++) {
		if (!m->bytes[k])
			continue;
		bw = sr_curve_at(c, 1ull << k);
		if (bw <= 0)
			return 0;
		s += m->bytes[k] / bw;
	}
	return s;
}

static int usable(const struct sr_pred_run *r)
{
	return r->tps > 0 && r->io_s > 0 && r->compute_s >= 0 && isfinite(r->tps);
}

/* Fit over runs [0, n) except skip (or none: n); weights make the error
 * relative to the measured time per token. */
static int fit(const struct sr_pred_run *r, size_t n, size_t skip, double *a, double *b, int *one)
{
	double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0, det, w, x1, x2, y;
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (i == skip || !usable(&r[i]))
			continue;
		w = r[i].tps * r[i].tps; /* 1 / T^2 */
		x1 = r[i].io_s * r[i].seq;
		x2 = r[i].io_s * (1 - r[i].seq);
		y = 1 / r[i].tps - r[i].compute_s;
		s11 += w * x1 * x1;
		s12 += w * x1 * x2;
		s22 += w * x2 * x2;
		s1y += w * x1 * y;
		s2y += w * x2 * y;
		m++;
	}
	if (!m)
		return -EINVAL;
	det = s11 * s22 - s12 * s12;
	*one = 0;
	if (m >= 2 && det > 1e-9 * (s11 * s22)) {
		*a = (s1y * s22 - s2y * s12) / det;
		*b = (s2y * s11 - s1y * s12) / det;
		if (*a >= 0 && *b >= 0)
			return 0;
		/* a bound is active: the best with that coefficient at 0 */
		if (*a < 0) {
			*a = 0;
			*b = s22 > 0 ? fmax(0, s2y / s22) : 0;
		} else {
			*b = 0;
			*a = s11 > 0 ? fmax(0, s1y / s11) : 0;
		}
		return 0;
	}
	/* shares too alike to tell a from b: one multiplier on io */
	*one = 1;
	*a = *b = (s11 + 2 * s12 + s22) > 0 ? fmax(0, (s1y + s2y) / (s11 + 2 * s12 + s22)) : 0;
	return 0;
}

double sr_pred_tps(const struct sr_pred *p, double compute_s, double io_s, double seq)
{
	double t = compute_s + io_s * (p->a * seq + p->b * (1 - seq));

	return t > 0 ? 1 / t : 0;
}

int sr_pred_fit(struct sr_pred_run *r, size_t n, struct sr_pred *p)
{
	struct sr_pred q;
	double e = 0, le = 0;
	size_t i, m = 0;
	int one;

	memset(p, 0, sizeof(*p));
	p->mape = p->loo_mape = -1;
	for (i = 0; i < n; i++)
		m += usable(&r[i]);
	p->n = m;
	if (m < 2 || fit(r, n, n, &p->a, &p->b, &p->one_coef))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		r[i].pred_tps = r[i].loo_tps = 0;
		if (!usable(&r[i]))
			continue;
		r[i].pred_tps = sr_pred_tps(p, r[i].compute_s, r[i].io_s, r[i].seq);
		e += fabs(r[i].pred_tps - r[i].tps) / r[i].tps;
		memset(&q, 0, sizeof(q));
		if (!fit(r, n, i, &q.a, &q.b, &one))
			r[i].loo_tps = sr_pred_tps(&q, r[i].compute_s, r[i].io_s, r[i].seq);
		le += fabs(r[i].loo_tps - r[i].tps) / r[i].tps;
	}
	p->mape = 100 * e / (double)m;
	p->loo_mape = 100 * le / (double)m;
	return 0;
}
