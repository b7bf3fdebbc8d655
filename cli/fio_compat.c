/* fio's option spellings; see fio_compat.h. */
#include "cli/fio_compat.h"

#include <errno.h>
#include <string.h>

#include "base/units.h"

int sr_cli_fio_direct(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	int buffered;

	if (!strcmp(arg, "1") || !strcmp(arg, "true"))
		buffered = 0;
	else if (!strcmp(arg, "0") || !strcmp(arg, "false"))
		buffered = 1;
	else
		return sr_inputf(e, "%s: --%s: expected 0 or 1, found '%s'", cmd, o->name, arg);
	memcpy((char *)ctx + o->off, &buffered, sizeof(buffered));
	return 0;
}

int sr_cli_fio_kb_base(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)ctx;
	(void)o;
	if ((strcmp(arg, "1000") && strcmp(arg, "1024")) || sr_units_set_kb_base(arg[3] == '0' ? 1000 : 1024))
		return sr_inputf(e, "%s: --kb_base: expected 1024 or 1000, found '%s'", cmd, arg);
	return 0;
}

int sr_cli_fio_time_based(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	uint64_t loops = 0; /* repeat until --runtime */

	(void)cmd;
	(void)arg;
	(void)e;
	memcpy((char *)ctx + o->off, &loops, sizeof(loops));
	return 0;
}

int sr_cli_fio_log(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	if (!*arg)
		return sr_inputf(e, "%s: --%s: expected a NAME for the log files", cmd, o->name);
	memcpy((char *)ctx + o->off, &arg, sizeof(arg));
	return 0;
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
