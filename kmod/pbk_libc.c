// SPDX-License-Identifier: GPL-2.0-only
/* The little libc state and parsing the shared sources need in the kernel (see kmod/libc/). */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/percpu.h>
#include "platform_kernel.h"
#include "stdlib.h"	/* kmod/libc: pb_kernel_strtoull's prototype (6.8+ builds warn without it) */

DEFINE_PER_CPU(u64, pb_kernel_atomics);

int pb_kernel_errno;

/* Value of digit @c in @base, or -1. */
static int digit_value(char c, int base)
{
	int v;

	if (isdigit(c))
		v = c - '0';
	else if (isalpha(c))
		v = tolower(c) - 'a' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

/*
 * simple_strtoull would do, but it does not say when the value overflowed, and params.c
 * rejects an out-of-range value by errno as it does in userspace.
 */
unsigned long long pb_kernel_strtoull(const char *s, char **end, int base)
{
	unsigned long long x = 0;
	const char *p = s;
	bool overflow = false;
	int d;

	while (isspace(*p))
		p++;
	if (base == 0) {
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2], 16) >= 0) {
			base = 16;
			p += 2;
		} else if (p[0] == '0') {
			base = 8;
		} else {
			base = 10;
		}
	} else if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		   digit_value(p[2], 16) >= 0) {
		p += 2;
	}
	for (; (d = digit_value(*p, base)) >= 0; p++) {
		if (x > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			overflow = true;
		x = x * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)p;
	if (overflow) {
		pb_kernel_errno = ERANGE;
		return ULLONG_MAX;
	}
	return x;
}
