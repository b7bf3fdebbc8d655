/* ssdreplay devices [options] [DEVICE...]: list block devices with their
 * spec, PCIe link ceiling, NUMA node and calibrated figures;
 * --calibrate TARGET measures and stores a device's own best figures. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "study/calibrate.h"
#include "devices/devjson.h"
#include "devices/discover.h"
#include "devices/spec.h"
#include "replay/engine.h"
#include "base/units.h"

#define CMD "devices"
#define MAX_DEVS 256

enum {
	O_JSON = 256, O_OUTFMT, O_SYSFS, O_PROC, O_SPEC, O_ALL, O_CALIBRATE, O_RUNTIME, O_SIZE, O_ENGINE,
};

struct args {
	int json, all;
	const char *sysfs, *proc, *spec, *calibrate, *engine;
	uint64_t runtime_ns, size;
	int have_cal_opts;
};

static const char *const outfmt_names[] = { "text", "json", NULL };

#define A struct args
static const struct sr_opt opts[] = {
	{ SR_OPT_FLAG("json", O_JSON, "JSON output (same as --output-format json)", A, json) },
	{ SR_OPT_CHOICE("output-format", O_OUTFMT, "FMT", "text", "text or json", A, json, outfmt_names, NULL) },
	{ SR_OPT_STR("spec", O_SPEC, "FILE|K=V,...", "", "override the spec: a profile file or seq_read=7000MB/s,seq_write=,rand_read=1000k,rand_write=,qd=,pcie=4x4 (or gen=,lanes=),model=,source=", A, spec) },
	{ SR_OPT_FLAG("all", O_ALL, "also list RAM disks, detached loop devices and empty disks", A, all) },
	{ SR_OPT_STR("sysfs-root", O_SYSFS, "DIR", "/sys", "read sysfs here (a fixture tree in tests); libnvme, hwloc and mounts are skipped unless it is /sys", A, sysfs) },
	{ SR_OPT_STR("proc-root", O_PROC, "DIR", "/proc with /sys", "read the mount table (self/mountinfo) here", A, proc),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("calibrate", O_CALIBRATE, "TARGET", "", "measure TARGET's best sequential and 4K random reads (read-only) and store them as a local profile", A, calibrate) },
	{ SR_OPT_DURATION("runtime", O_RUNTIME, "SEC", "5", "--calibrate: length of the whole sweep (13 points)", A, runtime_ns),
	  .min = 100000000ull, .max = 3600000000000ull, .expect = "a duration from 100ms to 1h (5, 500ms, 2m)",
	  .seen_off = offsetof(A, have_cal_opts) },
	{ SR_OPT_SIZE("size", O_SIZE, "SIZE", "whole target", "--calibrate: bytes of TARGET the sweep reads from", A, size, 4u << 20, 0),
	  .flags = SR_OPTF_DEFDOC, .expect = "at least 4M", .seen_off = offsetof(A, have_cal_opts) },
	{ "engine", O_ENGINE, 1, "NAME", "io_uring", "--calibrate: %s", .parse = sr_cli_row_engine_data,
	  SR_OPT_FIELD(A, engine), .list = sr_cli_list_engines_data, .seen_off = offsetof(A, have_cal_opts) },
	SR_OPT_END,
};
#undef A

static void print_text(FILE *f, const struct sr_blkdev *d, const struct sr_devspec *s)
{
	char b[64];
	int i;

	fprintf(f, "%s  %s", d->name, d->model[0] ? d->model : "(no model)");
	if (d->firmware[0] || d->serial[0])
		fprintf(f, "  [%s%s%s%s%s]", d->firmware[0] ? "fw " : "", d->firmware,
			d->firmware[0] && d->serial[0] ? ", " : "", d->serial[0] ? "serial " : "", d->serial);
	fprintf(f, "  %s\n", d->kind);
	fprintf(f, "  size %s (%" PRIu64 " B), blocks %u/%u, %s, scheduler %s, nr_requests %ld, max_sectors_kb %ld, read_ahead_kb %ld\n",
		sr_fmt_bytes(b, sizeof(b), d->size), d->size, d->lbs, d->pbs,
		d->rotational < 0 ? "rotational ?" : d->rotational ? "rotational" : "non-rotational",
		d->scheduler[0] ? d->scheduler : "?", d->nr_requests, d->max_sectors_kb, d->read_ahead_kb);
	if (d->backing_file[0])
		fprintf(f, "  backing file %s\n", d->backing_file);
	fprintf(f, "  numa node ");
	if (d->numa_node >= 0)
		fprintf(f, "%d (%s)", d->numa_node, d->numa_source);
	else
		fprintf(f, "none");
	if (d->cpulist[0])
		fprintf(f, ", local cpus %s", d->cpulist);
	fprintf(f, "; %s", !d->mount_known ? "mounted: unknown" : d->mounts[0] ? "mounted: " : "not mounted");
	if (d->mount_known && d->mounts[0])
		fprintf(f, "%s", d->mounts);
	fprintf(f, "; holders: %s\n", d->holders[0] ? d->holders : "none");
	if (d->pci_addr[0])
		fprintf(f, "  pci %s: link %.1f GT/s x%u (gen %u), max %.1f GT/s x%u (gen %u)\n", d->pci_addr,
			d->link_gts, d->link_width, d->link_gen, d->link_max_gts, d->link_max_width, d->link_max_gen);
	if (s->link_Bps > 0)
		fprintf(f, "  link ceiling %.2f GB/s: %s\n", s->link_Bps / 1e9, s->link_desc);
	if (d->id_ok)
		fprintf(f, "  identify: model %s, serial %s, fw %s, %u namespace(s), mdts %u (max transfer %" PRIu64 " KiB)\n",
			d->id_model, d->id_serial, d->id_fw, d->id_nn, d->id_mdts, d->id_max_xfer >> 10);
	if (s->profile[0] || s->source[0]) {
		char line[512] = "";
		size_t l = 0;

		if (s->seq_read_Bps > 0)
			l += (size_t)snprintf(line + l, sizeof(line) - l, "; seq read %.0f MB/s", s->seq_read_Bps / 1e6);
		if (s->seq_write_Bps > 0 && l < sizeof(line))
			l += (size_t)snprintf(line + l, sizeof(line) - l, "; seq write %.0f MB/s", s->seq_write_Bps / 1e6);
		if (s->rand_read_iops > 0 && l < sizeof(line))
			l += (size_t)snprintf(line + l, sizeof(line) - l, "; 4K random read %.0fk IOPS", s->rand_read_iops / 1e3);
		if (s->rand_write_iops > 0 && l < sizeof(line))
			l += (size_t)snprintf(line + l, sizeof(line) - l, "; 4K random write %.0fk IOPS", s->rand_write_iops / 1e3);
		if (s->rand_qd && l < sizeof(line))
			l += (size_t)snprintf(line + l, sizeof(line) - l, " (QD%u)", s->rand_qd);
		if (s->pcie_gen && l < sizeof(line))
			l += (size_t)snprintf(line + l, sizeof(line) - l, "; PCIe %u.0 x%u", s->pcie_gen, s->pcie_lanes);
		fprintf(f, "  spec: %s\n    from %s%s%s\n", l ? line + 2 : "no figures", s->profile[0] ? s->profile : "--spec",
			s->source[0] ? ": " : "", s->source);
	} else if (s->model[0]) {
		fprintf(f, "  spec: unknown (no profile matches '%s'; --spec sets one)\n", s->model);
	} else {
		fprintf(f, "  spec: unknown (the device reports no model; --spec sets one)\n");
	}
	if (s->cal_file[0])
		fprintf(f, "  calibrated: seq read %.0f MB/s (%" PRIu64 " KiB QD%u), 4K random read %.0f IOPS (QD%u)\n    from %s\n",
			s->cal_seq_read_Bps / 1e6, s->cal_seq_bs >> 10, s->cal_seq_qd, s->cal_rand_read_iops,
			s->cal_rand_qd, s->cal_file);
	else
		fprintf(f, "  calibrated: no (ssdreplay devices --calibrate /dev/%s)\n", d->name);
	if (s->warning[0])
		fprintf(f, "  warning: %s\n", s->warning);
	if (s->note[0])
		fprintf(f, "  note: %s\n", s->note);
	for (i = 0; i < d->nr_notes; i++)
		fprintf(f, "  note: %s\n", d->notes[i]);
}

static void cal_point(void *arg, int rand, uint64_t bs, unsigned qd, double Bps, double iops)
{
	if (*(int *)arg)
		return; /* JSON: only the final object */
	printf("  %-4s %5" PRIu64 " KiB QD%-3u %9.1f MB/s %9.0f IOPS\n", rand ? "rand" : "seq", bs >> 10, qd,
	       Bps / 1e6, iops);
	fflush(stdout);
}

