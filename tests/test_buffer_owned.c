// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every backend's buffer is the caller's alone (issue 10 part 7): the loops now write the
 * first touch= bytes of each buffer, so no backend may keep anything of its own inside one
 * while it is lent out. For every registered backend, every byte of every buffer held is
 * written with a pattern of its own, through the page API and the buffer API, all of them
 * are read back after the last allocation (two buffers that overlap, or a backend that
 * writes into a lent buffer, change another's bytes), and the instance is destroyed cleanly
 * with nothing leaked: dpdk_mempool kept its object header in the page and crashed in
 * rte_mempool_free here. make test-asan runs it under AddressSanitizer too.
 * The loops' touch itself (buf_touch.h, workloads/touch.h) is tested at the end.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "buf_touch.h"
#include "support_backend.h"
#include "touch.h"
#include "workload.h"

#define BO_N 300	/* past page_pool's 128-entry cache and DPDK's 256-entry lcore cache */

struct bo_case {
	char backend[32];
};

static struct bo_case bo_cases[32];

/* One case per registered backend that hands out buffers (not the raw rows, which do not). */
ParameterizedTestParameters(buffer_owned, every_byte)
{
	size_t n = 0;

	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o && n < 32; o++)
		if (!(*o)->raw_pairs)
			snprintf(bo_cases[n++].backend, sizeof(bo_cases[0].backend), "%s", (*o)->name);
	return cr_make_param_array(struct bo_case, bo_cases, n);
}

static unsigned char pattern(unsigned i)
{
	return (unsigned char)(i * 37 + 11);
}

/* The first byte of @p[0..len) that is not @v, or -1. */
static long first_other(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return (long)i;
	return -1;
}

/* null hands out one page forever (it is the harness's cost, not an allocator): no overlap check. */
static bool shares_one_page(const struct pb_alloc *a)
{
	return !strcmp(a->ops->name, "null");
}

static void pages_round(struct pb_alloc *a, bool direct)
{
	static struct pb_page *pg[BO_N];
	size_t size = PB_PAGE_SIZE << a->order;
	unsigned n;

	for (n = 0; n < BO_N; n++) {
		pg[n] = pb_alloc_page(a);
		cr_assert_not_null(pg[n], "%s: page %u: allocation failed", a->ops->name, n);
		memset(pb_page_address(pg[n]), pattern(n), size);
	}
	for (unsigned i = 0; i < n && !shares_one_page(a); i++) {
		long at = first_other(pb_page_address(pg[i]), size, pattern(i));

		cr_assert_eq(at, -1, "%s: page %u (pfn %zu): byte %ld changed while it was held",
			     a->ops->name, i, pb_page_pfn(pg[i]), at);
	}
	for (unsigned i = 0; i < n; i++)
		pb_alloc_free(a, pg[i], direct);
}

static void bufs_round(struct pb_alloc *a, bool direct)
{
	static struct pb_buf b[BO_N];
	unsigned n;

	for (n = 0; n < BO_N; n++) {
		cr_assert(pb_alloc_buf(a, &b[n]), "%s: buffer %u: allocation failed", a->ops->name, n);
		cr_assert_gt(b[n].len, 0);
		cr_assert_leq((size_t)b[n].offset + b[n].len, PB_PAGE_SIZE << b[n].page->order,
			      "%s: buffer %u ends past its page", a->ops->name, n);
		memset((char *)pb_page_address(b[n].page) + b[n].offset, pattern(n), b[n].len);
	}
	for (unsigned i = 0; i < n && !shares_one_page(a); i++) {
		long at = first_other((unsigned char *)pb_page_address(b[i].page) + b[i].offset,
				      b[i].len, pattern(i));

		cr_assert_eq(at, -1, "%s: buffer %u (pfn %zu +%u, %u bytes): byte %ld changed while it was held",
			     a->ops->name, i, pb_page_pfn(b[i].page), b[i].offset, b[i].len, at);
	}
	for (unsigned i = 0; i < n; i++)
		pb_free_buf(a, &b[i], direct);
}

