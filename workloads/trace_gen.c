// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generator engine: arrivals (drawn ahead, so a plan can see when its TX completion
 * batch ends), the plans' pending events in a min-heap by (time, sequence), NAPI poll
 * boundaries, the random streams, the knobs and the registry of trace_generators.def.
 *
 * Determinism: two xoshiro256** streams seeded from the seed through splitmix64, one for
 * arrivals and one for plans, so a plan's draws never shift the arrival times. Ties in
 * time come out in the order they were planned.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic_len.h"
#include "trace_gen_impl.h"

#define PB_TRACE_IMPORT(sym, name, src)
#define PB_TRACE_GEN(sym, name, src) extern const struct pb_trace_gen_def pb_tgen_##sym;
#include "trace_generators.def"
#undef PB_TRACE_GEN
#define PB_TRACE_GEN(sym, name, src) &pb_tgen_##sym,
const struct pb_trace_gen_def *const pb_trace_gens[] = {
#include "trace_generators.def"
	NULL
};
#undef PB_TRACE_GEN
#undef PB_TRACE_IMPORT

const struct pb_trace_gen_def *pb_trace_gen_find(const char *name)
{
	for (const struct pb_trace_gen_def *const *d = pb_trace_gens; *d; d++)
		if (!strcmp((*d)->name, name))
			return *d;
	return NULL;
}

struct pb_tgen_pending {
	uint64_t time, seq, pkt;
	uint32_t len;
	uint16_t cpu;
	uint8_t kind, path;
};

/* --- random streams --- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void seed_stream(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static double unit_of(uint64_t x)
{
	return (double)((x >> 11) + 1) * 0x1p-53;	/* (0, 1] */
}

uint64_t pb_tgen_u64(struct pb_tgen *g)
{
	return xoshiro(g->plan_rng);
}

double pb_tgen_unit(struct pb_tgen *g)
{
	return unit_of(xoshiro(g->plan_rng));
}

uint64_t pb_tgen_exp(struct pb_tgen *g, uint64_t mean)
{
	double v = -log(pb_tgen_unit(g)) * (double)mean;

	return v < 1 ? (mean ? 1 : 0) : v > 1e18 ? (uint64_t)1e18 : (uint64_t)v;
}

uint64_t pb_tgen_tail(struct pb_tgen *g)
{
	double u = pb_tgen_unit(g), v;

	if (g->k.tail == PB_TAIL_PARETO) {
		v = (double)g->k.tail_ns / pow(u, 1.0 / g->k.tail_shape);
	} else {
		/* Box-Muller from two draws: one normal per hold keeps the stream simple */
		double z = sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * pb_tgen_unit(g));

		v = (double)g->k.tail_ns * exp(g->k.tail_shape * z);
	}
	if (!(v < (double)g->k.max_hold_ns))
		return g->k.max_hold_ns;
	return v < 1 ? 1 : (uint64_t)v;
}

uint32_t pb_tgen_len(struct pb_tgen *g)
{
	uint64_t r;

	if (g->k.len_mode == PB_LEN_FIXED)
		return g->k.len;
	r = pb_tgen_u64(g) % PB_IMIX_WEIGHT;
	return pb_imix_len(r);
}

static uint64_t next_gap(struct pb_tgen *g)
{
	double mean = 1e9 / (double)g->k.pps, v;

	if (!g->k.arrivals)
		v = mean;
	else
		v = -log(unit_of(xoshiro(g->arr_rng))) * mean;
	return v < 1 ? 1 : (uint64_t)(v + 0.5);
}

uint64_t pb_tgen_arrival(struct pb_tgen *g, uint64_t pkt)
{
	uint64_t k = pkt - g->arrived - 1;	/* 0 is the next packet */

	while (g->nahead <= k) {
		g->last_arrival += g->arrived + g->nahead ? next_gap(g) : 0;
		g->ahead[(g->arrived + g->nahead) % PB_TGEN_LOOKAHEAD] = g->last_arrival;
		g->nahead++;
	}
	return g->ahead[(pkt - 1) % PB_TGEN_LOOKAHEAD];
}

void pb_tgen_step(struct pb_tgen_plan *p, uint64_t dt, uint16_t cpu, uint8_t kind)
{
	p->step[p->nsteps].dt = dt;
	p->step[p->nsteps].cpu = cpu;
	p->step[p->nsteps].kind = kind;
	p->nsteps++;
}

