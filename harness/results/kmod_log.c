// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel module's log -> a result set (kmod_log.h). The line format is the module's
 * (kmod/pbk_out.c); records are finished by the same pipeline as the runner's (record.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kmod_log.h"
#include "record.h"

#define KM_FORMAT 1			/* the PBK line format this reader understands */
#define KM_MAX_BATCHES 50		/* as PBK_MAX_BATCHES in kmod/pbk.h */
#define KM_MAX_TOKENS 64
#define KM_MAX_FIGS 24		/* PB_WL_REPORT_FIGS: a replay's figures */
#define KM_MAX_CTX 64

struct km_kv {
	char key[32];
	char val[512];
};

/* One record as the module printed it (or derived from one: amortised figures). */
struct km_rec {
	unsigned run;			/* which begin..end block */
	unsigned id;
	unsigned line;			/* of its rec (or derive) line */
	char workload[32], backend[32], source[8], track[16], params[128], context[16];
	unsigned reps, nb, cpu;
	uint64_t ops;
	uint64_t bops[KM_MAX_BATCHES];
	uint64_t *cycles;		/* [reps * nb] */
	unsigned reps_seen;
	bool has_stats, atomics_counted;
	struct pb_stats stats;
	uint64_t atomics, leaked;
	int from;			/* derived: index of the source record, else -1 */
	unsigned div;
	/* A trace replay's figures ('PBK fig', on its first track's record): */
	bool has_fig, fig_pa_calls;	/* pa_calls_counted=: the page allocator's calls are */
	uint64_t packets;		/* frames received over the measured repetitions */
	struct km_fig {
		char name[32];
		bool counted;		/* false: "-" */
		double value;
	} fig[KM_MAX_FIGS];
	unsigned nfig;
};

struct pb_kmod_log {
	char path[4096];
	struct pb_err *err;		/* where km_err writes; set by each entry point */
	struct km_rec *recs;
	size_t nrecs, cap;
	struct km_kv ctx[KM_MAX_CTX];
	unsigned nctx;
	unsigned run;			/* blocks seen */
	bool open;			/* inside begin..end */
	unsigned open_line;
	size_t run_first;		/* first record of the current block */
	unsigned failures;		/* errors + failed checks */
	uint64_t reported;		/* what 'PBK end/unloaded failures=N' lines say */
	unsigned reported_line;
	char first_failure[300];
	bool uncounted;			/* some record's atomics are not counted */
};

struct km_tok {
	char *key;
	char *val;
};

static int __attribute__((format(printf, 3, 4)))
km_err(const struct pb_kmod_log *L, unsigned line, const char *fmt, ...)
{
	char msg[PB_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		return pb_err_set(L->err, "%s:%u: %s", L->path, line, msg);
	return pb_err_set(L->err, "%s: %s", L->path, msg);
}

/* Splits "k=v k=\"v w\" ..." in place; -1 with *why on a malformed token. */
static int tokenize(char *s, struct km_tok *t, int max, const char **why)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return *why = "too many fields", -1;
		t[n].key = s;
		while (*s && *s != '=' && *s != ' ')
			s++;
		if (*s != '=' || s == t[n].key)
			return *why = "a field is not key=value", -1;
		*s++ = '\0';
		if (*s == '"') {
			t[n].val = ++s;
			s = strchr(s, '"');
			if (!s)
				return *why = "unterminated quoted value", -1;
			*s++ = '\0';
			if (*s && *s != ' ')
				return *why = "text right after a quoted value", -1;
		} else {
			t[n].val = s;
			while (*s && *s != ' ')
				s++;
			if (*s)
				*s++ = '\0';
		}
		n++;
	}
}

