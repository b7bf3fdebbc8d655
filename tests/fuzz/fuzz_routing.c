/* Fuzz the routing log reader (--routing log:FILE, CSV token,layer,e1 e2 ...)
 * and the --routing spec parser. The first input byte picks the model shape
 * (layers, experts, k, tokens needed); the rest becomes the log file. A log
 * that loads must route every (token, layer) of the schedule to k distinct
 * experts below n_expert, in ascending order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "synth/routing.h"
#include "synth/schedule.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_routing rt = { 0 };
	struct sr_router *r = NULL;
	struct sr_err e = { 0 };
	uint8_t moe[4] = { 1, 1, 0, 1 };
	struct sr_router_cfg c = { .moe = moe, .seed = 1 };
	char path[64], spec[80];
	uint16_t ex[8];
	uint64_t t;
	uint32_t l, i;
	int fd;

	if (!size)
		return 0;
	c.n_layer = 1 + (data[0] & 3);        /* 1..4 */
	c.n_expert = 2 + ((data[0] >> 2) & 7); /* 2..9 */
	c.k = 1 + ((data[0] >> 5) & 1);       /* 1..2 */
	c.n_tokens = 1 + ((data[0] >> 6) & 3); /* 1..4 */
	fd = memfd_create("fuzz_routing", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(spec, sizeof(spec), "log:%s", path);
	if (sr_routing_parse(spec, &rt, &e))
		abort(); /* a well-formed spec always parses */
	if (sr_router_open(&rt, &c, &r, &e) == 0) {
		for (t = 0; t < c.n_tokens; t++)
			for (l = 0; l < c.n_layer; l++) {
				if (!moe[l])
					continue;
				sr_router_route(r, t, l, ex);
				for (i = 0; i < c.k; i++)
					if (ex[i] >= c.n_expert || (i && ex[i] <= ex[i - 1]))
						abort();
			}
		sr_router_close(r);
	} else if (!e.msg[0] || strchr(e.msg, '\n')) {
		abort(); /* one line naming what was wrong */
	}
	close(fd);

	/* The same bytes as a --routing argument: parse or a one-line error. */
	{
		char arg[64];
		size_t n = size - 1 < sizeof(arg) - 1 ? size - 1 : sizeof(arg) - 1;

		memcpy(arg, data + 1, n);
		arg[n] = '\0';
		memset(&rt, 0, sizeof(rt));
		sr_err_clear(&e);
		if (sr_routing_parse(arg, &rt, &e) && (!e.msg[0] || strchr(e.msg, '\n')))
			abort();
	}
	return 0;
}
