/* The pagecache policy's kernel lists (policy/pclru.c) on a dense model read
 * once per token, the null engine (no timing): what the real llama.cpp runs
 * showed and the lists must reproduce. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy_util.h"
#include "policy/pccost.h"

static double steady_per_token(const struct sr_sim_result *r)
{
	return r->steady_tokens ? (double)r->steady_read_bytes / (double)r->steady_tokens : 0;
}

/* A third of the model, readahead on: nothing is activated. A page used
 * once is kept for one more trip (PG_referenced), and a refault is not
 * activated, so a token reads the model once (the real runs at 35%:
 * pgactivate 0-188 pages a token, workingset_activate 0 in the MoE runs,
 * 1.00 of the file read). Young pages of large folios activated at their
 * first scan, and refaults activated by distance, kept a sixth of an MoE
 * resident that the kernel reads again every token. */
static void test_used_once_not_activated(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	double per;

	(void)state;
	dense_model(&m, 8, 2 * MiB);
	r = dense_schedule(&m, 12, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &res);
	per = steady_per_token(&res);
	print_message("35%%: %.0f of %llu bytes per token, pgactivate %llu, refaults %llu\n", per,
		      (unsigned long long)m.file_size, (unsigned long long)res.pgactivate, (unsigned long long)res.refaults);
	/* a folio across two tensors is young again when the second is used */
	assert_true(res.pgactivate < 12 * m.file_size / (4 * KiB) / 100);
	assert_true(res.refaults > 0);
	assert_true(per >= 0.95 * (double)m.file_size && per < 1.1 * (double)m.file_size);
	free(r);
	free_model(&m);
}

/* A page used again within its stay on the inactive list is activated at
 * its second scan (young and PG_referenced), and stays active: reclaim
 * leaves the active list alone while it is no larger than the inactive one
 * and no refault is recent (a dense model's refaults come a whole model
 * later). One tensor read twice a token, 10 MiB apart, at a third of the
 * model (13 MiB): a token reads less than the model, though its schedule
 * reads the model and the tensor again (the real runs at 85%, where routed
 * experts come back token after token: pgactivate 400-7,300 pages a token).
 * Shrinking the active list at every refault instead, its pages cycled
 * through the lists and a token read 1.008 of the model. */
static void test_used_again_activated(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r, *r2;
	size_t n, i, k = 0, hot = 2; /* blk.0.attn_q */
	double per;

	(void)state;
	dense_model(&m, 8, 2 * MiB);
	r = dense_schedule(&m, 12, &n);
	r2 = calloc(n + n / m.n_tensors, sizeof(*r2));
	assert_non_null(r2);
	for (i = 0; i < n; i++) {
		r2[k++] = r[i];
		if (i % m.n_tensors == hot + 5) /* the hot tensor again, 10 MiB on */
			r2[k++] = (struct sr_rec){ .off = m.tensors[hot].off, .len = m.tensors[hot].bytes,
						   .t_ns = SR_T_NONE, .tag = sr_tag_make((uint32_t)hot, -1) };
	}
	for (i = 0; i < k; i++)
		r2[i].seq = i;
	simulate("pagecache:256", &m, r2, k, m.file_size * 35 / 100, NULL, &res);
	per = steady_per_token(&res);
	print_message("35%%, one tensor used twice a token, 10 MiB apart: %.0f of %llu bytes per token, pgactivate %llu, pgdeactivate %llu, refaults %llu\n", per,
		      (unsigned long long)m.file_size, (unsigned long long)res.pgactivate, (unsigned long long)res.pgdeactivate, (unsigned long long)res.refaults);
	assert_true(res.pgactivate > 0 && res.pgactivate <= 2 * m.tensors[hot].bytes / (4 * KiB));
	assert_true(res.pgdeactivate == 0);
	assert_true(per < (double)m.file_size); /* the second read finds it, and some of the first */
	free(r);
	free(r2);
	free_model(&m);
}

/* The page-cache cost model prices bytes by what became of them: readahead
 * no thread touched costs the scattered figure (read, inserted, reclaimed,
 * never mapped), bytes streamed into the threads the sequential one. An MoE
 * at a third of its size with windows wider than an expert reads most of
 * the unrouted experts by readahead; before, every non-demand byte was
 * charged the sequential figure (here 4 ns/B against 1). */
