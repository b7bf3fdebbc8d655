/* The device report as JSON (`devices --json`): what discovery and the spec
 * know of one block device. Builds the object only; the caller prints it. */
#include "devices/devjson.h"

#include <math.h>
#include <string.h>

json_t *sr_json_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *jlist(const char *csv)
{
	json_t *a = json_array();
	char buf[512], *tok, *save = NULL;

	sr_strcpy(buf, sizeof(buf), csv);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

/* bytes per second: an integer (README "Units in reports"), null when unknown */
static json_t *jBps(double v)
{
	return v > 0 ? json_integer((json_int_t)llround(v)) : json_null();
}

static json_t *jlong(long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *sr_dev_json(const struct sr_blkdev *d, const struct sr_devspec *s)
{
	json_t *o = json_object(), *n;
	int i;

	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "kind", json_string(d->kind));
	json_object_set_new(o, "model", sr_json_str_or_null(d->model));
	json_object_set_new(o, "serial", sr_json_str_or_null(d->serial));
	json_object_set_new(o, "firmware", sr_json_str_or_null(d->firmware));
	json_object_set_new(o, "size_bytes", json_integer((json_int_t)d->size));
	json_object_set_new(o, "logical_block_size", d->lbs ? json_integer(d->lbs) : json_null());
	json_object_set_new(o, "physical_block_size", d->pbs ? json_integer(d->pbs) : json_null());
	json_object_set_new(o, "rotational", d->rotational < 0 ? json_null() : json_boolean(d->rotational));
	json_object_set_new(o, "removable", json_boolean(d->removable));
	json_object_set_new(o, "read_only", json_boolean(d->ro));
	json_object_set_new(o, "scheduler", sr_json_str_or_null(d->scheduler));
	json_object_set_new(o, "nr_requests", jlong(d->nr_requests));
	json_object_set_new(o, "max_sectors_kb", jlong(d->max_sectors_kb));
	json_object_set_new(o, "max_hw_sectors_kb", jlong(d->max_hw_sectors_kb));
	json_object_set_new(o, "read_ahead_kb", jlong(d->read_ahead_kb));
	if (!strcmp(d->kind, "loop"))
		json_object_set_new(o, "backing_file", sr_json_str_or_null(d->backing_file));
	if (d->mount_known) {
		json_object_set_new(o, "mounted", json_boolean(d->mounts[0] != 0));
		json_object_set_new(o, "mounts", jlist(d->mounts));
	} else {
		json_object_set_new(o, "mounted", json_string("unknown"));
	}
	json_object_set_new(o, "holders", jlist(d->holders));
	json_object_set_new(o, "slaves", jlist(d->slaves));
	json_object_set_new(o, "numa_node", d->numa_node >= 0 ? json_integer(d->numa_node) : json_null());
	json_object_set_new(o, "numa_source", sr_json_str_or_null(d->numa_source));
	json_object_set_new(o, "local_cpus", sr_json_str_or_null(d->cpulist));
	if (d->pci_addr[0]) {
		n = json_object();
		json_object_set_new(n, "address", json_string(d->pci_addr));
		json_object_set_new(n, "link_gts", d->link_gts ? json_real(d->link_gts) : json_null());
		json_object_set_new(n, "link_width", d->link_width ? json_integer(d->link_width) : json_null());
		json_object_set_new(n, "link_gen", d->link_gen ? json_integer(d->link_gen) : json_null());
		json_object_set_new(n, "max_link_gts", d->link_max_gts ? json_real(d->link_max_gts) : json_null());
		json_object_set_new(n, "max_link_width", d->link_max_width ? json_integer(d->link_max_width) : json_null());
		json_object_set_new(n, "max_link_gen", d->link_max_gen ? json_integer(d->link_max_gen) : json_null());
		json_object_set_new(o, "pcie", n);
	} else {
		json_object_set_new(o, "pcie", json_null());
	}
	json_object_set_new(o, "link_Bps", jBps(s->link_Bps));
	json_object_set_new(o, "link_desc", sr_json_str_or_null(s->link_desc));
	if (d->id_ok) {
		n = json_object();
		json_object_set_new(n, "model", json_string(d->id_model));
		json_object_set_new(n, "serial", json_string(d->id_serial));
		json_object_set_new(n, "firmware", json_string(d->id_fw));
		json_object_set_new(n, "namespaces", json_integer(d->id_nn));
		json_object_set_new(n, "mdts", json_integer(d->id_mdts));
		json_object_set_new(n, "max_transfer", d->id_max_xfer ? json_integer((json_int_t)d->id_max_xfer) : json_null());
		json_object_set_new(o, "nvme_identify", n);
	} else if (!strcmp(d->kind, "nvme")) {
		json_object_set_new(o, "nvme_identify", json_null());
	}
	if (s->profile[0] || s->source[0]) {
		n = json_object();
		json_object_set_new(n, "profile", sr_json_str_or_null(s->profile));
		json_object_set_new(n, "source", sr_json_str_or_null(s->source));
		json_object_set_new(n, "model", sr_json_str_or_null(s->model));
		json_object_set_new(n, "seq_read_Bps", jBps(s->seq_read_Bps));
		json_object_set_new(n, "seq_write_Bps", jBps(s->seq_write_Bps));
		json_object_set_new(n, "rand_read_iops", s->rand_read_iops > 0 ? json_real(s->rand_read_iops) : json_null());
		json_object_set_new(n, "rand_write_iops", s->rand_write_iops > 0 ? json_real(s->rand_write_iops) : json_null());
		json_object_set_new(n, "rand_qd", s->rand_qd ? json_integer(s->rand_qd) : json_null());
		json_object_set_new(n, "pcie_gen", s->pcie_gen ? json_integer(s->pcie_gen) : json_null());
		json_object_set_new(n, "pcie_lanes", s->pcie_lanes ? json_integer(s->pcie_lanes) : json_null());
		json_object_set_new(o, "spec", n);
	} else {
		json_object_set_new(o, "spec", json_null());
	}
	json_object_set_new(o, "spec_exceeds_link", json_boolean(s->spec_exceeds_link));
	if (s->cal_file[0]) {
		n = json_object();
		json_object_set_new(n, "seq_read_Bps", jBps(s->cal_seq_read_Bps));
		json_object_set_new(n, "seq_bs", json_integer((json_int_t)s->cal_seq_bs));
		json_object_set_new(n, "seq_qd", json_integer(s->cal_seq_qd));
		json_object_set_new(n, "rand_read_iops", json_real(s->cal_rand_read_iops));
		json_object_set_new(n, "rand_qd", json_integer(s->cal_rand_qd));
		json_object_set_new(n, "file", json_string(s->cal_file));
		json_object_set_new(o, "calibrated", n);
	} else {
		json_object_set_new(o, "calibrated", json_null());
	}
	n = json_array();
	if (s->warning[0])
		json_array_append_new(n, json_string(s->warning));
	json_object_set_new(o, "warnings", n);
	n = json_array();
	if (s->note[0])
		json_array_append_new(n, json_string(s->note));
	for (i = 0; i < d->nr_notes; i++)
		json_array_append_new(n, json_string(d->notes[i]));
	json_object_set_new(o, "notes", n);
	return o;
}
