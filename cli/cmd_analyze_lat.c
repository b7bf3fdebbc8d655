/* analyze's Q2D, D2C and Q2C latencies per device (cli/analyze_lat.h): what
 * btt prints as MIN/AVG/MAX/N, and the p50 and p99 of the sr_hist (within
 * 1.6%). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/analyze_lat.h"

static int has_events(const struct sr_blklat_dev *d)
{
	return d->q || d->d || d->c;
}

static void text_one(FILE *f, const char *name, const struct sr_hist *h)
{
	if (!h->n) {
		fprintf(f, "    %s: none paired\n", name);
		return;
	}
	fprintf(f, "    %s (us): n=%" PRIu64 " mean=%.3f p50=%.3f p99=%.3f max=%.3f\n", name, h->n,
		sr_hist_mean(h) / 1e3, (double)sr_hist_pct(h, 50) / 1e3, (double)sr_hist_pct(h, 99) / 1e3,
		(double)h->max / 1e3);
}

void sr_cli_analyze_lat_text(FILE *f, const struct sr_blklat *l)
{
	const struct sr_blklat_dev *devs[SR_BLKLAT_DEVS], *d;
	uint64_t dropped;
	unsigned n = l ? sr_blklat_devs(l, devs, &dropped) : 0, i;

	for (i = 0; i < n; i++) {
		d = devs[i];
		if (!has_events(d))
			continue;
		fprintf(f, "  latency %u:%u: %" PRIu64 " Q, %" PRIu64 " D, %" PRIu64
			   " C events, paired by device and sector as btt does\n",
			d->major, d->minor, d->q, d->d, d->c);
		text_one(f, "Q2D", &d->q2d);
		text_one(f, "D2C", &d->d2c);
		text_one(f, "Q2C", &d->q2c);
		if (d->d_without_q || d->c_unmatched || d->q_replaced || d->d_replaced || d->merged ||
		    d->requeued || d->q_pending || d->d_pending)
			fprintf(f, "    unpaired: %" PRIu64 " D without a Q, %" PRIu64 " C without a D, %" PRIu64
				   " Q and %" PRIu64 " D replaced by another at the sector, %" PRIu64
				   " merged, %" PRIu64 " requeued; at the end %" PRIu64 " queued and %" PRIu64
				   " issued never completed\n",
				d->d_without_q, d->c_unmatched, d->q_replaced, d->d_replaced, d->merged,
				d->requeued, d->q_pending, d->d_pending);
	}
	if (n && dropped)
		fprintf(f, "  latency: %" PRIu64 " events of devices beyond the first %u not paired\n", dropped,
			SR_BLKLAT_DEVS);
}

#define JU(v) json_integer((json_int_t)(v))

static json_t *json_one(const struct sr_hist *h)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "count", JU(h->n), "mean", json_real(h->n ? sr_hist_mean(h) : 0),
			 "p50", JU(sr_hist_pct(h, 50)), "p99", JU(sr_hist_pct(h, 99)), "max", JU(h->n ? h->max : 0));
}

static json_t *json_dev(const struct sr_blklat_dev *d)
{
	return json_pack("{s:{s:o,s:o,s:o},s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}}",
			 "events", "q", JU(d->q), "d", JU(d->d), "c", JU(d->c),
			 "q2d_ns", json_one(&d->q2d), "d2c_ns", json_one(&d->d2c), "q2c_ns", json_one(&d->q2c),
			 "unpaired", "d_without_q", JU(d->d_without_q), "c_without_d", JU(d->c_unmatched),
			 "q_replaced", JU(d->q_replaced), "d_replaced", JU(d->d_replaced), "merged", JU(d->merged),
			 "requeued", JU(d->requeued), "q_pending", JU(d->q_pending), "d_pending", JU(d->d_pending));
}

int sr_cli_analyze_lat_json(json_t *devices, const struct sr_blklat *l)
{
	const struct sr_blklat_dev *devs[SR_BLKLAT_DEVS];
	unsigned n = l ? sr_blklat_devs(l, devs, NULL) : 0, i;
	char name[32];
	json_t *ent, *o;
	size_t k;

	for (i = 0; i < n; i++) {
		if (!has_events(devs[i]))
			continue;
		snprintf(name, sizeof(name), "%u:%u", devs[i]->major, devs[i]->minor);
		json_array_foreach(devices, k, ent) {
			o = json_object_get(ent, "dev");
			if (!json_is_string(o) || strcmp(json_string_value(o), name))
				continue;
			o = json_dev(devs[i]);
			if (!o || json_object_set_new(ent, "latency", o))
				return -ENOMEM;
		}
	}
	return 0;
}
