// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guard against loading on a machine that does real work. A run holds its CPU in
 * softirq for a whole timed batch (up to PBK_MAX_BATCH_OPS operations: tens of milliseconds
 * on hardware, seconds under TCG), drains per-CPU page lists, and allocates mem= MiB per
 * shared backend instance plus up to outstanding= pages in kernel context, so packets,
 * timers and other tenants of that CPU wait. Two signs say "production", and either one
 * refuses the load unless i_know=1 is given:
 *   - no hypervisor: bare metal is somebody's real host (a test VM is the expected place);
 *   - more than PBK_GUARD_USED_GIB GiB in use (MemTotal - MemAvailable): a busy machine,
 *     VM or not, whose memory the run would squeeze.
 * The qemu guests of kmod/run-qemu.sh are VMs with 1 GiB, so they load without i_know=.
 */
#include <linux/mm.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include "pbk.h"

#define PBK_GUARD_USED_GIB 4

int pbk_guard(void)
{
	bool vm = boot_cpu_has(X86_FEATURE_HYPERVISOR);
	struct sysinfo si;
	unsigned long used_mib;
	char why[96];

	si_meminfo(&si);
	used_mib = (si.totalram - min_t(unsigned long, si.totalram, si_mem_available())) >>
		   (20 - PAGE_SHIFT);
	if (vm && used_mib <= PBK_GUARD_USED_GIB * 1024UL)
		return 0;
	snprintf(why, sizeof(why), "%s%lu MiB in use%s", vm ? "" : "not a VM, ", used_mib,
		 used_mib > PBK_GUARD_USED_GIB * 1024UL ? ", over " __stringify(PBK_GUARD_USED_GIB) " GiB" : "");
	if (pbk_cfg.i_know) {
		pr_warn(PBK_NAME ": i_know=1: loading on what looks like a production machine (%s)\n", why);
		return 0;
	}
	pr_err(PBK_NAME ": i_know=0: refusing to load on what looks like a production machine (%s): it holds a CPU in softirq and allocates memory in kernel context; load with i_know=1 if nothing on this machine matters more (docs/kmod.md)\n",
	       why);
	return -EPERM;
}
