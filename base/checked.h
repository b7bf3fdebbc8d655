/* Checked arithmetic for every option and record field that is added or
 * multiplied: a wrap is reported (-ERANGE) instead of silently producing a
 * small number (a 0 step, an offset before the start, a time in the past). */
#ifndef SR_CHECKED_H
#define SR_CHECKED_H

#include <errno.h>
#include <stdint.h>

static inline int sr_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r) ? -ERANGE : 0;
}

static inline int sr_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_mul_overflow(a, b, r) ? -ERANGE : 0;
}

/* a + b <= limit, without wrapping (an extent [a, a+b) inside [0, limit)). */
static inline int sr_fits_u64(uint64_t a, uint64_t b, uint64_t limit)
{
	uint64_t end;

	return !sr_add_u64(a, b, &end) && end <= limit;
}

/* The value after v in a range lo..hi stepped by +step (geo 0) or xstep
 * (geo 1): 1 and *next when it is still <= hi, 0 at the end of the range
 * (including a step that would wrap). A step that cannot advance (+0, x0,
 * x1) is -EINVAL: the caller reports it as bad input instead of looping. */
static inline int sr_range_next(uint64_t v, uint64_t step, int geo, uint64_t hi, uint64_t *next)
{
	uint64_t n;

	if (geo ? step < 2 || v == 0 : step < 1)
		return -EINVAL;
	if (geo ? sr_mul_u64(v, step, &n) : sr_add_u64(v, step, &n))
		return 0;
	if (n > hi)
		return 0;
	*next = n;
	return 1;
}

#endif
