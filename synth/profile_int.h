/* Internal to synth/profile*.c: a parsed model profile before its layout is
 * derived. profile.c reads the INI file into struct pf_profile;
 * profile_layout.c turns it into a struct sr_model. */
#ifndef SR_PROFILE_INT_H
#define SR_PROFILE_INT_H

#include <stdint.h>

#include "synth/model.h"

#define PF_MAX_VARS 64
#define PF_NAME_MAX 64

struct pf_var {
	char name[PF_NAME_MAX];
	int64_t val;
	int line;
};

/* Where a tensor definition applies: outside the layers (head: listed
 * before them, tail: after) or in every layer, only the leading dense
 * layers (l < n_dense_lead) or only the MoE layers (l >= n_dense_lead). */
enum pf_where { PF_HEAD, PF_LAYER, PF_LAYER_DENSE, PF_LAYER_MOE, PF_TAIL };

struct pf_tdef {
	char *name;  /* full name (head/tail) or the part after "blk.N." */
	char *shape; /* "n_embd, n_head * head_dim" */
	enum pf_where where;
	int line;
};

struct pf_rule { /* [quant] pattern = TYPE [if COND], ..., TYPE */
	char *pattern;
	char *spec;
	int line;
};

struct pf_kvdef { /* [kv] key = TYPE VALUE */
	char *key;
	char *spec;
	int line;
};

struct pf_tokenizer {
	int present;
	char model[32];      /* tokenizer.ggml.model: "llama" (SPM) or "gpt2" (BPE) */
	double token_bytes;  /* mean bytes of a token's text, over the whole vocabulary */
	int scores;          /* emit tokenizer.ggml.scores (SPM vocabularies have them) */
	int64_t byte_base;   /* first of 256 "<0xXX>" byte tokens, -1: none */
	int64_t merges;      /* BPE merges to synthesize (tokenizer.ggml.merges), 0: none */
	double merge_bytes;  /* mean bytes of a merge string "a b" */
	int64_t bos, eos, unk, pad; /* special token ids, -1: absent */
	int line;
};

enum pf_order { PF_ORDER_LISTED, PF_ORDER_SORTED };

struct pf_profile {
	const char *path;
	char *name, *arch, *general_name;
	uint32_t alignment;
	int64_t file_type;    /* general.file_type (llama_ftype), -1: not emitted */
	int64_t quant_version; /* general.quantization_version, -1: not emitted */
	enum pf_order order;
	uint64_t published_size;    /* bytes, 0: unknown (tests compare against it) */
	uint64_t published_tensors; /* 0: unknown */
	double routing_overlap;     /* [routing] overlap, 0: not given */
	struct pf_var vars[PF_MAX_VARS];
	int n_vars;
	struct pf_tdef *tdefs;
	int n_tdefs, cap_tdefs;
	struct pf_rule *rules;
	int n_rules, cap_rules;
	struct pf_kvdef *kvdefs;
	int n_kvdefs, cap_kvdefs;
	struct pf_tokenizer tok;
	int model_line, hparams_line;
};

/* Evaluate an integer expression (+ - * / % parentheses, decimal literals,
 * names of p's hparams). what names the key in messages. */
int sr_pf_eval(const struct pf_profile *p, const char *expr, int line, const char *what, int64_t *out,
	    struct sr_err *e);
int sr_pf_var_get(const struct pf_profile *p, const char *name, int64_t *out);

/* Derive m from p: tensors, types, offsets, kvs, data_off, file_size, hp. */
int sr_pf_layout(const struct pf_profile *p, struct sr_model *m, struct sr_err *e);

#endif
