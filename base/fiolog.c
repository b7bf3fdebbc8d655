/* fio's log files from per-interval sums; see fiolog.h. */
#include "base/fiolog.h"
#include "base/outfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct sr_fiolog *l, size_t need)
{
	size_t cap = l->cap ? l->cap : 64;
	struct sr_fiolog_slot *s;

	while (cap < need)
		cap *= 2;
	s = realloc(l->s, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + l->cap, 0, (cap - l->cap) * sizeof(*s));
	l->s = s;
	l->cap = cap;
	return 0;
}

int sr_fiolog_add(struct sr_fiolog *l, uint64_t t_ns, int op, uint64_t bytes, uint64_t lat_ns)
{
	size_t i;

	if (!l->interval_ns || (op != 0 && op != 1))
		return 0;
	i = t_ns / l->interval_ns;
	if (i >= l->cap && grow(l, i + 1))
		return -ENOMEM;
	if (i >= l->n)
		l->n = i + 1;
	l->s[i].bytes[op] += bytes;
	l->s[i].ios[op]++;
	l->s[i].lat_sum[op] += lat_ns;
	return 0;
}

int sr_fiolog_merge(struct sr_fiolog *dst, const struct sr_fiolog *src)
{
	size_t i;
	int op;

	if (src->n > dst->cap && grow(dst, src->n))
		return -ENOMEM;
	for (i = 0; i < src->n; i++)
		for (op = 0; op < 2; op++) {
			dst->s[i].bytes[op] += src->s[i].bytes[op];
			dst->s[i].ios[op] += src->s[i].ios[op];
			dst->s[i].lat_sum[op] += src->s[i].lat_sum[op];
		}
	if (src->n > dst->n)
		dst->n = src->n;
	return 0;
}

void sr_fiolog_free(struct sr_fiolog *l)
{
	free(l->s);
	l->s = NULL;
	l->n = l->cap = 0;
}

/* One log: kind 0 bw (KiB/s), 1 mean latency (ns), 2 IOPS. A sample per
 * interval and direction that saw I/O, stamped at the interval's end (as
 * fio stamps averaged samples). */
static int write_one(const struct sr_fiolog *l, const char *path, int kind, uint64_t runtime_ns,
		     struct sr_err *e)
{
	struct sr_outfile o;
	FILE *f;
	size_t i;
	int op, ret = sr_outfile_open(&o, path, e);

	if (ret || !l) {
		sr_outfile_abort(&o); /* l NULL: only checking that path can be written */
		return ret;
	}
	f = o.f;
	for (i = 0; i < l->n; i++) {
		uint64_t end = (i + 1) * l->interval_ns, len = l->interval_ns;

		if (runtime_ns && end > runtime_ns && runtime_ns > i * l->interval_ns) {
			len = runtime_ns - i * l->interval_ns; /* the last, partial interval */
			end = runtime_ns;
		}
		for (op = 0; op < 2; op++) {
			const struct sr_fiolog_slot *s = &l->s[i];
			uint64_t v;

			if (!s->ios[op])
				continue;
			if (kind == 0)
				v = (uint64_t)((double)s->bytes[op] / 1024 / ((double)len / 1e9));
			else if (kind == 1)
				v = s->lat_sum[op] / s->ios[op];
			else
				v = (uint64_t)((double)s->ios[op] / ((double)len / 1e9));
			fprintf(f, "%" PRIu64 ", %" PRIu64 ", %d, 0, 0\n", end / 1000000, v, op);
		}
	}
	return sr_outfile_commit(&o, e);
}

int sr_fiolog_write(const struct sr_fiolog *l, const char *prefix, unsigned which, uint64_t runtime_ns,
		    struct sr_err *e)
{
	static const struct {
		unsigned flag;
		const char *sfx;
		int kind;
	} logs[] = {
		{ SR_FIOLOG_BW, "bw", 0 }, { SR_FIOLOG_LAT, "lat", 1 }, { SR_FIOLOG_LAT, "clat", 1 },
		{ SR_FIOLOG_IOPS, "iops", 2 },
	};
	char path[4096];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		if (!(which & logs[i].flag))
			continue;
		/* submission is not timed apart: lat and clat hold the same figures */
		if ((size_t)snprintf(path, sizeof(path), "%s_%s.1.log", prefix, logs[i].sfx) >= sizeof(path))
			return sr_inputf(e, "%s: log name too long", prefix);
		ret = write_one(l, path, logs[i].kind, runtime_ns, e);
		if (ret)
			return ret;
	}
	return 0;
}
