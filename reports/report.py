#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Static HTML report of one or more pagebench result files.

    reports/report.py RESULTS.json [MORE.json ...] -o REPORT.html

Per job and workload: how the job was measured (its own context), a table of every backend
(median ns and TSC cycles per op, spread, 95% CI of the median, every rate counter, the ratio
as the file stores it), the count and level counters, a box plot of the per-repetition samples, the PMU counters when there are any,
the machine baselines, and the machine the figures were measured on. Plots are embedded,
so the report is one file. Bad input is one line on stderr and exit status 2; the report is
written atomically, never partially.
"""
import argparse
import base64
import html
import io
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_load import BadInput, load  # noqa: E402  (the reports/ folder is the path)


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def plot_samples(rows):
    """A box plot of per-repetition cycles/op, one box per backend, as an inline PNG."""
    labels = [r["alloc"] + (f"/{r['track']}" if r.get("track") else "") for r in rows]
    data = [[s["cycles_per_op"] for s in r["samples"] if s.get("cycles_per_op") is not None]
            for r in rows]
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(rows) + 1.5), 3.2), dpi=100)
    ax.boxplot(data, labels=labels, showfliers=True)
    ax.set_ylabel("TSC cycles per op")
    if all(d and min(d) > 0 for d in data) and max(max(d) for d in data) > 20 * min(min(d) for d in data):
        ax.set_yscale("log")
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def group(rs):
    """Backend rows grouped by (job, workload) in file order, one table each, and the baseline
    rows. Ratios are never recomputed here: each row shows the one the file stores."""
    groups, baselines = {}, []
    for b in rs.records:
        if b.get("kind") == "baseline":
            baselines.append(b)
            continue
        groups.setdefault((b.get("job", ""), b["workload"]), []).append(b)
    return groups, baselines


def rate_columns(rows):
    """Every rate counter any row has, in first-seen order: the table's counter columns."""
    names = []
    for b in rows:
        for name, c in (b.get("counters") or {}).items():
            if c.get("kind") == "rate" and name not in names:
                names.append(name)
    return names


def counter_value(b, name):
    c = (b.get("counters") or {}).get(name) or {}
    v = c.get("value")
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def heading(name):
    return name[:-len("_per_op")].replace("_", " ") + "/op" if name.endswith("_per_op") else name


def backend_table(rows):
    rates = rate_columns(rows)
    out = ["<table><tr><th>backend</th><th>params</th><th>track</th><th>ns/op</th><th>cycles/op</th>"
           "<th>CV %</th><th>95% CI of median</th><th>p99</th>"
           + "".join(f"<th>{html.escape(heading(n))}</th>" for n in rates) + "<th>ratio</th></tr>"]
    for b in rows:
        c, n = b["cycles_per_op"], b["ns_per_op"]
        ci = c.get("median_ci95") or [None, None]
        params = ",".join(f"{k}={v}" for k, v in (b.get("params") or {}).items()) or "-"
        unstable = " class='unstable'" if b.get("unstable") else ""
        cells = "".join(f"<td>{fmt(counter_value(b, r), 3)}</td>" for r in rates)
        out.append(
            f"<tr><td>{html.escape(str(b.get('alloc')))}</td><td>{html.escape(params)}</td>"
            f"<td>{html.escape(b.get('track', '-'))}</td><td>{fmt(n.get('median'))}</td>"
            f"<td>{fmt(c.get('median'), 1)}</td><td{unstable}>{fmt((c.get('cv') or 0) * 100, 1)}</td>"
            f"<td>{fmt(ci[0], 1)} – {fmt(ci[1], 1)}</td><td>{fmt(c.get('p99'), 1)}</td>"
            f"{cells}<td>{fmt(b.get('ratio'))}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def totals_table(rows):
    """The count and level counters (totals over the measured repetitions, gauges)."""
    names = []
    for b in rows:
        for name, c in (b.get("counters") or {}).items():
            if c.get("kind") in ("count", "level") and name not in names:
                names.append(name)
    if not names:
        return ""
    out = ["<table><tr><th>backend</th><th>track</th>"
           + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>"]
    for b in rows:
        cells = "".join(f"<td>{fmt(counter_value(b, n), 0)}</td>" for n in names)
        out.append(f"<tr><td>{html.escape(str(b.get('alloc')))}</td>"
                   f"<td>{html.escape(b.get('track', '-'))}</td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def counter_table(rows):
    names = []
    for b in rows:
        for name, ev in (b.get("pmu_events") or {}).items():
            if ev.get("available") and name not in names:
                names.append(name)
    if not names:
        return ""
    out = ["<table><tr><th>backend</th>" + "".join(f"<th>{html.escape(n)}/op</th>" for n in names) + "</tr>"]
    for b in rows:
        cells = []
        for n in names:
            ev = (b.get("pmu_events") or {}).get(n) or {}
            cells.append(f"<td>{fmt(ev.get('per_op'))}</td>" if ev.get("available") else "<td>-</td>")
        out.append(f"<tr><td>{html.escape(str(b.get('alloc')))}</td>{''.join(cells)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def job_block(job):
    """How one job was measured: its own TSC rate, overheads, threads, PMU, seed."""
    threads = ", ".join(f"{t.get('role')}: CPU {t.get('cpu')}"
                        + (f" (node {t['node']})" if t.get("node") is not None else "")
                        for t in job.get("threads") or [])
    pmu = job.get("pmu") or {}
    rows = [("TSC Hz", job.get("tsc_hz")), ("threads", threads),
            ("timer overhead cycles", job.get("timer_overhead_cycles")),
            ("loop overhead cycles", job.get("loop_overhead_cycles")),
            ("metric", job.get("metric")), ("seed", job.get("seed")),
            ("PMU events", pmu.get("events")), ("PMU unavailable", pmu.get("unavailable"))]
    if "emulated" in job:
        rows.append(("emulated (TCG)", job["emulated"]))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v if v is not None else ''))}</td></tr>"
                   for k, v in rows)
    return f"<table class='ctx'>{body}</table>"


