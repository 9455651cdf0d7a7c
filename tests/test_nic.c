// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NIC/driver model (workloads/nic_model.c) and its workloads: refill counts per policy,
 * TX completion in batches (on a second thread for nic-2cpu), copybreak's buffer reuse,
 * the return path each verdict takes, frame-length distributions and their files, the
 * parameter checks, remote-node counting, and every backend running both workloads
 * without a leak.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nic_model.h"
#include "runner.h"
#include "support_backend.h"

extern char **environ;

/* The defaults with this ring, budget and refill policy. */
static struct pb_nic_config cfg(unsigned ring, unsigned budget, enum pb_nic_refill refill)
{
	struct pb_nic_config c;

	pb_nic_config_default(&c);
	c.ring = ring;
	c.budget = budget;
	c.refill = refill;
	return c;
}

static void weights(struct pb_nic_config *c, uint32_t drop, uint32_t tx, uint32_t redirect, uint32_t pass)
{
	c->weight[PB_NIC_DROP] = drop;
	c->weight[PB_NIC_TX] = tx;
	c->weight[PB_NIC_REDIRECT] = redirect;
	c->weight[PB_NIC_PASS] = pass;
}

static struct pb_nic *make(const struct pb_nic_config *c, struct pb_alloc *a)
{
	struct pb_err err = { { 0 } };
	struct pb_nic *m = pb_nic_create(c, a, &err);

	cr_assert_not_null(m, "create: %s", err.msg);
	cr_assert_eq(pb_nic_posted(m), c->ring, "the open fills every slot");
	return m;
}

/* One whole pass on this thread (RX side), in windows of @window frames. */
static void pass(struct pb_nic *m, uint64_t packets, uint64_t window)
{
	uint64_t wait = 0;
	const char *why = NULL;

	for (uint64_t f = 0; f < packets; f += window) {
		uint64_t n = packets - f < window ? packets - f : window;

		cr_assert(pb_nic_rx(m, f, n, &wait, false, &why), "frame %llu: %s",
			  (unsigned long long)f, why ? why : "?");
	}
}

/* --- refill --------------------------------------------------------------------- */

/* A NIC on a fresh backend instance, run for its config's packets. */
struct rig {
	struct pb_alloc *a;
	struct pb_nic *m;
};

/* @backend (mem=8M) under config @c, one pass in windows of @window frames: its counts. */
static const struct pb_nic_counts *rig_run(struct rig *r, const char *backend,
					   const struct pb_nic_config *c, uint64_t window)
{
	r->a = TB_CREATE(backend, "mem=8M");
	r->m = make(c, r->a);
	pass(r->m, c->packets, window);
	return pb_nic_counts(r->m, false);
}

/* Closes the NIC; every page back in the backend. */
static void rig_done(struct rig *r)
{
	pb_nic_destroy(r->m);
	tb_destroy_clean(r->a);
}

Test(nic, slot_refill_is_one_allocation_per_slot_every_refill_write)
{
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	const struct pb_nic_counts *k;
	struct rig r;

	c.packets = 640;
	c.refill_write = 16;
	k = rig_run(&r, "buddy", &c, 100);	/* windows that do not line up with polls */
	cr_expect_eq(k->frames, 640);
	cr_expect_eq(k->polls, 10, "640 frames, budget 64");
	/* Refilled at the top of frames 16, 32, ..., 624: the last 16 wait for the next poll. */
	cr_expect_eq(k->refills, 39);
	cr_expect_eq(k->refill_bufs, 39 * 16);
	cr_expect_eq(k->alloc_calls, k->refill_bufs, "one backend call per slot");
	cr_expect_eq(k->verdict[PB_NIC_DROP], 640);
	cr_expect_eq(k->free_direct, 640, "XDP_DROP frees direct");
	cr_expect_eq(pb_nic_posted(r.m), 256 - 16);
	rig_done(&r);
}