static int do_calibrate(const struct args *a, struct sr_err *e)
{
	struct sr_cal_cfg c = {
		.target = a->calibrate, .runtime_ns = a->runtime_ns,
		.size = a->size, .engine = a->engine, .stop = &sr_cli_stop, .point_done = cal_point,
		.arg = (void *)&a->json,
	};
	struct sr_cal_result *r = malloc(sizeof(*r));
	char b[32], b2[32];
	int ret, i;

	if (!r)
		return sr_errf(e, -ENOMEM, "out of memory");
	sr_cli_install_signals();
	if (!a->json)
		printf("calibrating %s: read-only, O_DIRECT, %s, %.1f s in all\n", a->calibrate,
		       a->engine, c.runtime_ns / 1e9);
	ret = sr_calibrate(&c, r, e);
	if (ret)
		goto out;
	sr_cli_warn_ram(a->calibrate);
	if (a->json) {
		json_t *o = json_object(), *pts = json_array();

		json_object_set_new(o, "target", json_string(a->calibrate));
		json_object_set_new(o, "disk", json_string(r->disk));
		json_object_set_new(o, "model", sr_json_str_or_null(r->model));
		json_object_set_new(o, "key", json_string(r->key));
		json_object_set_new(o, "seq_read_Bps", json_integer((json_int_t)llround(r->seq_Bps)));
		json_object_set_new(o, "seq_bs", json_integer((json_int_t)r->seq_bs));
		json_object_set_new(o, "seq_qd", json_integer(r->seq_qd));
		json_object_set_new(o, "rand_read_iops", json_real(r->rand_iops));
		json_object_set_new(o, "rand_qd", json_integer(r->rand_qd));
		json_object_set_new(o, "profile", r->cached ? json_null() : json_string(r->file));
		json_object_set_new(o, "region_bytes", json_integer((json_int_t)r->region));
		json_object_set_new(o, "cached", json_boolean(r->cached));
		json_object_set_new(o, "note", sr_json_str_or_null(r->note));
		for (i = 0; i < r->n; i++) {
			json_t *p = json_object();

			json_object_set_new(p, "pattern", json_string(r->pt[i].rand ? "rand" : "seq"));
			json_object_set_new(p, "bs", json_integer((json_int_t)r->pt[i].bs));
			json_object_set_new(p, "qd", json_integer(r->pt[i].qd));
			json_object_set_new(p, "bw_Bps", json_integer((json_int_t)llround(r->pt[i].Bps)));
			json_object_set_new(p, "iops", json_real(r->pt[i].iops));
			json_array_append_new(pts, p);
		}
		json_object_set_new(o, "points", pts);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("best: sequential read %.1f MB/s (%" PRIu64 " KiB QD%u), 4K random read %.0f IOPS (QD%u)\n",
		       r->seq_Bps / 1e6, r->seq_bs >> 10, r->seq_qd, r->rand_iops, r->rand_qd);
		if (r->note[0])
			printf("note: %s\n", r->note);
		if (r->cached)
			printf("not stored: %s read from a %s region, which the device's (or the VM host's) cache "
			       "holds: these are cache figures; a region of %s or more (--size) is stored as a profile\n",
			       a->calibrate, sr_fmt_bytes(b, sizeof(b), r->region),
			       sr_fmt_bytes(b2, sizeof(b2), SR_CAL_MIN_STORED));
		else
			printf("profile: %s\n", r->file);
	}
out:
	free(r);
	return ret;
}

