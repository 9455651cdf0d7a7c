/* SPDX-License-Identifier: GPL-2.0-only */
/* <limits.h> for the shared sources. */
#ifndef PBK_LIBC_LIMITS_H
#define PBK_LIBC_LIMITS_H

#include <linux/limits.h>

#endif
