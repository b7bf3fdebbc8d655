/* Reporters (replay/report.c): % of spec/link/calibrated figures from a
 * filled sr_devspec, per-target entries, per-tag entries and tag names, in
 * text and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/report.h"

#define SEC 1000000000ull
#define MB 1000000.0

static struct sr_stats st;

/* 2 s run: 3000 MB read in 4 KiB requests... rounded to whole requests. */
static int setup(void **state)
{
	uint64_t i;

	(void)state;
	sr_stats_init(&st);
	st.start_ns = 10 * SEC;
	st.end_ns = 12 * SEC;
	for (i = 0; i < 1000; i++)
		sr_stats_complete(&st, SR_OP_READ, 3000000, 100000 + i, i * SEC / 500);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sr_stats_free(&st);
	return 0;
}

static struct sr_devspec spec980(void)
{
	struct sr_devspec s;

	memset(&s, 0, sizeof(s));
	snprintf(s.model, sizeof(s.model), "Samsung SSD 980 PRO 1TB");
	snprintf(s.disk, sizeof(s.disk), "nvme0n1");
	s.seq_read_Bps = 7000 * MB;
	s.rand_read_iops = 1000000;
	s.rand_qd = 32;
	s.link_Bps = 7877 * MB;
	snprintf(s.link_desc, sizeof(s.link_desc), "PCIe 4.0 x4");
	s.cal_seq_read_Bps = 6000 * MB;
	return s;
}

static const struct sr_report_info base_ri = {
	.cmd = "replay", .target = "/dev/x", .source = "pattern:seq", .format = "pattern",
	.engine = "io_uring", .qd = 32, .bs = 3000000, .timing = "afap", .target_size = 1 << 30,
	.lbs = 512,
};

/* Render into a string (caller frees). */
static char *render(enum sr_out_fmt fmt, const struct sr_report_info *ri)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(sr_report_write(f, fmt, ri, &st), 0);
	fclose(f);
	return buf;
}

static json_t *render_json(const struct sr_report_info *ri)
{
	char *s = render(SR_OUT_JSON, ri);
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);

	free(s);
	assert_non_null(j);
	return j;
}

static json_t *own(json_t *root)
{
	return json_object_get(json_array_get(json_object_get(root, "jobs"), 0), "ssdreplay");
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_non_null(v);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void test_spec_pcts(void **state)
{
	struct sr_devspec s = spec980();
	struct sr_devspec_pct p;

	(void)state;
	sr_devspec_pcts(&s, 1500 * MB, 0, 500, &p);
	assert_true(fabs(p.spec_read - 100 * 1500 / 7000.0) < 1e-9);
	assert_true(fabs(p.link - 100 * 1500 / 7877.0) < 1e-9);
	assert_true(fabs(p.cal_read - 25.0) < 1e-9);
	assert_true(fabs(p.spec_iops - 0.05) < 1e-9);
	assert_true(p.cal_iops < 0); /* not calibrated */
	/* the link bounds the larger direction */
	sr_devspec_pcts(&s, 100 * MB, 3000 * MB, 0, &p);
	assert_true(fabs(p.link - 100 * 3000 / 7877.0) < 1e-9);
	memset(&s, 0, sizeof(s));
	sr_devspec_pcts(&s, 100 * MB, 0, 5, &p);
	assert_true(p.spec_read < 0 && p.link < 0 && p.cal_read < 0 && p.spec_iops < 0);
}

/* 3000 MB in 2 s = 1500 MB/s: 21.4% of 7000, 19.0% of the link, 25% of 6000. */
static void test_json_device(void **state)
{
	struct sr_devspec s = spec980();
	struct sr_report_info ri = base_ri;
	json_t *root, *d;

	(void)state;
	ri.spec = &s;
	root = render_json(&ri);
	d = json_object_get(own(root), "device");
	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "model")), "Samsung SSD 980 PRO 1TB");
	assert_true(fabs(num(d, "spec_seq_read_Bps") - 7e9) < 1);
	assert_true(fabs(num(d, "spec_pct") - 100 * 1500 / 7000.0) < 1e-6);
	assert_true(fabs(num(d, "link_Bps") - 7.877e9) < 1);
	assert_true(fabs(num(d, "link_pct") - 100 * 1500 / 7877.0) < 1e-6);
	assert_true(fabs(num(d, "cal_seq_read_Bps") - 6e9) < 1);
	assert_true(fabs(num(d, "cal_pct") - 25.0) < 1e-6);
	assert_true(fabs(num(d, "spec_iops_pct") - 100 * 500 / 1e6) < 1e-6);
	assert_true(json_is_null(json_object_get(d, "cal_iops_pct")));
	json_decref(root);

	/* unknown figures are null, not 0 */
	s.seq_read_Bps = 0;
	s.cal_seq_read_Bps = 0;
	root = render_json(&ri);
	d = json_object_get(own(root), "device");
	assert_true(json_is_null(json_object_get(d, "spec_pct")));
	assert_true(json_is_null(json_object_get(d, "spec_seq_read_Bps")));
	assert_true(json_is_null(json_object_get(d, "cal_pct")));
	assert_true(json_is_number(json_object_get(d, "link_pct")));
	json_decref(root);

	/* nothing known about the device: no device object at all */
	memset(&s, 0, sizeof(s));
	root = render_json(&ri);
	assert_null(json_object_get(own(root), "device"));
	json_decref(root);
}

