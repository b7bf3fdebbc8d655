/* The analysis as JSON (`analyze --json`): one object, a section per topic.
 * Builds the object only; the caller adds its own sections and prints it. */
#include "trace/analyze_json.h"

#include <math.h>
#include <stdio.h>

#define JU(v) json_integer((json_int_t)(v))
#define SET(o, k, v) json_object_set_new(o, k, v)

static json_t *json_sizes(const struct sr_size_hist *h1, const struct sr_size_hist *h2)
{
	json_t *o = json_object();
	char key[24];
	unsigned k;

	for (k = 0; k < SR_SIZE_BUCKETS; k++) {
		uint64_t v = h1->b[k] + (h2 ? h2->b[k] : 0);

		if (!v)
			continue;
		snprintf(key, sizeof(key), "%llu", 1ull << k);
		SET(o, key, JU(v));
	}
	return o;
}

/* The "time" section: bandwidth, inter-arrival and the per-second timeline. */
static json_t *json_time(const struct sr_analysis *an, const struct sr_analysis_res *r)
{
	json_t *o = json_object();
	size_t s;

	SET(o, "timestamps", json_boolean(r->timed));
	SET(o, "timed_requests", JU(an->timed));
	if (r->timed) {
		json_t *tl = json_array();

		SET(o, "span_s", json_real(r->span_s));
		SET(o, "first_second", JU(r->first_sec));
		SET(o, "seconds", JU(r->seconds));
		SET(o, "bw_avg_Bps", JU(llround(r->bw_avg)));
		SET(o, "bw_peak_Bps", JU(r->bw_peak));
		SET(o, "peak_second", JU(r->peak_sec));
		SET(o, "backwards", JU(an->t_backwards));
		SET(o, "interarrival_ns", json_pack("{s:I,s:f,s:I,s:I,s:I,s:I}", "N", (json_int_t)an->iat.n,
						    "mean", sr_hist_mean(&an->iat), "min",
						    (json_int_t)(an->iat.n ? an->iat.min : 0), "p50",
						    (json_int_t)r->iat_p50, "p99", (json_int_t)r->iat_p99,
						    "max", (json_int_t)an->iat.max));
		for (s = r->first_sec; s < an->tl.n; s++)
			json_array_append_new(tl, JU(an->tl.s[s].bytes[0] + an->tl.s[s].bytes[1]));
		SET(o, "timeline_bytes", tl);
	}
	return o;
}

json_t *sr_analysis_json(const struct sr_analysis *an, const struct sr_analysis_res *r,
			 const struct sr_analysis_json_in *in)
{
	json_t *root = json_object(), *o;

	SET(root, "analyze", o = json_object());
	SET(o, "version", json_string(SR_VERSION));
	SET(o, "source", json_string(in->source));
	SET(o, "format", json_string(in->format));
	SET(o, "level", json_string(sr_trace_format_level(in->format)));
	SET(o, "page", JU(an->page));
	SET(o, "filtered", json_boolean(in->filtered));
	SET(o, "targets", JU((uint64_t)an->max_target + 1));
	SET(o, "devices", in->devices);

	SET(root, "totals", o = json_object());
	SET(o, "records", JU(an->records));
	SET(o, "requests", JU(an->requests));
	SET(o, "reads", JU(an->ops[SR_OP_READ]));
	SET(o, "writes", JU(an->ops[SR_OP_WRITE]));
	SET(o, "trims", JU(an->ops[SR_OP_TRIM]));
	SET(o, "syncs", JU(an->ops[SR_OP_SYNC]));
	SET(o, "zero_length", JU(an->zero_len));
	SET(o, "read_bytes", JU(an->bytes[SR_OP_READ]));
	SET(o, "write_bytes", JU(an->bytes[SR_OP_WRITE]));
	SET(o, "trim_bytes", JU(an->bytes[SR_OP_TRIM]));
	SET(o, "extent_bytes", JU(an->extent));

	SET(root, "unique", o = json_object());
	SET(o, "read_pages", JU(r->read_pages));
	SET(o, "write_pages", JU(r->write_pages));
	SET(o, "pages", JU(r->pages));
	SET(o, "reread_pages", JU(r->reread_pages));
	SET(o, "read_bytes", JU(r->read_unique));
	SET(o, "write_bytes", JU(r->write_unique));
	SET(o, "bytes", JU(r->unique));
	SET(o, "reread_bytes", JU(r->reread_pages * an->page));

	SET(root, "amplification", o = json_object());
	SET(o, "read_bytes_ratio", json_real(r->amp_bytes));
	SET(o, "read_pages_ratio", json_real(r->amp_pages));
	SET(o, "read_page_touches", JU(an->touches[0]));

	SET(root, "coverage", o = json_object());
	SET(o, "size_bytes", JU(r->size));
	SET(o, "size_from", json_string(in->size_from));
	SET(o, "target", in->target ? json_string(in->target) : json_null());
	SET(o, "coverage_ratio", json_real(r->coverage));
	SET(o, "read_coverage_ratio", json_real(r->read_coverage));

	SET(root, "gaps", o = json_object());
	SET(o, "gaps", JU(an->gaps));
	SET(o, "sequential", JU(an->seq));
	SET(o, "forward", JU(an->fwd));
	SET(o, "backward", JU(an->back));
	SET(o, "sequential_pct", json_real(r->seq_pct));
	SET(o, "forward_pct", json_real(r->fwd_pct));
	SET(o, "backward_pct", json_real(r->back_pct));
	SET(o, "jump_mean_bytes", JU(llround(r->jump_mean)));
	SET(o, "jump_median_bytes", JU(r->jump_median));

	SET(root, "sizes", o = json_object());
	SET(o, "mean_bytes", JU(llround(r->mean_req)));
	SET(o, "le", json_sizes(&an->sizes[0], &an->sizes[1]));
	SET(o, "read_le", json_sizes(&an->sizes[0], NULL));
	SET(o, "write_le", json_sizes(&an->sizes[1], NULL));

	SET(root, "passes", o = json_object());
	SET(o, "passes_ratio", json_real(r->passes)); /* page touches / unique pages */
	SET(o, "page_touches", JU(an->touches[0] + an->touches[1]));
	SET(o, "restarts", JU(an->restarts));

	SET(root, "time", json_time(an, r));
	return root;
}
