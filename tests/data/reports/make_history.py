#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generates a history store of result files for the report's tests and its performance check:
NIGHTS nights x HOSTS hosts, each night a file named as history.file_into() names it, with
BENCHMARKS backend records (and the template's baselines) whose per-repetition samples are
drawn from a seeded generator: a level per benchmark and host, a per-night factor (one process
differs from the next) and per-repetition noise. --regress HOST:KEY:PCT makes KEY slower by PCT
percent on HOST's last night; --drift HOST:KEY:PCT spreads PCT percent over the last 20 nights.

    make_history.py OUTDIR [--nights N] [--hosts H] [--benchmarks B] [--reps R] [--seed S]
                    [--regress HOST:KEY:PCT] [--drift HOST:KEY:PCT]

The records are the template's (tests/data/reports/template.json, a real compacted run) with
the figures replaced: their summaries are recomputed from the generated samples (the 95% CI of
the median by order statistics, not the writer's bootstrap). Test data, not measurements.
"""
import argparse
import copy
import datetime
import json
import math
import os
import random
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "reports"))
import history  # noqa: E402

BACKENDS = ["buddy", "ptr_ring_pool", "ideal", "frag", "halfpage", "array_cache", "urcu_stack", "jemalloc"]
JOBS = ["alloc-free", "outstanding-64", "outstanding-1024", "outstanding-8192", "bulk-1", "bulk-16",
        "bulk-64", "bulk-128", "alloc-free-iommu", "alloc-free-remote-iommu", "alloc-free-slow-iommu",
        "outstanding-1024-iommu"]


def summary(v):
    s = sorted(v)
    n = len(s)
    med = statistics.median(s)
    mean = statistics.fmean(s)
    sd = statistics.stdev(s) if n > 1 else 0.0
    mad = statistics.median([abs(x - med) for x in s])
    k = max(0, int(n / 2 - 1.96 * math.sqrt(n) / 2))
    return {"median": med, "min": s[0], "max": s[-1], "mean": mean, "p99": s[-1], "stddev": sd,
            "cv": sd / mean if mean else 0.0, "mad": mad, "median_ci95": [s[k], s[n - 1 - k]],
            "outliers_low": 0, "outliers_high": 0}


def fill(rec, cycles, tsc_ghz, unstable_cv):
    rec["samples"] = [{"repetition": i, "process": 0, "ns_per_op": c / tsc_ghz, "cycles_per_op": c}
                      for i, c in enumerate(cycles)]
    rec["repetitions"] = len(cycles)
    rec["cycles_per_op"] = summary(cycles)
    rec["ns_per_op"] = summary([c / tsc_ghz for c in cycles])
    rec["unstable"] = rec["cycles_per_op"]["cv"] > unstable_cv


def parse_change(s, what):
    try:
        host, rest = s.split(":", 1)
        key, pct = rest.rsplit(":", 1)
        return host, key, float(pct) / 100
    except (TypeError, ValueError):
        raise SystemExit(f"make_history: {what} {s!r}: expected HOST:KEY:PCT") from None


def generate(out, nights=12, hosts=2, benchmarks=24, reps=15, seed=1, regress=None, drift=None, jump=None,
             template=os.path.join(HERE, "template.json"), start=datetime.datetime(2026, 1, 1, 2, 0, 0)):
    """Writes the store; returns the list of (host, benchmark key) it made."""
    with open(template, encoding="utf-8") as f:
        tpl = json.load(f)
    recs = [b for b in tpl["benchmarks"] if b.get("kind") == "backend"]
    bases = [b for b in tpl["benchmarks"] if b.get("kind") == "baseline"]
    proto = recs[0]
    rng = random.Random(seed)
    specs = []
    for i in range(benchmarks):
        job, alloc = JOBS[(i // len(BACKENDS)) % len(JOBS)], BACKENDS[i % len(BACKENDS)]
        if i >= len(JOBS) * len(BACKENDS):
            job += f"-{i // (len(JOBS) * len(BACKENDS))}"
        wl = job.split("-")[0] if not job.startswith("alloc-free") else "alloc-free"
        specs.append((job, wl, alloc, 30 * math.exp(rng.uniform(0, 3))))
    hostnames = [f"host{h}" for h in range(hosts)]
    os.makedirs(out, exist_ok=True)
    keys = []
    for h, host in enumerate(hostnames):
        hfac = 1 + 0.3 * h
        for night in range(nights):
            doc = copy.deepcopy({k: v for k, v in tpl.items() if k != "benchmarks"})
            date = start + datetime.timedelta(days=night, minutes=h)
            doc["context"].update({"host_name": host, "date": date.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                                   "git_revision": f"r{night:04d}",
                                   "command_line": "tests/data/reports/make_history.py (generated)"})
            doc["jobs"] = []
            tsc = 2.0
            ucv = 0.05
            benches = []
            nfac = rng.gauss(1, 0.004)
            for job, wl, alloc, level in specs:
                key = f"{job}:{wl}/{alloc}"
                f = level * hfac * nfac
                if regress and regress[0] == host and regress[1] == key and night == nights - 1:
                    f *= 1 + regress[2]
                if drift and drift[0] == host and drift[1] == key:
                    f *= 1 + drift[2] * max(0, night - (nights - 20)) / 20
                # jump=(host, key, size, nights ago): a level change that stays
                if jump and jump[0] == host and jump[1] == key and night >= nights - 1 - jump[3]:
                    f *= 1 + jump[2]
                r = copy.deepcopy(proto)
                r.update({"name": f"{wl}/{alloc}", "job": job, "alloc": alloc, "workload": wl,
                          "params": {}, "run_name": f"{job}:{wl}/{alloc}"})
                fill(r, [f * rng.gauss(1, 0.01) for _ in range(reps)], tsc, ucv)
                benches.append(r)
                if h == 0 and night == 0:
                    keys.append(key)
            for b in bases:
                r = copy.deepcopy(b)
                r["job"] = specs[0][0]
                lvl = b["cycles_per_op"]["median"] or 1
                fill(r, [max(0.01, lvl * nfac * rng.gauss(1, 0.01)) for _ in range(reps)], tsc, ucv)
                benches.append(r)
            for job in dict.fromkeys(s[0] for s in specs):
                j = copy.deepcopy(tpl["jobs"][0])
                j["job"] = job
                doc["jobs"].append(j)
            doc["benchmarks"] = benches
            with open(os.path.join(out, history.store_name(doc["context"])), "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
    return keys


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--nights", type=int, default=12)
    ap.add_argument("--hosts", type=int, default=2)
    ap.add_argument("--benchmarks", type=int, default=24)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--regress")
    ap.add_argument("--drift")
    a = ap.parse_args(argv)
    generate(a.out, a.nights, a.hosts, a.benchmarks, a.reps, a.seed,
             parse_change(a.regress, "--regress") if a.regress else None,
             parse_change(a.drift, "--drift") if a.drift else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
