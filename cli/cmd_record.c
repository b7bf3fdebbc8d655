/* ssdreplay record -o TRACE [events] (-- CMD [ARGS...] | --pid PID [--duration SEC]) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/sig.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "base/units.h"
#include "trace/record.h"

#define CMD "record"
#define USAGE "-o TRACE [options] (-- CMD [ARGS...] | --pid PID [--duration SEC])"
#define TICK_MS 100
#define TICK_FAULTS_MS 10 /* with --faults: how often /proc/PID/maps is sampled */

enum {
	O_OUTPUT = 'o', O_BLOCK = 256, O_COMPLETE, O_FILEMAP, O_FAULTS, O_FILE, O_ALL, O_BUFKB, O_PID,
	O_DURATION,
};

static const char notes[] =
	"\nThe trace is tracefs text with a '#' header naming its level: block requests\n"
	"(--block; read back with --format ftrace, --event C for --complete), page-cache\n"
	"insertions (--filemap; --format filemap) or user page faults (--faults; --format\n"
	"faults). Several may be recorded into one file. With --faults, record samples\n"
	"the process's /proc/PID/maps every 10 ms and writes mapping changes as '# map'\n"
	"lines; a mapping made and unmapped between two samples, and mappings of child\n"
	"processes, are not seen (their faults are left out when read back). Only first\n"
	"touches fault, and a read fault maps up to fault_around_bytes (64 KiB) of\n"
	"cached pages around it.\n"
	"Events are kept for CMD/PID and the processes it forks. Block requests issued\n"
	"on a task's behalf by another one (kblockd, writeback, an I/O scheduler) carry\n"
	"that task's pid and are missed: use --all and filter with --dev when reading\n"
	"(record leaves itself out, but not the kernel's writeback of TRACE).\n"
	"With -- CMD, record exits with CMD's status; a SIGINT/SIGTERM sent to record\n"
	"alone is passed on to CMD. Needs root (tracefs).\n";

struct args {
	const char *output, *file;
	unsigned events;
	int all;
	uint64_t buffer_kb, pid, duration_ns;
};

#define A struct args
static const struct sr_opt opts[] = {
	{ "output", O_OUTPUT, 1, "TRACE", "", "write the captured tracefs text here" },
	{ "block", O_BLOCK, 0, "", "", "block requests as issued: block/block_rq_issue (default)" },
	{ "complete", O_COMPLETE, 0, "", "", "block_rq_complete as well (implies --block)" },
	{ "filemap", O_FILEMAP, 0, "", "", "page-cache insertions: filemap/mm_filemap_add_to_page_cache" },
	{ "faults", O_FAULTS, 0, "", "", "user page faults on mapped files: exceptions/page_fault_user + /proc/PID/maps" },
	{ "file", O_FILE, 1, "MODEL", "", "with --faults: follow mappings of MODEL only (default: every mapped file)" },
	{ SR_OPT_FLAG("all", O_ALL, "every process, not just CMD or PID and its children", A, all) },
	{ SR_OPT_UINT("buffer-kb", O_BUFKB, "N", "8192", "ring buffer per CPU, KiB", A, buffer_kb, 4, 1u << 20) },
	{ SR_OPT_UINT("pid", O_PID, "PID", "", "record a running process (and children it starts) until it exits", A, pid, 1, INT32_MAX),
	  .expect = "a process id" },
	{ SR_OPT_DURATION("duration", O_DURATION, "SEC", "", "with --pid: stop after this long (10, 500ms, 2m)", A, duration_ns) },
	SR_OPT_END,
};
#undef A

/* The event sets and the names that must not be empty: handle() of the table. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_OUTPUT:
		if (!*arg)
			return sr_inputf(e, CMD ": -o: expected a file name, found ''");
		a->output = arg;
		return 0;
	case O_BLOCK: a->events |= SR_RECORD_BLOCK; return 0;
	case O_COMPLETE: a->events |= SR_RECORD_BLOCK | SR_RECORD_COMPLETE; return 0;
	case O_FILEMAP: a->events |= SR_RECORD_FILEMAP; return 0;
	case O_FAULTS: a->events |= SR_RECORD_FAULTS; return 0;
	case O_FILE:
		if (!*arg)
			return sr_inputf(e, CMD ": --file: expected the file the command maps, found ''");
		a->file = arg;
		return 0;
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* SIGINT/SIGTERM/SIGHUP set sr_cli_stop. One sent by a process (kill) rather
 * than by the terminal (which signals CMD too) is passed on to CMD. */
static volatile sig_atomic_t relay_sig;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	sr_cli_stop = sig;
	if (si && si->si_code <= 0)
		relay_sig = sig;
}

static void install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sr_sig_install(sigs[i], &sa); /* an inherited SIG_IGN for SIGHUP stays (nohup) */
}

struct child {
	pid_t pid;
	int go;   /* write end: a byte lets the child exec, EOF makes it give up */
	int ex;   /* read end: the child's exec errno, or EOF once exec worked */
};

