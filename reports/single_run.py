# SPDX-License-Identifier: GPL-2.0-only
"""The single-run part of the page: one result file's machine and jobs, per workload a table
normalised to a baseline backend with a geometric-mean row, per job the full table, box plots,
sweeps, the PMU breakdown and the memory figures.

Every figure shown is one the file holds (medians, intervals, counters) or a quotient of two
of them (a normalised cell); nothing is filled in where the file has nothing.
"""
import math
import os

import matplotlib.pyplot as plt

from page import esc, fmt, anchor
from results_load import counter
import memory
import sweeps

RAW_SUFFIX = "_raw"


def label(b):
    return str(b.get("alloc")) + (f"/{b['track']}" if b.get("track") else "")


def median(b):
    v = (b.get("cycles_per_op") or {}).get("median")
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def backend_order(rows):
    """Backends in first-seen order, each raw peer (jemalloc_raw) right after its wrapped
    row (jemalloc) so the two are read side by side."""
    names = []
    for b in rows:
        if b.get("alloc") not in names:
            names.append(b.get("alloc"))
    out = [n for n in names if not str(n).endswith(RAW_SUFFIX)]
    for n in names:
        if not str(n).endswith(RAW_SUFFIX):
            continue
        wrapped = str(n)[:-len(RAW_SUFFIX)]
        out.insert(out.index(wrapped) + 1 if wrapped in out else len(out), n)
    return out


def ordered(rows):
    order = {n: i for i, n in enumerate(backend_order(rows))}
    return sorted(rows, key=lambda b: (order[b.get("alloc")], str(b.get("track", ""))))


def group(rs):
    """Backend rows by (job, workload) in file order, and the baseline rows."""
    groups, baselines = {}, []
    for b in rs.records:
        if b.get("kind") == "baseline":
            baselines.append(b)
            continue
        groups.setdefault((b.get("job", ""), b["workload"]), []).append(b)
    return groups, baselines


def rate_columns(rows):
    names = []
    for b in rows:
        for name, c in (b.get("counters") or {}).items():
            if isinstance(c, dict) and c.get("kind") == "rate" and name not in names:
                names.append(name)
    return names


def heading(name):
    return name[:-len("_per_op")].replace("_", " ") + "/op" if name.endswith("_per_op") else name


def row_class(b):
    cls = []
    if str(b.get("alloc")).endswith(RAW_SUFFIX):
        cls.append("raw")
    return f" class='{' '.join(cls)}'" if cls else ""


def _median(v):
    v = sorted(v)
    n = len(v)
    return None if not n else v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def process_medians(b):
    """The median cycles/op of each process a record's repetitions ran in (--processes),
    in process order; one entry for a single-process record."""
    by = {}
    for s in b.get("samples") or []:
        if isinstance(s.get("cycles_per_op"), (int, float)):
            by.setdefault(s.get("process") or 0, []).append(s["cycles_per_op"])
    return [_median(by[p]) for p in sorted(by)]


def process_spread(b):
    """(max - min) / median of the per-process medians, as the terminal table's procs ±%
    (harness/results/summary.c, pb_process_spread): what moved between processes, which
    repetitions inside one process do not see; None for one process."""
    m = process_medians(b)
    mid = _median(m) if len(m) >= 2 else 0
    if not mid > 0:
        return None
    return (max(m) - min(m)) / mid