ParameterizedTest(struct bo_case *c, buffer_owned, every_byte)
{
	struct pb_alloc *a = TB_CREATE(c->backend, "mem=128M");

	/* Twice each: the second round gets what the first gave back, from the caches. */
	for (int round = 0; round < 2; round++) {
		pages_round(a, round == 0);
		bufs_round(a, round == 0);
	}
	tb_destroy_clean(a);
}

/* The case the issue found: bytes 40..47 of a dpdk_mempool buffer held its element list. */
Test(buffer_owned, dpdk_header_bytes_are_the_callers)
{
	struct pb_alloc *a = TB_CREATE("dpdk_mempool", "mem=64M", "objects=255", "cache=0");
	struct pb_page *pg[255];

	for (unsigned i = 0; i < 255; i++) {
		pg[i] = pb_alloc_page(a);
		cr_assert_not_null(pg[i]);
		memset(pb_page_address(pg[i]), 0xff, 64);
	}
	for (unsigned i = 0; i < 255; i++)
		pb_alloc_free(a, pg[i], true);
	tb_destroy_clean(a);
}

/* --- the touch itself ------------------------------------------------------------- */

Test(buffer_owned, touch_reads_and_writes_exactly_the_bytes_asked)
{
	static const uint32_t lens[] = { 0, 1, 7, 8, 63, 64, 65, 100, 128, 4096 };

	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		static unsigned char buf[4096 + 64];
		uint32_t len = lens[k], words = len & ~7u;

		memset(buf, 0x40, sizeof(buf));
		pb_buf_touch(buf, len);
		pb_buf_touch(buf, len);
		/* Whole words went up by two (read, incremented, written), the tail bytes too. */
		for (uint32_t i = 0; i < words; i += 8) {
			uint64_t w, want;

			memcpy(&w, buf + i, 8);
			memset(&want, 0x40, 8);
			cr_assert_eq(w, want + 2, "touch=%u: word at %u is %#llx", len, i,
				     (unsigned long long)w);
		}
		for (uint32_t i = words; i < len; i++)
			cr_assert_eq(buf[i], 0x42, "touch=%u: tail byte %u is %#x", len, i, buf[i]);
		cr_assert_eq(first_other(buf + len, sizeof(buf) - len, 0x40), -1,
			     "touch=%u: a byte past the end changed", len);
	}
}

/* A buffer shorter than touch= is touched whole and not a byte past its end. */
Test(buffer_owned, touch_of_a_short_buffer_stays_inside_it)
{
	static unsigned char page[PB_PAGE_SIZE] __attribute__((aligned(4096)));
	struct pb_arena ar = { .base = (char *)page, .npages = 1 };
	struct pb_page pg = { .arena = &ar };
	struct pb_buf b = { .page = &pg, .offset = 100, .len = 50, .truesize = 50 };

	ar.pages = &pg;
	memset(page, 0, sizeof(page));
	pb_wl_touch_buf(&b, 64);
	/* 50 bytes: six words (their low bytes, little-endian, went up by one), two tail bytes. */
	for (unsigned i = 0; i < sizeof(page); i++) {
		bool word_low = i >= 100 && i < 148 && (i - 100) % 8 == 0, tail = i >= 148 && i < 150;

		cr_assert_eq(page[i], word_low || tail ? 1 : 0, "byte %u", i);
	}
}

/*
 * Runs loop workload @wname over null with @kv for @ops operations; the first 64 bytes of
 * null's one page into @head, then destroys the instance.
 */
