/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <stdatomic.h> for the shared sources: the C11 loads and stores on _Atomic objects (a
 * workload's stop flag, for instance), as the compiler's __atomic builtins, which is what
 * the libc header expands to as well. Only these: the read-modify-write names
 * (atomic_fetch_add, atomic_exchange, ...) are the kernel's own atomic_t API, so the shared
 * sources do their RMWs through platform.h's pb_atomic_*, which are counted anyway.
 */
#ifndef PBK_LIBC_STDATOMIC_H
#define PBK_LIBC_STDATOMIC_H

#define memory_order_relaxed __ATOMIC_RELAXED
#define memory_order_acquire __ATOMIC_ACQUIRE
#define memory_order_release __ATOMIC_RELEASE
#define memory_order_seq_cst __ATOMIC_SEQ_CST

#define atomic_store_explicit(p, v, mo) \
	({ __typeof__((void)0, *(p)) __pbk_v = (v); __atomic_store((p), &__pbk_v, (mo)); })
#define atomic_load_explicit(p, mo) \
	({ __typeof__((void)0, *(p)) __pbk_v; __atomic_load((p), &__pbk_v, (mo)); __pbk_v; })
#define atomic_store(p, v) atomic_store_explicit(p, v, __ATOMIC_SEQ_CST)
#define atomic_load(p) atomic_load_explicit(p, __ATOMIC_SEQ_CST)
#define atomic_init(p, v) atomic_store_explicit(p, v, __ATOMIC_RELAXED)

#endif