def backend_table(rows):
    rates = rate_columns(rows)
    procs = any((b.get("processes") or 1) > 1 for b in rows)
    out = ["<table><tr><th>backend</th><th>params</th><th>track</th><th>ns/op</th><th>cycles/op</th>"
           "<th>CV %</th>" + ("<th>procs ±%</th>" if procs else "") +
           "<th>95% CI of median (cycles)</th><th>p99</th>"
           + "".join(f"<th>{esc(heading(n))}</th>" for n in rates) + "<th>ratio</th></tr>"]
    for b in ordered(rows):
        c, n = b["cycles_per_op"], b["ns_per_op"]
        ci = c.get("median_ci95") or [None, None]
        params = ",".join(f"{k}={v}" for k, v in (b.get("params") or {}).items()) or "-"
        unstable = b.get("unstable") is True
        cv = c.get("cv")
        spread = process_spread(b)
        cells = "".join(f"<td>{fmt(counter(b, r), 3)}</td>" for r in rates)
        name = esc(b.get("alloc")) + (" <span class='note'>(raw library call)</span>"
                                      if str(b.get("alloc")).endswith(RAW_SUFFIX) else "")
        out.append(
            f"<tr{row_class(b)}><td>{name}</td><td>{esc(params)}</td>"
            f"<td>{esc(b.get('track', '-'))}</td><td>{fmt(n.get('median'))}</td>"
            f"<td>{fmt(c.get('median'), 1)}</td>"
            f"<td{' class=unstable' if unstable else ''}>"
            f"{fmt(cv * 100 if isinstance(cv, (int, float)) else None, 1)}{' !' if unstable else ''}</td>"
            + (f"<td>{fmt(spread * 100 if spread is not None else None, 1)}</td>" if procs else "") +
            f"<td>{fmt(ci[0], 1)} – {fmt(ci[1], 1)}</td><td>{fmt(c.get('p99'), 1)}</td>"
            f"{cells}<td>{fmt(b.get('ratio'))}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


# Counters of the whole process, not of the row's backend: said where they are shown.
PROCESS_WIDE = {"rss_peak_bytes": "the whole process's peak RSS when the instance finished "
                "(getrusage), every earlier instance's arena included: not this backend's own "
                "memory, and not comparable between the rows (the pinned and in-flight counters are)"}


def totals_table(rows):
    names = []
    for b in rows:
        for name, c in (b.get("counters") or {}).items():
            if isinstance(c, dict) and c.get("kind") in ("count", "level") and name not in names:
                names.append(name)
    if not names:
        return ""
    out = ["<details><summary>counters (totals over the measured repetitions; levels at the end)</summary>"
           "<table><tr><th>backend</th><th>track</th>" + "".join(
               f"<th>{esc(n)}{' *' if n in PROCESS_WIDE else ''}</th>" for n in names) + "</tr>"]
    for b in ordered(rows):
        cells = "".join(f"<td>{fmt(counter(b, n), 0)}</td>" for n in names)
        out.append(f"<tr{row_class(b)}><td>{esc(b.get('alloc'))}</td><td>{esc(b.get('track', '-'))}</td>{cells}</tr>")
    out.append("</table>")
    out += [f"<p class='note'>* {esc(n)}: {esc(PROCESS_WIDE[n])}</p>" for n in names if n in PROCESS_WIDE]
    out.append("</details>")
    return "\n".join(out)


def pmu_events(rows):
    names = []
    for b in rows:
        for name, ev in (b.get("pmu_events") or {}).items():
            if isinstance(ev, dict) and ev.get("available") and name not in names:
                names.append(name)
    return names


def pmu_value(b, name):
    ev = (b.get("pmu_events") or {}).get(name) or {}
    v = ev.get("per_op") if ev.get("available") else None
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# Software events that count time, in ns (perf's task-clock and cpu-clock), not events.
NS_EVENTS = ("task-clock", "cpu-clock")


def pmu_block(rows, figures, stem):
    """The PMU breakdown per op: a table and one small bar chart per event."""
    names = pmu_events(rows)
    if not names:
        return ""
    rows = ordered(rows)
    out = ["<table class='pmu'><tr><th>backend</th>" + "".join(
        f"<th>{esc(n)}/op{' (ns)' if n in NS_EVENTS else ''}</th>" for n in names) + "</tr>"]
    for b in rows:
        out.append(f"<tr{row_class(b)}><td>{esc(label(b))}</td>"
                   + "".join(f"<td>{fmt(pmu_value(b, n))}</td>" for n in names) + "</tr>")
    out.append("</table>")
    k = len(names)
    fig, axes = plt.subplots(1, k, figsize=(min(3.2 * k, 12), 0.28 * len(rows) + 1.2), squeeze=False)
    labels = [label(b) for b in rows]
    for ax, n in zip(axes[0], names):
        vals = [pmu_value(b, n) for b in rows]
        ys = list(range(len(rows)))
        ax.barh([y for y, v in zip(ys, vals) if v is not None], [v for v in vals if v is not None],
                color="#4a7ab5")
        ax.set_yticks(ys)
        ax.set_yticklabels(labels if ax is axes[0][0] else [""] * len(rows))
        ax.invert_yaxis()
        ax.set_xlabel(f"{n} per op" + (" (ns)" if n in NS_EVENTS else ""))
        ax.set_title(n)
        if not any(vals):  # every row 0 (or none): matplotlib would centre a bare axis on 0
            ax.set_xlim(0, 1)
            ax.text(0.5, 0.5, "0 for every row" if any(v is not None for v in vals) else "no value",
                    transform=ax.transAxes, ha="center", va="center", color="#555")
    fig.tight_layout()
    out.append(figures.img(fig, stem + "-pmu", "PMU events per op by backend"))
    return "\n".join(out)


def plot_samples(rows, figures, stem, title):
    """A box plot of per-repetition cycles/op, one box per backend (raw peers beside)."""
    rows = ordered(rows)
    labels = [label(b) for b in rows]
    if len(set(labels)) < len(labels):  # one backend several times: say which is which
        labels = [lab + " " + ",".join(f"{k}={v}" for k, v in (b.get("params") or {}).items()
                                       if k not in sweeps.IGNORED) for lab, b in zip(labels, rows)]
    data = [[s["cycles_per_op"] for s in b["samples"]
             if isinstance(s, dict) and isinstance(s.get("cycles_per_op"), (int, float))]
            for b in rows]
    keep = [i for i, d in enumerate(data) if d]
    if not keep:
        return "<p class='note'>no per-repetition samples to plot</p>"
    labels, data = [labels[i] for i in keep], [data[i] for i in keep]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.75 * len(data) + 2.0), 3.4))
    ax.boxplot(data, showfliers=True)
    ax.set_xticks(range(1, len(labels) + 1))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel("TSC cycles per op")
    ax.set_title(title + ": per-repetition samples")
    lo = min(min(d) for d in data)
    if lo > 0 and max(max(d) for d in data) > 20 * lo:
        ax.set_yscale("log")
        ax.set_ylabel("TSC cycles per op (log scale)")
    ax.grid(axis="x", alpha=0)
    fig.tight_layout()
    return figures.img(fig, stem + "-box", title + ": per-repetition cycles per op")


