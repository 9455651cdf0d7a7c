// SPDX-License-Identifier: GPL-2.0-only
/*
 * Issue 10, parts 2-4: the direct-call backends agree with backends.def, every freeing row
 * names its return path, like-named rows do the kernel's work (alloc-free-slow's atomics,
 * frag's default size), and the call-pair baseline is in every table.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "allocator.h"
#include "direct.h"
#include "path.h"
#include "workload.h"

/* --- direct.h against backends.def ------------------------------------------------ */

struct dline {
	const char *sym, *kernel;
};

#define DLINE(T, sym, kernel, shape, path) { #sym, #kernel },
static const struct dline dlines[] = { PB_DIRECT_BACKENDS(DLINE, _) };
#undef DLINE

/* backends.def's kernel column of @sym into @col; false when it has no such line. */
static bool def_column(const char *sym, char *col, size_t len)
{
	FILE *f = fopen("allocators/backends/backends.def", "r");
	char line[512];
	bool found = false;

	cr_assert(f, "allocators/backends/backends.def: cannot open (run from the top of the tree)");
	while (!found && fgets(line, sizeof(line), f)) {
		char s[64], src[64], k[32];

		if (sscanf(line, "PB_BACKEND(%63[^,], %63[^,], %31[^,],", s, src, k) != 3)
			continue;
		if (!strcmp(s, sym)) {
			snprintf(col, len, "%s", k);
			found = true;
		}
	}
	fclose(f);
	return found;
}

Test(direct, every_line_is_a_backend_with_its_kernel_column)
{
	for (size_t i = 0; i < sizeof(dlines) / sizeof(dlines[0]); i++) {
		char col[32];

		cr_assert(def_column(dlines[i].sym, col, sizeof(col)),
			  "direct.h lists %s, which backends.def has no line for", dlines[i].sym);
		cr_expect_str_eq(col, dlines[i].kernel, "direct.h: %s is %s there, %s in backends.def",
				 dlines[i].sym, dlines[i].kernel, col);
		cr_expect(pb_alloc_find(dlines[i].sym), "%s is not registered", dlines[i].sym);
	}
}

Test(direct, path_kinds)
{
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("ptr_ring_pool")), PB_PATH_DIRECT);
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("array_cache")), PB_PATH_DIRECT);
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("halfpage")), PB_PATH_SKB);
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("buddy")), PB_PATH_SKB);
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("null")), PB_PATH_NONE);
	/* Not listed (a library peer): one free, no path of its own. */
	cr_expect_eq(pb_alloc_path_kind(pb_alloc_find("jemalloc")), PB_PATH_NONE);
}

Test(direct, path_labels)
{
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_XDP, PB_PATH_DIRECT), "xdp");
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_SKB_61, PB_PATH_DIRECT), "skb-6.1");
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_SKB_65, PB_PATH_DIRECT), "skb-6.5");
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_XDP, PB_PATH_SKB), "skb");
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_SKB_61, PB_PATH_NONE), "none");
	cr_expect_str_eq(pb_wl_path_label(PB_WL_PATH_RELEASE, PB_PATH_DIRECT), "release");
	cr_expect(!pb_wl_path_direct(PB_WL_PATH_SKB_61));
	cr_expect(pb_wl_path_direct(PB_WL_PATH_XDP) && pb_wl_path_direct(PB_WL_PATH_SKB_65));
}

/* Every workload that takes a backend names its path; the baselines do not. */
Test(direct, every_freeing_workload_names_a_path)
{
	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++) {
		if (!strcmp((*w)->name, "threads-test") || !strcmp((*w)->name, "fixed-test"))
			continue;	/* harness tests, not benchmarks */
		cr_expect(((*w)->path != NULL) == !(*w)->baseline, "%s: path %s", (*w)->name,
			  (*w)->path ? "set on a baseline" : "missing");
	}
	cr_expect(pb_workload_find("call-pair") && pb_workload_find("call-pair")->baseline);
}

/* --- like-named rows ------------------------------------------------------------ */

