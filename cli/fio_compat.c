/* fio's option spellings; see fio_compat.h. */
#include "cli/fio_compat.h"

#include <errno.h>
#include <string.h>

#include "base/units.h"

int sr_cli_fio_bool(const char *cmd, const char *opt, const char *arg, int *out, struct sr_err *e)
{
	if (!strcmp(arg, "1") || !strcmp(arg, "true"))
		*out = 1;
	else if (!strcmp(arg, "0") || !strcmp(arg, "false"))
		*out = 0;
	else
		return sr_inputf(e, "%s: --%s: expected 0 or 1, found '%s'", cmd, opt, arg);
	return 0;
}

void sr_cli_fio_prescan(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v = NULL;

		if (!strncmp(argv[i], "--kb_base=", 10))
			v = argv[i] + 10;
		else if (!strcmp(argv[i], "--kb_base") && i + 1 < argc)
			v = argv[i + 1];
		if (v && (!strcmp(v, "1000") || !strcmp(v, "1024")))
			sr_units_set_kb_base(v[3] == '0' ? 1000 : 1024);
	}
}

int sr_cli_fio_opt(const char *cmd, int which, const char *arg, struct sr_err *e)
{
	if (which == SR_CLI_FIO_KB_BASE) {
		if ((strcmp(arg, "1000") && strcmp(arg, "1024")) || sr_units_set_kb_base(arg[3] == '0' ? 1000 : 1024))
			return sr_inputf(e, "%s: --kb_base: expected 1024 or 1000, found '%s'", cmd, arg);
		return 0;
	}
	return sr_inputf(e, "%s: internal: unhandled fio option %d", cmd, which);
}

const char *sr_cli_fio_engine(const char *arg)
{
	return !strcmp(arg, "sync") || !strcmp(arg, "pvsync") ? "psync" : arg;
}

int sr_cli_output_name(const char *cmd, const char *arg, struct sr_err *e)
{
	static const char *const fmts[] = { "json", "json+", "csv", "text", "normal", "terse", NULL };
	unsigned i;

	for (i = 0; fmts[i]; i++)
		if (!strcmp(arg, fmts[i]))
			return sr_inputf(e, "%s: -o %s would write a file named '%s': the format is --output-format %s (write ./%s for such a file)",
					 cmd, arg, arg, arg, arg);
	return 0;
}
