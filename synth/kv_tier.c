/* The prefix-cache tier (synth --kv-cache-tier): what LMCache, SGLang's
 * HiCache or vLLM's KV offloading ask of a local SSD.
 *
 * A prompt's KV is cut into chunks of C tokens (only whole chunks are
 * stored); a chunk is named by the tokens before it, so chunks of a prefix
 * shared by several requests are one object. Each object holds the chunk's
 * K and V of every layer (C x (krow + vrow) bytes per layer, layers one
 * after another) in a slot of the target: slot k at kv_off + k x object.
 * A request looks its chunks up in order: the leading run of hits is read
 * (layer by layer, one record per layer, as layer-wise loading does); from
 * the first miss on the prefix is computed again, and every chunk not held
 * is written to a slot, evicting the least recently used object when the
 * tier (--tier-capacity) is full.
 *
 * Requests: --sessions N conversations of --turns T turns, all starting
 * with the same --shared-prefix tokens (a system prompt); turn k of a
 * session has shared + (k+1) x --turn-tokens prompt tokens, the session's
 * earlier turns being its prefix. Turns arrive turn by turn, the sessions
 * of a turn in order (0..N-1). Or --requests FILE: one request a line,
 * "session,prompt_tokens" (session ids below 2^24; '#' comments and a
 * "session,..." header line skipped), in the file's order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "synth/kv_sched.h"

#define NONE UINT32_MAX
#define MAX_SLOTS (1ull << 22) /* 24 bytes each */
#define MAX_LOG_REQS (1ull << 26)

struct req { uint64_t session, tokens; };

struct slot {
	uint64_t key;
	uint32_t prev, next, hnext; /* LRU list (head: most recent), hash chain */
};

struct tier {
	struct sr_source src;
	struct sr_kv_tier_opts o;
	uint64_t base, layer_bytes, object;
	uint32_t n_layer;
	struct req *log;
	uint64_t n_log;

	struct slot *slots;
	uint32_t n_slots, used, head, tail;
	uint32_t *buckets, mask;

	/* where the walk is */
	uint64_t req, chunk, n_chunks;
	uint64_t session;
	int in_req;           /* request req has been started */
	int missed;           /* the request missed a chunk: the rest is written */
	int active;           /* a chunk's records are being given */
	uint32_t layer, slot;
	uint8_t op;
	int first;            /* the next record is its request's first */
	uint64_t seq;
	struct sr_kv_tier_stats st;
};

static uint32_t hash(const struct tier *t, uint64_t key)
{
	return (uint32_t)(sr_mix64(key) & t->mask);
}

static uint32_t lookup(const struct tier *t, uint64_t key)
{
	uint32_t i;

	for (i = t->buckets[hash(t, key)]; i != NONE; i = t->slots[i].hnext)
		if (t->slots[i].key == key)
			return i;
	return NONE;
}

static void unlink_lru(struct tier *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	if (s->prev != NONE)
		t->slots[s->prev].next = s->next;
	else
		t->head = s->next;
	if (s->next != NONE)
		t->slots[s->next].prev = s->prev;
	else
		t->tail = s->prev;
}

static void push_front(struct tier *t, uint32_t i)
{
	t->slots[i].prev = NONE;
	t->slots[i].next = t->head;
	if (t->head != NONE)
		t->slots[t->head].prev = i;
	t->head = i;
	if (t->tail == NONE)
		t->tail = i;
}

/* A slot for key: a free one, else the least recently used, unhashed. */
static uint32_t insert(struct tier *t, uint64_t key)
{
	uint32_t i, *p;

	if (t->used < t->n_slots) {
		i = t->used++;
	} else {
		i = t->tail;
		unlink_lru(t, i);
		for (p = &t->buckets[hash(t, t->slots[i].key)]; *p != i; p = &t->slots[*p].hnext)
			;
		*p = t->slots[i].hnext;
	}
	t->slots[i].key = key;
	t->slots[i].hnext = t->buckets[hash(t, key)];
	t->buckets[hash(t, key)] = i;
	push_front(t, i);
	return i;
}

/* The name of chunk i of the current request: a shared-prefix chunk is
 * the same object for every session. */
static uint64_t chunk_key(const struct tier *t, uint64_t i)
{
	if ((i + 1) * t->o.chunk <= t->o.shared)
		return i;
	return ((t->session + 1) << 32) | i;
}