Test(nic, bulk_refill_is_once_per_poll)
{
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_BULK);
	const struct pb_nic_counts *k;
	struct rig r;

	c.packets = 640;
	c.refill_write = 16;
	k = rig_run(&r, "buddy", &c, 4096);
	cr_expect_eq(k->polls, 10);
	cr_expect_eq(k->refills, 10, "one refill round per poll");
	cr_expect_eq(k->refill_bufs, 640);
	cr_expect_eq(k->alloc_calls, 10, "buddy has a bulk entry: one call per round");
	cr_expect_eq(pb_nic_posted(r.m), 256, "the ring is full after every poll");
	rig_done(&r);

	/* A backend that hands out buffers (alloc_buf) is called per slot, still once per poll. */
	k = rig_run(&r, "ptr_ring_pool", &c, 4096);
	cr_expect_eq(k->refills, 10);
	cr_expect_eq(k->alloc_calls, 640);
	rig_done(&r);
}

Test(nic, a_ring_smaller_than_the_budget_cuts_polls_short)
{
	struct pb_nic_config c = cfg(32, 64, PB_NIC_REFILL_BULK);
	const struct pb_nic_counts *k;
	struct rig r;

	c.packets = 320;
	c.refill_write = 8;
	k = rig_run(&r, "buddy", &c, 4096);
	cr_expect_eq(k->frames, 320, "no frame is lost: the NIC keeps it for the next poll");
	cr_expect_eq(k->short_polls, 9, "each poll ends when the 32 slots are used (the last with the pass)");
	cr_expect_eq(k->polls, 10);
	cr_expect_eq(k->refills, 10);
	rig_done(&r);
}

/* --- TX completion ---------------------------------------------------------------- */

Test(nic, local_tx_completes_in_batches_and_xdp_tx_comes_back_direct)
{
	struct pb_alloc *a = TB_CREATE("ptr_ring_pool", "mem=8M");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct pb_nic *m;
	const struct pb_nic_counts *k;

	c.packets = 1000;
	c.tx_ring = 128;
	c.tx_batch = 32;
	weights(&c, 0, 1, 1, 0);
	m = make(&c, a);
	cr_expect_eq(pb_nic_tx_frames(m), 1000, "every frame goes to the TX ring");
	pass(m, c.packets, 333);
	k = pb_nic_counts(m, false);
	cr_expect_eq(k->tx_freed, 1000, "the pass ends with its TX ring completed");
	cr_expect_eq(k->tx_max_batch, 32);
	/* 31 full batches, and the pass's last 8 frames completed as one more at its end. */
	cr_expect_eq(k->tx_cleans, 32);
	cr_expect_eq(k->free_direct, k->verdict[PB_NIC_TX], "XDP_TX: direct in the owning NAPI");
	cr_expect_eq(k->free_ring, k->verdict[PB_NIC_REDIRECT], "REDIRECT: xdp_return_frame");
	cr_expect(k->verdict[PB_NIC_TX] > 300 && k->verdict[PB_NIC_REDIRECT] > 300, "%llu/%llu",
		  (unsigned long long)k->verdict[PB_NIC_TX], (unsigned long long)k->verdict[PB_NIC_REDIRECT]);
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}

struct tx_thread {
	struct pb_nic *m;
	uint64_t frames;
	bool ok;
};

static void *tx_side(void *arg)
{
	struct tx_thread *t = arg;
	uint64_t wait = 0;

	pb_cpu_set_id(1);	/* another CPU slot: another context than the pool's owner */
	t->ok = true;
	for (uint64_t f = 0; f < t->frames && t->ok; f += 100)
		t->ok = pb_nic_tx(t->m, f, t->frames - f < 100 ? t->frames - f : 100, &wait, true);
	return NULL;
}

