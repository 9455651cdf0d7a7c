/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace replay in the kernel (mode=replay, trace=NAME; docs/kmod.md "Trace replay in the
 * kernel"): the shared engine of workloads/replay_{feed,exec,sample,core}.c on kthreads,
 * one per trace CPU, against k_page_pool (the real page_pool) and the shared backends.
 */
#ifndef PBK_REPLAY_H
#define PBK_REPLAY_H

#include <linux/types.h>

struct pb_alloc;
struct pb_alloc_ops;

/*
 * At load, in the loading process: checks the whole trace trace= names (format, every
 * packet's life, the CPUs it needs); -EINVAL after one pr_err line naming the byte offset
 * and field (or the event) of the first problem, before any output. 0 without mode=replay.
 */
int pbk_replay_setup(void);
/* Replays the checked trace against every selected backend (null too): records and figures. */
void pbk_replay_run(void);
/* At unload: lets go of the firmware loader's device. */
void pbk_replay_exit(void);

/* pbk_replay_fw.c: the device the firmware loader reads the trace for; 0 or -errno. */
int pbk_replay_fw_init(void);
/* pbk_replay_fw.c: unregisters that device (safe when init failed or never ran). */
void pbk_replay_fw_exit(void);

/* pbk_replay_pool.c: the real page_pool behind an ops table, for the engine. */
extern const struct pb_alloc_ops pbk_replay_page_pool_ops;
/* Pages an instance of pbk_replay_page_pool_ops holds out of the page allocator (hold - release). */
extern int64_t (*const pbk_replay_page_pool_pages_out)(struct pb_alloc *a);

/* pbk_param.c: the trace= and trace_as= parameters as given ("" when not). */
const char *pbk_param_trace(void);
const char *pbk_param_trace_as(void);

#endif
