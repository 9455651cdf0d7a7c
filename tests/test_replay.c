// SPDX-License-Identifier: GPL-2.0-only
/*
 * The replay engine through whole runs (pb_run, pinned threads): a two-CPU replay loses no
 * packet and leaks no page; cap= drops frames and counts them; the same trace and seed give
 * the same allocator calls on each CPU (a test backend hashes them), a file gives what its
 * generator gives, another seed does not; the engine's memory does not grow with the trace;
 * names that cannot be replayed are refused with the file and the reason; the shipped
 * captures import and replay through ptr_ring_pool with the pool's traffic the capture saw.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "options.h"
#include "record.h"
#include "replay.h"
#include "runner.h"
#include "support_trace.h"
#include "trace_gen.h"
#include "trace_import.h"

/* --- a backend that hashes the calls it gets, per CPU slot --- */

static uint64_t call_hash[PB_MAX_CPUS], call_count[PB_MAX_CPUS], alloc_seq;

static void mix(unsigned cpu, uint64_t v)
{
	uint64_t h = call_hash[cpu] ^ v;

	h *= 0x100000001b3ull;
	call_hash[cpu] = h ^ (h >> 29);
	call_count[cpu]++;
}

static bool hash_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	b->page = pb_alloc_pages(a->mem.zone, 0);
	if (!b->page)
		return false;
	/* Which allocation a free gives back travels in the buffer: offset is never looked at. */
	b->offset = (uint32_t)++alloc_seq;
	b->len = b->truesize = PB_PAGE_SIZE;
	mix(pb_cpu_id(), 1ull << 40 | b->offset);
	return true;
}

static void hash_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	mix(pb_cpu_id(), (direct ? 3ull : 2ull) << 40 | b->offset);
	pb_free_pages(a->mem.zone, b->page, 0);
}

static struct pb_page *hash_alloc(struct pb_alloc *a)
{
	return pb_alloc_pages(a->mem.zone, 0);
}

static void hash_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	pb_free_pages(a->mem.zone, pg, 0);
}

static int hash_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	return 0;
}

static const struct pb_alloc_ops hash_ops = {
	.name = "callhash",
	.desc = "test: hashes every call per CPU slot",
	.create = hash_create,
	.alloc = hash_alloc,
	.free = hash_free,
	.alloc_buf = hash_alloc_buf,
	.free_buf = hash_free_buf,
};

static void hash_reset(void)
{
	memset(call_hash, 0, sizeof(call_hash));
	memset(call_count, 0, sizeof(call_count));
	alloc_seq = 0;
}

/* --- plans through the option table, as `pagebench run` builds them --- */

static void opt(struct pb_plan *p, const char *name, const char *v)
{
	struct pb_err err;

	cr_assert_eq(pb_option_by_name(name)->set(p, v, &err), 0, "--%s %s: %s", name, v, err.msg);
}

static void plan_of(struct pb_plan *p, const char *workload, const char *const *sets)
{
	pb_plan_init(p);
	opt(p, "workload", workload);
	for (; sets && *sets; sets++)
		opt(p, "set", *sets);
	p->reps = 2;
	p->baselines = false;
	p->events[0] = '\0';
	p->min_batch_ns = 0;
	p->allow_shared_cpus = true;	/* the test machine may have one CPU */
}

static const struct pb_result *find(const struct pb_result *r, size_t n, const char *alloc,
				    const char *track)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].alloc, alloc) && !strcmp(r[i].track, track))
			return &r[i];
	cr_assert_fail("no record of %s track '%s'", alloc, track);
	return NULL;
}

static double ctr(const struct pb_result *r, const char *name)
{
	const struct pb_counter *c = pb_counter_find(r, name);

	cr_assert(c && c->counted, "%s: counter %s %s", r->name, name, c ? "not counted" : "missing");
	return c->value;
}