def context_block(path, ctx):
    keys = ("host_name", "cpu_model", "num_cpus", "tsc_flags", "kernel", "date",
            "git_revision", "caches", "numa_nodes", "cpu_governor", "command_line")
    rows = "".join(f"<tr><th>{k}</th><td>{html.escape(str(ctx.get(k, '')))}</td></tr>" for k in keys)
    return f"<h2>Machine and run: {html.escape(os.path.basename(path))}</h2><table class='ctx'>{rows}</table>"


def render(paths, docs):
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>pagebench report</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}"
             "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
             "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
             ".ctx td{text-align:left}.unstable{background:#fdd}.warn{background:#ffe9a8;padding:4px}"
             "</style></head><body>",
             "<h1>pagebench report</h1>",
             "<p>Medians over repetitions (TSC cycles; timer and loop overhead subtracted). Rows whose "
             "CV exceeds the run's unstable threshold are shaded. Compare rows within one table: "
             "figures from different runs or machines compare as ratios.</p>"]
    for path, doc in zip(paths, docs):
        groups, baselines = group(doc)
        parts.append(context_block(path, doc.machine))
        if doc.machine.get("instructions_source"):
            parts.append("<p class='warn'><b>This run was counted under valgrind's "
                         f"{html.escape(str(doc.machine['instructions_source']))}: its times are "
                         "emulation and mean nothing; read the instructions per op and the ratios "
                         "(by instructions).</b></p>")
        for (job, workload), rows in groups.items():
            title = f"[{job}] " if job else ""
            parts.append(f"<h3>{html.escape(title + workload)}</h3>")
            parts.append(job_block(doc.job(job)))
            parts.append(backend_table(rows))
            parts.append(totals_table(rows))
            parts.append(counter_table(rows))
            parts.append(f"<img alt='per-repetition cycles per op' src='data:image/png;base64,{plot_samples(rows)}'>")
        if baselines:
            parts.append("<h3>Machine baselines</h3><table><tr><th>baseline</th><th>ns/op</th><th>cycles/op</th></tr>")
            for b in baselines:
                parts.append(f"<tr><td>{html.escape(b['workload'])}</td><td>{fmt(b['ns_per_op'].get('median'))}</td>"
                             f"<td>{fmt(b['cycles_per_op'].get('median'), 1)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_atomically(path, text):
    d = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", dir=d)
    except OSError as e:
        raise BadInput(f"{path}: cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description="HTML report of pagebench result files")
    ap.add_argument("results", nargs="+", help="result JSON files written by pagebench run")
    ap.add_argument("-o", "--output", required=True, help="the HTML file to write")
    args = ap.parse_args(argv)
    try:
        docs = [load(p) for p in args.results]
        write_atomically(args.output, render(args.results, docs))
    except BadInput as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    print(f"report: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
