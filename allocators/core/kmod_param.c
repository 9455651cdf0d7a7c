// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parameters of pagebench_kmod, parsed and checked once for both worlds: compiled into
 * the module (kmod/shared-src.mk, through kmod/libc/) and into libpagebench, so `pagebench
 * kmod run --set` refuses exactly what the module would, in the same words.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dma.h"
#include "kmod_param.h"
#include "platform.h"

#define KP_SIGNED_ulong false
#define KP_SIGNED_uint false
#define KP_SIGNED_int true
#define KP_BITS_ulong 64	/* the module is built for x86-64 only (kmod/Kbuild) */
#define KP_BITS_uint 32
#define KP_BITS_int 32
#define KP_UNPAREN(...) __VA_ARGS__
#define KP_STR_(x) #x
#define KP_STR(x) KP_STR_(x)

/* The word lists first: a compound literal in a static table would not be constant. */
#define PBK_NUM(n, type, lo, hi, def, pow2, desc)
#define PBK_LIST(n, def, lo, hi, maxn, desc)
#define PBK_WORDS(n, def, words, desc) static const char *const n##_words[] = { KP_UNPAREN words, NULL };
#define PBK_DMA(n, def, desc)
#define PBK_NAMES(n, def, desc)
#include "kmod_param_def.h"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES

