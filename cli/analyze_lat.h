/* analyze's request latencies of a block trace with Q/D/C events
 * (trace/blklat.h), per device, in text and JSON (cli/cmd_analyze_lat.c). */
#ifndef SR_CLI_ANALYZE_LAT_H
#define SR_CLI_ANALYZE_LAT_H

#include <jansson.h>
#include <stdio.h>

#include "trace/blklat.h"

/* A "latency MAJ:MIN" line per device with paired events; nothing without. */
void sr_cli_analyze_lat_text(FILE *f, const struct sr_blklat *l);
/* Adds "latency" to each entry of devices (analyze's "devices" array, entries
 * {"dev": "MAJ:MIN", ...}) whose device had Q, D or C events. 0 or -ENOMEM. */
int sr_cli_analyze_lat_json(json_t *devices, const struct sr_blklat *l);

#endif
