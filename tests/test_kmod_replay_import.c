/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-module log importer on a trace replay (kmod/pbk_replay.c): 'PBK fig' lines
 * become the counters a userspace replay record carries (per-packet rates from the stats,
 * the figures by kind, "-" as not counted), on the first track only; bad fig lines are
 * refused naming the line.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kmod_log.h"
#include "record.h"

#define HEAD "PBK begin format=1 module=pagebench_kmod git=test\n" \
	"PBK ctx cpu_model=\"Test CPU\" ncpus=2 nodes=1 tsc_khz=1000000 hypervisor=none\n"
/* Two tracks (rx, sock) of 10 and 5 events, 2 repetitions; 8 packets over them. */
#define RECS(BACKEND, SOURCE, ID1, ID2) \
	"PBK rec id=" #ID1 " workload=trace:t.pbtrace backend=" BACKEND " source=" SOURCE \
	" track=rx params=path=skb-6.5 reps=2 ops=10 context=task-bh cpu=0 bops=5,5\n" \
	"PBK rep id=" #ID1 " n=0 cycles=500,500\nPBK rep id=" #ID1 " n=1 cycles=600,600\n" \
	"PBK stats id=" #ID1 " atomics=4 atomics_counted=1 leaked=0 free_delta=0 pa_alloc_calls=2 pa_free_calls=2 pa_alloc_pages=4 pa_free_pages=2\n" \
	"PBK rec id=" #ID2 " workload=trace:t.pbtrace backend=" BACKEND " source=" SOURCE \
	" track=sock params=path=skb-6.5 reps=2 ops=5 context=task-bh cpu=1 bops=5\n" \
	"PBK rep id=" #ID2 " n=0 cycles=500\nPBK rep id=" #ID2 " n=1 cycles=500\n" \
	"PBK stats id=" #ID2 " atomics=0 atomics_counted=1 leaked=0 free_delta=0\n"
#define FIG(ID, PA) "PBK fig id=" #ID " packets=8 pa_calls_counted=" #PA \
	" frames_received=8 frames_released=8 frames_dropped_cap=0 frames_dropped_nomem=2" \
	" pages_in_flight_peak=64 pages_in_flight_mean=12.500000 pinned_per_live_byte=2.730666" \
	" paced_late_ns_max=- live_packets_end=0\n"
#define TAIL "PBK end failures=0\n"

static char *write_log(const char *text)
{
	static char path[64];
	int fd;
	FILE *f;

	strcpy(path, "/tmp/pb-kmod-replay-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static double ctr(const struct pb_result *r, const char *name, bool *counted)
{
	const struct pb_counter *c = pb_counter_find(r, name);

	cr_assert_not_null(c, "%s: no counter %s", r->name, name);
	*counted = c->counted;
	return c->value;
}

Test(kmod_replay_import, figures_become_counters)
{
	const char *path = write_log(HEAD RECS("ptr_ring_pool", "model", 1, 2) FIG(1, 1)
				     RECS("k_page_pool", "kernel", 3, 4) FIG(3, 0) TAIL);
	struct pb_err err = { "" };
	struct pb_kmod_log *L;
	struct pb_result_set s;
	const struct pb_result *rx, *sock, *k;
	bool counted;

	cr_assert_eq(pb_kmod_log_parse(path, &L, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_kmod_log_results(L, "tcg", &s, &err), 0, "%s", err.msg);
	unlink(path);
	rx = pb_result_set_find(&s, "trace:t.pbtrace/ptr_ring_pool/path=skb-6.5/rx", "");
	sock = pb_result_set_find(&s, "trace:t.pbtrace/ptr_ring_pool/path=skb-6.5/sock", "");
	k = pb_result_set_find(&s, "trace:t.pbtrace/k_page_pool/path=skb-6.5/rx", "");
	cr_assert(rx && sock && k);
	/* The rates of userspace's runner: (2 + 2) calls, (4 + 2) pages over 8 packets. */
	cr_expect_float_eq(ctr(rx, "page_allocator_calls_per_packet", &counted), 0.5, 1e-12);
	cr_expect(counted);
	cr_expect_float_eq(ctr(rx, "page_allocator_pages_per_packet", &counted), 0.75, 1e-12);
	cr_expect_float_eq(ctr(rx, "pool_holds_per_packet", &counted), 0.5, 1e-12);
	cr_expect_float_eq(ctr(rx, "pool_releases_per_packet", &counted), 0.25, 1e-12);
	cr_expect_float_eq(ctr(rx, "atomics_per_packet", &counted), 0.5, 1e-12);
	cr_expect_float_eq(ctr(rx, "frames_dropped_per_packet", &counted), 0.25, 1e-12);
	cr_expect_float_eq(ctr(rx, "pages_in_flight_mean", &counted), 12.5, 1e-12);
	cr_expect_float_eq(ctr(rx, "pinned_per_live_byte", &counted), 2.730666, 1e-12);
	cr_expect_eq(pb_counter_find(rx, "pinned_per_live_byte")->kind, PB_CTR_RATE);
	cr_expect_eq(pb_counter_find(rx, "frames_received")->kind, PB_CTR_COUNT);
	cr_expect_eq(pb_counter_find(rx, "pages_in_flight_peak")->kind, PB_CTR_LEVEL);
	ctr(rx, "paced_late_ns_max", &counted);
	cr_expect(!counted, "'-' is a figure not measured");
	cr_expect_null(pb_counter_find(sock, "frames_received"), "the instance's figures are on its first track");
	/* page_pool's hold/release counters give pages, not calls. */
	ctr(k, "page_allocator_calls_per_packet", &counted);
	cr_expect(!counted);
	cr_expect_float_eq(ctr(k, "pool_holds_per_packet", &counted), 0.5, 1e-12);
	pb_result_set_free(&s);
	pb_kmod_log_free(L);
}

static void refused(const char *text, const char *want)
{
	const char *path = write_log(text);
	struct pb_err err = { "" };
	struct pb_kmod_log *L = NULL;
	int rc = pb_kmod_log_parse(path, &L, &err);

	if (!rc)
		pb_kmod_log_free(L);
	unlink(path);
	cr_assert_eq(rc, -1, "accepted: %s", text);
	cr_expect_not_null(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
}

Test(kmod_replay_import, bad_fig_lines_name_the_line)
{
	refused(HEAD "PBK fig id=9 packets=1 pa_calls_counted=1\n" TAIL, ":3: id=9: no 'PBK rec' and 'PBK stats'");
	refused(HEAD RECS("null", "model", 1, 2) "PBK fig id=1 packets=8 pa_calls_counted=1 pages_in_flight_peak=x\n" TAIL,
		":11: pages_in_flight_peak=x: not a non-negative number or '-'");
	refused(HEAD RECS("null", "model", 1, 2) "PBK fig id=1 pa_calls_counted=1\n" TAIL, ":11:");
	refused(HEAD RECS("null", "model", 1, 2) FIG(1, 1) FIG(1, 1) TAIL, ":12: id=1: a second fig line");
}