static void test_pccost_unused_readahead_is_cheaper(void **state)
{
	const struct sr_pccost c = { .seq_ns_per_B = 1, .seq_press_ns_per_B = 4, .scat_press_ns_per_B = 1, .threads = 2 };
	struct sr_model m;
	struct sr_sim_result moe, dense;
	struct sr_rec *r;
	size_t n;
	double unused, per_moe, per_dense;

	(void)state;
	moe_model(&m, 6, 8, 128 * KiB, 64 * KiB);
	r = moe_schedule(&m, 12, 2, 80, 3, &n);
	simulate("pagecache:1024", &m, r, n, m.file_size * 35 / 100, NULL, &moe);
	unused = (double)(moe.wasted_prefetch_bytes + moe.unused_prefetch_bytes) /
		 (double)(moe.demand_bytes + moe.prefetch_bytes);
	sr_pccost_apply(&c, m.file_size * 35 / 100, m.file_size, &moe);
	per_moe = (double)moe.stall_ns / (double)(moe.demand_bytes + moe.prefetch_bytes);
	free(r);
	free_model(&m);
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 12, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &dense);
	sr_pccost_apply(&c, m.file_size * 35 / 100, m.file_size, &dense);
	per_dense = (double)dense.stall_ns / (double)(dense.demand_bytes + dense.prefetch_bytes);
	print_message("MoE 35%%: %.2f of the reads never used, %.2f ns/B; dense %.2f ns/B\n", unused, per_moe, per_dense);
	assert_true(unused > 0.3);
	assert_true(per_moe < 4 - 3 * 0.25);
	assert_true(per_dense > 3.5);
	free(r);
	free_model(&m);
}

/* Each decode token's faults are kept beside its bytes (per_token_faults in
 * the JSON), so a run's major faults per token can be set against the real
 * runner's: they add up to the faults of the decode tokens. */
static void test_per_token_faults(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	uint64_t i, sum = 0;

	(void)state;
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 6, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &res);
	assert_int_equal(res.tok_n, 6);
	for (i = 0; i < res.tok_n; i++) {
		assert_true(res.tok_faults[i] > 0);
		sum += res.tok_faults[i];
	}
	assert_int_equal(sum, res.faults);
	free(r);
	free_model(&m);
}

/* A refault is seen when its page enters the page cache, before the read
 * (workingset_refault from filemap_add_folio), and from then reclaim may
 * deactivate. An MoE at 85% whose routed experts come back token after
 * token (80% kept) activates them; the unrouted ones stream through 16 MiB
 * readahead windows, refaulting. The real runs at 85% deactivated at least
 * as many pages as they activated (per token: 24-6,546 activated,
 * 5,074-53,084 deactivated, /tmp/v5's MoE). Seen only when a window's read
 * landed, the refaults let 32 of its 4,096 evictions deactivate: 145 pages
 * deactivated against 13,824 activated here. */
static void test_refault_opens_deactivation(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;

	(void)state;
	moe_model(&m, 6, 8, 4 * MiB, 1 * MiB);
	r = moe_schedule(&m, 24, 2, 80, 3, &n);
	simulate("pagecache:16384", &m, r, n, m.file_size * 85 / 100, NULL, &res);
	print_message("MoE 85%%, 16 MiB windows: pgactivate %llu, pgdeactivate %llu, refaults %llu\n",
		      (unsigned long long)res.pgactivate, (unsigned long long)res.pgdeactivate,
		      (unsigned long long)res.refaults);
	assert_true(res.pgactivate > 0 && res.refaults > 0);
	assert_true(res.pgdeactivate >= res.pgactivate / 4);
	free(r);
	free_model(&m);
}

/* Reclaim's time beyond the bytes: each page the simulated lists activate
 * during a token costs act_ns_per_page on top of its bytes (the real runs
 * at 85% of an MoE: tokens of 3-20 MiB took 23-40 ms beyond their compute,
 * with 800-4,300 pages activated). The per-token activations add up to the
 * decode tokens' share of pgactivate, and the charge is exactly theirs;
 * with the model in memory nothing is reclaimed and nothing is charged. */