Test(nic, remote_tx_frees_in_batches_on_the_tx_thread, .timeout = 60)
{
	struct pb_alloc *a = TB_CREATE("ptr_ring_pool", "mem=8M");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct tx_thread t;
	const struct pb_nic_counts *rx, *tx;
	struct pb_stats before, after;
	pthread_t th;

	c.packets = 1000;
	c.tx_ring = 64;
	c.tx_batch = 32;
	c.tx_remote = true;
	weights(&c, 1, 2, 1, 0);
	t.m = make(&c, a);
	t.frames = pb_nic_tx_frames(t.m);
	cr_assert(t.frames > 600 && t.frames < 900, "%llu", (unsigned long long)t.frames);
	before = tb_stats(a);
	for (unsigned rep = 0; rep < 2; rep++) {
		cr_assert_eq(pthread_create(&th, NULL, tx_side, &t), 0);
		pass(t.m, c.packets, 128);
		pthread_join(th, NULL);
		cr_assert(t.ok, "the tx side stopped");
	}
	after = tb_stats(a);
	rx = pb_nic_counts(t.m, false);
	tx = pb_nic_counts(t.m, true);
	cr_expect_eq(tx->tx_freed, 2 * t.frames);
	cr_expect_eq(tx->free_ring, 2 * t.frames, "the tx CPU frees on the non-direct path");
	cr_expect_eq(tx->free_direct, 0);
	cr_expect_eq(tx->tx_cleans, 2 * ((t.frames + 31) / 32), "batches of tx_batch, the last shorter");
	cr_expect_eq(tx->tx_max_batch, 32);
	cr_expect_eq(rx->tx_freed, 0, "the rx CPU completes nothing");
	cr_expect_eq(rx->free_ring, 0);
	cr_expect_eq(rx->free_direct, rx->verdict[PB_NIC_DROP], "only its drops");
	cr_expect_eq(rx->verdict[PB_NIC_TX] + rx->verdict[PB_NIC_REDIRECT], 2 * t.frames);
	/* The pool saw them come back through its ring. */
	cr_expect_geq(after.recycle_ring + after.recycle_ring_full - before.recycle_ring -
		      before.recycle_ring_full, 2 * t.frames);
	pb_cpu_set_id(0);
	pb_nic_destroy(t.m);
	tb_destroy_clean(a);
}

/* --- copybreak and PASS ------------------------------------------------------------ */

Test(nic, copybreak_reuses_the_buffer_without_the_page_allocator)
{
	struct pb_alloc *a = TB_CREATE("buddy", "mem=8M");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct pb_stats before, after;
	struct pb_err err;
	struct pb_nic *m;
	const struct pb_nic_counts *k;

	c.packets = 5000;
	c.copybreak = 256;
	weights(&c, 0, 0, 0, 1);
	m = make(&c, a);
	before = tb_stats(a);
	pass(m, c.packets, 4096);
	after = tb_stats(a);
	k = pb_nic_counts(m, false);
	cr_expect_eq(k->copybreak, 5000);
	cr_expect_eq(k->refill_bufs, 0);
	cr_expect_eq(k->alloc_calls, 0);
	cr_expect_eq(k->free_direct + k->free_ring, 0, "no buffer left the ring");
	cr_expect_eq(after.pa_alloc_calls, before.pa_alloc_calls, "no page-allocator call");
	cr_expect_eq(after.pa_free_calls, before.pa_free_calls);
	cr_expect_eq(pb_nic_posted(m), 256);
	pb_nic_destroy(m);

	/* 1500-byte frames are not copied: each one takes a buffer out and a refill puts one in. */
	cr_assert_eq(pb_nic_len_parse("1500", &c.len, &err), 0, "%s", err.msg);
	m = make(&c, a);
	pass(m, c.packets, 4096);
	k = pb_nic_counts(m, false);
	cr_expect_eq(k->copybreak, 0);
	cr_expect_eq(k->free_ring, 5000, "PASS on 6.1: through the ring");
	cr_expect_gt(k->refill_bufs, 4900);
	pb_nic_destroy(m);

	/* e1000e copies frames shorter than copybreak: 256 bytes is not. */
	cr_assert_eq(pb_nic_len_parse("256", &c.len, &err), 0, "%s", err.msg);
	m = make(&c, a);
	pass(m, 100, 4096);
	cr_expect_eq(pb_nic_counts(m, false)->copybreak, 0);
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}

