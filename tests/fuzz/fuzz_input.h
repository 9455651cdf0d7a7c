/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every fuzz target shares: the parsers under test read files by path, so an input is
 * handed to them as an anonymous memory file (/proc/self/fd/N), and every refusal must be
 * the project's promise of one non-empty line (an error message with a newline, or none at
 * all, is a finding and traps).
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

/* The input as a file: its fd (close it after use) and its path in @path; -1 on failure. */
static inline int fuzz_as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("pb-fuzz", 0);

	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* A refusal's message: one line, not empty. Anything else is a bug the fuzzer reports. */
static inline void fuzz_check_refusal(const struct pb_err *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n'))
		__builtin_trap();
}

#endif