const struct pb_kparam pb_kparams[PB_KPI_COUNT + 1] = {
#define PBK_NUM(n, type, l, h, d, p2, desc) \
	[PB_KPI_##n] = { .name = #n, .kind = PB_KP_NUM, .is_signed = KP_SIGNED_##type, \
			 .bits = KP_BITS_##type, .lo = l, .hi = h, .pow2 = p2, .def = KP_STR(d) },
#define PBK_LIST(n, d, l, h, mx, desc) \
	[PB_KPI_##n] = { .name = #n, .kind = PB_KP_LIST, .lo = l, .hi = h, .maxn = mx, .def = d },
#define PBK_WORDS(n, d, w, desc) [PB_KPI_##n] = { .name = #n, .kind = PB_KP_WORDS, .words = n##_words, .def = d },
#define PBK_DMA(n, d, desc) [PB_KPI_##n] = { .name = #n, .kind = PB_KP_DMA, .def = d },
#define PBK_NAMES(n, d, desc) [PB_KPI_##n] = { .name = #n, .kind = PB_KP_NAMES, .def = d },
#include "kmod_param_def.h"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES
	[PB_KPI_COUNT] = { .name = NULL },
};

const struct pb_kparam *pb_kparam_find(const char *name, size_t len)
{
	for (const struct pb_kparam *k = pb_kparams; k->name; k++)
		if (strlen(k->name) == len && !strncmp(k->name, name, len))
			return k;
	return NULL;
}

void pb_kparam_nums_default(struct pb_kparam_nums *v)
{
	memset(v, 0, sizeof(*v));
	/* The table's defaults are literals the .def also gives module_param: they parse. */
	for (unsigned i = 0; i < PB_KPI_COUNT; i++)
		if (pb_kparams[i].kind == PB_KP_NUM &&
		    pb_kparam_num_parse(&pb_kparams[i], pb_kparams[i].def, &v->v[i], NULL))
			PB_BUG_ON(1, "a numeric default of kmod/pbk_params.def does not parse");
}

/*
 * kstrtoull/kstrtoll(s, 0) then the type's width, as param_set_ulong/uint/int do
 * (lib/kstrtox.c, kernel/params.c): a '+' or (signed) '-' sign, then 0x.. hex, 0.. octal
 * or decimal, and nothing after (the kernel also takes one trailing newline, which a
 * parameter given on a command line cannot carry, so neither do we).
 */
int pb_kparam_num_parse(const struct pb_kparam *k, const char *s, uint64_t *raw, struct pb_err *err)
{
	const char *p = s;
	bool neg = false;
	unsigned long long x;
	char *end;

	if (*p == '+' || (*p == '-' && k->is_signed)) {
		neg = *p == '-';
		p++;
	}
	if (*p < '0' || *p > '9')
		goto invalid;
	errno = 0;
	x = strtoull(p, &end, 0);
	if (errno || *end)
		goto invalid;
	if (k->is_signed) {
		/* bits is 32 for every signed type here (int) */
		if (neg ? x > (unsigned long long)INT_MAX + 1 : x > (unsigned long long)INT_MAX)
			goto invalid;
		*raw = neg ? (uint64_t)-(long long)x : (uint64_t)x;
	} else {
		if (k->bits == 32 && x > UINT_MAX)
			goto invalid;
		*raw = x;
	}
	return 0;
invalid:
	/* The kernel's own words for what module_param cannot parse (parse_args). */
	return pb_err_set(err, "%s=%s: invalid for parameter `%s' (not a number)", k->name, s, k->name);
}

int pb_kparam_num_check(const struct pb_kparam *k, uint64_t raw, struct pb_err *err)
{
	bool bad;

	/* Each in its own signedness, so a huge ulong is not read as a negative number. */
	if (k->is_signed) {
		long long v = (long long)raw;

		bad = v < k->lo || v > k->hi || (k->pow2 && (v <= 0 || (v & (v - 1))));
	} else {
		bad = raw < (uint64_t)k->lo || raw > (uint64_t)k->hi ||
		      (k->pow2 && (raw & (raw - 1)));
	}
	if (!bad)
		return 0;
	if (k->is_signed)
		return pb_err_set(err, "%s=%lld: must be %s%lld..%lld", k->name, (long long)raw,
				  k->pow2 ? "a power of two in " : "", k->lo, k->hi);
	return pb_err_set(err, "%s=%llu: must be %s%lld..%lld", k->name, (unsigned long long)raw,
			  k->pow2 ? "a power of two in " : "", k->lo, k->hi);
}

int pb_kparam_list_parse(const struct pb_kparam *k, const char *value, unsigned *out, unsigned *n,
			 struct pb_err *err)
{
	const char *p = value;

	*n = 0;
	if (!*p)
		return pb_err_set(err, "%s=%s: empty list", k->name, value);
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned long long x = 0;
		size_t i;

		if (*n == k->maxn || *n == PB_KPARAM_MAX_LIST)
			return pb_err_set(err, "%s=%s: more than %u values", k->name, value, *n);
		if (!len || len > 10)	/* 10 digits hold every uint */
			return pb_err_set(err, "%s=%s: empty or overlong value", k->name, value);
		/* Decimal digits only: "8" is bulk=8, and "010" is ten, not octal eight. */
		for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			x = x * 10 + (unsigned)(p[i] - '0');
		if (i < len || x < (unsigned long long)k->lo || x > (unsigned long long)k->hi)
			return pb_err_set(err, "%s=%s: '%.*s' must be %lld..%lld", k->name, value,
					  (int)len, p, k->lo, k->hi);
		out[(*n)++] = (unsigned)x;
		p += len;
		if (!*p)
			return 0;
		p++;	/* a trailing ',' is an empty last value */
	}
}

/* The reason @s[len] (a .def symbol, '-' read as '_') is userspace only, or NULL. */
static const char *user_only_why(const struct pb_kparam_user_only *u, const char *s, size_t len)
{
	for (; u && u->sym; u++) {
		size_t i;

		if (strlen(u->sym) != len)
			continue;
		for (i = 0; i < len && (s[i] == '-' ? '_' : s[i]) == u->sym[i]; i++)
			;
		if (i == len)
			return u->why;
	}
	return NULL;
}

int pb_kparam_name_index(const char *const *names, const char *s, size_t len)
{
	for (int i = 0; names[i] && i < 64; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len))
			return i;
	return -1;
}

int pb_kparam_names_parse(const char *param, const char *value, const char *const *names,
			  uint64_t all, const char *alias, uint64_t alias_mask,
			  const struct pb_kparam_user_only *user, uint64_t *out, struct pb_err *err)
{
	const char *p = value;

	*out = 0;
	if (all && !strcmp(value, "all")) {
		*out = all;
		return 0;
	}
	if (!*p)
		return pb_err_set(err, "%s=%s: empty list", param, value);
	for (;;) {
		size_t len = strcspn(p, ",");
		int i = pb_kparam_name_index(names, p, len);
		const char *why;

		if (!len)
			return pb_err_set(err, "%s=%s: empty name in the list", param, value);
		if (alias && strlen(alias) == len && !strncmp(alias, p, len)) {
			*out |= alias_mask;
		} else if (i >= 0) {
			*out |= (uint64_t)1 << i;
		} else if ((why = user_only_why(user, p, len))) {
			return pb_err_set(err, "%s=%s: '%.*s' is userspace only: %s", param, value,
					  (int)len, p, why);
		} else {
			return pb_err_set(err, "%s=%s: unknown name '%.*s'", param, value, (int)len, p);
		}
		p += len;
		if (!*p)
			break;
		p++;
	}
	/* An alias that selects nothing on this build (no baselines built in) selects nothing. */
	if (!*out)
		return pb_err_set(err, "%s=%s: selects nothing", param, value);
	return 0;
}

