# SPDX-License-Identifier: GPL-2.0-only
"""Sweeps: records of one workload and backend that differ in one numeric parameter only,
drawn as median cycles per op against that parameter with the file's 95% CI of the median as
the band (asv's and mimalloc-bench's line plots).

The parameters read as axes (record "params", strings in the file) and their units:
AXES below. A series needs at least MIN_POINTS distinct values; parameters that change with
the backend and not with the experiment (IGNORED) do not split a series.
"""
import math

import matplotlib.pyplot as plt
from matplotlib import ticker

from page import esc, anchor

# key -> (axis label with unit, log scale)
AXES = {
    "order": ("page order (2^order pages per allocation)", False),
    "n": ("outstanding buffers n (pages held)", True),
    "bulk": ("bulk size (pages per call)", True),
    "ring": ("ring size (entries)", True),
    "rx_ring": ("RX ring size (slots)", True),
    "handoff": ("hand-off ring size (entries)", True),
    "slow": ("slow-reader fraction (0..1)", False),
    "slow_fraction": ("slow-reader fraction (0..1)", False),
    "len": ("packet size (bytes)", True),
}
# Not an experiment's axis: the return path follows the backend, delay= is a test hook.
IGNORED = {"path", "delay"}
MIN_POINTS = 3


def number(s):
    """The parameter's value as a number, or None (a count such as 64M, a word)."""
    try:
        v = float(str(s).rstrip("%")) / (100 if str(s).endswith("%") else 1)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def find(rows):
    """{(axis, series label): [(x, record)]} for one workload's records. A parameter that only
    some of a backend's points carry (dpdk_mempool's objects= at the largest n, where the
    default pool is too small) does not split its series: the label says it varies."""
    out = {}
    rows = [b for b in rows if b.get("alloc") != "null"]  # the engine's own cost: not a curve
    for axis in AXES:
        series = {}
        on_axis = [b for b in rows if axis in (b.get("params") or {})]
        shared, some = {}, {}
        for b in on_axis:
            keys = set(b.get("params")) - {axis} - IGNORED
            a = (b.get("alloc"), b.get("track"))
            shared[a] = shared[a] & keys if a in shared else keys
            some[a] = some.get(a, set()) | keys
        for b in on_axis:
            params = b["params"]
            x = number(params[axis])
            if x is None:
                continue
            a = (b.get("alloc"), b.get("track"))
            rest = ",".join(f"{k}={v}" for k, v in sorted(params.items()) if k in shared[a])
            varies = ",".join(sorted(some[a] - shared[a]))
            lab = str(b.get("alloc")) + (f"/{b['track']}" if b.get("track") else "") + \
                (f" ({rest})" if rest else "") + (f" [{varies} at some points]" if varies else "")
            series.setdefault(lab, {})
            series[lab].setdefault(x, b)  # a value twice (two jobs alike): the first
        for lab, pts in series.items():
            if len(pts) >= MIN_POINTS:
                out[(axis, lab)] = sorted(pts.items())
    return out


def _value(b, key):
    c = b.get("cycles_per_op") or {}
    v = c.get(key)
    return v


def plot(workload, axis, series, figures, stem):
    label, log = AXES[axis]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for lab, pts in series:
        xs, ys, lo, hi = [], [], [], []
        for x, b in pts:
            m = _value(b, "median")
            ci = _value(b, "median_ci95") or [None, None]
            if not isinstance(m, (int, float)):
                continue
            xs.append(x)
            ys.append(m)
            lo.append(ci[0] if isinstance(ci[0], (int, float)) else m)
            hi.append(ci[1] if isinstance(ci[1], (int, float)) else m)
        if len(xs) < 2:
            continue
        line, = ax.plot(xs, ys, marker="o", ms=3, label=lab)
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.18, linewidth=0)
    if log:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(ticker.ScalarFormatter())
    elif all(float(x).is_integer() for _, pts in series for x, _ in pts):
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # orders are whole numbers
    ax.set_xlabel(label)
    ax.set_ylabel("median TSC cycles per op")
    ys = [v for ln in ax.get_lines() for v in ln.get_ydata() if v > 0]
    if ys and max(ys) / min(ys) > 10:
        # Log only where the curves span more than a decade, with every tick labelled.
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ticker.ScalarFormatter())
        ax.yaxis.set_minor_formatter(ticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    else:
        ax.set_ylim(bottom=0)
    ax.set_title(f"{workload}: cycles per op against {axis} (band: 95% CI of the median)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return figures.img(fig, stem, f"{workload} sweep over {axis}")


def render(doc, workloads, figures, sid):
    parts = []
    for workload, rows in workloads.items():
        found = find(rows)
        for axis in AXES:
            series = [(lab, pts) for (a, lab), pts in found.items() if a == axis]
            if not series:
                continue
            stem = anchor(f"{sid}-sweep-{workload}-{axis}")
            parts.append(f"<h4 id='{stem}'>{esc(workload)} over {esc(axis)}</h4>")
            parts.append(plot(workload, axis, series, figures, stem))
    return "\n".join(parts)
