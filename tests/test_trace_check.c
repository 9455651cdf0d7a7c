// SPDX-License-Identifier: GPL-2.0-only
/*
 * `trace check`'s rules: a double free, a free before the allocation, a free on a CPU
 * without the role, a wrong path's release and a leak are each caught (exit 1, event index
 * and byte offset named), and a valid trace passes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "support_trace.h"
#include "trace_audit.h"

static const unsigned roles[] = { PB_ROLE_RX, PB_ROLE_SOCK };

#define RX(t, p) { .time_ns = t, .pkt = p, .len = 1500, .cpu = 0, .kind = PB_TK_RX, .path = PB_TP_SKB }
#define REL(t, p, c) { .time_ns = t, .pkt = p, .len = 1500, .cpu = c, .kind = PB_TK_SOCK_RELEASE, .path = PB_TP_SKB }

/* Runs `trace check` on @ev; the exit status and output in @out (or -1: no PB_BIN). */
static int check(const char *name, const struct pb_trace_event *ev, size_t n, char *out, size_t len)
{
	const char *path = pb_ttmp(name);
	char args[512];

	pb_twrite(path, 2, roles, ev, n);
	snprintf(args, sizeof(args), "trace check '%s'", path);
	return pb_trun(args, out, len);
}

/* The same through the library: the first violation's text ("" when none). */
static const char *audit(const struct pb_trace_event *ev, size_t n)
{
	static struct pb_trace_audit a;
	static struct pb_trace_header h;
	struct pb_err err;

	pb_trace_header_init(&h, "t", 0);
	pb_trace_header_add_cpu(&h, roles[0], &err);
	pb_trace_header_add_cpu(&h, roles[1], &err);
	cr_assert_eq(pb_trace_audit_init(&a, &h, &err), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_geq(pb_trace_audit_event(&a, &ev[i], 100 + i, &err), 0);
	pb_trace_audit_finish(&a);
	pb_trace_audit_free(&a);
	return a.violations ? a.first : "";
}

Test(trace_check, valid_trace_passes)
{
	struct pb_trace_event ev[] = { RX(1, 1), RX(2, 2), REL(3, 2, 1), REL(4, 1, 1) };
	char out[2048];
	int rc;

	cr_assert_str_eq(audit(ev, 4), "");
	rc = check("ok.pbtrace", ev, 4, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "ok: 4 events"), "%s", out);
}

Test(trace_check, double_free)
{
	struct pb_trace_event ev[] = { RX(1, 1), REL(2, 1, 1), REL(3, 1, 1) };
	char out[2048];
	int rc;

	cr_assert(strstr(audit(ev, 3), "event 2 (byte 102): sock_release on cpu 1: packet 1 released twice"),
		  "%s", audit(ev, 3));
	rc = check("double.pbtrace", ev, 3, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "event 2 (byte ") && strstr(out, "released twice"), "%s", out);
}

Test(trace_check, free_before_allocation)
{
	struct pb_trace_event ev[] = { RX(1, 1), REL(2, 2, 1), RX(3, 2) };
	char out[2048];
	int rc;

	cr_assert(strstr(audit(ev, 3), "event 1 (byte 101)") &&
		  strstr(audit(ev, 3), "packet 2 released before it was received"), "%s", audit(ev, 3));
	rc = check("early.pbtrace", ev, 3, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "before it was received"), "%s", out);
}

Test(trace_check, free_on_a_cpu_without_the_role)
{
	struct pb_trace_event ev[] = { RX(1, 1), REL(2, 1, 0) };	/* cpu 0 is rx only */
	char out[2048];
	int rc;

	cr_assert(strstr(audit(ev, 2), "on a CPU without the sock role (its roles: rx)"), "%s", audit(ev, 2));
	rc = check("role.pbtrace", ev, 2, out, sizeof(out));
	if (rc == -1)
		cr_skip_test("PB_BIN is not set");
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "without the sock role"), "%s", out);
}

Test(trace_check, release_of_another_path_and_leak)
{
	struct pb_trace_event drop[] = { RX(1, 1), { .time_ns = 2, .pkt = 1, .kind = PB_TK_DROP, .path = PB_TP_XDP_DROP } };
	struct pb_trace_event leak[] = { RX(1, 1), RX(2, 2), REL(3, 2, 1) };

	cr_assert(strstr(audit(drop, 2), "received with path skb"), "%s", audit(drop, 2));
	cr_assert(strstr(audit(leak, 3), "packet 1 (rx at event 0 on cpu 0) was never released"),
		  "%s", audit(leak, 3));
}

Test(trace_check, rx_id_reused)
{
	struct pb_trace_event ev[] = { RX(1, 1), REL(2, 1, 1), RX(3, 1) };

	cr_assert(strstr(audit(ev, 3), "received again"), "%s", audit(ev, 3));
}
