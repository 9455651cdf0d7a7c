#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes drift_old.json (schema 1) and drift_new.json (schema 2, with Google Benchmark rows)
for tests/test_compare_golden.c. The machine got 10% slower between the runs (every baseline
x1.10); backend "same" changed with it (net 0), "slower" went x1.30 (net +18.2%), "faster"
x0.80 (net -27.3%). The baselines spread 0.8% across repetitions (the backends 8%), so the
drift's interval is narrow enough to apply. Run from this directory; the output is
deterministic. drift.expected and drift_off.expected are what `pagebench compare drift_old.json
drift_new.json` prints, by default and with --no-drift; drift.expected.json is what its
--json FILE writes, by default."""
import json

PERM = (4, 0, 8, 2, 6, 1, 7, 3, 5)
OLD = [100.0 + i for i in PERM]
OLD_BASE = [100.0 + i / 10 for i in PERM]
FACTORS = {"for-loop": 1.10, "atomic-inc": 1.10, "spin-lock": 1.10,
           "same": 1.10, "slower": 1.30, "faster": 0.80}


def rec(name, alloc, kind, samples, version):
    b = {"name": name, "alloc": alloc, "workload": "alloc-free" if alloc else name, "kind": kind,
         "params": {}, "repetitions": len(samples), "ops": 1000, "ops_measured": 9000,
         "cycles_per_op": {"median": sorted(samples)[len(samples) // 2]},
         "ns_per_op": {"median": sorted(samples)[len(samples) // 2] / 2},
         "samples": [{"repetition": i, "cycles_per_op": s, "ns_per_op": s / 2}
                     for i, s in enumerate(samples)],
         "unstable": False}
    if version == 2:
        b["counters"] = {"atomics_per_op": {"kind": "rate", "value": None}}
    return b


def doc(version, scale):
    benches = []
    for n in ("same", "slower", "faster", "for-loop", "atomic-inc", "spin-lock"):
        base = n in ("for-loop", "atomic-inc", "spin-lock")
        samples = [round(x * (FACTORS[n] if scale else 1.0), 6) for x in (OLD_BASE if base else OLD)]
        name = n if base else f"alloc-free/{n}"
        benches.append(rec(name, None if base else n, "baseline" if base else "backend",
                           samples, version))
        if version == 2:
            # Google Benchmark's rows: the reader must skip them.
            benches += [{"name": name, "gbench_row": True, "run_type": "iteration",
                         "repetition_index": i, "real_time": s / 2, "cpu_time": s / 2,
                         "time_unit": "ns"} for i, s in enumerate(samples)]
    ctx = {"schema_version": version, "library": "pagebench"}
    if version == 1:
        ctx.update({"tsc_hz": 2e9, "measured_cpus": [0], "seed": 1, "metric": "time"})
    d = {"context": ctx, "benchmarks": benches}
    if version == 2:
        d["jobs"] = [{"job": "", "tsc_hz": 2e9, "threads": [{"role": "main", "cpu": 0, "node": 0}],
                      "seed": 1, "metric": "time", "unstable_cv": 0.05}]
    return d


for fname, version, scale in (("drift_old.json", 1, False), ("drift_new.json", 2, True)):
    with open(fname, "w") as f:
        json.dump(doc(version, scale), f, indent=1)
        f.write("\n")
