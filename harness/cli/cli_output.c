// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files are checked before anything runs, by doing what the writer will do: create
 * a temporary file beside the target (atomic_file.c writes PATH.tmp.XXXXXX and renames
 * it). access() would say yes on a read-only mount, to root, or in /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "results_json.h"

/* Test hook: PB_TEST_OUTPUT_FAIL=errno-number makes the probe fail as the kernel would. */
static int injected_failure(void)
{
	const char *v = getenv("PB_TEST_OUTPUT_FAIL");

	return v && *v ? atoi(v) : 0;
}

int pb_cli_output_check(const char *opt, const char *path, struct pb_err *err)
{
	char dir[1024], probe[1100];
	struct stat st;
	int fd, e;

	if (!*path)
		return pb_err_set(err, "%s '': empty file name", opt);
	if (strlen(path) >= sizeof(dir))
		return pb_err_set(err, "%s %.64s...: path too long", opt, path);
	if (path[strlen(path) - 1] == '/' || (!stat(path, &st) && S_ISDIR(st.st_mode)))
		return pb_err_set(err, "%s %s: is a directory", opt, path);
	pb_parent_dir(path, dir, sizeof(dir));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return pb_err_set(err, "%s %s: no directory '%s'", opt, path, dir);
	snprintf(probe, sizeof(probe), "%s.tmp.XXXXXX", path);
	e = injected_failure();
	if (e) {
		fd = -1;
		errno = e;
	} else {
		fd = mkstemp(probe);
	}
	if (fd < 0)
		return pb_err_set(err, "%s %s: cannot create a file in '%s': %s", opt, path, dir,
				  strerror(errno));
	close(fd);
	unlink(probe);
	/* An existing target the rename could not replace (a file in a sticky directory). */
	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		return pb_err_set(err, "%s %s: exists and is not a regular file", opt, path);
	return 0;
}
