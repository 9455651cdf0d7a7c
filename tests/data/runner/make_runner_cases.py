#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes cases.json: golden figures for the runner's arithmetic (harness/engine/runner_math.c)
and the workloads' batch and window split (workloads/registry.c).

Every expectation is computed here from the rules as docs/architecture.md states them, not
by calling the C code: overhead and wait subtraction clamped at zero, per-op figures less the
loop cost, the warm-up doubling rule, ceiling windows, the Fisher-Yates order drawn from a
Python replica of the splitmix64 stream, and the median of the empty-loop samples. The inputs
are small enough to check by hand. Deterministic; run it to refresh.
"""
import json
import os
import statistics

M64 = (1 << 64) - 1


def splitmix(seed):
    s = seed
    while True:
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def batch_net(cycles, wait, timer):
    return max(0.0, float(cycles) - timer - float(wait))


def per_op(cycles, ops, loop):
    return max(0.0, cycles / ops - loop)


def track_rep(cycles, ops, wait, timer, loop):
    nets = [batch_net(c, w, timer) for c, w in zip(cycles, wait)]
    batches = [per_op(n, o, loop) for n, o in zip(nets, ops)]
    total = 0.0
    for n in nets:
        total += n
    nops = sum(ops)
    return {"cycles": cycles, "ops": ops, "wait": wait, "timer": timer, "loop": loop,
            "batch": batches, "rep": per_op(total, nops, loop) if nops else 0.0, "nops": nops}


def warm_grow(shortest, min_cycles, tries, ops, fixed):
    return not (shortest >= min_cycles or fixed or tries == 16 or ops >= 1 << 36)


def warm_sequence(name, cost, nbatches, ops, min_cycles, fixed=False):
    """A warm-up against a machine where a batch of n ops lasts exactly n * cost cycles."""
    tries = 0
    while True:
        shortest = (ops // nbatches) * cost
        if not warm_grow(shortest, min_cycles, tries, ops, fixed):
            break
        ops *= 2
        tries += 1
    return {"name": name, "cost": cost, "nbatches": nbatches, "min_cycles": min_cycles,
            "fixed": fixed, "final_ops": ops, "passes": tries + 1}


def shuffle(seed, n, reps):
    rng = splitmix(seed)
    order = list(range(n))
    out = []
    for _ in range(reps):
        for i in range(n, 1, -1):
            j = next(rng) % i
            order[i - 1], order[j] = order[j], order[i - 1]
        out.append(list(order))
    return {"seed": seed, "n": n, "orders": out}


def batches(ops, unit_ops, nbatches):
    """pb_wl_time_batches: units split evenly, the last batch takes the remainder."""
    units = ops // unit_ops or 1
    per = units // nbatches or 1
    out = []
    b = 0
    while b < nbatches and units:
        n = units if b + 1 == nbatches else min(per, units)
        out.append(n * unit_ops)
        units -= n
        b += 1
    return {"ops": ops, "unit_ops": unit_ops, "nbatches": nbatches, "batch_ops": out}


def windows(work, window, cap):
    out = []
    first = 0
    while len(out) < cap and first < work:
        n = min(window, work - first)
        out.append([first, n])
        first += n
    return {"work": work, "window": window, "cap": cap, "windows": out,
            "count": -(-work // window)}


def loop_overhead(cycles, ops, timer):
    per = [(c - timer) / o for c, o in zip(cycles, ops)]
    return {"cycles": cycles, "ops": ops, "timer": timer,
            "expect": max(0.0, statistics.median(per)) if per else 0.0}


def main():
    cases = {
        "batch_net": [
            {"cycles": c, "wait": w, "timer": t, "expect": batch_net(c, w, t)}
            for c, w, t in [(1000, 0, 40.0), (1000, 300, 40.0), (50, 0, 42.5),
                            (100, 80, 42.5), (0, 0, 0.0), (1 << 40, 1 << 20, 41.75)]
        ],
        "per_op": [
            {"cycles": c, "ops": o, "loop": l, "expect": per_op(c, o, l)}
            for c, o, l in [(960.0, 10.0, 1.0), (960.0, 1000.0, 1.0), (5.0, 10.0, 1.0),
                            (12345.0, 100.0, 0.98)]
        ],
        "track_rep": [
            track_rep([10040, 10040, 20040], [100, 100, 200], [0, 0, 0], 40.0, 1.0),
            # The second thread of cross-cpu: most of a batch was spent waiting.
            track_rep([50000, 30000], [256, 256], [40000, 29000], 40.0, 1.0),
            # A batch the timer swallows is 0, and so is its share of the repetition.
            track_rep([30, 5040], [10, 10], [0, 0], 40.0, 0.5),
            track_rep([], [], [], 40.0, 1.0),
        ],
        "warm_grow": [
            # "max": no batch at all (UINT64_MAX in C, too big for a JSON integer here).
            {"shortest": "max" if s == M64 else s, "min_cycles": m, "tries": t, "ops": o,
             "fixed": f, "expect": warm_grow(s, m, t, o, f)}
            for s, m, t, o, f in [(100, 41920.0, 0, 2000000, False),
                                  (41920, 41920.0, 0, 2000000, False),
                                  (100, 41920.0, 0, 2000000, True),
                                  (100, 41920.0, 16, 2000000, False),
                                  (100, 41920.0, 15, 2000000, False),
                                  (100, 41920.0, 3, 1 << 36, False),
                                  (M64, 41920.0, 0, 2000000, False)]
        ],
        "warm_sequence": [
            warm_sequence("fast op doubles 4 times", 2, 100, 2000000, 41920.0 * 8),
            warm_sequence("slow op keeps the count", 200, 100, 2000000, 41920.0),
            warm_sequence("stops after 16 doublings", 1, 100, 100, 1e18),
            warm_sequence("fixed never grows", 1, 100, 1000, 1e9, fixed=True),
        ],
        "windows": [windows(w, win, cap) for w, win, cap in
                    [(5000, 1024, 5), (4096, 1024, 4), (1, 1024, 1), (3000, 1000, 2)]],
        "batches": [batches(o, u, n) for o, u, n in
                    [(2000000, 1, 100), (1005, 1, 10), (5, 1, 10), (1000, 16, 7), (3, 16, 100)]],
        "shuffle": [shuffle(1, 4, 3), shuffle(12345, 7, 2), shuffle(0, 1, 2)],
        "loop_overhead": [
            loop_overhead([4040, 4140, 4000, 4300, 4100], [4000] * 5, 40.0),
            loop_overhead([30, 30], [10, 10], 40.0),
            loop_overhead([], [], 40.0),
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    with open(path, "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
