// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generators: each is deterministic from its seed (same seed, same events; another seed,
 * other events), its output passes the packet-life audit with bounded in-flight state,
 * its parameters are validated, and each models what its parameters say (tails, batches,
 * pinning, weights).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "support_trace.h"
#include "trace_audit.h"
#include "trace_gen.h"

/* FNV-1a of every event field, and the audit of the stream. */
struct digest {
	uint64_t h, n;
	struct pb_trace_audit a;
};

static int digest_emit(void *ctx, const struct pb_trace_event *ev, struct pb_err *err)
{
	struct digest *d = ctx;
	uint64_t f[6] = { ev->time_ns, ev->pkt, ev->len, ev->cpu, ev->kind, ev->path };

	for (int i = 0; i < 6; i++)
		d->h = (d->h ^ f[i]) * 0x100000001b3ull;
	d->n++;
	return pb_trace_audit_event(&d->a, ev, PB_AUDIT_NO_OFFSET, err) < 0 ? -1 : 0;
}

static void run(const char *gen, const char *sets, uint64_t seed, struct digest *d)
{
	struct pb_trace_source src;
	struct pb_trace_sink sink = { digest_emit, d };
	struct pb_params p = { 0 };
	struct pb_err err;
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", sets);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		cr_assert_eq(pb_params_add(&p, tok, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_trace_gen_open(&src, gen, &p, seed, &err), 0, "%s: %s", gen, err.msg);
	d->h = 0xcbf29ce484222325ull;
	d->n = 0;
	cr_assert_eq(pb_trace_audit_init(&d->a, src.hdr, &err), 0);
	cr_assert_eq(pb_trace_pump(&src, &sink, &err), 0, "%s: %s", gen, err.msg);
	pb_trace_audit_finish(&d->a);
	cr_assert_eq(d->a.violations, 0, "%s: %s", gen, d->a.first);
	pb_trace_source_close(&src);
	pb_trace_audit_free(&d->a);
}

Test(trace_gen, every_generator_is_deterministic_and_valid)
{
	for (const struct pb_trace_gen_def *const *g = pb_trace_gens; *g; g++) {
		struct digest a, b, c;

		run((*g)->name, "packets=5000", 11, &a);
		run((*g)->name, "packets=5000", 11, &b);
		run((*g)->name, "packets=5000", 12, &c);
		cr_assert_eq(a.h, b.h, "%s: same seed, different events", (*g)->name);
		cr_assert_eq(a.n, b.n);
		cr_assert_neq(a.h, c.h, "%s: another seed gave the same events", (*g)->name);
		cr_assert_eq(a.a.kinds[PB_TK_RX], 5000, "%s", (*g)->name);
		cr_assert_eq(a.a.poll_pkts, 5000, "%s: polls must account for every frame", (*g)->name);
	}
}