static const char *tok_get(const struct km_tok *t, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return t[i].val;
	return NULL;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* "a,b,c" of unsigned integers; at most @max; returns the count, -1 when malformed. */
static int parse_list(const char *s, uint64_t *out, int max)
{
	int n = 0;

	while (s && *s) {
		char num[24];
		size_t len = strcspn(s, ",");

		if (n == max || !len || len >= sizeof(num))
			return -1;
		memcpy(num, s, len);
		num[len] = '\0';
		if (!parse_u64(num, &out[n++]))
			return -1;
		s += len;
		if (*s && !*++s)
			return -1;	/* a trailing comma */
	}
	return n;
}

/* Required field @key of a @tag line, or NULL after printing the error. */
static const char *need(const struct pb_kmod_log *L, unsigned line, const char *tag,
			const struct km_tok *t, int n, const char *key)
{
	const char *v = tok_get(t, n, key);

	if (!v)
		km_err(L, line, "'PBK %s' line without %s=", tag, key);
	return v;
}

static int need_u64(const struct pb_kmod_log *L, unsigned line, const char *tag, const struct km_tok *t,
		    int n, const char *key, uint64_t *out)
{
	const char *v = need(L, line, tag, t, n, key);

	if (!v)
		return -1;
	if (!parse_u64(v, out))
		return km_err(L, line, "%s=%s: not a non-negative integer", key, v);
	return 0;
}

/* Copies @v into @dst[len]; an error when it does not fit. */
static int copy_field(const struct pb_kmod_log *L, unsigned line, const char *key, char *dst,
		      size_t len, const char *v)
{
	if (strlen(v) >= len)
		return km_err(L, line, "%s=: longer than %zu characters", key, len - 1);
	strcpy(dst, v);
	return 0;
}

/* The record with @id in the current block, or NULL. */
static struct km_rec *find_rec(struct pb_kmod_log *L, uint64_t id)
{
	for (size_t i = L->run_first; i < L->nrecs; i++)
		if (L->recs[i].id == id)
			return &L->recs[i];
	return NULL;
}

static struct km_rec *new_rec(struct pb_kmod_log *L, unsigned line)
{
	struct km_rec *r;

	if (L->nrecs == L->cap) {
		size_t cap = L->cap ? 2 * L->cap : 64;
		struct km_rec *n = realloc(L->recs, cap * sizeof(*n));

		if (!n) {
			km_err(L, line, "out of memory");
			return NULL;
		}
		L->recs = n;
		L->cap = cap;
	}
	r = &L->recs[L->nrecs++];
	memset(r, 0, sizeof(*r));
	r->run = L->run;
	r->line = line;
	r->from = -1;
	return r;
}

static int on_begin(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t fmt;

	if (L->open)
		return km_err(L, line, "'PBK begin' while the run begun at line %u has no 'PBK end' "
			      "(it did not finish)", L->open_line);
	if (need_u64(L, line, "begin", t, n, "format", &fmt))
		return -1;
	if (fmt != KM_FORMAT)
		return km_err(L, line, "format=%llu: this pagebench reads format %d",
			      (unsigned long long)fmt, KM_FORMAT);
	L->open = true;
	L->open_line = line;
	L->run++;
	L->run_first = L->nrecs;
	if (tok_get(t, n, "git"))
		return copy_field(L, line, "git", L->ctx[0].val, sizeof(L->ctx[0].val),
				  tok_get(t, n, "git"));
	return 0;
}

/* Context facts: the first run's value of a key is kept. */
static int on_ctx(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned k;

		for (k = 0; k < L->nctx; k++)
			if (!strcmp(L->ctx[k].key, t[i].key))
				break;
		if (k < L->nctx)
			continue;
		if (L->nctx == KM_MAX_CTX)
			return km_err(L, line, "more than %d context facts", KM_MAX_CTX);
		if (copy_field(L, line, t[i].key, L->ctx[k].val, sizeof(L->ctx[k].val), t[i].val) ||
		    copy_field(L, line, "a context key", L->ctx[k].key, sizeof(L->ctx[k].key), t[i].key))
			return -1;
		L->nctx++;
	}
	return 0;
}

/* The text fields of a rec line and where they go. */
static const struct {
	const char *key;
	size_t off, len;
} rec_strs[] = {
#define S(f) { #f, offsetof(struct km_rec, f), sizeof(((struct km_rec *)0)->f) }
	S(workload), S(backend), S(source), S(track), S(params), S(context),
#undef S
};

static int on_rec(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t id, reps, ops, cpu, sum = 0;
	struct km_rec *r;
	const char *v;
	int nb;

	if (need_u64(L, line, "rec", t, n, "id", &id) || need_u64(L, line, "rec", t, n, "reps", &reps) ||
	    need_u64(L, line, "rec", t, n, "ops", &ops) || need_u64(L, line, "rec", t, n, "cpu", &cpu))
		return -1;
	if (find_rec(L, id))
		return km_err(L, line, "id=%llu: a second record with this id", (unsigned long long)id);
	if (!reps || reps > 100000 || !ops)
		return km_err(L, line, "reps=%llu ops=%llu: both must be positive",
			      (unsigned long long)reps, (unsigned long long)ops);
	r = new_rec(L, line);
	if (!r)
		return -1;
	r->id = (unsigned)id;
	r->reps = (unsigned)reps;
	r->ops = ops;
	r->cpu = (unsigned)cpu;
	for (size_t i = 0; i < sizeof(rec_strs) / sizeof(rec_strs[0]); i++) {
		v = need(L, line, "rec", t, n, rec_strs[i].key);
		if (!v || copy_field(L, line, rec_strs[i].key, (char *)r + rec_strs[i].off,
				     rec_strs[i].len, v))
			return -1;
	}
	if (!strcmp(r->track, "-"))
		r->track[0] = '\0';
	if (!strcmp(r->params, "-"))
		r->params[0] = '\0';
	if (!r->workload[0] || !r->backend[0])
		return km_err(L, line, "empty workload= or backend=");
	v = need(L, line, "rec", t, n, "bops");
	if (!v)
		return -1;
	nb = parse_list(v, r->bops, KM_MAX_BATCHES);
	if (nb < 1)
		return km_err(L, line, "bops=%s: expected 1 to %d comma-separated integers", v,
			      KM_MAX_BATCHES);
	r->nb = (unsigned)nb;
	for (int b = 0; b < nb; b++) {
		if (!r->bops[b])
			return km_err(L, line, "bops=%s: a batch of zero operations", v);
		sum += r->bops[b];
	}
	if (sum != ops)
		return km_err(L, line, "bops=%s adds up to %llu, not ops=%llu", v,
			      (unsigned long long)sum, (unsigned long long)ops);
	r->cycles = calloc((size_t)r->reps * r->nb, sizeof(*r->cycles));
	if (!r->cycles)
		return km_err(L, line, "out of memory");
	return 0;
}