int pb_kparam_words_parse(const struct pb_kparam *k, const char *value, uint64_t *out,
			  struct pb_err *err)
{
	return pb_kparam_names_parse(k->name, value, k->words, 0, NULL, 0, NULL, out, err);
}

int pb_kparam_nums_check(const struct pb_kparam_nums *v, struct pb_err *err)
{
	uint64_t loops = v->v[PB_KPI_loops], batches = v->v[PB_KPI_batches];
	uint64_t inflight = v->v[PB_KPI_inflight], pool_size = v->v[PB_KPI_pool_size];
	uint64_t outstanding = v->v[PB_KPI_outstanding], mem = v->v[PB_KPI_mem];
	uint64_t pages_per_mb = (1u << 20) >> PB_PAGE_SHIFT;

	for (unsigned i = 0; i < PB_KPI_COUNT; i++)
		if (pb_kparams[i].kind == PB_KP_NUM && pb_kparam_num_check(&pb_kparams[i], v->v[i], err))
			return -1;
	/* A batch runs in one softirq: keep it well inside the soft-lockup watchdog's 20 s. */
	if (loops / batches > PB_KPARAM_MAX_BATCH_OPS)
		return pb_err_set(err, "loops=%llu: more than %u operations per batch with batches=%llu (raise batches=)",
				  (unsigned long long)loops, PB_KPARAM_MAX_BATCH_OPS,
				  (unsigned long long)batches);
	if (inflight > pool_size)
		return pb_err_set(err, "inflight=%llu: must be at most pool_size=%llu (the pages go back through the ring)",
				  (unsigned long long)inflight, (unsigned long long)pool_size);
	/* The outstanding workload holds n pages of each arena and needs as many again free. */
	if (outstanding * 2 > mem * pages_per_mb)
		return pb_err_set(err, "outstanding=%llu: needs mem= of at least %llu MiB",
				  (unsigned long long)outstanding,
				  (unsigned long long)((outstanding * 2 + pages_per_mb - 1) / pages_per_mb));
	return 0;
}

int pb_kparam_set(struct pb_kparam_nums *v, const char *kv, struct pb_err *err)
{
	const char *eq = strchr(kv, '='), *val;
	const struct pb_kparam *k;
	unsigned list[PB_KPARAM_MAX_LIST], n;
	uint64_t mask, raw;

	/* A space would split the value into two insmod arguments. */
	if (!eq || eq == kv || strpbrk(kv, " \t\n"))
		return pb_err_set(err, "%s: expected key=value", kv);
	val = eq + 1;
	k = pb_kparam_find(kv, (size_t)(eq - kv));
	if (!k) {
		char names[400];
		size_t off = 0;

		names[0] = '\0';
		for (const struct pb_kparam *o = pb_kparams; o->name && off < sizeof(names); o++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						o == pb_kparams ? "" : " ", o->name);
		return pb_err_set(err, "%.*s: not a parameter of the module (its parameters: %s)",
				  (int)(eq - kv), kv, names);
	}
	if (!*val)
		return pb_err_set(err, "%s=: empty value", k->name);
	switch (k->kind) {
	case PB_KP_NUM:
		if (pb_kparam_num_parse(k, val, &raw, err) || pb_kparam_num_check(k, raw, err))
			return -1;
		v->v[k - pb_kparams] = raw;
		return 0;
	case PB_KP_LIST:
		return pb_kparam_list_parse(k, val, list, &n, err);
	case PB_KP_WORDS:
		return pb_kparam_words_parse(k, val, &mask, err);
	case PB_KP_DMA:
		return pb_dma_check(val, err);
	case PB_KP_NAMES:
		/* The syntax only: which names exist is the built module's to say. */
		for (const char *p = val; ; p++) {
			size_t len = strcspn(p, ",");

			if (!len)
				return pb_err_set(err, "%s=%s: empty name in the list", k->name, val);
			p += len;
			if (!*p)
				return 0;
		}
	}
	return pb_err_set(err, "%s: a parameter of unknown kind", k->name);
}
