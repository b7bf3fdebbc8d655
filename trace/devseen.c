/* Devices seen in a block trace; see devseen.h. */
#include "trace/devseen.h"

#include <string.h>

static struct sr_trace_dev devs[SR_DEVSEEN_MAX];
static unsigned ndevs, last;
static int overflow;

void sr_trace_devs_reset(void)
{
	memset(devs, 0, sizeof(devs));
	ndevs = last = 0;
	overflow = 0;
}

void sr_trace_dev_seen(uint32_t major, uint32_t minor)
{
	unsigned i;

	/* nearly always the same device as the event before */
	if (ndevs && devs[last].major == major && devs[last].minor == minor) {
		devs[last].events++;
		return;
	}
	for (i = 0; i < ndevs; i++)
		if (devs[i].major == major && devs[i].minor == minor) {
			devs[i].events++;
			last = i;
			return;
		}
	if (ndevs == SR_DEVSEEN_MAX) {
		overflow = 1;
		return;
	}
	devs[ndevs] = (struct sr_trace_dev){ .major = major, .minor = minor, .events = 1 };
	last = ndevs++;
}

unsigned sr_trace_devs(struct sr_trace_dev *out, unsigned max, int *more)
{
	unsigned n = ndevs < max ? ndevs : max;

	memcpy(out, devs, n * sizeof(*out));
	if (more)
		*more = overflow || n < ndevs;
	return n;
}