/* Fork CMD, held before execvp until release() so that tracing is on first. */
static int spawn(char **argv, struct child *c, struct sr_err *e)
{
	int go[2], ex[2], err;
	ssize_t n;
	char b;

	if (pipe2(go, O_CLOEXEC))
		return sr_errf(e, -errno, CMD ": pipe: %s", strerror(errno));
	if (pipe2(ex, O_CLOEXEC)) {
		err = errno;
		close(go[0]);
		close(go[1]);
		return sr_errf(e, -err, CMD ": pipe: %s", strerror(err));
	}
	c->pid = fork();
	if (c->pid < 0) {
		err = errno;
		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		return sr_errf(e, -err, CMD ": fork: %s", strerror(err));
	}
	if (!c->pid) {
		close(go[1]);
		close(ex[0]);
		do
			n = read(go[0], &b, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(ex[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(err == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(ex[1]);
	c->go = go[1];
	c->ex = ex[0];
	return 0;
}

/* Let the child exec; 0 once it did, else the errno execvp failed with. */
static int release(struct child *c)
{
	ssize_t n;
	char b = 'g';
	int err = 0;

	if (write(c->go, &b, 1) < 0) {
		/* the child is gone already: waitpid says how */
	}
	close(c->go);
	c->go = -1;
	do
		n = read(c->ex, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(c->ex);
	c->ex = -1;
	return n == sizeof(err) ? err : 0;
}

/* Wait for the child, passing on signals sent to us; its status as an exit code. */
static int reap(struct child *c)
{
	int ws;

	if (c->go >= 0)
		close(c->go);
	if (c->ex >= 0)
		close(c->ex);
	c->go = c->ex = -1;
	while (waitpid(c->pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return SR_EXIT_FAIL;
		if (relay_sig) {
			kill(c->pid, relay_sig);
			relay_sig = 0;
		}
	}
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : SR_EXIT_FAIL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Has pid exited (gone, or a zombie its parent has not reaped)? */
static int pid_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* "PID (COMM) STATE ..." */
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* Stream until CMD exits (c) or, with --pid, until PID exits, --duration
 * passes or a signal comes. Returns 0, or -errno with e set when streaming
 * failed; *ws gets CMD's exit code. */
static int stream(struct sr_record *rec, int fd, const struct args *a, struct child *c, int *code,
		  struct sr_err *e)
{
	uint64_t t0 = now_ns();
	int tick = a->events & SR_RECORD_FAULTS ? TICK_FAULTS_MS : TICK_MS;
	int64_t n;
	int ws;
	pid_t w;

	for (;;) {
		n = sr_record_pump(rec, fd, tick, e);
		if (n < 0)
			return (int)n;
		if (c) {
			if (relay_sig) {
				kill(c->pid, relay_sig);
				relay_sig = 0;
			}
			w = waitpid(c->pid, &ws, WNOHANG);
			if (w < 0 && errno == ECHILD) { /* reaped elsewhere: its status is lost */
				*code = SR_EXIT_OK;
				c->pid = 0;
				return 0;
			}
			if (w == c->pid) {
				*code = WIFEXITED(ws) ? WEXITSTATUS(ws) :
					WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : SR_EXIT_FAIL;
				c->pid = 0;
				return 0;
			}
			continue;
		}
		if (sr_cli_stop || pid_gone((pid_t)a->pid) ||
		    (a->duration_ns && now_ns() - t0 >= a->duration_ns))
			return 0;
	}
}

static void summary(struct sr_record *rec, const struct args *a)
{
	struct sr_record_stats st;

	sr_record_stats(rec, &st);
	fprintf(stderr, "ssdreplay: record: %" PRIu64 " events, %" PRIu64 " bytes in %s (level %s)",
		st.events, st.bytes, a->output, sr_record_level(a->events));
	if (st.have_lost)
		fprintf(stderr, ", %" PRIu64 " lost", st.lost);
	fputc('\n', stderr);
	if (st.have_lost && st.lost)
		fprintf(stderr, "ssdreplay: record: warning: %" PRIu64 " events lost to ring buffer "
			"overruns: the trace is incomplete (raise --buffer-kb, now %" PRIu64 ")\n",
			st.lost, a->buffer_kb);
}

/* Check the arguments; *cmdv gets the command after "--" or NULL. */
static int parse_args(int argc, char **argv, struct args *a, char ***cmdv, struct sr_err *e)
{
	int dash, pos, ret;

	for (dash = 1; dash < argc && strcmp(argv[dash], "--"); dash++)
		;
	ret = sr_opts_parse(CMD, opts, dash, argv, parse_opt, a, USAGE, &pos, e);
	if (ret)
		return ret;
	*cmdv = dash < argc ? argv + dash + 1 : NULL;
	if (pos < dash)
		return sr_inputf(e, CMD ": unexpected argument '%s' (the command goes after --)", argv[pos]);
	if (*cmdv && !**cmdv)
		return sr_inputf(e, CMD ": expected a command after --");
	if (!a->output)
		return sr_inputf(e, CMD ": expected -o TRACE (see ssdreplay record --help)");
	if (*cmdv && a->pid)
		return sr_inputf(e, CMD ": expected a command after -- or --pid PID, not both");
	if (!*cmdv && !a->pid)
		return sr_inputf(e, CMD ": expected a command after -- or --pid PID (see ssdreplay record --help)");
	if (a->duration_ns && !a->pid)
		return sr_inputf(e, CMD ": --duration goes with --pid (a command is recorded until it exits)");
	if (a->pid && pid_gone((pid_t)a->pid))
		return sr_inputf(e, CMD ": --pid %" PRIu64 ": no such process", a->pid);
	if (a->file && !(a->events & SR_RECORD_FAULTS))
		return sr_inputf(e, CMD ": --file goes with --faults");
	if (a->all && (a->events & SR_RECORD_FAULTS))
		return sr_inputf(e, CMD ": --faults follows one process's mappings: not with --all");
	if (!a->events)
		a->events = SR_RECORD_BLOCK;
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct args a = { 0 }; /* the table's defaults */
	struct child c = { .pid = 0, .go = -1, .ex = -1 };
	struct sr_record_cfg cfg;
	struct sr_record *rec = NULL;
	struct sr_err e = { 0 };
	char **cmdv = NULL;
	int ret, fd = -1, code = SR_EXIT_OK, err, started = 0, created = 1;
	char tmp[4200] = ""; /* an existing output is replaced from here */

	ret = parse_args(argc, argv, &a, &cmdv, &e);
	if (ret == 1) {
		fputs(notes, stdout);
		return SR_EXIT_OK;
	}
	if (ret)
		return sr_cli_fail(&e);

	install_signals();
	if (cmdv && spawn(cmdv, &c, &e))
		goto fail;
	signal(SIGPIPE, SIG_IGN); /* after the fork: CMD keeps its default */
	cfg = (struct sr_record_cfg){
		.events = a.events, .buffer_kb = (unsigned)a.buffer_kb, .all = a.all,
		.pid = cmdv ? c.pid : (pid_t)a.pid, .self = getpid(), .file = a.file,
	};
	if (sr_record_open(&cfg, &rec, &e))
		goto fail;
	if (sr_cli_stop) {
		code = SR_EXIT_SIGNAL;
		goto out;
	}
	/* a file we create is removed again if the run never starts; an
	 * existing regular file is replaced only once CMD runs (we write beside
	 * it, then rename); one that is not a regular file (a FIFO, /dev/stdout)
	 * is written as it is */
	fd = open(a.output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		struct stat st;

		if (!stat(a.output, &st) && S_ISREG(st.st_mode)) {
			snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", a.output, (long)getpid());
			fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		} else {
			created = 0;
			fd = open(a.output, O_WRONLY | O_TRUNC | O_CLOEXEC);
		}
	}
	if (fd < 0) {
		err = errno;
		sr_errf(&e, -err, "%s: %s", tmp[0] ? tmp : a.output, strerror(err));
		tmp[0] = 0;
		goto fail;
	}
	if (sr_record_header(rec, fd, cmdv, &e) || sr_record_start(rec, &e))
		goto fail;
	if (cmdv) {
		err = release(&c);
		if (err) {
			code = reap(&c);
			c.pid = 0;
			fprintf(stderr, "ssdreplay: " CMD ": cannot run '%s': %s\n", cmdv[0], strerror(err));
			goto out;
		}
	}
	started = 1;
	if (stream(rec, fd, &a, cmdv ? &c : NULL, &code, &e) || sr_record_finish(rec, fd, &e))
		goto fail;
	summary(rec, &a);
	ret = close(fd);
	fd = -1;
	if (ret) {
		err = errno;
		sr_errf(&e, -err, "%s: %s", a.output, strerror(err));
		goto fail;
	}
	if (!cmdv && sr_cli_stop)
		code = SR_EXIT_SIGNAL;
	goto out;
fail:
	code = sr_cli_fail(&e);
out:
	if (fd >= 0) {
		close(fd);
		if (!started && created && !tmp[0])
			unlink(a.output); /* set-up failed: leave nothing behind */
	}
	if (tmp[0]) {
		if (!started) {
			unlink(tmp); /* the file that was there stays as it was */
		} else if (rename(tmp, a.output)) {
			fprintf(stderr, "ssdreplay: " CMD ": %s -> %s: %s (the trace is in %s)\n", tmp, a.output,
				strerror(errno), tmp);
			if (!code)
				code = SR_EXIT_FAIL;
		}
	}
	sr_err_clear(&e);
	if (sr_record_close(rec, &e)) {
		sr_cli_fail(&e);
		if (!code)
			code = SR_EXIT_FAIL;
	}
	if (c.pid > 0) {
		/* streaming failed with CMD running: leave it be, but wait for it */
		if (started)
			fprintf(stderr, "ssdreplay: " CMD ": not recording any more; waiting for %s (pid %ld)\n",
				cmdv[0], (long)c.pid);
		reap(&c);
	}
	return code;
}
