#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes summary_cases.json: sample vectors and the statistics numpy/scipy give for them.

The C summary code must agree with numpy so that figures in reports match what anyone
re-analysing a results file in Python gets. Run: tests/data/make_summary_cases.py
(Debian's /usr/bin/python3 has numpy and scipy). Output is deterministic.
"""
import json
import os

import numpy as np
from scipy import stats

QS = [0, 0.5, 1, 10, 25, 33.3, 50, 75, 90, 95, 99, 99.5, 99.9, 100]


def case(name, x):
    a = np.asarray(x, dtype=np.float64)
    mean = float(np.mean(a))
    sd = float(np.std(a, ddof=1)) if a.size > 1 else 0.0
    # scipy's variation is undefined at mean 0; pagebench defines cv = 0 there.
    cv = float(stats.variation(a, ddof=1)) if a.size > 1 and mean != 0 else 0.0
    return {
        "name": name,
        "x": [float(v) for v in a],
        "median": float(np.median(a)),
        "min": float(np.min(a)),
        "max": float(np.max(a)),
        "mean": mean,
        "stddev": sd,
        "cv": cv,
        "p99": float(np.percentile(a, 99, method="linear")),
        "percentiles": [[q, float(np.percentile(a, q, method="linear"))] for q in QS],
    }


def main():
    rng = np.random.default_rng(20240501)
    cases = [
        case("n1", [42.5]),
        case("n2", [3.0, 1.0]),
        case("odd_unsorted", [9.0, 2.0, 7.0, 4.0, 5.0]),
        case("even_unsorted", [10.0, 1.0, 8.0, 3.0, 6.0, 2.0]),
        case("duplicates", [5.0, 5.0, 5.0, 1.0, 5.0, 9.0, 5.0]),
        case("mean_zero", [-2.0, -1.0, 1.0, 2.0]),
        case("negative", [-30.5, -10.25, -20.0]),
        # n-1 = 10: p99 sits at 9.9, between the two largest values.
        case("p99_interp_n11", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000]),
        # n = 101: the 99th percentile is exactly order statistic 100 (0-based 99).
        case("p99_exact_n101", list(rng.permutation(np.arange(101.0)) * 1.5)),
        # Heavy tail, as cycle counts are: p99 interpolates across a large gap.
        case("lognormal_n1000", list(np.round(rng.lognormal(4.0, 0.6, 1000), 3))),
        case("cycles_n37", list(np.round(rng.normal(180.0, 7.5, 37), 2))),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "summary_cases.json")
    with open(out, "w") as f:
        json.dump({"generator": "make_summary_cases.py", "numpy": np.__version__,
                   "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