static void run(const struct pb_plan *p, struct pb_result **res, size_t *n)
{
	struct pb_job_context ctx;
	struct pb_err err;

	cr_assert_eq(pb_run(p, &ctx, res, n, &err), 0, "%s", err.msg);
}

Test(replay, two_cpus_lose_no_packet_and_leak_no_page, .timeout = 120)
{
	static const char *const sets[] = { "packets=20000", "slow=0.2", "hold_ns=5000", NULL };
	static const char *const backends[] = { "buddy", "ptr_ring_pool", "frag", "halfpage" };
	struct pb_result *res;
	struct pb_plan p;
	size_t n;

	plan_of(&p, "slow-socket", sets);
	cr_assert_eq(p.wl->nthreads, 2, "slow-socket replays on its two CPUs");
	cr_assert_str_eq(p.wl->tracks[0], "rx");
	cr_assert_str_eq(p.wl->tracks[1], "sock");
	for (unsigned i = 0; i < 4; i++)
		p.allocs[p.nallocs++] = pb_alloc_find(backends[i]);
	run(&p, &res, &n);
	cr_assert_eq(n, 2 * (4 + 1), "two tracks of each backend and of the null row");
	for (unsigned i = 0; i < 5; i++) {
		const char *b = i < 4 ? backends[i] : "null";
		const struct pb_result *rx = find(res, n, b, "rx"), *sock = find(res, n, b, "sock");

		/* 20000 frames in each of the two measured repetitions, every one given back. */
		cr_expect_eq(ctr(rx, "frames_received"), 40000, "%s", b);
		cr_expect_eq(ctr(rx, "frames_released"), 40000, "%s", b);
		cr_expect_eq(ctr(rx, "frames_dropped_cap") + ctr(rx, "frames_dropped_nomem"), 0, "%s", b);
		cr_expect_eq(ctr(rx, "leaked_pages"), 0, "%s", b);
		cr_expect_gt(ctr(rx, "live_packets_peak"), 0, "%s: packets were in flight", b);
		cr_expect_gt(sock->ops, 0, "%s: the socket CPU replayed its releases", b);
		cr_expect(rx->series && rx->series->n > 1 && rx->series->ncols == 7, "%s: a series", b);
		cr_expect_gt(ctr(rx, "engine_ns_per_event"), 0, "%s", b);
		cr_expect_gt(ctr(rx, "rss_peak_bytes"), 1 << 20, "%s: the process holds at least its arena", b);
		if (strcmp(b, "null")) {
			bool has_remote = false;

			for (const struct pb_stats_field *f = pb_stats_fields; f->name; f++)
				has_remote |= !strncmp(f->name, "remote_node", 11);
			/* Read from allocators/core/stats once the NUMA work counts remote-node pages. */
			cr_expect(pb_counter_find(rx, "remote_node_pages") &&
				  pb_counter_find(rx, "remote_node_pages")->counted == has_remote, "%s", b);
		}
	}
	/* Truesize honesty: an order-3 fragment pins its block, an order-0 page one page. */
	cr_expect_gt(ctr(find(res, n, "frag", "rx"), "pinned_per_live_byte"),
		     3 * ctr(find(res, n, "buddy", "rx"), "pinned_per_live_byte"));
	cr_expect_lt(fabs(ctr(find(res, n, "buddy", "rx"), "pinned_per_live_byte") - 4096.0 / 1500), 0.01,
		     "buddy: one 4 KiB page per 1500-byte frame");
	pb_results_free(res, n);
}

