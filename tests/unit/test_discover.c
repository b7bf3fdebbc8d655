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

#include "devices/discover.h"

/* The fixture tree (tests/fixtures/mk_sysfs.sh) describes each device. */
static char root[64];

static int setup(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/sr-discover.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(cmd, sizeof(cmd), "bash %s/../tests/fixtures/mk_sysfs.sh %s/sys", SR_PROFILE_DIR, root);
	if (system(cmd))
		return -1;
	strcat(root, "/sys");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	root[strlen(root) - 4] = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) ? -1 : 0;
}

static void test_names(void **state)
{
	char names[16][64];
	int n;

	(void)state;
	n = sr_blkdev_names(root, 0, names, 16, NULL);
	assert_int_equal(n, 5);
	assert_string_equal(names[0], "dm-0");
	assert_string_equal(names[1], "loop0");
	assert_string_equal(names[2], "nvme0n1");
	assert_string_equal(names[3], "nvme1n1");
	assert_string_equal(names[4], "vda");
	/* --all adds the detached loop1 and the hidden multipath path device */
	n = sr_blkdev_names(root, 1, names, 16, NULL);
	assert_int_equal(n, 7);
	assert_string_equal(names[2], "loop1");
	assert_string_equal(names[4], "nvme1c1n1");
	assert_int_equal(sr_blkdev_names("/nonexistent", 0, names, 16, NULL), -EINVAL);
}

static void test_nvme_classic(void **state)
{
	struct sr_blkdev d;

	(void)state;
	assert_int_equal(sr_blkdev_read(root, NULL, "nvme0n1", 0, &d, NULL), 0);
	assert_string_equal(d.kind, "nvme");
	assert_string_equal(d.model, "Samsung SSD 980 PRO 1TB"); /* padding trimmed */
	assert_string_equal(d.serial, "S5GXNX0T123456");
	assert_string_equal(d.firmware, "5B2QGXA7");
	assert_int_equal(d.size, 1953525168ull * 512);
	assert_int_equal(d.lbs, 512);
	assert_int_equal(d.rotational, 0);
	assert_string_equal(d.scheduler, "none");
	assert_int_equal(d.nr_requests, 1023);
	assert_int_equal(d.max_sectors_kb, 128);
	assert_string_equal(d.pci_addr, "0000:01:00.0");
	assert_int_equal(d.link_gen, 4);
	assert_int_equal(d.link_width, 4);
	assert_int_equal(d.link_max_gen, 4);
	assert_int_equal(d.numa_node, 0);
	assert_string_equal(d.cpulist, "0-7");
	assert_string_equal(d.holders, "dm-0"); /* held through its partition */
	assert_int_equal(d.mount_known, 0);
}

static void test_nvme_multipath(void **state)
{
	struct sr_blkdev d;

	(void)state;
	assert_int_equal(sr_blkdev_read(root, NULL, "nvme1n1", 0, &d, NULL), 0);
	assert_string_equal(d.model, "WUS4BB096D7P3E3");
	assert_int_equal(d.lbs, 4096);
	assert_string_equal(d.pci_addr, "0000:41:00.0"); /* subsystem -> controller -> PCI */
	assert_int_equal(d.link_gen, 3);
	assert_true(d.link_gts > 7.99 && d.link_gts < 8.01);
	assert_int_equal(d.numa_node, 1);
	assert_string_equal(d.cpulist, "8-15");
}

static void test_virtio_loop(void **state)
{
	struct sr_blkdev d;

	(void)state;
	assert_int_equal(sr_blkdev_read(root, NULL, "vda", 0, &d, NULL), 0);
	assert_string_equal(d.kind, "virtio");
	assert_string_equal(d.model, "");
	assert_string_equal(d.scheduler, "mq-deadline");
	assert_int_equal(d.pbs, 4096);
	assert_int_equal(d.rotational, 1);
	assert_string_equal(d.pci_addr, ""); /* no link attributes in a VM */
	assert_int_equal(d.link_gen, 0);
	assert_int_equal(d.numa_node, -1);
	assert_string_equal(d.cpulist, "0-1");

	assert_int_equal(sr_blkdev_read(root, NULL, "loop0", 0, &d, NULL), 0);
	assert_string_equal(d.kind, "loop");
	assert_string_equal(d.backing_file, "/tmp/sr-fixture.img");
	assert_int_equal(d.size, 131072ull * 512);
	assert_int_equal(d.numa_node, -1);

	assert_int_equal(sr_blkdev_read(root, NULL, "nvme7n1", 0, &d, NULL), -EINVAL);
	assert_int_equal(sr_blkdev_read(root, NULL, "../block", 0, &d, NULL), -EINVAL);
}

static void test_mounts(void **state)
{
	char proc[128], p[192];
	struct sr_blkdev d;
	FILE *f;

	(void)state;
	snprintf(proc, sizeof(proc), "%.*s/proc", (int)strlen(root) - 4, root);
	snprintf(p, sizeof(p), "%s/self", proc);
	assert_int_equal(mkdir(proc, 0755), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/self/mountinfo", proc);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
		   "40 27 259:1 / /data rw,relatime - xfs /dev/nvme0n1p1 rw\n");
	fclose(f);
	assert_int_equal(sr_blkdev_read(root, proc, "nvme0n1", 0, &d, NULL), 0);
	assert_int_equal(d.mount_known, 1);
	assert_string_equal(d.mounts, "nvme0n1p1 on /data");
	assert_int_equal(sr_blkdev_read(root, proc, "vda", 0, &d, NULL), 0);
	assert_string_equal(d.mounts, "vda on /");
	assert_int_equal(sr_blkdev_read(root, proc, "nvme1n1", 0, &d, NULL), 0);
	assert_int_equal(d.mount_known, 1);
	assert_string_equal(d.mounts, "");
}

