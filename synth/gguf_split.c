/* Split GGUF as one model. llama.cpp's gguf-split writes MODEL-00001-of-00003.gguf,
 * ... (llama_split_path: "%s-%05d-of-%05d.gguf"), each shard a whole GGUF file
 * with its own header, tensor infos and data section, and keys "split.no"
 * (0-based), "split.count" and "split.tensors.count"; the first shard holds
 * the model's metadata. A tensor's offset is relative to its own shard's data
 * section (llama-model-loader keeps a file index per tensor), so the shards
 * are joined here end to end, as `cat` would join them: shard i starts at
 * file_base[i], the sum of the earlier shards' sizes, and every offset in the
 * model (schedules, analyze's tensor spans) is in that joined space. A trace
 * recorded against the shards themselves has per-file offsets: replay it
 * against the joined file after adding file_base of the shard it read, or
 * analyze it with the one shard as --gguf. */
#include "synth/gguf.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth/gguf_impl.h"

/* "PREFIX-00002-of-00003.gguf": PREFIX's length, no and count (1-based);
 * 0 when path is not named so. */
static int split_name(const char *path, size_t *plen, unsigned *no, unsigned *count)
{
	size_t n = strlen(path);
	const char *s;
	char tail[8];

	if (n < 20)
		return 0;
	s = path + n - 20;
	if (sscanf(s, "-%5u-of-%5u%7s", no, count, tail) != 3 || strcmp(tail, ".gguf") ||
	    s[1] < '0' || s[1] > '9' || s[10] < '0' || s[10] > '9')
		return 0;
	*plen = (size_t)(s - path);
	return *no >= 1 && *no <= *count;
}

/* Append shard sh (index i, starting at base) to m; sh's tensors move. */
static int join(struct sr_model *m, struct sr_model *sh, uint32_t i, uint64_t base, const char *path,
		struct sr_err *e)
{
	struct sr_tensor *t;
	size_t k;

	for (k = 0; k < sh->n_tensors; k++)
		if (sr_model_lookup(m, sh->tensors[k].name) >= 0)
			return sr_inputf(e, "%s: tensor '%.200s' is in an earlier shard too, expected each tensor in one shard",
					 path, sh->tensors[k].name);
	t = realloc(m->tensors, (m->n_tensors + sh->n_tensors + 1) * sizeof(*t));
	if (!t)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	m->tensors = t;
	for (k = 0; k < sh->n_tensors; k++) {
		t[m->n_tensors] = sh->tensors[k];
		t[m->n_tensors].off += base;
		t[m->n_tensors++].file = i;
	}
	sh->n_tensors = 0; /* the names are m's now */
	return 0;
}

int sr_gguf_read(const char *path, struct sr_model *m, struct sr_err *e)
{
	struct sr_model sh = { 0 };
	unsigned no = 0, count = 0;
	size_t plen = 0;
	uint64_t base = 0;
	uint32_t i;
	int ret, named;

	if ((ret = sr_gguf_read_file(path, m, e)))
		return ret;
	named = split_name(path, &plen, &no, &count);
	if (!named && m->split_count > 1)
		ret = sr_inputf(e, "%s: shard %u of a model split in %u (split.count), expected the shards named PREFIX-%05u-of-%05u.gguf so the others can be found",
				path, m->split_no + 1, m->split_count, m->split_no + 1, m->split_count);
	else if (named && count > 1 && m->split_count && m->split_count != count)
		ret = sr_inputf(e, "%s: split.count %u, expected %u as the name says", path, m->split_count, count);
	else if (!named || count < 2)
		return 0;
	sr_model_free(m);
	if (ret)
		return ret;
	if (!(m->files = calloc(count, sizeof(*m->files))) || !(m->file_base = calloc(count, sizeof(*m->file_base)))) {
		free(m->files);
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	}
	for (i = 0; i < count; i++) {
		char *name;
		struct stat st;

		if (asprintf(&name, "%.*s-%05u-of-%05u.gguf", (int)plen, path, i + 1, count) < 0) {
			ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
			goto fail;
		}
		m->files[i] = name;
		m->n_files = i + 1;
		m->file_base[i] = base;
		if ((ret = sr_gguf_read_file(name, &sh, e)))
			goto fail;
		if (sh.split_count && (sh.split_no != i || sh.split_count != count)) {
			ret = sr_inputf(e, "%s: split.no %u of split.count %u, expected %u of %u as its name says",
					name, sh.split_no, sh.split_count, i, count);
			goto fail;
		}
		if (i == 0) {
			char **files = m->files;
			uint64_t *fb = m->file_base;

			/* the first shard is the model: its metadata and hparams */
			*m = sh;
			memset(&sh, 0, sizeof(sh));
			m->files = files;
			m->file_base = fb;
			m->n_files = 1;
			m->split_count = count;
		} else {
			if ((ret = join(m, &sh, i, base, name, e)))
				goto fail;
			sr_model_free(&sh);
		}
		if (stat(name, &st)) {
			ret = sr_errf(e, -errno, "%s: stat: %s", name, strerror(errno));
			goto fail;
		}
		base += (uint64_t)st.st_size;
	}
	m->file_size = base;
	return 0;
fail:
	sr_model_free(&sh);
	sr_model_free(m);
	return ret;
}
