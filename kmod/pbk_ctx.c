// SPDX-License-Identifier: GPL-2.0-only
/*
 * The facts that change the figures, printed before any record: kernel, CPU, TSC, NUMA,
 * the debug options that slow the allocators down (lock debugging, init_on_alloc), the
 * speculation mitigations that tax every call and return, and whether page_pool recycles
 * directly with only BHs off (not on every 6.1 build: see pbk_time.c).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include "pbk.h"

static struct {
	char srso[128];
	char spectre_v2[160];
	char cmdline[320];
} facts;

/* First line of @path into @buf, or why it could not be read. */
static void read_line(const char *path, char *buf, size_t len)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f)) {
		snprintf(buf, len, "unreadable (error %ld)", PTR_ERR(f));
		return;
	}
	n = kernel_read(f, buf, len - 1, &pos);
	filp_close(f, NULL);
	if (n < 0) {
		snprintf(buf, len, "unreadable (error %zd)", n);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pbk_quote_safe(buf, len, buf);
}

/*
 * Called from module init, in the loading process: it sees the filesystems the user sees,
 * which a kthread (rooted where the kernel started) may not.
 */
void pbk_ctx_collect(void)
{
	read_line("/sys/devices/system/cpu/vulnerabilities/spec_rstack_overflow", facts.srso,
		  sizeof(facts.srso));
	read_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2", facts.spectre_v2,
		  sizeof(facts.spectre_v2));
	read_line("/proc/cmdline", facts.cmdline, sizeof(facts.cmdline));
}

static const char *preempt_model(void)
{
	if (preempt_model_full())
		return "full";
	if (preempt_model_voluntary())
		return "voluntary";
	return preempt_model_none() ? "none" : "other";
}

static const char *hypervisor_name(void)
{
	static const char *const names[] = {
		[X86_HYPER_NATIVE] = "none", [X86_HYPER_VMWARE] = "vmware",
		[X86_HYPER_MS_HYPERV] = "hyperv", [X86_HYPER_XEN_PV] = "xen-pv",
		[X86_HYPER_XEN_HVM] = "xen-hvm", [X86_HYPER_KVM] = "kvm",
	};

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return "none";
	if ((unsigned)x86_hyper_type < ARRAY_SIZE(names) && names[x86_hyper_type])
		return x86_hyper_type == X86_HYPER_NATIVE ? "unknown" : names[x86_hyper_type];
	return "other";
}

void pbk_ctx_emit(void)
{
	struct new_utsname *u = utsname();
	char model[64], version[80];

	pbk_quote_safe(model, sizeof(model), boot_cpu_data.x86_model_id);
	pbk_quote_safe(version, sizeof(version), u->version);
	pbk_out("ctx release=\"%s\" version=\"%s\" machine=%s host=\"%s\"", u->release, version,
		u->machine, u->nodename);
	pbk_out("ctx cpu_model=\"%s\" ncpus=%u nodes=%u tsc_khz=%u tsc_flags=\"%s%s%s\" hypervisor=%s llc_kb=%u",
		model, num_online_cpus(), num_node_state(N_MEMORY), tsc_khz,
		boot_cpu_has(X86_FEATURE_CONSTANT_TSC) ? "constant_tsc" : "",
		boot_cpu_has(X86_FEATURE_CONSTANT_TSC) && boot_cpu_has(X86_FEATURE_NONSTOP_TSC) ? " " : "",
		boot_cpu_has(X86_FEATURE_NONSTOP_TSC) ? "nonstop_tsc" : "", hypervisor_name(),
		boot_cpu_data.x86_cache_size);
	pbk_out("ctx init_on_alloc=%d init_on_free=%d debug_lock_alloc=%d prove_locking=%d debug_preempt=%d debug_vm=%d debug_pagealloc=%d kasan=%d page_pool_stats=%d preempt=%s",
		want_init_on_alloc(GFP_ATOMIC), want_init_on_free(),
		IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC), IS_ENABLED(CONFIG_PROVE_LOCKING),
		IS_ENABLED(CONFIG_DEBUG_PREEMPT), IS_ENABLED(CONFIG_DEBUG_VM),
		IS_ENABLED(CONFIG_DEBUG_PAGEALLOC), IS_ENABLED(CONFIG_KASAN),
		IS_ENABLED(CONFIG_PAGE_POOL_STATS), preempt_model());
	pbk_out("ctx srso=\"%s\" spectre_v2=\"%s\"", facts.srso, facts.spectre_v2);
	pbk_out("ctx cmdline=\"%s\"", facts.cmdline);
	pbk_out("ctx timer_overhead=%llu pp_direct_bh=%d pp_direct_softirq=%d date=%lld cpu=%u cpu2=%d",
		pbk_timer_overhead, pbk_pp_probe(false), pbk_pp_probe(true),
		(long long)ktime_get_real_seconds(), pbk_cfg.cpu, pbk_cfg.cpu2);
	pbk_out("ctx napi_pp_put_page=\"%s\" pp_release=\"%s\"", pbk_napi_pp_put_page_fact(),
		pbk_pp_release_fact());
	pbk_out("ctx params=\"%s\"", pbk_cfg.echo);
}
