/* SPDX-License-Identifier: GPL-2.0-only */
/* <string.h> for the shared sources: the kernel has every function they use. */
#ifndef PBK_LIBC_STRING_H
#define PBK_LIBC_STRING_H

#include <linux/string.h>

#endif
