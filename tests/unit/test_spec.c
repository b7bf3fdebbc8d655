#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/spec.h"

static char tmp[64], sys[96], db[96], state[96];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **st)
{
	char cmd[512];

	(void)st;
	snprintf(tmp, sizeof(tmp), "/tmp/sr-spec.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(sys, sizeof(sys), "%s/sys", tmp);
	snprintf(db, sizeof(db), "%s/profiles", tmp);
	snprintf(state, sizeof(state), "%s/state", tmp);
	snprintf(cmd, sizeof(cmd), "bash %s/../tests/fixtures/mk_sysfs.sh %s && mkdir -p %s/devices %s/devices",
		 SR_PROFILE_DIR, sys, db, state);
	if (system(cmd))
		return -1;
	setenv("SSDREPLAY_STATE", state, 1);
	unsetenv("SSDREPLAY_PROFILES"); /* the shipped database */
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) ? -1 : 0;
}

static void test_link_ceiling(void **st)
{
	(void)st;
	/* 128b/130b: Gen4 x4 7.877 GB/s, Gen3 x4 3.938 GB/s (PCIe 4.0/3.0 at 16/8 GT/s: ~7.88 and ~3.94) */
	assert_true(sr_pcie_link_Bps(4, 4) > 7.87e9 && sr_pcie_link_Bps(4, 4) < 7.88e9);
	assert_true(sr_pcie_link_Bps(3, 4) > 3.93e9 && sr_pcie_link_Bps(3, 4) < 3.94e9);
	assert_true(sr_pcie_link_Bps(5, 4) > 15.7e9 && sr_pcie_link_Bps(5, 4) < 15.8e9);
	assert_true(sr_pcie_link_Bps(1, 1) == 0.25e9); /* 8b/10b */
	assert_true(sr_pcie_link_Bps(2, 16) == 8e9);
	assert_true(sr_pcie_link_Bps(6, 4) > 30.2e9 && sr_pcie_link_Bps(6, 4) < 30.3e9); /* FLIT 242/256 */
	assert_true(sr_pcie_link_Bps(0, 4) == 0);
	assert_true(sr_pcie_link_Bps(7, 4) == 0);
	assert_true(sr_pcie_link_Bps(4, 0) == 0);
}

static void test_shipped_db(void **st)
{
	struct sr_devspec s;
	struct sr_err e = { 0 };

	(void)st;
	/* the 980 PRO in the fixture: sysfs model padded with blanks */
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), 0);
	assert_string_equal(s.disk, "nvme0n1");
	assert_string_equal(s.model, "Samsung SSD 980 PRO 1TB");
	assert_non_null(strstr(s.profile, "samsung.ini [Samsung SSD 980 PRO 1TB]"));
	assert_true(s.seq_read_Bps == 7000e6);
	assert_true(s.seq_write_Bps == 5000e6);
	assert_true(s.rand_read_iops == 1000e3);
	assert_int_equal(s.pcie_gen, 4);
	assert_int_equal(s.link_gen, 4);
	assert_int_equal(s.link_lanes, 4);
	assert_true(s.link_Bps > 7.87e9 && s.link_Bps < 7.88e9);
	assert_string_equal(s.link_desc, "PCIe 4.0 x4 (16.0 GT/s)");
	assert_int_equal(s.spec_exceeds_link, 0);
	assert_int_equal(s.numa_node, 0);
	assert_string_equal(s.cpulist, "0-7");
	assert_true(s.source[0] != 0);

	/* SN640 on Gen3 x4 through the multipath layout */
	assert_int_equal(sr_devspec_for_path("/dev/nvme1n1", NULL, sys, &s, &e), 0);
	assert_non_null(strstr(s.profile, "SN640"));
	assert_true(s.link_Bps > 3.93e9 && s.link_Bps < 3.94e9);
	assert_int_equal(s.numa_node, 1);

	/* virtio: nothing known, and that is not an error */
	assert_int_equal(sr_devspec_for_path("vda", NULL, sys, &s, &e), 0);
	assert_string_equal(s.profile, "");
	assert_true(s.link_Bps == 0 && s.seq_read_Bps == 0);
	assert_int_equal(s.numa_node, -1);

	/* an unknown path is not an error either: nothing is known */
	assert_int_equal(sr_devspec_for_path("/nonexistent/x", NULL, sys, &s, &e), 0);
	assert_string_equal(s.disk, "");
	assert_non_null(strstr(s.note, "no block device"));
}

