#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define SR_OPT_HELP 0x7fff

void sr_opts_help(FILE *f, const char *cmd, const char *usage, const struct sr_opt *o)
{
	fprintf(f, "usage: ssdreplay %s %s\n\noptions:\n", cmd, usage);
	for (; o->name; o++) {
		char left[64];

		if (o->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
				 o->has_arg ? " " : "", o->has_arg ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->has_arg ? " " : "",
				 o->has_arg ? o->metavar : "");
		fprintf(f, "  %-30s %s", left, o->help);
		if (o->def && *o->def)
			fprintf(f, " [default: %s]", o->def);
		fputc('\n', f);
	}
	fprintf(f, "  %-30s %s\n", "-h, --help", "show this help");
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
		ret = handle(ctx, c, optarg, e);
		if (ret)
			goto out;
	}
	*first_pos = optind;
out:
	free(lo);
	return ret;
}
