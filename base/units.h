/* Parsing and printing of sizes and durations, the way fio users write them. */
#ifndef SR_UNITS_H
#define SR_UNITS_H

#include <stdint.h>
#include <stddef.h>

/* "4096", "4k", "4K", "4KiB", "4KB", "1.5M", "2g", "1t": binary multiples
 * (fio's default kb_base=1024 reads K and KB so; fio then reads KiB as 1000,
 * which ssdreplay does not). After sr_units_set_kb_base(1000) (fio's
 * kb_base=1000): K, KB are 1000^n and KiB 1024^n. Returns 0 or -EINVAL
 * (junk, empty, negative) or -ERANGE (does not fit in 64 bits). */
int sr_parse_size(const char *s, uint64_t *out);
/* 1024 (default) or 1000; -EINVAL otherwise. Process-wide, like the
 * command line it comes from. */
int sr_units_set_kb_base(unsigned base);
/* "10", "10s", "500ms", "2m", "1h" -> nanoseconds. */
int sr_parse_duration(const char *s, uint64_t *out_ns);
/* Strict unsigned integer, whole string, base 10 (or 0x hex). */
int sr_parse_u64(const char *s, uint64_t *out);

/* "4096 B", "4.00 KiB", "1.50 GiB" */
char *sr_fmt_bytes(char *buf, size_t n, uint64_t bytes);

uint64_t sr_now_ns(void); /* CLOCK_MONOTONIC */

/* splitmix64 (Steele, Lea, Flood): the one mixer every seeded generator uses.
 * sr_mix64_fin is its finaliser; sr_mix64(z) hashes z (the finaliser of
 * z + the golden gamma); sr_splitmix64 steps a state. */
#define SR_GOLDEN_GAMMA 0x9e3779b97f4a7c15ull
static inline uint64_t sr_mix64_fin(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static inline uint64_t sr_mix64(uint64_t z)
{
	return sr_mix64_fin(z + SR_GOLDEN_GAMMA);
}
static inline uint64_t sr_splitmix64(uint64_t *state)
{
	return sr_mix64_fin(*state += SR_GOLDEN_GAMMA);
}

#endif
