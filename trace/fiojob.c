#include "trace/fiojob.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/writer.h"

struct tgt {
	FILE *f;
	struct sr_writer *w;
	char *path;
	int used;            /* has an iolog */
	uint64_t ios[SR_OP_NR], bytes[SR_OP_NR];
};

struct sr_fiojob {
	struct sr_fiojob_cfg cfg;
	char dir[PATH_MAX];
	int made_dir;
	struct tgt *t;
	uint64_t dropped, dropped_bytes;
};

int sr_fiojob_open(const struct sr_fiojob_cfg *cfg, struct sr_fiojob **out, struct sr_err *e)
{
	struct sr_fiojob *j;
	struct stat sb;
	char path[PATH_MAX + 16];
	unsigned i;

	if (!cfg->nr_targets)
		return sr_inputf(e, "--to fio-job: expected --target PATH (the file or device each job replays onto)");
	for (i = 0; i < cfg->nr_targets; i++)
		if (!*cfg->targets[i] || strpbrk(cfg->targets[i], "\n\r;#"))
			return sr_inputf(e, "--target: expected a path without newlines, ';' or '#', found '%s'",
					 cfg->targets[i]);
	j = calloc(1, sizeof(*j));
	if (!j || !(j->t = calloc(cfg->nr_targets, sizeof(*j->t)))) {
		free(j);
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	j->cfg = *cfg;
	if (stat(cfg->dir, &sb)) {
		if (mkdir(cfg->dir, 0777)) {
			int ret = sr_errf(e, -errno, "%s: %s", cfg->dir, strerror(errno));

			free(j->t);
			free(j);
			return ret;
		}
		j->made_dir = 1;
	} else if (!S_ISDIR(sb.st_mode)) {
		free(j->t);
		free(j);
		return sr_inputf(e, "%s: expected a directory for --to fio-job", cfg->dir);
	}
	/* absolute, so the job runs from any directory (and on a server) */
	if (!realpath(cfg->dir, j->dir)) {
		int ret = sr_errf(e, -errno, "%s: %s", cfg->dir, strerror(errno));

		sr_fiojob_abort(j);
		return ret;
	}
	snprintf(path, sizeof(path), "%s/job.fio", j->dir);
	if (!access(path, F_OK)) {
		sr_fiojob_abort(j);
		return sr_inputf(e, "%s already exists: expected an empty or new directory for --to fio-job", path);
	}
	*out = j;
	return 0;
}

static int open_target(struct sr_fiojob *j, uint32_t n, struct sr_err *e)
{
	struct tgt *t = &j->t[n];
	struct sr_writer_cfg wc = { .iolog_name = "target" };

	if (asprintf(&t->path, "%s/target%" PRIu32 ".iolog", j->dir, n) < 0) {
		t->path = NULL;
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	t->used = 1;
	t->f = fopen(t->path, "wx");
	if (!t->f)
		return sr_errf(e, -errno, "%s: %s", t->path, strerror(errno));
	return sr_writer_open("fio-iolog", t->f, &wc, &t->w, e);
}

int sr_fiojob_write(struct sr_fiojob *j, const struct sr_rec *r, size_t n, struct sr_err *e)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		struct sr_rec x = r[i];
		struct tgt *t;

		if (x.op >= SR_OP_NR)
			continue;
		if (x.target >= j->cfg.nr_targets)
			return sr_inputf(e, "%s: record %" PRIu64 " is for target %" PRIu32 " but --target names %u (give one --target per target)",
					 j->cfg.source ? j->cfg.source : "trace", x.seq, x.target, j->cfg.nr_targets);
		if (x.op != SR_OP_READ && !j->cfg.allow_write) {
			j->dropped++;
			j->dropped_bytes += x.len;
			continue;
		}
		t = &j->t[x.target];
		if (!t->used && (ret = open_target(j, x.target, e)))
			return ret;
		x.target = 0; /* one file per iolog: fio's replay_redirect names it */
		if (x.t_ns == SR_T_NONE)
			x.t_ns = 0; /* v3 wants a time on every line */
		if (sr_writer_write(t->w, &x, 1))
			return sr_errf(e, -EIO, "%s: write failed", t->path);
		t->ios[x.op]++;
		t->bytes[x.op] += x.len;
	}
	return 0;
}

