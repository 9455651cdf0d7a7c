#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Static HTML report of pagebench result files: single runs, a history across nights and
hosts, and the LSF/MM reproduction table.

    reports/report.py FILES-OR-DIRS... -o DIR [--baseline BACKEND] [--nights N]
                      [--threshold PCT] [--alpha A] [--fail-on-regression]

A file argument is one run (its full page); a directory is a history store (file_into() in
history.py fills one: DATE-HOST-REV.json): its nights as timelines, the latest night against
the previous one, steps, and the latest night's full page of each series. A reproduction
manifest (written by reports/reproduce.py) adds the reproduction table. -o DIR writes
DIR/index.html and DIR/fig/*.svg; -o NAME.html writes one file with the figures embedded.
Either appears whole or not at all. Python 3, matplotlib, scipy; the page needs no JavaScript.

A file that cannot be read (malformed, empty, an unknown schema, a history file whose name
and context disagree) is a one-line warning naming it; the page is still written and lists it.
Exit status: 0, or 1 with --fail-on-regression when the history has a confirmed regression
(or its latest night has rows too short to judge, inconclusive, as compare --gate), 2
for bad usage or when no input could be read (nothing is written then). docs/reports.md.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from page import Output, OutputError, document, esc  # noqa: E402  (the reports/ folder is the path)
import cli_args  # noqa: E402
from results_load import expand, load_lenient  # noqa: E402
import history  # noqa: E402
import reproduce  # noqa: E402
import single_run  # noqa: E402
from single_run import process_medians, process_spread  # noqa: E402,F401  (the tests' entry points)


def warn(msg):
    print(f"report: warning: {msg}", file=sys.stderr)


def is_manifest(path):
    """True when @path is a reproduction manifest (reproduce.py), not a result file."""
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(200)
    except (OSError, UnicodeDecodeError):
        return False
    return '"pagebench_reproduction"' in head


class Inputs:
    def __init__(self):
        self.runs = []        # ResultSets given as files
        self.nights = []      # history Nights
        self.manifests = []   # reproduction manifests (dicts) with their path
        self.skipped = []     # (path, why)


def read_inputs(args):
    """A directory with nights named DATE-HOST-REV.json is a history store (its other files
    are skipped, said why); any other directory is its result files, each read as a run."""
    got = Inputs()
    todo = []
    for a in args:
        files = expand([a]) if os.path.isdir(a) else None
        if files is None:
            todo.append(a)
            continue
        named = [p for p in files if history.NAME_RE.match(os.path.basename(p))]
        if not named:
            todo += files
            continue
        nights, bad = history.load_store(a, named)
        got.nights += nights
        got.skipped += bad
        got.skipped += [(p, "not named DATE-HOST-REV.json, so not a night of this history store "
                         "(give the file itself to see it as a run)") for p in files if p not in named]
    for a in todo:
        if is_manifest(a):
            m, why = reproduce.load_manifest(a)
            if m is None:
                got.skipped.append((a, why))
            else:
                got.manifests.append(m)
        else:
            rs, why = load_lenient(a)
            if rs is None:
                got.skipped.append((a, why))
            else:
                got.runs.append(rs)
    return got


def short(path, why):
    """@why without the path it starts with (the list already names the file)."""
    for p in (path, os.path.abspath(path)):
        if why.startswith(p):
            return why[len(p):].lstrip(": ")
    return why


def skipped_block(skipped, warnings):
    if not skipped and not warnings:
        return ""
    out = ["<div class='warn' id='skipped'>"]
    if skipped:
        out.append(f"<b>{len(skipped)} input file{'s' if len(skipped) > 1 else ''} skipped</b> "
                   "(nothing of them is shown):<ul>")
        out += [f"<li><code>{esc(os.path.basename(p))}</code>: {esc(short(p, why))}</li>" for p, why in skipped]
        out.append("</ul>")
    if warnings:
        out.append("<b>Warnings:</b><ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>")
    out.append("</div>")
    return "\n".join(out)


def render(got, figures, opts):
    """(the page's HTML, the history analysis or None)."""
    body, warnings, an = [], [], None
    nav = []
    if got.nights:
        an = history.Analysis(got.nights, opts.nights, opts.threshold / 100, opts.alpha, opts.pagebench)
        warnings += an.warnings
    tables = [reproduce.table(m) for m in got.manifests]
    for t in tables:
        warnings += t.warnings
    body.append("<h1>pagebench report</h1>")
    body.append(f"<p class='note'>Written {time.strftime('%Y-%m-%d %H:%M:%S %z')} from "
                f"{len(got.runs)} run file(s), {len(got.nights)} history night(s), "
                f"{len(got.manifests)} reproduction run(s). Medians over repetitions in TSC cycles "
                "(timer and loop overhead subtracted); compare rows within one run: figures from "
                "different runs or machines compare as ratios.</p>")
    body.append(skipped_block(got.skipped, warnings))
    if an:
        nav.append("<a href='#regressions'>regressions</a><a href='#history'>history</a>")
        body.append("<h2>Confirmed regressions</h2>" + history.regression_table(an))
    for t in tables:
        nav.append("<a href='#reproduction'>reproduction</a>")
        body.append(reproduce.render(t))
    if an:
        body.append(history.render(an, figures))
    runs = [(rs, True) for rs in got.runs]
    if an:
        # One series (a nightly on one host): its latest night in full; several: summaries.
        full = opts.full_runs or len(an.series) == 1
        runs += [(rs, full) for rs in latest_runs(an, got.skipped, warnings)]
    for t in tables:
        runs += [(rs, True) for rs in t.runs]
    for i, (rs, full) in enumerate(runs):
        nav.append(f"<a href='#{single_run.anchor('run-' + str(i) + os.path.basename(rs.path))}'>"
                   f"run {esc(os.path.basename(rs.path))}</a>")
        body.append(single_run.render(rs, figures, opts.baseline, str(i)) if full else
                    single_run.render_summary(rs, opts.baseline, str(i)))
    if nav:
        body.insert(2, "<nav>" + "".join(nav) + "</nav>")
    return document("pagebench report", body), an


def latest_runs(an, skipped, warnings):
    """The full page of the latest night of each series (read again: the index keeps only
    medians)."""
    out = []
    for s, ns in an.series.items():
        rs, why = load_lenient(ns[-1].path)
        if rs is None:
            warnings.append(f"{s}: latest night {why}")
        else:
            out.append(rs)
    return out


def main(argv):
    ap = cli_args.ArgumentParser(prog=os.environ.get("PB_PROG"), description="HTML report of pagebench result files and histories")
    ap.add_argument("inputs", nargs="+", help="result files, history directories, reproduction manifests")
    ap.add_argument("-o", "--output", required=True, help="directory to write (or NAME.html: one file)")
    ap.add_argument("--baseline", help="backend the summary tables are normalised to (default buddy)")
    ap.add_argument("--nights", type=int, default=30, help="nights step detection looks at (default 30)")
    ap.add_argument("--threshold", type=float, default=3.0, help="practical threshold in percent (default 3)")
    ap.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    ap.add_argument("--full-runs", action="store_true",
                    help="history: the full page of every series' latest night (default: only with one series)")
    ap.add_argument("--fail-on-regression", action="store_true", help="exit 1 on a confirmed regression")
    ap.add_argument("--pagebench", help="the pagebench binary for compare (default $PB_BIN, build/pagebench)")
    opts = ap.parse_args(argv)
    if opts.nights < 2 * history.STEP_MIN or not (0 <= opts.threshold <= 1000) or not (0 < opts.alpha < 1):
        print(f"report: --nights must be at least {2 * history.STEP_MIN}, --threshold 0..1000, "
              "--alpha between 0 and 1", file=sys.stderr)
        return 2
    got = read_inputs(opts.inputs)
    if not got.runs and not got.nights and not got.manifests:
        # Bad input, and nothing else: one line naming each file's place and problem.
        print("report: nothing written: " + ("; ".join(why for _, why in got.skipped) or "no input"),
              file=sys.stderr)
        return 2
    for p, why in got.skipped:
        warn(f"{why} (skipped)")
    try:
        out = Output(opts.output)
    except OutputError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    try:
        text, an = render(got, out.figures, opts)
        index = out.commit(text)
    except BaseException:
        out.abort()
        raise
    print(f"report: {index}")
    for w in (an.unjudged if an else []):
        warn(w)  # a green night that judged nothing must not look like a quiet one
    if an and an.regressions:
        for g in an.regressions:
            how = "latest night" if g["kind"] == "night" else "step"
            print(f"report: regression: {g['series']}: {g['key']} ({how})", file=sys.stderr)
        if opts.fail_on_regression:
            return 1
    if an and an.inconclusive:
        for series, (n, needed) in an.inconclusive.items():
            print(f"report: inconclusive: {series}: {n} benchmark{'' if n == 1 else 's'} cannot be "
                  f"judged against the previous night: run at least {needed} repetitions per side",
                  file=sys.stderr)
        if opts.fail_on_regression:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
