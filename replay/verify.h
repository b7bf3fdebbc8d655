/* The data layout `prep` writes, so reads can be checked to land where they
 * should: every 512-byte sector starts with a header naming its own byte
 * offset and the run id of the prep that wrote it; the rest of the sector is
 * a pattern derived from both. */
#ifndef SR_VERIFY_H
#define SR_VERIFY_H

#include <stdint.h>
#include <stddef.h>

#define SR_VERIFY_SECTOR 512u
#define SR_VERIFY_MAGIC 0x59414c5052445353ull /* "SSDRPLAY" */

struct sr_verify_hdr {
	uint64_t magic;
	uint64_t off;    /* byte offset of this sector on the target */
	uint64_t run_id; /* the same in every sector written by one prep */
	uint64_t check;  /* magic ^ off ^ run_id, rotated: catches torn headers */
};

/* Fill buf (len a multiple of 512) with the layout for target offset off. */
void sr_verify_fill(void *buf, uint64_t off, size_t len, uint64_t run_id);
/* Check buf read from offset off. Returns 0, or -EILSEQ with *bad_off set to
 * the first sector that does not carry the right header. */
int sr_verify_check(const void *buf, uint64_t off, size_t len, uint64_t run_id,
		    uint64_t *bad_off);
/* Run id of a prepped target from its first sector; -ENODATA if it is not one. */
int sr_verify_run_id(const void *sector0, uint64_t *run_id);

#endif
