/* PLACEHOLDER being replaced by its reader: not registered in a release. */
#include "trace/lines.h"

static int ftrace_probe(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;
}

static int ftrace_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		 struct sr_err *e)
{
	(void)o;
	(void)out;
	return sr_inputf(e, "%s: the ftrace reader is not written yet", path);
}

const struct sr_trace_format sr_trace_fmt_ftrace = {
	.name = "ftrace",
	.help = "(not yet)",
	.probe = ftrace_probe,
	.open = ftrace_open,
};