int cmd_devices(int argc, char **argv)
{
	struct args a = { 0 }; /* the table's defaults */
	struct sr_err e = { 0 };
	char (*names)[64] = NULL;
	struct sr_blkdev *d = NULL;
	struct sr_devspec *s = NULL;
	json_t *root = NULL, *arr = NULL;
	int pos, ret, n, i, real, status = SR_EXIT_OK;

	ret = sr_opts_parse(CMD, opts, argc, argv, NULL, &a, "[options] [DEVICE...]", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	real = !strcmp(a.sysfs, "/sys");
	if (!a.proc && real)
		a.proc = "/proc";
	if (a.calibrate) {
		if (argc > pos || a.spec || !real) {
			sr_inputf(&e, CMD ": --calibrate TARGET takes no DEVICE, --spec or --sysfs-root");
			goto fail;
		}
		if (do_calibrate(&a, &e)) {
			status = sr_cli_fail(&e);
			return sr_cli_stop ? SR_EXIT_SIGNAL : status;
		}
		return SR_EXIT_OK;
	}
	if (a.have_cal_opts) {
		sr_inputf(&e, CMD ": --runtime, --size and --engine go with --calibrate TARGET");
		goto fail;
	}

	names = calloc(MAX_DEVS, sizeof(*names));
	d = malloc(sizeof(*d));
	s = malloc(sizeof(*s));
	if (!names || !d || !s) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (argc > pos) {
		for (n = 0; pos + n < argc && n < MAX_DEVS; n++)
			if (sr_disk_for_path(argv[pos + n], a.sysfs, names[n], sizeof(names[0]), NULL, 0, &e)) {
				e.bad_input = 1;
				goto fail;
			}
	} else {
		n = sr_blkdev_names(a.sysfs, a.all, names, MAX_DEVS, &e);
		if (n < 0)
			goto fail;
	}
	if (a.json) {
		root = json_object();
		arr = json_array();
		json_object_set_new(root, "sysfs_root", json_string(a.sysfs));
		json_object_set_new(root, "database", json_string(sr_devspec_db_dir()));
	}
	for (i = 0; i < n; i++) {
		char path[96];

		if (sr_blkdev_read(a.sysfs, a.proc, names[i], real ? SR_BLK_IDENTIFY | SR_BLK_HWLOC : 0, d, &e))
			goto fail;
		/* The user's argument keeps its file/partition note; listed disks go by name. */
		if (argc > pos)
			sr_strcpy(path, sizeof(path), argv[pos + i]);
		else
			snprintf(path, sizeof(path), "%s%s", real ? "/dev/" : "", names[i]);
		if (sr_devspec_for_path(path, a.spec, a.sysfs, s, &e))
			goto fail;
		if (a.json)
			json_array_append_new(arr, sr_dev_json(d, s));
		else {
			if (i)
				fputc('\n', stdout);
			print_text(stdout, d, s);
		}
	}
	if (!n && !a.json)
		printf("no block devices under %s/block%s\n", a.sysfs, a.all ? "" : " (--all lists RAM disks and detached loops)");
	if (a.json) {
		json_object_set_new(root, "devices", arr);
		arr = NULL;
		if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))) {
			sr_errf(&e, -EIO, "stdout: cannot write the JSON report");
			goto fail;
		}
		fputc('\n', stdout);
	}
	fflush(stdout);
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	json_decref(arr);
	json_decref(root);
	free(names);
	free(d);
	free(s);
	return status;
}
