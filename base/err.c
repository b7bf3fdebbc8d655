#include "base/err.h"

volatile sig_atomic_t sr_stop_requested;

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int verrf(struct sr_err *e, int code, int bad_input, const char *fmt, va_list ap)
{
	if (!e || e->code)
		return code;
	e->code = code;
	e->bad_input = bad_input;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	/* one line, whatever the input quoted in it holds (a newline in a flag
	 * value, control bytes from a binary file) */
	for (char *p = e->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return code;
}

int sr_errf(struct sr_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrf(e, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int sr_inputf(struct sr_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrf(e, -EINVAL, 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void sr_err_clear(struct sr_err *e)
{
	memset(e, 0, sizeof(*e));
}
