// SPDX-License-Identifier: GPL-2.0-only
/*
 * `perf script` text (and tracefs `trace` / `trace_pipe` text, which differs only in the
 * columns before the event name and in leaving out the "system:" prefix) -> a trace.
 *
 * Mapping (docs/traces.md "Import"; field layouts of include/trace/events/ in 6.1..6.18):
 *   net:netif_receive_skb, net:napi_gro_receive_entry   rx (path skb) of a new skbaddr;
 *                                   the second tracepoint of one packet is the same rx
 *                                   (a second rx of a live skbaddr: it was freed untraced,
 *                                   e.g. UDP's __consume_stateless_skb; released there)
 *   skb:consume_skb, skb:kfree_skb, skb:skb_copy_datagram_iovec (the reader copying it out)
 *                                   sock_release of a received skbaddr (others: not RX skbs)
 *   napi:napi_poll (work W)          napi_poll_end; the W - R frames of the poll that never
 *                                   became an skb (R seen) were handled by XDP: xdp_redirect
 *                                   as many as xdp:xdp_redirect* said, the rest xdp_drop,
 *                                   received and released at the poll's end
 *   xdp:*                            counted (obs_xdp_*); xdp_redirect marks frames as above
 *   page_pool:page_pool_state_hold / _release (page= before 6.9, netmem= since)
 *                                   the pool's pages from / back to the page allocator
 *   kmem:mm_page_alloc / mm_page_free   page-allocator pages (system-wide unless filtered)
 * Two passes over the file: the first finds the CPUs, their roles and what the capture
 * observed (through the same audit `trace check` runs), the second writes the trace with
 * that header. Lines of other events are counted and skipped; a malformed line of an event
 * it uses is an error naming FILE:LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace_audit.h"
#include "trace_import.h"
#include "trace_pktmap.h"

/* Timestamps are seconds since boot: 10^10 s (317 years) keeps every one a u64 of ns. */
#define PERF_MAX_SECONDS 1e10

#define MAX_REAL_CPU 4096
/*
 * Frames one napi_poll line may account for: above any NAPI weight. A fuzzing build caps it
 * at 256 (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the libFuzzer/OSS-Fuzz convention for
 * resource limits): the per-frame loop below is the same code at either bound, and a corpus
 * of 65536-frame polls held the fuzzer to 60-120 inputs a second, each one mostly the loop.
 * The users' bound is held at its edge by tests/test_trace_import.c (65536 import, 65537 not).
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MAX_POLL_WORK 256
#else
#define MAX_POLL_WORK 65536
#endif
#define STR_OF(x) #x
#define STR(x) STR_OF(x)

enum ev_id { EV_NONE, EV_RX, EV_RX_GRO, EV_FREE, EV_POLL, EV_XDP_REDIRECT, EV_XDP_OTHER, EV_PP_HOLD,
	     EV_PP_RELEASE, EV_PAGE_ALLOC, EV_PAGE_FREE };

static const struct { const char *name; enum ev_id id; } events[] = {
	{ "netif_receive_skb", EV_RX },
	{ "napi_gro_receive_entry", EV_RX_GRO },
	{ "consume_skb", EV_FREE },
	{ "skb_copy_datagram_iovec", EV_FREE },
	{ "kfree_skb", EV_FREE },
	{ "napi_poll", EV_POLL },
	{ "xdp_redirect", EV_XDP_REDIRECT },
	{ "xdp_redirect_map", EV_XDP_REDIRECT },
	{ "page_pool_state_hold", EV_PP_HOLD },
	{ "page_pool_state_release", EV_PP_RELEASE },
	{ "mm_page_alloc", EV_PAGE_ALLOC },
	{ "mm_page_free", EV_PAGE_FREE },
};

struct imp {
	const char *path;
	const struct pb_trace_import_opts *o;
	struct pb_trace_sink *sink;	/* pass 2: the writer; pass 1: NULL (audit only) */
	struct pb_trace_audit *audit;
	struct pb_trace_header *hdr;	/* pass 1 grows roles into it */
	bool pass1;
	unsigned line;
	/* CPUs: real -> trace index + 1 (0: not seen yet) */
	uint16_t cpu_of[MAX_REAL_CPU];
	unsigned real_cpu[PB_TRACE_MAX_CPUS], ncpus;
	/* time */
	double t0;
	bool have_t0;
	uint64_t last_ns, reordered;
	/* packets */
	struct pb_pktmap skbs;	/* key skbaddr; rx_index holds the trace's packet id */
	uint64_t next_pkt, packets, skb_packets, xdp_packets, repeats, unmatched, untraced;
	uint32_t rx_in_poll[PB_TRACE_MAX_CPUS], redirects[PB_TRACE_MAX_CPUS];
	uint64_t polls, xdp_redirect, xdp_other;
	/* the pool and the page allocator */
	uint64_t pp_hold, pp_release, pp_peak, page_alloc, page_free;
	int64_t pp_inflight;
	const char *pp_field;
	struct pb_trace_import_stats st;
};

