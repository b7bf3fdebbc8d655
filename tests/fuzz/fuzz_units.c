/* Fuzz the option value parsers every command uses (sizes, durations,
 * integers). The input is split at the first NUL: the text before it is
 * parsed by each parser. Contract checked: a parser either fails with
 * -EINVAL/-ERANGE and leaves its output alone, or succeeds with a value
 * consistent with a plain decimal reading of the digits. The same bytes
 * read as integers drive the checked arithmetic (base/checked.h): it must
 * agree with 128-bit arithmetic, and a range walk must rise and stop. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "base/checked.h"
#include "base/membudget.h"

#include "fuzz_common.h"

static void check_ret(int ret)
{
	if (ret && ret != -EINVAL && ret != -ERANGE)
		abort();
}

static void check_arith(const uint8_t *data, size_t size)
{
	uint64_t x[4] = { 0 }, r, v, next, prod;
	unsigned __int128 w;
	unsigned steps = 0;
	int geo, ovf;

	memcpy(x, data, size < sizeof(x) ? size : sizeof(x));
	w = (unsigned __int128)x[0] + x[1];
	if (sr_add_u64(x[0], x[1], &r) ? w <= UINT64_MAX : r != (uint64_t)w)
		abort();
	w = (unsigned __int128)x[0] * x[1];
	if (sr_mul_u64(x[0], x[1], &r) ? w <= UINT64_MAX : r != (uint64_t)w)
		abort();
	if (sr_fits_u64(x[0], x[1], x[2]) != ((unsigned __int128)x[0] + x[1] <= x[2]))
		abort();
	w = (unsigned __int128)x[0] * x[1]; /* the product left to right, as it wraps */
	ovf = w > UINT64_MAX;
	if (!ovf)
		w *= x[2], ovf = w > UINT64_MAX;
	if (sr_mem_product(x, 3, &prod) ? !ovf : ovf || prod != (uint64_t)w)
		abort();
	/* a range lo..hi stepped by x[3] (geo when its low bit is set) */
	geo = (int)(x[3] & 1);
	v = x[0] % 4096 + 1;
	while (steps++ < 70) {
		int ret = sr_range_next(v, x[3] >> 1, geo, x[2], &next);

		if (ret < 0 || !ret)
			break;
		if (next <= v || next > x[2])
			abort(); /* a walk that does not rise or leaves the range */
		if (!geo && steps > 4096)
			break;
		v = next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t canary = 0x5a5a5a5a5a5a5a5aull;
	uint64_t v = canary, d = canary, u = canary;
	char buf[256];
	size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
	int rs, rd, ru;

	memcpy(buf, data, n);
	buf[n] = '\0';
	check_arith(data, size);

	rs = sr_parse_size(buf, &v);
	rd = sr_parse_duration(buf, &d);
	ru = sr_parse_u64(buf, &u);
	check_ret(rs);
	check_ret(rd);
	check_ret(ru);
	if ((rs && v != canary) || (rd && d != canary) || (ru && u != canary))
		abort(); /* a failed parse must not write its output */
	/* A plain decimal integer means the same to all three parsers. */
	if (!ru && buf[0] != '0' && buf[0] >= '1' && buf[0] <= '9') {
		if (rs || v != u)
			abort();
		if (!rd && d / 1000000000ull != u)
			abort();
	}
	if (!rs && buf[0] && strspn(buf, "0123456789") == strlen(buf) && ru)
		abort(); /* digits the size parser took must fit u64 too */
	return 0;
}
