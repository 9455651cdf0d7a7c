/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Measuring in several processes (asv's "processes"): repetitions inside one process cannot
 * show how much a shared machine, the address-space layout or a process's luck changes the
 * figures between processes, so `run --processes N` runs the same command N times as
 * separate processes (exec of this binary: a fresh layout each time) and merges their
 * results, and `ab` alternates two builds process by process. This file starts and waits for
 * such a process and says which one the current process is.
 */
#ifndef PB_PROCESSES_H
#define PB_PROCESSES_H

#include <stdbool.h>
#include <stddef.h>
#include "params.h"

/* "I/N": the environment of process I (0-based) of N of one `run --processes N`. */
#define PB_PROCESS_ENV "PB_PROCESS"
/* Where that process writes its results (the parent reads and merges them). */
#define PB_PROCESS_JSON_ENV "PB_PROCESS_JSON"
/* "1": the parent's progress line overwrites itself on a terminal; the child's may as well. */
#define PB_PROCESS_TTY_ENV "PB_PROGRESS_TTY"

/*
 * Runs @argv (@argv[0] a path, or a name looked up in PATH) with the environment of this
 * process plus @env ("KEY=VALUE" strings, NULL-terminated; NULL for none), stdin from and
 * stdout to /dev/null, stderr shared, and waits for it, ignoring ^C meanwhile as system()
 * does (the child takes it). Returns its exit status (128 + signal when killed), or -1 +
 * @err when it could not be started.
 */
int pb_process_run(char *const argv[], char *const env[], struct pb_err *err);
/*
 * The signal (SIGTERM or SIGHUP) that asked this process to stop while pb_process_run was
 * waiting, 0 if none. pb_process_run passes such a signal on to its child and returns when
 * the child has gone, so the caller can keep what was measured and remove its temporary
 * files before it exits, instead of dying with them left behind.
 */
int pb_process_stop_signal(void);
/*
 * From pb_process_stop_begin() to pb_process_stop_end() SIGTERM and SIGHUP are caught for a
 * whole series of pb_process_run calls, so a stop between two processes (the parent reading
 * one's results) is seen by pb_process_stop_signal() as one during them, not the default
 * death that would leave the series' temporary files behind.
 */
void pb_process_stop_begin(void);
/* Restores the handlers pb_process_stop_begin() found (no-op outside a series). */
void pb_process_stop_end(void);
/*
 * Whether this process is process *@index of *@count of a `run --processes` (PB_PROCESS is
 * set and well formed: index < count); false otherwise, with *@index 0 and *@count 1.
 */
bool pb_process_child(unsigned *index, unsigned *count);
/* The path of this program's own binary into @buf (@len bytes); -1 + @err when unknown. */
int pb_process_self(char *buf, size_t len, struct pb_err *err);
/*
 * Run @k (0-based) of an A/B sequence in ABBA order (A B B A A B B A ...): true when it is
 * B's. Any even-length prefix runs both alike often, and drift that is linear in time
 * lands on both alike within every four.
 */
bool pb_abba_is_b(unsigned k);

#endif
