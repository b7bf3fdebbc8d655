/* GGUF v2/v3 reader and writer (little endian). */
#ifndef SR_GGUF_H
#define SR_GGUF_H

#include "synth/model.h"

/* Read path's header, metadata and tensor infos into m (no tensor data).
 * Anything malformed or unknown is bad input naming the key or tensor and
 * the byte offset: "m.gguf@1234: tensor 'blk.0.attn_q.weight': unknown ggml type 99".
 * A shard of a split model (MODEL-00001-of-00003.gguf) opens the whole model:
 * every shard's tensors, offsets in the shards joined end to end (see
 * sr_model.files and synth/gguf_split.c). */
int sr_gguf_read(const char *path, struct sr_model *m, struct sr_err *e);
/* The same from memory (fuzzing, tests); name is used in messages. buf is
 * the whole file: tensors must lie inside len. */
int sr_gguf_parse(const void *buf, size_t len, const char *name, struct sr_model *m,
		  struct sr_err *e);

/* Lay m out as gguf.cpp's writer does: classify every tensor (bytes, kind,
 * experts), data_off = header size aligned up to m->alignment (0 → 32, must
 * agree with a general.alignment kv), tensors packed in m->tensors order,
 * each padded to the alignment; sets data_off, every off and file_size.
 * Call it after building kvs and tensors, before sr_gguf_write. */
int sr_gguf_layout(struct sr_model *m, struct sr_err *e);
/* Bytes of m's header (magic to the last tensor info), before padding. */
int sr_gguf_header_size(const struct sr_model *m, uint64_t *size, struct sr_err *e);
/* m's header as a GGUF v3 writer emits it, zero padded to m->data_off:
 * *buf (malloc'd, *len = data_off). Same checks as sr_gguf_write. */
int sr_gguf_encode_header(const struct sr_model *m, uint8_t **buf, size_t *len,
			  struct sr_err *e);

/* Tensor data: pseudo-random bytes from the seed (F32/F16/BF16 tensors get
 * small finite values, so a runtime never meets NaN/Inf), holes
 * (ftruncate; reads return zeros), or written zeros. Padding is zeros. */
enum sr_gguf_fill { SR_FILL_RANDOM, SR_FILL_SPARSE, SR_FILL_ZERO };
/* Write m as a GGUF v3 file: header, kvs, tensor infos, data at m's offsets
 * (which must be aligned, ascending and non-overlapping, with data_off the
 * aligned header size: sr_gguf_layout gives that). Writes to path.tmp,
 * fsyncs and renames on success, so a failed write leaves nothing behind.
 * The file ends at data_off + the last tensor's end aligned up, which must
 * be m->file_size (or m->file_size 0). llama.cpp loads it when the tensors
 * are packed as sr_gguf_layout packs them. */
int sr_gguf_write(const char *path, const struct sr_model *m, enum sr_gguf_fill fill,
		  uint64_t seed, struct sr_err *e);
/* The same, calling progress(arg, bytes written so far, file size) after
 * each tensor (a multi-GB model takes seconds to minutes to write). */
int sr_gguf_write_progress(const char *path, const struct sr_model *m, enum sr_gguf_fill fill,
			   uint64_t seed, void (*progress)(void *arg, uint64_t done, uint64_t total),
			   void *arg, struct sr_err *e);

#endif
