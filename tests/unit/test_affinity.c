/* CPU lists (--cpus) and NUMA locality from sysfs (devices/affinity.c), and
 * the write-safety check against a fixture sysfs tree (devices/target.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices/affinity.h"
#include "devices/target.h"

static void test_cpulist_roundtrip(void **state)
{
	static const char *const lists[] = { "0", "0,2-3", "1-5,7,9-10", "0-1023" };
	cpu_set_t s;
	char buf[256];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		/* parse without the availability check: build through the formatter */
		struct sr_err e = { 0 };
		int ret = sr_cpulist_parse("--cpus", lists[i], &s, &e);

		if (ret) { /* CPUs this machine lacks: only the message may differ */
			assert_non_null(strstr(e.msg, "not available"));
			continue;
		}
		sr_cpulist_format(&s, buf, sizeof(buf));
		assert_string_equal(buf, lists[i]);
	}
	CPU_ZERO(&s);
	CPU_SET(0, &s);
	CPU_SET(1, &s);
	CPU_SET(3, &s);
	sr_cpulist_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "0-1,3");
	CPU_ZERO(&s);
	sr_cpulist_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_cpulist_bad(void **state)
{
	static const char *const bad[] = { "", "x", "1-", "-1", "3-1", "1,,2", "1,", "0x1", "99999",
					   "1 2", "2-3a" };
	cpu_set_t s;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sr_err e = { 0 };

		assert_int_not_equal(sr_cpulist_parse("--cpus", bad[i], &s, &e), 0);
		assert_true(e.bad_input);
		assert_non_null(strstr(e.msg, "--cpus"));
	}
}