static int bad(struct imp *m, struct pb_err *err, const char *ev, const char *what)
{
	return pb_err_set(err, "%s:%u: %s: %s", m->path, m->line, ev, what);
}

/* The value of "key=" in @args as text (up to a space or comma), or NULL. */
static const char *field(const char *args, const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = args; (p = strstr(p, key)); p += k) {
		if ((p == args || p[-1] == ' ' || p[-1] == ',') && p[k] == '=') {
			p += k + 1;
			*len = strcspn(p, " ,\n");
			return p;
		}
	}
	return NULL;
}

/*
 * Field @key of @args as an unsigned number in @base (16: "0x..." or bare hex; 10: no sign),
 * or -1 + @err naming the event and the field.
 */
static int num_field(struct imp *m, const char *ev, const char *args, const char *key, int base,
		     uint64_t *v, struct pb_err *err)
{
	char buf[40], *end, msg[80];
	size_t n;
	const char *s = field(args, key, &n);

	snprintf(msg, sizeof(msg), "field '%s' missing or not a %snumber", key,
		 base == 16 ? "hex " : "");
	if (!s || !n || n >= (base == 16 ? sizeof(buf) : 24) || (base == 10 && *s == '-'))
		return bad(m, err, ev, msg);
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, base);
	if (*end || errno)
		return bad(m, err, ev, msg);
	return 0;
}

static int hex_field(struct imp *m, const char *ev, const char *args, const char *key, uint64_t *v,
		     struct pb_err *err)
{
	return num_field(m, ev, args, key, 16, v, err);
}

static int dec_field(struct imp *m, const char *ev, const char *args, const char *key, uint64_t *v,
		     struct pb_err *err)
{
	return num_field(m, ev, args, key, 10, v, err);
}

/* The trace CPU of real CPU @real, adding @role to it (pass 1) or -1 + @err. */
static int cpu_index(struct imp *m, unsigned real, unsigned role, struct pb_err *err)
{
	unsigned c;

	if (real >= MAX_REAL_CPU)
		return bad(m, err, "cpu", "CPU number too large");
	if (!m->cpu_of[real]) {
		if (m->ncpus == PB_TRACE_MAX_CPUS)
			return bad(m, err, "cpu", "more CPUs than a trace holds (64)");
		m->real_cpu[m->ncpus] = real;
		m->cpu_of[real] = (uint16_t)++m->ncpus;
		if (m->pass1)
			m->hdr->ncpus = (uint16_t)m->ncpus;
	}
	c = m->cpu_of[real] - 1u;
	if (m->pass1)
		m->hdr->roles[c] |= (uint8_t)role;
	return (int)c;
}

static int emit(struct imp *m, unsigned cpu, uint8_t kind, uint8_t path, uint64_t pkt, uint32_t len,
		struct pb_err *err)
{
	struct pb_trace_event ev = { .time_ns = m->last_ns, .pkt = pkt, .len = len, .cpu = (uint16_t)cpu,
				     .kind = kind, .path = path };

	if (pb_trace_audit_event(m->audit, &ev, PB_AUDIT_NO_OFFSET, err) < 0)
		return -1;
	m->st.events++;
	return m->sink ? m->sink->emit(m->sink->ctx, &ev, err) : 0;
}

/* GRO's entry and netif_receive_skb of one packet: the flag says its entry was seen */
#define SEEN_GRO 1
#define SEEN_NETIF 2

