// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameters. Every one is checked before anything runs, and a bad value fails the
 * load with one line naming the parameter, the value and what is allowed: a benchmark that
 * silently ran something else than asked would be worse than none.
 */
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/string.h>
#include "dma.h"
#include "kernel_cap.h"
#include "pbk.h"
#include "workload.h"

/* The parameters as variables, from the table `pagebench kmod run` checks with too. */
#define PBK_CTYPE_ulong unsigned long
#define PBK_CTYPE_uint unsigned int
#define PBK_CTYPE_int int
#define PBK_UNPAREN(...) __VA_ARGS__
#define PBK_NUM(n, type, lo, hi, def, pow2, desc) \
	static PBK_CTYPE_##type n = def; \
	module_param(n, type, 0444); \
	MODULE_PARM_DESC(n, desc " (" #lo ".." #hi ")");
#define PBK_CHARP(n, def, desc) \
	static char *n = def; \
	module_param(n, charp, 0444); \
	MODULE_PARM_DESC(n, desc);
#define PBK_LIST(n, def, lo, hi, maxn, desc) \
	PBK_CHARP(n, def, desc " (" #lo ".." #hi ")") \
	enum { PBK_LO_##n = lo, PBK_HI_##n = hi, PBK_MAXN_##n = maxn };
#define PBK_WORDS(n, def, words, desc) \
	PBK_CHARP(n, def, desc) \
	static const char *const n##_names[] = { PBK_UNPAREN words, NULL };
#define PBK_DMA(n, def, desc) PBK_CHARP(n, def, desc)
#define PBK_NAMES(n, def, desc) PBK_CHARP(n, def, desc)
#include "pbk_params.def"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES

struct pbk_cfg pbk_cfg;

/*
 * The userspace-only lines of the .def files, so that naming one says why it is not here
 * instead of "unknown". Workload symbols are their names with '-' spelled '_'.
 */
struct user_only {
	const char *sym, *why;
};
#define PBK_UO_KERNEL_ALL(sym, why)
#define PBK_UO_KERNEL(sym, why)
#define PBK_UO_USER(sym, why) { sym, why },
static const struct user_only user_only_backends[] = {
#define PB_BACKEND(sym, src, kernel, why) PBK_UO_##kernel(#sym, why)
#include "backends.def"
#undef PB_BACKEND
	{ NULL },
};
static const struct user_only user_only_workloads[] = {
#define PB_WORKLOAD(sym, src, kernel, why) PBK_UO_##kernel(#sym, why)
#include "workloads.def"
#undef PB_WORKLOAD
	{ NULL },
};

/*
 * The names backends= and workloads= take, filled at setup from the kernel's own backends,
 * the registry (backends.def's kernel lines) and pbk_workloads (workloads.def's), so no
 * name is written twice. Bit i of the masks in pbk_cfg is entry i.
 */
#define PBK_MAX_NAMES BITS_PER_LONG
static const char *backend_names[PBK_MAX_NAMES + 1];
static const char *workload_names[PBK_MAX_NAMES + 1];
static unsigned long backends_all;	/* the k_* ones and the KERNEL_ALL lines */
static unsigned long baselines_mask;	/* what workloads=baselines selects */

static int setup_names(void)
{
	unsigned n = 0;

	for (const char *const *k = pbk_kernel_backends; *k; k++)
		backend_names[n++] = *k;
	backends_all = (1UL << n) - 1;
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		if (n == PBK_MAX_NAMES) {
			pr_err(PBK_NAME ": more than %d backends built in\n", PBK_MAX_NAMES);
			return -EINVAL;
		}
		if (pb_alloc_kernel_cap(*o)->kernel_default)
			backends_all |= 1UL << n;
		backend_names[n++] = (*o)->name;
	}
	backend_names[n] = NULL;
	n = 0;
	baselines_mask = 0;
	for (const struct pb_workload *const *w = pbk_workloads; *w; w++) {
		if (n == PBK_MAX_NAMES) {
			pr_err(PBK_NAME ": more than %d workloads built in\n", PBK_MAX_NAMES);
			return -EINVAL;
		}
		if ((*w)->baseline)
			baselines_mask |= 1UL << n;
		workload_names[n++] = (*w)->name;
	}
	workload_names[n] = NULL;
	return 0;
}

/* The reason @s[len] (a .def symbol, '-' read as '_') is userspace only, or NULL. */
static const char *user_only_why(const struct user_only *u, const char *s, size_t len)
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

/* The failure every check reports: the parameter, its value, what it must be. */
#define bad(name, fmt, ...) \
	({ pr_err(PBK_NAME ": " name "=" fmt "\n", ##__VA_ARGS__); -EINVAL; })

static int index_of(const char *const *names, const char *s, size_t len)
{
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len))
			return i;
	return -1;
}

/*
 * "a,b,c" of words from @names (or "all" = @all; @alias, when not NULL, = @alias_mask) into
 * a bit mask; -EINVAL naming @param, and why when the word is one of @user's.
 */
static int parse_names(const char *param, const char *value, const char *const *names,
		       unsigned long all, const char *alias, unsigned long alias_mask,
		       const struct user_only *user, unsigned long *out)
{
	const char *p = value;

	*out = 0;
	if (!strcmp(value, "all")) {
		*out = all;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int i = index_of(names, p, len);
		const char *why = user_only_why(user, p, len);

		if (alias && strlen(alias) == len && !strncmp(alias, p, len)) {
			*out |= alias_mask;
		} else if (i >= 0) {
			*out |= 1UL << i;
		} else if (why) {
			pr_err(PBK_NAME ": %s=%s: '%.*s' is userspace only: %s\n", param, value,
			       (int)len, p, why);
			return -EINVAL;
		} else {
			pr_err(PBK_NAME ": %s=%s: unknown name '%.*s'\n", param, value, (int)len, p);
			return -EINVAL;
		}
		p += len;
		if (*p)
			p++;
	}
	if (!*out) {
		pr_err(PBK_NAME ": %s=%s: empty list\n", param, value);
		return -EINVAL;
	}
	return 0;
}

/* "1,8,32" into @out (at most @maxn values in [lo, hi]); -EINVAL naming @param. */
static int parse_uints(const char *param, const char *value, unsigned lo, unsigned hi,
		       unsigned maxn, unsigned *out, unsigned *n)
{
	const char *p = value;
	char word[16];

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned v;

		if (*n == maxn) {
			pr_err(PBK_NAME ": %s=%s: more than %u values\n", param, value, maxn);
			return -EINVAL;
		}
		if (!len || len >= sizeof(word)) {
			pr_err(PBK_NAME ": %s=%s: empty or overlong value\n", param, value);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (kstrtouint(word, 10, &v) || v < lo || v > hi) {
			pr_err(PBK_NAME ": %s=%s: '%s' must be %u..%u\n", param, value, word, lo, hi);
			return -EINVAL;
		}
		out[(*n)++] = v;
		p += len;
		if (*p)
			p++;
	}
	if (!*n) {
		pr_err(PBK_NAME ": %s=%s: empty list\n", param, value);
		return -EINVAL;
	}
	return 0;
}

static int setup_cpus(struct pbk_cfg *c)
{
	if (cpu == -1)
		cpu = cpumask_first(cpu_online_mask);
	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return bad("cpu", "%d: not an online CPU (%u online)", cpu, num_online_cpus());
	c->cpu = cpu;
	if (cpu2 == -1) {
		int next = cpumask_next(cpu, cpu_online_mask);

		if (next >= nr_cpu_ids)
			next = cpumask_first(cpu_online_mask);
		c->cpu2 = next == cpu ? -1 : next;
		return 0;
	}
	if (cpu2 < 0 || cpu2 >= nr_cpu_ids || !cpu_online(cpu2) || cpu2 == cpu) {
		pr_err(PBK_NAME ": cpu2=%d: must be an online CPU other than cpu=%d\n", cpu2, cpu);
		return -EINVAL;
	}
	c->cpu2 = cpu2;
	return 0;
}

int pbk_param_setup(void)
{
	struct pbk_cfg *c = &pbk_cfg;
	unsigned long m, f;
	int ret;

	memset(c, 0, sizeof(*c));
	/* The literals of pbk_params.def that stand for kernel constants. */
	BUILD_BUG_ON(PBK_MAX_BATCHES != 50);
	BUILD_BUG_ON(PAGE_SIZE != 4096);
	BUILD_BUG_ON(PBK_MAXN_bulk > PBK_MAX_LIST || PBK_MAXN_orders > PBK_MAX_LIST);
	BUILD_BUG_ON(PBK_HI_orders > MAX_ORDER - 1);
	/* Each number against its range in the table, with the message userspace gives too. */
#define PBK_NUM(n, type, lo, hi, def, pow2, desc) \
	if ((long long)n < (lo) || (long long)n > (hi) || ((pow2) && (n & (n - 1)))) \
		return bad(#n, "%lld: must be %s%lld..%lld", (long long)n, \
			   (pow2) ? "a power of two in " : "", (long long)(lo), (long long)(hi));
#define PBK_LIST(n, def, lo, hi, maxn, desc)
#define PBK_WORDS(n, def, words, desc)
#define PBK_DMA(n, def, desc)
#define PBK_NAMES(n, def, desc)
#include "pbk_params.def"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES
	/* A batch runs in one softirq: keep it well inside the soft-lockup watchdog's 20 s. */
	if (loops / batches > PBK_MAX_BATCH_OPS)
		return bad("loops", "%lu: more than %u operations per batch with batches=%u (raise batches=)",
			   loops, PBK_MAX_BATCH_OPS, batches);
	if (inflight > pool_size)
		return bad("inflight", "%u: must be at most pool_size=%u (the pages go back through the ring)",
			   inflight, pool_size);
	if ((u64)outstanding * 2 > (u64)mem << (20 - PAGE_SHIFT))
		return bad("outstanding", "%u: needs mem= of at least %u MiB", outstanding,
			   DIV_ROUND_UP(outstanding * 2, 256));
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY)))
		return bad("node", "%d: must be -1 or a NUMA node with memory (%d such nodes)", node,
			   num_node_state(N_MEMORY));
	{
		/* The shared parser, so the module takes exactly what `--set dma=` takes. */
		struct pb_err derr;

		if (pb_dma_check(dma, &derr)) {
			pr_err(PBK_NAME ": %s\n", derr.msg);	/* it names dma= and the value */
			return -EINVAL;
		}
	}
	ret = setup_names();
	if (!ret)
		ret = parse_uints("bulk", bulk, PBK_LO_bulk, PBK_HI_bulk, PBK_MAXN_bulk, c->bulk,
				  &c->nbulk);
	if (!ret)
		ret = parse_uints("orders", orders, PBK_LO_orders, PBK_HI_orders, PBK_MAXN_orders,
				  c->orders, &c->norders);
	if (!ret)
		ret = parse_names("mode", mode, mode_names, 0, NULL, 0, NULL, &m);
	if (!ret)
		ret = parse_names("backends", backends, backend_names, backends_all, NULL, 0,
				  user_only_backends, &c->backends);
	if (!ret)
		ret = parse_names("workloads", workloads, workload_names, ~0UL, "baselines",
				  baselines_mask, user_only_workloads, &c->workloads);
	if (!ret)
		ret = parse_names("fault", fault, fault_names, 0, NULL, 0, NULL, &f);
	if (!ret)
		ret = setup_cpus(c);
	if (ret)
		return ret;
	c->modes = (unsigned)m;
	c->fault = f & 4 ? PBK_FAULT_BUG : f & 2 ? PBK_FAULT_WARN : PBK_FAULT_NONE;
	c->loops = loops;
	c->reps = reps;
	c->batches = batches;
	c->node = node;
	c->outstanding = outstanding;
	c->pool_size = pool_size;
	c->frag_size = frag_size;
	c->handoff = handoff;
	c->mem_mb = mem;
	c->inflight = inflight;
	snprintf(c->dma, sizeof(c->dma), "%s", dma);
	snprintf(c->echo, sizeof(c->echo),
		 "loops=%lu reps=%u batches=%u cpu=%d cpu2=%d node=%d outstanding=%u bulk=%s orders=%s pool_size=%u frag_size=%u handoff=%u mem=%u inflight=%u dma=%s mode=%s backends=%s workloads=%s",
		 loops, reps, batches, cpu, c->cpu2, node, outstanding, bulk, orders, pool_size,
		 frag_size, handoff, mem, inflight, dma, mode, backends, workloads);
	return 0;
}

bool pbk_want_backend(const char *name)
{
	int i = index_of(backend_names, name, strlen(name));

	return i >= 0 && (pbk_cfg.backends & (1UL << i));
}

bool pbk_want_workload(const char *name)
{
	int i = index_of(workload_names, name, strlen(name));

	return i >= 0 && (pbk_cfg.workloads & (1UL << i));
}
