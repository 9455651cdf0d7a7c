# SPDX-License-Identifier: GPL-2.0-only
"""The one Python reader of pagebench result files (schema 1 and 2), used by report.py.

load(path) returns a ResultSet: the machine context, one context per job, and the pagebench
records (Google Benchmark's rows, "gbench_row": true, are left out). Every record carries
"counters" as schema 2 writes them -- {name: {"kind": "rate"|"count"|"level", "value": number
or None}} -- converted from schema 1's backend_stats / per_op when the file is older, and its
"ratio" as the file stores it (the one rule of harness/results/record.h).
"""
import json


class BadInput(Exception):
    """An input file that is not a pagebench result file; the message names it."""


class ResultSet:
    def __init__(self, version, machine, jobs, records):
        self.version = version
        self.machine = machine
        self.jobs = jobs            # {job name: context dict}
        self.records = records

    def job(self, name):
        return self.jobs.get(name or "", {})


REQUIRED = (("name", str), ("workload", str), ("cycles_per_op", dict), ("ns_per_op", dict),
            ("samples", list))


def _v1_counters(b):
    """Schema 1's hand-listed figures as the schema 2 counter map."""
    out = {}
    per = b.get("per_op") or {}
    rates = [("atomics", "atomics_per_op")]
    if b.get("alloc"):
        rates += [("page_allocator_calls", "page_allocator_calls_per_op"),
                  ("page_allocator_pages", "page_allocator_pages_per_op"),
                  ("dma_maps", "dma_maps_per_op")]
    for old, new in rates:
        if old in per:
            out[new] = {"kind": "rate", "value": per[old]}
    if "atomics" in b:
        out["atomics"] = {"kind": "count",
                          "value": b["atomics"] if b.get("atomics_counted", True) else None}
    elsewhere = "backend_stats_on" in b
    for k, v in ((b.get("backend_stats") or {}).items() if b.get("alloc") else ()):
        out[k] = {"kind": "level" if k == "in_flight" else "count",
                  "value": None if elsewhere else v}
    if "leaked_pages" in b:
        out["leaked_pages"] = {"kind": "count", "value": b["leaked_pages"]}
    return out


def _v1_job(ctx, name):
    cpus = ctx.get("measured_cpus") or []
    roles = ["main"] if len(cpus) == 1 else ["alloc", "free"]
    return {"job": name, "tsc_hz": ctx.get("tsc_hz"),
            "timer_overhead_cycles": ctx.get("timer_overhead_cycles"),
            "loop_overhead_cycles": ctx.get("loop_overhead_cycles"),
            "threads": [{"role": roles[i] if i < len(roles) else "", "cpu": c, "node": None}
                        for i, c in enumerate(cpus)],
            "pmu": {"events": ctx.get("pmu_events", ""), "rdpmc": ctx.get("pmu_rdpmc", False),
                    "unavailable": ctx.get("pmu_unavailable", "")},
            "metric": ctx.get("metric", "time"), "seed": ctx.get("seed")}


def load(path):
    """The validated result set at @path; BadInput naming the file and the problem."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("context"), dict):
        raise BadInput(f"{path}: missing object 'context'")
    if not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: missing array 'benchmarks'")
    ctx = doc["context"]
    version = ctx.get("schema_version", 1)
    if version not in (1, 2):
        raise BadInput(f"{path}: context.schema_version: unsupported (this report reads 1 and 2)")
    records = []
    for i, b in enumerate(doc["benchmarks"]):
        if not isinstance(b, dict):
            raise BadInput(f"{path}: benchmarks[{i}]: not an object")
        if b.get("gbench_row") is True:
            continue
        for key, kind in REQUIRED:
            if not isinstance(b.get(key), kind):
                raise BadInput(f"{path}: benchmarks[{i}]: missing field '{key}'")
        b = dict(b)
        if version == 1:
            b["counters"], b["pmu_events"] = _v1_counters(b), b.get("counters") or {}
        records.append(b)
    jobs = {}
    for j in doc.get("jobs") or [] if version >= 2 else []:
        jobs.setdefault(j.get("job", ""), j)
    for b in records:
        jobs.setdefault(b.get("job", ""), _v1_job(ctx, b.get("job", "")))
    return ResultSet(version, ctx, jobs, records)
