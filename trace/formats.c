/* The trace format table and opening a trace by format name or by probing. */
#include "trace/decomp.h"
#include "trace/filekey.h"
#include "trace/lines.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_BYTES 4096

const struct sr_trace_format *const sr_trace_formats[] = {
	&sr_trace_fmt_csv,
	&sr_trace_fmt_iolog,
	&sr_trace_fmt_blktrace,
	&sr_trace_fmt_blkparse,
	&sr_trace_fmt_ftrace,
	&sr_trace_fmt_filemap,
	&sr_trace_fmt_faults,
	&sr_trace_fmt_cheops,
	NULL,
};

/* "csv, fio-iolog" with sep ", " */
static const char *format_names(char *buf, size_t n, const char *sep)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; sr_trace_formats[i] && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? sep : "",
					 sr_trace_formats[i]->name);
	return buf;
}

static int read_head(const char *path, char *buf, size_t n, size_t *got, struct sr_err *e)
{
	size_t used = 0;
	ssize_t r;
	int fd, ret = 0;

	fd = sr_trace_open_fd(path, e); /* the decompressed head of a .gz/.zst */
	if (fd < 0)
		return fd;
	while (used < n) {
		r = read(fd, buf + used, n - used);
		if (r < 0 && errno == EINTR && !sr_stop_requested)
			continue;
		if (r < 0) {
			ret = errno == EISDIR ? sr_inputf(e, "%s: is a directory", path) :
				sr_errf(e, -errno, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (!r)
			break;
		used += (size_t)r;
	}
	*got = used;
out:
	close(fd);
	return ret;
}

/* blktrace writes a file per CPU, DEV.blktrace.N. Is path a directory
 * holding some, or a DEV name (no such file) with DEV.blktrace.0 (DEV.0 when
 * it ends in ".blktrace") next to it? */
static int blktrace_set(const char *path)
{
	static const char suffix[] = ".blktrace.";
	size_t n = strlen(path), k;
	struct dirent *d;
	struct stat st;
	char *alt;
	DIR *dir;
	int found = 0;

	if (stat(path, &st)) {
		if (errno != ENOENT || !n || path[n - 1] == '/')
			return 0;
		if (n > 9 && !strcmp(path + n - 9, ".blktrace"))
			found = asprintf(&alt, "%s.0", path);
		else
			found = asprintf(&alt, "%s.blktrace.0", path);
		if (found < 0)
			return 0;
		found = !stat(alt, &st) && !S_ISDIR(st.st_mode);
		free(alt);
		return found;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		for (k = strlen(d->d_name); k && d->d_name[k - 1] >= '0' && d->d_name[k - 1] <= '9';)
			k--;
		found = d->d_name[k] && k >= sizeof(suffix) &&
			!memcmp(d->d_name + k - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1);
	}
	closedir(dir);
	return found;
}

static int open_as(const struct sr_trace_format *f, const char *path,
		   const struct sr_trace_opts *o, struct sr_source **out, struct sr_err *e)
{
	static const struct sr_trace_opts none = { .event = 'D' };
	int ret;

	if (!o)
		o = &none;
	if (o->have_dev && !(f->caps & SR_CAP_DEV))
		return sr_inputf(e, "%s: --dev: the %s format records no device", path, f->name);
	if (o->have_pid && !(f->caps & SR_CAP_PID))
		return sr_inputf(e, "%s: --pid: the %s format records no pid", path, f->name);
	if (o->comm && !(f->caps & SR_CAP_COMM))
		return sr_inputf(e, "%s: --comm: the %s format records no command name", path, f->name);
	if (o->event && o->event != 'D' && !(f->caps & SR_CAP_EVENT))
		return sr_inputf(e, "%s: --event: the %s format has one kind of event", path, f->name);
	ret = f->open(path, o, out, e);
	if (ret)
		return ret;
	(*out)->format = f->name;
	return sr_filter_wrap(out, o, e);
}

int sr_trace_open(const char *path, const char *fmt, struct sr_source **out, struct sr_err *e)
{
	return sr_trace_open_opts(path, fmt, NULL, out, e);
}

/* The format fmt names, or for "auto" the best probe. */
static int pick(const char *path, const char *fmt, const struct sr_trace_format **out,
		struct sr_err *e)
{
	const struct sr_trace_format *best = NULL;
	char head[PROBE_BYTES], names[160];
	size_t i, len = 0;
	int ret, score, best_score = 0;

	if (fmt && strcmp(fmt, "auto")) {
		for (i = 0; sr_trace_formats[i]; i++)
			if (!strcmp(sr_trace_formats[i]->name, fmt)) {
				*out = sr_trace_formats[i];
				return 0;
			}
		return sr_inputf(e, "unknown trace format '%s', expected auto, %s", fmt,
				 format_names(names, sizeof(names), ", "));
	}
	if (blktrace_set(path)) {
		*out = &sr_trace_fmt_blktrace;
		return 0;
	}
	ret = read_head(path, head, sizeof(head), &len, e);
	if (ret)
		return ret;
	for (i = 0; sr_trace_formats[i]; i++) {
		score = sr_trace_formats[i]->probe(head, len);
		if (score > best_score) {
			best_score = score;
			best = sr_trace_formats[i];
		}
	}
	if (!best)
		return sr_inputf(e, "%s: cannot tell the trace format; use --format %s", path,
				 format_names(names, sizeof(names), "|"));
	*out = best;
	return 0;
}

int sr_trace_open_opts(const char *path, const char *fmt, const struct sr_trace_opts *o,
		       struct sr_source **out, struct sr_err *e)
{
	const struct sr_trace_format *f;
	int ret;

	ret = pick(path, fmt, &f, e);
	return ret ? ret : open_as(f, path, o, out, e);
}

static int keyed(const struct sr_trace_format *f)
{
	return f == &sr_trace_fmt_filemap || f == &sr_trace_fmt_faults;
}

int sr_trace_format_pick(const char *path, const char *fmt, const char **name, int *is_keyed,
			 struct sr_err *e)
{
	const struct sr_trace_format *f;
	int ret;

	ret = pick(path, fmt, &f, e);
	if (ret)
		return ret;
	*name = f->name;
	*is_keyed = keyed(f);
	return 0;
}

int sr_trace_open_file(const char *path, const char *fmt, const struct sr_trace_opts *o,
		       const struct sr_file_key *k, struct sr_source **out, struct sr_err *e)
{
	static const struct sr_trace_opts none = { .event = 'D' };
	const struct sr_trace_format *f;
	int ret;

	ret = pick(path, fmt, &f, e);
	if (ret)
		return ret;
	if (!keyed(f))
		return sr_inputf(e, "%s: --ino: the %s format names no file (filemap and faults do)",
				 path, f->name);
	if (!o)
		o = &none;
	if (o->event && o->event != 'D')
		return sr_inputf(e, "%s: --event: the %s format has one kind of event", path, f->name);
	ret = f == &sr_trace_fmt_faults ? sr_faults_open_key(path, o, k, out, e) :
		sr_filemap_open_key(path, o, k, out, e);
	if (ret)
		return ret;
	(*out)->format = f->name;
	return sr_filter_wrap(out, o, e);
}