Test(replay, cap_drops_frames_and_counts_them, .timeout = 120)
{
	static const char *const sets[] = { "packets=20000", "slow=0.5", "cap=16", NULL };
	const struct pb_result *rx;
	struct pb_result *res;
	struct pb_plan p;
	size_t n;
	double got, rel, dropped;

	plan_of(&p, "slow-socket", sets);
	p.allocs[p.nallocs++] = pb_alloc_find("buddy");
	run(&p, &res, &n);
	rx = find(res, n, "buddy", "rx");
	got = ctr(rx, "frames_received");
	rel = ctr(rx, "frames_released");
	dropped = ctr(rx, "frames_dropped_cap");
	cr_expect_eq(got, 40000);
	cr_expect_gt(dropped, 0, "half the readers hold for milliseconds: 16 pages cannot carry them");
	cr_expect_eq(rel + dropped, got, "every frame is either dropped at rx or released");
	cr_expect_eq(ctr(rx, "frames_dropped_nomem"), 0);
	cr_expect_leq(ctr(rx, "pages_in_flight_peak"), 16, "buddy holds one page per live frame");
	cr_expect_eq(ctr(rx, "leaked_pages"), 0);
	cr_expect_gt(ctr(rx, "frames_dropped_per_packet"), 0);
	/* The null backend holds one page: the cap never bites there. */
	cr_expect_eq(ctr(find(res, n, "null", "rx"), "frames_dropped_cap"), 0);
	pb_results_free(res, n);
}

/*
 * The hashing backend on memory of "another node": every page marked one node past the
 * arena's, so each free on a CPU of this machine is a remote-node free (the synthetic
 * topologies cannot be pinned to, so the pages move instead of the CPUs).
 */
static int far_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	for (size_t i = 0; i < a->mem.arena.npages; i++)
		a->mem.arena.pages[i].node = (uint8_t)(a->mem.arena.node + 1);
	return 0;
}

static const struct pb_alloc_ops far_ops = {
	.name = "farnode",
	.desc = "test: the hashing backend on pages of another node",
	.create = far_create,
	.alloc = hash_alloc,
	.free = hash_free,
	.alloc_buf = hash_alloc_buf,
	.free_buf = hash_free_buf,
};

/* Every release the replay does, on either CPU, is counted once as remote_node_pages. */
Test(replay, frees_of_another_nodes_pages_are_counted, .timeout = 120)
{
	static const char *const sets[] = { "packets=3000", "slow=0.1", NULL };
	struct pb_result *res;
	struct pb_plan p;
	size_t n;

	plan_of(&p, "slow-socket", sets);
	p.allocs[p.nallocs++] = &far_ops;
	run(&p, &res, &n);
	{
		/* The backend's figures, both CPUs' frees, are on the rx track's record. */
		const struct pb_result *rx = find(res, n, "farnode", "rx");

		cr_expect_gt(ctr(rx, "frames_released"), 0);
		cr_expect_eq(ctr(rx, "remote_node_pages"), ctr(rx, "frames_released"),
			     "one remote free per release");
	}
	pb_results_free(res, n);
}

/* Runs @workload with @sets on the hashing backend; its per-CPU hashes into @h. */
static void hashed_run(const char *workload, const char *const *sets, uint64_t h[2], uint64_t c[2])
{
	struct pb_result *res;
	struct pb_plan p;
	size_t n;

	plan_of(&p, workload, sets);
	p.allocs[p.nallocs++] = &hash_ops;
	hash_reset();
	run(&p, &res, &n);
	pb_results_free(res, n);
	h[0] = call_hash[0];
	h[1] = call_hash[1];
	c[0] = call_count[0];
	c[1] = call_count[1];
}