static void test_override(void **st)
{
	struct sr_devspec s;
	struct sr_err e = { 0 };
	char path[160];

	(void)st;
	/* 80 GB/s on PCIe 3.0 x4 is impossible: flagged */
	assert_int_equal(sr_devspec_for_path("nvme1n1", "seq_read=80GB/s", sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 80e9);
	assert_int_equal(s.spec_exceeds_link, 1);
	assert_non_null(strstr(s.warning, "80.00 GB/s exceeds the PCIe 3.0 x4"));
	assert_non_null(strstr(s.source, "--spec"));

	/* units and keys; the spec'd link stands in for a virtio disk's */
	assert_int_equal(sr_devspec_for_path("vda", "seq_read=6.5GiB/s, seq_write = 3000,rand_read=1.2M,"
					  "rand_write=200k IOPS,qd=64,pcie=Gen4 x4,model=Test Drive",
					  sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 6.5 * 1073741824.0);
	assert_true(s.seq_write_Bps == 3000e6);
	assert_true(s.rand_read_iops == 1.2e6);
	assert_true(s.rand_write_iops == 200e3);
	assert_int_equal(s.rand_qd, 64);
	assert_string_equal(s.model, "Test Drive");
	assert_true(s.link_Bps > 7.87e9 && s.link_Bps < 7.88e9);
	assert_string_equal(s.link_desc, "PCIe 4.0 x4 (spec)");
	assert_int_equal(s.spec_exceeds_link, 0);

	/* model= picks the database entry for an unidentified device */
	assert_int_equal(sr_devspec_for_path("vda", "model=samsung ssd 980 pro 2tb", sys, &s, &e), 0);
	assert_true(s.seq_write_Bps == 5100e6);
	assert_true(s.link_Bps > 7.87e9 && s.link_Bps < 7.88e9);

	/* gen=,lanes= */
	assert_int_equal(sr_devspec_for_path("vda", "gen=3,lanes=2,seq_read=2GB/s", sys, &s, &e), 0);
	assert_true(s.link_Bps > 1.96e9 && s.link_Bps < 1.97e9);
	assert_int_equal(s.spec_exceeds_link, 1);

	/* a profile file as --spec */
	snprintf(path, sizeof(path), "%s/mine.ini", tmp);
	put(path, "seq_read = 3GB/s\npcie = 3x4\n");
	assert_int_equal(sr_devspec_for_path("vda", path, sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 3e9);
	assert_non_null(strstr(s.source, "mine.ini"));
}

static void expect_bad(const char *ov, const char *what)
{
	struct sr_devspec s;
	struct sr_err e = { 0 };

	assert_int_equal(sr_devspec_for_path("nvme0n1", ov, sys, &s, &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	if (!strstr(e.msg, what))
		fail_msg("--spec %s: message '%s' lacks '%s'", ov, e.msg, what);
}

static void test_override_bad(void **st)
{
	char path[160];

	(void)st;
	expect_bad("seq_reed=7GB/s", "unknown key 'seq_reed'");
	expect_bad("seq_read=fast", "seq_read: expected a bandwidth");
	expect_bad("seq_read=7XB/s", "seq_read: expected a bandwidth");
	expect_bad("seq_read=-1GB/s", "seq_read: expected a bandwidth");
	expect_bad("rand_read=lots", "rand_read: expected 4K IOPS");
	expect_bad("qd=0", "qd: expected");
	expect_bad("pcie=4", "pcie: expected GENxLANES");
	expect_bad("pcie=7x4", "pcie: expected GENxLANES");
	expect_bad("gen=4", "give both gen and lanes");
	expect_bad("seq_read", "neither a readable profile file");
	expect_bad("seq_read=1GB/s,oops", "expected key=value, found 'oops'");
	snprintf(path, sizeof(path), "%s/two.ini", tmp);
	put(path, "[a]\nseq_read=1GB/s\n[b]\nseq_read=2GB/s\n");
	expect_bad(path, "two.ini:4: expected one section");
	put(path, "seq_read=1GB/s\nwat=2\n");
	expect_bad(path, "two.ini:2: unknown key 'wat'");
}

static void test_db_matching(void **st)
{
	struct sr_devspec s;
	struct sr_err e = { 0 };
	char path[160];

	(void)st;
	setenv("SSDREPLAY_PROFILES", db, 1);
	snprintf(path, sizeof(path), "%s/devices/a.ini", db);
	put(path, "; test database\n"
		  "[Any Samsung]\nmodel = samsung*\nseq_read = 1000MB/s\nsource = test glob\n\n"
		  "[980 family]\nmodel = Samsung SSD 980*\nseq_read = 2000MB/s\nsource = test longer glob\n\n"
		  "[Exact]\nmodel = SAMSUNG   SSD 980 PRO 1TB\nseq_read = 3000MB/s\nsource = test exact\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 3000e6); /* exact (case and blanks ignored) beats globs */
	assert_int_equal(sr_devspec_for_path("vda", "model=Samsung SSD 980 EVO", sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 2000e6); /* the longer glob wins */
	assert_int_equal(sr_devspec_for_path("vda", "model=samsung 860", sys, &s, &e), 0);
	assert_true(s.seq_read_Bps == 1000e6);
	assert_string_equal(s.source, "test glob");
	assert_int_equal(sr_devspec_for_path("vda", "model=Intel", sys, &s, &e), 0);
	assert_string_equal(s.profile, "");

	/* a broken database entry is bad input naming FILE:LINE */
	snprintf(path, sizeof(path), "%s/devices/b.ini", db);
	put(path, "[X]\nmodel = X\nseq_read = 12 parsecs\nsource = s\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "b.ini:3: seq_read: expected a bandwidth"));
	sr_err_clear(&e);
	put(path, "[X]\nmodel = X\nseq_read = 1GB/s\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "b.ini: [X]: figures need a 'source ='"));
	sr_err_clear(&e);
	put(path, "seq_read = 1GB/s\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "b.ini:1: key 'seq_read' outside a [model] section"));
	sr_err_clear(&e);
	remove(path);
	unsetenv("SSDREPLAY_PROFILES");
}

static void test_calibrated(void **st)
{
	struct sr_devspec s;
	struct sr_err e = { 0 };
	struct sr_devspec_pct p;
	char key[192], path[320], line[512];

	(void)st;
	sr_devspec_key("nvme0n1", "Samsung SSD 980 PRO 1TB", "S5GXNX0T123456", key, sizeof(key));
	assert_string_equal(key, "Samsung_SSD_980_PRO_1TB-S5GXNX0T123456");
	sr_devspec_key("vda", "", "", key, sizeof(key));
	assert_string_equal(key, "vda");
	sr_devspec_key("x", "a/b  c", NULL, key, sizeof(key));
	assert_string_equal(key, "a_b_c");

	snprintf(path, sizeof(path), "%s/devices/Samsung_SSD_980_PRO_1TB-S5GXNX0T123456.ini", state);
	put(path, "[calibration]\ndisk = nvme0n1\nseq_read = 6500.5MB/s\nseq_bs = 1048576\nseq_qd = 32\n"
		  "rand_read = 900000\nrand_qd = 64\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), 0);
	assert_true(s.cal_seq_read_Bps == 6500.5e6);
	assert_true(s.cal_rand_read_iops == 900e3);
	assert_int_equal(s.cal_seq_bs, 1048576);
	assert_int_equal(s.cal_seq_qd, 32);
	assert_int_equal(s.cal_rand_qd, 64);
	assert_string_equal(s.cal_file, path);

	sr_devspec_pcts(&s, 3.5e9, 0, 450e3, &p);
	assert_true(p.spec_read == 50);
	assert_true(p.spec_write == 0);
	assert_true(p.spec_iops == 45);
	assert_true(p.link > 44.4 && p.link < 44.5);
	assert_true(p.cal_read > 53.8 && p.cal_read < 53.9);
	assert_true(p.cal_iops == 50);
	sr_devspec_line(&s, 3.5e9, 0, line, sizeof(line));
	assert_string_equal(line, "nvme0n1 (Samsung SSD 980 PRO 1TB): 50% of spec read 7.00 GB/s, 44% of link "
				  "PCIe 4.0 x4 (16.0 GT/s) 7.88 GB/s, 54% of calibrated 6.50 GB/s");

	/* a damaged calibration file is reported, not ignored */
	put(path, "[calibration]\nseq_read = quick\n");
	assert_int_equal(sr_devspec_for_path("nvme0n1", NULL, sys, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, ":2: seq_read: bad value 'quick'"));
	remove(path);

	/* nothing known */
	assert_int_equal(sr_devspec_for_path("loop0", NULL, sys, &s, &e), 0);
	sr_devspec_pcts(&s, 1e9, 0, 0, &p);
	assert_true(p.spec_read == -1 && p.link == -1 && p.cal_read == -1);
	sr_devspec_line(&s, 1e9, 0, line, sizeof(line));
	assert_string_equal(line, "loop0: no spec, link or calibration known");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_ceiling),
		cmocka_unit_test(test_shipped_db),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_override_bad),
		cmocka_unit_test(test_db_matching),
		cmocka_unit_test(test_calibrated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
