/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The portability layer: everything a backend needs from its world (atomics, locks,
 * barriers, the current CPU) behind one header, one implementation per world.
 * Backends include only this, so the same file compiles in userspace and in kmod/.
 */
#ifndef PB_PLATFORM_H
#define PB_PLATFORM_H

#ifdef __KERNEL__
#include "platform_kernel.h"
#else
#include "platform_user.h"
#endif

/* Measured threads of one run: each gets its own CPU slot. */
#define PB_MAX_THREADS PB_MAX_CPUS

#define PB_PAGE_SHIFT 12
#define PB_PAGE_SIZE (1UL << PB_PAGE_SHIFT)
#define PB_CACHELINE 64
#define pb_cacheline_aligned __attribute__((aligned(PB_CACHELINE)))

#define pb_likely(x) __builtin_expect(!!(x), 1)
#define pb_unlikely(x) __builtin_expect(!!(x), 0)
#define pb_noinline __attribute__((__noinline__))

/*
 * clear_page(): one page of zeroes, what kernel_init_pages does per page under
 * init_on_alloc. Userspace runs x86's clear_page_erms (rep stosb, which the kernel picks on
 * ERMS CPUs) rather than memset, which may choose vector stores of another cost.
 */
#ifdef __KERNEL__
static inline void pb_clear_page(void *addr) { clear_page(addr); }
#else
static inline void pb_clear_page(void *addr)
{
#if defined(__x86_64__)
	size_t n = PB_PAGE_SIZE;

	__asm__ __volatile__("rep stosb" : "+D"(addr), "+c"(n) : "a"(0) : "memory");
#else
	__builtin_memset(addr, 0, PB_PAGE_SIZE);
#endif
}
#endif

#ifndef __KERNEL__
/* Reports a broken invariant (bad page state, double free) on stderr and aborts, like BUG(). */
void pb_bug(const char *file, int line, const char *what) __attribute__((noreturn, cold));
/* Userspace: a prefix for pb_bug's line ("expected by the test: "), set by tests that abort on purpose. */
extern const char *pb_bug_expected;
#endif
#define PB_BUG_ON(cond, what) do { if (pb_unlikely(cond)) pb_bug(__FILE__, __LINE__, (what)); } while (0)

#endif
