/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace side of platform.h: C11 atomics with the kernel's ordering
 * (RMW ops that return a value are full barriers, as in the kernel),
 * a test-and-test-and-set spinlock, and the CPU slot of the calling thread.
 */
#ifndef PB_PLATFORM_USER_H
#define PB_PLATFORM_USER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "numa.h"	/* topology, pinning and memory binding (hwloc) */

#define PB_MAX_CPUS 64

/*
 * Every locked read-modify-write executed by a thread is counted here, so "atomics per
 * packet" is a measured figure that no backend can forget to report. Plain loads and
 * stores are not counted: they are not locked instructions on x86.
 */
extern _Thread_local uint64_t pb_tls_atomics;
#define pb_count_atomic() (pb_tls_atomics++)

typedef struct { _Atomic int32_t v; } pb_atomic_t;
typedef struct { _Atomic int64_t v; } pb_atomic64_t;

/* Plain read/write of an atomic: READ_ONCE/WRITE_ONCE, no ordering. */
static inline int32_t pb_atomic_read(const pb_atomic_t *a)
{ return atomic_load_explicit(&((pb_atomic_t *)a)->v, memory_order_relaxed); }
static inline void pb_atomic_set(pb_atomic_t *a, int32_t v)
{ atomic_store_explicit(&a->v, v, memory_order_relaxed); }
/* Locked RMW without return value (kernel atomic_inc: no ordering promised). */
static inline void pb_atomic_add(pb_atomic_t *a, int32_t v)
{ pb_count_atomic(); atomic_fetch_add_explicit(&a->v, v, memory_order_relaxed); }
static inline void pb_atomic_inc(pb_atomic_t *a) { pb_atomic_add(a, 1); }
/* Locked RMW returning the new value; fully ordered like the kernel's. */
static inline int32_t pb_atomic_add_return(pb_atomic_t *a, int32_t v)
{ pb_count_atomic(); return atomic_fetch_add_explicit(&a->v, v, memory_order_seq_cst) + v; }
static inline int32_t pb_atomic_dec_return(pb_atomic_t *a) { return pb_atomic_add_return(a, -1); }
static inline int32_t pb_atomic_sub_return(pb_atomic_t *a, int32_t v) { return pb_atomic_add_return(a, -v); }

static inline int64_t pb_atomic64_read(const pb_atomic64_t *a)
{ return atomic_load_explicit(&((pb_atomic64_t *)a)->v, memory_order_relaxed); }
static inline void pb_atomic64_set(pb_atomic64_t *a, int64_t v)
{ atomic_store_explicit(&a->v, v, memory_order_relaxed); }
static inline void pb_atomic64_add(pb_atomic64_t *a, int64_t v)
{ pb_count_atomic(); atomic_fetch_add_explicit(&a->v, v, memory_order_relaxed); }
/* Compare-and-exchange; true when *a was @old and is now @new. */
static inline bool pb_atomic_cmpxchg(pb_atomic_t *a, int32_t old, int32_t new_)
{ pb_count_atomic(); return atomic_compare_exchange_strong(&a->v, &old, new_); }

/*
 * READ_ONCE / WRITE_ONCE of a scalar another thread may write / read at the same time:
 * relaxed atomics rather than volatile accesses. On x86 both are one plain mov, but only
 * the atomic is a race the C memory model allows and ThreadSanitizer accepts (a volatile
 * access is a data race to it), so a READ_ONCE on one side and a WRITE_ONCE on the other
 * is how an intended race is told to TSan (docs/tsan.md). Scalars only, as in the kernel.
 */
#define PB_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PB_WRITE_ONCE(x, val) __atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
/* The ordered variants used by ring code. */
#define pb_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pb_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define pb_smp_wmb() atomic_thread_fence(memory_order_release)
#define pb_smp_rmb() atomic_thread_fence(memory_order_acquire)
#define pb_smp_mb() atomic_thread_fence(memory_order_seq_cst)
#define pb_barrier() __asm__ __volatile__("" ::: "memory")

/*
 * ThreadSanitizer annotations, for the places where a hand-off is synchronised by something
 * TSan cannot see: a library built without it (DPDK's ring), inline assembly (liburcu's
 * uatomic), or a standalone fence (TSan models no atomic_thread_fence). Each use says why
 * the hand-off is ordered (docs/tsan.md lists them). Without TSan they are nothing at all.
 *   pb_tsan_release(addr)   everything this thread did so far happens before...
 *   pb_tsan_acquire(addr)   ...whatever the thread that acquires @addr after it does next
 *   pb_tsan_ignore_begin/end()  this thread's accesses in between are not tracked (a
 *                           library's own publication, whose ordering the pair above states)
 */