def job_block(job):
    threads = ", ".join(f"{t.get('role')}: CPU {t.get('cpu')}"
                        + (f" (node {t['node']})" if t.get("node") is not None else "")
                        for t in job.get("threads") or [])
    pmu = job.get("pmu") or {}
    rows = [("TSC Hz", job.get("tsc_hz")), ("threads", threads),
            ("timer overhead cycles", job.get("timer_overhead_cycles")),
            ("loop overhead cycles", job.get("loop_overhead_cycles")),
            ("metric", job.get("metric")), ("seed", job.get("seed")),
            ("unstable above CV", job.get("unstable_cv")),
            ("PMU events", pmu.get("events")), ("PMU unavailable", pmu.get("unavailable"))]
    if job.get("overrides"):
        rows.append(("overrides", job["overrides"]))
    if "emulated" in job:
        rows.append(("emulated (TCG)", job["emulated"]))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    return f"<details><summary>how this job was measured</summary><table class='ctx'>{body}</table></details>"


MACHINE_KEYS = ("host_name", "cpu_model", "num_cpus", "tsc_flags", "kernel", "date",
                "git_revision", "caches", "numa_nodes", "cpu_governor", "load_avg", "command_line")


def context_block(doc):
    ctx = doc.machine
    rows = "".join(f"<tr><th>{k}</th><td>{esc(ctx.get(k))}</td></tr>" for k in MACHINE_KEYS if k in ctx)
    return f"<table class='ctx'>{rows}</table>"


def variant_key(b, dup):
    key = [b.get("job", ""), b.get("track", "")]
    if dup:
        key.append(",".join(f"{k}={v}" for k, v in sorted((b.get("params") or {}).items())))
    return tuple(key)


def variant_name(key):
    job, track = key[0], key[1]
    parts = [job or "(command line)"]
    if track:
        parts.append(track)
    if len(key) > 2 and key[2]:
        parts.append(key[2])
    return " / ".join(parts)


def choose_baseline(names, wanted):
    if wanted and wanted in names:
        return wanted
    for n in ("buddy",):
        if n in names:
            return n
    return names[0] if names else None


def normalised_table(workload, rows, wanted):
    """Rows: the workload's benchmarks (job, track); columns: backends; cells: median cycles
    over the baseline backend's in the same row; last row: the geometric mean of each column
    over the rows where both were measured (mimalloc-bench's normalised view)."""
    names = backend_order(rows)
    base = choose_baseline(names, wanted)
    count = {}
    for b in rows:
        k = (b.get("job", ""), b.get("track", ""), b.get("alloc"))
        count[k] = count.get(k, 0) + 1
    table = {}
    for b in rows:
        dup = count[(b.get("job", ""), b.get("track", ""), b.get("alloc"))] > 1
        table.setdefault(variant_key(b, dup), {})[b.get("alloc")] = b
    if len(names) < 2:
        return ""
    note = "" if base == wanted or not wanted else \
        f" <span class='note'>({esc(wanted)} did not run this workload)</span>"
    out = [f"<p>Median cycles per op relative to <b>{esc(base)}</b>{note} (lower is faster; "
           "! = a side's CV above the run's threshold; absolute cycles in the job tables).</p>",
           "<table><tr><th>benchmark</th>" + "".join(
               f"<th{' class=raw' if str(n).endswith(RAW_SUFFIX) else ''}>{esc(n)}</th>" for n in names) + "</tr>"]
    logs = {n: [] for n in names}
    for key, by in table.items():
        bm = median(by.get(base)) if by.get(base) else None
        cells = []
        for n in names:
            b = by.get(n)
            m = median(b) if b else None
            if b is None or m is None or not bm:
                cells.append("<td>-</td>")
                continue
            r = m / bm
            if r > 0:
                logs[n].append(math.log(r))
            bang = " !" if b.get("unstable") is True or by[base].get("unstable") is True else ""
            cls = " class='unstable'" if bang else ""
            # two decimals, or three significant digits below 0.1 (0.0039 is not "0.00")
            cells.append(f"<td{cls} title='{m:.1f} cycles'>{r:.2f}{bang}</td>" if r >= 0.1 else
                         f"<td{cls} title='{m:.1f} cycles'>{r:.3g}{bang}</td>")
        out.append(f"<tr><td>{esc(variant_name(key))}</td>{''.join(cells)}</tr>")
    gm = []
    for n in names:
        v = logs[n]
        gm.append(f"<td><b>{math.exp(sum(v) / len(v)):.2f}</b></td>" if v else "<td>-</td>")
    out.append(f"<tr><th>geometric mean</th>{''.join(gm)}</tr></table>")
    return "\n".join(out)


