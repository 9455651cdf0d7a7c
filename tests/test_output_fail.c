// SPDX-License-Identifier: GPL-2.0-only
/*
 * An output file that cannot be written (a full disk) leaves the previous file as it was
 * and says so in one line, exit status 2: every writer of $PB_BIN (run --json, compare
 * --json, kmod parse --json, trace gen -o, trace import -o) goes through the one writer
 * (allocators/platform/atomic_file.c), whose test hook PB_TEST_WRITE_FAIL=28 fails the
 * commit with ENOSPC. Where the test runs as root and may mount, a 48 KiB tmpfs fills up
 * for real.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PREVIOUS "previous output: must survive a failed write\n"

static char dir[256];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pb-outfail-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Runs $PB_BIN @args with PB_TEST_WRITE_FAIL=@inject (NULL: unset); exit status, stderr in @errbuf. */
static int run(const char *const *args, const char *inject, char *errbuf, size_t len)
{
	const char *bin = getenv("PB_BIN");
	const char *argv[16] = { bin };
	char errpath[300];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, fd;
	ssize_t n;

	if (!bin)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	snprintf(errpath, sizeof(errpath), "%s.stderr", dir);
	if (inject)
		setenv("PB_TEST_WRITE_FAIL", inject, 1);
	else
		unsetenv("PB_TEST_WRITE_FAIL");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_eq(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	unsetenv("PB_TEST_WRITE_FAIL");
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	fd = open(errpath, O_RDONLY);
	n = fd >= 0 ? read(fd, errbuf, len - 1) : 0;
	errbuf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(errpath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void expect_file(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s is gone", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	cr_expect_str_eq(buf, text, "%s was changed", path);
}

/* Nothing but @keep (and the stderr capture, elsewhere) in the directory: no temp file left. */
static void expect_only(const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			cr_expect(keep && !strcmp(e->d_name, keep), "%s left in %s", e->d_name, dir);
	closedir(d);
}

/*
 * @args (with OUT where the output goes) under the injected ENOSPC: once over an existing
 * file, once where there was none; then without the hook, to show the same command writes.
 */
static void writer_keeps_previous(const char *const *args)
{
	const char *argv[16];
	char out[300], err[4096];
	int rc;

	mkdir_tmp();
	snprintf(out, sizeof(out), "%s/out", dir);
	for (int i = 0; i < 15; i++)
		if (!(argv[i] = args[i] && !strcmp(args[i], "OUT") ? out : args[i]))
			break;
	write_file(out, PREVIOUS);
	rc = run(argv, "28", err, sizeof(err));
	cr_expect_eq(rc, 2, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "No space left on device") && strstr(err, "the previous file is unchanged"),
		  "%s", err);
	cr_expect(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	expect_file(out, PREVIOUS);
	expect_only("out");

	unlink(out);
	rc = run(argv, "28", err, sizeof(err));
	cr_expect_eq(rc, 2, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "no file was written"), "%s", err);
	expect_only(NULL);

	rc = run(argv, NULL, err, sizeof(err));
	cr_expect(rc == 0 || rc == 1, "without the hook: exit %d: %s", rc, err);
	cr_expect_eq(access(out, F_OK), 0, "without the hook nothing was written: %s", err);
	expect_only("out");
	rm_tmp();
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(output_fail, run_json, .timeout = 120)
{
	writer_keeps_previous(ARGS("run", "--alloc", "buddy", "--workload", "alloc-free", "--reps", "1",
				   "--ops", "2000", "--no-baselines", "--json", "OUT"));
}

Test(output_fail, compare_json)
{
	writer_keeps_previous(ARGS("compare", "tests/data/compare/drift_old.json",
				   "tests/data/compare/drift_new.json", "--json", "OUT"));
}

Test(output_fail, kmod_parse_json)
{
	writer_keeps_previous(ARGS("kmod", "parse", "tests/data/kmod/good.log", "--json", "OUT"));
}

Test(output_fail, trace_gen)
{
	writer_keeps_previous(ARGS("trace", "gen", "rx-drop", "--set", "packets=2000", "-o", "OUT"));
}

Test(output_fail, trace_import)
{
	writer_keeps_previous(ARGS("trace", "import", "tests/data/traces/veth-drop.txt", "-o", "OUT"));
}

/* A real full disk: a 48 KiB tmpfs cannot take a run's 30 KiB file beside the previous one. */
Test(output_fail, full_tmpfs, .timeout = 120)
{
	static const char filler[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
	char out[300], fill[300], err[4096];
	FILE *f;
	int rc;

	mkdir_tmp();
	if (mount("tmpfs", dir, "tmpfs", 0, "size=48k")) {
		rm_tmp();
		cr_skip_test("cannot mount a tmpfs here (%s): the injected error covers it", strerror(errno));
	}
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(fill, sizeof(fill), "%s/fill", dir);
	write_file(out, PREVIOUS);
	/* Leave about 16 KiB: less than any run's results file. */
	f = fopen(fill, "w");
	for (int i = 0; f && i < 32 * 1024 / 64; i++)
		fputs(filler, f);
	if (f)
		fclose(f);
	rc = run(ARGS("run", "--alloc", "buddy", "--workload", "alloc-free", "--reps", "1", "--ops", "2000",
		      "--json", out), NULL, err, sizeof(err));
	cr_expect_eq(rc, 2, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "No space left on device") && strstr(err, "the previous file is unchanged"),
		  "%s", err);
	expect_file(out, PREVIOUS);
	unlink(fill);
	unlink(out);
	cr_expect_eq(umount(dir), 0, "%s", strerror(errno));
	rm_tmp();
}
