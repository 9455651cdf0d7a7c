// SPDX-License-Identifier: GPL-2.0-only
/*
 * The perf/tracefs importer on the captures shipped in tests/data/traces (made by
 * scripts/capture-veth.sh): each imports, passes `trace check`, and records its
 * observations; unused lines are counted, a malformed used line names FILE:LINE (exit 2,
 * no file); tracefs-format lines parse like perf's. The script itself runs where veth and
 * tracefs are available, and the test says why it skipped elsewhere.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "support_trace.h"
#include "trace_audit.h"
#include "trace_import.h"

static int import(const char *in, const char *out, const char *dev, struct pb_trace_import_stats *st,
		  struct pb_err *err)
{
	struct pb_trace_import_opts o = { .dev = dev };

	return pb_trace_importer_find("perf")->import(in, out, &o, st, err);
}

static void check_file(const char *path, struct pb_trace_audit *a)
{
	struct pb_trace_reader *r;
	struct pb_trace_event ev;
	struct pb_err err;
	int rc;

	r = pb_trace_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(pb_trace_audit_init(a, pb_trace_reader_header(r), &err), 0);
	while ((rc = pb_trace_next(r, &ev, &err)) > 0)
		cr_assert_geq(pb_trace_audit_event(a, &ev, pb_trace_reader_offset(r), &err), 0);
	cr_assert_eq(rc, 0, "%s", err.msg);
	pb_trace_audit_finish(a);
	cr_assert_eq(a->violations, 0, "%s: %s", path, a->first);
	pb_trace_close(r);
}

static const char *param(const char *path, const char *key)
{
	static char v[128];
	struct pb_err err;
	struct pb_trace_reader *r = pb_trace_open(path, &err);

	cr_assert_not_null(r);
	cr_assert(pb_trace_header_get(pb_trace_reader_header(r), key, v, sizeof(v)), "%s has no %s", path, key);
	pb_trace_close(r);
	return v;
}

Test(trace_import, shipped_captures_import_and_check)
{
	static const char *const caps[] = { "prompt", "slow", "drop", "pressured" };

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char in[256];
		const char *out = pb_ttmp(caps[i]);
		struct pb_trace_import_stats st;
		struct pb_trace_audit a;
		struct pb_err err;

		snprintf(in, sizeof(in), "tests/data/traces/veth-%s.txt", caps[i]);
		cr_assert_eq(import(in, out, "pbcap1", &st, &err), 0, "%s", err.msg);
		cr_assert_geq(st.packets, 300, "%s: %llu packets", in, (unsigned long long)st.packets);
		cr_assert_gt(st.skipped, 0, "%s: the captures have lines of other devices", in);
		cr_assert_eq(st.lines, st.used + st.skipped);
		check_file(out, &a);
		cr_assert_eq(a.kinds[PB_TK_RX], st.packets);
		cr_assert_eq(strtoull(param(out, "obs_packets"), NULL, 10), st.packets);
		cr_assert_eq(strtoull(param(out, "obs_inflight_peak"), NULL, 10), a.inflight_peak);
		cr_assert_str_eq(param(out, "dev"), "pbcap1");
		if (!strcmp(caps[i], "drop")) {
			cr_assert_eq(a.paths[PB_TP_XDP_DROP], st.packets, "XDP_DROP: every frame dropped in XDP");
			cr_assert_eq(a.paths[PB_TP_SKB], 0);
		} else {
			cr_assert_geq(a.paths[PB_TP_SKB], 300, "%s: PASS delivers skbs", in);
		}
		if (!strcmp(caps[i], "pressured")) {
			/* More frames held than veth's pool caches (ring 256): it went to the page allocator. */
			cr_assert_gt(a.inflight_peak, 256, "%s: %llu in flight", in, (unsigned long long)a.inflight_peak);
			cr_assert_gt(strtoull(param(out, "obs_pool_holds"), NULL, 10), 256);
			cr_assert_gt(strtoull(param(out, "obs_pool_releases"), NULL, 10), 0);
		}
		pb_trace_audit_free(&a);
	}
}

