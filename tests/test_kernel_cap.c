// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every backend and workload says whether it also runs in the kernel module, and if not,
 * why: a new one cannot silently miss the kernel. Checked three ways: the registries'
 * kernel column, the .def files against the source files (a new source needs a line, and
 * the line needs its column), and what `pagebench list` prints.
 * Runs from the top of the tree (as `make test` runs it), where the sources are.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel_cap.h"
#include "workload.h"
#include "workload_cap.h"

static void check_cap(const char *what, const char *name, const struct pb_kernel_cap *k)
{
	cr_assert(k, "%s %s: no kernel column", what, name);
	if (k->in_kernel) {
		cr_expect(!k->user_only, "%s %s: built in the kernel, yet a reason it is not", what, name);
	} else {
		cr_expect(k->user_only && strlen(k->user_only) >= 8,
			  "%s %s: userspace only without a reason", what, name);
		cr_expect(!k->kernel_default, "%s %s: a kernel default, yet userspace only", what, name);
	}
}

Test(kernel_cap, every_backend_says_where_it_runs)
{
	unsigned n = 0;

	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++, n++)
		check_cap("backend", (*o)->name, pb_alloc_kernel_cap(*o));
	cr_assert_gt(n, 0);
	cr_expect_null(pb_alloc_kernel_cap(NULL));
}

Test(kernel_cap, every_workload_says_where_it_runs)
{
	unsigned n = 0;

	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++, n++)
		check_cap("workload", (*w)->name, pb_workload_kernel_cap(*w));
	cr_assert_gt(n, 0);
	cr_expect_null(pb_workload_kernel_cap(NULL));
}

/* The module's defaults are among the shared backends it builds: buddy and ptr_ring_pool. */
Test(kernel_cap, kernel_defaults)
{
	const struct pb_alloc_ops *b = pb_alloc_find("buddy"), *j = pb_alloc_find("jemalloc");

	cr_assert(b && j);
	cr_expect(pb_alloc_kernel_cap(b)->in_kernel && pb_alloc_kernel_cap(b)->kernel_default);
	cr_expect(!pb_alloc_kernel_cap(j)->in_kernel);
}

/*
 * Splits "MACRO(a, b, "c, d")" into its trimmed fields (commas inside quotes do not split);
 * returns how many, at most @max, each at most 255 characters; 0 when there are no parens.
 */
static unsigned def_fields(const char *line, char (*out)[256], unsigned max)
{
	const char *p = strchr(line, '('), *end = strrchr(line, ')');
	unsigned n = 0;

	if (!p || !end || end < p)
		return 0;
	for (p++; p <= end && n < max; n++) {
		const char *q = p;
		size_t len;
		bool quoted = false;

		while (q < end && (quoted || *q != ',')) {
			quoted ^= *q == '"';
			q++;
		}
		while (p < q && isspace((unsigned char)*p))
			p++;
		len = (size_t)(q - p);
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 255)
			len = 255;
		memcpy(out[n], p, len);
		out[n][len] = '\0';
		p = q + 1;
	}
	return n;
}

/*
 * Every line of @def is MACRO(sym, file.c, KERNEL_ALL|KERNEL|USER, NULL|"reason") with the
 * reason exactly when USER (KERNEL_ALL only where @all_ok); every .c of @dir except @skip
 * is named by a line, and every named file exists.
 */
