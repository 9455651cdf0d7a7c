// SPDX-License-Identifier: GPL-2.0-only
/*
 * attacker-ooo: an attacker sends TCP segments out of order so the receiver keeps some
 * in its out-of-order queue for a long time; one held segment in every pin_every keeps
 * every large page a frag allocator carved them from pinned. The seeds: "An out of order
 * TCP packet can hold an order-3 pages, while claiming to use 1.5 KB via skb->truesize"
 * and "order-3 pages are very dangerous for some kind of attacks" (Dumazet, seeds/001);
 * "clever attacker can pin-down memory ... relevant for end-host TCP/IP" (seeds/000).
 */
#include "trace_gen_impl.h"

static const struct pb_param_spec attacker_ooo_params[] = {
	PB_TGEN_COMMON("1000000", "1500", "frames per second"),
	{ "pin_every", PB_PARAM_UINT, 1, 1000000, NULL, "21",
	  "one segment in this many is held: 21 = 32 KiB order-3 page / 1.5 KiB truesize (seeds/001)" },
	{ "ooo_hold_ns", PB_PARAM_UINT, 1, 100000000000ull, NULL, "1000000000",
	  "how long a held out-of-order segment stays queued (the hole is never filled)" },
	{ "hold_ns", PB_PARAM_UINT, 0, 10000000000ull, NULL, "20000",
	  "mean hold of the other segments, exponential (a prompt reader)" },
	{ NULL }
};

void pb_tgen_plan_ooo(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p)
{
	bool held = g->ooo_seen++ % g->k.pin_every == 0;

	p->len = pb_tgen_len(g);
	p->path = PB_TP_SKB;
	pb_tgen_step(p, 0, g->cpu_rx, PB_TK_SOCK_ENQUEUE);
	pb_tgen_step(p, held ? g->k.ooo_hold_ns : pb_tgen_exp(g, g->k.hold_ns), g->cpu_sock,
		     PB_TK_SOCK_RELEASE);
}

static int attacker_ooo_init(struct pb_tgen *g, struct pb_err *err)
{
	g->cpu_rx = 0;
	g->cpu_sock = 1;
	return pb_trace_header_add_cpu(&g->hdr, PB_ROLE_RX, err) ||
	       pb_trace_header_add_cpu(&g->hdr, PB_ROLE_SOCK, err) ? -1 : 0;
}

const struct pb_trace_gen_def pb_tgen_attacker_ooo = {
	.name = "attacker-ooo",
	.desc = "out-of-order TCP segments held long: one in pin_every pins its (order-3) page",
	.params = attacker_ooo_params,
	.init = attacker_ooo_init,
	.plan = pb_tgen_plan_ooo,
};
