/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdio.h> for the shared sources: snprintf is the kernel's; stderr is the kernel log. */
#ifndef PBK_LIBC_STDIO_H
#define PBK_LIBC_STDIO_H

#include <linux/kernel.h>
#include <linux/printk.h>

#define stderr NULL
#define fprintf(f, ...) printk(KERN_ERR __VA_ARGS__)

#endif
