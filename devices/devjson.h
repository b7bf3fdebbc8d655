/* The device report as JSON: one object per block device, built from
 * discovery (sr_blkdev) and the spec (sr_devspec); printing is the caller's. */
#ifndef SR_DEVJSON_H
#define SR_DEVJSON_H

#include <jansson.h>

#include "devices/discover.h"
#include "devices/spec.h"

/* A new reference: the string, or JSON null when S is NULL or empty. */
json_t *sr_json_str_or_null(const char *s);
/* A new reference: the device D with its spec S (fields unknown are null). */
json_t *sr_dev_json(const struct sr_blkdev *d, const struct sr_devspec *s);

#endif