static void run_over_null(const char *wname, const char *const *kv, uint64_t ops,
			  unsigned char head[72])
{
	const struct pb_workload *w = pb_workload_find(wname);
	static uint64_t cycles[1], nops[1];
	struct pb_alloc *a = TB_CREATE("null", "mem=16M");
	struct pb_params p = { 0 };
	struct pb_err err = { { 0 } };
	struct pb_wl_run r;

	cr_assert_not_null(w);
	for (; *kv; kv++)
		cr_assert_eq(pb_params_add(&p, *kv, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_params_check(&p, w->params, &err), 0, "%s", err.msg);
	memset(&r, 0, sizeof(r));
	r.alloc = a;
	r.params = &p;
	r.ops = ops;
	r.nbatches = 1;
	r.track[0].batch_cycles = cycles;
	r.track[0].batch_ops = nops;
	memset(pb_page_address(a->priv), 0, PB_PAGE_SIZE);
	cr_assert_eq(w->prepare ? w->prepare(&r, &err) : 0, 0, "%s", err.msg);
	w->run(&r, 0);
	cr_assert_null(r.failed, "%s", r.failed);
	if (w->cleanup)
		w->cleanup(&r);
	memcpy(head, pb_page_address(a->priv), 72);
	cr_assert_eq(first_other((unsigned char *)pb_page_address(a->priv) + 72, PB_PAGE_SIZE - 72, 0), -1,
		     "%s wrote past its touch= bytes", wname);
	tb_destroy_clean(a);
}

/* Each loop touches each buffer once per packet: null's one page counts the packets. */
Test(buffer_owned, loops_touch_each_buffer_once)
{
	static const struct {
		const char *w;
		const char *kv[3];
		uint32_t touch;
		uint64_t ops;
	} cases[] = {
		{ "alloc-free", { "touch=64", NULL }, 64, 1000 },
		{ "alloc-free-remote", { "touch=16", NULL }, 16, 1000 },
		{ "alloc-free-slow", { "touch=24", NULL }, 24, 500 },
		{ "outstanding", { "n=8", "touch=64", NULL }, 64, 800 },
		{ "bulk", { "bulk=4", "touch=8", NULL }, 8, 400 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		unsigned char head[72];
		uint64_t w;

		run_over_null(cases[k].w, cases[k].kv, cases[k].ops, head);
		for (uint32_t i = 0; i < cases[k].touch; i += 8) {
			memcpy(&w, head + i, 8);
			cr_expect_eq(w, cases[k].ops, "%s: word at %u: %llu touches, not %llu",
				     cases[k].w, i, (unsigned long long)w, (unsigned long long)cases[k].ops);
		}
		memcpy(&w, head + cases[k].touch, 8);
		cr_expect_eq(w, 0, "%s: the word after touch=%u was written", cases[k].w, cases[k].touch);
	}
}

Test(buffer_owned, touch_zero_touches_nothing)
{
	unsigned char head[72];

	run_over_null("alloc-free", (const char *const[]){ "touch=0", NULL }, 1000, head);
	cr_expect_eq(first_other(head, sizeof(head), 0), -1);
}

/* The default is one cache line, in userspace and (kmod/pbk_params.def) in the module alike. */
Test(buffer_owned, touch_default_is_a_cache_line_in_both_worlds)
{
	FILE *f = fopen("kmod/pbk_params.def", "r");
	char line[256];
	unsigned v = 0, n = 0;

	cr_assert(f, "kmod/pbk_params.def: cannot open (run from the top of the tree)");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PBK_NUM(touch, uint, %*u, %*u, %u,", &v) == 1)
			break;
	fclose(f);
	cr_expect_eq(v, PB_WL_TOUCH_DEFAULT, "the module's touch= defaults to %u", v);
	cr_expect_eq(PB_WL_TOUCH_DEFAULT, PB_CACHELINE);
	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++) {
		const struct pb_param_spec *sp = pb_param_find((*w)->params, "touch");

		if (sp) {
			cr_expect_str_eq(sp->def, "64", "%s", (*w)->name);
			n++;
		}
	}
	cr_expect_geq(n, 6, "alloc-free (3), outstanding, bulk and cross-cpu take touch=");
}