#if defined(__SANITIZE_THREAD__)
#define PB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PB_TSAN 1
#endif
#endif
#ifdef PB_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define pb_tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define pb_tsan_release(addr) __tsan_release((void *)(addr))
#define pb_tsan_ignore_begin() __tsan_ignore_thread_begin()
#define pb_tsan_ignore_end() __tsan_ignore_thread_end()
#else
#define pb_tsan_acquire(addr) do { (void)(addr); } while (0)
#define pb_tsan_release(addr) do { (void)(addr); } while (0)
#define pb_tsan_ignore_begin() do { } while (0)
#define pb_tsan_ignore_end() do { } while (0)
#endif

static inline void pb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	pb_barrier();
#endif
}

/* Spinlock: one locked xchg to take it uncontended, the same cost the kernel pays. */
typedef struct { _Atomic int locked; } pb_spinlock_t;
static inline void pb_spin_init(pb_spinlock_t *l) { atomic_init(&l->locked, 0); }
static inline bool pb_spin_trylock(pb_spinlock_t *l)
{ pb_count_atomic(); return !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire); }
static inline void pb_spin_lock(pb_spinlock_t *l)
{
	while (pb_count_atomic(), atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			pb_cpu_relax();
}
static inline void pb_spin_unlock(pb_spinlock_t *l)
{ atomic_store_explicit(&l->locked, 0, memory_order_release); }

/* Busy-waits @ns nanoseconds (ndelay): a modelled hardware cost that occupies the CPU. */
static inline void pb_ndelay(uint64_t ns)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((uint64_t)((t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec)) < ns);
}

/*
 * The CPU slot (0..PB_MAX_CPUS-1) of the calling thread: the harness sets it when it pins a
 * thread, so per-CPU structures are indexed the way the kernel's this_cpu_ptr() would be.
 */
extern _Thread_local unsigned pb_tls_cpu;
static inline unsigned pb_cpu_id(void) { return pb_tls_cpu; }
/* Declares the calling thread to run as CPU slot @cpu (< PB_MAX_CPUS). */
static inline void pb_cpu_set_id(unsigned cpu) { pb_tls_cpu = cpu; }
/*
 * The NUMA node of the CPU the calling thread is pinned to (numa_node_id()): set with the
 * CPU slot when the harness pins the thread, 0 for a thread it never pinned.
 */
extern _Thread_local unsigned pb_tls_node;
static inline unsigned pb_cpu_node_id(void) { return pb_tls_node; }
/* Declares the calling thread to run on NUMA node @node. */
static inline void pb_cpu_set_node(unsigned node) { pb_tls_node = node; }

/*
 * in_softirq(): whether the caller runs in softirq (NAPI) context, which page_pool's direct
 * recycling and napi_pp_put_page test. Userspace has no softirq: a measured loop stands for
 * a NAPI poll, so every thread starts "in softirq" (1); a test clears it to see the paths a
 * process-context caller takes. The read is what the kernel's preempt_count read costs.
 */
extern _Thread_local unsigned pb_tls_softirq;
static inline bool pb_in_softirq(void) { return PB_READ_ONCE(pb_tls_softirq) != 0; }


/*
 * local_irq_save/restore as far as userspace can: the kernel's is pushf; pop; cli and
 * push; popf. cli is privileged here, so this is pushf; pop and push; popf, and popf with an
 * unchanged IF is the instruction that carries the cost (microcoded, serialising the flags;
 * cli costs a few cycles beside it). Other architectures get a compiler barrier only.
 */
#if defined(__x86_64__)
#define pb_local_irq_save(flags) \
	__asm__ __volatile__("pushfq; popq %0" : "=rm"(flags) : : "memory")
#define pb_local_irq_restore(flags) \
	__asm__ __volatile__("pushq %0; popfq" : : "g"(flags) : "memory", "cc")
#else
#define pb_local_irq_save(flags) do { (flags) = 0; pb_barrier(); } while (0)
#define pb_local_irq_restore(flags) do { (void)(flags); pb_barrier(); } while (0)
#endif

/* init_on_alloc of the kernel modelled: on, as Debian builds it (INIT_ON_ALLOC_DEFAULT_ON). */
static inline bool pb_init_on_alloc_default(void) { return true; }

/* CPUs online (num_online_cpus()), at least 1. */
static inline unsigned pb_nr_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

#endif