static int release(struct imp *m, struct pb_pkt_state *s, unsigned cpu, struct pb_err *err)
{
	uint64_t pkt = s->rx_index;
	uint32_t len = s->len;

	pb_pktmap_del(&m->skbs, s);
	return emit(m, cpu, PB_TK_SOCK_RELEASE, PB_TP_SKB, pkt, len, err);
}

static int on_rx(struct imp *m, unsigned real, const char *args, bool gro, struct pb_err *err)
{
	const char *ev = gro ? "napi_gro_receive_entry" : "netif_receive_skb";
	uint8_t mark = gro ? SEEN_GRO : SEEN_NETIF;
	struct pb_pkt_state *s;
	uint64_t skb, len;
	int c;

	if (hex_field(m, ev, args, "skbaddr", &skb, err) || dec_field(m, ev, args, "len", &len, err))
		return -1;
	if (!skb)
		return bad(m, err, ev, "skbaddr 0");
	if ((c = cpu_index(m, real, PB_ROLE_RX, err)) < 0)
		return -1;
	s = pb_pktmap_find(&m->skbs, skb);
	if (s && !(s->flags & mark) && !(mark == SEEN_GRO && s->flags & SEEN_NETIF)) {
		s->flags |= mark;	/* the same packet's second tracepoint */
		m->repeats++;
		return 0;
	}
	if (s) {	/* the address came back: the last packet there was freed untraced */
		m->untraced++;
		if (m->pass1)
			m->hdr->roles[s->rx_cpu] |= PB_ROLE_SOCK;
		if (release(m, s, s->rx_cpu, err))
			return -1;
	}
	s = pb_pktmap_add(&m->skbs, skb);
	if (!s)
		return pb_err_set(err, "%s: out of memory", m->path);
	s->rx_index = ++m->next_pkt;
	s->len = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
	s->rx_cpu = (uint16_t)c;
	s->flags = mark;
	m->rx_in_poll[c]++;
	m->packets++;
	m->skb_packets++;
	return emit(m, (unsigned)c, PB_TK_RX, PB_TP_SKB, s->rx_index, s->len, err);
}

static int on_free(struct imp *m, unsigned real, const char *args, struct pb_err *err)
{
	struct pb_pkt_state *s;
	uint64_t skb;
	int c;

	if (hex_field(m, "free", args, "skbaddr", &skb, err))
		return -1;
	s = skb ? pb_pktmap_find(&m->skbs, skb) : NULL;
	if (!s) {
		m->unmatched++;	/* an skb this capture did not see received (TX, local) */
		return 1;
	}
	if ((c = cpu_index(m, real, PB_ROLE_SOCK, err)) < 0)
		return -1;
	return release(m, s, (unsigned)c, err);
}

static int on_poll(struct imp *m, unsigned real, const char *args, struct pb_err *err)
{
	const char *w = strstr(args, " work "), *dev = strstr(args, " for device ");
	const char *b = strstr(args, " budget ");
	unsigned long work, budget;
	char *end;
	int c;

	if (!w || !dev)
		return bad(m, err, "napi_poll", "no 'for device' or 'work' field");
	if (m->o->dev) {
		size_t n = strlen(m->o->dev);

		dev += strlen(" for device ");
		if (strncmp(dev, m->o->dev, n) || dev[n] != ' ')
			return 1;
	}
	errno = 0;
	work = strtoul(w + 6, &end, 10);
	if (end == w + 6 || errno || (*end && *end != ' ' && *end != '\n') || w[6] == '-')
		return bad(m, err, "napi_poll", "field 'work' not a number");
	/*
	 * Every frame of work the poll did not turn into an skb becomes XDP events below, so
	 * work is bounded before the loop: a poll handles at most its budget (__napi_poll in
	 * net/core/dev.c reports a driver that returns more as a bug), and no NAPI weight comes
	 * near MAX_POLL_WORK. A fuzzed 'work 104739800' otherwise ran for minutes.
	 */
	if (b) {
		errno = 0;
		budget = strtoul(b + 8, &end, 10);
		if (end == b + 8 || errno || (*end && *end != ' ' && *end != '\n') || b[8] == '-')
			return bad(m, err, "napi_poll", "field 'budget' not a number");
		if (work > budget)
			return bad(m, err, "napi_poll", "field 'work' larger than the poll's budget");
	}
	if (work > (unsigned long)MAX_POLL_WORK)
		return bad(m, err, "napi_poll", "field 'work' larger than any NAPI budget (" STR(MAX_POLL_WORK) ")");
	if ((c = cpu_index(m, real, PB_ROLE_RX, err)) < 0)
		return -1;
	/* frames the poll handled that never became an skb went through XDP */
	for (unsigned long i = m->rx_in_poll[c]; i < work; i++) {
		bool redirect = m->redirects[c] > 0;
		uint64_t pkt = ++m->next_pkt;

		m->packets++;
		m->xdp_packets++;
		if (redirect) {
			m->redirects[c]--;
			if (m->pass1)
				m->hdr->roles[c] |= PB_ROLE_TX;
			if (emit(m, (unsigned)c, PB_TK_RX, PB_TP_XDP_REDIRECT, pkt, 0, err) ||
			    emit(m, (unsigned)c, PB_TK_REDIRECT, PB_TP_XDP_REDIRECT, pkt, 0, err) ||
			    emit(m, (unsigned)c, PB_TK_TX_COMPLETE, PB_TP_XDP_REDIRECT, pkt, 0, err))
				return -1;
		} else if (emit(m, (unsigned)c, PB_TK_RX, PB_TP_XDP_DROP, pkt, 0, err) ||
			   emit(m, (unsigned)c, PB_TK_DROP, PB_TP_XDP_DROP, pkt, 0, err)) {
			return -1;
		}
	}
	m->rx_in_poll[c] = 0;
	m->redirects[c] = 0;
	m->polls++;
	return emit(m, (unsigned)c, PB_TK_NAPI_POLL_END, PB_TP_NONE, 0, (uint32_t)work, err);
}