static int on_rep(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t id, rep, c[KM_MAX_BATCHES];
	struct km_rec *r;
	const char *v;
	int nb;

	if (need_u64(L, line, "rep", t, n, "id", &id) || need_u64(L, line, "rep", t, n, "n", &rep))
		return -1;
	r = find_rec(L, id);
	if (!r || r->from >= 0)
		return km_err(L, line, "id=%llu: no 'PBK rec' line before it", (unsigned long long)id);
	if (rep != r->reps_seen)
		return km_err(L, line, "n=%llu: expected repetition %u of id=%llu",
			      (unsigned long long)rep, r->reps_seen, (unsigned long long)id);
	if (r->reps_seen == r->reps)
		return km_err(L, line, "id=%llu: more than reps=%u repetitions",
			      (unsigned long long)id, r->reps);
	v = need(L, line, "rep", t, n, "cycles");
	if (!v)
		return -1;
	nb = parse_list(v, c, KM_MAX_BATCHES);
	if (nb != (int)r->nb)
		return km_err(L, line, "cycles=: expected %u comma-separated integers (one per batch)",
			      r->nb);
	memcpy(&r->cycles[(size_t)r->reps_seen * r->nb], c, r->nb * sizeof(*c));
	r->reps_seen++;
	return 0;
}

static int on_stats(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t id, counted, x;
	struct km_rec *r;

	if (need_u64(L, line, "stats", t, n, "id", &id))
		return -1;
	r = find_rec(L, id);
	if (!r || r->from >= 0)
		return km_err(L, line, "id=%llu: no 'PBK rec' line before it", (unsigned long long)id);
	if (r->has_stats)
		return km_err(L, line, "id=%llu: a second stats line", (unsigned long long)id);
	if (need_u64(L, line, "stats", t, n, "atomics", &r->atomics) ||
	    need_u64(L, line, "stats", t, n, "atomics_counted", &counted) ||
	    need_u64(L, line, "stats", t, n, "leaked", &r->leaked) ||
	    !need(L, line, "stats", t, n, "free_delta"))
		return -1;
	r->atomics_counted = counted != 0;
	for (int i = 0; i < n; i++) {
		const struct pb_stats_field *f;

		if (!strcmp(t[i].key, "id") || !strcmp(t[i].key, "atomics") ||
		    !strcmp(t[i].key, "atomics_counted") || !strcmp(t[i].key, "leaked") ||
		    !strcmp(t[i].key, "free_delta"))
			continue;
		for (f = pb_stats_fields; f->name && strcmp(f->name, t[i].key); f++)
			;
		if (!f->name)
			return km_err(L, line, "%s=: not a backend counter", t[i].key);
		if (!parse_u64(t[i].val, &x))
			return km_err(L, line, "%s=%s: not a non-negative integer", t[i].key, t[i].val);
		*(uint64_t *)((char *)&r->stats + f->offset) = x;
	}
	r->has_stats = true;
	return 0;
}

/*
 * 'PBK fig id=N packets=P pa_calls_counted=0|1 name=value...': a trace replay's figures
 * (kmod/pbk_replay.c), the ones userspace's replay reports (workloads/replay.c report), each
 * a non-negative decimal or "-" (not measured there).
 */
