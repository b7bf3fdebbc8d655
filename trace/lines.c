#include "trace/lines.h"
#include "trace/decomp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINES_CAP (SR_LINES_CHUNK + SR_LINES_MAX + 2)

int sr_lines_open(struct sr_lines *l, const char *path, struct sr_err *e)
{
	struct stat st;
	int ret;

	memset(l, 0, sizeof(*l));
	/* "-" is standard input (a pipe from `ssdreplay synth`); a copy of the
	 * descriptor, so closing the reader leaves stdin alone */
	if (!strcmp(path, "-")) {
		path = "stdin";
		l->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	} else {
		l->fd = sr_trace_open_fd(path, e); /* .gz and .zst decompressed */
		if (l->fd < 0)
			return l->fd;
	}
	if (l->fd < 0)
		return sr_inputf(e, "%s: %s", path, strerror(errno));
	if (fstat(l->fd, &st) < 0) {
		ret = sr_errf(e, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = sr_inputf(e, "%s: is a directory", path);
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		off_t at = lseek(l->fd, 0, SEEK_CUR); /* stdin may start mid-file */

		l->size = (uint64_t)st.st_size; /* of the decompressed copy for a .gz/.zst */
		l->at = at > 0 ? (uint64_t)at : 0;
	}
	l->path = strdup(path);
	l->buf = malloc(LINES_CAP);
	if (!l->path || !l->buf) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	l->buf[0] = '\0'; /* buf[end] is always a NUL, see sr_lines_next() */
	return 0;
out:
	sr_lines_close(l);
	return ret;
}

void sr_lines_close(struct sr_lines *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	free(l->path);
	l->fd = -1;
	l->buf = NULL;
	l->path = NULL;
}

int sr_lines_rewind(struct sr_lines *l, struct sr_err *e)
{
	if (lseek(l->fd, 0, SEEK_SET) < 0)
		return sr_errf(e, -errno, "%s: cannot rewind: %s", l->path, strerror(errno));
	l->start = 0;
	l->end = 0;
	l->buf[0] = '\0';
	l->lineno = 0;
	l->eof = 0;
	l->at = 0;
	return 0;
}

int sr_lines_check(const char *path, uint64_t lineno, const char *p, size_t *n,
		   struct sr_err *e)
{
	if (*n && p[*n - 1] == '\r')
		--*n;
	if (*n > SR_LINES_MAX)
		return sr_inputf(e, "%s:%llu: line longer than %u bytes", path,
				 (unsigned long long)lineno, SR_LINES_MAX);
	if (memchr(p, '\0', *n))
		return sr_inputf(e, "%s:%llu: NUL byte in text line", path,
				 (unsigned long long)lineno);
	return 0;
}

/* p[0, n) is the next line without its '\n'; p[n] is ours to overwrite.
 * nul: p may hold a NUL byte (else the caller's scan saw none). */
static int take_line(struct sr_lines *l, char *p, size_t n, char **line, size_t *len, int nul,
		     struct sr_err *e)
{
	int ret;

	l->lineno++;
	if (nul) {
		ret = sr_lines_check(l->path, l->lineno, p, &n, e);
		if (ret)
			return ret;
	} else {
		if (n && p[n - 1] == '\r')
			n--;
		if (n > SR_LINES_MAX)
			return sr_inputf(e, "%s:%llu: line longer than %u bytes", l->path,
					 (unsigned long long)l->lineno, SR_LINES_MAX);
	}
	p[n] = '\0';
	*line = p;
	*len = n;
	return 1;
}

static int fill(struct sr_lines *l, struct sr_err *e)
{
	size_t n = l->end - l->start;
	size_t room;
	ssize_t r;

	if (l->start) {
		memmove(l->buf, l->buf + l->start, n);
		l->start = 0;
		l->end = n;
		l->buf[n] = '\0';
	}
	/* end <= SR_LINES_MAX + 1 here, so a whole chunk always fits and
	 * buf[end] stays free for the terminator of a last unterminated line. */
	room = LINES_CAP - 1 - l->end;
	if (room > SR_LINES_CHUNK)
		room = SR_LINES_CHUNK;
	do
		r = read(l->fd, l->buf + l->end, room);
	while (r < 0 && errno == EINTR && !sr_stop_requested);
	if (r < 0)
		return sr_errf(e, -errno, "%s: read: %s", l->path, strerror(errno));
	if (r == 0)
		l->eof = 1;
	l->end += (size_t)r;
	l->at += (uint64_t)r;
	l->buf[l->end] = '\0'; /* stops sr_lines_next's scan */
	return 0;
}

int sr_lines_next(struct sr_lines *l, char **line, size_t *len, struct sr_err *e)
{
	char *p, *nl;
	size_t n;
	int ret, nul;

	for (;;) {
		p = l->buf + l->start;
		n = l->end - l->start;
		/* One pass finds the '\n' and any NUL byte before it: buf[end] is
		 * a NUL that stops it. A line free of NUL bytes skips take_line's
		 * second scan; one with a NUL takes the checked path. */
		nl = strchrnul(p, '\n');
		nul = !*nl;
		if (nul)
			nl = nl < l->buf + l->end ?
				     memchr(nl, '\n', (size_t)(l->buf + l->end - nl)) : NULL;
		if (nl) {
			n = (size_t)(nl - p);
			l->start += n + 1;
			return take_line(l, p, n, line, len, nul, e);
		}
		/* Not even "SR_LINES_MAX bytes + \r" can still end well. */
		if (n > SR_LINES_MAX + 1)
			return sr_inputf(e, "%s:%llu: line longer than %u bytes", l->path,
					 (unsigned long long)l->lineno + 1, SR_LINES_MAX);
		if (l->eof) {
			if (!n)
				return 0;
			l->start = l->end;
			return take_line(l, p, n, line, len, 1, e);
		}
		ret = fill(l, e);
		if (ret)
			return ret;
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int sr_text_u64_slow(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int d;

	if (n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		for (i = 2; i < n; i++) {
			d = hex_digit(s[i]);
			if (d < 0)
				return -EINVAL;
			if (v >> 60)
				return -ERANGE;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (!n)
			return -EINVAL;
		for (i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			d = s[i] - '0';
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)d, &v))
				return -ERANGE;
		}
	}
	*out = v;
	return 0;
}

char *sr_text_quote(char *dst, const char *s, size_t n)
{
	size_t i, m = n > SR_QUOTE_MAX ? SR_QUOTE_MAX : n;

	for (i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (n > m) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

int sr_err_forward(struct sr_err *dst, const struct sr_err *src)
{
	if (src->bad_input)
		sr_inputf(dst, "%s", src->msg);
	else
		sr_errf(dst, src->code, "%s", src->msg);
	return src->code;
}