Test(nic, pass_returns_by_the_kernel_named)
{
	struct pb_alloc *a = TB_CREATE("ptr_ring_pool", "mem=8M");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct pb_stats before, after;
	struct pb_nic *m;

	c.packets = 2000;
	weights(&c, 0, 0, 0, 1);
	c.skb_65 = true;
	m = make(&c, a);
	before = tb_stats(a);
	pass(m, c.packets, 4096);
	after = tb_stats(a);
	cr_expect_eq(pb_nic_counts(m, false)->free_direct, 2000, "6.5: napi_pp_put_page, direct");
	cr_expect_eq(after.recycle_ring, before.recycle_ring, "nothing went through the ring");
	pb_nic_destroy(m);

	c.skb_65 = false;
	m = make(&c, a);
	before = tb_stats(a);
	pass(m, c.packets, 4096);
	after = tb_stats(a);
	cr_expect_eq(pb_nic_counts(m, false)->free_ring, 2000, "6.1: put_full_page(.., false)");
	cr_expect_gt(after.recycle_ring + after.recycle_ring_full, before.recycle_ring + before.recycle_ring_full);
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}

/* --- frame lengths ------------------------------------------------------------------- */

Test(nic_len, imix_is_7_4_1)
{
	struct pb_nic_len d;
	struct pb_err err;
	struct pb_alloc *a;
	struct pb_nic_config c;
	struct pb_nic *m;
	unsigned n64 = 0, n576 = 0, n1500 = 0;

	cr_assert_eq(pb_nic_len_parse("imix", &d, &err), 0, "%s", err.msg);
	cr_expect_eq(d.n, 3);
	cr_expect_float_eq(pb_nic_len_mean(&d), (7 * 64 + 4 * 576 + 1500) / 12.0, 1e-9);
	/* The draw's boundaries: the top 32 bits scale to the total weight 12. */
	cr_expect_eq(pb_nic_len_pick(&d, 0), 64);
	cr_expect_eq(pb_nic_len_pick(&d, ((7ull << 32) / 12) << 32), 64);
	cr_expect_eq(pb_nic_len_pick(&d, ((7ull << 32) / 12 + 1) << 32), 576);
	cr_expect_eq(pb_nic_len_pick(&d, ((11ull << 32) / 12 + 1) << 32), 1500);
	cr_expect_eq(pb_nic_len_pick(&d, UINT64_MAX), 1500);

	/* Through the model's table: every length one of the three, in about 7:4:1. */
	a = TB_CREATE("null", "mem=4M");
	pb_nic_config_default(&c);
	c.len = d;
	m = make(&c, a);
	for (uint64_t i = 0; i < PB_NIC_TABLE; i++) {
		uint32_t len;
		enum pb_nic_verdict v;

		pb_nic_frame(m, i, &len, &v);
		n64 += len == 64;
		n576 += len == 576;
		n1500 += len == 1500;
		cr_expect_eq(v, PB_NIC_DROP);
	}
	cr_expect_eq(n64 + n576 + n1500, PB_NIC_TABLE);
	/* 4093 draws: each share within 4 standard deviations of 7/12, 4/12, 1/12. */
	cr_expect(abs((int)n64 - 2388) < 130, "64: %u", n64);
	cr_expect(abs((int)n576 - 1364) < 125, "576: %u", n576);
	cr_expect(abs((int)n1500 - 341) < 75, "1500: %u", n1500);
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}

