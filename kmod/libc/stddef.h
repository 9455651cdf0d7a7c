/* SPDX-License-Identifier: GPL-2.0-only */
/* <stddef.h> for the shared sources: size_t, NULL, offsetof. */
#ifndef PBK_LIBC_STDDEF_H
#define PBK_LIBC_STDDEF_H

#include <linux/stddef.h>
#include <linux/types.h>

#endif