static void test_disk_for_path(void **state)
{
	char disk[64], note[256];
	struct sr_err e = { 0 };

	(void)state;
	assert_int_equal(sr_disk_for_path("nvme0n1", root, disk, sizeof(disk), note, sizeof(note), NULL), 0);
	assert_string_equal(disk, "nvme0n1");
	assert_string_equal(note, "");
	/* a partition resolves to its disk */
	assert_int_equal(sr_disk_for_path("nvme0n1p1", root, disk, sizeof(disk), note, sizeof(note), NULL), 0);
	assert_string_equal(disk, "nvme0n1");
	/* dm on one slave (a partition) resolves through it, and says so */
	assert_int_equal(sr_disk_for_path("/dev/dm-0", root, disk, sizeof(disk), note, sizeof(note), NULL), 0);
	assert_string_equal(disk, "nvme0n1");
	assert_non_null(strstr(note, "dm-0 sits on nvme0n1"));
	assert_int_equal(sr_disk_for_path("/dev/nvme1n1", root, disk, sizeof(disk), note, sizeof(note), NULL), 0);
	assert_string_equal(disk, "nvme1n1");
	assert_int_equal(sr_disk_for_path("sdz", root, disk, sizeof(disk), note, sizeof(note), &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	assert_non_null(strstr(e.msg, "sdz"));
}

static void test_numa(void **state)
{
	char cpus[64];
	int node;

	(void)state;
	assert_int_equal(sr_dev_numa(root, "nvme1n1", &node, cpus, sizeof(cpus)), 0);
	assert_int_equal(node, 1);
	assert_string_equal(cpus, "8-15");
	assert_int_equal(sr_dev_numa(root, "nvme0n1", &node, cpus, sizeof(cpus)), 0);
	assert_int_equal(node, 0);
	assert_int_equal(sr_dev_numa(root, "vda", &node, cpus, sizeof(cpus)), 0);
	assert_int_equal(node, -1);
	assert_int_equal(sr_dev_numa(root, "loop0", &node, cpus, sizeof(cpus)), -ENOENT);
	assert_int_equal(node, -1);
}

static void test_link_parse(void **state)
{
	(void)state;
	assert_true(sr_pcie_parse_gts("16.0 GT/s PCIe") == 16.0);
	assert_true(sr_pcie_parse_gts("8 GT/s") == 8.0);
	assert_true(sr_pcie_parse_gts("2.5 GT/s PCIe") == 2.5);
	assert_true(sr_pcie_parse_gts("Unknown speed") == 0);
	assert_true(sr_pcie_parse_gts("16.0 Gb/s") == 0);
	assert_int_equal(sr_pcie_gen_of_gts(2.5), 1);
	assert_int_equal(sr_pcie_gen_of_gts(5.0), 2);
	assert_int_equal(sr_pcie_gen_of_gts(8.0), 3);
	assert_int_equal(sr_pcie_gen_of_gts(16.0), 4);
	assert_int_equal(sr_pcie_gen_of_gts(32.0), 5);
	assert_int_equal(sr_pcie_gen_of_gts(64.0), 6);
	assert_int_equal(sr_pcie_gen_of_gts(12.0), 0);
}

/* The page cache's largest folio: ext4 reads into large folios from Linux
 * 6.16, xfs from 5.18; before, and on other filesystems, single pages. */
static void test_max_folio(void **state)
{
	char why[160];

	(void)state;
	assert_int_equal(sr_dev_max_folio_for(0xEF53, "6.18.44-fc-v1272", why, sizeof(why)), 2u << 20);
	assert_non_null(strstr(why, "ext4 on Linux 6.18"));
	assert_int_equal(sr_dev_max_folio_for(0xEF53, "6.16.0", why, sizeof(why)), 2u << 20);
	assert_int_equal(sr_dev_max_folio_for(0xEF53, "6.12.57+deb13-amd64", why, sizeof(why)), 4096);
	assert_non_null(strstr(why, "only from 6.16"));
	assert_int_equal(sr_dev_max_folio_for(0xEF53, "6.1.0-40-amd64", why, sizeof(why)), 4096);
	assert_int_equal(sr_dev_max_folio_for(0x58465342, "6.1.0", why, sizeof(why)), 2u << 20);
	assert_int_equal(sr_dev_max_folio_for(0x58465342, "5.15.0", why, sizeof(why)), 4096);
	assert_int_equal(sr_dev_max_folio_for(0x9123683E, "6.18.0", why, sizeof(why)), 4096); /* btrfs */
	assert_int_equal(sr_dev_max_folio_for(0xEF53, "garbage", why, sizeof(why)), 4096);
	assert_int_equal(sr_dev_max_folio("/dev/null", why, sizeof(why)), 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nvme_classic),
		cmocka_unit_test(test_nvme_multipath),
		cmocka_unit_test(test_virtio_loop),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_disk_for_path),
		cmocka_unit_test(test_numa),
		cmocka_unit_test(test_link_parse),
		cmocka_unit_test(test_max_folio),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
