/* ggml tensor types: ids and block geometry.
 *
 * Checked against ggml's own source in ggml-org/llama.cpp:
 *  - ids: ggml/include/ggml.h `enum ggml_type` (Q4_2 = 4 and Q4_3 = 5 "support
 *    has been removed"; 31-33 Q4_0_4_4/4_8/8_8 and 36-38 IQ4_NL_4_4/4_8/8_8
 *    "support has been removed from gguf files"; NVFP4 = 40, Q1_0 = 41 and
 *    Q2_0 = 42 are the newest, GGML_TYPE_COUNT = 43);
 *  - block sizes: ggml/src/ggml.c `type_traits[]` (.blck_size: 1, QK4_0 = 32,
 *    QK_K = 256, QK_NVFP4 = 64, QK1_0 = 128, QK2_0 = 64; the removed ids have
 *    blck_size 0 there, which gguf.cpp rejects);
 *  - type sizes: .type_size = sizeof(block_*), whose sizes are the
 *    static_asserts in ggml/src/ggml-common.h (e.g. block_q4_K = 2*2 + 12 +
 *    128 = 144, block_tq1_0 = 2 + 4 + 48 = 54, block_mxfp4 = 1 + 16 = 17,
 *    block_nvfp4 = 4 + 32 = 36) and gguf-py/gguf/constants.py GGML_QUANT_SIZES,
 *    which lists the same (block size, type size) pairs.
 * Q8_1 and Q8_K are intermediate types that never appear in model files but
 * are valid ggml types, so they are accepted. */
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "synth/model.h"

#define QK_K 256

static const struct sr_ggml_type types[] = {
	{ 0, "F32", 1, 4 },
	{ 1, "F16", 1, 2 },
	{ 2, "Q4_0", 32, 2 + 16 },
	{ 3, "Q4_1", 32, 2 + 2 + 16 },
	/* 4 Q4_2, 5 Q4_3: removed */
	{ 6, "Q5_0", 32, 2 + 4 + 16 },
	{ 7, "Q5_1", 32, 2 + 2 + 4 + 16 },
	{ 8, "Q8_0", 32, 2 + 32 },
	{ 9, "Q8_1", 32, 4 + 32 },
	{ 10, "Q2_K", QK_K, 2 + 2 + QK_K / 16 + QK_K / 4 },                  /* 84 */
	{ 11, "Q3_K", QK_K, 2 + QK_K / 4 + QK_K / 8 + 12 },                  /* 110 */
	{ 12, "Q4_K", QK_K, 2 + 2 + QK_K / 2 + 12 },                         /* 144 */
	{ 13, "Q5_K", QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12 },              /* 176 */
	{ 14, "Q6_K", QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },           /* 210 */
	{ 15, "Q8_K", QK_K, 4 + QK_K + QK_K / 8 },                           /* 292 */
	{ 16, "IQ2_XXS", QK_K, 2 + QK_K / 4 },                               /* 66 */
	{ 17, "IQ2_XS", QK_K, 2 + QK_K / 4 + QK_K / 32 },                    /* 74 */
	{ 18, "IQ3_XXS", QK_K, 2 + 3 * QK_K / 8 },                           /* 98 */
	{ 19, "IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 16 },                     /* 50 */
	{ 20, "IQ4_NL", 32, 2 + 16 },
	{ 21, "IQ3_S", QK_K, 2 + 13 * (QK_K / 32) + QK_K / 64 },             /* 110 */
	{ 22, "IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 16 },                     /* 82 */
	{ 23, "IQ4_XS", QK_K, 2 + 2 + QK_K / 64 + QK_K / 2 },                /* 136 */
	{ 24, "I8", 1, 1 },
	{ 25, "I16", 1, 2 },
	{ 26, "I32", 1, 4 },
	{ 27, "I64", 1, 8 },
	{ 28, "F64", 1, 8 },
	{ 29, "IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32 },             /* 56 */
	{ 30, "BF16", 1, 2 },
	/* 31-33 Q4_0_4_4, Q4_0_4_8, Q4_0_8_8: removed */
	{ 34, "TQ1_0", QK_K, 2 + QK_K / 64 + (QK_K - 4 * QK_K / 64) / 5 },   /* 54 */
	{ 35, "TQ2_0", QK_K, 2 + QK_K / 4 },                                 /* 66 */
	/* 36-38 IQ4_NL_4_4, IQ4_NL_4_8, IQ4_NL_8_8: removed */
	{ 39, "MXFP4", 32, 1 + 16 },
	{ 40, "NVFP4", 64, 4 + 32 },
	{ 41, "Q1_0", 128, 2 + 128 / 8 },
	{ 42, "Q2_0", 64, 2 + 64 / 4 },
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))
#define MAX_ID 43

/* id -> index + 1, 0 for the holes. */
static const uint8_t by_id[MAX_ID] = {
	[0] = 1, [1] = 2, [2] = 3, [3] = 4, [6] = 5, [7] = 6, [8] = 7, [9] = 8, [10] = 9,
	[11] = 10, [12] = 11, [13] = 12, [14] = 13, [15] = 14, [16] = 15, [17] = 16, [18] = 17,
	[19] = 18, [20] = 19, [21] = 20, [22] = 21, [23] = 22, [24] = 23, [25] = 24, [26] = 25,
	[27] = 26, [28] = 27, [29] = 28, [30] = 29, [34] = 30, [35] = 31, [39] = 32, [40] = 33,
	[41] = 34, [42] = 35,
};

_Static_assert(N_TYPES == 35, "by_id covers every entry of types[]");

const struct sr_ggml_type *sr_ggml_type(uint32_t id)
{
	if (id >= MAX_ID || !by_id[id])
		return NULL;
	return &types[by_id[id] - 1];
}

const struct sr_ggml_type *sr_ggml_type_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < N_TYPES; i++)
		if (!strcasecmp(types[i].name, name))
			return &types[i];
	return NULL;
}

uint64_t sr_ggml_row_bytes(const struct sr_ggml_type *t, uint64_t ne0)
{
	if (!t || ne0 % t->block_elems)
		return 0;
	/* Saturate rather than wrap, so that callers see an absurd size. */
	if (ne0 / t->block_elems > UINT64_MAX / t->block_bytes)
		return UINT64_MAX;
	return ne0 / t->block_elems * t->block_bytes;
}
