/* analyze's KV-cache section in text and JSON (cli/cmd_analyze_kv.c). */
#ifndef SR_CLI_ANALYZE_KV_H
#define SR_CLI_ANALYZE_KV_H

#include <jansson.h>
#include <stdio.h>

#include "trace/analyze.h"

/* Nothing when the trace has no KV records; labelled: per-layer bytes as kv.L. */
int sr_cli_analyze_kv_text(FILE *f, const struct sr_analysis *an, int labelled);
/* NULL when the trace has no KV records (or out of memory: *err set). */
json_t *sr_cli_analyze_kv_json(const struct sr_analysis *an, int labelled, int *err);

#endif
