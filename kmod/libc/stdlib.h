/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <stdlib.h> for the shared sources built into the module: the allocation calls go to the
 * kernel helpers of platform_kernel.h, strtoull to a checked parser, abort to BUG().
 * Functions, not macros, because "free" is also a member name in struct pb_alloc_ops.
 */
#ifndef PBK_LIBC_STDLIB_H
#define PBK_LIBC_STDLIB_H

#include "platform_kernel.h"

static inline void *malloc(size_t n) { return pb_kernel_malloc(n); }
static inline void *calloc(size_t n, size_t size) { return pb_kernel_calloc(n, size); }
static inline void free(void *p) { pb_kernel_free(p); }
static inline void *aligned_alloc(size_t align, size_t n) { return pb_kernel_aligned_alloc(align, n); }

/*
 * realloc for blocks that only realloc made (the replay's growing op and slot arrays):
 * krealloc, since the kernel keeps no size for a vmalloc'd block; NULL for a block that
 * malloc() put in vmalloc space (kmod/pbk_replay_fw.c).
 */
void *pbk_realloc(void *p, size_t n);
static inline void *realloc(void *p, size_t n) { return pbk_realloc(p, n); }

/* strtoull with the libc contract: *end past the digits, errno = ERANGE on overflow. */
unsigned long long pb_kernel_strtoull(const char *s, char **end, int base);
#define strtoull(s, end, base) pb_kernel_strtoull((s), (end), (base))

#define abort() BUG()

#endif
