#include "replay/engine.h"

#include <stdio.h>
#include <string.h>

const struct sr_engine_ops *const sr_engines[] = {
	&sr_engine_uring, &sr_engine_aio, &sr_engine_psync, &sr_engine_null, NULL,
};

const struct sr_engine_ops *sr_engine_find(const char *name)
{
	const struct sr_engine_ops *const *p;

	for (p = sr_engines; *p; p++)
		if (!strcmp((*p)->name, name))
			return *p;
	/* fio's names, so fio users' habits work */
	if (!strcmp(name, "uring"))
		return &sr_engine_uring;
	if (!strcmp(name, "aio"))
		return &sr_engine_aio;
	if (!strcmp(name, "sync"))
		return &sr_engine_psync;
	return NULL;
}

const char *sr_engine_list(char *buf, size_t n, unsigned skip, const char *last)
{
	const struct sr_engine_ops *const *p;
	size_t k = 0, left = 0, i = 0;

	for (p = sr_engines; *p; p++)
		left += !((*p)->flags & skip);
	buf[0] = 0;
	for (p = sr_engines; *p && k < n; p++) {
		if ((*p)->flags & skip)
			continue;
		k += (size_t)snprintf(buf + k, n - k, "%s%s", !i ? "" : i + 1 == left ? last : ", ", (*p)->name);
		i++;
	}
	return buf;
}