static void test_pccost_charges_activations(void **state)
{
	struct sr_pccost c = { .seq_ns_per_B = 1, .seq_press_ns_per_B = 1, .scat_press_ns_per_B = 1, .threads = 2 };
	struct sr_model m;
	struct sr_sim_result res, base;
	struct sr_rec *r;
	size_t n;
	uint64_t i, act = 0, mem;

	(void)state;
	moe_model(&m, 6, 8, 4 * MiB, 1 * MiB);
	r = moe_schedule(&m, 24, 2, 80, 3, &n);
	mem = m.file_size * 85 / 100;
	simulate("pagecache:16384", &m, r, n, mem, NULL, &res);
	for (i = 0; i < res.tok_n; i++)
		act += res.tok_act[i];
	print_message("MoE 85%%: %llu pages activated in %llu decode tokens, %llu in all\n", (unsigned long long)act,
		      (unsigned long long)res.tok_n, (unsigned long long)res.pgactivate);
	assert_true(act > 0 && act <= res.pgactivate);
	base = res;
	sr_pccost_apply(&c, mem, m.file_size, &base);
	c.act_ns_per_page = 1000;
	sr_pccost_apply(&c, mem, m.file_size, &res);
	assert_int_equal(res.tok_n, res.tokens); /* every token kept: the sum is the row's */
	for (i = 0; i < res.tok_n; i++) { /* to the ns, rounding */
		uint64_t want = base.tok_stall[i] + res.tok_act[i] * 1000;

		assert_true(res.tok_stall[i] + 1 >= want && res.tok_stall[i] <= want + 1);
	}
	assert_true(res.stall_ns + res.tok_n >= base.stall_ns + act * 1000 &&
		    res.stall_ns <= base.stall_ns + act * 1000 + res.tok_n);
	base = res;
	sr_pccost_apply(&c, m.file_size, m.file_size, &base);
	for (i = 0; i < base.tok_n; i++)
		assert_int_equal(base.tok_stall[i], (uint64_t)((double)base.tok_read[i] * c.seq_ns_per_B));
	free(r);
	free_model(&m);
}

/* Readahead's folios grow: a fault's read-around is single pages, each
 * async window asks for folios two orders larger (page_cache_async_ra), up
 * to 2 MiB. 16 MiB windows from the file's start: 16 MiB of single pages,
 * then 16, 64, 256 KiB and 1 MiB folios, then 2 MiB ones from 80 MiB on.
 * Kernel 6.18 on ext4, a 175 MiB model streamed through mmap with
 * POSIX_FADV_SEQUENTIAL: 94 MiB in PMD-mapped 2 MiB folios (FileHugePages). */
static void test_folio_ramp(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	struct run_opts o = { .qd = 256, .max_folio = 2 * MiB }; /* a window's 64 reads at once, as the kernel submits them */
	size_t n;
	double big, large;

	(void)state;
	dense_model(&m, 9, 8 * MiB); /* 160 MiB */
	r = dense_schedule(&m, 1, &n);
	simulate("pagecache:16384", &m, r, n, m.file_size * 2, &o, &res);
	big = (double)res.max_folio_bytes / MiB;
	large = (double)res.large_folio_bytes / MiB;
	print_message("%.1f MiB read: %.1f MiB in 2 MiB folios, %.1f MiB in folios of more than a page\n",
		      (double)m.file_size / MiB, big, large);
	assert_true(fabs(big - ((double)m.file_size / MiB - 80)) < 4);
	assert_true(fabs(large - ((double)m.file_size / MiB - 16)) < 4);
	o.max_folio = 4 * KiB;
	simulate("pagecache:16384", &m, r, n, m.file_size * 2, &o, &res);
	assert_int_equal(res.large_folio_bytes, 0);
	free(r);
	free_model(&m);
}

/* MAP_POPULATE's page walk calls folio_mark_accessed() on every page it
 * maps with a PTE: a single page is left referenced, a larger folio is
 * activated at its second page, and 2 MiB folios, mapped by PMDs, are left
 * alone. On this VM's 6.18 (ext4, a 200 MiB file populated with
 * POSIX_FADV_SEQUENTIAL and no limit, /proc/kpageflags read after) the
 * first 16 MiB came out single pages, inactive and referenced, the next
 * 64 MiB (16 KiB to 1 MiB folios) active, the rest 2 MiB folios, inactive:
 * pgactivate +16,384. The same load here: */
