/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdbool.h> for the shared sources: the kernel's bool. */
#ifndef PBK_LIBC_STDBOOL_H
#define PBK_LIBC_STDBOOL_H

#include <linux/types.h>

#endif
