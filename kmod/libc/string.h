/* SPDX-License-Identifier: GPL-2.0-only */
/* <string.h> for the shared sources: the kernel has every function they use. */
#ifndef PBK_LIBC_STRING_H
#define PBK_LIBC_STRING_H

#include <linux/string.h>

/* The kernel has no strerror: "error -N" in a static buffer per errno (kmod/pbk_replay_fw.c). */
const char *pbk_strerror(int e);
#define strerror pbk_strerror

#endif
