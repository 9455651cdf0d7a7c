// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel module's parameter parser (allocators/core/kmod_param.c), which the module
 * runs at load and `kmod run --set` before a guest boots: what each class accepts, what it
 * refuses and the one line it refuses with (the guest's side is tests/kmod/lifecycle.sh).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "allocator.h"
#include "kmod_param.h"

/* @kv through pb_kparam_set from the defaults: 0, or -1 with @msg the refusal. */
static int set(const char *kv, char *msg)
{
	struct pb_kparam_nums v;
	struct pb_err err = { { 0 } };
	int rc;

	pb_kparam_nums_default(&v);
	rc = pb_kparam_set(&v, kv, &err);
	if (msg)
		strcpy(msg, rc ? err.msg : "");
	return rc;
}

static void refused(const char *kv, const char *want)
{
	char msg[PB_ERR_LEN];

	cr_assert_eq(set(kv, msg), -1, "%s accepted", kv);
	cr_expect_str_eq(msg, want, "%s", kv);
	cr_expect_null(strchr(msg, '\n'));
}

Test(kmod_param, table_matches_the_def_file)
{
	const struct pb_kparam *k = pb_kparam_find("handoff", 7);
	struct pb_kparam_nums v;

	cr_assert_not_null(k);
	cr_expect_eq(k->kind, PB_KP_NUM);
	cr_expect(k->pow2 && k->lo == 2 && k->hi == 65536 && k->bits == 32 && !k->is_signed);
	cr_expect(pb_kparam_find("cpu", 3)->is_signed);
	cr_expect_eq(pb_kparam_find("loops", 5)->bits, 64);
	cr_expect_eq(pb_kparam_find("bulk", 4)->maxn, 8);
	cr_expect_null(pb_kparam_find("handof", 6));
	cr_expect_null(pb_kparam_find("loops", 4));	/* a prefix is not the name */
	pb_kparam_nums_default(&v);
	cr_expect_eq(v.v[PB_KPI_loops], 100000);
	cr_expect_eq((int64_t)v.v[PB_KPI_cpu], -1);
	cr_expect_eq(pb_kparam_nums_check(&v, NULL), 0, "the defaults break a rule");
}

/* len= and variant= feed shared keys: the table takes what the workloads and halfpage take. */
Test(kmod_param, shared_keys_match_their_tables)
{
	const struct pb_param_spec fixed = PB_TRAFFIC_LEN_PARAM;
	const struct pb_kparam *len = pb_kparam_find("len", 3), *variant = pb_kparam_find("variant", 7);
	const struct pb_param_spec *hp = pb_param_find(pb_alloc_find("halfpage")->params, "variant");

	cr_assert(len && variant && hp);
	cr_expect(len->lo == (long long)fixed.min && len->hi == (long long)fixed.max);
	cr_expect_str_eq(len->def, fixed.def);
	cr_expect_str_eq(hp->choices, "bias|2016");
	cr_expect(!strcmp(variant->words[0], "bias") && !strcmp(variant->words[1], "2016") && !variant->words[2]);
	cr_expect_str_eq(variant->def, hp->def);
}

Test(kmod_param, numbers_take_kstrto_syntax)
{
	struct pb_kparam_nums v;
	struct pb_err err;

	pb_kparam_nums_default(&v);
	cr_expect_eq(pb_kparam_set(&v, "loops=0x10", &err), 0);
	cr_expect_eq(v.v[PB_KPI_loops], 16);
	cr_expect_eq(pb_kparam_set(&v, "reps=010", &err), 0);	/* base 0: octal, as kstrtouint */
	cr_expect_eq(v.v[PB_KPI_reps], 8);
	cr_expect_eq(pb_kparam_set(&v, "cpu=-1", &err), 0);
	cr_expect_eq(pb_kparam_set(&v, "cpu=+3", &err), 0);
	cr_expect_eq(v.v[PB_KPI_cpu], 3);
	cr_expect_eq(pb_kparam_set(&v, "handoff=1024", &err), 0);
	refused("loops=abc", "loops=abc: invalid for parameter `loops' (not a number)");
	refused("reps=-1", "reps=-1: invalid for parameter `reps' (not a number)");	/* unsigned */
	refused("reps= 3", "reps= 3: expected key=value");
	refused("reps=3x", "reps=3x: invalid for parameter `reps' (not a number)");
	refused("cpu=--1", "cpu=--1: invalid for parameter `cpu' (not a number)");
	/* Beyond the type: module_param's kstrtouint fails with -ERANGE, before any range. */
	refused("touch=4294967296", "touch=4294967296: invalid for parameter `touch' (not a number)");
	refused("cpu=2147483648", "cpu=2147483648: invalid for parameter `cpu' (not a number)");
	refused("loops=18446744073709551616", "loops=18446744073709551616: invalid for parameter `loops' (not a number)");
}

Test(kmod_param, numbers_within_range_and_power_of_two)
{
	refused("loops=0", "loops=0: must be 1..100000000");
	refused("pool_size=40000", "pool_size=40000: must be 16..32768");
	refused("handoff=3", "handoff=3: must be a power of two in 2..65536");
	refused("handoff=0", "handoff=0: must be a power of two in 2..65536");
	refused("cpu=-2", "cpu=-2: must be -1..4095");
	/* A ulong above LLONG_MAX is compared as unsigned, not printed as a negative number. */
	refused("loops=18446744073709551615", "loops=18446744073709551615: must be 1..100000000");
	refused("cpu=0x7fffffff", "cpu=2147483647: must be -1..4095");
	cr_expect_eq(set("pool_size=32768", NULL), 0);
	cr_expect_eq(set("touch=0", NULL), 0);
}

Test(kmod_param, lists_of_numbers)
{
	const struct pb_kparam *bulk = &pb_kparams[PB_KPI_bulk];
	unsigned out[PB_KPARAM_MAX_LIST], n;
	struct pb_err err;

	cr_assert_eq(pb_kparam_list_parse(bulk, "1,8,32,128", out, &n, &err), 0);
	cr_expect(n == 4 && out[0] == 1 && out[3] == 128);
	/* Decimal only: 010 is ten, the way a list is read everywhere else in pagebench. */
	cr_assert_eq(pb_kparam_list_parse(bulk, "010", out, &n, &err), 0);
	cr_expect(n == 1 && out[0] == 10);
	refused("bulk=1,500", "bulk=1,500: '500' must be 1..128");
	refused("bulk=1,0x8", "bulk=1,0x8: '0x8' must be 1..128");
	refused("bulk=8,,32", "bulk=8,,32: empty or overlong value");
	refused("bulk=8,", "bulk=8,: empty or overlong value");
	refused("bulk=99999999999", "bulk=99999999999: empty or overlong value");
	refused("orders=0,1,2,3,4,5,6,7,8", "orders=0,1,2,3,4,5,6,7,8: more than 8 values");
	refused("orders=11", "orders=11: '11' must be 0..10");
	cr_expect_eq(set("orders=0,1,2,3,4,5,6,7", NULL), 0);
}

Test(kmod_param, words_and_names)
{
	static const char *const names[] = { "k_alloc_pages", "buddy", "for-loop", NULL };
	static const struct pb_kparam_user_only user[] = { { "jemalloc", "wraps libjemalloc" },
							   { "alloc_free_trace", "reads a trace" },
							   { NULL } };
	struct pb_err err;
	uint64_t m;

	cr_assert_eq(pb_kparam_words_parse(&pb_kparams[PB_KPI_mode], "inflight,numa", &m, &err), 0);
	cr_expect_eq(m, 6);
	refused("mode=bench,fast", "mode=bench,fast: unknown name 'fast'");
	refused("mode=all", "mode=all: unknown name 'all'");	/* no "all" for a word list */
	refused("path=xdp,skb-6.4", "path=xdp,skb-6.4: unknown name 'skb-6.4'");
	refused("path=xdp,", "path=xdp,: empty name in the list");
	refused("fault=oops", "fault=oops: unknown name 'oops'");
	cr_expect_eq(pb_kparam_names_parse("backends", "all", names, 3, NULL, 0, user, &m, &err), 0);
	cr_expect_eq(m, 3);
	cr_expect_eq(pb_kparam_names_parse("workloads", "baselines,buddy", names, 7, "baselines", 4,
					   user, &m, &err), 0);
	cr_expect_eq(m, 6);
	cr_expect_eq(pb_kparam_names_parse("backends", "buddy,jemalloc", names, 3, NULL, 0, user, &m, &err), -1);
	cr_expect_str_eq(err.msg, "backends=buddy,jemalloc: 'jemalloc' is userspace only: wraps libjemalloc");
	/* A workload's symbol spells '-' as '_'. */
	cr_expect_eq(pb_kparam_names_parse("workloads", "alloc-free-trace", names, 7, NULL, 0, user, &m, &err), -1);
	cr_expect_str_eq(err.msg, "workloads=alloc-free-trace: 'alloc-free-trace' is userspace only: reads a trace");
	cr_expect_eq(pb_kparam_names_parse("backends", "nope", names, 3, NULL, 0, user, &m, &err), -1);
	cr_expect_str_eq(err.msg, "backends=nope: unknown name 'nope'");
	/* An alias that selects nothing on this build is refused rather than running nothing. */
	cr_expect_eq(pb_kparam_names_parse("workloads", "baselines", names, 7, "baselines", 0, user, &m, &err), -1);
	cr_expect_str_eq(err.msg, "workloads=baselines: selects nothing");
	/* Userspace checks the syntax of the names; which exist is the built module's to say. */
	cr_expect_eq(set("backends=k_alloc_pages,whatever", NULL), 0);
	refused("workloads=alloc-free,,bulk", "workloads=alloc-free,,bulk: empty name in the list");
}

Test(kmod_param, dma_keys_and_values)
{
	cr_expect_eq(set("dma=iommu:strict", NULL), 0);
	refused("dma=fixed:abc", "dma=fixed:abc: fixed:NNN needs a number of nanoseconds");
	refused("nosuch=1", "nosuch: not a parameter of the module (its parameters: loops reps batches cpu cpu2 node outstanding bulk orders pool_size frag_size handoff touch len mem inflight mode backends dma fault workloads path variant trace trace_as i_know)");
	refused("loops", "loops: expected key=value");
	refused("=1", "=1: expected key=value");
	refused("loops=", "loops=: empty value");
}

/* @kvs (NULL-terminated) set in order, then the rules between the numbers. */
static int rules(const char *const *kvs, char *msg)
{
	struct pb_kparam_nums v;
	struct pb_err err = { { 0 } };

	pb_kparam_nums_default(&v);
	for (; *kvs; kvs++)
		cr_assert_eq(pb_kparam_set(&v, *kvs, &err), 0, "%s: %s", *kvs, err.msg);
	if (pb_kparam_nums_check(&v, &err))
		return strcpy(msg, err.msg), -1;
	return 0;
}

Test(kmod_param, rules_between_numbers)
{
	char msg[PB_ERR_LEN];

	cr_expect_eq(rules((const char *[]){ "loops=100000000", NULL }, msg), -1);
	cr_expect_str_eq(msg, "loops=100000000: more than 2000000 operations per batch with batches=10 (raise batches=)");
	cr_expect_eq(rules((const char *[]){ "loops=100000000", "batches=50", NULL }, msg), 0);
	cr_expect_eq(rules((const char *[]){ "inflight=2000", NULL }, msg), -1);
	cr_expect_str_eq(msg, "inflight=2000: must be at most pool_size=1024 (the pages go back through the ring)");
	cr_expect_eq(rules((const char *[]){ "inflight=2000", "pool_size=2048", NULL }, msg), 0);
	cr_expect_eq(rules((const char *[]){ "outstanding=8192", NULL }, msg), -1);
	cr_expect_str_eq(msg, "outstanding=8192: needs mem= of at least 64 MiB");
	cr_expect_eq(rules((const char *[]){ "outstanding=8192", "mem=64", NULL }, msg), 0);
	cr_expect_eq(rules((const char *[]){ "outstanding=2049", "mem=16", NULL }, msg), -1);
	cr_expect_str_eq(msg, "outstanding=2049: needs mem= of at least 17 MiB");
}
