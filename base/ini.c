#include "base/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sr_ini_fail(struct sr_ini *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bad)
		return 0;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->bad = 1;
	return 0;
}

int sr_ini_parse(const char *path, const char *what, ini_handler h, void *user, struct sr_ini *c,
		 struct sr_err *e)
{
	int line;

	c->msg[0] = '\0';
	c->bad = 0;
	errno = 0;
	line = ini_parse(path, h, user);
	if (line < 0)
		return sr_inputf(e, "%s: cannot open%s%s: %s", path, what ? " " : "", what ? what : "",
				 strerror(errno ? errno : EIO));
	if (line > 0)
		return sr_inputf(e, "%s:%d: %s", path, line,
				 c->msg[0] ? c->msg : "expected [section] or key = value");
	return 0;
}
