/* The llama.cpp-family strategies of issue 10, each a simulate policy
 * (policy/strategies.c, over the buffer manager) and a --real-mmap mode
 * (real/realstrat.c, madvise/pread/O_DIRECT on the real mapping):
 *
 *   pagecache             mmap + page cache, llama.cpp's default: demand
 *                         faults, kernel readahead, no hints
 *   routed-willneed[:dontneed]
 *                         llama.cpp PR #26003 (--lazy-experts, closed
 *                         unmerged): MADV_WILLNEED on the routed experts'
 *                         slices as soon as routing is known (the layer's
 *                         ffn_gate_inp access), the rest left to fault;
 *                         :dontneed drops a layer's expert ranges after use
 *                         ("mark an uploaded mmap tensor as DONTNEED")
 *   pread-prefetch[:T[:A]]
 *                         ik_llama.cpp PR #2101 (--prefetch-experts,
 *                         merged): T pread() workers warm the page cache
 *                         with the selected experts' slices at decode, and
 *                         stream the next A MoE layers' expert tensors in
 *                         full during prefill, MADV_COLD after use.
 *                         Defaults from the PR: GGML_MOE_PREFETCH_THREADS =
 *                         min(8, hardware threads), GGML_MOE_PREFETCH_AHEAD = 3
 *   tensor-rule[:GLOB=read|mmap,...]
 *                         per-tensor mmap vs read: tensors whose rule says
 *                         read are read once with O_DIRECT into private
 *                         pinned buffers, the rest mmapped; first match
 *                         wins, unmatched tensors are mmapped. Default
 *                         SR_RULE_DEFAULT: experts mmapped, the rest read.
 *
 * The O_DIRECT + own buffer manager row is every other simulate policy. */
#ifndef SR_STRATEGY_H
#define SR_STRATEGY_H

#include <stddef.h>

#include "synth/model.h"

#define SR_PREAD_THREADS_MAX 8 /* GGML_MOE_PREFETCH_THREADS default: min(8, hw) */
#define SR_PREAD_AHEAD 3       /* GGML_MOE_PREFETCH_AHEAD default */
#define SR_RULE_DEFAULT "*_exps.*=mmap,*=read"

/* What --real-mmap does besides touching pages in schedule order. */
enum sr_mmap_strategy {
	SR_MS_NONE = 0,        /* plain mmap (with --advise) */
	SR_MS_ROUTED_WILLNEED,
	SR_MS_PREAD_PREFETCH,
	SR_MS_TENSOR_RULE,
};

/* The real-mode strategy of a simulate policy name, SR_MS_NONE if it has none. */
enum sr_mmap_strategy sr_mmap_strategy_of(const char *policy_name);
/* min(SR_PREAD_THREADS_MAX, online CPUs) */
unsigned sr_pread_threads_default(void);

/* Check "GLOB=read|mmap[,GLOB=read|mmap...]": 0 or -EINVAL with e set. */
int sr_rules_check(const char *rules, struct sr_err *e);
/* 1 when the first rule matching name says read, else 0 (mmap). */
int sr_rules_read(const char *rules, const char *name);

/* A layer's routed expert accesses start at its router: the access of
 * the layer's ffn_gate_inp tensor (kind SR_TK_FFN_GATE_INP). */
static inline int sr_is_router(const struct sr_model *m, long tensor)
{
	return m && tensor >= 0 && (size_t)tensor < m->n_tensors &&
	       m->tensors[tensor].kind == SR_TK_FFN_GATE_INP && m->tensors[tensor].layer >= 0;
}

#endif