static void check_def(const char *def, const char *macro, const char *dir,
		      const char *const *skip, bool all_ok)
{
	char line[512], fl[5][256];
	char sources[64][64];
	unsigned nsrc = 0, lineno = 0;
	FILE *f = fopen(def, "r");
	DIR *d;
	struct dirent *e;

	cr_assert(f, "%s: cannot open (run from the top of the tree)", def);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (strncmp(line, macro, strlen(macro)) || line[strlen(macro)] != '(')
			continue;
		const char *sym = fl[0], *src = fl[1], *col = fl[2], *why = fl[3];

		cr_assert_eq(def_fields(line, fl, 5), 4, "%s:%u: not %s(symbol, source, kernel, why)",
			     def, lineno, macro);
		cr_expect(strlen(src) > 2 && !strcmp(src + strlen(src) - 2, ".c"),
			  "%s:%u: source '%s' is not a .c file", def, lineno, src);
		if (!strcmp(col, "USER"))
			cr_expect(why[0] == '"' && strlen(why) > 10,
				  "%s:%u: %s is USER but gives no reason", def, lineno, sym);
		else
			cr_expect((!strcmp(col, "KERNEL") || (all_ok && !strcmp(col, "KERNEL_ALL"))) &&
				  !strcmp(why, "NULL"),
				  "%s:%u: %s: kernel column '%s' with reason '%s'", def, lineno, sym, col, why);
		if (nsrc < 64)
			snprintf(sources[nsrc++], sizeof(sources[0]), "%s", src);
	}
	fclose(f);
	cr_assert_gt(nsrc, 0, "%s: no %s lines", def, macro);
	for (unsigned i = 0; i < nsrc; i++) {
		char path[4200];
		FILE *s;

		snprintf(path, sizeof(path), "%s/%s", dir, sources[i]);
		s = fopen(path, "r");
		cr_expect(s, "%s names %s, which does not exist", def, path);
		if (s)
			fclose(s);
	}
	d = opendir(dir);
	cr_assert(d, "%s: cannot open", dir);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		bool named = false, skipped = false;

		if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
			continue;
		for (const char *const *s = skip; *s; s++)	/* "x*": a prefix */
			skipped |= (*s)[strlen(*s) - 1] == '*' ? !strncmp(*s, e->d_name, strlen(*s) - 1)
							       : !strcmp(*s, e->d_name);
		for (unsigned i = 0; i < nsrc; i++)
			named |= !strcmp(sources[i], e->d_name);
		cr_expect(skipped || named, "%s/%s has no line in %s (say whether it runs in the kernel)",
			  dir, e->d_name, def);
	}
	closedir(d);
}

Test(kernel_cap, every_backend_source_has_a_def_line)
{
	static const char *const skip[] = { "registry.c", NULL };

	check_def("allocators/backends/backends.def", "PB_BACKEND", "allocators/backends", skip, true);
}

Test(kernel_cap, every_workload_source_has_a_def_line)
{
	/*
	 * trace_*.c are the trace format, generators and importers, not workloads; nic_*.c are
	 * the NIC model behind nic.c; replay_*.c are the parts of the replay engine, whose one
	 * workload line is replay.c's
	 */
	static const char *const skip[] = { "registry.c", "workload_cap.c", "trace_*", "nic_*", "replay_*", NULL };

	check_def("workloads/workloads.def", "PB_WORKLOAD", "workloads", skip, false);
}

/* Each entry line of `pagebench list` ends in its world: "[kernel too]" or "[userspace only: why]". */
Test(kernel_cap, list_shows_where_each_runs)
{
	const char *bin = getenv("PB_BIN");
	char cmd[512], line[1024];
	unsigned entries = 0, user = 0;
	FILE *p;

	if (!bin || !*bin)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	snprintf(cmd, sizeof(cmd), "'%s' list", bin);
	p = popen(cmd, "r");
	cr_assert(p);
	while (fgets(line, sizeof(line), p)) {
		size_t n = strlen(line);
		const char *u = strstr(line, " [userspace only: ");

		if (strncmp(line, "  ", 2) || !isalpha((unsigned char)line[2]))
			continue;	/* section headers */
		entries++;
		while (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (u) {
			user++;
			cr_expect(line[n - 1] == ']' && strlen(u) > strlen(" [userspace only: ]") + 8,
				  "list line without a reason: %s", line);
		} else {
			cr_expect(n > 13 && !strcmp(line + n - 13, " [kernel too]"),
				  "list line says nothing about the kernel: %s", line);
		}
	}
	cr_assert_eq(pclose(p), 0);
	cr_expect_gt(entries, 10);
	cr_expect_gt(user, 0, "jemalloc and the other peers are userspace only");
}
