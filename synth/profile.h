/* Model profiles (profiles/models/NAME.ini): hyperparameters, tensor naming,
 * quant recipe per tensor kind and file order rule, turned into the same
 * struct sr_model a GGUF file gives. */
#ifndef SR_PROFILE_H
#define SR_PROFILE_H

#include "synth/model.h"

#include "base/install.h" /* sr_profile_dir */

/* Load a profile by name ("llama-2-7b-q4_k_m", looked up as
 * <dir>/models/NAME.ini) or by path (anything containing '/' or ending .ini)
 * and derive the full layout: tensors in file order with offsets, kvs as a
 * llama.cpp writer would emit them. Errors name FILE:LINE and the key. */
int sr_profile_load(const char *name, struct sr_model *m, struct sr_err *e);

/* A GGUF path (ends in .gguf or starts with the GGUF magic) or a profile name. */
int sr_model_load(const char *gguf_or_profile, struct sr_model *m, struct sr_err *e);

/* Names of the installed profiles, NULL terminated, for --help and errors;
 * free with sr_profile_names_free. */
char **sr_profile_names(void);
void sr_profile_names_free(char **names);

#endif
