/* The option table's parser, help and defaults; see opts.h. */
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"

#define SR_OPT_HELP 0x7fff

void sr_opts_help(FILE *f, const char *cmd, const char *usage, const struct sr_opt *o)
{
	fprintf(f, "usage: ssdreplay %s %s\n\noptions:\n", cmd, usage);
	for (; o->name; o++) {
		char left[64], list[512], help[1024];

		if (o->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
				 o->has_arg ? " " : "", o->has_arg ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->has_arg ? " " : "",
				 o->has_arg ? o->metavar : "");
		if (o->list) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(help, sizeof(help), o->help, o->list(list, sizeof(list)));
#pragma GCC diagnostic pop
		} else {
			snprintf(help, sizeof(help), "%s", o->help);
		}
		fprintf(f, "  %-30s %s", left, help);
		if (o->def && *o->def)
			fprintf(f, " [default: %s]", o->def);
		fputc('\n', f);
	}
	fprintf(f, "  %-30s %s\n", "-h, --help", "show this help");
}

static void put_uint(void *p, size_t size, uint64_t v)
{
	if (size == sizeof(uint32_t)) {
		uint32_t u = (uint32_t)v;

		memcpy(p, &u, sizeof(u));
	} else {
		memcpy(p, &v, sizeof(v));
	}
}

/* "a, b or c" */
static int choice(const char *cmd, const struct sr_opt *o, const char *arg, int *out, struct sr_err *e)
{
	char list[256] = "";
	size_t i, n = 0;

	for (i = 0; o->names[i]; i++)
		if (!strcmp(arg, o->names[i])) {
			*out = o->vals ? o->vals[i] : (int)i;
			return 0;
		}
	while (o->names[n])
		n++;
	for (i = 0; i < n; i++) {
		size_t l = strlen(list);

		snprintf(list + l, sizeof(list) - l, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", o->names[i]);
	}
	return sr_inputf(e, "%s: --%s: expected %s, found '%s'", cmd, o->name, o->expect ? o->expect : list, arg);
}

static int store_size(const char *cmd, const struct sr_opt *o, const char *arg, uint64_t *v, struct sr_err *e)
{
	int ret = sr_parse_size(arg, v);

	if (ret == -ERANGE)
		return sr_inputf(e, "%s: --%s: size '%s' does not fit in 64 bits", cmd, o->name, arg);
	if (ret)
		return sr_inputf(e, "%s: --%s: expected a size like 4096, 128k, 4M, 2G, found '%s'", cmd, o->name, arg);
	if (*v < o->min || (o->max && *v > o->max) || ((o->flags & SR_OPTF_POW2) && (*v & (*v - 1)))) {
		if (o->expect)
			return sr_inputf(e, "%s: --%s: expected %s, found '%s'", cmd, o->name, o->expect, arg);
		return sr_inputf(e, "%s: --%s: expected a size from %" PRIu64 " to %" PRIu64 ", found '%s'", cmd,
				 o->name, o->min, o->max ? o->max : UINT64_MAX, arg);
	}
	return 0;
}

int sr_opt_store(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	char *p = (char *)ctx + o->off, *end;
	uint64_t v;
	double d;
	int i;

	switch (o->type) {
	case SR_OPTT_FLAG:
		i = 1;
		memcpy(p, &i, sizeof(i));
		break;
	case SR_OPTT_UINT:
		if (sr_parse_u64(arg, &v) || v < o->min || v > o->max) {
			if (o->expect)
				return sr_inputf(e, "%s: --%s: expected %s, found '%s'", cmd, o->name, o->expect, arg);
			return sr_inputf(e, "%s: --%s: expected an integer from %" PRIu64 " to %" PRIu64 ", found '%s'",
					 cmd, o->name, o->min, o->max, arg);
		}
		put_uint(p, o->size, v);
		break;
	case SR_OPTT_SIZE:
		if (store_size(cmd, o, arg, &v, e))
			return -EINVAL;
		put_uint(p, o->size, v);
		break;
	case SR_OPTT_DOUBLE:
		d = strtod(arg, &end);
		if (end == arg || *end || !(d >= o->dmin && d <= o->dmax)) {
			if (o->expect)
				return sr_inputf(e, "%s: --%s: expected %s, found '%s'", cmd, o->name, o->expect, arg);
			return sr_inputf(e, "%s: --%s: expected a number from %g to %g, found '%s'", cmd, o->name,
					 o->dmin, o->dmax, arg);
		}
		memcpy(p, &d, sizeof(d));
		break;
	case SR_OPTT_DURATION:
		if (sr_parse_duration(arg, &v) || !v || v < o->min || (o->max && v > o->max))
			return sr_inputf(e, "%s: --%s: expected %s, found '%s'", cmd, o->name,
					 o->expect ? o->expect : "a duration like 10, 500ms, 2m", arg);
		memcpy(p, &v, sizeof(v));
		break;
	case SR_OPTT_STR:
		memcpy(p, &arg, sizeof(arg));
		break;
	case SR_OPTT_CHOICE:
		if (choice(cmd, o, arg, &i, e))
			return -EINVAL;
		memcpy(p, &i, sizeof(i));
		break;
	default:
		return sr_inputf(e, "%s: internal: --%s has no type", cmd, o->name);
	}
	if (o->seen_off) {
		i = 1;
		memcpy((char *)ctx + o->seen_off, &i, sizeof(i));
	}
	return 0;
}

static const struct sr_opt *row(const struct sr_opt *o, int key, const char *name)
{
	for (; o->name; o++)
		if (name ? !strcmp(o->name, name) : o->key == key)
			return o;
	return NULL;
}

const char *sr_opts_def(const struct sr_opt *opts, int key)
{
	const struct sr_opt *o = row(opts, key, NULL);

	return o && o->def ? o->def : "";
}

int sr_opts_defaults(const char *cmd, const struct sr_opt *o, void *ctx, struct sr_err *e)
{
	for (; o->name; o++) {
		int ret;
		char v[64];

		if ((o->type == SR_OPTT_CB && !o->parse) || o->type == SR_OPTT_FLAG || o->alias || !o->def ||
		    !*o->def || (o->flags & SR_OPTF_DEFDOC))
			continue;
		snprintf(v, sizeof(v), "%.*s", (int)strcspn(o->def, " "), o->def);
		if (o->def[strlen(v)] && (o->type == SR_OPTT_CB || o->type == SR_OPTT_STR))
			ret = sr_errf(e, -EINVAL, "rows that keep the string take a one-word default");
		else if (o->type == SR_OPTT_CB)
			ret = o->parse(cmd, ctx, o, o->def, e);
		else /* "16 (trace: 1 pass)": the value is the first word */
			ret = sr_opt_store(cmd, ctx, o, o->type == SR_OPTT_STR ? o->def : v, e);
		if (ret) {
			char msg[sizeof(e->msg)];

			snprintf(msg, sizeof(msg), "%s", e->msg);
			sr_err_clear(e);
			return sr_errf(e, -EINVAL, "internal: default of --%s: %s", o->name, msg);
		}
		if (o->seen_off) /* a default is not "given" */
			memset((char *)ctx + o->seen_off, 0, sizeof(int));
	}
	return 0;
}

/* One option from argv: a typed row, a row's parse, or handle(). */
static int one(const char *cmd, const struct sr_opt *opts, int key, const char *arg,
	       int (*handle)(void *ctx, int key, const char *arg, struct sr_err *e), void *ctx,
	       struct sr_err *e)
{
	const struct sr_opt *o = row(opts, key, NULL);

	if (o && o->alias) {
		if (o->map)
			arg = o->map(arg);
		o = row(opts, 0, o->alias);
	}
	if (o && o->type != SR_OPTT_CB)
		return sr_opt_store(cmd, ctx, o, arg, e);
	if (o && o->parse) {
		int ret = o->parse(cmd, ctx, o, arg, e), one = 1;

		if (!ret && o->seen_off)
			memcpy((char *)ctx + o->seen_off, &one, sizeof(one));
		return ret;
	}
	if (!handle)
		return sr_inputf(e, "%s: internal: unhandled option %d", cmd, key);
	return handle(ctx, key, arg, e);
}

/* SR_OPTF_FIRST rows (after the defaults, which are written with kb_base
 * 1024): bad values are left to the parse proper, which names them. */
static void first(const char *cmd, const struct sr_opt *opts, int argc, char **argv, void *ctx,
		  int (*handle)(void *ctx, int key, const char *arg, struct sr_err *e))
{
	const struct sr_opt *o;
	int i;

	for (o = opts; o->name; o++) {
		size_t l = strlen(o->name);

		if (!(o->flags & SR_OPTF_FIRST))
			continue;
		for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
			struct sr_err e = { 0 };
			const char *v = NULL;

			if (strncmp(argv[i], "--", 2) || strncmp(argv[i] + 2, o->name, l))
				continue;
			if (argv[i][2 + l] == '=')
				v = argv[i] + 3 + l;
			else if (!argv[i][2 + l] && i + 1 < argc)
				v = argv[i + 1];
			if (v)
				one(cmd, opts, o->key, v, handle, ctx, &e);
		}
	}
}

