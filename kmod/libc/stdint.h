/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdint.h> for the shared sources: linux/types.h has the types, these are the limits. */
#ifndef PBK_LIBC_STDINT_H
#define PBK_LIBC_STDINT_H

#include <linux/limits.h>
#include <linux/types.h>

#define INT32_MAX S32_MAX
#define INT32_MIN S32_MIN
#define UINT32_MAX U32_MAX
#define INT64_MAX S64_MAX
#define UINT64_MAX U64_MAX
#define UINT16_MAX U16_MAX
#define UINT8_MAX U8_MAX

#endif
