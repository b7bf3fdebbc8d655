/* Fuzz the prefix-cache tier's request log (synth --kv-cache-tier
 * --requests FILE, "session,prompt_tokens" lines). The first input byte
 * picks the chunk size and how many objects the tier holds; the rest is
 * the log. A log that loads must give records inside the tier's slots,
 * reads only of chunks written before, and the same records after a
 * rewind; one that does not gets a one-line error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "synth/kv_sched.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_tensor t = { .name = "blk.0.attn_norm.weight", .type = 0, .n_dims = 1, .ne = { 64, 1, 1, 1 },
			       .off = 0, .bytes = 256, .layer = 0 };
	struct sr_model m = { .name = "fuzz", .arch = "llama", .tensors = &t, .n_tensors = 1, .file_size = 256 };
	struct sr_synth_opts o;
	struct sr_source *src = NULL;
	struct sr_err e = { 0 };
	struct sr_rec buf[64];
	char path[64];
	uint64_t h1, h2;
	int fd;

	if (!size)
		return 0;
	m.hp.n_layer = 1;
	m.hp.n_embd = 64;
	m.hp.n_head = 4;
	m.hp.n_head_kv = 2; /* 128 bytes of K and V per position */
	sr_synth_opts_default(&o);
	o.tier.on = 1;
	o.tier.chunk = 1u << (data[0] & 7);                           /* 1..128 tokens */
	o.tier.capacity = (1 + (data[0] >> 3)) * o.tier.chunk * 128; /* 1..32 objects */
	fd = memfd_create("fuzz_kvlog", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o.tier.log = path;
	if (sr_synth_open(&m, &o, &src, &e)) {
		if (!e.msg[0] || strchr(e.msg, '\n'))
			abort(); /* one line naming what was wrong */
		close(fd);
		return 0;
	}
	h1 = fuzz_read_pass(src, 7, buf, 0);
	if (src->rewind(src, &e))
		abort();
	h2 = fuzz_read_pass(src, 64, buf, 0);
	if (h1 != h2)
		abort();
	if (src->rewind(src, &e))
		abort();
	{
		int n, i;

		while ((n = sr_source_next(src, buf, 64, &e)) > 0)
			for (i = 0; i < n; i++)
				if (buf[i].off + buf[i].len > o.tier.capacity || !(buf[i].flags & SR_RF_KV))
					abort();
		if (n < 0)
			abort();
	}
	src->close(src);
	close(fd);
	return 0;
}