/* root/rel (a fixture file) holding text. */
static void mkfile(const char *root, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_numa_sysfs(void **state)
{
	char root[] = "/tmp/sr-sysfs.XXXXXX", p[512];
	cpu_set_t s;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "mkdir -p %s/block/nvme0n1/device %s/block/vdb/device %s/devices/system/node/node1",
		 root, root, root);
	assert_int_equal(system(p), 0);
	mkfile(root, "block/nvme0n1/device/numa_node", "1\n");
	mkfile(root, "block/vdb/device/numa_node", "-1\n");
	mkfile(root, "devices/system/node/node1/cpulist", "0-1023\n");
	assert_int_equal(sr_disk_numa_node(root, "nvme0n1"), 1);
	assert_int_equal(sr_disk_numa_node(root, "vdb"), -1);
	assert_int_equal(sr_disk_numa_node(root, "loop0"), -1); /* no device/ */
	snprintf(p, sizeof(p), "mkdir -p %s/block/nvme1n1/device/device", root);
	assert_int_equal(system(p), 0);
	mkfile(root, "block/nvme1n1/device/device/numa_node", "3\n");
	assert_int_equal(sr_disk_numa_node(root, "nvme1n1"), 3); /* from the PCI parent */
	assert_int_equal(sr_disk_numa_node(root, ""), -1);
	/* the node's CPUs, limited to those this process may use */
	assert_int_equal(sr_node_cpus(root, 1, &s), 0);
	{
		cpu_set_t allowed;

		assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
		assert_true(CPU_EQUAL(&s, &allowed));
	}
	assert_int_equal(sr_node_cpus(root, 0, &s), -ENOENT);
	mkfile(root, "devices/system/node/node1/cpulist", "100000\n");
	assert_int_equal(sr_node_cpus(root, 1, &s), -ENOENT);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

/* The CPU of a single-queue disk's completion interrupts, from a fixture
 * sysfs/procfs shaped like a virtio disk's: block/vda/device is virtio1
 * under its PCI function, which has the MSI vectors (config and queue). */
static void test_irq_cpus(void **state)
{
	char root[] = "/tmp/sr-sysfs.XXXXXX", p[4096], pci[128];
	cpu_set_t s, allowed;
	int cpu = -1, other = -1, c;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (c = 0; c < CPU_SETSIZE && other < 0; c++)
		if (CPU_ISSET(c, &allowed)) {
			if (cpu < 0)
				cpu = c;
			else
				other = c;
		}
	assert_non_null(mkdtemp(root));
	snprintf(pci, sizeof(pci), "%s/devices/pci0000:00/0000:00:02.0", root);
	snprintf(p, sizeof(p), "mkdir -p %s/virtio1 %s/msi_irqs/35 %s/msi_irqs/36 %s/block/vda/mq/0 "
		 "%s/kernel/irq/35 %s/kernel/irq/36 %s/proc/irq/35 %s/proc/irq/36 && ln -s %s/virtio1 %s/block/vda/device",
		 pci, pci, pci, root, root, root, root, root, pci, root);
	assert_int_equal(system(p), 0);
	mkfile(root, "kernel/irq/35/per_cpu_count", "1,0\n");
	mkfile(root, "kernel/irq/36/per_cpu_count", "0,64988435\n");
	snprintf(pci, sizeof(pci), "%d\n", other >= 0 ? other : cpu);
	mkfile(root, "proc/irq/35/effective_affinity_list", pci);
	snprintf(pci, sizeof(pci), "%d\n", cpu);
	mkfile(root, "proc/irq/36/effective_affinity_list", pci);
	snprintf(pci, sizeof(pci), "%s/proc", root);
	/* the queue's vector (36, the busy one), not the config vector */
	assert_int_equal(sr_disk_irq_cpus(root, pci, "vda", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 1);
	assert_true(CPU_ISSET(cpu, &s));
	assert_int_equal(sr_disk_irq_cpus(root, pci, "vdb", &s), -ENOENT); /* no such disk */
	assert_int_equal(sr_disk_irq_cpus(root, pci, "", &s), -ENOENT);
	/* several hardware queues: each has its vector, nothing to pick */
	snprintf(p, sizeof(p), "mkdir -p %s/block/vda/mq/1", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(sr_disk_irq_cpus(root, pci, "vda", &s), -ENOENT);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

/* A device with holders (from a fixture sysfs) is refused unless
 * --force-destroy-data names it. Needs a block device node to stat: a loop
 * node (present with or without a backing file) that nothing has mounted. */
static void test_holders_force(void **state)
{
	char root[] = "/tmp/sr-sysfs.XXXXXX", p[512], other[64];
	const char *dev = NULL;
	struct stat sb;
	struct sr_err e = { 0 };
	int i;

	(void)state;
	for (i = 7; i >= 0; i--) {
		static char cand[32];

		snprintf(cand, sizeof(cand), "/dev/loop%d", i);
		if (!stat(cand, &sb) && S_ISBLK(sb.st_mode)) {
			dev = cand;
			break;
		}
	}
	if (!dev)
		skip();
	snprintf(other, sizeof(other), "/dev/loop%d", i == 7 ? 0 : 7); /* need not exist */
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "mkdir -p %s/dev/block/%u:%u/holders/dm-9", root, major(sb.st_rdev),
		 minor(sb.st_rdev));
	assert_int_equal(system(p), 0);
	assert_int_not_equal(sr_target_write_check_path(dev, root, NULL, &e), 0);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "refusing to write: it is held by dm-9"));
	assert_non_null(strstr(e.msg, "--force-destroy-data"));
	sr_err_clear(&e);
	assert_int_not_equal(sr_target_write_check_path(dev, root, other, &e), 0);
	assert_non_null(strstr(e.msg, "not this device"));
	sr_err_clear(&e);
	assert_int_equal(sr_target_write_check_path(dev, root, dev, &e), 0);
	/* without holders in the fixture it passes anyway; a file always does */
	snprintf(p, sizeof(p), "rm -rf %s/dev", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(sr_target_write_check_path(dev, root, NULL, &e), 0);
	assert_int_equal(sr_target_write_check_path("/etc/hostname", root, NULL, &e), 0);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_roundtrip),
		cmocka_unit_test(test_cpulist_bad),
		cmocka_unit_test(test_numa_sysfs),
		cmocka_unit_test(test_irq_cpus),
		cmocka_unit_test(test_holders_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
