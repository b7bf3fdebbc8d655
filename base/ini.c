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

/* fgets for inih that stops at the first line it cannot take whole: longer
 * than inih's buffer, or holding a NUL byte (not text: /dev/zero, a GGUF).
 * inih skips the rest of an overlong line by reading on to a newline, which
 * never comes from /dev/zero; returning NULL ends the parse instead. */
struct ini_stream {
	FILE *f;
	int line, num;
	int cut; /* 1: line too long, 2: NUL byte */
};

static char *bounded_reader(char *str, int num, void *stream)
{
	struct ini_stream *s = stream;
	size_t n;

	if (s->cut || !fgets(str, num, s->f))
		return NULL;
	s->line++;
	n = strlen(str);
	if ((n && str[n - 1] == '\n') || feof(s->f))
		return str;
	s->num = num;
	s->cut = n + 1 < (size_t)num ? 2 : 1;
	return NULL;
}

int sr_ini_parse(const char *path, const char *what, ini_handler h, void *user, struct sr_ini *c,
		 struct sr_err *e)
{
	struct ini_stream s = { 0 };
	int line;

	c->msg[0] = '\0';
	c->bad = 0;
	errno = 0;
	s.f = fopen(path, "r");
	if (!s.f)
		return sr_inputf(e, "%s: cannot open%s%s: %s", path, what ? " " : "", what ? what : "",
				 strerror(errno ? errno : EIO));
	line = ini_parse_stream(bounded_reader, &s, h, user);
	fclose(s.f);
	if (line > 0 && c->msg[0])
		return sr_inputf(e, "%s:%d: %s", path, line, c->msg);
	if (s.cut == 1)
		return sr_inputf(e, "%s:%d: line longer than %d bytes", path, s.line, s.num - 1);
	if (s.cut == 2)
		return sr_inputf(e, "%s:%d: NUL byte: expected an INI text file", path, s.line);
	if (line > 0)
		return sr_inputf(e, "%s:%d: expected [section] or key = value", path, line);
	return 0;
}
