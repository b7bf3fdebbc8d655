#include "replay/verify.h"

#include <errno.h>
#include <string.h>

static uint64_t check_of(uint64_t off, uint64_t run_id)
{
	uint64_t x = SR_VERIFY_MAGIC ^ off ^ run_id;

	return (x << 17) | (x >> 47);
}

void sr_verify_fill(void *buf, uint64_t off, size_t len, uint64_t run_id)
{
	unsigned char *p = buf;
	size_t i, j;

	for (i = 0; i + SR_VERIFY_SECTOR <= len; i += SR_VERIFY_SECTOR) {
		struct sr_verify_hdr h = {
			.magic = SR_VERIFY_MAGIC,
			.off = off + i,
			.run_id = run_id,
			.check = check_of(off + i, run_id),
		};
		uint64_t x = h.check;

		memcpy(p + i, &h, sizeof(h));
		/* xorshift stream: cheap, and a stale or shifted sector differs */
		for (j = sizeof(h); j < SR_VERIFY_SECTOR; j += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(p + i + j, &x, 8);
		}
	}
}

int sr_verify_check(const void *buf, uint64_t off, size_t len, uint64_t run_id,
		    uint64_t *bad_off)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i + SR_VERIFY_SECTOR <= len; i += SR_VERIFY_SECTOR) {
		struct sr_verify_hdr h;

		memcpy(&h, p + i, sizeof(h));
		if (h.magic != SR_VERIFY_MAGIC || h.off != off + i || h.run_id != run_id ||
		    h.check != check_of(off + i, run_id)) {
			*bad_off = off + i;
			return -EILSEQ;
		}
	}
	return 0;
}

int sr_verify_run_id(const void *sector0, uint64_t *run_id)
{
	struct sr_verify_hdr h;

	memcpy(&h, sector0, sizeof(h));
	if (h.magic != SR_VERIFY_MAGIC || h.off != 0 || h.check != check_of(0, h.run_id))
		return -ENODATA;
	*run_id = h.run_id;
	return 0;
}
