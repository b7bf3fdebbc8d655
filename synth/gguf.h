/* GGUF v2/v3 reader and writer (little endian). */
#ifndef SR_GGUF_H
#define SR_GGUF_H

#include "synth/model.h"

/* Read path's header, metadata and tensor infos into m (no tensor data).
 * Anything malformed or unknown is bad input naming the key or tensor and
 * the byte offset: "m.gguf@1234: tensor 'blk.0.attn_q.weight': unknown ggml type 99". */
int sr_gguf_read(const char *path, struct sr_model *m, struct sr_err *e);
/* The same from memory (fuzzing, tests); name is used in messages. */
int sr_gguf_parse(const void *buf, size_t len, const char *name, struct sr_model *m,
		  struct sr_err *e);

enum sr_gguf_fill { SR_FILL_RANDOM, SR_FILL_SPARSE, SR_FILL_ZERO };
/* Write m as a GGUF v3 file: header, kvs, tensor infos, data at m's offsets
 * (which must be aligned and non-overlapping). Writes to path.tmp, renames on
 * success, so a failed write leaves nothing behind. */
int sr_gguf_write(const char *path, const struct sr_model *m, enum sr_gguf_fill fill,
		  uint64_t seed, struct sr_err *e);

#endif
