/* Where a device's replay threads should run: its NUMA node (sysfs) and the
 * CPUs of that node, and `--cpus LIST` lists (0,2-3) parsed and printed. */
#ifndef SR_AFFINITY_H
#define SR_AFFINITY_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stddef.h>

#include "base/err.h"

/* Parse "0,2-3" into set. Returns 0, or -EINVAL with e naming what (opt is
 * the option for messages: "--cpus"). Every CPU must be one this process may
 * run on (sched_getaffinity). */
int sr_cpulist_parse(const char *opt, const char *list, cpu_set_t *set, struct sr_err *e);
/* "0,2-3" (empty string for an empty set). */
void sr_cpulist_format(const cpu_set_t *set, char *buf, size_t n);

/* NUMA node of the block device disk ("nvme0n1", "loop0"; the whole disk,
 * not a partition) from sysfs_root/block/DISK/device/numa_node (or
 * device/device/numa_node, the PCI function), -1 when absent or -1 there
 * (no locality: loop devices, virtio on one node). */
int sr_disk_numa_node(const char *sysfs_root, const char *disk);
/* CPUs of node (sysfs_root/devices/system/node/nodeN/cpulist) that this
 * process may run on. Returns 0, or -ENOENT when none are known. */
int sr_node_cpus(const char *sysfs_root, int node, cpu_set_t *set);
/* CPUs that take the completion interrupts of disk when it has one hardware
 * queue (sysfs_root/block/DISK/mq/ holds one entry): the busiest of the MSI
 * vectors of its device (msi_irqs of block/DISK/device or the first parent
 * that has one, counted in sysfs_root/kernel/irq/N/per_cpu_count), where that vector's
 * interrupts go (proc_root/irq/N/effective_affinity_list), and this process
 * may run. Returns 0, or -ENOENT when any of it is unknown or the disk has
 * several queues (each with its own vector: completions come to the
 * submitter's CPU already). */
int sr_disk_irq_cpus(const char *sysfs_root, const char *proc_root, const char *disk, cpu_set_t *set);

#endif