/* --- parameter checks and knobs --- */

static int parse_real(const char *value, double *out, bool *pct)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	*pct = *end == '%';
	if (end == value || errno || (*end && strcmp(end, "%")) || !isfinite(v))
		return -1;
	*out = *pct ? v / 100 : v;
	return 0;
}

int pb_tgen_check_fraction(const char *value, struct pb_err *err)
{
	double v;
	bool pct;

	if (parse_real(value, &v, &pct) || v < 0 || v > 1)
		return pb_err_set(err, "'%s' is not a fraction (0..1, e.g. 0.01 or 1%%)", value);
	return 0;
}

int pb_tgen_check_real(const char *value, struct pb_err *err)
{
	double v;
	bool pct;

	if (parse_real(value, &v, &pct) || pct || v <= 0 || v > 1e6)
		return pb_err_set(err, "'%s' is not a positive number (e.g. 1.5)", value);
	return 0;
}

int pb_tgen_check_len(const char *value, struct pb_err *err)
{
	char *end;
	unsigned long v;

	if (!strcmp(value, "imix"))
		return 0;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (end == value || *end || errno || v < 1 || v > 65535)
		return pb_err_set(err, "'%s' is not a frame length (1..65535 or imix)", value);
	return 0;
}

static double real_of(const struct pb_params *p, const struct pb_param_spec *s, const char *key)
{
	double v = 0;
	bool pct;

	parse_real(pb_param_str(p, s, key), &v, &pct);
	return v;
}

static void load_knobs(struct pb_tgen_knobs *k, const struct pb_params *p, const struct pb_param_spec *s)
{
	static const char *const wkeys[5] = { "w_drop", "w_forward", "w_slow", "w_cross", "w_ooo" };
	const char *len;

#define U(key, field) do { if (pb_param_find(s, key)) k->field = pb_param_u64(p, s, key); } while (0)
#define R(key, field) do { if (pb_param_find(s, key)) k->field = real_of(p, s, key); } while (0)
	U("packets", packets);
	U("pps", pps);
	U("budget", budget);
	U("arrivals", arrivals);
	U("xdp_ns", xdp_ns);
	U("action", action);
	U("tx_batch", tx_batch);
	U("tx_delay_ns", tx_delay_ns);
	U("hold_ns", hold_ns);
	U("tail", tail);
	U("tail_ns", tail_ns);
	U("max_hold_ns", max_hold_ns);
	U("copybreak", copybreak);
	U("release", release);
	U("tx_cpu", other_cpu);
	U("sock_cpu", other_cpu);
	U("pin_every", pin_every);
	U("ooo_hold_ns", ooo_hold_ns);
	R("slow", slow);
	R("tail_shape", tail_shape);
	for (int i = 0; i < 5; i++)
		if (pb_param_find(s, wkeys[i]))
			k->weight[i] = pb_param_u64(p, s, wkeys[i]);
#undef U
#undef R
	len = pb_param_str(p, s, "len");
	k->len_mode = strcmp(len, "imix") ? PB_LEN_FIXED : PB_LEN_IMIX;
	k->len = k->len_mode == PB_LEN_FIXED ? (uint32_t)strtoul(len, NULL, 10) : 0;
}

/* --- the engine --- */

