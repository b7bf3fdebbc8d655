/* The option rows several commands share; see rows.h. */
#include "cli/rows.h"

#include <errno.h>
#include <string.h>

#include "base/source.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "replay/engine.h"
#include "replay/replay.h"
#include "base/units.h"

static void *field(void *ctx, const struct sr_opt *o)
{
	return (char *)ctx + o->off;
}

int sr_cli_row_target(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_cli_targets *t = field(ctx, o);

	if (t->n == SR_CLI_MAX_TARGETS)
		return sr_inputf(e, "%s: --target: at most %d targets", cmd, SR_CLI_MAX_TARGETS);
	t->path[t->n++] = arg;
	return 0;
}

static int stripe(const char *arg, struct sr_cli_targets *t)
{
	if (strncmp(arg, "stripe:", 7) || sr_parse_size(arg + 7, &t->stripe) || !t->stripe ||
	    t->stripe > (1ull << 40))
		return -EINVAL;
	t->layout = SR_LAYOUT_STRIPE;
	t->layout_str = arg;
	return 0;
}

int sr_cli_row_layout(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_cli_targets *t = field(ctx, o);

	t->layout_str = arg;
	if (!strcmp(arg, "by-target"))
		t->layout = SR_LAYOUT_BY_TARGET;
	else if (stripe(arg, t))
		return sr_inputf(e, "%s: --layout: expected stripe:SIZE (stripe:128k) or by-target, found '%s'", cmd, arg);
	return 0;
}

int sr_cli_row_stripe(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_cli_targets *t = field(ctx, o);

	t->layout_str = arg;
	if (stripe(arg, t))
		return sr_inputf(e, "%s: --layout: expected stripe:SIZE (stripe:128k), found '%s'", cmd, arg);
	return 0;
}

int sr_cli_row_engine(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct sr_cli_engine *en = field(ctx, o);
	char names[128];

	if (!(en->ops = sr_engine_find(arg)))
		return sr_inputf(e, "%s: --engine: expected %s, found '%s'", cmd,
				 sr_engine_list(names, sizeof(names), 0, " or "), arg);
	en->inner = en->ops;
	en->name = arg;
	return 0;
}

int sr_cli_row_engine_faulty(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg,
			     struct sr_err *e)
{
	struct sr_cli_engine *en = field(ctx, o);
	char names[128];

	if (!strncmp(arg, "faulty:", 7)) {
		en->inner = sr_engine_find(arg + 7);
		if (!en->inner)
			return sr_inputf(e, "%s: --engine: expected faulty:NAME with NAME %s, found '%s'", cmd,
					 sr_engine_list(names, sizeof(names), 0, " or "), arg);
		en->ops = &sr_engine_faulty;
	} else if (!(en->ops = en->inner = sr_engine_find(arg))) {
		return sr_inputf(e, "%s: --engine: expected %s or faulty:NAME, found '%s'", cmd,
				 sr_engine_list(names, sizeof(names), 0, ", "), arg);
	}
	en->name = arg;
	return 0;
}

int sr_cli_row_output(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	const char **out = field(ctx, o);

	*out = arg;
	return sr_cli_output_name(cmd, arg, e);
}

int sr_cli_row_outfmt(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	return sr_cli_outfmt(cmd, arg, field(ctx, o), e);
}

const char *sr_cli_list_engines(char *buf, size_t n)
{
	return sr_engine_list(buf, n, 0, ", ");
}

const char *sr_cli_list_formats(char *buf, size_t n)
{
	size_t i, l;

	snprintf(buf, n, "auto");
	for (i = 0; sr_trace_formats[i]; i++) {
		l = strlen(buf);
		snprintf(buf + l, n - l, ", %s", sr_trace_formats[i]->name);
	}
	return buf;
}

const char *sr_cli_list_engines_data(char *buf, size_t n)
{
	return sr_engine_list(buf, n, SR_ENGINE_NODATA, ", ");
}

int sr_cli_row_engine_data(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	const struct sr_engine_ops *en = sr_engine_find(arg);
	char names[128];

	if (!en || (en->flags & SR_ENGINE_NODATA))
		return sr_inputf(e, "%s: --engine: expected %s, found '%s'", cmd,
				 sr_engine_list(names, sizeof(names), SR_ENGINE_NODATA, " or "), arg);
	memcpy(field(ctx, o), &arg, sizeof(arg));
	return 0;
}
