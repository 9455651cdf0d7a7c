// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel-module facts (issue 10 part 9), through the binary: pool_size= above 32768 is
 * refused before a guest boots, as page_pool_init would refuse it with -E2BIG (the module
 * checks the same kmod/pbk_params.def line); and a result file from an emulated guest is
 * not compared with a hardware one unless --allow-emulated says so.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pb-kfacts.XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(kmod_facts, .init = mk_tmp, .fini = rm_tmp, .timeout = 120);

/* Runs `pagebench ARGS` with stdout and stderr into @out; the exit code (-1: killed). */
static int pb(char *out, size_t len, const char *args)
{
	const char *bin = getenv("PB_BIN");
	char cmd[1024];
	size_t n;
	FILE *p;
	int st;

	cr_assert(bin, "PB_BIN is not set");
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	p = popen(cmd, "r");
	cr_assert(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A runner that only notes it was started: a boot attempt leaves tmpdir/booted behind. */
static bool boots_with(const char *set)
{
	char runner[160], booted[160], args[256], out[4096];
	struct stat sb;
	FILE *f;
	int rc;

	snprintf(runner, sizeof(runner), "%s/runner.sh", tmpdir);
	snprintf(booted, sizeof(booted), "%s/booted", tmpdir);
	unlink(booted);
	f = fopen(runner, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\ntouch '%s'\n", booted);
	fclose(f);
	chmod(runner, 0755);
	setenv("PB_KMOD_RUNNER", runner, 1);
	snprintf(args, sizeof(args), "kmod run --set %s", set);
	rc = pb(out, sizeof(out), args);
	unsetenv("PB_KMOD_RUNNER");
	if (stat(booted, &sb) == 0)
		return true;
	cr_expect_eq(rc, 2, "--set %s: exit %d: %s", set, rc, out);
	cr_expect_not_null(strstr(out, "pool_size=40000: must be 16..32768"), "%s", out);
	return false;
}

Test(kmod_facts, pool_size_above_32768_is_refused_before_boot)
{
	cr_expect(!boots_with("pool_size=40000"), "pool_size=40000 reached the guest");
	cr_expect(boots_with("pool_size=32768"), "pool_size=32768 (page_pool's limit) was refused");
}

/* The module's limit is the same line: 32768 in kmod/pbk_params.def. */
Test(kmod_facts, pool_size_limit_is_page_pools)
{
	FILE *f = fopen("kmod/pbk_params.def", "r");
	char line[256];
	unsigned lo = 0, hi = 0;

	cr_assert(f, "kmod/pbk_params.def: cannot open (run from the top of the tree)");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PBK_NUM(pool_size, uint, %u, %u,", &lo, &hi) == 2)
			break;
	fclose(f);
	cr_expect_eq(hi, 32768, "page_pool_init refuses pool_size > 32768 (-E2BIG); the module allows %u", hi);
}

/* One log, parsed as an emulated (tcg) guest's and as a hardware-virtualised (kvm) one's. */
Test(kmod_facts, compare_refuses_emulated_against_hardware)
{
	char out[8192], args[512], emu[128], hw[128];
	int rc;

	snprintf(emu, sizeof(emu), "%s/emu.json", tmpdir);
	snprintf(hw, sizeof(hw), "%s/hw.json", tmpdir);
	snprintf(args, sizeof(args), "kmod parse tests/data/kmod/good.log --accel tcg --json '%s'", emu);
	cr_assert_eq(pb(out, sizeof(out), args), 0, "%s", out);
	snprintf(args, sizeof(args), "kmod parse tests/data/kmod/good.log --accel kvm --json '%s'", hw);
	cr_assert_eq(pb(out, sizeof(out), args), 0, "%s", out);

	snprintf(args, sizeof(args), "compare '%s' '%s'", hw, emu);
	rc = pb(out, sizeof(out), args);
	cr_expect_eq(rc, 2, "exit %d: %s", rc, out);
	cr_expect_not_null(strstr(out, "emu.json was measured in an emulated guest and"), "%s", out);
	cr_expect_not_null(strstr(out, "--allow-emulated"), "%s", out);

	/* Told, it compares (good.log's 3 repetitions make every verdict inconclusive: exit 1). */
	snprintf(args, sizeof(args), "compare '%s' '%s' --allow-emulated", hw, emu);
	rc = pb(out, sizeof(out), args);
	cr_expect(rc == 0 || rc == 1, "exit %d: %s", rc, out);
	cr_expect_null(strstr(out, "emulated guest"), "%s", out);

	/* Two emulated files compare without being told. */
	snprintf(args, sizeof(args), "compare '%s' '%s'", emu, emu);
	rc = pb(out, sizeof(out), args);
	cr_expect(rc == 0 || rc == 1, "exit %d: %s", rc, out);
}
