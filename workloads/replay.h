/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace replay workloads (docs/traces.md, "Replay"): `--workload trace:FILE` replays a trace
 * file, `--workload slow-socket` (any generator name, or gen:NAME) generates one and
 * replays it as it is generated, with no file between. A replay has one pinned thread per
 * trace CPU, so its workload is made when the name is resolved, from the trace's header.
 */
#ifndef PB_REPLAY_H
#define PB_REPLAY_H

#include "workload.h"

/* Whether @name names a replay: "trace:FILE", "gen:NAME", a generator's name, or "replay". */
bool pb_replay_claims(const char *name);
/*
 * The replay workload @name names, its CPUs those of the trace (a generator's as @p's keys
 * for it make them; other keys are ignored). A file is read through and checked once (its
 * packet lives, one RX CPU). NULL + @err quoting @name (not the option) on a missing,
 * corrupt or foreign file, a bad generator parameter, or a trace this engine cannot run.
 * The workload lives as long as the process; the same trace shape gives the same pointer.
 */
const struct pb_workload *pb_replay_resolve(const char *name, const struct pb_params *p,
					    struct pb_err *err);
/* Whether @wl is a replay workload that pb_replay_resolve made. */
bool pb_replay_is(const struct pb_workload *wl);
/* Whether @wl is a replay of a generator whose CPUs may change with its --set keys. */
bool pb_replay_generated(const struct pb_workload *wl);

#endif