static bool before(const struct pb_tgen_pending *a, const struct pb_tgen_pending *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static int push(struct pb_tgen *g, struct pb_tgen_pending e, struct pb_err *err)
{
	size_t i;

	if (g->nheap == g->capheap) {
		size_t cap = g->capheap ? g->capheap * 2 : 1024;
		struct pb_tgen_pending *h = realloc(g->heap, cap * sizeof(*h));

		if (!h)
			return pb_err_set(err, "%s: out of memory at %zu pending events", g->def->name, g->nheap);
		g->heap = h;
		g->capheap = cap;
	}
	e.seq = g->seq++;
	for (i = g->nheap++; i && before(&e, &g->heap[(i - 1) / 2]); i = (i - 1) / 2)
		g->heap[i] = g->heap[(i - 1) / 2];
	g->heap[i] = e;
	return 0;
}

static struct pb_tgen_pending pop(struct pb_tgen *g)
{
	struct pb_tgen_pending top = g->heap[0], last = g->heap[--g->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= g->nheap)
			break;
		if (c + 1 < g->nheap && before(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!before(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->nheap)
		g->heap[i] = last;
	return top;
}

static int gen_next(void *ctx, struct pb_trace_event *ev, struct pb_err *err)
{
	struct pb_tgen *g = ctx;
	struct pb_tgen_pending e;
	struct pb_tgen_plan plan;
	uint64_t pkt, t;

	if (g->nheap && (g->arrived == g->k.packets ||
			 g->heap[0].time <= pb_tgen_arrival(g, g->arrived + 1))) {
		e = pop(g);
		*ev = (struct pb_trace_event){ .time_ns = e.time, .pkt = e.pkt, .len = e.len,
					       .cpu = e.cpu, .kind = e.kind, .path = e.path };
		return 1;
	}
	if (g->arrived == g->k.packets)
		return 0;
	pkt = g->arrived + 1;
	t = pb_tgen_arrival(g, pkt);
	memset(&plan, 0, sizeof(plan));
	g->def->plan(g, pkt, t, &plan);
	g->arrived++;
	g->nahead--;
	for (unsigned i = 0; i < plan.nsteps; i++)
		if (push(g, (struct pb_tgen_pending){ .time = t + plan.step[i].dt, .pkt = pkt,
				.len = plan.len, .cpu = plan.step[i].cpu, .kind = plan.step[i].kind,
				.path = plan.path }, err))
			return -1;
	if (++g->in_poll == g->k.budget || g->arrived == g->k.packets) {
		if (push(g, (struct pb_tgen_pending){ .time = t, .len = g->in_poll, .cpu = g->cpu_rx,
				.kind = PB_TK_NAPI_POLL_END }, err))
			return -1;
		g->in_poll = 0;
	}
	*ev = (struct pb_trace_event){ .time_ns = t, .pkt = pkt, .len = plan.len, .cpu = g->cpu_rx,
				       .kind = PB_TK_RX, .path = plan.path };
	return 1;
}

static void gen_close(void *ctx)
{
	struct pb_tgen *g = ctx;

	free(g->heap);
	free(g);
}

int pb_trace_gen_open(struct pb_trace_source *src, const char *name, const struct pb_params *p,
		      uint64_t seed, struct pb_err *err)
{
	const struct pb_trace_gen_def *def = pb_trace_gen_find(name);
	struct pb_err e2;
	struct pb_tgen *g;

	if (!def)
		return pb_err_set(err, "unknown generator '%s' (see pagebench trace gen --help)", name);
	for (unsigned i = 0; i < p->n; i++)
		if (!pb_param_find(def->params, p->kv[i].key))
			return pb_err_set(err, "%s: unknown parameter '%s'", name, p->kv[i].key);
	if (pb_params_check(p, def->params, &e2))
		return pb_err_set(err, "%s: %s", name, e2.msg);
	g = calloc(1, sizeof(*g));
	if (!g)
		return pb_err_set(err, "%s: out of memory", name);
	g->def = def;
	pb_trace_header_init(&g->hdr, name, seed);
	load_knobs(&g->k, p, def->params);
	seed_stream(g->arr_rng, seed ^ 0x61727269766c7331ull);
	seed_stream(g->plan_rng, seed ^ 0x706c616e73747233ull);
	if (def->init(g, &e2)) {
		pb_err_set(err, "%s: %s", name, e2.msg);
		gen_close(g);
		return -1;
	}
	for (const struct pb_param_spec *s = def->params; s->key; s++)
		if (pb_trace_header_set(&g->hdr, err, s->key, "%s", pb_param_str(p, def->params, s->key))) {
			gen_close(g);
			return -1;
		}
	*src = (struct pb_trace_source){ .hdr = &g->hdr, .next = gen_next, .close = gen_close, .ctx = g };
	return 0;
}

int pb_trace_gen_run(const char *name, const struct pb_params *p, uint64_t seed,
		     struct pb_trace_sink *sink, struct pb_err *err)
{
	struct pb_trace_source src;
	int rc;

	if (pb_trace_gen_open(&src, name, p, seed, err))
		return -1;
	rc = pb_trace_pump(&src, sink, err);
	pb_trace_source_close(&src);
	return rc;
}