Test(replay, same_trace_same_calls_per_cpu, .timeout = 180)
{
	static const char *const a[] = { "packets=5000", "slow=0.1", "gen_seed=5", NULL };
	static const char *const b[] = { "packets=5000", "slow=0.1", "gen_seed=6", NULL };
	const char *file = pb_ttmp("gen5.pbt");
	char name[300];
	uint64_t h1[2], h2[2], h3[2], h4[2], c1[2], c2[2], c3[2], c4[2];
	struct pb_trace_writer *w;
	struct pb_trace_source src;
	struct pb_params gp = { 0 };
	struct pb_trace_sink sink;
	struct pb_err err;

	hashed_run("slow-socket", a, h1, c1);
	hashed_run("slow-socket", a, h2, c2);
	cr_expect_gt(c1[0], 0);
	cr_expect_gt(c1[1], 0, "CPU 1 (the socket reader) frees");
	cr_expect(h1[0] == h2[0] && h1[1] == h2[1], "the same seed gave other calls");
	cr_expect(c1[0] == c2[0] && c1[1] == c2[1]);
	hashed_run("slow-socket", b, h3, c3);
	cr_expect(h3[0] != h1[0] || h3[1] != h1[1], "another seed gave the same calls");
	/* The same trace written to a file first: the same calls again. */
	cr_assert_eq(pb_params_add(&gp, "packets=5000", &err), 0);
	cr_assert_eq(pb_params_add(&gp, "slow=0.1", &err), 0);
	cr_assert_eq(pb_trace_gen_open(&src, "slow-socket", &gp, 5, &err), 0, "%s", err.msg);
	w = pb_trace_create(file, src.hdr, &err);
	cr_assert_not_null(w, "%s", err.msg);
	sink = pb_trace_writer_sink(w);
	cr_assert_eq(pb_trace_pump(&src, &sink, &err), 0, "%s", err.msg);
	pb_trace_source_close(&src);
	cr_assert_eq(pb_trace_commit(w, &err), 0, "%s", err.msg);
	snprintf(name, sizeof(name), "trace:%s", file);
	hashed_run(name, NULL, h4, c4);
	cr_expect(h4[0] == h1[0] && h4[1] == h1[1], "the file replayed other calls than its generator");
}

/* engine_bytes_peak of rx-drop over @packets frames. */
static double engine_bytes(const char *packets)
{
	const char *sets[] = { packets, NULL };
	struct pb_result *res;
	struct pb_plan p;
	size_t n;
	double v;

	plan_of(&p, "rx-drop", sets);
	p.reps = 1;
	p.allocs[p.nallocs++] = pb_alloc_find("buddy");
	run(&p, &res, &n);
	v = ctr(find(res, n, "buddy", ""), "engine_bytes_peak");
	pb_results_free(res, n);
	return v;
}

Test(replay, engine_memory_does_not_grow_with_the_trace, .timeout = 120)
{
	double small = engine_bytes("packets=20000"), big = engine_bytes("packets=400000");

	cr_expect_gt(small, 0);
	/* 20 times the events, the same packets in flight: the same memory, give or take. */
	cr_expect_leq(big, small * 1.25, "%.0f bytes for 20x the trace, %.0f for 1x", big, small);
}

Test(replay, names_that_cannot_be_replayed_are_refused)
{
	static const unsigned two_rx[] = { PB_ROLE_RX | PB_ROLE_SOCK, PB_ROLE_RX };
	static const struct pb_trace_event ev[] = {
		{ .time_ns = 1, .pkt = 1, .len = 100, .cpu = 0, .kind = PB_TK_RX, .path = PB_TP_SKB },
		{ .time_ns = 2, .pkt = 2, .len = 100, .cpu = 1, .kind = PB_TK_RX, .path = PB_TP_SKB },
		{ .time_ns = 3, .pkt = 1, .len = 100, .cpu = 0, .kind = PB_TK_SOCK_RELEASE, .path = PB_TP_SKB },
		{ .time_ns = 4, .pkt = 2, .len = 100, .cpu = 0, .kind = PB_TK_SOCK_RELEASE, .path = PB_TP_SKB },
	};
	const char *f = pb_ttmp("tworx.pbt");
	struct pb_params none = { 0 }, bad = { 0 };
	struct pb_err err;
	char name[300];

	cr_expect_null(pb_replay_resolve("trace:/nonexistent/x.pbt", &none, &err));
	cr_expect(strstr(err.msg, "/nonexistent/x.pbt"), "%s", err.msg);
	pb_twrite(f, 2, two_rx, ev, 4);
	snprintf(name, sizeof(name), "trace:%s", f);
	cr_expect_null(pb_replay_resolve(name, &none, &err));
	cr_expect(strstr(err.msg, "both receive"), "%s", err.msg);
	cr_expect_null(pb_replay_resolve("replay", &none, &err));
	cr_assert_eq(pb_params_add(&bad, "slow=lots", &err), 0);
	cr_expect_null(pb_replay_resolve("slow-socket", &bad, &err));
	cr_expect(strstr(err.msg, "slow") && strstr(err.msg, "lots"), "%s", err.msg);
	/* cross-cpu is the loop workload; its generator is gen:cross-cpu. */
	cr_expect(!pb_replay_claims("cross-cpu") && pb_replay_claims("gen:cross-cpu"));
	cr_expect(pb_replay_claims("slow-socket") && !pb_replay_claims("alloc-free"));
}

