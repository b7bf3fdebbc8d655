/* What the fuzz targets share: reading a source to the end while checking
 * the reader's contract, hashed so two passes (around a rewind, with other
 * batch sizes) can be compared. */
#ifndef SR_FUZZ_COMMON_H
#define SR_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/source.h"

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

#endif