static int on_fig(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t id, pa;
	struct km_rec *r;

	if (need_u64(L, line, "fig", t, n, "id", &id))
		return -1;
	r = find_rec(L, id);
	if (!r || r->from >= 0 || !r->has_stats)
		return km_err(L, line, "id=%llu: no 'PBK rec' and 'PBK stats' lines before it",
			      (unsigned long long)id);
	if (r->has_fig)
		return km_err(L, line, "id=%llu: a second fig line", (unsigned long long)id);
	if (need_u64(L, line, "fig", t, n, "packets", &r->packets) ||
	    need_u64(L, line, "fig", t, n, "pa_calls_counted", &pa))
		return -1;
	r->fig_pa_calls = pa != 0;
	for (int i = 0; i < n; i++) {
		struct km_fig *f;
		char *end;

		if (!strcmp(t[i].key, "id") || !strcmp(t[i].key, "packets") ||
		    !strcmp(t[i].key, "pa_calls_counted"))
			continue;
		if (r->nfig == KM_MAX_FIGS)
			return km_err(L, line, "%s=: more than %d figures", t[i].key, KM_MAX_FIGS);
		if (strlen(t[i].key) >= sizeof(r->fig[0].name))
			return km_err(L, line, "%.40s=: figure name too long", t[i].key);
		f = &r->fig[r->nfig];
		strcpy(f->name, t[i].key);
		f->counted = strcmp(t[i].val, "-") != 0;
		f->value = 0;
		if (f->counted) {
			errno = 0;
			f->value = strtod(t[i].val, &end);
			if (errno || end == t[i].val || *end || !(f->value >= 0))
				return km_err(L, line, "%s=%s: not a non-negative number or '-'", t[i].key,
					      t[i].val);
		}
		r->nfig++;
	}
	r->has_fig = true;
	return 0;
}

static double km_per(uint64_t count, uint64_t packets)
{
	return packets ? (double)count / (double)packets : 0;
}

/*
 * A replay record's counters as userspace's runner sets them (harness/engine/wl_report.c):
 * the per-packet rates of the instance's counters, then the figures, each by its kind.
 */
static void apply_fig(const struct km_rec *k, struct pb_result *r)
{
	const struct pb_stats *s = &k->stats;
	uint64_t pk = k->packets;

	if (pk) {
		pb_counter_set(r, "page_allocator_calls_per_packet", PB_CTR_RATE, k->fig_pa_calls,
			       k->fig_pa_calls ? km_per(s->pa_alloc_calls + s->pa_free_calls, pk) : 0);
		pb_counter_set(r, "page_allocator_pages_per_packet", PB_CTR_RATE, true,
			       km_per(s->pa_alloc_pages + s->pa_free_pages, pk));
		pb_counter_set(r, "pool_holds_per_packet", PB_CTR_RATE, true, km_per(s->pa_alloc_pages, pk));
		pb_counter_set(r, "pool_releases_per_packet", PB_CTR_RATE, true, km_per(s->pa_free_pages, pk));
		pb_counter_set(r, "dma_maps_per_packet", PB_CTR_RATE, true, km_per(s->dma_map, pk));
		pb_counter_set(r, "atomics_per_packet", PB_CTR_RATE, k->atomics_counted,
			       k->atomics_counted ? km_per(k->atomics, pk) : 0);
	}
	for (unsigned i = 0; i < k->nfig; i++) {
		const struct km_fig *f = &k->fig[i];
		enum pb_counter_kind kind = PB_CTR_LEVEL;

		if (strstr(f->name, "_per_"))
			kind = PB_CTR_RATE;
		else if (!strncmp(f->name, "frames_", 7))
			kind = PB_CTR_COUNT;
		pb_counter_set(r, f->name, kind, f->counted, f->value);
	}
	if (pk) {
		const struct km_fig *cap = NULL, *nomem = NULL;

		for (unsigned i = 0; i < k->nfig; i++) {
			if (!strcmp(k->fig[i].name, "frames_dropped_cap"))
				cap = &k->fig[i];
			if (!strcmp(k->fig[i].name, "frames_dropped_nomem"))
				nomem = &k->fig[i];
		}
		if (cap && nomem)
			pb_counter_set(r, "frames_dropped_per_packet", PB_CTR_RATE, true,
				       (cap->value + nomem->value) / (double)pk);
	}
}

static int on_derive(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t id, from, div;
	struct km_rec *src, *r;
	const char *params;
	size_t src_idx;

	if (need_u64(L, line, "derive", t, n, "id", &id) ||
	    need_u64(L, line, "derive", t, n, "from", &from) ||
	    need_u64(L, line, "derive", t, n, "div", &div))
		return -1;
	params = need(L, line, "derive", t, n, "params");
	if (!params)
		return -1;
	src = find_rec(L, from);
	if (!src || src->from >= 0)
		return km_err(L, line, "from=%llu: no measured record with that id",
			      (unsigned long long)from);
	if (find_rec(L, id))
		return km_err(L, line, "id=%llu: a second record with this id", (unsigned long long)id);
	if (!div || div > 1024)
		return km_err(L, line, "div=%llu: must be 1..1024", (unsigned long long)div);
	src_idx = (size_t)(src - L->recs);
	r = new_rec(L, line);
	if (!r)
		return -1;
	src = &L->recs[src_idx];	/* new_rec may have moved the array */
	*r = *src;
	r->cycles = NULL;
	r->id = (unsigned)id;
	r->line = line;
	r->from = (int)src_idx;
	r->div = (unsigned)div;
	return copy_field(L, line, "params", r->params, sizeof(r->params),
			  strcmp(params, "-") ? params : "");
}

