/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one way pagebench writes an output file (results, compare --json, traces): into a
 * temporary file beside the final name, flushed and fsync'ed, then renamed over it, so a
 * crash or a full disk leaves either the whole new file or the old one, never part of one.
 * Userspace only (the kernel module writes no files).
 *
 * Test hook: PB_TEST_WRITE_FAIL=ERRNO (a number, 28 for ENOSPC) makes every commit fail with
 * that error after the data was written and before the rename, as a full disk reports it
 * at fsync: what callers do then is testable without filling a disk.
 */
#ifndef PB_ATOMIC_FILE_H
#define PB_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct pb_afile {
	FILE *f;		/* write through this, then commit or abort */
	char *path, *tmp;
	bool had_target;	/* @path existed at open: a failure leaves it as it was */
};

/* Creates @path's temporary file (mode from the umask); 0, or an errno with nothing created. */
int pb_afile_open(struct pb_afile *af, const char *path);
/*
 * Flushes, fsyncs, closes and renames the file into place (then syncs the directory);
 * 0, or an errno after removing the temporary file (the target is untouched). Frees @af's
 * names either way.
 */
int pb_afile_commit(struct pb_afile *af);
/* Removes the temporary file and frees @af's names; the target is untouched. */
void pb_afile_abort(struct pb_afile *af);
/* What a failure left at the target, for the one-line error: "the previous FILE is unchanged". */
const char *pb_afile_left(bool had_target);
/* The directory @path's file is in ("." for a bare name, "/" for the root) into @dir. */
void pb_parent_dir(const char *path, char *dir, size_t len);

#endif
