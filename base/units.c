#include "base/units.h"
#include "base/record.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *sr_op_name(int op)
{
	static const char *const names[SR_OP_NR] = { "read", "write", "trim", "sync" };

	return op >= 0 && op < SR_OP_NR ? names[op] : "?";
}

int sr_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	/* base 10, or 0x hex: never octal, "010" is ten */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (end == s || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && end == s + 2))
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static unsigned kb_base = 1024;

int sr_units_set_kb_base(unsigned base)
{
	if (base != 1000 && base != 1024)
		return -EINVAL;
	kb_base = base;
	return 0;
}

/* K, KB, KiB (and M, G, T, P): 1024^n, except with kb_base 1000 where the
 * SI spellings (K, KB) are 1000^n and only the IEC ones (KiB) 1024^n, as
 * fio's kb_base=1000 reads them. */
static int suffix_mult(const char *sfx, uint64_t *mult)
{
	static const char units[] = "bkmgtp";
	const char *p;
	unsigned pow, i, base = kb_base;

	*mult = 1;
	if (!*sfx)
		return 0;
	p = strchr(units, tolower((unsigned char)sfx[0]));
	if (!p)
		return -EINVAL;
	pow = (unsigned)(p - units);
	sfx++;
	if (p == units) /* "B" alone */
		return *sfx ? -EINVAL : 0;
	if (*sfx == 'i' || *sfx == 'I') {
		base = 1024;
		sfx++;
	}
	if (*sfx == 'b' || *sfx == 'B')
		sfx++;
	for (i = 0; i < pow; i++)
		*mult *= base;
	return *sfx ? -EINVAL : 0;
}

int sr_parse_size(const char *s, uint64_t *out)
{
	const char *p = s;
	char *end;
	uint64_t mult;
	int ret;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		double v;

		errno = 0;
		v = strtod(s, &end);
		if (errno || end == s)
			return -EINVAL;
		ret = suffix_mult(end, &mult);
		if (ret)
			return ret;
		v *= (double)mult;
		if (v >= 18446744073709551615.0)
			return -ERANGE;
		*out = (uint64_t)v;
		return 0;
	}
	{
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
		ret = suffix_mult(end, &mult);
		if (ret)
			return ret;
		if (v > UINT64_MAX / mult)
			return -ERANGE;
		*out = (uint64_t)v * mult;
	}
	return 0;
}

int sr_parse_duration(const char *s, uint64_t *out_ns)
{
	static const struct {
		const char *sfx;
		uint64_t mul;
	} units[] = {
		{ "", 1000000000ull }, { "s", 1000000000ull }, { "ms", 1000000ull }, { "us", 1000ull },
		{ "ns", 1 }, { "m", 60000000000ull }, { "h", 3600000000000ull },
	};
	unsigned long long whole = 0;
	const char *p = s;
	char *end;
	double v = 0;
	int frac;
	size_t i;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	/* Whole numbers are exact ("8461754017s"); only fractions go through double. */
	while (isdigit((unsigned char)*p))
		p++;
	frac = *p == '.' || *p == 'e' || *p == 'E' || *p == 'x' || *p == 'X';
	errno = 0;
	if (frac)
		v = strtod(s, &end);
	else
		whole = strtoull(s, &end, 10);
	if (errno || end == s || v < 0)
		return errno == ERANGE && !frac ? -ERANGE : -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].sfx))
			continue;
		if (!frac) {
			if (whole > UINT64_MAX / units[i].mul)
				return -ERANGE;
			*out_ns = whole * units[i].mul;
			return 0;
		}
		v *= (double)units[i].mul;
		if (v >= 1.8e19)
			return -ERANGE;
		*out_ns = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

char *sr_fmt_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, n, "%.2f %s", v, u[i]);
	return buf;
}

uint64_t sr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