static int on_check(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t ok;

	if (!need(L, line, "check", t, n, "name") || need_u64(L, line, "check", t, n, "ok", &ok))
		return -1;
	if (!ok) {
		if (!L->failures)
			snprintf(L->first_failure, sizeof(L->first_failure), "line %u: check %s failed",
				 line, tok_get(t, n, "name"));
		L->failures++;
	}
	return 0;
}

static int on_error(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	const char *what = need(L, line, "error", t, n, "what");

	if (!what)
		return -1;
	if (!L->failures)
		snprintf(L->first_failure, sizeof(L->first_failure), "line %u: %s", line, what);
	L->failures++;
	return 0;
}

/* Closes a block: every record must have all its repetitions and its stats. */
/*
 * 'failures=N' on 'PBK end' and 'PBK unloaded': the module's own count. A log that shows
 * fewer failure lines than that lost some (printk ring overrun): it must not pass.
 */
static int on_reported(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	uint64_t v;

	for (int i = 0; i < n; i++) {
		if (strcmp(t[i].key, "failures"))
			continue;
		if (!parse_u64(t[i].val, &v))
			return km_err(L, line, "failures=%s: not a non-negative integer", t[i].val);
		if (v > L->reported) {
			L->reported = v;
			L->reported_line = line;
		}
	}
	return 0;
}

static int on_end(struct pb_kmod_log *L, unsigned line, struct km_tok *t, int n)
{
	if (on_reported(L, line, t, n))
		return -1;
	for (size_t i = L->run_first; i < L->nrecs; i++) {
		const struct km_rec *r = &L->recs[i];

		if (r->from >= 0)
			continue;
		if (r->reps_seen != r->reps)
			return km_err(L, r->line, "record id=%u has %u of its %u 'PBK rep' lines",
				      r->id, r->reps_seen, r->reps);
		if (!r->has_stats)
			return km_err(L, r->line, "record id=%u has no 'PBK stats' line", r->id);
	}
	L->open = false;
	return 0;
}

/* "PBK " where a kernel log line's text starts: line start, after "] " or ": ". */
static char *find_tag(char *s)
{
	char *p = s;

	while ((p = strstr(p, "PBK ")) != NULL) {
		if (p == s || p[-1] == ' ')
			return p + 4;
		p++;
	}
	return NULL;
}

static int parse_line(struct pb_kmod_log *L, unsigned line, char *s)
{
	struct km_tok t[KM_MAX_TOKENS];
	const char *why = "malformed fields";	/* set by tokenize on failure */
	char *tag = find_tag(s), *rest;
	int n;

	if (!tag)
		return 0;
	rest = tag + strcspn(tag, " ");
	if (*rest)
		*rest++ = '\0';
	n = tokenize(rest, t, KM_MAX_TOKENS, &why);
	if (n < 0)
		return km_err(L, line, "PBK %s: %s", tag, why);
	if (!strcmp(tag, "begin"))
		return on_begin(L, line, t, n);
	/* Checks and errors of the unload come after 'end', and belong to it. */
	if (!strcmp(tag, "check") || !strcmp(tag, "error") || !strcmp(tag, "unloaded")) {
		if (!L->run)
			return km_err(L, line, "'PBK %s' before any 'PBK begin'", tag);
		if (!strcmp(tag, "unloaded"))
			return on_reported(L, line, t, n);
		return !strcmp(tag, "check") ? on_check(L, line, t, n) : on_error(L, line, t, n);
	}
	if (!L->open)
		return km_err(L, line, "'PBK %s' outside a run (no 'PBK begin' before it)", tag);
	if (!strcmp(tag, "ctx"))
		return on_ctx(L, line, t, n);
	if (!strcmp(tag, "rec"))
		return on_rec(L, line, t, n);
	if (!strcmp(tag, "rep"))
		return on_rep(L, line, t, n);
	if (!strcmp(tag, "stats"))
		return on_stats(L, line, t, n);
	if (!strcmp(tag, "derive"))
		return on_derive(L, line, t, n);
	if (!strcmp(tag, "fig"))
		return on_fig(L, line, t, n);
	if (!strcmp(tag, "end"))
		return on_end(L, line, t, n);
	return km_err(L, line, "unknown line 'PBK %s'", tag);
}

