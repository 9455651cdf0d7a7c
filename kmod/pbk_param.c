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
#include "allocator.h"
#include "dma.h"
#include "kernel_cap.h"
#include "kmod_param.h"
#include "pbk.h"
#include "pbk_compat.h"
#include "pbk_replay.h"
#include "touch.h"
#include "workload.h"

/*
 * The parameters as variables, from the table `pagebench kmod run` checks with too; every
 * check below that does not need this kernel is allocators/core/kmod_param.c, shared.
 */
#define PBK_CTYPE_ulong unsigned long
#define PBK_CTYPE_uint unsigned int
#define PBK_CTYPE_int int
#define PBK_NUM(n, type, lo, hi, def, pow2, desc) \
	static PBK_CTYPE_##type n = def; \
	module_param(n, type, 0444); \
	MODULE_PARM_DESC(n, desc " (" #lo ".." #hi ")");
#define PBK_CHARP(n, def, desc) \
	static char *n = def; \
	module_param(n, charp, 0444); \
	MODULE_PARM_DESC(n, desc);
#define PBK_LIST(n, def, lo, hi, maxn, desc) PBK_CHARP(n, def, desc " (" #lo ".." #hi ")")
#define PBK_WORDS(n, def, words, desc) PBK_CHARP(n, def, desc)
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
#define PBK_UO_KERNEL_ALL(sym, why)
#define PBK_UO_KERNEL(sym, why)
#define PBK_UO_USER(sym, why) { sym, why },
static const struct pb_kparam_user_only user_only_backends[] = {
#define PB_BACKEND(sym, src, kernel, why) PBK_UO_##kernel(#sym, why)
#include "backends.def"
#undef PB_BACKEND
	{ NULL },
};
static const struct pb_kparam_user_only user_only_workloads[] = {
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

/* The failure every kernel-side check reports: the parameter, its value, what it must be. */
#define bad(name, fmt, ...) \
	({ pr_err(PBK_NAME ": " name "=" fmt "\n", ##__VA_ARGS__); -EINVAL; })

/* A refusal of the shared checks: their one line, which names the parameter. */
static int refused(const struct pb_err *err)
{
	pr_err(PBK_NAME ": %s\n", err->msg);
	return -EINVAL;
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

/*
 * len= and variant= feed keys the shared sources define themselves: the workloads' len=
 * (allocator.h's PB_TRAFFIC_LEN_PARAM) and halfpage's variant=. The module's table must
 * take exactly what they take, or `kmod run --set` (which checks against the table) would
 * pass a value the shared check then refuses at create, or refuse one userspace runs.
 */
static int check_shared_keys(void)
{
	const struct pb_param_spec fixed = PB_TRAFFIC_LEN_PARAM;
	const struct pb_kparam *k = &pb_kparams[PB_KPI_len];
	char choices[64];
	size_t off = 0;

	if ((uint64_t)k->lo != fixed.min || (uint64_t)k->hi != fixed.max || strcmp(k->def, fixed.def)) {
		pr_err(PBK_NAME ": pbk_params.def: len= %lld..%lld default %s, the workloads' len= is %llu..%llu default %s\n",
		       k->lo, k->hi, k->def, (unsigned long long)fixed.min, (unsigned long long)fixed.max,
		       fixed.def);
		return -EINVAL;
	}
	choices[0] = '\0';
	for (const char *const *w = pb_kparams[PB_KPI_variant].words; *w; w++)
		off += scnprintf(choices + off, sizeof(choices) - off, "%s%s", off ? "|" : "", *w);
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		const struct pb_param_spec *sp = pb_param_find((*o)->params, "variant");

		if (sp && (sp->type != PB_PARAM_ENUM || strcmp(sp->choices, choices) ||
			   strcmp(sp->def, pb_kparams[PB_KPI_variant].def))) {
			pr_err(PBK_NAME ": pbk_params.def: variant= is %s default %s, %s's is %s default %s\n",
			       choices, pb_kparams[PB_KPI_variant].def, (*o)->name,
			       sp->choices ? sp->choices : "not a word", sp->def ? sp->def : "none");
			return -EINVAL;
		}
	}
	return 0;
}

int pbk_param_setup(void)
{
	struct pbk_cfg *c = &pbk_cfg;
	struct pb_kparam_nums v;
	struct pb_err err;
	uint64_t m, f, mask;
	int ret;

	memset(c, 0, sizeof(*c));
	/* The literals of pbk_params.def and kmod_param.h that stand for kernel constants. */
	BUILD_BUG_ON(PBK_MAX_BATCHES != 50);
	BUILD_BUG_ON(PAGE_SIZE != 4096);
	BUILD_BUG_ON(PB_PAGE_SHIFT != PAGE_SHIFT);
	BUILD_BUG_ON(PBK_MAX_NAMES > 64);	/* the shared parser's masks are 64 bits */
	BUILD_BUG_ON(sizeof(unsigned long) != 8);	/* ulong parameters are 64 bits there */
	if (pb_kparams[PB_KPI_orders].hi > PBK_MAX_PAGE_ORDER || pb_kparams[PB_KPI_bulk].maxn > PBK_MAX_LIST ||
	    pb_kparams[PB_KPI_orders].maxn > PBK_MAX_LIST || pb_kparams[PB_KPI_touch].hi > PB_PAGE_SIZE) {
		pr_err(PBK_NAME ": pbk_params.def does not fit this kernel (orders=, bulk=, touch=)\n");
		return -EINVAL;
	}
	ret = check_shared_keys();
	if (ret)
		return ret;
	/* The numbers module_param parsed, as the shared checks take them (an int sign-extended). */
#define PBK_NUM(n, type, lo, hi, def, pow2, desc) v.v[PB_KPI_##n] = (uint64_t)n;
#define PBK_LIST(n, def, lo, hi, maxn, desc)
#define PBK_WORDS(n, def, words, desc)
#define PBK_DMA(n, def, desc)
#define PBK_NAMES(n, def, desc)
	memset(&v, 0, sizeof(v));
#include "pbk_params.def"
#undef PBK_NUM
#undef PBK_LIST
#undef PBK_WORDS
#undef PBK_DMA
#undef PBK_NAMES
	if (pb_kparam_nums_check(&v, &err))
		return refused(&err);
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY)))
		return bad("node", "%d: must be -1 or a NUMA node with memory (%d such nodes)", node,
			   num_node_state(N_MEMORY));
	/* The shared parser, so the module takes exactly what `--set dma=` takes. */
	if (pb_dma_check(dma, &err))
		return refused(&err);	/* it names dma= and the value */
	ret = setup_names();
	if (ret)
		return ret;
	if (pb_kparam_list_parse(&pb_kparams[PB_KPI_bulk], bulk, c->bulk, &c->nbulk, &err) ||
	    pb_kparam_list_parse(&pb_kparams[PB_KPI_orders], orders, c->orders, &c->norders, &err) ||
	    pb_kparam_words_parse(&pb_kparams[PB_KPI_mode], mode, &m, &err) ||
	    pb_kparam_names_parse("backends", backends, backend_names, backends_all, NULL, 0,
				  user_only_backends, &mask, &err))
		return refused(&err);
	c->backends = (unsigned long)mask;
	if (pb_kparam_names_parse("workloads", workloads, workload_names, ~0ULL, "baselines",
				  baselines_mask, user_only_workloads, &mask, &err))
		return refused(&err);
	c->workloads = (unsigned long)mask;
	if (pb_kparam_words_parse(&pb_kparams[PB_KPI_fault], fault, &f, &err) ||
	    pb_kparam_words_parse(&pb_kparams[PB_KPI_path], path, &mask, &err))
		return refused(&err);
	c->paths = (unsigned long)mask;
	if (pb_kparam_words_parse(&pb_kparams[PB_KPI_variant], variant, &mask, &err))
		return refused(&err);
	c->variants = (unsigned long)mask;
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
	c->touch = touch;
	c->len = len;
	c->mem_mb = mem;
	c->inflight = inflight;
	c->i_know = i_know;
	snprintf(c->dma, sizeof(c->dma), "%s", dma);
	snprintf(c->echo, sizeof(c->echo),
		 "loops=%lu reps=%u batches=%u cpu=%d cpu2=%d node=%d outstanding=%u bulk=%s orders=%s pool_size=%u frag_size=%u handoff=%u touch=%u len=%u mem=%u inflight=%u dma=%s mode=%s backends=%s workloads=%s variant=%s",
		 loops, reps, batches, cpu, c->cpu2, node, outstanding, bulk, orders, pool_size,
		 frag_size, handoff, touch, len, mem, inflight, dma, mode, backends, workloads, variant);
	return 0;
}

bool pbk_want_backend(const char *name)
{
	int i = pb_kparam_name_index(backend_names, name, strlen(name));

	return i >= 0 && (pbk_cfg.backends & (1UL << i));
}

bool pbk_want_workload(const char *name)
{
	int i = pb_kparam_name_index(workload_names, name, strlen(name));

	return i >= 0 && (pbk_cfg.workloads & (1UL << i));
}

/* For pbk_replay.c (pbk_replay.h): the replay's two string parameters as given. */
const char *pbk_param_trace(void)
{
	return trace ? trace : "";
}

const char *pbk_param_trace_as(void)
{
	return trace_as ? trace_as : "";
}