static const char *write_text(const char *name, const char *text)
{
	const char *path = pb_ttmp(name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

Test(trace_import, malformed_used_line_names_file_and_line)
{
	const char *in = write_text("bad.txt",
		"# a comment\n"
		" python3 1 [001] 10.000001: net:netif_receive_skb: dev=v skbaddr=0xffff1 len=100\n"
		" python3 1 [001] 10.000002: sched:sched_switch: prev_comm=x\n"
		" python3 1 [001] 10.000003: net:netif_receive_skb: dev=v skbaddr=zzz len=100\n");
	const char *out = pb_ttmp("bad.pbtrace");
	struct pb_trace_import_stats st;
	struct stat sb;
	struct pb_err err;
	char msg[600];

	cr_assert_eq(import(in, out, NULL, &st, &err), -1);
	snprintf(msg, sizeof(msg), "%s:4: netif_receive_skb: field 'skbaddr'", in);
	cr_assert(strstr(err.msg, msg), "%s", err.msg);
	cr_assert_neq(stat(out, &sb), 0, "no output file after a failed import");
}

Test(trace_import, unused_lines_are_counted_and_tracefs_format_parses)
{
	const char *in = write_text("tracefs.txt",
		"# tracer: nop\n"
		"#\n"
		"          <idle>-0       [002] ..s1.  50.000100: netif_receive_skb: dev=v skbaddr=00000000abcd len=60\n"
		"          <idle>-0       [002] ..s1.  50.000101: sched_wakeup: comm=x pid=1\n"
		"          <idle>-0       [002] ..s1.  50.000102: napi_poll: napi poll on napi struct 0000beef for device v work 3 budget 64\n"
		"          <idle>-0       [002] ..s1.  50.000103: page_pool_state_hold: page_pool=00001 page=00002 pfn=0x10 hold=1\n"
		"            app-7       [003] .....  50.000900: consume_skb: skbaddr=00000000abcd location=x\n"
		"garbage that is no event line at all\n");
	const char *out = pb_ttmp("tracefs.pbtrace");
	struct pb_trace_import_stats st;
	struct pb_trace_audit a;
	struct pb_err err;

	cr_assert_eq(import(in, out, NULL, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.lines, 8);
	cr_assert_eq(st.used, 4);
	cr_assert_eq(st.skipped, 4);
	/* 1 skb + 2 frames the poll handled that never became skbs (XDP drops) */
	cr_assert_eq(st.packets, 3);
	check_file(out, &a);
	cr_assert_eq(a.paths[PB_TP_SKB], 1);
	cr_assert_eq(a.paths[PB_TP_XDP_DROP], 2);
	cr_assert_eq(a.hold.max, 800000, "consume 800 us after rx");
	pb_trace_audit_free(&a);
	cr_assert_str_eq(param(out, "obs_pool_field"), "page");
	cr_assert_str_eq(param(out, "obs_pool_holds"), "1");
	cr_assert_str_eq(param(out, "cpu_map"), "2,3");
}

Test(trace_import, netmem_field_of_newer_kernels)
{
	const char *in = write_text("netmem.txt",
		" k 1 [000] 1.000000: page_pool:page_pool_state_hold: page_pool=0x1 netmem=0x2 is_net_iov=0, pfn=0x3 hold=5\n"
		" k 1 [000] 1.000001: page_pool:page_pool_state_release: page_pool=0x1 netmem=0x2 is_net_iov=0 pfn=0x3 release=5\n"
		" k 1 [000] 1.000002: napi:napi_poll: napi poll on napi struct 0x9 for device v work 1 budget 64\n");
	const char *out = pb_ttmp("netmem.pbtrace");
	struct pb_trace_import_stats st;
	struct pb_err err;

	cr_assert_eq(import(in, out, NULL, &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(param(out, "obs_pool_field"), "netmem");
	cr_assert_str_eq(param(out, "obs_pool_holds_per_pkt"), "1.0000");
	cr_assert_str_eq(param(out, "obs_pool_releases"), "1");
}

/* A line stamped before the first one is out of order too (its time clamps to the start). */
Test(trace_import, a_line_before_the_first_is_counted_reordered)
{
	const char *in = write_text("early.txt",
		" k 1 [000] 2.000000: net:netif_receive_skb: dev=v skbaddr=0xab len=60\n"
		" k 1 [001] 1.999000: skb:consume_skb: skbaddr=0xab location=x\n"
		" k 1 [000] 2.000100: net:netif_receive_skb: dev=v skbaddr=0xac len=60\n"
		" k 1 [001] 2.000200: skb:consume_skb: skbaddr=0xac location=x\n");
	const char *out = pb_ttmp("early.pbtrace");
	struct pb_trace_import_stats st;
	struct pb_err err;

	cr_assert_eq(import(in, out, NULL, &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(param(out, "obs_reordered_lines"), "1");
}

Test(trace_import, cli_import_exit_2_on_malformed)
{
	const char *in = write_text("clibad.txt",
		" k 1 [000] 1.000000: napi:napi_poll: napi poll on napi struct 0x9 for device v work x budget 64\n");
	char args[512], out[2048];
	int rc;

	snprintf(args, sizeof(args), "trace import '%s' -o '%s.pbtrace'", in, in);
	rc = pb_trun(args, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "clibad.txt:1: napi_poll"), "%s", out);
}

Test(trace_import, capture_script_runs_where_veth_and_tracefs_exist, .timeout = 180)
{
	char out[4096], cmd[512], path[300];
	FILE *p;
	size_t n;
	int st;

	if (getenv("PB_SKIP_CAPTURE"))
		cr_skip_test("PB_SKIP_CAPTURE is set");
	p = popen("scripts/capture-veth.sh --probe 2>&1", "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (WEXITSTATUS(st) == 77)
		cr_skip_test("capture-veth.sh cannot run here: %s", out);
	cr_assert_eq(WEXITSTATUS(st), 0, "%s", out);
	snprintf(path, sizeof(path), "%s", pb_ttmp("live.txt"));
	snprintf(cmd, sizeof(cmd), "scripts/capture-veth.sh -o '%s' --mode drop --count 50 --timeout 5 2>&1", path);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(WEXITSTATUS(pclose(p)), 0, "%s", out);
	{
		struct pb_trace_import_stats s;
		struct pb_trace_audit a;
		struct pb_err err;
		const char *t = pb_ttmp("live.pbtrace");

		cr_assert_eq(import(path, t, "pbcap1", &s, &err), 0, "%s", err.msg);
		cr_assert_geq(s.packets, 50);
		check_file(t, &a);
		cr_assert_geq(a.paths[PB_TP_XDP_DROP], 50);
		pb_trace_audit_free(&a);
	}
}

/*
 * The bound on one poll's frames, at its edge: 65536 XDP frames import (the fuzzing build
 * caps lower; this build is the one users run), 65537 are refused naming the bound.
 */
Test(trace_import, a_poll_of_65536_frames_imports_and_one_more_is_refused)
{
	const char *in = write_text("poll-max.txt",
		" k 1 [000] 1.000000: napi:napi_poll: napi poll on napi struct 0x9 for device v work 65536 budget 65536\n");
	const char *over = write_text("poll-over.txt",
		" k 1 [000] 1.000000: napi:napi_poll: napi poll on napi struct 0x9 for device v work 65537 budget 65537\n");
	const char *out = pb_ttmp("poll-max.pbtrace"), *out2 = pb_ttmp("poll-over.pbtrace");
	struct pb_trace_import_stats st;
	struct pb_err err;

	cr_assert_eq(import(in, out, NULL, &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(param(out, "obs_xdp_packets"), "65536");
	cr_assert_neq(import(over, out2, NULL, &st, &err), 0);
	cr_assert(strstr(err.msg, "poll-over.txt:1: napi_poll: field 'work' larger than any NAPI budget (65536)"),
		  "%s", err.msg);
	cr_assert_neq(access(out2, F_OK), 0, "a refused import left %s", out2);
}
