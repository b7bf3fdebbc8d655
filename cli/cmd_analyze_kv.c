/* analyze's KV-cache section (cli/analyze_kv.h): reads per position as a
 * CDF, bytes per generated token, per-layer bytes (kv.L). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "cli/analyze_kv.h"
#include "base/units.h"

#define TEXT_ROWS 40

static double per(uint64_t n, uint64_t d)
{
	return d ? (double)n / (double)d : 0;
}

int sr_cli_analyze_kv_text(FILE *f, const struct sr_analysis *an, int labelled)
{
	const struct sr_analyze_kv *k = &an->kv;
	uint64_t tok = sr_analyze_kv_tokens(k), cum = 0, i, step, sum = 0, bucket = 0;
	char b1[32], b2[32];
	struct sr_kv_dist d;

	if (!k->reads && !k->writes)
		return 0;
	if (sr_analyze_kv_dist(k, &d))
		return -ENOMEM;
	fprintf(f, "  KV cache: %" PRIu64 " reads (%s), %" PRIu64 " writes (%s); %" PRIu64 " layers, %" PRIu64
		   " sequence(s), %" PRIu64 " decode steps\n", k->reads, sr_fmt_bytes(b1, sizeof(b1), k->read_bytes),
		k->writes, sr_fmt_bytes(b2, sizeof(b2), k->write_bytes), k->layers, k->seqs ? k->seqs : 1, k->steps);
	if (tok)
		fprintf(f, "  KV bytes per generated token: %.0f read (%s), %.0f written (%" PRIu64 " tokens)\n",
			per(k->read_bytes, tok), sr_fmt_bytes(b1, sizeof(b1), k->read_bytes / tok),
			per(k->write_bytes, tok), tok);
	if (d.positions) {
		for (i = 0; i < d.n_rows; i++)
			sum += d.rows[i].reads * d.rows[i].positions;
		fprintf(f, "  KV reads per position (%" PRIu64 " positions of %s: one layer's K of one sequence), "
			   "mean %.2f; CDF reads: positions (cumulative %%):\n   ", d.positions,
			sr_fmt_bytes(b1, sizeof(b1), d.unit), per(sum, d.positions));
		/* every row when few, else about TEXT_ROWS of them (the JSON has all) */
		step = d.n_rows > TEXT_ROWS ? (d.n_rows + TEXT_ROWS - 1) / TEXT_ROWS : 1;
		for (i = 0; i < d.n_rows; i++) {
			cum += d.rows[i].positions;
			bucket += d.rows[i].positions;
			if ((i + 1) % step && i + 1 < d.n_rows)
				continue;
			fprintf(f, " %s%" PRIu64 ": %" PRIu64 " (%.1f%%)", step > 1 ? "<=" : "", d.rows[i].reads,
				bucket, 100.0 * per(cum, d.positions));
			bucket = 0;
		}
		fputc('\n', f);
	}
	if (labelled && k->layers) {
		fprintf(f, "  KV by layer:");
		for (i = 0; i < k->layers; i++)
			fprintf(f, " kv.%" PRIu64 ": %s", i, sr_fmt_bytes(b1, sizeof(b1), k->layer_bytes[i]));
		fputc('\n', f);
	}
	free(d.rows);
	return 0;
}

#define JU(v) json_integer((json_int_t)(v))

json_t *sr_cli_analyze_kv_json(const struct sr_analysis *an, int labelled, int *err)
{
	const struct sr_analyze_kv *k = &an->kv;
	uint64_t tok = sr_analyze_kv_tokens(k), cum = 0, i;
	struct sr_kv_dist d;
	json_t *o, *a;
	char name[32];

	*err = 0;
	if (!k->reads && !k->writes)
		return NULL;
	if (sr_analyze_kv_dist(k, &d)) {
		*err = -ENOMEM;
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "reads", JU(k->reads));
	json_object_set_new(o, "writes", JU(k->writes));
	json_object_set_new(o, "read_bytes", JU(k->read_bytes));
	json_object_set_new(o, "write_bytes", JU(k->write_bytes));
	json_object_set_new(o, "layers", JU(k->layers));
	json_object_set_new(o, "sequences", JU(k->seqs ? k->seqs : 1));
	json_object_set_new(o, "decode_steps", JU(k->steps));
	json_object_set_new(o, "generated_tokens", JU(tok));
	json_object_set_new(o, "read_bytes_per_token", json_integer(llround(per(k->read_bytes, tok))));
	json_object_set_new(o, "write_bytes_per_token", json_integer(llround(per(k->write_bytes, tok))));
	json_object_set_new(o, "position_bytes", JU(d.unit));
	json_object_set_new(o, "positions", JU(d.positions));
	json_object_set_new(o, "reads_per_position", a = json_array());
	for (i = 0; i < d.n_rows; i++) {
		cum += d.rows[i].positions;
		json_array_append_new(a, json_pack("{s:I,s:I,s:f}", "reads", (json_int_t)d.rows[i].reads, "positions",
						   (json_int_t)d.rows[i].positions, "cdf_ratio", per(cum, d.positions)));
	}
	if (labelled) {
		json_t *l = json_object();

		for (i = 0; i < k->layers; i++) {
			snprintf(name, sizeof(name), "kv.%" PRIu64, i);
			json_object_set_new(l, name, JU(k->layer_bytes[i]));
		}
		json_object_set_new(o, "layer_bytes", l);
	}
	free(d.rows);
	return o;
}