static int parse_log(struct pb_kmod_log *L)
{
	FILE *f = fopen(L->path, "r");
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ssize_t len;
	int rc = 0;

	if (!f)
		return km_err(L, 0, "cannot open: %s", strerror(errno));
	/* ctx[0] holds the module's git revision (from 'PBK begin'). */
	strcpy(L->ctx[0].key, "git");
	L->nctx = 1;
	while (!rc && (len = getline(&buf, &cap, f)) >= 0) {
		line++;
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (strlen(buf) != (size_t)len)
			rc = km_err(L, line, "a NUL byte in the line");
		else
			rc = parse_line(L, line, buf);
	}
	free(buf);
	if (!rc && ferror(f))
		rc = km_err(L, 0, "read error");
	fclose(f);
	if (rc)
		return rc;
	if (!L->run)
		return km_err(L, 0, "no 'PBK begin' line: not the log of a pagebench_kmod run");
	if (L->open)
		return km_err(L, L->open_line, "the run that begins here has no 'PBK end': it did not "
			      "finish (crashed, or the log was cut)");
	return 0;
}

static const char *ctx_get(const struct pb_kmod_log *L, const char *key)
{
	for (unsigned i = 0; i < L->nctx; i++)
		if (!strcmp(L->ctx[i].key, key))
			return L->ctx[i].val;
	return "";
}

static void ctx_date(char *buf, size_t len, const char *epoch)
{
	uint64_t s;
	time_t t;
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (!parse_u64(epoch, &s))
		return;
	t = (time_t)s;
	if (!localtime_r(&t, &tm))
		return;
	n = strftime(buf, len, "%FT%T%z", &tm);
	if (n >= 5 && n + 1 < len && (buf[n - 5] == '+' || buf[n - 5] == '-')) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}

/* The facts that change figures but have no field of their own go on the command line. */
static void ctx_command_line(const struct pb_kmod_log *L, char *buf, size_t len)
{
	static const char *const keys[] = {
		"init_on_alloc", "init_on_free", "debug_lock_alloc", "prove_locking",
		"debug_preempt", "debug_vm", "debug_pagealloc", "kasan", "page_pool_stats",
		"preempt", "hypervisor", "pp_direct_bh", "pp_direct_softirq", "srso", "spectre_v2",
		"cmdline",
	};
	size_t off = (size_t)snprintf(buf, len, "insmod pagebench_kmod.ko %s;", ctx_get(L, "params"));

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && off < len; i++) {
		const char *v = ctx_get(L, keys[i]);

		off += (size_t)snprintf(buf + off, len - off, strchr(v, ' ') ? " %s='%s'" : " %s=%s",
					keys[i], v);
	}
	if (off >= len && len > 4)
		strcpy(buf + len - 4, "...");
}

static void fill_machine(const struct pb_kmod_log *L, struct pb_machine *m)
{
	uint64_t x;

	snprintf(m->host, sizeof(m->host), "%s", ctx_get(L, "host"));
	snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", ctx_get(L, "cpu_model"));
	if (parse_u64(ctx_get(L, "ncpus"), &x))
		m->num_cpus = (unsigned)x;
	snprintf(m->tsc_flags, sizeof(m->tsc_flags), "%s", ctx_get(L, "tsc_flags"));
	snprintf(m->kernel, sizeof(m->kernel), "Linux %s %s (pagebench_kmod)", ctx_get(L, "release"),
		 ctx_get(L, "version"));
	ctx_date(m->date, sizeof(m->date), ctx_get(L, "date"));
	snprintf(m->git_revision, sizeof(m->git_revision), "%s", ctx_get(L, "git"));
	ctx_command_line(L, m->command_line, sizeof(m->command_line));
	if (parse_u64(ctx_get(L, "nodes"), &x))
		m->numa_nodes = (unsigned)x;
	if (parse_u64(ctx_get(L, "llc_kb"), &x) && x)
		snprintf(m->cache_desc, sizeof(m->cache_desc), "LLC %lluK", (unsigned long long)x);
}

/* How the guest ran: said by the caller, by the log, or read off the hypervisor signature. */
static bool emulated(const struct pb_kmod_log *L, const char *accel)
{
	const char *a = accel ? accel : ctx_get(L, "accel");

	if (*a)
		return !strcmp(a, "tcg");
	/* The kernel knows KVM's CPUID signature, not QEMU TCG's: that one reads "unknown". */
	return !strcmp(ctx_get(L, "hypervisor"), "unknown");
}

