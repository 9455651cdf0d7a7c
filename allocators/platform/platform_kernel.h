/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel side of platform.h, for the shared backend sources built into kmod/.
 *
 * Same contracts as platform_user.h, with the kernel's own primitives underneath, so a
 * backend runs the identical algorithm beside the real allocators: atomics are atomic_t,
 * locks are spinlock_t (one locked RMW uncontended, plus the preempt-count update the real
 * allocators also pay), the CPU is the one the scheduler says, and a broken invariant is a
 * real BUG(). The few libc calls the shared sources make (malloc and friends) land on
 * kvmalloc/kvfree through kmod/libc/, which includes this header.
 */
#ifndef PB_PLATFORM_KERNEL_H
#define PB_PLATFORM_KERNEL_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
/* C11 loads and stores of _Atomic flags, as platform_user.h has them (kmod/libc/stdatomic.h). */
#include <stdatomic.h>

/*
 * Per-CPU structures of the shared sources are arrays of this many slots; a CPU beyond it
 * shares a slot (see pb_cpu_id), which only ever makes a statistics counter racy.
 */
#define PB_MAX_CPUS 64

/*
 * Locked RMWs are counted per CPU, as the user side counts them per thread: this_cpu_inc
 * is one unlocked instruction, safe against preemption, so counting costs no atomic itself.
 */
DECLARE_PER_CPU(u64, pb_kernel_atomics);
#define pb_count_atomic() this_cpu_inc(pb_kernel_atomics)

typedef struct { atomic_t v; } pb_atomic_t;
typedef struct { atomic64_t v; } pb_atomic64_t;

/* Plain read/write of an atomic: READ_ONCE/WRITE_ONCE, no ordering. */
static inline int32_t pb_atomic_read(const pb_atomic_t *a) { return atomic_read(&a->v); }
static inline void pb_atomic_set(pb_atomic_t *a, int32_t v) { atomic_set(&a->v, v); }
/* Locked RMW without return value: no ordering promised. */
static inline void pb_atomic_add(pb_atomic_t *a, int32_t v) { pb_count_atomic(); atomic_add(v, &a->v); }
static inline void pb_atomic_inc(pb_atomic_t *a) { pb_atomic_add(a, 1); }
/* Locked RMW returning the new value; fully ordered. */
static inline int32_t pb_atomic_add_return(pb_atomic_t *a, int32_t v)
{ pb_count_atomic(); return atomic_add_return(v, &a->v); }
static inline int32_t pb_atomic_dec_return(pb_atomic_t *a) { return pb_atomic_add_return(a, -1); }
static inline int32_t pb_atomic_sub_return(pb_atomic_t *a, int32_t v) { return pb_atomic_add_return(a, -v); }

static inline int64_t pb_atomic64_read(const pb_atomic64_t *a) { return atomic64_read(&a->v); }
static inline void pb_atomic64_set(pb_atomic64_t *a, int64_t v) { atomic64_set(&a->v, v); }
static inline void pb_atomic64_add(pb_atomic64_t *a, int64_t v) { pb_count_atomic(); atomic64_add(v, &a->v); }
/* Compare-and-exchange; true when *a was @old and is now @new. */
static inline bool pb_atomic_cmpxchg(pb_atomic_t *a, int32_t old, int32_t new_)
{ pb_count_atomic(); return atomic_try_cmpxchg(&a->v, &old, new_); }

#define PB_READ_ONCE(x) READ_ONCE(x)
#define PB_WRITE_ONCE(x, val) WRITE_ONCE(x, val)
#define pb_load_acquire(p) smp_load_acquire(p)
#define pb_store_release(p, v) smp_store_release(p, v)
#define pb_smp_wmb() smp_wmb()
#define pb_smp_rmb() smp_rmb()
#define pb_smp_mb() smp_mb()
#define pb_barrier() barrier()
#define pb_cpu_relax() cpu_relax()
/* ThreadSanitizer annotations (platform_user.h): the kernel has KCSAN, not these. */
#define pb_tsan_acquire(addr) do { (void)(addr); } while (0)
#define pb_tsan_release(addr) do { (void)(addr); } while (0)
#define pb_tsan_ignore_begin() do { } while (0)
#define pb_tsan_ignore_end() do { } while (0)

