/* The analysis as JSON: the sections every analyze report has (analyze,
 * totals, unique, amplification, coverage, gaps, sizes, passes, time), built
 * from the analysis and what the caller knows of its input; printing is the
 * caller's. */
#ifndef SR_ANALYZE_JSON_H
#define SR_ANALYZE_JSON_H

#include <jansson.h>

#include "trace/analyze.h"

struct sr_analysis_json_in {
	const char *source;    /* the trace file */
	const char *format;    /* its format name */
	int filtered;          /* records were filtered (--event/--dev/...) */
	json_t *devices;       /* stolen: the devices section */
	const char *size_from; /* size, target, model or extent */
	const char *target;    /* or NULL */
};

/* A new reference: the report's object with its sections, in order. */
json_t *sr_analysis_json(const struct sr_analysis *an, const struct sr_analysis_res *r,
			 const struct sr_analysis_json_in *in);

#endif