Test(trace_gen, parameters_are_validated)
{
	static const char *const bad[][2] = {
		{ "slow-socket", "slow=1.5" }, { "slow-socket", "tail=weibull" },
		{ "slow-socket", "tail_shape=0" }, { "rx-drop", "len=70000" },
		{ "rx-drop", "budget=0" }, { "rx-forward", "tx_batch=5000" },
		{ "rx-drop", "nosuchkey=1" }, { "mixed", "w_drop=0 w_forward=0 w_slow=0 w_ooo=0" },
		{ "slow-socket", "hold_ns=5000000000 max_hold_ns=1000" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_trace_source src;
		struct pb_params p = { 0 };
		struct pb_err err;
		char buf[128], *tok, *save;

		snprintf(buf, sizeof(buf), "%s", bad[i][1]);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			cr_assert_eq(pb_params_add(&p, tok, &err), 0);
		cr_expect_eq(pb_trace_gen_open(&src, bad[i][0], &p, 1, &err), -1, "%s %s accepted",
			     bad[i][0], bad[i][1]);
		cr_expect(!strncmp(err.msg, bad[i][0], strlen(bad[i][0])), "error names the generator: %s", err.msg);
	}
}

Test(trace_gen, unknown_generator)
{
	struct pb_trace_source src;
	struct pb_params p = { 0 };
	struct pb_err err;

	cr_assert_eq(pb_trace_gen_open(&src, "nope", &p, 1, &err), -1);
	cr_assert(strstr(err.msg, "unknown generator 'nope'"), "%s", err.msg);
}

Test(trace_gen, slow_fraction_and_tail_shape_the_holds)
{
	struct digest none, slow, heavy;

	run("slow-socket", "packets=20000 slow=0", 5, &none);
	run("slow-socket", "packets=20000 slow=10%", 5, &slow);
	run("slow-socket", "packets=20000 slow=10% tail=lognormal tail_shape=2", 5, &heavy);
	/* prompt readers only: p99 a few means of 20 us; with 10% slow, p99 is in the tail (>= 1 ms) */
	cr_assert_lt(pb_hist_quantile(&none.a.hold, 0.99), 200000);
	cr_assert_geq(pb_hist_quantile(&slow.a.hold, 0.99), 1000000);
	cr_assert_gt(slow.a.inflight_peak, none.a.inflight_peak);
	cr_assert_neq(pb_hist_quantile(&heavy.a.hold, 0.99), pb_hist_quantile(&slow.a.hold, 0.99));
}

Test(trace_gen, forward_batches_completions_and_places_the_cpu)
{
	struct digest other, same;

	run("rx-forward", "packets=6400 tx_batch=64 arrivals=fixed", 1, &other);
	run("rx-forward", "packets=6400 tx_cpu=same action=tx", 1, &same);
	/* a batch of 64 is in flight until its last frame was sent: the peak is at least the batch */
	cr_assert_geq(other.a.inflight_peak, 64);
	cr_assert_eq(other.a.kinds[PB_TK_REDIRECT], 6400);
	cr_assert_eq(other.a.paths[PB_TP_XDP_REDIRECT], 6400);
	cr_assert_eq(same.a.paths[PB_TP_XDP_TX], 6400);
}

Test(trace_gen, attacker_holds_one_in_pin_every)
{
	struct digest d;

	run("attacker-ooo", "packets=21000 pin_every=21 ooo_hold_ns=500000000", 2, &d);
	/* 1000 held segments: the top 1000 holds are all the attacker's 0.5 s */
	cr_assert_gt(pb_hist_quantile(&d.a.hold, 1.0 - 999.0 / 21000), 480000000);
	cr_assert_lt(pb_hist_quantile(&d.a.hold, 1.0 - 1001.0 / 21000), 10000000);
	cr_assert_eq(d.a.hold.max, 500000000);
}

Test(trace_gen, mixed_follows_the_weights)
{
	struct digest d;

	run("mixed", "packets=10000 w_drop=1 w_forward=0 w_slow=0 w_ooo=0", 3, &d);
	cr_assert_eq(d.a.paths[PB_TP_XDP_DROP], 10000);
	run("mixed", "packets=10000 w_drop=1 w_forward=1 w_slow=0 w_ooo=0", 3, &d);
	cr_assert(d.a.paths[PB_TP_XDP_DROP] > 4500 && d.a.paths[PB_TP_XDP_DROP] < 5500,
		  "drop share %llu of 10000", (unsigned long long)d.a.paths[PB_TP_XDP_DROP]);
}

Test(trace_gen, cli_gen_writes_a_checked_file)
{
	char args[512], out[4096];
	const char *path = pb_ttmp("cli-gen.pbtrace");
	int rc;

	snprintf(args, sizeof(args), "trace gen cross-cpu --set packets=1000 --seed 9 -o '%s'", path);
	rc = pb_trun(args, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 0, "%s", out);
	snprintf(args, sizeof(args), "trace check '%s'", path);
	cr_assert_eq(pb_trun(args, out, sizeof(out)), 0, "%s", out);
	snprintf(args, sizeof(args), "trace gen cross-cpu --set hold_ns=x -o '%s.2'", path);
	cr_assert_eq(pb_trun(args, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "cross-cpu") && strstr(out, "hold_ns"), "%s", out);
}
