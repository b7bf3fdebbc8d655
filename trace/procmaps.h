/* A process's file mappings over time, for record --faults: page faults
 * come as virtual addresses, and only /proc/PID/maps says which file and
 * offset an address was. Sampled while the process runs; each sample's
 * changes are written as the '#' map lines the faults reader reads
 * (trace/fmt_faults.c). Library code: never prints. */
#ifndef SR_TRACE_PROCMAPS_H
#define SR_TRACE_PROCMAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

struct sr_procmaps;

/* Follow pid's mappings of file (matched by device and inode, or by path),
 * or of every file when file is NULL. A file that cannot be stat'ed is bad
 * input. */
int sr_procmaps_new(pid_t pid, const char *file, struct sr_procmaps **out, struct sr_err *e);
/* Read /proc/PID/maps again (a process that is gone has no mappings) and
 * note what was added and removed since the last sample. */
int sr_procmaps_sample(struct sr_procmaps *m, struct sr_err *e);
/* Write the last sample's "# map add" (add) or "# map del" lines to fd;
 * *bytes grows by what was written. The adds go before the faults read at
 * the same time, the dels after them: a fault read before the sample may
 * be in a mapping already gone. */
int sr_procmaps_write(struct sr_procmaps *m, int fd, int add, uint64_t *bytes, struct sr_err *e);
/* The file's key for the capture header: 0, or -ENOENT without a file. */
int sr_procmaps_file(const struct sr_procmaps *m, uint32_t *maj, uint32_t *min, uint64_t *ino);
void sr_procmaps_free(struct sr_procmaps *m);

#endif
