// SPDX-License-Identifier: GPL-2.0-only
/* Output files written whole or not at all (atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"

void pb_parent_dir(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

static void afile_free(struct pb_afile *af)
{
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->f = NULL;
}

int pb_afile_open(struct pb_afile *af, const char *path)
{
	static const char suffix[] = ".tmp.XXXXXX";
	struct stat st;
	mode_t mask;
	int fd, e;

	memset(af, 0, sizeof(*af));
	af->path = strdup(path);
	af->tmp = malloc(strlen(path) + sizeof(suffix));
	if (!af->path || !af->tmp) {
		afile_free(af);
		return ENOMEM;
	}
	strcpy(af->tmp, path);
	strcat(af->tmp, suffix);
	af->had_target = !stat(path, &st);
	fd = mkstemp(af->tmp);
	if (fd < 0) {
		e = errno;
		afile_free(af);
		return e;
	}
	/* mkstemp creates 0600; an output file is meant to be shared: the usual umask. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(af->f = fdopen(fd, "wb"))) {
		e = errno;
		close(fd);
		unlink(af->tmp);
		afile_free(af);
		return e;
	}
	return 0;
}

/* PB_TEST_WRITE_FAIL's errno, or 0. */
static int injected_write_error(void)
{
	const char *v = getenv("PB_TEST_WRITE_FAIL");

	return v && *v ? atoi(v) : 0;
}

/* Makes the rename itself durable: a crash right after must not lose the new file. */
static void sync_parent(const char *path)
{
	char dir[4096];
	int fd;

	pb_parent_dir(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);	/* best effort: the file itself is already synced */
		close(fd);
	}
}

int pb_afile_commit(struct pb_afile *af)
{
	int e = 0;

	errno = 0;
	if (fflush(af->f) || ferror(af->f))
		e = errno ? errno : EIO;
	else if ((e = injected_write_error()) != 0)
		;
	else if (fsync(fileno(af->f)))
		e = errno;
	/* fclose can report a delayed write error (NFS): checked before publishing. */
	if (fclose(af->f) && !e)
		e = errno;
	af->f = NULL;
	if (!e && rename(af->tmp, af->path))
		e = errno;
	if (e)
		unlink(af->tmp);
	else
		sync_parent(af->path);
	afile_free(af);
	return e;
}

void pb_afile_abort(struct pb_afile *af)
{
	if (af->f)
		fclose(af->f);
	if (af->tmp)
		unlink(af->tmp);
	afile_free(af);
}

const char *pb_afile_left(bool had_target)
{
	return had_target ? "the previous file is unchanged" : "no file was written";
}