static void test_text_device(void **state)
{
	struct sr_devspec s = spec980();
	struct sr_report_info ri = base_ri;
	char *t;

	(void)state;
	ri.spec = &s;
	s.spec_exceeds_link = 1;
	t = render(SR_OUT_TEXT, &ri);
	assert_non_null(strstr(t, "device nvme0n1 (Samsung SSD 980 PRO 1TB): read 21.4% of spec seq read (7000 MB/s)"));
	assert_non_null(strstr(t, "19.0% of the link ceiling (PCIe 4.0 x4: 7877 MB/s)"));
	assert_non_null(strstr(t, "25.0% of the calibrated max (6000 MB/s)"));
	assert_non_null(strstr(t, "IOPS 0.1% of spec random read (1000000 at QD32)"));
	assert_non_null(strstr(t, "the spec exceeds the link ceiling"));
	free(t);
	ri.spec = NULL;
	t = render(SR_OUT_TEXT, &ri);
	assert_null(strstr(t, "device "));
	free(t);
}

static const char *namer(void *arg, uint32_t tag, char *buf, size_t n)
{
	(void)arg;
	if (tag == 2)
		return NULL; /* unnamed: the numeric form */
	snprintf(buf, n, "blk.%u.ffn_up_exps.weight[e5]", tag);
	return buf;
}

static void test_targets_and_tags(void **state)
{
	struct sr_report_info ri = base_ri;
	struct sr_devspec specs[2];
	json_t *root, *a, *t0, *tags;
	unsigned i;
	char *txt;

	(void)state;
	st.tgt = calloc(2, sizeof(*st.tgt));
	st.nr_tgt = 2;
	for (i = 0; i < 2; i++) {
		st.tgt[i].name = i ? "/dev/b" : "/dev/a";
		st.tgt[i].numa_node = -1;
		sr_hist_init(&st.tgt[i].op[0].clat);
		sr_hist_init(&st.tgt[i].op[1].clat);
	}
	st.tgt[0].op[0].bytes = 2000000000;
	st.tgt[0].op[0].ios = 600;
	sr_hist_add(&st.tgt[0].op[0].clat, 50000);
	st.tgt[1].op[0].bytes = 1000000000;
	st.tgt[1].op[0].ios = 400;
	snprintf(st.tgt[1].cpus, sizeof(st.tgt[1].cpus), "0,2-3");
	specs[0] = spec980();
	memset(&specs[1], 0, sizeof(specs[1]));
	st.tags = calloc(1, sizeof(*st.tags));
	assert_int_equal(sr_tag_stats_init(st.tags, 2), 0);
	sr_tag_add(st.tags, 2, 100, 1000);
	sr_tag_add(st.tags, 9, 300, 2000);
	sr_tag_add(st.tags, 9, 300, 4000);
	sr_tag_add(st.tags, 11, 5, 4000); /* table full: other */
	ri.tgt_specs = specs;
	ri.tag_name = namer;
	ri.layout = "stripe:64k";
	snprintf(st.cpus, sizeof(st.cpus), "0,2-3");

	root = render_json(&ri);
	a = json_object_get(own(root), "targets");
	assert_int_equal(json_array_size(a), 2);
	t0 = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(t0, "name")), "/dev/a");
	assert_true(fabs(num(t0, "bytes") - 2e9) < 1);
	assert_true(fabs(num(t0, "bw_Bps") - 1e9) < 1); /* over the run's 2 s */
	assert_true(json_is_integer(json_object_get(t0, "bw_Bps")));
	assert_true(fabs(num(t0, "iops") - 300) < 1e-9);
	assert_true(num(t0, "lat_p99_ns") > 49000 && num(t0, "lat_p99_ns") < 51000);
	assert_true(fabs(num(json_object_get(t0, "device"), "spec_pct") - 100 * 1000 / 7000.0) < 1e-6);
	assert_null(json_object_get(json_array_get(a, 1), "device"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "cpus")), "0,2-3");
	assert_string_equal(json_string_value(json_object_get(own(root), "cpus")), "0,2-3");
	assert_int_equal(json_array_size(json_object_get(own(root), "cpu_list")), 3);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(own(root), "cpu_list"), 2)), 3);
	tags = json_object_get(own(root), "tags");
	assert_int_equal(json_array_size(tags), 2);
	/* by bytes, largest first */
	assert_int_equal(num(json_array_get(tags, 0), "tag"), 9);
	assert_int_equal(num(json_array_get(tags, 0), "bytes"), 600);
	assert_int_equal(num(json_array_get(tags, 0), "ios"), 2);
	assert_true(fabs(num(json_array_get(tags, 0), "lat_mean_ns") - 3000) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "name")),
			    "blk.9.ffn_up_exps.weight[e5]");
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 1), "name")),
			    "2 (tensor 1)");
	assert_int_equal(num(json_object_get(own(root), "tags_other"), "bytes"), 5);
	json_decref(root);

	txt = render(SR_OUT_TEXT, &ri);
	assert_non_null(strstr(txt, "layout stripe:64k over 2 targets"));
	assert_non_null(strstr(txt, "target 0 /dev/a: 1.86 GiB, 953.7 MiB/s, 300 IOPS"));
	assert_non_null(strstr(txt, "target 1 /dev/b:"));
	assert_non_null(strstr(txt, "cpus 0,2-3"));
	assert_non_null(strstr(txt, "tags: 2 distinct (table full: the rest under other); top 2 by bytes:"));
	assert_true(strstr(txt, "blk.9.ffn_up_exps.weight[e5]") < strstr(txt, "2 (tensor 1)"));
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_pcts),
		cmocka_unit_test_setup_teardown(test_json_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets_and_tags, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
