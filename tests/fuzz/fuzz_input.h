/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every fuzz target shares: the parsers under test read files by path, so an input is
 * handed to them as an anonymous memory file (/proc/self/fd/N), and every refusal must be
 * the project's promise of one non-empty line (an error message with a newline, or none at
 * all, is a finding and traps).
 *
 * One memory file serves the whole process: each input replaces its contents (ftruncate to
 * 0, then pwrite), which costs two syscalls instead of memfd_create + write + close per
 * input. The parser still opens /proc/self/fd/N itself on every input, as it opens any path,
 * so its open/read/close is still exercised; the file's size is exactly the input's.
 */
#ifndef PB_FUZZ_INPUT_H
#define PB_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "params.h"

/* The input as a file: its path in @path; 0, or -1 when the memory file cannot be written. */
static inline int fuzz_as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("pb-fuzz", 0);
		if (fd < 0)
			return -1;
	}
	if (ftruncate(fd, 0))
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return 0;
}

/* A refusal's message: one line, not empty. Anything else is a bug the fuzzer reports. */
static inline void fuzz_check_refusal(const struct pb_err *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n'))
		__builtin_trap();
}

#endif
