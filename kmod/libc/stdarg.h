/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdarg.h> for the shared sources. */
#ifndef PBK_LIBC_STDARG_H
#define PBK_LIBC_STDARG_H

#include <linux/stdarg.h>

#endif