static int on_pool(struct imp *m, enum ev_id id, const char *args, struct pb_err *err)
{
	const char *ev = id == EV_PP_HOLD ? "page_pool_state_hold" : "page_pool_state_release";
	uint64_t v;
	size_t n;

	if (hex_field(m, ev, args, "page_pool", &v, err))
		return -1;
	if (field(args, "netmem", &n))
		m->pp_field = "netmem";
	else if (field(args, "page", &n))
		m->pp_field = "page";
	else
		return bad(m, err, ev, "neither a 'page' nor a 'netmem' field");
	if (hex_field(m, ev, args, m->pp_field, &v, err) ||
	    dec_field(m, ev, args, id == EV_PP_HOLD ? "hold" : "release", &v, err))
		return -1;
	if (id == EV_PP_HOLD) {
		m->pp_hold++;
		if (++m->pp_inflight > (int64_t)m->pp_peak)
			m->pp_peak = (uint64_t)m->pp_inflight;
	} else {
		m->pp_release++;
		m->pp_inflight--;
	}
	return 0;
}

static int on_page(struct imp *m, enum ev_id id, const char *args, struct pb_err *err)
{
	const char *ev = id == EV_PAGE_ALLOC ? "mm_page_alloc" : "mm_page_free";
	uint64_t order;

	if (dec_field(m, ev, args, "order", &order, err))
		return -1;
	if (order > 20)
		return bad(m, err, ev, "field 'order' above 20");
	if (id == EV_PAGE_ALLOC)
		m->page_alloc += 1ull << order;
	else
		m->page_free += 1ull << order;
	return 0;
}

/*
 * Splits a perf script or tracefs line: the CPU in "[NNN]", the timestamp "S.US:" after
 * it, the event name (without "system:") and its arguments. False: not an event line.
 */