Test(replay, a_generator_key_can_change_its_cpus)
{
	struct pb_plan p;

	plan_of(&p, "slow-socket", NULL);
	cr_expect_eq(p.wl->nthreads, 2);
	opt(&p, "set", "sock_cpu=same");
	cr_expect_eq(p.wl->nthreads, 1, "the socket reader on the RX CPU: one thread");
	cr_expect(pb_replay_is(p.wl));
}

/* A corrupt block is refused when the name is resolved, with the byte offset. */
Test(replay, corrupt_file_refused_with_the_offset)
{
	const char *f = pb_ttmp("corrupt.pbt");
	struct pb_params gp = { 0 };
	struct pb_trace_writer *w;
	struct pb_trace_source src;
	struct pb_trace_sink sink;
	struct pb_err err;
	char name[300];
	FILE *fp;

	cr_assert_eq(pb_params_add(&gp, "packets=3000", &err), 0);
	cr_assert_eq(pb_trace_gen_open(&src, "rx-drop", &gp, 1, &err), 0, "%s", err.msg);
	w = pb_trace_create(f, src.hdr, &err);
	cr_assert_not_null(w);
	sink = pb_trace_writer_sink(w);
	cr_assert_eq(pb_trace_pump(&src, &sink, &err), 0, "%s", err.msg);
	pb_trace_source_close(&src);
	cr_assert_eq(pb_trace_commit(w, &err), 0, "%s", err.msg);
	fp = fopen(f, "r+b");
	cr_assert_not_null(fp);
	fseek(fp, 400, SEEK_SET);
	fputc(0x5a ^ fgetc(fp), fp);
	fclose(fp);
	snprintf(name, sizeof(name), "trace:%s", f);
	cr_expect_null(pb_replay_resolve(name, &gp, &err));
	cr_expect(strstr(err.msg, "byte "), "%s", err.msg);
}

/*
 * Each shipped capture, imported (one device) and replayed through ptr_ring_pool on veth's
 * pool sizes (a 256-entry ring): every frame back, and the pool's page-allocator traffic
 * per packet within 25% of what the real page_pool did in the capture (its holds per packet).
 */