/* The kernel module's frag_size= default, as kmod/pbk_params.def declares it. */
static unsigned kmod_frag_default(void)
{
	FILE *f = fopen("kmod/pbk_params.def", "r");
	char line[256];
	unsigned v = 0;

	cr_assert(f, "kmod/pbk_params.def: cannot open");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PBK_NUM(frag_size, uint, %*u, %*u, %u,", &v) == 1)
			break;
	fclose(f);
	return v;
}

Test(direct, frag_default_is_the_modules)
{
	const struct pb_param_spec *sp = pb_param_find(pb_alloc_find("frag")->params, "frag");

	cr_assert(sp);
	cr_expect_eq(strtoul(sp->def, NULL, 10), kmod_frag_default(),
		     "frag= defaults to %s here, frag_size= to %u in the module", sp->def,
		     kmod_frag_default());
}

/* --- through the binary ----------------------------------------------------------- */

static char tmpdir[64];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pb-direct.XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

/* Runs pagebench with @args and --json; the table into @table (may be NULL); the document. */
static json_t *run(const char *args, char *table, size_t len)
{
	const char *bin = getenv("PB_BIN");
	char cmd[1024], json[128];
	json_error_t jerr;
	json_t *doc;
	FILE *p;
	size_t n = 0;

	cr_assert(bin, "PB_BIN is not set");
	snprintf(json, sizeof(json), "%s/out.json", tmpdir);
	snprintf(cmd, sizeof(cmd), "'%s' run %s --reps 3 --ops 20000 --batches 5 --json '%s' 2>&1",
		 bin, args, json);
	p = popen(cmd, "r");
	cr_assert(p);
	if (table) {
		n = fread(table, 1, len - 1, p);
		table[n] = '\0';
	} else {
		char buf[4096];

		while (fread(buf, 1, sizeof(buf), p))
			;
	}
	cr_assert_eq(pclose(p), 0, "%s failed:\n%s", cmd, table ? table : "");
	doc = json_load_file(json, 0, &jerr);
	cr_assert(doc, "%s: %s", json, jerr.text);
	return doc;
}

/* The pagebench record named @name, or NULL. */
static json_t *rec(json_t *doc, const char *name)
{
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		if (json_is_true(json_object_get(b, "gbench_row")))
			continue;
		if (!strcmp(json_string_value(json_object_get(b, "name")), name))
			return b;
	}
	return NULL;
}

static double counter(json_t *r, const char *key)
{
	json_t *c = json_object_get(json_object_get(json_object_get(r, "counters"), key), "value");

	cr_assert(c, "%s has no counter %s", json_string_value(json_object_get(r, "name")), key);
	return json_number_value(c);
}

Test(direct, records_name_the_path_each_row_took, .init = mk_tmp, .fini = rm_tmp)
{
	static char table[16384];
	json_t *doc = run("--alloc ptr_ring_pool,halfpage,null --workload alloc-free", table,
			  sizeof(table));
	json_t *pp = rec(doc, "alloc-free/ptr_ring_pool/path=xdp");

	cr_assert(pp, "no alloc-free/ptr_ring_pool/path=xdp record");
	cr_expect(rec(doc, "alloc-free/halfpage/path=skb"), "halfpage has only the skb path");
	cr_expect(rec(doc, "alloc-free/null/path=none"), "null models no path");
	cr_expect_gt(counter(pp, "recycle_cached"), 0);
	cr_expect(strstr(table, "path=xdp") && strstr(table, "path=skb"),
		  "the table's params column lacks the paths:\n%s", table);
	cr_expect(strstr(table, "call-pair"), "no call-pair baseline in the table:\n%s", table);
	json_decref(doc);

	doc = run("--alloc ptr_ring_pool --workload alloc-free --set path=skb-6.1", NULL, 0);
	pp = rec(doc, "alloc-free/ptr_ring_pool/path=skb-6.1");
	cr_assert(pp, "no alloc-free/ptr_ring_pool/path=skb-6.1 record");
	cr_expect_gt(counter(pp, "recycle_ring"), 0, "skb-6.1 returns through the ring");
	cr_expect_eq(counter(pp, "recycle_cached"), 0);
	json_decref(doc);

	doc = run("--alloc ptr_ring_pool --workload alloc-free --set path=skb-6.5", NULL, 0);
	pp = rec(doc, "alloc-free/ptr_ring_pool/path=skb-6.5");
	cr_assert(pp, "no alloc-free/ptr_ring_pool/path=skb-6.5 record");
	cr_expect_eq(counter(pp, "recycle_ring"), 0, "skb-6.5 recycles in the owning NAPI");
	json_decref(doc);
}

/*
 * alloc-free-slow is bench_page_pool_simple's slow test in both worlds: page_pool_release_page
 * (one atomic: the release count) + put_page (the refcount, then the per-CPU list's lock):
 * three atomics per op, and every page released. tests/kmod/kmod-test.sh checks the same
 * figure for the module's rows.
 */
Test(direct, alloc_free_slow_is_release_plus_put_page, .init = mk_tmp, .fini = rm_tmp)
{
	json_t *doc = run("--alloc ptr_ring_pool --workload alloc-free-slow", NULL, 0);
	json_t *r = rec(doc, "alloc-free-slow/ptr_ring_pool/path=release");

	cr_assert(r, "no alloc-free-slow/ptr_ring_pool/path=release record");
	cr_expect(counter(r, "atomics_per_op") > 2.95 && counter(r, "atomics_per_op") < 3.1,
		  "atomics per op %.3f, not the kernel's 3", counter(r, "atomics_per_op"));
	/* Every page goes back to the page allocator (the pool refills in bulks of 64). */
	cr_expect_gt(counter(r, "page_allocator_pages_per_op"), 0.99);
	json_decref(doc);
}
