#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes stats_cases.json: expectations for pagebench's robust statistics and its A/B test.

Mann-Whitney U p-values come from scipy.stats.mannwhitneyu (two-sided, exact and
asymptotic), MAD from scipy.stats.median_abs_deviation, Tukey fences from numpy's linear
percentiles, and the bootstrap CI from a Python replica of the C code's splitmix64 stream,
so the C results must match these to the last few ulps. Deterministic; run it to refresh.
"""
import json
import os

import numpy as np
from scipy import stats

M64 = (1 << 64) - 1


def splitmix(seed):
    s = seed
    while True:
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def bootstrap_ci(x, resamples, seed):
    rng = splitmix(seed)
    n = len(x)
    meds = []
    for _ in range(resamples):
        draw = [x[next(rng) % n] for _ in range(n)]
        meds.append(float(np.median(draw)))
    return (float(np.percentile(meds, 2.5)), float(np.percentile(meds, 97.5)))


def robust(name, x, resamples=500, seed=12345):
    a = np.asarray(x, dtype=np.float64)
    q1, q3 = np.percentile(a, 25), np.percentile(a, 75)
    iqr = q3 - q1
    lo, hi = bootstrap_ci(list(a), resamples, seed)
    return {
        "name": name, "x": [float(v) for v in a], "resamples": resamples, "seed": seed,
        "mad": float(stats.median_abs_deviation(a, scale=1.0)),
        "outliers_low": int(np.sum(a < q1 - 1.5 * iqr)),
        "outliers_high": int(np.sum(a > q3 + 1.5 * iqr)),
        "ci_lo": lo, "ci_hi": hi,
    }


def mwu(name, x, y, method):
    r = stats.mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
    return {"name": name, "x": [float(v) for v in x], "y": [float(v) for v in y],
            "method": method, "u": float(r.statistic), "p": float(r.pvalue)}


def main():
    rng = np.random.default_rng(7)
    base = list(np.round(rng.normal(100, 2, 9), 3))
    slower = list(np.round(rng.normal(110, 2, 9), 3))
    same = list(np.round(rng.normal(100, 2, 9), 3))
    big_a = list(np.round(rng.normal(50, 5, 40), 1))
    big_b = list(np.round(rng.normal(52, 5, 35), 1))
    cases = {
        "robust": [
            robust("nine_reps", base),
            robust("with_outliers", [10, 11, 10.5, 10.2, 10.8, 55, 10.1, 0.5, 10.3, 10.4]),
            robust("n1", [3.0]),
            robust("ties", [5, 5, 5, 5, 6, 6, 7, 100]),
        ],
        "mwu": [
            mwu("exact_separated", base, slower, "exact"),
            mwu("exact_overlap", base, same, "exact"),
            mwu("exact_small", [1.0, 2.0, 3.0], [4.0, 5.0], "exact"),
            mwu("asymptotic_separated", base, slower, "asymptotic"),
            mwu("asymptotic_overlap", base, same, "asymptotic"),
            mwu("asymptotic_ties", [1, 2, 2, 3, 3, 3, 4, 9, 9], [2, 3, 3, 4, 4, 5, 6, 9, 10], "asymptotic"),
            mwu("asymptotic_large", big_a, big_b, "asymptotic"),
        ],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_cases.json")
    with open(out, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
