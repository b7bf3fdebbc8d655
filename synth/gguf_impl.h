/* What the GGUF reader (gguf.c) and writer (gguf_write.c) share. Format:
 * ggml's docs/gguf.md and ggml/src/gguf.cpp in ggml-org/llama.cpp. */
#ifndef SR_GGUF_IMPL_H
#define SR_GGUF_IMPL_H

#include <stdint.h>

#include "synth/model.h"

#define SR_GGUF_MAGIC "GGUF"

/* One GGUF file as it is (a shard stays a shard): sr_gguf_read without the
 * split handling of gguf_split.c. */
int sr_gguf_read_file(const char *path, struct sr_model *m, struct sr_err *e);
#define SR_GGUF_DEFAULT_ALIGN 32
/* gguf.cpp's GGUF_MAX_STRING_LENGTH and GGUF_MAX_ARRAY_ELEMENTS. */
#define SR_GGUF_MAX_LEN ((uint64_t)1 << 30)

/* Bytes of one value of a scalar type; 0 for string, array and unknown. */
static inline unsigned sr_gguf_vsize(uint32_t type)
{
	static const unsigned size[SR_GGUF_NTYPES] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };

	return type < SR_GGUF_NTYPES ? size[type] : 0;
}

static inline const char *sr_gguf_vname(uint32_t type)
{
	static const char *const name[SR_GGUF_NTYPES] = { "u8",  "i8",  "u16", "i16", "u32",
							  "i32", "f32", "bool", "string", "array",
							  "u64", "i64", "f64" };

	return type < SR_GGUF_NTYPES ? name[type] : "unknown";
}

/* x aligned up to a power of two a; UINT64_MAX on overflow. */
static inline uint64_t sr_gguf_align(uint64_t x, uint64_t a)
{
	return x > UINT64_MAX - (a - 1) ? UINT64_MAX : (x + a - 1) & ~(a - 1);
}

/* Names come from files: keep a message on one printable line. Returns ret. */
static inline int sr_gguf_oneline(struct sr_err *e, int ret)
{
	unsigned char *c;

	if (e && ret)
		for (c = (unsigned char *)e->msg; *c; c++)
			if (*c < 0x20 || *c == 0x7f)
				*c = '?';
	return ret;
}

#endif