/* Writes @text to a fresh temporary file and returns its path (static storage). */
static const char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/pbnic-len.XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(nic_len, a_file_is_read_with_weights_and_comments)
{
	const char *path = tmpfile_with("# a DNS-heavy edge\n64   90\n\n  1500 10  # jumbo-free\n576\n");
	char spec[96];
	struct pb_nic_len d;
	struct pb_err err;

	snprintf(spec, sizeof(spec), "file:%s", path);
	cr_assert_eq(pb_nic_len_parse(spec, &d, &err), 0, "%s", err.msg);
	cr_expect_eq(d.n, 3);
	cr_expect_eq(d.len[0], 64);
	cr_expect_eq(d.len[1], 1500);
	cr_expect_eq(d.len[2], 576);
	cr_expect_eq(d.cum[2], 101, "weight 1 when left out");
	unlink(path);
}

Test(nic_len, a_bad_file_names_its_line)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "64 7\nabc 3\n", ":2: 'abc 3': expected a frame length" },
		{ "64 7\n576 0\n", ":2: '576 0': the weight must be" },
		{ "64\n64 2\n", ":2: length 64 given twice" },
		{ "# nothing\n\n", ":2: no frame lengths" },
		{ "9000 1\n", ":1: '9000 1': expected a frame length 14..4096" },
		{ "64 1 2\n", ":1: '64 1 2': the weight must be" },
		{ "64x\n", ":1: '64x'" },
	};
	struct pb_nic_len d;
	struct pb_err err;
	char spec[96];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = tmpfile_with(bad[i].text);

		snprintf(spec, sizeof(spec), "file:%s", path);
		err.msg[0] = '\0';
		cr_expect_eq(pb_nic_len_parse(spec, &d, &err), -1, "case %zu was taken", i);
		cr_expect(strstr(err.msg, path) && strstr(err.msg, bad[i].want) && !strchr(err.msg, '\n'),
			  "case %zu: %s", i, err.msg);
		unlink(path);
	}
	cr_expect_eq(pb_nic_len_parse("file:/nonexistent/lens", &d, &err), -1);
	cr_expect(strstr(err.msg, "/nonexistent/lens: cannot open"), "%s", err.msg);
	cr_expect_eq(pb_nic_len_parse("file:", &d, &err), -1);
	cr_expect_eq(pb_nic_len_parse("13", &d, &err), -1);
	cr_expect_eq(pb_nic_len_parse("jumbo", &d, &err), -1);
	cr_expect(strstr(err.msg, "len=jumbo"), "%s", err.msg);
}

