/* ssdreplay: subcommands dispatched from a table, git/nvme style. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/outfile.h"
#include "cli/cli.h"
#include "base/install.h"
#include "base/plot.h"
#include "synth/profile.h"

struct sr_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct sr_cmd cmds[] = {
	{ "replay", cmd_replay, "replay a trace or a built-in pattern against a file or block device" },
	{ "prep", cmd_prep, "write a verifiable scratch file or device (every sector names its offset)" },
	{ "analyze", cmd_analyze, "characterize a trace: volumes, unique bytes, gaps, sizes, bandwidth" },
	{ "record", cmd_record, "capture block requests or page-cache fills of a command through tracefs" },
	{ "convert", cmd_convert, "convert a trace to csv, fio-iolog or blkparse text, with the same filters" },
	{ "synth", cmd_synth, "build a model's per-token read schedule from a GGUF file or a model profile" },
	{ "simulate", cmd_simulate, "run buffer-manager/prefetch policies over a schedule with real reads; tokens/s" },
	{ "sweep", cmd_sweep, "grid over request size, queue depth, page, engine, policy; CSV/JSON/plots" },
	{ "devices", cmd_devices, "list block devices: model, spec, PCIe link, NUMA node; --calibrate" },
	{ "cheops", cmd_cheops, "reproduce the CHEOPS'25 experiments beside the published figures" },
	{ "study", cmd_study, "the SSD-backed inference experiment matrix: verdicts per hypothesis, predictor, report" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct sr_cmd *c;

	fprintf(f, "usage: ssdreplay <command> [options]\n\ncommands:\n");
	for (c = cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	fprintf(f, "  %-10s %s\n", "help", "show this list, or `help COMMAND` for a command's options");
	fprintf(f, "\n`ssdreplay COMMAND --help` shows a command's options.\n");
}

/* A closed stdin/stdout/stderr would hand its number to the next open (a
 * target, an output file), and a report printed to "stdout" would land in
 * it. /dev/null opened read-only takes the slot: writes to it fail, so a
 * report to a closed stdout is an error (exit 1), not lost silently. */
static void hold_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDONLY) != fd)
			_exit(SR_EXIT_FAIL);
}

/* Every command's stdout output (reports, lists, CSV): a write that failed
 * (/dev/full, a closed descriptor, a full disk) fails the command. */
static int finish(int status)
{
	struct sr_err e = { 0 };

	if (sr_stdout_check(&e) || fclose(stdout)) {
		if (!e.msg[0])
			sr_errf(&e, -errno, "stdout: cannot write the output: %s", strerror(errno));
		fprintf(stderr, "ssdreplay: %s\n", e.msg);
		return status ? status : SR_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct sr_cmd *c;
	const char *name = argc > 1 ? argv[1] : NULL;

	/* children (record's CMD, the real-mmap and sweep runs) are reaped by
	 * waitpid: an ignored SIGCHLD inherited through exec would reap them
	 * first and leave every wait failing with ECHILD */
	signal(SIGCHLD, SIG_DFL);
	hold_std_fds();
	if (!name || !strcmp(name, "-h") || !strcmp(name, "--help")) {
		usage(name ? stdout : stderr);
		return finish(name ? 0 : SR_EXIT_USAGE);
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		/* which optional parts this build has, and where its data is:
		 * the first thing to check when a feature seems missing */
		printf("ssdreplay %s\n", SR_VERSION);
		printf("built with: %s\n", sr_build_features());
		printf("gnuplot (PNG plots): %s\n", sr_plot_png_terminal() ? "found" : "not found");
		printf("profiles: %s\n", sr_profile_dir());
		return finish(0);
	}
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			usage(stdout);
			return finish(0);
		}
		for (c = cmds; c->name; c++)
			if (!strcmp(c->name, argv[2])) {
				char *av[] = { argv[2], "--help", NULL };

				return finish(c->fn(2, av));
			}
		fprintf(stderr, "ssdreplay: help: unknown command '%s'\n", argv[2]);
		return SR_EXIT_USAGE;
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return finish(c->fn(argc - 1, argv + 1));
	fprintf(stderr, "ssdreplay: unknown command '%s' (see ssdreplay help)\n", name);
	return SR_EXIT_USAGE;
}