static void test_load_activates_pte_mapped_folios(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	struct run_opts o = { .qd = 256, .max_folio = 2 * MiB, .load_populate = 1 };
	size_t n;

	(void)state;
	dense_model(&m, 12, 8 * MiB); /* 200 MiB */
	r = dense_schedule(&m, 1, &n);
	simulate("pagecache:16384", &m, r, n, m.file_size * 2, &o, &res);
	print_message("a %.1f MiB model's load activated %llu pages\n", (double)m.file_size / MiB,
		      (unsigned long long)res.load_pgactivate);
	assert_true(res.load_pgactivate >= 16384 - 256 && res.load_pgactivate <= 16384 + 256);
	assert_int_equal(res.tokens, 1);
	o.max_folio = 4 * KiB; /* single pages: referenced, none active */
	simulate("pagecache:16384", &m, r, n, m.file_size * 2, &o, &res);
	assert_int_equal(res.load_pgactivate, 0);
	free(r);
	free_model(&m);
}

/* Reclaim decides from the memory cgroup's statistics, which the kernel
 * sums only when it flushes them: every 2 s, or when memory.stat is read.
 * A dense 208 MiB model at 85%, loaded with MAP_POPULATE, 16 tokens of 1 ms
 * compute: with the statistics as of before the run (no flush in it),
 * reclaim never sees a refault it activated and never deactivates, so the
 * load's active folios stay and a token reads less; flushed at every
 * token's end (memory.stat read per token, as the validation's runs do) it
 * deactivates token after token, as it does with statistics always
 * current. (Here: 95.7 never flushed, 110.3 flushed every token, 181.9
 * always current, MiB a token.) */
static void test_stale_statistics(void **state)
{
	struct sr_model m;
	struct sr_sim_result exact, none, tok;
	struct sr_rec *r;
	struct run_opts o = { .compute_ns_per_token = 1000000, .qd = 256, .max_folio = 2 * MiB, .load_populate = 1 };
	size_t n;
	uint64_t mem;

	(void)state;
	dense_model(&m, 12, 8 * MiB);
	r = dense_schedule(&m, 16, &n);
	mem = m.file_size * 85 / 100;
	simulate("pagecache:16384", &m, r, n, mem, &o, &exact);
	o.stale = 1;
	o.stat_flush = SR_STATS_PERIODIC;
	o.stat_phase_ns = UINT64_MAX / 2; /* the first periodic flush long after the run */
	simulate("pagecache:16384", &m, r, n, mem, &o, &none);
	o.stat_flush = SR_STATS_TOKEN;
	simulate("pagecache:16384", &m, r, n, mem, &o, &tok);
	print_message("dense 85%%, statistics current, never flushed, flushed every token: %.1f, %.1f, %.1f MiB a token; "
		      "deactivated %llu, %llu, %llu\n",
		      steady_per_token(&exact) / MiB, steady_per_token(&none) / MiB, steady_per_token(&tok) / MiB,
		      (unsigned long long)exact.pgdeactivate, (unsigned long long)none.pgdeactivate,
		      (unsigned long long)tok.pgdeactivate);
	assert_int_equal(none.pgdeactivate, 0);
	assert_true(tok.pgdeactivate > 0 && exact.pgdeactivate > 0);
	/* token by token (the JSON's per_token_deactivations): no prefill here,
	 * so the decode tokens' deactivations are all the run's */
	assert_int_equal(tok.tok_n, 16);
	{
		uint64_t sum = 0, i, busy = 0;

		for (i = 0; i < tok.tok_n; i++) {
			sum += tok.tok_deact[i];
			busy += tok.tok_deact[i] > 0;
		}
		assert_int_equal(sum, tok.pgdeactivate);
		assert_true(busy >= 2);
	}
	assert_true(steady_per_token(&none) < 0.8 * steady_per_token(&exact));
	free(r);
	free_model(&m);
}