/* Runs $PB_BIN with @argv[1..]; the exit status, stderr into @errbuf. */
static int run_cli(const char **argv, char *errbuf, size_t len)
{
	char errp[] = "/tmp/pbnic-err.XXXXXX";
	posix_spawn_file_actions_t fa;
	int efd = mkstemp(errp), st;
	ssize_t got;
	pid_t pid;

	cr_assert(efd >= 0);
	argv[0] = getenv("PB_BIN");
	if (!argv[0])
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	got = pread(efd, errbuf, len - 1, 0);
	errbuf[got > 0 ? got : 0] = '\0';
	close(efd);
	unlink(errp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(nic_len, the_cli_refuses_a_bad_file_before_running, .timeout = 60)
{
	const char *path = tmpfile_with("64 7\n576 x\n");
	char set[96], json[] = "/tmp/pbnic-json.XXXXXX", err[1024];
	const char *argv[] = { NULL, "run", "--alloc", "buddy", "--workload", "nic", "--set", set,
			       "--reps", "1", "--no-baselines", "--json", json, NULL };
	struct stat st;
	int fd = mkstemp(json);

	cr_assert(fd >= 0);
	close(fd);
	unlink(json);
	snprintf(set, sizeof(set), "len=file:%s", path);
	cr_expect_eq(run_cli(argv, err, sizeof(err)), 2, "%s", err);
	cr_expect(strstr(err, path) && strstr(err, ":2: '576 x'"), "%s", err);
	cr_expect_eq(strchr(err, '\n'), strrchr(err, '\n'), "one line: %s", err);
	cr_expect_neq(stat(json, &st), 0, "no results file after refused input");
	unlink(path);
}

/* --- parameters and paths ------------------------------------------------------------ */

static struct pb_plan plan_of(const char *wl, const char *const *kv)
{
	struct pb_plan p;
	struct pb_err err;

	pb_plan_init(&p);
	p.wl = pb_workload_find(wl);
	cr_assert_not_null(p.wl, "no workload %s", wl);
	p.allocs[p.nallocs++] = pb_alloc_find("buddy");
	for (; kv && *kv; kv++)
		cr_assert_eq(pb_params_add(&p.params, *kv, &err), 0, "%s", err.msg);
	return p;
}

#define PLAN(wl, ...) plan_of(wl, (const char *const[]){ __VA_ARGS__, NULL })

Test(nic, bad_combinations_are_input_errors)
{
	static const struct { const char *kv, *want; } bad[] = {
		{ "tx_batch=48", "tx_batch=48: must divide tx_ring=512" },
		{ "ring=500", "ring=500: must be a power of two" },
		{ "refill_write=1024", "refill_write=1024: must be 1..ring" },
		{ "verdict=drop:0+pass:0", "every weight is zero" },
		{ "verdict=drop+pass", "weights as drop:90+pass:10" },
		{ "verdict=drop:1+drop:2", "drop given twice" },
		{ "verdict=xdp", "'xdp' is not drop, tx, redirect or pass" },
		{ "verdict=pass:", "the weight of pass" },
		{ "copybreak=2000", "copybreak=2000" },
		{ "len=70000", "len=70000" },
		{ "node=abc", "node=abc: not a non-negative integer" },	/* read by the check hook */
	};
	struct pb_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_plan p = PLAN("nic", bad[i].kv);

		err.msg[0] = '\0';
		cr_expect_eq(pb_plan_check(&p, &err), -1, "%s was taken", bad[i].kv);
		cr_expect(strstr(err.msg, bad[i].want), "%s: %s", bad[i].kv, err.msg);
	}
	{
		struct pb_plan p = PLAN("nic-2cpu", "verdict=drop:3+pass:1");

		cr_expect_eq(pb_plan_check(&p, &err), -1);
		cr_expect(strstr(err.msg, "nic-2cpu needs tx or redirect"), "%s", err.msg);
	}
	{
		struct pb_plan p = PLAN("nic", "verdict=drop:90+tx:5+redirect:3+pass:2", "len=imix",
					"refill=bulk", "copybreak=128", "skb=6.5");

		cr_expect_eq(pb_plan_check(&p, &err), 0, "%s", err.msg);
	}
}

Test(nic, records_name_the_path)
{
	static const struct { const char *verdict, *skb, *want; } cases[] = {
		{ "drop", "6.1", "xdp" },
		{ "pass", "6.1", "skb-6.1" },
		{ "pass", "6.5", "skb-6.5" },
		{ "tx", "6.1", "xdp-tx" },
		{ "redirect", "6.1", "xdp-tx" },
		{ "drop:9+pass:1", "6.1", "mixed" },
		{ "drop:9+pass:0", "6.1", "xdp" },
	};
	const struct pb_workload *w = pb_workload_find("nic");
	const struct pb_alloc_ops *pool = pb_alloc_find("ptr_ring_pool");

	cr_assert_not_null(w);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char v[64], s[16];
		struct pb_params p = { 0 };
		struct pb_err err;

		snprintf(v, sizeof(v), "verdict=%s", cases[i].verdict);
		snprintf(s, sizeof(s), "skb=%s", cases[i].skb);
		cr_assert_eq(pb_params_add(&p, v, &err), 0);
		cr_assert_eq(pb_params_add(&p, s, &err), 0);
		cr_expect_str_eq(pb_wl_path_name(w, pool, &p), cases[i].want, "%s", v);
	}
}

/* --- remote-node frees ------------------------------------------------------------------ */

