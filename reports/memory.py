# SPDX-License-Identifier: GPL-2.0-only
"""Memory figures from trace replays: pinned amplification per backend, pages in flight over
time, and page-allocator calls per packet against the slow-reader fraction.

What a replay writes on its first track's record (docs/result-schema.md, "Memory"), read
through results_load.counter() and results_load.series():

  counters.pinned_per_live_byte.value             bytes pinned per byte of live frame data
  counters.page_allocator_calls_per_packet.value  page-allocator alloc + free calls per packet
  memory_series {"columns", "rows"}               trace_ns (or trace_event) and pages_in_flight
                                                  over the last measured repetition

The null backend's rows (the engine's own cost: one page forever) are not drawn. A record
without a figure is left out, never drawn as 0, and a file with none says so.
"""
import matplotlib.pyplot as plt

from page import esc, fmt, anchor
from results_load import counter, series
import sweeps

PINNED, PA = "pinned_per_live_byte", "page_allocator_calls_per_packet"
SLOW_AXES = ("slow", "slow_fraction")
ENGINE_ROW = "null"


def _label(b):
    return str(b.get("alloc")) + (f"/{b['track']}" if b.get("track") else "")


def _variant(b):
    """The record's parameters (job first): what tells two records of one backend apart."""
    p = ",".join(f"{k}={v}" for k, v in (b.get("params") or {}).items() if k not in sweeps.IGNORED)
    return " ".join(x for x in (b.get("job", ""), p) if x) or "-"


def _drawn(rows):
    return [b for b in rows if b.get("alloc") != ENGINE_ROW]


def inflight_series(b):
    """([(x, pages in flight)], x unit) of @b's memory_series: x the trace time in ms, else the
    trace event index; (None, None) without one."""
    pts = series(b, "trace_ns", "pages_in_flight")
    if pts:
        return [(t / 1e6, p) for t, p in pts], "ms"
    pts = series(b, "trace_event", "pages_in_flight")
    return (pts, "events") if pts else (None, None)


def _grid(rows, key):
    """([variants], [backends], {(variant, backend): value}) of the records that have @key."""
    variants, backends, cells = [], [], {}
    for b in _drawn(rows):
        v = counter(b, key)
        if v is None:
            continue
        var, lab = _variant(b), _label(b)
        if var not in variants:
            variants.append(var)
        if lab not in backends:
            backends.append(lab)
        cells.setdefault((var, lab), v)
    return variants, backends, cells


def pinned(workload, rows, figures, stem):
    variants, backends, cells = _grid(rows, PINNED)
    if not cells:
        return ""
    table = ["<table><tr><th>bytes pinned per live byte</th>" + "".join(f"<th>{esc(b)}</th>" for b in backends) + "</tr>"]
    for var in variants:
        table.append(f"<tr><td>{esc(var)}</td>" + "".join(
            f"<td>{fmt(cells.get((var, b)), 2)}</td>" for b in backends) + "</tr>")
    table.append("</table>")
    fig, ax = plt.subplots(figsize=(max(4.5, 0.25 * len(variants) * len(backends) + 2.5), 3.2))
    width = 0.8 / len(backends)
    for i, b in enumerate(backends):
        xs = [j + i * width for j, var in enumerate(variants) if (var, b) in cells]
        ax.bar(xs, [cells[(var, b)] for var in variants if (var, b) in cells], width, label=b)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(variants))])
    ax.set_xticklabels(variants, rotation=20, ha="right")
    ax.set_ylabel("bytes pinned per live packet byte")
    ax.axhline(1, color="#555", lw=0.8, ls="--")
    ax.set_title(f"{workload}: pinned-memory amplification (dashed: 1, no waste)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return "\n".join(table) + figures.img(fig, stem + "-pinned", f"{workload}: pinned bytes per live byte")


def inflight(workload, rows, figures, stem):
    by_var = {}
    for b in _drawn(rows):
        pts, unit = inflight_series(b)
        if pts:
            by_var.setdefault(_variant(b), []).append((_label(b), pts, unit))
    if not by_var:
        return ""
    out = ["<div class='figs'>"]
    for var, lines in by_var.items():
        fig, ax = plt.subplots(figsize=(4.6, 3.0))
        units = {u for _, _, u in lines}
        for lab, pts, _ in lines:
            ax.plot([x for x, _ in pts], [y for _, y in pts], label=lab, lw=1.2)
        unit = units.pop() if len(units) == 1 else "mixed units"
        ax.set_xlabel("trace time (ms)" if unit == "ms" else f"trace position ({unit})")
        ax.set_ylabel("pages in flight")
        ax.set_title(f"{workload} {var}: pages in flight", fontsize=9)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        out.append(figures.img(fig, f"{stem}-inflight-{var}", f"{workload} {var}: pages in flight over time"))
    out.append("</div><p class='note'>Pages out of each instance's page allocator (lent and cached), "
               "sampled over its last measured repetition (<code>memory_series</code>).</p>")
    return "\n".join(out)


def pa_vs_slow(workload, rows, figures, stem):
    lines = {}
    for b in _drawn(rows):
        params = b.get("params") or {}
        axis = next((a for a in SLOW_AXES if a in params), None)
        v = counter(b, PA)
        x = sweeps.number(params[axis]) if axis else None
        if x is None or v is None:
            continue
        lines.setdefault(_label(b), []).append((x, v))
    lines = {k: sorted(v) for k, v in lines.items() if len(v) >= 2}
    if not lines:
        return ""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for lab, pts in lines.items():
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", ms=3, label=lab)
    ax.set_xlabel("slow-reader fraction (0..1)")
    ax.set_ylabel("page-allocator calls per packet")
    ax.set_title(f"{workload}: page-allocator calls per packet against the slow fraction")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return figures.img(fig, stem + "-pa", f"{workload}: page-allocator calls per packet")


def render(doc, workloads, figures, sid):
    parts = []
    for workload, rows in workloads.items():
        stem = anchor(f"{sid}-mem-{workload}")
        got = [pinned(workload, rows, figures, stem), inflight(workload, rows, figures, stem),
               pa_vs_slow(workload, rows, figures, stem)]
        if any(got):
            parts.append(f"<h4 id='{stem}'>{esc(workload)}</h4>" + "".join(got))
    if not parts:
        return ("<p class='note'>No memory figures: no record of this file has the replay's "
                f"<code>counters.{PINNED}</code>, <code>counters.{PA}</code> or "
                "<code>memory_series</code> (trace replays write them). Nothing is drawn in their place.</p>")
    return "\n".join(parts)
