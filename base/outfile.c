/* Output files: early open, unique temp name, fsync, rename (base/outfile.h). */
#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int same_file(int fd, const struct stat *st)
{
	struct stat f;

	return !fstat(fd, &f) && f.st_dev == st->st_dev && f.st_ino == st->st_ino &&
	       (f.st_mode & S_IFMT) == (st->st_mode & S_IFMT);
}

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Write through: stdout itself, or the character device / FIFO at path. */
static int open_direct(struct sr_outfile *o, const char *path, const struct stat *st, struct sr_err *e)
{
	int fd;

	if (path && !same_file(STDOUT_FILENO, st)) {
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
		o->f = fdopen(fd, "w");
		if (!o->f) {
			close(fd);
			return sr_errf(e, -ENOMEM, "out of memory");
		}
	} else {
		o->f = stdout;
	}
	o->fd = fileno(o->f);
	return 0;
}

/* A new temp file beside dest: same directory, so rename is atomic. */
static int open_temp(struct sr_outfile *o, const struct stat *old, struct sr_err *e)
{
	mode_t um = umask(0);
	int fd;

	umask(um);
	if (asprintf(&o->tmp, "%s.tmp-XXXXXX", o->dest) < 0) {
		o->tmp = NULL;
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		free(o->tmp);
		o->tmp = NULL;
		sr_errf(e, -err, "%s: cannot write there: %s", o->name, strerror(err));
		if (e && e->code == -err) /* a path that can never be written: bad input */
			e->bad_input = err == ENOENT || err == ENOTDIR || err == EACCES || err == EROFS ||
				       err == EPERM || err == ENAMETOOLONG;
		return -err;
	}
	/* the mode a plain open(O_CREAT, 0666) would give, or the old file's */
	if (fchmod(fd, old ? old->st_mode & 07777 : 0666 & ~um))
		(void)0; /* keep mkstemp's 0600: not worth failing over */
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	o->fd = fd;
	return 0;
}

int sr_outfile_open(struct sr_outfile *o, const char *path, struct sr_err *e)
{
	struct stat st, lst;
	char *real;
	int ret;

	*o = (struct sr_outfile){ .name = path && strcmp(path, "-") ? path : "stdout", .fd = -1 };
	if (!path || !strcmp(path, "-"))
		return open_direct(o, NULL, NULL, e);
	if (!*path)
		return sr_inputf(e, "output: expected a file name, found ''");
	if (stat(path, &st)) {
		if (errno != ENOENT)
			return sr_inputf(e, "%s: %s", path, strerror(errno));
		if (!lstat(path, &lst)) /* rename would replace the link itself */
			return sr_inputf(e, "%s: a symlink to a missing file: expected a regular file", path);
		o->dest = strdup(path);
		if (!o->dest)
			return sr_errf(e, -ENOMEM, "out of memory");
		ret = open_temp(o, NULL, e);
		if (ret) {
			free(o->dest);
			o->dest = NULL;
		}
		return ret;
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || same_file(STDOUT_FILENO, &st))
		return open_direct(o, path, &st, e);
	if (!S_ISREG(st.st_mode))
		return sr_inputf(e, "%s: %s: expected a regular file, a character device or a FIFO", path,
				 kind(st.st_mode));
	/* a symlink (or a path through one) keeps pointing at the new file */
	real = realpath(path, NULL);
	if (!real)
		return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
	o->dest = real;
	ret = open_temp(o, &st, e);
	if (ret) {
		free(o->dest);
		o->dest = NULL;
	}
	return ret;
}

int sr_outfile_direct(const struct sr_outfile *o)
{
	return !o->tmp;
}

static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) && errno != EINVAL)
			ret = -errno;
		close(fd);
	}
	free(copy);
	return ret;
}

int sr_outfile_commit(struct sr_outfile *o, struct sr_err *e)
{
	int ret = 0, err;

	if (!o->f)
		return 0;
	if (o->f == stdout) {
		o->f = NULL;
		return sr_stdout_check(e);
	}
	if (fflush(o->f) || ferror(o->f))
		ret = -(errno ? errno : EIO);
	/* a FIFO or character device cannot be synced (EINVAL): nothing to keep */
	else if (fsync(o->fd) && errno != EINVAL && errno != EROFS)
		ret = -errno;
	err = errno;
	if (fclose(o->f) && !ret)
		ret = -errno, err = errno;
	o->f = NULL;
	o->fd = -1;
	if (!ret && o->tmp && rename(o->tmp, o->dest))
		ret = -errno, err = errno;
	if (!ret && o->tmp)
		(void)sync_dir(o->dest); /* the rename survives a crash; best effort */
	if (ret) {
		sr_outfile_abort(o);
		return sr_errf(e, ret, "%s: cannot write: %s", o->name, strerror(err));
	}
	free(o->tmp);
	free(o->dest);
	o->tmp = o->dest = NULL;
	return 0;
}

void sr_outfile_abort(struct sr_outfile *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	else if (o->f == stdout)
		fflush(stdout);
	o->f = NULL;
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->dest);
	o->tmp = o->dest = NULL;
}

int sr_stdout_check(struct sr_err *e)
{
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		int err = errno ? errno : EIO;

		clearerr(stdout);
		__fpurge(stdout); /* the unwritten bytes would fail again at exit */
		return sr_errf(e, -err, "stdout: cannot write the output: %s", strerror(err));
	}
	return 0;
}
