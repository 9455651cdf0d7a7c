/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel module's log (kmod/, docs/kmod.md): the "PBK ..." lines of a serial log, dmesg
 * or the debugfs results file, parsed and turned into a result set with the same record
 * pipeline as `pagebench run` (record.h). The module prints integers only; everything
 * statistical is computed here. A log that does not parse is refused whole.
 */
#ifndef PB_KMOD_LOG_H
#define PB_KMOD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include "params.h"
#include "result.h"

struct pb_kmod_log;

/*
 * Parses the log at @path into *@out (free with pb_kmod_log_free). -1, *@out NULL and @err
 * "PATH:LINE: problem" (or "PATH: problem") when the file cannot be read or does not parse.
 */
int pb_kmod_log_parse(const char *path, struct pb_kmod_log **out, struct pb_err *err);
/*
 * Builds @set (zeroed first; free with pb_result_set_free) from a parsed log: the machine the
 * module ran on, one job context (kernel facts, CPUs, TSC rate, emulated), one finished record
 * per module record. @accel "tcg" or "kvm" says how the guest ran; NULL: from the log (an
 * 'accel=' fact, else QEMU's unknown hypervisor signature means TCG). -1 + @err.
 */
int pb_kmod_log_results(const struct pb_kmod_log *L, const char *accel, struct pb_result_set *set,
			struct pb_err *err);
/* Errors and failed checks the log shows; *@first describes the first ("" when none). */
unsigned pb_kmod_log_failures(const struct pb_kmod_log *L, const char **first);
/* The largest failure count the module itself reported and the line it is on (0: none). */
uint64_t pb_kmod_log_reported(const struct pb_kmod_log *L, unsigned *line);
/* True when some record's atomics could not be counted (real kernel code). */
bool pb_kmod_log_uncounted(const struct pb_kmod_log *L);
/* Frees a parsed log (NULL is fine). */
void pb_kmod_log_free(struct pb_kmod_log *L);

#endif
