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

/* READ_ONCE / WRITE_ONCE and the ordered variants used by ring code. */
#define PB_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define PB_WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))
#define pb_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pb_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define pb_smp_wmb() atomic_thread_fence(memory_order_release)
#define pb_smp_rmb() atomic_thread_fence(memory_order_acquire)
#define pb_smp_mb() atomic_thread_fence(memory_order_seq_cst)
#define pb_barrier() __asm__ __volatile__("" ::: "memory")

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