static bool split(char *l, unsigned *cpu, double *ts, char **name, char **args,
		  const char **bad_ts, int *bad_len)
{
	char *p = l, *end, *colon;

	*bad_ts = NULL;

	for (;;) {
		p = strchr(p, '[');
		if (!p)
			return false;
		*cpu = (unsigned)strtoul(p + 1, &end, 10);
		if (end > p + 1 && *end == ']')
			break;
		p++;
	}
	p = end + 1;
	for (;;) {	/* skip irq-flag columns (tracefs "d.s2.") up to "seconds.micros:" */
		while (*p == ' ')
			p++;
		if (!*p)
			return false;
		*ts = strtod(p, &end);
		/*
		 * Only "seconds.micros" as perf and tracefs print it: strtod also takes inf,
		 * exponents and signs, which as nanoseconds would not fit (found by fuzzing).
		 */
		if (end > p && *end == ':' && memchr(p, '.', (size_t)(end - p)) &&
		    strspn(p, "0123456789.") == (size_t)(end - p) && *ts < PERF_MAX_SECONDS)
			break;
		/* A column in the timestamp's place ("10x.5:", "1e9.0:") is a broken line, not another kind. */
		if (!*bad_ts && *p >= '0' && *p <= '9' && strcspn(p, " ") > 1 && p[strcspn(p, " ") - 1] == ':') {
			*bad_ts = p;
			*bad_len = (int)strcspn(p, " ") - 1;
		}
		p += strcspn(p, " ");
	}
	p = end + 1;
	while (*p == ' ')
		p++;
	/* perf may print a sample count before the event: skip a number column */
	if (*p >= '0' && *p <= '9' && strchr(p, ' ') && !memchr(p, ':', strcspn(p, " ")))
		p += strcspn(p, " ");
	while (*p == ' ')
		p++;
	colon = p + strcspn(p, " ");
	if (colon == p || colon[-1] != ':')
		return false;
	colon[-1] = '\0';
	*args = *colon ? colon + 1 : colon;
	*name = strrchr(p, ':') ? strrchr(p, ':') + 1 : p;
	return true;
}

static int line(struct imp *m, char *l, struct pb_err *err)
{
	enum ev_id id = EV_NONE;
	char *name, *args;
	const char *bad_ts;
	int bad_len = 0;
	unsigned real;
	double ts;
	uint64_t ns;
	size_t n;

	if (!split(l, &real, &ts, &name, &args, &bad_ts, &bad_len)) {
		if (bad_ts)
			return pb_err_set(err, "%s:%u: timestamp: '%.*s' is not seconds.micros below %.0f",
					  m->path, m->line, bad_len, bad_ts, (double)PERF_MAX_SECONDS);
		return 1;
	}
	if (!strncmp(name, "xdp_", 4) || !strcmp(name, "mem_connect") || !strcmp(name, "mem_disconnect"))
		id = EV_XDP_OTHER;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!strcmp(name, events[i].name))
			id = events[i].id;
	if (id == EV_NONE)
		return 1;
	if (m->o->dev && (id == EV_RX || id == EV_RX_GRO)) {
		const char *d = field(args, "dev", &n);

		if (!d || n != strlen(m->o->dev) || strncmp(d, m->o->dev, n))
			return 1;
	}
	if (!m->have_t0) {
		m->t0 = ts;
		m->have_t0 = true;
	}
	ns = ts > m->t0 ? (uint64_t)((ts - m->t0) * 1e9 + 0.5) : 0;
	/* A line before the first one (ts < t0) is out of order too, though its ns clamps to 0. */
	if (ts < m->t0 || ns < m->last_ns)
		m->reordered++;	/* per-CPU buffers merged out of order: keep time monotonic */
	else
		m->last_ns = ns;
	switch (id) {
	case EV_RX:
	case EV_RX_GRO:
		return on_rx(m, real, args, id == EV_RX_GRO, err);
	case EV_FREE:
		return on_free(m, real, args, err);
	case EV_POLL:
		return on_poll(m, real, args, err);
	case EV_XDP_REDIRECT:
		m->xdp_redirect++;
		if (real < MAX_REAL_CPU && m->cpu_of[real])
			m->redirects[m->cpu_of[real] - 1]++;
		else if (cpu_index(m, real, PB_ROLE_RX, err) < 0)
			return -1;
		else
			m->redirects[m->cpu_of[real] - 1]++;
		return 0;
	case EV_XDP_OTHER:
		m->xdp_other++;
		return 0;
	case EV_PP_HOLD:
	case EV_PP_RELEASE:
		return on_pool(m, id, args, err);
	case EV_PAGE_ALLOC:
	case EV_PAGE_FREE:
		return on_page(m, id, args, err);
	default:
		return 1;
	}
}

/* Releases what is still in flight at the capture's end, oldest first, on its rx CPU. */
static int drain(struct imp *m, struct pb_err *err)
{
	while (m->skbs.n) {
		struct pb_pkt_state *old = NULL;

		for (size_t i = 0; i < m->skbs.cap; i++)
			if (m->skbs.slot[i].pkt && (!old || m->skbs.slot[i].rx_index < old->rx_index))
				old = &m->skbs.slot[i];
		if (m->pass1)
			m->hdr->roles[old->rx_cpu] |= PB_ROLE_SOCK;
		if (release(m, old, old->rx_cpu, err))
			return -1;
	}
	return 0;
}

