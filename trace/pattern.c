/* Built-in access patterns, like fio's rw=read and rw=randread over [0, size).
 *
 * rand visits each of the nblocks = size / bs blocks once per pass without
 * memory: a full-period LCG x' = (a x + c) mod M over M = the next power of
 * two >= nblocks (a % 4 == 1 and c odd make the period exactly M), its
 * output passed through a fixed bijection of [0, M) to hide the LCG's weak
 * low bits, and values >= nblocks skipped (fewer than half of them, since
 * M < 2 nblocks). a, c, the start and the bijection all derive from seed. */
#include "base/units.h"
#include "base/source.h"

#include <errno.h>
#include <stdlib.h>

struct pat_src {
	struct sr_source src;
	enum sr_pattern pat;
	int op;          /* SR_OP_READ, or SR_OP_WRITE with SR_PAT_WRITE */
	uint64_t bs;
	uint64_t nblocks;
	uint64_t i;      /* requests handed out in this pass */
	uint64_t mask;   /* M - 1 */
	unsigned shift;  /* for the output bijection */
	uint64_t a, c, mul;
	uint64_t x0, x;  /* LCG state at the start of a pass, and now */
};

/* A bijection of [0, M): xorshifts and an odd multiplier modulo M. */
static uint64_t scramble(const struct pat_src *p, uint64_t x)
{
	x ^= x >> p->shift;
	x = (x * p->mul) & p->mask;
	x ^= x >> p->shift;
	return x;
}

static uint64_t next_block(struct pat_src *p)
{
	uint64_t y;

	for (;;) {
		y = scramble(p, p->x);
		p->x = (p->a * p->x + p->c) & p->mask;
		if (y < p->nblocks)
			return y;
	}
}

static int pat_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct pat_src *p = (struct pat_src *)s;
	size_t n;
	uint64_t blk;

	(void)e;
	if (max > INT32_MAX)
		max = INT32_MAX;
	for (n = 0; n < max && p->i < p->nblocks; n++, p->i++) {
		blk = p->pat == SR_PAT_RAND ? next_block(p) : p->i;
		out[n] = (struct sr_rec){
			.off = blk * p->bs,
			.len = p->bs,
			.t_ns = SR_T_NONE,
			.seq = p->i,
			.op = p->op,
		};
	}
	return (int)n;
}

static int pat_rewind(struct sr_source *s, struct sr_err *e)
{
	struct pat_src *p = (struct pat_src *)s;

	(void)e;
	p->i = 0;
	p->x = p->x0;
	return 0;
}

static void pat_close(struct sr_source *s)
{
	free(s);
}

int sr_pattern_open(enum sr_pattern pat, uint64_t size, uint64_t bs, uint64_t seed,
		    struct sr_source **out, struct sr_err *e)
{
	struct pat_src *p;
	uint64_t m;
	unsigned bits = 0;

	int op = pat & SR_PAT_WRITE ? SR_OP_WRITE : SR_OP_READ;

	pat &= ~SR_PAT_WRITE;
	if (pat != SR_PAT_SEQ && pat != SR_PAT_RAND)
		return sr_inputf(e, "unknown pattern %d", (int)pat);
	if (!bs)
		return sr_inputf(e, "pattern: block size must be > 0");
	if (size < bs)
		return sr_inputf(e, "pattern: size %llu is smaller than the block size %llu",
				 (unsigned long long)size, (unsigned long long)bs);
	p = calloc(1, sizeof(*p));
	if (!p)
		return sr_errf(e, -ENOMEM, "pattern: out of memory");
	p->src.name = pat == SR_PAT_RAND ? (op == SR_OP_WRITE ? "pattern:randwrite" : "pattern:rand")
					 : (op == SR_OP_WRITE ? "pattern:write" : "pattern:seq");
	p->src.format = "pattern";
	p->src.next = pat_next;
	p->src.rewind = pat_rewind;
	p->src.close = pat_close;
	p->pat = pat;
	p->op = op;
	p->bs = bs;
	p->nblocks = size / bs;

	m = p->nblocks - 1; /* smear to the mask of the next power of two */
	m |= m >> 1;
	m |= m >> 2;
	m |= m >> 4;
	m |= m >> 8;
	m |= m >> 16;
	m |= m >> 32;
	p->mask = m;
	while (m) {
		bits++;
		m >>= 1;
	}
	p->shift = bits / 2 + 1;
	p->a = (sr_splitmix64(&seed) << 2) | 1;
	p->c = sr_splitmix64(&seed) | 1;
	p->mul = sr_splitmix64(&seed) | 1;
	p->x0 = sr_splitmix64(&seed) & p->mask;
	p->x = p->x0;
	*out = &p->src;
	return 0;
}