static void fill_job(const struct pb_kmod_log *L, const char *accel, struct pb_job_context *j)
{
	uint64_t x;

	memset(j, 0, sizeof(*j));
	if (parse_u64(ctx_get(L, "tsc_khz"), &x))
		j->tsc_hz = (double)x * 1000.0;
	if (parse_u64(ctx_get(L, "timer_overhead"), &x))
		j->timer_overhead_cycles = (double)x;
	/* The measuring CPU, and for cross-cpu the CPU of the other side. */
	if (parse_u64(ctx_get(L, "cpu"), &x)) {
		struct pb_thread_place *t = &j->threads[j->nthreads++];

		t->cpu = (int)x;
		t->node = -1;
	}
	if (parse_u64(ctx_get(L, "cpu2"), &x)) {
		struct pb_thread_place *t = &j->threads[j->nthreads++];

		t->cpu = (int)x;
		t->node = -1;
		j->shared_cpus = j->nthreads == 2 && j->threads[0].cpu == t->cpu;
	}
	for (unsigned i = 0; i < j->nthreads; i++)
		snprintf(j->threads[i].role, sizeof(j->threads[i].role), "%s",
			 j->nthreads == 1 ? "main" : i == 0 ? "alloc" : "free");
	strcpy(j->metric, "time");
	strcpy(j->pmu_why, "PMU counters are not read by the kernel module");
	j->seed = parse_u64(ctx_get(L, "seed"), &x) ? x : PB_DEFAULT_SEED;
	j->unstable_cv = PB_DEFAULT_UNSTABLE_CV;
	j->kernel_module = true;
	j->emulated = emulated(L, accel);
	for (unsigned i = 0; i < L->nctx && j->nfacts < PB_MAX_FACTS; i++) {
		if (!L->ctx[i].val[0] && !strcmp(L->ctx[i].key, "git"))
			continue;
		snprintf(j->facts[j->nfacts].key, sizeof(j->facts[0].key), "%s", L->ctx[i].key);
		snprintf(j->facts[j->nfacts].value, sizeof(j->facts[0].value), "%s", L->ctx[i].val);
		j->nfacts++;
	}
}

static int fill_params(struct pb_result *r, const char *params)
{
	struct pb_err err;
	char kv[256];
	const char *p = params;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len >= sizeof(kv))
			return -1;
		memcpy(kv, p, len);
		kv[len] = '\0';
		if (pb_params_add(&r->params, kv, &err))
			return -1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/*
 * One record from a parsed one (a derived record divides its source's samples), finished
 * by the record pipeline. The kernel's own code is not instrumented: its records say so.
 */
static int fill_result(const struct pb_kmod_log *L, const struct km_rec *k,
		       const struct pb_job_context *job, struct pb_result *r, bool *uncounted)
{
	const struct km_rec *src = k->from >= 0 ? &L->recs[k->from] : k;
	double div = k->from >= 0 ? (double)k->div : 1.0;
	bool baseline = !strcmp(k->backend, "-");
	struct pb_record_counts c = {
		.stats = baseline ? NULL : &src->stats,	/* a baseline has no instance */
		.atomics = src->atomics,
		.atomics_counted = src->atomics_counted,
		.pa_calls_counted = true,
		.leaked = src->leaked,
	};
	struct pb_err ferr;

	/* As the runner does: an instance's counters go on its first track only. */
	for (const struct km_rec *e = L->recs; k->track[0] && e < k; e++)
		if (e->run == k->run && e->track[0] && !strcmp(e->workload, k->workload) &&
		    !strcmp(e->backend, k->backend) && !strcmp(e->params, k->params)) {
			c.stats_elsewhere = true;
			break;
		}
	memset(r, 0, sizeof(*r));
	snprintf(r->alloc, sizeof(r->alloc), "%s", baseline ? "" : k->backend);
	snprintf(r->workload, sizeof(r->workload), "%s", k->workload);
	snprintf(r->kind, sizeof(r->kind), "%s", baseline ? "baseline" : "backend");
	snprintf(r->track, sizeof(r->track), "%s", k->track);
	pb_record_name(r->name, sizeof(r->name), k->workload, r->alloc, k->params, k->track);
	if (fill_params(r, k->params))
		return km_err(L, k->line, "params=%s: not a list of key=value", k->params);
	r->repetitions = src->reps;
	r->threads = k->track[0] ? 2 : 1;
	r->ops = src->ops * (uint64_t)div;
	r->ops_measured = r->ops * r->repetitions;
	r->nbatch = src->reps * src->nb;
	r->rep_cycles = calloc(src->reps, sizeof(double));
	r->batch_cycles = calloc(r->nbatch, sizeof(double));
	if (!r->rep_cycles || !r->batch_cycles)
		return km_err(L, k->line, "out of memory");
	for (unsigned rep = 0; rep < src->reps; rep++) {
		uint64_t sum = 0;

		for (unsigned b = 0; b < src->nb; b++) {
			uint64_t cy = src->cycles[rep * src->nb + b];

			sum += cy;
			r->batch_cycles[rep * src->nb + b] = (double)cy / (double)src->bops[b] / div;
		}
		r->rep_cycles[rep] = (double)sum / (double)src->ops / div;
	}
	/* The real kernel allocators are not instrumented: page_pool reports pages, not calls. */
	if (!strncmp(r->alloc, "k_", 2) && strcmp(r->alloc, "k_alloc_pages") &&
	    !src->stats.pa_alloc_calls && !src->stats.pa_free_calls)
		c.pa_calls_counted = false;
	if (!c.atomics_counted) {
		snprintf(r->warning, sizeof(r->warning),
			 "atomics not counted: real kernel code is not instrumented");
		*uncounted = true;
	}
	if (pb_record_finish(r, job, &c, &ferr))
		return km_err(L, k->line, "%s", ferr.msg);
	if (src->has_fig)
		apply_fig(src, r);
	return 0;
}

