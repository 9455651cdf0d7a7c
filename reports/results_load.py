# SPDX-License-Identifier: GPL-2.0-only
"""The one Python reader of pagebench result files (schema 1 and 2), used by report.py.

load(path) returns a ResultSet: the machine context, one context per job, and the pagebench
records (Google Benchmark's rows, "gbench_row": true, are left out). Every record carries
"counters" as schema 2 writes them -- {name: {"kind": "rate"|"count"|"level", "value": number
or None}} -- converted from schema 1's backend_stats / per_op when the file is older, and its
"ratio" as the file stores it (the one rule of harness/results/record.h).

load_lenient(path) is the same for the report's many inputs: (ResultSet, None) or (None, the
one-line problem); expand(args) turns FILES-OR-DIRS into the result files to read. counter()
and series() read one record's counter and memory series: every module reads them through
these two.
"""
import json
import os


class BadInput(Exception):
    """An input file that is not a pagebench result file; the message names it."""


class ResultSet:
    def __init__(self, version, machine, jobs, records, path="", incomplete=None):
        self.version = version
        self.machine = machine
        self.jobs = jobs            # {job name: context dict}
        self.records = records
        self.path = path
        self.incomplete = incomplete  # {"job", "error"} when the run stopped early

    def emulated(self):
        """True when any job ran in an emulated guest (its figures are emulation)."""
        return any(j.get("emulated") is True for j in self.jobs.values())

    def metric(self):
        """The file's one metric: "time" or "instructions"."""
        for j in self.jobs.values():
            if j.get("metric"):
                return j["metric"]
        return "time"

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
            text = f.read()
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: offset {e.start}: not UTF-8 text") from None
    if not text.strip():
        raise BadInput(f"{path}: empty file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("context"), dict):
        raise BadInput(f"{path}: missing object 'context'")
    if not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: missing array 'benchmarks'")
    ctx = doc["context"]
    version = ctx.get("schema_version", 1)
    if version not in (1, 2) or isinstance(version, bool):
        raise BadInput(f"{path}: context.schema_version {json.dumps(version)}: unsupported "
                       "(this report reads 1 and 2)")
    records = []
    for i, b in enumerate(doc["benchmarks"]):
        if not isinstance(b, dict):
            raise BadInput(f"{path}: benchmarks[{i}]: not an object")
        if b.get("gbench_row") is True:
            continue
        for key, kind in REQUIRED:
            if not isinstance(b.get(key), kind):
                raise BadInput(f"{path}: benchmarks[{i}]: missing field '{key}'")
        for key in ("median", "median_ci95"):
            v = b["cycles_per_op"].get(key)
            if key == "median" and not _number(v) and v is not None:
                raise BadInput(f"{path}: benchmarks[{i}]: cycles_per_op.median is not a number")
        b = dict(b)
        if version == 1:
            b["counters"], b["pmu_events"] = _v1_counters(b), b.get("counters") or {}
        records.append(b)
    jobs = {}
    for j in doc.get("jobs") or [] if version >= 2 else []:
        jobs.setdefault(j.get("job", ""), j)
    for b in records:
        jobs.setdefault(b.get("job", ""), _v1_job(ctx, b.get("job", "")))
    inc = doc.get("incomplete") if isinstance(doc.get("incomplete"), dict) else None
    return ResultSet(version, ctx, jobs, records, path, inc)


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def counter(b, name):
    """The number record @b's counter @name holds ({"kind", "value"}, docs/result-schema.md),
    or None: absent, not counted (null), or not a number. Never 0 in its place."""
    c = ((b or {}).get("counters") or {}).get(name)
    v = c.get("value") if isinstance(c, dict) else None
    return v if _number(v) else None


def series(b, x, y):
    """[(x, y)] of record @b's memory_series ({"columns": [...], "rows": [[...]]}, a trace
    replay's first track) for columns @x and @y; rows where either is not a number are left
    out. None when the record has no such series or not both columns."""
    s = (b or {}).get("memory_series")
    if not isinstance(s, dict) or not isinstance(s.get("columns"), list) or not isinstance(s.get("rows"), list):
        return None
    cols = s["columns"]
    if x not in cols or y not in cols:
        return None
    i, j = cols.index(x), cols.index(y)
    pts = [(r[i], r[j]) for r in s["rows"]
           if isinstance(r, list) and len(r) == len(cols) and _number(r[i]) and _number(r[j])]
    return pts or None


def load_lenient(path):
    """(ResultSet, None), or (None, the one-line problem naming @path)."""
    try:
        return load(path), None
    except BadInput as e:
        return None, str(e)


def expand(args):
    """The result files named by @args: a file as given, a directory's *.json files (not
    below it) in name order. A missing path is kept: reading it names the problem."""
    out = []
    for a in args:
        if os.path.isdir(a):
            out += sorted(os.path.join(a, n) for n in os.listdir(a)
                          if n.endswith(".json") and not n.startswith("."))
        else:
            out.append(a)
    return out