/* Everything but ';', '#' and newlines is safe in a fio option value; the
 * targets were checked for those at open. */
static void write_job(struct sr_fiojob *j, FILE *f)
{
	const struct sr_fiojob_cfg *c = &j->cfg;
	uint64_t wr = 0;
	unsigned i;

	for (i = 0; i < c->nr_targets; i++)
		wr += j->t[i].ios[SR_OP_WRITE] + j->t[i].ios[SR_OP_TRIM];
	fprintf(f, "; Written by ssdreplay %s convert --to fio-job from %s.\n", SR_VERSION,
		c->source ? c->source : "a trace");
	for (i = 0; i < c->nr_targets; i++) {
		const struct tgt *t = &j->t[i];

		if (t->used)
			fprintf(f, "; target%u -> %s: %" PRIu64 " reads (%" PRIu64 " bytes), %" PRIu64
				   " writes (%" PRIu64 " bytes), %" PRIu64 " trims\n", i, c->targets[i],
				t->ios[SR_OP_READ], t->bytes[SR_OP_READ], t->ios[SR_OP_WRITE],
				t->bytes[SR_OP_WRITE], t->ios[SR_OP_TRIM]);
	}
	if (j->dropped)
		fprintf(f, "; %" PRIu64 " writes/trims/syncs (%" PRIu64 " bytes) dropped: convert with --allow-write to keep them\n",
			j->dropped, j->dropped_bytes);
	if (!wr) /* readonly is a fio command-line flag, not a job option */
		fputs("; The iologs hold no writes; fio --readonly makes fio enforce that.\n", f);
	fputs(";\n; This host:  fio job.fio --output-format=json\n"
	      "; Many hosts: run `fio --server` on each, make this directory and the\n"
	      ";             targets exist at the same paths there (the servers open\n"
	      ";             read_iolog and the targets themselves), then\n"
	      ";             fio --client=host1 --client=host2 job.fio\n\n", f);
	fprintf(f, "[global]\nioengine=%s\niodepth=%u\ndirect=%d\nreplay_no_stall=%d\nthread\n", c->engine,
		c->qd, !c->buffered, !c->recorded);
	for (i = 0; i < c->nr_targets; i++)
		if (j->t[i].used)
			fprintf(f, "\n[target%u]\nread_iolog=%s\nreplay_redirect=%s\n", i, j->t[i].path, c->targets[i]);
}

static void release(struct sr_fiojob *j, int remove)
{
	unsigned i;

	for (i = 0; i < j->cfg.nr_targets; i++) {
		struct tgt *t = &j->t[i];

		if (t->w)
			sr_writer_close(t->w);
		if (t->f)
			fclose(t->f);
		if (remove && t->path)
			unlink(t->path);
		free(t->path);
	}
	if (remove && j->made_dir)
		rmdir(j->cfg.dir);
	free(j->t);
	free(j);
}

int sr_fiojob_close(struct sr_fiojob *j, struct sr_err *e)
{
	char path[PATH_MAX + 16];
	unsigned i, used = 0;
	FILE *f;
	int ret = 0;

	for (i = 0; i < j->cfg.nr_targets; i++) {
		struct tgt *t = &j->t[i];

		if (!t->used)
			continue;
		used++;
		ret = t->w ? sr_writer_close(t->w) : -EIO;
		t->w = NULL;
		if (fclose(t->f) || ret) {
			t->f = NULL;
			ret = sr_errf(e, -EIO, "%s: write failed", t->path);
			goto fail;
		}
		t->f = NULL;
	}
	if (!used) {
		ret = sr_inputf(e, "%s: no records to replay%s", j->cfg.source ? j->cfg.source : "trace",
				j->dropped ? " (only writes: convert with --allow-write)" : "");
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/job.fio", j->dir);
	f = fopen(path, "wx");
	if (!f) {
		ret = sr_errf(e, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	write_job(j, f);
	if (fclose(f)) {
		unlink(path);
		ret = sr_errf(e, -EIO, "%s: write failed", path);
		goto fail;
	}
	release(j, 0);
	return 0;
fail:
	release(j, 1);
	return ret;
}

void sr_fiojob_abort(struct sr_fiojob *j)
{
	if (j)
		release(j, 1);
}
