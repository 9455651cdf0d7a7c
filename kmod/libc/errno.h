/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <errno.h> for the shared sources: the kernel's error numbers and one module-wide errno.
 * The shared code sets it only in setup paths (parameter parsing, ring init), which the
 * module runs from one thread at a time.
 */
#ifndef PBK_LIBC_ERRNO_H
#define PBK_LIBC_ERRNO_H

#include <linux/errno.h>

extern int pb_kernel_errno;
#define errno pb_kernel_errno

#endif
