/* Fuzz the option value parsers every command uses (sizes, durations,
 * integers). The input is split at the first NUL: the text before it is
 * parsed by each parser. Contract checked: a parser either fails with
 * -EINVAL/-ERANGE and leaves its output alone, or succeeds with a value
 * consistent with a plain decimal reading of the digits. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"

#include "fuzz_common.h"

static void check_ret(int ret)
{
	if (ret && ret != -EINVAL && ret != -ERANGE)
		abort();
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