typedef struct { spinlock_t l; } pb_spinlock_t;
static inline void pb_spin_init(pb_spinlock_t *l) { spin_lock_init(&l->l); }
static inline bool pb_spin_trylock(pb_spinlock_t *l) { pb_count_atomic(); return spin_trylock(&l->l); }
static inline void pb_spin_lock(pb_spinlock_t *l) { pb_count_atomic(); spin_lock(&l->l); }
static inline void pb_spin_unlock(pb_spinlock_t *l) { spin_unlock(&l->l); }

/* Busy-waits @ns nanoseconds: a modelled hardware cost that occupies the CPU. */
static inline void pb_ndelay(uint64_t ns) { ndelay(ns); }

/*
 * The CPU slot of the caller. raw_: callers outside measured regions may be preemptible,
 * and a migration there only moves a statistics increment to another slot.
 */
static inline unsigned pb_cpu_id(void) { return raw_smp_processor_id() % PB_MAX_CPUS; }
/* The scheduler, not the caller, decides the CPU in the kernel: nothing to record. */
static inline void pb_cpu_set_id(unsigned cpu) { }
/* in_softirq(): softirq or BH-disabled context (the module's batches run in a tasklet). */
static inline bool pb_in_softirq(void) { return in_softirq(); }

/* The node of the CPU the caller runs on. */
static inline unsigned pb_cpu_node_id(void) { return numa_node_id(); }
static inline void pb_cpu_set_node(unsigned node) { }
/*
 * numa.h's thread memory policy, which userspace needs to place a backend's bookkeeping on a
 * node: the kernel allocates by node itself, so there is nothing to bind or restore.
 */
struct pb_membind { bool set; };
static inline int pb_numa_membind_thread(int node, struct pb_membind *saved)
{ saved->set = false; return 0; }
static inline void pb_numa_membind_restore(const struct pb_membind *saved) { }

/* A broken invariant of the shared code: the kernel's own BUG(), after saying which. */
#define pb_bug(file, line, what) \
	do { pr_crit("pagebench: BUG at %s:%d: %s\n", (file), (line), (what)); BUG(); } while (0)

/*
 * Memory for the shared sources' own bookkeeping (never packet pages). Called from process
 * context only (create/destroy), so GFP_KERNEL; kv* so large per-CPU tables need no
 * high-order page. aligned_alloc: kmalloc aligns power-of-two sizes naturally and vmalloc
 * aligns to a page, which covers every alignment the shared code asks for (a cache line).
 */
static inline void *pb_kernel_malloc(size_t n) { return kvmalloc(n, GFP_KERNEL); }
static inline void *pb_kernel_calloc(size_t n, size_t size) { return kvcalloc(n, size, GFP_KERNEL); }
static inline void pb_kernel_free(void *p) { kvfree(p); }
static inline void *pb_kernel_aligned_alloc(size_t align, size_t n)
{
	if (n < align)
		n = align;
	if (n <= PAGE_SIZE)
		return kmalloc(roundup_pow_of_two(n), GFP_KERNEL);
	return kvmalloc(PAGE_ALIGN(n), GFP_KERNEL);
}


/* The real interrupt save/restore (the pcp lock's irqsave in mm/page_alloc.c). */
#define pb_local_irq_save(flags) local_irq_save(flags)
#define pb_local_irq_restore(flags) local_irq_restore(flags)
/* CPUs online. */
static inline unsigned pb_nr_online_cpus(void) { return num_online_cpus(); }
/* The running kernel's init_on_alloc (boot parameter or CONFIG_INIT_ON_ALLOC_DEFAULT_ON). */
static inline bool pb_init_on_alloc_default(void) { return want_init_on_alloc(0); }

#endif
