/* Parsing and printing of sizes and durations, the way fio users write them. */
#ifndef SR_UNITS_H
#define SR_UNITS_H

#include <stdint.h>
#include <stddef.h>

/* "4096", "4k", "4K", "4KiB", "4KB", "1.5M", "2g", "1t": binary multiples
 * (fio's default kb_base=1024). Returns 0 or -EINVAL (junk, empty, negative)
 * or -ERANGE (does not fit in 64 bits). */
int sr_parse_size(const char *s, uint64_t *out);
/* "10", "10s", "500ms", "2m", "1h" -> nanoseconds. */
int sr_parse_duration(const char *s, uint64_t *out_ns);
/* Strict unsigned integer, whole string, base 10 (or 0x hex). */
int sr_parse_u64(const char *s, uint64_t *out);

/* "4096 B", "4.00 KiB", "1.50 GiB" */
char *sr_fmt_bytes(char *buf, size_t n, uint64_t bytes);

uint64_t sr_now_ns(void); /* CLOCK_MONOTONIC */

#endif