int pb_kmod_log_results(const struct pb_kmod_log *L, const char *accel, struct pb_result_set *set,
			struct pb_err *err)
{
	struct pb_kmod_log *W = (struct pb_kmod_log *)L;	/* only its error sink changes */
	struct pb_job_context job;
	struct pb_result *r;
	unsigned *first_run = NULL;	/* [n]: the block each kept record came from */
	size_t n = 0;
	int rc = -1;

	memset(set, 0, sizeof(*set));
	W->err = err;
	fill_machine(L, &set->machine);
	fill_job(L, accel, &job);
	if (!(job.tsc_hz > 0))
		return km_err(L, 0, "no 'PBK ctx' line with tsc_khz=: cannot turn cycles into time");
	if (pb_result_set_add_job(set, &job, err))
		return -1;
	r = calloc(L->nrecs ? L->nrecs : 1, sizeof(*r));
	first_run = calloc(L->nrecs ? L->nrecs : 1, sizeof(*first_run));
	if (!r || !first_run) {
		km_err(L, 0, "out of memory");
		goto fail;
	}
	W->uncounted = false;
	for (size_t i = 0; i < L->nrecs; i++) {
		bool repeat = false;

		if (fill_result(L, &L->recs[i], &job, &r[n], &W->uncounted)) {
			n++;
			goto fail_recs;
		}
		for (size_t j = 0; j < n; j++) {
			if (strcmp(r[j].name, r[n].name))
				continue;
			/*
			 * Every load runs call-pair (pbk_shared_baselines): a guest that loads the
			 * module several times measures its baselines again in each. They are one
			 * job's baselines: the first load's stand for the table (docs/kmod.md).
			 * Any other repeated name is a broken log.
			 */
			if (!strcmp(r[n].kind, "baseline") && L->recs[i].run != first_run[j]) {
				repeat = true;
				break;
			}
			km_err(L, L->recs[i].line, "a second record named %s", r[j].name);
			n++;
			goto fail_recs;
		}
		if (repeat) {
			pb_result_release(&r[n]);
			memset(&r[n], 0, sizeof(r[n]));
			continue;
		}
		first_run[n++] = L->recs[i].run;
	}
	pb_set_ratios(r, n, false);
	if (pb_result_set_add(set, r, n, err))
		goto fail_recs;
	free(r);
	free(first_run);
	return 0;
fail_recs:
	pb_results_free(r, n);
	r = NULL;
fail:
	free(r);
	free(first_run);
	pb_result_set_free(set);
	return rc;
}

unsigned pb_kmod_log_failures(const struct pb_kmod_log *L, const char **first)
{
	*first = L->first_failure;
	return L->failures;
}

uint64_t pb_kmod_log_reported(const struct pb_kmod_log *L, unsigned *line)
{
	*line = L->reported_line;
	return L->reported;
}

bool pb_kmod_log_uncounted(const struct pb_kmod_log *L)
{
	return L->uncounted;
}

void pb_kmod_log_free(struct pb_kmod_log *L)
{
	if (!L)
		return;
	for (size_t i = 0; i < L->nrecs; i++)
		free(L->recs[i].cycles);
	free(L->recs);
	free(L);
}

int pb_kmod_log_parse(const char *path, struct pb_kmod_log **out, struct pb_err *err)
{
	struct pb_kmod_log *L = calloc(1, sizeof(*L));

	*out = NULL;
	if (!L)
		return pb_err_set(err, "%s: out of memory", path);
	L->err = err;
	if (strlen(path) >= sizeof(L->path)) {
		free(L);
		return pb_err_set(err, "%.200s...: path too long", path);
	}
	strcpy(L->path, path);
	if (parse_log(L)) {
		pb_kmod_log_free(L);
		return -1;
	}
	*out = L;
	return 0;
}