int sr_opts_parse(const char *cmd, const struct sr_opt *opts, int argc, char **argv,
		  int (*handle)(void *ctx, int key, const char *arg, struct sr_err *e), void *ctx,
		  const char *usage, int *first_pos, struct sr_err *e)
{
	struct option *lo;
	char shorts[128] = ":h";
	size_t n = 0, i, sl = 2;
	int ret = 0, c;

	while (opts[n].name)
		n++;
	lo = calloc(n + 2, sizeof(*lo));
	if (!lo)
		return sr_errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = opts[i].has_arg ? required_argument : no_argument;
		lo[i].val = opts[i].key;
		if (opts[i].key < 256 && sl + 3 < sizeof(shorts)) {
			shorts[sl++] = (char)opts[i].key;
			if (opts[i].has_arg)
				shorts[sl++] = ':';
		}
	}
	lo[n].name = "help";
	lo[n].val = SR_OPT_HELP;
	shorts[sl] = 0;

	ret = sr_opts_defaults(cmd, opts, ctx, e);
	if (ret)
		goto out;
	first(cmd, opts, argc, argv, ctx, handle);
	opterr = 0;
	optind = 0; /* full reset: parse may run more than once per process */
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == 'h' || c == SR_OPT_HELP) {
			sr_opts_help(stdout, cmd, usage, opts);
			ret = 1;
			goto out;
		}
		if (c == '?') {
			ret = sr_inputf(e, "%s: unknown option '%s' (see ssdreplay %s --help)", cmd,
					argv[optind - 1], cmd);
			goto out;
		}
		if (c == ':') {
			ret = sr_inputf(e, "%s: option '%s' needs a value", cmd, argv[optind - 1]);
			goto out;
		}
		ret = one(cmd, opts, c, optarg, handle, ctx, e);
		if (ret)
			goto out;
	}
	*first_pos = optind;
out:
	free(lo);
	return ret;
}