static uint64_t n_requests(const struct tier *t)
{
	return t->log ? t->n_log : t->o.sessions * t->o.turns;
}

/* Start request r: 0 past the last one. */
static int start_request(struct tier *t)
{
	uint64_t tokens;

	if (t->req >= n_requests(t))
		return 0;
	if (t->log) {
		t->session = t->log[t->req].session;
		tokens = t->log[t->req].tokens;
	} else {
		t->session = t->req % t->o.sessions;
		tokens = t->o.shared + (t->req / t->o.sessions + 1) * t->o.turn_tokens;
	}
	t->n_chunks = tokens / t->o.chunk;
	t->chunk = 0;
	t->missed = 0;
	t->first = 1;
	t->in_req = 1;
	t->st.requests++;
	t->st.tokens += tokens;
	return 1;
}

/* Look up the next chunk: 1 when it has records to give (a hit read or a
 * miss written), 0 when it needs no I/O (held, after a miss). */
static int next_chunk(struct tier *t)
{
	uint64_t key = chunk_key(t, t->chunk++);
	uint32_t i = lookup(t, key);

	t->st.chunks++;
	if (i != NONE && !t->missed) {
		t->st.hits++;
		unlink_lru(t, i);
		push_front(t, i);
		t->op = SR_OP_READ;
	} else if (i != NONE) {
		unlink_lru(t, i);
		push_front(t, i);
		return 0;
	} else {
		t->missed = 1;
		i = insert(t, key);
		t->op = SR_OP_WRITE;
	}
	t->slot = i;
	t->layer = 0;
	t->active = 1;
	return 1;
}

static int tier_next(struct sr_source *src, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct tier *t = (struct tier *)src;
	size_t n = 0;

	(void)e;
	if (max > INT32_MAX)
		max = INT32_MAX;
	while (n < max) {
		if (t->active) {
			struct sr_rec *r = &out[n++];

			*r = (struct sr_rec){ .off = t->base + t->slot * t->object + t->layer * t->layer_bytes,
					      .len = t->layer_bytes, .t_ns = SR_T_NONE, .seq = ++t->seq,
					      .tag = sr_kv_tag(t->layer, 0, 0), .op = t->op, .flags = SR_RF_KV };
			if (t->first)
				r->flags |= SR_RF_TOKEN;
			t->first = 0;
			if (t->op == SR_OP_READ)
				t->st.read_bytes += t->layer_bytes;
			else
				t->st.write_bytes += t->layer_bytes;
			if (++t->layer == t->n_layer)
				t->active = 0;
			continue;
		}
		if (t->in_req && t->chunk < t->n_chunks) {
			next_chunk(t);
			continue;
		}
		if (t->in_req) { /* a request shorter than a chunk stores and reads nothing */
			t->in_req = 0;
			t->req++;
		}
		if (!start_request(t))
			break;
	}
	return (int)n;
}

static void tier_reset(struct tier *t)
{
	uint32_t i;

	t->used = 0;
	t->head = t->tail = NONE;
	for (i = 0; i <= t->mask; i++)
		t->buckets[i] = NONE;
	t->req = t->chunk = t->n_chunks = 0;
	t->active = 0;
	t->in_req = 0;
	t->seq = 0;
	memset(&t->st, 0, sizeof(t->st));
	t->st.object_bytes = t->object;
	t->st.slots = t->n_slots;
}

static int tier_rewind(struct sr_source *src, struct sr_err *e)
{
	(void)e;
	tier_reset((struct tier *)src);
	return 0;
}

static void tier_close(struct sr_source *src)
{
	struct tier *t = (struct tier *)src;

	if (!t)
		return;
	free(t->log);
	free(t->slots);
	free(t->buckets);
	free(t);
}

void sr_kv_tier_stats(const struct sr_source *src, struct sr_kv_tier_stats *st)
{
	*st = ((const struct tier *)src)->st;
}

