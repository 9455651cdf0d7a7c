/* SPDX-License-Identifier: GPL-2.0-only */
/* What a generator file sees of the generator engine (trace_gen.c): state, draws, plans. */
#ifndef PB_TRACE_GEN_IMPL_H
#define PB_TRACE_GEN_IMPL_H

#include "trace_gen.h"

#define PB_TGEN_MAX_STEPS 3
#define PB_TGEN_LOOKAHEAD 8192	/* arrivals drawn ahead: completion batches up to half of it */

/* What happens to one packet after its rx: steps at increasing offsets, the last releases. */
struct pb_tgen_plan {
	uint32_t len;
	uint8_t path;
	unsigned nsteps;
	struct {
		uint64_t dt;	/* ns after the rx */
		uint16_t cpu;
		uint8_t kind;
	} step[PB_TGEN_MAX_STEPS];
};

enum { PB_TAIL_PARETO, PB_TAIL_LOGNORMAL };
enum { PB_LEN_FIXED, PB_LEN_IMIX };

/* Every knob any generator has; each generator's spec says which it takes. */
struct pb_tgen_knobs {
	uint64_t packets, pps, budget;
	unsigned arrivals;		/* 0 fixed, 1 poisson */
	unsigned len_mode;
	uint32_t len;
	uint64_t xdp_ns;		/* rx-drop */
	unsigned action;		/* rx-forward: 0 tx, 1 redirect */
	uint64_t tx_batch, tx_delay_ns;
	double slow;			/* slow-socket */
	uint64_t hold_ns, tail_ns, max_hold_ns, copybreak;
	unsigned tail;
	double tail_shape;
	unsigned release;		/* cross-cpu: 0 sock, 1 tx */
	unsigned other_cpu;		/* tx_cpu / sock_cpu: 0 same, 1 other */
	uint64_t pin_every, ooo_hold_ns;	/* attacker-ooo */
	uint64_t weight[5];		/* mixed: drop, forward, slow, cross, ooo */
};

struct pb_tgen {
	struct pb_trace_header hdr;
	const struct pb_trace_gen_def *def;
	struct pb_tgen_knobs k;
	uint16_t cpu_rx, cpu_tx, cpu_sock;	/* set by init() */
	uint64_t plan_rng[4], arr_rng[4];
	uint64_t ooo_seen;			/* attacker-ooo's count of its packets */
	/* arrivals: times of packets arrived+1 .. arrived+nahead */
	uint64_t ahead[PB_TGEN_LOOKAHEAD];
	uint64_t arrived, nahead, last_arrival;
	unsigned in_poll;
	/* pending events, a binary min-heap by (time, seq) */
	struct pb_tgen_pending *heap;
	size_t nheap, capheap;
	uint64_t seq;
};

/* A uniform 64-bit draw from the plan stream. */
uint64_t pb_tgen_u64(struct pb_tgen *g);
/* A uniform draw in (0, 1] from the plan stream. */
double pb_tgen_unit(struct pb_tgen *g);
/* An exponential draw with mean @mean ns (at least 1 when @mean is). */
uint64_t pb_tgen_exp(struct pb_tgen *g, uint64_t mean);
/* A heavy-tailed hold (k.tail, k.tail_ns, k.tail_shape), capped at k.max_hold_ns. */
uint64_t pb_tgen_tail(struct pb_tgen *g);
/* The frame length of the next packet (k.len or an IMIX draw). */
uint32_t pb_tgen_len(struct pb_tgen *g);
/* The arrival time of packet @pkt, at most PB_TGEN_LOOKAHEAD/2 ahead of the current one. */
uint64_t pb_tgen_arrival(struct pb_tgen *g, uint64_t pkt);
/* Appends a step to @p. */
void pb_tgen_step(struct pb_tgen_plan *p, uint64_t dt, uint16_t cpu, uint8_t kind);

/* The component plans, for their generators and for mixed. */
void pb_tgen_plan_drop(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);
void pb_tgen_plan_forward(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);
void pb_tgen_plan_slow(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);
void pb_tgen_plan_cross(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);
void pb_tgen_plan_ooo(struct pb_tgen *g, uint64_t pkt, uint64_t t, struct pb_tgen_plan *p);

/* Checks for custom parameter values: a fraction ("0.01" or "1%"), a real > 0, a length. */
int pb_tgen_check_fraction(const char *value, struct pb_err *err);
int pb_tgen_check_real(const char *value, struct pb_err *err);
int pb_tgen_check_len(const char *value, struct pb_err *err);

/*
 * The parameters every generator takes, with its own defaults for pps and len.
 * packets: how many frames; pps: their mean rate; arrivals: fixed gaps or Poisson;
 * budget: the NAPI budget (64 in every driver the seeds name); len: bytes or imix.
 */
#define PB_TGEN_COMMON(pps_def, len_def, pps_help)						\
	{ "packets", PB_PARAM_UINT, 1, 10000000000ull, NULL, "100000",				\
	  "frames received (the trace has about 2-3 events per frame)" },			\
	{ "pps", PB_PARAM_UINT, 1, 1000000000ull, NULL, pps_def, pps_help },			\
	{ "arrivals", PB_PARAM_ENUM, 0, 0, "fixed|poisson", "poisson",				\
	  "gaps between frames: fixed 1e9/pps ns, or exponential with that mean" },		\
	{ "budget", PB_PARAM_UINT, 1, 1024, NULL, "64",						\
	  "frames per NAPI poll (napi_poll_end after each; the kernel's default weight 64)" },	\
	{ "len", PB_PARAM_CUSTOM, 0, 0, NULL, len_def,						\
	  "frame bytes 1..65535, or imix (7:4:1 of 64, 576, 1500 bytes)",			\
	  pb_tgen_check_len }

#endif