/* The kernel's readahead inserts a whole window's folios before it reads
 * them, so a window holds its room whatever the device's queue depth: a
 * dense model at 35% of its size, 16 MiB windows, reads the same at QD 1
 * as at QD 256 (taken a request at a time, QD 1 left the windows ahead
 * of the reader a fraction of their room). */
static void test_window_takes_its_room(void **state)
{
	struct sr_model m;
	struct sr_sim_result q1, q256;
	struct sr_rec *r;
	struct run_opts o = { .qd = 1, .max_folio = 2 * MiB };
	size_t n;

	(void)state;
	dense_model(&m, 12, 8 * MiB);
	r = dense_schedule(&m, 6, &n);
	simulate("pagecache:16384", &m, r, n, m.file_size * 35 / 100, &o, &q1);
	o.qd = 256;
	simulate("pagecache:16384", &m, r, n, m.file_size * 35 / 100, &o, &q256);
	print_message("dense 35%%, 16 MiB windows: QD 1 %.1f MiB a token, QD 256 %.1f\n", steady_per_token(&q1) / MiB,
		      steady_per_token(&q256) / MiB);
	assert_true(steady_per_token(&q1) > 0.98 * steady_per_token(&q256) &&
		    steady_per_token(&q1) < 1.02 * steady_per_token(&q256));
	free(r);
	free_model(&m);
}

static uint64_t read_of(const struct sr_sim_result *r)
{
	return r->demand_bytes + r->prefetch_bytes;
}

/* A mark the readahead state does not expect (page_cache_async_ra): the
 * window starts at the first page after it not cached. A's first MiB is
 * read (read-around, then an async window whose mark, on its first page,
 * is left unread), then C's (the state moves there), then A's second MiB:
 * its first page carries the stale mark and the rest is cached, so the
 * window is A's third MiB, not the page after the mark. With 1 MiB windows
 * and room for everything, that third MiB is what the last read adds. */
static void test_stale_mark_reads_past_cached(void **state)
{
	struct sr_model m;
	struct sr_sim_result two, three;
	struct sr_rec r[3];
	uint64_t a, c;
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	add_tensor(&m, "a.weight", 0, SR_TK_ATTN_Q, 4 * MiB, 0);
	add_tensor(&m, "b.weight", 0, SR_TK_ATTN_K, 4 * MiB, 0);
	add_tensor(&m, "c.weight", 0, SR_TK_ATTN_V, 4 * MiB, 0);
	a = m.tensors[0].off;
	c = m.tensors[2].off;
	r[0] = (struct sr_rec){ .off = a, .len = MiB, .flags = SR_RF_TOKEN };
	r[1] = (struct sr_rec){ .off = c, .len = MiB };
	r[2] = (struct sr_rec){ .off = a + MiB, .len = MiB };
	for (i = 0; i < 3; i++) {
		r[i].t_ns = SR_T_NONE;
		r[i].seq = (uint64_t)i;
		r[i].tag = sr_tag_make(i == 1 ? 2 : 0, -1);
	}
	simulate("pagecache:1024", &m, r, 2, 2 * m.file_size, NULL, &two);
	simulate("pagecache:1024", &m, r, 3, 2 * m.file_size, NULL, &three);
	print_message("read %.2f MiB, then %.2f MiB with A's second MiB\n", (double)read_of(&two) / MiB,
		      (double)read_of(&three) / MiB);
	assert_int_equal(read_of(&two), 5 * MiB);
	assert_int_equal(read_of(&three) - read_of(&two), MiB);
	free_model(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_used_once_not_activated),
		cmocka_unit_test(test_used_again_activated),
		cmocka_unit_test(test_pccost_unused_readahead_is_cheaper),
		cmocka_unit_test(test_per_token_faults),
		cmocka_unit_test(test_refault_opens_deactivation),
		cmocka_unit_test(test_pccost_charges_activations),
		cmocka_unit_test(test_folio_ramp),
		cmocka_unit_test(test_load_activates_pte_mapped_folios),
		cmocka_unit_test(test_stale_statistics),
		cmocka_unit_test(test_window_takes_its_room),
		cmocka_unit_test(test_stale_mark_reads_past_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
