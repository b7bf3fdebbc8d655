/* The CHEOPS'25 experiments (study/cheops.c): the published figures and the
 * measurements `ssdreplay cheops` prints beside them. */
#ifndef SR_CHEOPS_H
#define SR_CHEOPS_H

#include <stdint.h>

#include "base/err.h"
#include "base/ini.h"
#include "devices/target.h"

#define SR_CHEOPS_NSIZES 13 /* Fig. 2: 1 MiB to 4 GiB */
#define SR_CHEOPS_NPATHS 4  /* aio store/load, python store/load */
#define SR_CHEOPS_MIB ((uint64_t)1 << 20)

/* profiles/reference/cheops25.ini */
struct sr_cheops_ref {
	double size_mb[SR_CHEOPS_NSIZES], aio_load[SR_CHEOPS_NSIZES], py_load[SR_CHEOPS_NSIZES], aio_store[SR_CHEOPS_NSIZES], py_store[SR_CHEOPS_NSIZES];
	int n[5];
	double hw_gibps, ds_gibps, fg_gibps;
	uint64_t ds_req, fg_req, ds_qd, fg_threads;
	char doi[128];
	const char *path;
	struct sr_ini ini;
};

/* Read and check the reference figures: 0 or -errno (e names the file and line). */
int sr_cheops_ref_load(const char *path, struct sr_cheops_ref *r, struct sr_err *e);
/* The same, without keeping them (cheops --reference checked alone; fuzzing). */
int sr_cheops_ref_check(const char *path, struct sr_err *e);

/* What a measurement runs on. */
struct sr_cheops_ctx {
	uint64_t repeat;     /* measurements per size (median kept) */
	const char *engine;  /* async path engine */
	struct sr_target *tgt;
	int bfd;             /* buffered fd on the same file */
	char *buf;           /* the "tensor" for the buffered path */
	uint64_t buf_len;
	int can_store;
};

/* One replay-loop pass of sequential op records over [0, size) in bs
 * pieces (with runtime_ns, looped that long): bytes per second, or -errno. */
double sr_cheops_async_run(struct sr_cheops_ctx *c, int op, uint64_t size, uint64_t bs, const char *engine,
			   unsigned qd, unsigned threads, uint64_t runtime_ns, struct sr_err *e);
/* Median over c->repeat of each path at size; bw[] < 0 where not measured. */
int sr_cheops_measure_size(struct sr_cheops_ctx *c, uint64_t size, double bw[SR_CHEOPS_NPATHS], struct sr_err *e);

#endif
