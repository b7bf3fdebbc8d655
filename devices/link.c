/* PCIe link payload ceilings. Per lane: Gen1 2.5 GT/s and Gen2 5 GT/s use
 * 8b/10b encoding; Gen3 8, Gen4 16 and Gen5 32 GT/s use 128b/130b (0.985,
 * 1.969, 3.938 GB/s per lane); Gen6 64 GT/s uses PAM4 with 256-byte FLITs of
 * which 242 bytes carry TLP and DLLP data (236 + 6; the rest is CRC and
 * FEC). This is the raw payload rate after line encoding; TLP headers and
 * flow control take a further few percent, so drives top out below it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/discover.h"
#include "devices/spec.h"

static const struct {
	double gts;
	double eff; /* encoding efficiency */
} gens[] = {
	[1] = { 2.5, 8.0 / 10.0 },  [2] = { 5.0, 8.0 / 10.0 },
	[3] = { 8.0, 128.0 / 130.0 }, [4] = { 16.0, 128.0 / 130.0 },
	[5] = { 32.0, 128.0 / 130.0 }, [6] = { 64.0, 242.0 / 256.0 },
};
#define NR_GENS (sizeof(gens) / sizeof(gens[0]))

double sr_pcie_link_Bps(unsigned gen, unsigned lanes)
{
	if (!gen || gen >= NR_GENS || !lanes || lanes > 32)
		return 0;
	return gens[gen].gts * 1e9 * gens[gen].eff / 8.0 * lanes;
}

double sr_pcie_gts_of_gen(unsigned gen)
{
	return gen && gen < NR_GENS ? gens[gen].gts : 0;
}

unsigned sr_pcie_gen_of_gts(double gts)
{
	unsigned g;

	for (g = 1; g < NR_GENS; g++)
		if (gts > gens[g].gts * 0.97 && gts < gens[g].gts * 1.03)
			return g;
	return 0;
}

/* sysfs current_link_speed: "16.0 GT/s PCIe" (Linux >= 5.x), "8 GT/s" or
 * "2.5 GT/s" (older), "Unknown speed" / "Unknown" when the link is down. */
double sr_pcie_parse_gts(const char *s)
{
	char *end;
	double v;

	if (!s)
		return 0;
	v = strtod(s, &end);
	if (end == s || v <= 0 || v > 1000)
		return 0;
	while (*end == ' ')
		end++;
	return strncmp(end, "GT/s", 4) ? 0 : v;
}

void sr_pcie_desc(char *buf, size_t n, unsigned gen, unsigned lanes)
{
	double gts = sr_pcie_gts_of_gen(gen);

	if (!gen || !lanes)
		snprintf(buf, n, "%s", "");
	else if (gts)
		snprintf(buf, n, "PCIe %u.0 x%u (%.1f GT/s)", gen, lanes, gts);
	else
		snprintf(buf, n, "PCIe %u.0 x%u", gen, lanes);
}