Test(nic, a_free_on_another_node_is_counted)
{
	struct pb_alloc *a = TB_CREATE("ptr_ring_pool", "mem=8M");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct pb_nic *m;

	c.packets = 1000;
	m = make(&c, a);
	pass(m, c.packets, 4096);
	cr_expect_eq(tb_stats(a).remote_node_pages, 0, "a CPU of the arena's node frees locally");
	/* The same frees from a CPU of another node (as a pinned thread there would be told). */
	pb_cpu_set_node(a->mem.arena.node + 1);
	pass(m, c.packets, 4096);
	pb_cpu_set_node(0);
	cr_expect_eq(tb_stats(a).remote_node_pages, 1000, "every XDP_DROP free was remote");
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}

/* --- every backend ------------------------------------------------------------------------ */

static void run_all(const char *wl)
{
	const struct pb_alloc_ops *all[PB_MAX_ALLOCS];
	struct pb_job_context ctx;
	struct pb_result *res = NULL;
	struct pb_err err;
	struct pb_plan p = PLAN(wl, "packets=6000", "verdict=drop:4+tx:2+redirect:1+pass:3",
				"len=imix", "copybreak=128", "ring=128", "tx_ring=64");
	unsigned n = pb_alloc_all(all, PB_MAX_ALLOCS);
	size_t nres = 0;

	p.nallocs = 0;
	/* Every backend the plan lets run nic (not a raw library loop, no one-context on two CPUs). */
	for (unsigned i = 0; i < n; i++)
		if (!all[i]->absent && !pb_plan_backend_fits(&p, all[i], &err))
			p.allocs[p.nallocs++] = all[i];
	cr_assert_geq(p.nallocs, 7, "only %u backends run nic", p.nallocs);
	p.reps = 2;
	p.baselines = false;
	p.events[0] = '\0';
	p.min_batch_ns = 0;
	p.allow_shared_cpus = true;
	cr_assert_eq(pb_run(&p, &ctx, &res, &nres, &err), 0, "%s: %s", wl, err.msg);
	cr_expect_eq(nres, (size_t)p.nallocs * p.wl->nthreads);
	for (size_t i = 0; i < nres; i++) {
		const struct pb_counter *leak = pb_counter_find(&res[i], "leaked_pages");

		cr_expect_eq(res[i].ops_measured, res[i].ops * p.reps, "%s", res[i].name);
		if (leak && leak->counted)
			cr_expect_eq(leak->value, 0, "%s leaked %g pages", res[i].name, leak->value);
	}
	pb_results_free(res, nres);
}

Test(nic, every_backend_runs_nic_without_leaking, .timeout = 120)
{
	run_all("nic");
}

Test(nic, every_backend_runs_nic_2cpu_without_leaking, .timeout = 120)
{
	run_all("nic-2cpu");
}

/*
 * fail= (docs/fault-injection.md): once the page allocator fails every call, the ring's 256
 * posted buffers take 256 frames and the NIC misses the rest, counted; nothing is lost or
 * left behind.
 */
Test(nic, frames_without_a_buffer_are_missed_and_counted)
{
	struct pb_alloc *a = TB_CREATE("buddy", "mem=8M", "fail=1", "fail_space=257");
	struct pb_nic_config c = cfg(256, 64, PB_NIC_REFILL_SLOT);
	struct pb_nic *m;
	const struct pb_nic_counts *k;
	struct pb_stats s;

	c.packets = 640;
	m = make(&c, a);
	cr_assert_eq(pb_nic_posted(m), 256, "the open's 256 calls fit in fail_space=257");
	pass(m, c.packets, 100);
	k = pb_nic_counts(m, false);
	cr_expect_eq(k->frames, 256);
	cr_expect_eq(k->rx_missed, 640 - 256);
	cr_expect_eq(k->verdict[PB_NIC_DROP], 256);
	cr_expect_eq(pb_nic_posted(m), 0);
	s = tb_stats(a);
	cr_expect_gt(s.alloc_failed, 0);
	cr_expect_eq(s.alloc_failed, s.pa_fail_injected, "buddy: one call per buffer asked for");
	pb_nic_destroy(m);
	tb_destroy_clean(a);
}
