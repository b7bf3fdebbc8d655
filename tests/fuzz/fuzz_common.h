/* What the fuzz targets share: reading a source to the end while checking
 * the reader's contract, hashed so two passes (around a rewind, with other
 * batch sizes) can be compared. */
#ifndef SR_FUZZ_COMMON_H
#define SR_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/source.h"
#include "trace/blklat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_TIMED_TARGET0 = 1 }; /* every record has a time and target 0 */

static inline uint64_t fuzz_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

/* Hash of every record, or of the error; aborts on a broken contract. */
static inline uint64_t fuzz_read_pass(struct sr_source *s, size_t max, struct sr_rec *buf,
				      unsigned flags)
{
	struct sr_err e = { 0 };
	uint64_t h = 0xcbf29ce484222325ull;
	int n, i;

	while ((n = sr_source_next(s, buf, max, &e)) > 0) {
		if ((size_t)n > max || e.code)
			abort();
		for (i = 0; i < n; i++) {
			const struct sr_rec *r = &buf[i];

			if (r->op >= SR_OP_NR || (r->op != SR_OP_SYNC && !r->len) ||
			    r->off + r->len < r->off)
				abort();
			if ((flags & FUZZ_TIMED_TARGET0) && (r->t_ns == SR_T_NONE || r->target))
				abort();
			h = fuzz_mix(h, r->off);
			h = fuzz_mix(h, r->len);
			h = fuzz_mix(h, r->t_ns);
			h = fuzz_mix(h, r->seq);
			h = fuzz_mix(h, ((uint64_t)r->target << 32) | r->tag);
			h = fuzz_mix(h, r->op);
		}
	}
	if (n < 0) {
		if (e.code != n || !e.msg[0] || !memchr(e.msg, '\0', sizeof(e.msg)))
			abort();
		h = fuzz_mix(h, (uint64_t)n);
	}
	return h;
}

/* Read path as fmt with o once more, with the Q/D/C pairing on
 * (trace/blklat.h): the records, or the error, must be those of the read
 * without it (hash want, read in batches of max), and the pairing's sums
 * must hold together. */
static inline void fuzz_pair_pass(const char *path, const char *fmt, struct sr_trace_opts o, size_t max,
				  struct sr_rec *buf, unsigned flags, uint64_t want)
{
	const struct sr_blklat_dev *d[SR_BLKLAT_DEVS];
	struct sr_blklat *l = NULL;
	struct sr_source *s = NULL;
	struct sr_err e = { 0 };
	uint64_t ns, seq;
	unsigned n, i;

	if (sr_blklat_new(1, &l))
		abort();
	o.lat = l;
	if (sr_trace_open_opts(path, fmt, &o, &s, &e))
		abort(); /* it opened without the pairing */
	if (fuzz_read_pass(s, max, buf, flags) != want)
		abort();
	s->close(s);
	sr_blklat_finish(l);
	n = sr_blklat_devs(l, d, NULL);
	for (i = 0; i < n; i++)
		if (d[i]->q2d.n > d[i]->d || d[i]->d2c.n > d[i]->c || d[i]->q2c.n > d[i]->d2c.n ||
		    d[i]->q2c.n > d[i]->q2d.n || d[i]->d2c.n + d[i]->c_unmatched != d[i]->c)
			abort();
	for (seq = 0; seq < 64; seq++)
		if (!sr_blklat_lookup(l, seq, &ns) && ns == UINT64_MAX)
			abort();
	sr_blklat_free(l);
}

#endif