static int pass(struct imp *m, struct pb_err *err)
{
	char buf[8192];
	FILE *f = fopen(m->path, "r");
	uint64_t unreleased;
	int rc = 0;

	if (!f)
		return pb_err_set(err, "%s: cannot open: %s", m->path, strerror(errno));
	if (pb_pktmap_init(&m->skbs)) {
		fclose(f);
		return pb_err_set(err, "%s: out of memory", m->path);
	}
	while (fgets(buf, sizeof(buf), f)) {
		m->line++;
		m->st.lines++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = pb_err_set(err, "%s:%u: line longer than %zu bytes", m->path, m->line, sizeof(buf) - 1);
			break;
		}
		rc = line(m, buf, err);
		if (rc < 0)
			break;
		if (rc)
			m->st.skipped++;
		else
			m->st.used++;
		rc = 0;
	}
	if (!rc && ferror(f))
		rc = pb_err_set(err, "%s: read failed", m->path);
	fclose(f);
	unreleased = m->skbs.n;
	if (!rc && drain(m, err))
		rc = -1;
	pb_pktmap_free(&m->skbs);
	m->skbs.n = unreleased;	/* reported in the observations */
	return rc;
}

static int observe(struct imp *m, const struct pb_trace_audit *a, struct pb_err *err)
{
	struct pb_trace_header *h = m->hdr;
	double pk = m->packets ? (double)m->packets : 1;
	char cpus[PB_TRACE_MAX_CPUS * 6] = "";
	size_t n = 0;
	const char *base = strrchr(m->path, '/');

	for (unsigned c = 0; c < m->ncpus; c++)
		n += (size_t)snprintf(cpus + n, sizeof(cpus) - n, "%s%u", c ? "," : "", m->real_cpu[c]);
	return pb_trace_header_set(h, err, "source", "%s", base ? base + 1 : m->path) ||
	       pb_trace_header_set(h, err, "dev", "%s", m->o->dev ? m->o->dev : "all") ||
	       pb_trace_header_set(h, err, "cpu_map", "%s", m->ncpus ? cpus : "none") ||
	       pb_trace_header_set(h, err, "obs_packets", "%llu", (unsigned long long)m->packets) ||
	       pb_trace_header_set(h, err, "obs_skb_packets", "%llu", (unsigned long long)m->skb_packets) ||
	       pb_trace_header_set(h, err, "obs_xdp_packets", "%llu", (unsigned long long)m->xdp_packets) ||
	       pb_trace_header_set(h, err, "obs_napi_polls", "%llu", (unsigned long long)m->polls) ||
	       pb_trace_header_set(h, err, "obs_inflight_peak", "%llu", (unsigned long long)a->inflight_peak) ||
	       pb_trace_header_set(h, err, "obs_hold_p50_ns", "%llu", (unsigned long long)pb_hist_quantile(&a->hold, 0.5)) ||
	       pb_trace_header_set(h, err, "obs_hold_p90_ns", "%llu", (unsigned long long)pb_hist_quantile(&a->hold, 0.9)) ||
	       pb_trace_header_set(h, err, "obs_hold_p99_ns", "%llu", (unsigned long long)pb_hist_quantile(&a->hold, 0.99)) ||
	       pb_trace_header_set(h, err, "obs_hold_max_ns", "%llu", (unsigned long long)a->hold.max) ||
	       pb_trace_header_set(h, err, "obs_pool_field", "%s", m->pp_field ? m->pp_field : "none") ||
	       pb_trace_header_set(h, err, "obs_pool_holds", "%llu", (unsigned long long)m->pp_hold) ||
	       pb_trace_header_set(h, err, "obs_pool_releases", "%llu", (unsigned long long)m->pp_release) ||
	       pb_trace_header_set(h, err, "obs_pool_holds_per_pkt", "%.4f", (double)m->pp_hold / pk) ||
	       pb_trace_header_set(h, err, "obs_pool_releases_per_pkt", "%.4f", (double)m->pp_release / pk) ||
	       pb_trace_header_set(h, err, "obs_pool_inflight_peak", "%llu", (unsigned long long)m->pp_peak) ||
	       pb_trace_header_set(h, err, "obs_page_allocs", "%llu", (unsigned long long)m->page_alloc) ||
	       pb_trace_header_set(h, err, "obs_page_frees", "%llu", (unsigned long long)m->page_free) ||
	       pb_trace_header_set(h, err, "obs_xdp_redirect", "%llu", (unsigned long long)m->xdp_redirect) ||
	       pb_trace_header_set(h, err, "obs_xdp_other", "%llu", (unsigned long long)m->xdp_other) ||
	       pb_trace_header_set(h, err, "obs_unmatched_frees", "%llu", (unsigned long long)m->unmatched) ||
	       pb_trace_header_set(h, err, "obs_untraced_frees", "%llu", (unsigned long long)m->untraced) ||
	       pb_trace_header_set(h, err, "obs_unreleased_at_end", "%llu", (unsigned long long)m->skbs.n) ||
	       pb_trace_header_set(h, err, "obs_reordered_lines", "%llu", (unsigned long long)m->reordered) ||
	       pb_trace_header_set(h, err, "lines", "%llu", (unsigned long long)m->st.lines) ||
	       pb_trace_header_set(h, err, "lines_used", "%llu", (unsigned long long)m->st.used) ||
	       pb_trace_header_set(h, err, "lines_skipped", "%llu", (unsigned long long)m->st.skipped) ? -1 : 0;
}

