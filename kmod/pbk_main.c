// SPDX-License-Identifier: GPL-2.0-only
/*
 * pagebench_kmod: the kernel-module variant of pagebench. Loading it runs what the
 * parameters ask for (see docs/kmod.md) on a kthread bound to cpu=, prints the results as
 * "PBK ..." lines and returns. Only a bad parameter fails the load: anything that goes
 * wrong later is a "PBK error" line, because a failing init would be retried by some
 * loaders and would hide the log of what did run.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include "pbk.h"
#include "pbk_replay.h"

static DECLARE_COMPLETION(driver_done);
static long free_at_load;
static unsigned held_at_load;

static void run_all(void)
{
	long d;

	pbk_out("begin format=%d module=%s git=%s", PBK_FORMAT, PBK_NAME, PB_GIT_REV);
	if (pbk_time_init())
		pbk_error("cannot measure the timer overhead: out of memory");
	pbk_ctx_emit();
	free_at_load = pbk_free_pages();
	if (pbk_cfg.modes & PBK_MODE_BENCH) {
		pbk_shared_baselines();
		pbk_kernel_run();
		pbk_shared_run();
	}
	if (pbk_cfg.modes & PBK_MODE_NUMA)
		pbk_checks_numa();
	if (pbk_cfg.modes & PBK_MODE_REPLAY)
		pbk_replay_run();
	if (pbk_cfg.modes & PBK_MODE_INFLIGHT) {
		pbk_checks_inflight();
		held_at_load = pbk_cfg.inflight;
	}
	/* Pages lent out on purpose (mode=inflight) are missing until unload. */
	d = pbk_free_settle(free_at_load - held_at_load, 2000);
	pbk_check("free_pages_load", abs(d) <= PBK_FREE_TOLERANCE,
		  "free_delta=%ld held_on_purpose=%u tolerance=%d", d, held_at_load,
		  PBK_FREE_TOLERANCE);
	pbk_out("end failures=%u", pbk_out_failures());
}

static int driver(void *unused)
{
	run_all();
	kthread_complete_and_exit(&driver_done, 0);
}

static int __init pbk_init(void)
{
	struct task_struct *t;
	int ret = pbk_param_setup();

	if (!ret)
		ret = pbk_guard();	/* refuses a production-looking machine without i_know=1 */
	if (ret)
		return ret;
	ret = pbk_replay_setup();	/* a bad trace fails the load, like a bad parameter */
	if (ret)
		return ret;
	/* Without the buffer the results still reach the kernel log: not worth failing for. */
	if (pbk_out_init())
		pr_warn(PBK_NAME ": no memory for the debugfs results buffer; kernel log only\n");
	if (pbk_cfg.fault == PBK_FAULT_WARN)
		WARN(1, PBK_NAME ": fault=warn: a warning on purpose\n");
	if (pbk_cfg.fault == PBK_FAULT_BUG) {
		pr_crit(PBK_NAME ": fault=bug: an oops on purpose\n");
		BUG();
	}
	pbk_ctx_collect();
	reinit_completion(&driver_done);
	t = kthread_create(driver, NULL, "pagebench/%u", pbk_cfg.cpu);
	if (IS_ERR(t)) {
		pbk_error("cannot create the benchmark kthread (%ld)", PTR_ERR(t));
		pbk_out("end failures=%u", pbk_out_failures());
		pbk_out_publish();
		return 0;
	}
	kthread_bind(t, pbk_cfg.cpu);
	wake_up_process(t);
	/* Woken every few seconds, so a long run does not look like a hung task. */
	while (!wait_for_completion_timeout(&driver_done, 5 * HZ))
		;
	pbk_out_publish();
	return 0;
}

static void __exit pbk_exit(void)
{
	long d;

	if (pbk_cfg.modes & PBK_MODE_INFLIGHT)
		pbk_checks_inflight_exit();
	d = pbk_free_settle(free_at_load, 2000);
	pbk_check("free_pages_unload", abs(d) <= PBK_FREE_TOLERANCE,
		  "free_delta=%ld tolerance=%d", d, PBK_FREE_TOLERANCE);
	pbk_out("unloaded failures=%u", pbk_out_failures());
	pbk_out_exit();
	pbk_replay_exit();
}

module_init(pbk_init);
module_exit(pbk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pagebench: packet-buffer page allocators measured in the kernel");