def by_workload(groups):
    out = {}
    for (job, workload), rows in groups.items():
        out.setdefault(workload, []).extend(rows)
    return out


def render(doc, figures, baseline=None, title_prefix=""):
    """The HTML of one result file: its sections in reading order."""
    groups, baselines = group(doc)
    base = os.path.basename(doc.path)
    sid = anchor("run-" + title_prefix + base)
    parts = [f"<h2 id='{sid}'>Run {esc(base)}: {esc(doc.machine.get('host_name'))}, "
             f"{esc(doc.machine.get('date'))}</h2>", context_block(doc)]
    if doc.machine.get("instructions_source"):
        parts.append("<p class='warn'><b>This run was counted under valgrind's "
                     f"{esc(doc.machine['instructions_source'])}: its times are emulation; read the "
                     "instructions per op and the ratios (by instructions).</b></p>")
    if doc.emulated():
        parts.append("<p class='warn'>Measured in an <b>emulated</b> guest (QEMU TCG): the figures "
                     "show how the paths compare inside one emulated machine, not hardware cycles.</p>")
    if doc.incomplete:
        parts.append(f"<p class='warn'>This run did not finish: job {esc(doc.incomplete.get('job'))} "
                     f"failed ({esc(doc.incomplete.get('error'))}); the jobs before it are shown.</p>")
    workloads = by_workload(groups)
    parts.append("<h3>Normalised summary per workload</h3>")
    for workload, rows in workloads.items():
        t = normalised_table(workload, rows, baseline)
        if t:
            parts.append(f"<h4>{esc(workload)}</h4>{t}")
    sw = sweeps.render(doc, workloads, figures, sid)
    if sw:
        parts.append("<h3>Sweeps</h3>" + sw)
    parts.append("<h3>Memory</h3>" + memory.render(doc, workloads, figures, sid))
    parts.append("<h3>Jobs</h3>")
    for (job, workload), rows in groups.items():
        title = (f"[{job}] " if job else "") + workload
        stem = f"{sid}-{job}-{workload}"
        parts.append(f"<h4 id='{anchor(stem)}'>{esc(title)}</h4>")
        parts.append(job_block(doc.job(job)))
        parts.append(backend_table(rows))
        parts.append(totals_table(rows))
        parts.append(pmu_block(rows, figures, stem))
        parts.append(plot_samples(rows, figures, stem, title))
    if baselines:
        parts.append("<h3>Machine baselines</h3><table><tr><th>baseline</th><th>job</th><th>ns/op</th>"
                     "<th>cycles/op</th></tr>")
        for b in baselines:
            parts.append(f"<tr><td>{esc(b['workload'])}</td><td>{esc(b.get('job', ''))}</td>"
                         f"<td>{fmt(b['ns_per_op'].get('median'))}</td>"
                         f"<td>{fmt(b['cycles_per_op'].get('median'), 1)}</td></tr>")
        parts.append("</table>")
    return "\n".join(p for p in parts if p)


def render_summary(doc, baseline=None, title_prefix=""):
    """The latest night of one series in a long history: the run's header and its normalised
    tables, without figures (the full page: `pagebench report FILE`)."""
    groups, _ = group(doc)
    base = os.path.basename(doc.path)
    sid = anchor("run-" + title_prefix + base)
    parts = [f"<h2 id='{sid}'>Latest night {esc(base)}: {esc(doc.machine.get('host_name'))}, "
             f"{esc(doc.machine.get('date'))}</h2>",
             f"<p class='note'>Summary only (a history of several series); the full page of this "
             f"night: <code>pagebench report {esc(doc.path)} -o DIR</code>.</p>"]
    for workload, rows in by_workload(groups).items():
        t = normalised_table(workload, rows, baseline)
        if t:
            parts.append(f"<h4>{esc(workload)}</h4>{t}")
    return "\n".join(parts)
