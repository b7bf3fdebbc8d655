/* Compressed traces (.gz, .zst) read directly: every trace reader opens its
 * file through sr_trace_open_fd, which hands back a descriptor of the
 * decompressed bytes (a seekable temporary file, so rewinds and loops work)
 * when the file starts with gzip's or zstd's magic, else of the file. */
#ifndef SR_TRACE_DECOMP_H
#define SR_TRACE_DECOMP_H

#include <stdint.h>

#include "base/err.h"

/* open(path, O_RDONLY | O_CLOEXEC), decompressed when it is gzip or zstd.
 * The last decompressed file is kept (one entry, keyed by device, inode,
 * size and mtime) so probing the format and then reading it decompress
 * once. Returns the fd, or -errno with e set: a missing file or corrupt or
 * truncated compressed data is bad input; a build without zlib/libzstd
 * says which library it lacks. */
int sr_trace_open_fd(const char *path, struct sr_err *e);

/* Decompressing happens at open, before the first record, and takes a
 * while for a large trace: fn (NULL: none) hears after every chunk how
 * many bytes of the compressed file were consumed, of its size. One hook
 * for the process: the cli sets it around opening a trace. */
typedef void (*sr_trace_decomp_fn)(void *arg, const char *path, uint64_t done, uint64_t total);
void sr_trace_decomp_watch(sr_trace_decomp_fn fn, void *arg);

#endif
