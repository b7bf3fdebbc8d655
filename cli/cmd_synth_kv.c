/* synth's KV-cache options and the tier's hit-rate table (cli/synth_kv.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/synth_kv.h"
#include "base/units.h"
#include "synth/kv_sched.h"

#define CMD "synth"
#define BATCH 4096

/* "prompt=P,gen=G[,batch=B]" in any order; every value at least 1. */
static int parse_offload(const char *arg, struct sr_synth_opts *so, struct sr_err *e)
{
	char buf[128], *tok, *save = NULL, *eq;
	uint64_t v, *dst;

	so->kv_prompt = so->kv_gen = 0;
	so->kv_batch = 1;
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			goto bad;
		*eq = 0;
		dst = !strcmp(tok, "prompt") ? &so->kv_prompt : !strcmp(tok, "gen") ? &so->kv_gen :
		      !strcmp(tok, "batch") ? &so->kv_batch : NULL;
		if (!dst || sr_parse_u64(eq + 1, &v) || !v)
			goto bad;
		*dst = v;
	}
	if (!so->kv_prompt || !so->kv_gen)
		goto bad;
	return 0;
bad:
	return sr_inputf(e, CMD ": --kv-offload: expected prompt=P,gen=G[,batch=B] with P, G and B integers from 1, found '%s'",
			 arg);
}

static int parse_caps(const char *arg, struct sr_cli_kv *kv, struct sr_err *e)
{
	char buf[512], *tok, *save = NULL;

	kv->n_caps = 0;
	if (strlen(arg) >= sizeof(buf))
		return sr_inputf(e, CMD ": --tier-capacity: list too long");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (kv->n_caps == SR_CLI_KV_MAX_CAPS)
			return sr_inputf(e, CMD ": --tier-capacity: more than %d sizes", SR_CLI_KV_MAX_CAPS);
		if (sr_parse_size(tok, &kv->caps[kv->n_caps]) || !kv->caps[kv->n_caps])
			return sr_inputf(e, CMD ": --tier-capacity: expected sizes above 0 (64G or 16G,64G,256G), found '%s'",
					 arg);
		kv->n_caps++;
	}
	if (!kv->n_caps)
		return sr_inputf(e, CMD ": --tier-capacity: expected a size, found '%s'", arg);
	return 0;
}

static void *field(void *ctx, const struct sr_opt *o)
{
	return (char *)ctx + o->off;
}

int sr_cli_kv_row_offload(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)cmd;
	return parse_offload(arg, field(ctx, o), e);
}

int sr_cli_kv_row_type(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)cmd;
	if (sr_kv_type_parse(arg, field(ctx, o)))
		return sr_inputf(e, CMD ": --kv-type: expected f16, q8_0 or f32, found '%s'", arg);
	return 0;
}

int sr_cli_kv_row_requests(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)cmd;
	if (!*arg)
		return sr_inputf(e, CMD ": --requests: expected a file");
	memcpy(field(ctx, o), &arg, sizeof(arg));
	return 0;
}

int sr_cli_kv_row_caps(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)cmd;
	return parse_caps(arg, field(ctx, o), e);
}

int sr_cli_kv_check(struct sr_synth_opts *so, const struct sr_cli_kv *kv, int have_tokens, struct sr_err *e)
{
	if (kv->tier_opts && !so->tier.on)
		return sr_inputf(e, CMD ": --kv-chunk, --sessions, --turns, --shared-prefix, --turn-tokens, --requests, "
				 "--tier-capacity and --tier-report go with --kv-cache-tier");
	if (so->kv_prompt && have_tokens)
		return sr_inputf(e, CMD ": --kv-offload sets the tokens (a prefill of prompt x batch, gen steps of batch): "
				 "not with --tokens or --prefill");
	if (so->tier.on && have_tokens)
		return sr_inputf(e, CMD ": --kv-cache-tier takes requests, not --tokens or --prefill");
	if (kv->n_caps > 1 && !kv->report)
		return sr_inputf(e, CMD ": --tier-capacity: a list of sizes goes with --tier-report (a schedule has one)");
	so->tier.capacity = kv->n_caps ? kv->caps[0] : 0;
	return sr_kv_check_opts(so, e);
}

static int drain(struct sr_source *src, struct sr_err *e)
{
	struct sr_rec *buf = malloc(BATCH * sizeof(*buf));
	int n;

	if (!buf)
		return sr_errf(e, -ENOMEM, "out of memory");
	while ((n = sr_source_next(src, buf, BATCH, e)) > 0 && !sr_cli_stop)
		;
	free(buf);
	return n < 0 ? n : 0;
}

int sr_cli_kv_tier_report(const struct sr_model *m, const struct sr_synth_opts *so, const struct sr_cli_kv *kv,
			  const char *path, struct sr_err *e)
{
	struct sr_synth_opts o = *so;
	struct sr_kv_tier_stats st;
	struct sr_source *src;
	char b1[32], b2[32], b3[32], b4[32];
	FILE *f = stdout;
	unsigned i;
	int ret = 0;

	for (i = 0; i < kv->n_caps && !ret && !sr_cli_stop; i++) {
		o.tier.capacity = kv->caps[i];
		ret = sr_synth_open(m, &o, &src, e);
		if (ret)
			break;
		ret = drain(src, e);
		sr_kv_tier_stats(src, &st);
		src->close(src);
		if (ret)
			break;
		if (!i) {
			if (path && strcmp(path, "-") && !(f = fopen(path, "w")))
				return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
			fprintf(f, "kv-cache-tier: %s, %s cache, chunk %" PRIu64 " tokens = %s object, %" PRIu64
				   " requests of %.0f prompt tokens on average (%s)\n",
				m->name ? m->name : "model", sr_kv_type_name(o.kv_type), o.tier.chunk,
				sr_fmt_bytes(b1, sizeof(b1), st.object_bytes), st.requests,
				st.requests ? (double)st.tokens / (double)st.requests : 0,
				o.tier.log ? o.tier.log : "sessions x turns");
			fprintf(f, "%12s %10s %9s %12s %12s %14s\n", "capacity", "objects", "hit_rate", "read/req",
				"write/req", "GB/s_per_rps");
		}
		fprintf(f, "%12s %10" PRIu64 " %8.2f%% %12s %12s %14.3f\n", sr_fmt_bytes(b2, sizeof(b2), kv->caps[i]),
			st.slots, st.chunks ? 100.0 * (double)st.hits / (double)st.chunks : 0,
			sr_fmt_bytes(b3, sizeof(b3), st.requests ? st.read_bytes / st.requests : 0),
			sr_fmt_bytes(b4, sizeof(b4), st.requests ? st.write_bytes / st.requests : 0),
			st.requests ? (double)(st.read_bytes + st.write_bytes) / (double)st.requests / 1e9 : 0);
	}
	if (f != stdout) {
		if (fclose(f) && !ret)
			ret = sr_errf(e, -EIO, "%s: cannot write", path);
	} else if (fflush(f) && !ret) {
		ret = sr_errf(e, -EIO, "stdout: cannot write");
	}
	return ret;
}