/* --requests FILE: "session,prompt_tokens" a line. */
static int load_log(struct tier *t, const char *path, struct sr_err *e)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned long long sid, tok;
	uint64_t cap = 0, ln = 0;
	int ret = 0, end;

	if (!f)
		return sr_inputf(e, "%s: --requests: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = sr_inputf(e, "%s:%llu: line longer than %zu bytes", path, (unsigned long long)ln,
					sizeof(line) - 2);
			goto out;
		}
		if (line[0] == '#' || line[0] == '\n' || (ln == 1 && !strncmp(line, "session", 7)))
			continue;
		end = 0;
		if (line[0] < '0' || line[0] > '9' || sscanf(line, "%llu,%llu%n", &sid, &tok, &end) != 2 ||
		    (line[end] && line[end] != '\n' && !(line[end] == '\r' && line[end + 1] == '\n')) ||
		    !strchr(line, ',')[1] || strchr(line, ',')[1] < '0' || strchr(line, ',')[1] > '9' ||
		    sid >= (1ull << 24) || !tok || tok > (1ull << 24)) {
			ret = sr_inputf(e, "%s:%llu: expected session,prompt_tokens (session below 2^24, "
					"1 to 2^24 tokens)", path, (unsigned long long)ln);
			goto out;
		}
		if (t->n_log == cap) {
			struct req *nl;

			if (cap >= MAX_LOG_REQS) {
				ret = sr_inputf(e, "%s:%llu: more than %llu requests", path, (unsigned long long)ln,
						MAX_LOG_REQS);
				goto out;
			}
			cap = cap ? cap * 2 : 1024;
			nl = realloc(t->log, cap * sizeof(*nl));
			if (!nl) {
				ret = sr_errf(e, -ENOMEM, "out of memory");
				goto out;
			}
			t->log = nl;
		}
		t->log[t->n_log++] = (struct req){ .session = sid, .tokens = tok };
	}
	if (ferror(f))
		ret = sr_inputf(e, "%s: --requests: cannot read", path);
	else if (!t->n_log)
		ret = sr_inputf(e, "%s: --requests: no requests (expected session,prompt_tokens lines)", path);
out:
	fclose(f);
	return ret;
}

int sr_kv_tier_open(const struct sr_model *m, const struct sr_synth_opts *o, struct sr_source **out,
		    struct sr_err *e)
{
	struct sr_kv_geom g;
	struct tier *t;
	uint64_t nb = 2;
	uint32_t n_layer = sr_model_n_layers(m);
	int ret;

	ret = sr_kv_geom(m, o->kv_type, "--kv-cache-tier", &g, e);
	if (ret)
		return ret;
	if (!n_layer || n_layer > SR_KV_MAX_LAYERS)
		return sr_inputf(e, "%s: --kv-cache-tier: %u layers, expected 1 to %u", m->name ? m->name : "model",
				 n_layer, SR_KV_MAX_LAYERS);
	t = calloc(1, sizeof(*t));
	if (!t)
		return sr_errf(e, -ENOMEM, "out of memory");
	t->src.name = m->name ? m->name : "kv-cache-tier";
	t->src.format = "synth";
	t->src.next = tier_next;
	t->src.rewind = tier_rewind;
	t->src.close = tier_close;
	t->o = o->tier;
	t->n_layer = n_layer;
	t->base = o->kv_off;
	t->layer_bytes = o->tier.chunk * (g.krow + g.vrow); /* chunk <= 2^20, rows < 2^40: no overflow */
	t->object = t->layer_bytes * n_layer;
	if (o->tier.capacity / t->object < 1) {
		ret = sr_inputf(e, "synth: --tier-capacity %llu: below one chunk object (%llu bytes: %llu tokens x %u layers)",
				(unsigned long long)o->tier.capacity, (unsigned long long)t->object,
				(unsigned long long)o->tier.chunk, n_layer);
		goto fail;
	}
	if (o->tier.capacity / t->object > MAX_SLOTS) {
		ret = sr_inputf(e, "synth: --tier-capacity %llu: more than %llu chunk objects of %llu bytes",
				(unsigned long long)o->tier.capacity, MAX_SLOTS, (unsigned long long)t->object);
		goto fail;
	}
	t->n_slots = (uint32_t)(o->tier.capacity / t->object);
	if (t->base > (1ull << 62) - (uint64_t)t->n_slots * t->object) {
		ret = sr_inputf(e, "synth: --kv-cache-tier: the tier's slots end beyond 2^62 bytes");
		goto fail;
	}
	while (nb < 2ull * t->n_slots)
		nb <<= 1;
	t->mask = (uint32_t)(nb - 1);
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (!t->slots || !t->buckets) {
		ret = sr_errf(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (o->tier.log && (ret = load_log(t, o->tier.log, e)))
		goto fail;
	tier_reset(t);
	*out = &t->src;
	return 0;
fail:
	tier_close(&t->src);
	return ret;
}
