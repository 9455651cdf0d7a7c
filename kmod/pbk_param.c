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

static unsigned long loops = 100000;
module_param(loops, ulong, 0444);
MODULE_PARM_DESC(loops, "operations per repetition of each record (1..100000000)");
static unsigned int reps = 9;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "measured repetitions per record, after one warm-up (1..1000)");
static unsigned int batches = 10;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "timed batches per repetition (1..50)");
static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "CPU of the single-CPU workloads and the allocating side of cross-cpu (-1: first online)");
static int cpu2 = -1;
module_param(cpu2, int, 0444);
MODULE_PARM_DESC(cpu2, "freeing CPU of cross-cpu (-1: the next online CPU)");
static int node = NUMA_NO_NODE;
module_param(node, int, 0444);
MODULE_PARM_DESC(node, "NUMA node to allocate from (-1: the local node)");
static unsigned int outstanding = 1024;
module_param(outstanding, uint, 0444);
MODULE_PARM_DESC(outstanding, "pages held by the outstanding workload (1..8192)");
static char *bulk = "1,8,32,128";
module_param(bulk, charp, 0444);
MODULE_PARM_DESC(bulk, "bulk sizes, comma-separated (each 1..128)");
static char *orders = "0,3";
module_param(orders, charp, 0444);
MODULE_PARM_DESC(orders, "alloc_pages orders of alloc-free, comma-separated (each 0..10)");
static unsigned int pool_size = 1024;
module_param(pool_size, uint, 0444);
MODULE_PARM_DESC(pool_size, "page_pool pool_size, ptr_ring and ptr_ring_pool ring entries (16..65536)");
static unsigned int frag_size = 2048;
module_param(frag_size, uint, 0444);
MODULE_PARM_DESC(frag_size, "page_frag_alloc fragment bytes (1..4096)");
static unsigned int handoff = 256;
module_param(handoff, uint, 0444);
MODULE_PARM_DESC(handoff, "cross-cpu ring entries (power of two, 2..65536)");
static unsigned int mem = 16;
module_param(mem, uint, 0444);
MODULE_PARM_DESC(mem, "MiB of arena for each shared backend instance (4..1024)");
static unsigned int inflight = 512;
module_param(inflight, uint, 0444);
MODULE_PARM_DESC(inflight, "pages held across page_pool_destroy by mode=inflight (1..4096)");
static char *mode = "bench";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what to run, comma-separated: bench, inflight, numa");
static char *backends = "all";
module_param(backends, charp, 0444);
MODULE_PARM_DESC(backends, "backends, comma-separated, or all (the k_* ones and backends.def's KERNEL_ALL lines; the KERNEL lines when named)");
static char *dma = "none";
module_param(dma, charp, 0444);
MODULE_PARM_DESC(dma, "DMA model of the shared backends: none, pt, iommu or fixed:NNN (ns per map+unmap)");
static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "for testing the qemu runner: warn or bug misbehaves on purpose (none)");
static char *workloads = "all";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads, "workloads, comma-separated, or all (workloads.def's KERNEL lines; baselines: every baseline)");

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

static const char *const mode_names[] = { "bench", "inflight", "numa", NULL };
static const char *const fault_names[] = { "none", "warn", "bug", NULL };

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

/* "1,8,32" into @out (at most PBK_MAX_LIST values in [lo, hi]); -EINVAL naming @param. */
static int parse_uints(const char *param, const char *value, unsigned lo, unsigned hi,
		       unsigned *out, unsigned *n)
{
	const char *p = value;
	char word[16];

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned v;

		if (*n == PBK_MAX_LIST) {
			pr_err(PBK_NAME ": %s=%s: more than %d values\n", param, value, PBK_MAX_LIST);
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
	if (loops < 1 || loops > 100000000)
		return bad("loops", "%lu: must be 1..100000000", loops);
	if (reps < 1 || reps > 1000)
		return bad("reps", "%u: must be 1..1000", reps);
	if (batches < 1 || batches > PBK_MAX_BATCHES)
		return bad("batches", "%u: must be 1..%d", batches, PBK_MAX_BATCHES);
	/* A batch runs in one softirq: keep it well inside the soft-lockup watchdog's 20 s. */
	if (loops / batches > PBK_MAX_BATCH_OPS)
		return bad("loops", "%lu: more than %u operations per batch with batches=%u (raise batches=)",
			   loops, PBK_MAX_BATCH_OPS, batches);
	if (outstanding < 1 || outstanding > 8192)
		return bad("outstanding", "%u: must be 1..8192", outstanding);
	if (pool_size < 16 || pool_size > 65536)
		return bad("pool_size", "%u: must be 16..65536", pool_size);
	if (frag_size < 1 || frag_size > PAGE_SIZE)
		return bad("frag_size", "%u: must be 1..%lu", frag_size, PAGE_SIZE);
	if (handoff < 2 || handoff > 65536 || !is_power_of_2(handoff))
		return bad("handoff", "%u: must be a power of two in 2..65536", handoff);
	if (mem < 4 || mem > 1024)
		return bad("mem", "%u: must be 4..1024 (MiB)", mem);
	if (inflight < 1 || inflight > 4096)
		return bad("inflight", "%u: must be 1..4096", inflight);
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
		ret = parse_uints("bulk", bulk, 1, 128, c->bulk, &c->nbulk);
	if (!ret)
		ret = parse_uints("orders", orders, 0, MAX_ORDER - 1, c->orders, &c->norders);
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