static int import_perf(const char *in, const char *out, const struct pb_trace_import_opts *o,
		       struct pb_trace_import_stats *st, struct pb_err *err)
{
	struct pb_trace_header *hdr = calloc(1, sizeof(*hdr)), *all = calloc(1, sizeof(*all));
	struct imp *m = calloc(1, sizeof(*m));
	struct pb_trace_writer *w = NULL;
	struct pb_trace_audit a;
	struct pb_trace_sink sink;
	int rc = -1;

	if (!hdr || !all || !m) {
		pb_err_set(err, "%s: out of memory", in);
		goto out;
	}
	/* pass 1: roles and observations; the audit sees every CPU allowed everything */
	pb_trace_header_init(hdr, "import-perf", 0);
	pb_trace_header_init(all, "import-perf", 0);
	all->ncpus = PB_TRACE_MAX_CPUS;
	memset(all->roles, PB_ROLE_ALL, sizeof(all->roles));
	*m = (struct imp){ .path = in, .o = o, .hdr = hdr, .pass1 = true, .audit = &a };
	if (pb_trace_audit_init(&a, all, err))
		goto out;
	if (pass(m, err)) {
		pb_trace_audit_free(&a);
		goto out;
	}
	pb_trace_audit_finish(&a);
	if (!m->ncpus) {
		pb_trace_audit_free(&a);
		pb_err_set(err, "%s: no packet or NAPI event in %llu lines (was it recorded with the events of docs/traces.md?)",
			   in, (unsigned long long)m->st.lines);
		goto out;
	}
	if (observe(m, &a, err)) {
		pb_trace_audit_free(&a);
		goto out;
	}
	pb_trace_audit_free(&a);
	/* pass 2: the same events into the file, checked against the real roles */
	w = pb_trace_create(out, hdr, err);
	if (!w)
		goto out;
	sink = pb_trace_writer_sink(w);
	*m = (struct imp){ .path = in, .o = o, .hdr = hdr, .sink = &sink, .audit = &a };
	if (pb_trace_audit_init(&a, hdr, err))
		goto out;
	if (pass(m, err)) {
		pb_trace_audit_free(&a);
		goto out;
	}
	pb_trace_audit_finish(&a);
	if (a.violations) {
		pb_err_set(err, "%s: the imported trace breaks a packet-life rule (an importer bug): %s", in, a.first);
		pb_trace_audit_free(&a);
		goto out;
	}
	pb_trace_audit_free(&a);
	*st = m->st;
	st->packets = m->packets;
	rc = pb_trace_commit(w, err);
	w = NULL;
out:
	pb_trace_abort(w);
	free(hdr);
	free(all);
	free(m);
	return rc;
}

const struct pb_trace_importer pb_timp_perf = {
	.name = "perf",
	.desc = "perf script or tracefs trace/trace_pipe text of net, skb, napi, xdp, page_pool, kmem events",
	.import = import_perf,
};