Test(replay, shipped_captures_replay_through_ptr_ring_pool, .timeout = 180)
{
	static const char *const caps[] = { "prompt", "slow", "drop", "pressured" };

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		static const char *const sets[] = { "ring=256", NULL };
		struct pb_trace_import_opts o = { .dev = "pbcap1" };
		struct pb_trace_import_stats st;
		struct pb_trace_reader *rd;
		const struct pb_result *rx;
		char in[256], name[300], obs[64];
		const char *out = pb_ttmp(caps[i]);
		struct pb_result *res;
		struct pb_plan p;
		struct pb_err err;
		double want, got;
		size_t n;

		snprintf(in, sizeof(in), "tests/data/traces/veth-%s.txt", caps[i]);
		cr_assert_eq(pb_trace_importer_find("perf")->import(in, out, &o, &st, &err), 0, "%s", err.msg);
		rd = pb_trace_open(out, &err);
		cr_assert_not_null(rd, "%s", err.msg);
		cr_assert(pb_trace_header_get(pb_trace_reader_header(rd), "obs_pool_holds_per_pkt", obs, sizeof(obs)));
		pb_trace_close(rd);
		want = strtod(obs, NULL);
		snprintf(name, sizeof(name), "trace:%s", out);
		plan_of(&p, name, sets);
		p.allocs[p.nallocs++] = pb_alloc_find("ptr_ring_pool");
		run(&p, &res, &n);
		rx = &res[0];
		cr_expect_str_eq(rx->alloc, "ptr_ring_pool");
		cr_expect_eq(ctr(rx, "frames_received"), 2.0 * (double)st.packets, "%s", in);
		cr_expect_eq(ctr(rx, "frames_released"), 2.0 * (double)st.packets, "%s", in);
		got = ctr(rx, "pool_holds_per_packet");
		cr_expect(fabs(got - want) <= 0.25 * want + 1e-9,
			  "%s: the pool took %.4f pages per packet, the real one %.4f", in, got, want);
		pb_results_free(res, n);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pace=trace keeps the trace's time: 5000 frames at 100 kpps take 50 ms a pass, or more. */
Test(replay, paced_replay_takes_the_trace_time, .timeout = 120)
{
	static const char *const sets[] = { "packets=5000", "pps=100000", "arrivals=fixed",
					    "max_hold_ns=1000000", "pace=trace", NULL };
	const struct pb_result *rx;
	struct pb_result *res;
	struct pb_plan p;
	double t0, took;
	size_t n;

	plan_of(&p, "slow-socket", sets);
	p.allocs[p.nallocs++] = pb_alloc_find("ptr_ring_pool");
	t0 = now_s();
	run(&p, &res, &n);
	took = now_s() - t0;
	/* Two backends (ptr_ring_pool and the null row) x (warm-up + 2 repetitions) x 50 ms. */
	cr_expect_geq(took, 6 * 0.050, "paced passes took %.3f s in all", took);
	rx = find(res, n, "ptr_ring_pool", "rx");
	cr_expect_eq(ctr(rx, "frames_released"), 10000);
	cr_expect_geq(ctr(rx, "paced_late_ns_max"), 0);
	cr_expect(rx->series && rx->series->n > 2);
	/* The series follows the trace's clock: its last sample is near the end of the 50 ms. */
	cr_expect_gt(rx->series->v[(rx->series->n - 1) * rx->series->ncols + 1], 0.02e9);
	pb_results_free(res, n);
}

/* Bad input on the command line: one line naming the file or the key, exit 2, no output file. */
Test(replay, cli_refuses_bad_traces_with_exit_2)
{
	const char *json = pb_ttmp("never.json");
	char cmd[512], out[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), "run --alloc buddy --workload trace:/nonexistent/t.pbt --json %s", json);
	rc = pb_trun(cmd, out, sizeof(out));
	if (rc < 0)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	cr_expect_eq(rc, 2, "%s", out);
	cr_expect(strstr(out, "/nonexistent/t.pbt") && !strchr(strchr(out, '\n') + 1, '\n'),
		  "one line naming the file: %s", out);
	cr_expect_eq(access(json, F_OK), -1, "no output file");
	rc = pb_trun("run --alloc buddy --workload slow-socket --set tail=weibull", out, sizeof(out));
	cr_expect_eq(rc, 2, "%s", out);
	cr_expect(strstr(out, "tail") && strstr(out, "weibull"), "%s", out);
	rc = pb_trun("run --alloc buddy --workload slow-socket --cpus tx=1", out, sizeof(out));
	cr_expect_eq(rc, 2, "%s", out);
	cr_expect(strstr(out, "rx, sock"), "the roles are named: %s", out);
}
