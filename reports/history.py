# SPDX-License-Identifier: GPL-2.0-only
"""History across nights and hosts (asv's timelines, codespeed's change table).

The store is a directory of DATE-HOST-REV.json result files (file_into() names and writes
them), with an SQLite index beside them (.pagebench-index.sqlite, Python's sqlite3) that keeps
what the page needs of each file -- per benchmark the median, its 95% CI, the unstable flag --
so a long history is read once, not every night. A file that changed since it was indexed is
read again; the index is only a cache and can be deleted at any time.

A series is one host (its host_name) on one CPU model and one metric, emulated guests apart:
series are drawn side by side and never pooled. A host name seen with two CPU models (a VM moved
to other hardware, or two machines sharing a name) is two series, named with the model, since
cycles on one CPU say nothing about another's. The page shows:
  - the latest night against the previous one of each series, through `pagebench compare
    --json` (the same verdicts, U test and threshold as compare; compare_bridge.py);
  - steps over the last N nights: for each benchmark the split of its nightly medians into
    "before" and "after" (each at least STEP_MIN nights) with the smallest Mann-Whitney p,
    reported when p is below alpha / (number of splits tried) and the change of the median
    beyond the threshold, so a slow drift is caught as well as a jump;
  - a timeline per benchmark, one line per series, the band the 95% CI of each night's median.
A confirmed regression is a benchmark compare calls "slower" in the latest night, or a step
whose later nights are slower; they are listed at the top with links to their timelines.
"""
import datetime
import json
import math
import multiprocessing
import os
import re
import sqlite3
import statistics
import tempfile

import matplotlib.pyplot as plt
from scipy.stats import kendalltau, mannwhitneyu, theilslopes

import compare_bridge
import timelines
from page import esc, fmt, anchor
from results_load import BadInput, load

INDEX = ".pagebench-index.sqlite"
INDEX_VERSION = "2"  # 2: files.cpu (the CPU model splits a host's series)
NAME_RE = re.compile(r"^\d{8}T\d{6}Z-")
STEP_MIN = 5
# A slower step fails the gate while it is new: in the first nights it can be seen (its
# "after" side at most STEP_MIN + STEP_FRESH nights long, so one noisy night cannot hide it),
# or while the last 2 x STEP_MIN nights still climb (a slow drift goes on). Older and level, it is a
# known step: shown, not failing every night until it leaves the window.
STEP_FRESH = 2


def _safe(s):
    return re.sub(r"[^A-Za-z0-9._]", "_", str(s or "unknown")) or "unknown"


def night_date(ctx):
    """The run's start as an aware UTC datetime, or None when the context has no valid date."""
    try:
        d = datetime.datetime.fromisoformat(str(ctx.get("date")))
    except (TypeError, ValueError):
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc)


def store_name(ctx):
    """DATE-HOST-REV.json for a result file's machine context (BadInput without a date)."""
    d = night_date(ctx)
    if d is None:
        raise BadInput(f"context.date {ctx.get('date')!r}: not an ISO 8601 date")
    return f"{d:%Y%m%dT%H%M%SZ}-{_safe(ctx.get('host_name'))}-{_safe(ctx.get('git_revision'))}.json"


def compact(doc):
    """The parts of a result file the history keeps: every record with its per-repetition
    samples and summaries, without the per-batch samples and Google Benchmark's rows (their
    duplicates), which make a file ten times larger and which no history view reads."""
    out = dict(doc)
    out["benchmarks"] = []
    for b in doc.get("benchmarks") or []:
        if isinstance(b, dict) and b.get("gbench_row") is True:
            continue
        if isinstance(b, dict):
            b = {k: v for k, v in b.items() if k != "batch_samples_cycles_per_op"}
        out["benchmarks"].append(b)
    return out


def file_into(store, result):
    """Copies the result file @result into the history directory @store under its
    DATE-HOST-REV name (compacted), atomically; returns the new path. BadInput when the
    file is not a valid result file or a night of that name is already filed."""
    load(result)  # validates it, naming the problem
    with open(result, encoding="utf-8") as f:
        doc = json.load(f)
    try:
        name = store_name(doc["context"])
    except BadInput as e:
        raise BadInput(f"{result}: {e}") from None
    os.makedirs(store, exist_ok=True)
    dest = os.path.join(store, name)
    if os.path.exists(dest):
        raise BadInput(f"{result}: already in the history as {dest}")
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", dir=store)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(compact(doc), f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    return dest


def bench_key(b):
    """The name pagebench compare gives the row: job:name, or name for the command line."""
    return f"{b['job']}:{b['name']}" if b.get("job") else b["name"]


class Night:
    def __init__(self, path, host, date, rev, metric, emulated, points, cpu=""):
        self.path = path
        self.host = host
        self.cpu = cpu            # context.cpu_model ("" when the file has none)
        self.date = date          # aware datetime (UTC)
        self.rev = rev
        self.metric = metric
        self.emulated = emulated
        self.points = points      # {key: (median, lo, hi, unstable, kind, workload)}

    def series_name(self, with_cpu):
        """The series' name: the host, its CPU model when @with_cpu, the metric, emulated."""
        s = self.host
        if with_cpu:
            s += f" ({self.cpu or 'no cpu_model'})"
        if self.metric != "time":
            s += f" [{self.metric}]"
        if self.emulated:
            s += " (emulated)"
        return s


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _read(path):
    """A Night from a result file, or BadInput."""
    rs = load(path)
    base = os.path.basename(path)
    date = night_date(rs.machine)
    if date is None:
        raise BadInput(f"{path}: context.date {rs.machine.get('date')!r}: not an ISO 8601 date "
                       "(a history needs it to place the night)")
    if NAME_RE.match(base):
        want = store_name(rs.machine)
        if base != want:
            raise BadInput(f"{path}: mismatched: its name says {base} but its context says {want}")
    metric = rs.metric()
    points = {}
    for b in rs.records:
        c = b["cycles_per_op"]
        if metric == "instructions":
            ev = (b.get("pmu_events") or {}).get("instructions") or {}
            m, lo, hi = _num(ev.get("per_op")), None, None
        else:
            ci = c.get("median_ci95") if isinstance(c.get("median_ci95"), list) else [None, None]
            m, lo, hi = _num(c.get("median")), _num(ci[0]) if ci else None, _num(ci[1]) if len(ci) > 1 else None
        if m is None:
            continue
        points[bench_key(b)] = (m, lo, hi, b.get("unstable") is True, b.get("kind", "backend"),
                                b.get("workload", ""))
    return Night(path, str(rs.machine.get("host_name") or "unknown"), date,
                 str(rs.machine.get("git_revision") or ""), metric, rs.emulated(), points,
                 str(rs.machine.get("cpu_model") or ""))


def _read_or_why(path):
    try:
        return _read(path)
    except BadInput as e:
        return str(e)


def _read_all(paths):
    """Night or the problem (a string) for each of @paths, in order."""
    if len(paths) < 64 or (os.cpu_count() or 1) < 2:
        return [_read_or_why(p) for p in paths]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return pool.map(_read_or_why, paths, chunksize=16)


class Index:
    """The SQLite cache of Nights, in the store when it is writable, else in memory."""

    def __init__(self, store):
        path = os.path.join(store, INDEX)
        try:
            self.db = sqlite3.connect(path)
            self.db.execute("CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT)")
        except sqlite3.Error:
            self.db = sqlite3.connect(":memory:")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT)")
        row = self.db.execute("SELECT v FROM meta WHERE k='version'").fetchone()
        if not row or row[0] != INDEX_VERSION:
            self.db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS points;")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES('version', ?)", (INDEX_VERSION,))
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS files(name TEXT PRIMARY KEY, size INT, mtime INT, why TEXT,"
            " host TEXT, date TEXT, rev TEXT, metric TEXT, emulated INT, cpu TEXT);"
            "CREATE TABLE IF NOT EXISTS points(name TEXT, key TEXT, median REAL, lo REAL, hi REAL,"
            " unstable INT, kind TEXT, workload TEXT);"
            "CREATE INDEX IF NOT EXISTS points_name ON points(name);")

    def nights(self, paths):
        """(nights, [(path, why)]) for the result files @paths, reading only what changed
        (in two processes when there are many: a first index of a long history)."""
        cached = {r[0]: r for r in self.db.execute("SELECT * FROM files")}
        want = {}
        nights, bad, fresh, stale = [], [], [], []
        for p in paths:
            name = os.path.basename(p)
            try:
                st = os.stat(p)
            except OSError as e:
                bad.append((p, f"{p}: {e.strerror}"))
                continue
            want[name] = p
            row = cached.get(name)
            if row and row[1] == st.st_size and row[2] == st.st_mtime_ns:
                if row[3]:
                    bad.append((p, row[3]))
                else:
                    fresh.append((name, p, row))
                continue
            stale.append((name, p, st))
        for (name, p, st), n in zip(stale, _read_all([p for _, p, _ in stale])):
            self.db.execute("DELETE FROM points WHERE name=?", (name,))
            if isinstance(n, str):
                self.db.execute("INSERT OR REPLACE INTO files VALUES(?,?,?,?,?,?,?,?,?,?)",
                                (name, st.st_size, st.st_mtime_ns, n, None, None, None, None, None, None))
                bad.append((p, n))
                continue
            self.db.execute("INSERT OR REPLACE INTO files VALUES(?,?,?,?,?,?,?,?,?,?)",
                            (name, st.st_size, st.st_mtime_ns, None, n.host, n.date.isoformat(), n.rev,
                             n.metric, int(n.emulated), n.cpu))
            self.db.executemany("INSERT INTO points VALUES(?,?,?,?,?,?,?,?)",
                                [(name, k, *v[:3], int(v[3]), v[4], v[5]) for k, v in n.points.items()])
            nights.append(n)
        for name in set(cached) - set(want):
            self.db.execute("DELETE FROM files WHERE name=?", (name,))
            self.db.execute("DELETE FROM points WHERE name=?", (name,))
        if fresh:
            pts = {}
            for name, k, m, lo, hi, u, kind, wl in self.db.execute("SELECT * FROM points"):
                pts.setdefault(name, {})[k] = (m, lo, hi, bool(u), kind, wl)
            for name, p, row in fresh:
                nights.append(Night(p, row[4], datetime.datetime.fromisoformat(row[5]), row[6], row[7],
                                    bool(row[8]), pts.get(name, {}), row[9] or ""))
        self.db.commit()
        self.db.close()
        return nights, bad


def load_store(store, paths):
    """The nights of @paths (files of the store @store) and the files skipped with why."""
    return Index(store).nights(paths)


def by_series(nights):
    """{series name: its nights, oldest first}; a host's CPU model is in the name only when
    that host was seen with more than one."""
    models = {}
    for n in nights:
        models.setdefault(n.host, set()).add(n.cpu)
    out = {}
    for n in sorted(nights, key=lambda n: (n.date, os.path.basename(n.path))):
        out.setdefault(n.series_name(len(models[n.host]) > 1), []).append(n)
    return out


def detect_step(values, alpha, threshold, min_seg=STEP_MIN):
    """The most significant split of @values (oldest first) into before/after, as
    (index of the first "after" value, change of the median, p), or None when no split has
    p < alpha / splits and |change| > threshold."""
    n = len(values)
    splits = range(min_seg, n - min_seg + 1)
    if not splits:
        return None
    best = None
    for k in splits:
        a, b = values[:k], values[k:]
        ma, mb = statistics.median(a), statistics.median(b)
        if not ma > 0:
            continue
        change = mb / ma - 1
        if abs(change) <= threshold:
            continue
        p = mannwhitneyu(a, b, alternative="two-sided").pvalue
        if best is None or p < best[2]:
            best = (k, change, p)
    if best and best[2] < alpha / len(splits):
        return best
    return None


def still_climbing(values, alpha, threshold):
    """True when @values (oldest first) still trend upward: Kendall's tau > 0 with p < alpha,
    and the Theil-Sen slope over them more than @threshold of their median."""
    if len(values) < STEP_MIN:
        return False
    tau, p = kendalltau(range(len(values)), values)
    if not (tau > 0 and p < alpha):
        return False
    med = statistics.median(values)
    return med > 0 and theilslopes(values)[0] * (len(values) - 1) / med > threshold


class Analysis:
    """What the page shows of a history: per series the night-over-night comparison and the
    steps; the confirmed regressions; warnings (files that could not be compared)."""

    def __init__(self, nights, nights_window, threshold, alpha, binary=None):
        self.series = by_series(nights)
        self.window = nights_window
        self.threshold = threshold
        self.alpha = alpha
        self.compared = {}      # series -> compare's dict
        self.steps = {}         # series -> {key: (k, change, p, before, after, dates)}
        self.warnings = []
        self.regressions = []   # dicts, for the table at the top
        self.known_steps = []   # slower steps older than STEP_FRESH nights: shown, not gating
        self.unjudged = []      # series whose latest night has every row unstable (also warnings)
        # series -> (rows called inconclusive, repetitions needed): as compare --gate, a night
        # too short to judge fails the gate rather than passing it
        self.inconclusive = {}
        for s, ns in self.series.items():
            if len(ns) >= 2:
                prev, last = ns[-2], ns[-1]
                doc, why = compare_bridge.compare(prev.path, last.path, threshold * 100, alpha,
                                                  metric=last.metric, binary=binary,
                                                  allow_emulated=True)
                if doc is None:
                    self.warnings.append(f"{s}: {os.path.basename(prev.path)} -> "
                                         f"{os.path.basename(last.path)} not compared: {why}")
                else:
                    self.compared[s] = doc
                    if doc.get("inconclusive"):
                        self.inconclusive[s] = (doc["inconclusive"], doc.get("needed"))
                    judged = [r for r in doc["rows"] if not r["baseline"]]
                    if judged and all(r["verdict"] == "unstable" for r in judged):
                        # Passing the gate here means nothing was judged, not that nothing moved.
                        self.unjudged.append(f"{s}: all {len(judged)} benchmarks of the latest night "
                                             "are unstable (noise, interval or drift): the night could "
                                             "confirm no regression and no absence of one")
                        self.warnings.append(self.unjudged[-1])
                    broad = breadth_warning(s, doc, prev, last)
                    if broad:
                        self.warnings.append(broad)
                    for r in doc["rows"]:
                        if r["verdict"] == "slower" and not r["baseline"]:
                            self.regressions.append({"series": s, "key": r["name"], "kind": "night",
                                                     "row": r, "old": prev, "new": last})
            self.steps[s] = {}
            recent = ns[-self.window:]
            keys = recent[-1].points.keys()
            for k in keys:
                if recent[-1].points[k][4] == "baseline":
                    continue
                pts = [(n.date, n.points[k][0]) for n in recent if k in n.points]
                st = detect_step([v for _, v in pts], alpha, threshold)
                if st is None:
                    continue
                idx, change, p = st
                vals = [v for _, v in pts]
                info = {"index": idx, "change": change, "p": p,
                        "before": statistics.median(vals[:idx]), "after": statistics.median(vals[idx:]),
                        "since": pts[idx][0], "nights": len(pts), "after_nights": len(pts) - idx}
                self.steps[s][k] = info
                if change > 0:
                    g = {"series": s, "key": k, "kind": "step", "step": info}
                    if info["after_nights"] <= STEP_MIN + STEP_FRESH or \
                            still_climbing(vals[-2 * STEP_MIN:], alpha, threshold):
                        self.regressions.append(g)
                    else:
                        self.known_steps.append(g)


BROAD = 0.5    # this share of a night's benchmarks slower at once reads as the machine


def _context(path):
    try:
        return load(path).machine
    except BadInput:
        return {}


def _load1(ctx):
    la = ctx.get("load_avg")
    return la[0] if isinstance(la, list) and la and isinstance(la[0], (int, float)) else None


def breadth_warning(s, doc, prev, last):
    """A warning when most benchmarks got slower together (a change that broad is usually the
    machine: load, clock, kernel) saying what the two nights' contexts changed; else None.
    The verdicts stay compare's."""
    rows = [r for r in doc["rows"] if not r["baseline"]]
    slower = sum(r["verdict"] == "slower" for r in rows)
    if len(rows) < 5 or slower < BROAD * len(rows):
        return None
    a, b = _context(prev.path), _context(last.path)
    diffs = [f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in ("kernel", "cpu_model", "cpu_governor", "num_cpus")
             if a.get(k) != b.get(k)]
    la, lb = _load1(a), _load1(b)
    if la is not None and lb is not None:
        diffs.append(f"1-minute load average at the start {la:.1f} -> {lb:.1f}")
    return (f"{s}: {slower} of {len(rows)} benchmarks slower at once (geometric mean "
            f"{(doc['geomean_ratio'] - 1) * 100:+.0f}%): a change this broad is usually the machine, "
            "not one patch" + ("; " + "; ".join(diffs) if diffs else ""))


def _tl_id(key):
    return "tl-" + anchor(key)


def known_steps_list(an):
    """The slower steps that no longer fail the gate (older than the first nights they were
    seen), so an accepted change is still on the page; "" when there is none."""
    if not an.known_steps:
        return ""
    items = [f"<li>{esc(g['series'])}: <a href='#{_tl_id(g['key'])}'>{esc(g['key'])}</a> "
             f"{g['step']['change'] * 100:+.1f}% since {g['step']['since']:%Y-%m-%d} "
             f"({g['step']['after_nights']} nights at the new level)</li>" for g in an.known_steps]
    return (f"<p>Known slower steps (first seen more than {STEP_FRESH + 1} nights ago: shown, no "
            "longer failing the gate):</p><ul>" + "".join(items) + "</ul>")


def regression_table(an):
    if not an.regressions:
        return ("<p id='regressions' class='same'><b>No confirmed regression</b> in the latest night "
                "of any series, and no new slower step over the last nights.</p>" + known_steps_list(an))
    out = [f"<table id='regressions' class='left'><tr><th>series</th><th>benchmark</th><th>found by</th>"
           "<th>before</th><th>after</th><th>change</th><th>95% CI</th><th>p (U test)</th>"
           "<th>rule</th></tr>"]
    for g in an.regressions:
        link = f"<a href='#{_tl_id(g['key'])}'>{esc(g['key'])}</a>"
        if g["kind"] == "night":
            r = g["row"]
            ci = "-" if r["ci_lo"] is None or r["ci_hi"] is None else \
                f"[{r['ci_lo'] * 100:+.1f}%, {r['ci_hi'] * 100:+.1f}%]"
            out.append(f"<tr class='slower'><td>{esc(g['series'])}</td><td>{link}</td>"
                       f"<td>latest night vs previous ({esc(g['new'].rev)} vs {esc(g['old'].rev)})</td>"
                       f"<td>{fmt(r['old_median'], 1)}</td><td>{fmt(r['new_median'], 1)}</td>"
                       f"<td>{r['net'] * 100:+.1f}%</td><td>{ci}</td><td>{r['p']:.2g}</td>"
                       f"<td>compare: p &lt; {an.alpha:g}, |change| &gt; {an.threshold * 100:g}%, "
                       "CI clear of 0</td></tr>")
        else:
            st = g["step"]
            out.append(f"<tr class='slower'><td>{esc(g['series'])}</td><td>{link}</td>"
                       f"<td>new step since {st['since']:%Y-%m-%d} ({st['after_nights']} of the last "
                       f"{st['nights']} nights after it)</td>"
                       f"<td>{fmt(st['before'], 1)}</td><td>{fmt(st['after'], 1)}</td>"
                       f"<td>{st['change'] * 100:+.1f}%</td><td>-</td><td>{st['p']:.2g}</td>"
                       f"<td>U test of nightly medians, p &lt; {an.alpha:g}/splits, "
                       f"|change| &gt; {an.threshold * 100:g}%</td></tr>")
    out.append("</table>")
    return "\n".join(out) + known_steps_list(an)


def compare_table(s, doc, an):
    rows = doc["rows"]
    counts = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    out = [f"<details><summary>latest night vs previous: {len(rows)} benchmarks ({esc(summary)}); "
           f"geometric mean of backends {((doc['geomean_ratio'] or 1) - 1) * 100:+.1f}%</summary>",
           f"<p>Practical threshold {an.threshold * 100:g}%, alpha {an.alpha:g} (compare's rules: "
           "slower or faster needs p &lt; alpha, |change| above the threshold and its interval clear of 0).</p>",
           "<table><tr><th>benchmark</th><th>previous</th><th>±MAD%</th><th>latest</th><th>±MAD%</th>"
           "<th>change</th><th>95% CI</th><th>p</th><th>threshold</th><th>verdict</th></tr>"]
    for r in rows:
        ci = "-" if r["ci_lo"] is None or r["ci_hi"] is None else \
            f"[{r['ci_lo'] * 100:+.1f}%, {r['ci_hi'] * 100:+.1f}%]"
        out.append(f"<tr class='{esc(r['verdict'])}'><td><a href='#{_tl_id(r['name'])}'>{esc(r['name'])}</a></td>"
                   f"<td>{fmt(r['old_median'], 1)}</td><td>{fmt(r['old_spread'] * 100, 1)}</td>"
                   f"<td>{fmt(r['new_median'], 1)}</td><td>{fmt(r['new_spread'] * 100, 1)}</td>"
                   f"<td>{r['change'] * 100:+.1f}%</td><td>{ci}</td><td>{fmt(r['p'], 4)}</td>"
                   f"<td>±{an.threshold * 100:g}%</td><td>{esc(r['verdict'])}{' (' + esc(r['why']) + ')' if r['why'] else ''}</td></tr>")
    out.append("</table>")
    notes = []
    if doc.get("inconclusive"):
        notes.append(f"{doc['inconclusive']} inconclusive: too few repetitions for the U test "
                     f"(needs {doc['needed']} per side)")
    if doc.get("only_old") or doc.get("only_new"):
        notes.append(f"{doc['only_old']} benchmarks only in the previous night, {doc['only_new']} only in the latest")
    if notes:
        out.append("<p class='note'>" + "; ".join(esc(n) for n in notes) + "</p>")
    out.append("</details>")
    return "\n".join(out)


def timeline_data(an):
    """[(key, [(series, [(date, median, lo, hi, unstable)], step or None)])] in key order."""
    keys = []
    seen = set()
    for s, ns in an.series.items():
        for n in ns[-an.window * 4:]:
            for k in n.points:
                if k not in seen:
                    seen.add(k)
                    keys.append(k)
    out = []
    for k in keys:
        lines = []
        for s, ns in an.series.items():
            pts = [(n.date, *n.points[k][:4]) for n in ns if k in n.points]
            if pts:
                lines.append((s, pts, an.steps.get(s, {}).get(k)))
        out.append((k, lines))
    return out


COLOURS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def render(an, figures):
    parts = ["<h2 id='history'>History</h2>",
             f"<p>{len(an.series)} series (a host on one CPU model and a metric; an emulated guest apart), "
             f"{sum(len(v) for v in an.series.values())} night(s). Steps are looked for over the last "
             f"{an.window} nights of each series. Timelines: the median per night, the band its 95% CI, "
             "x an unstable night, a dashed line a detected step, a red circle a confirmed regression.</p>"]
    parts.append("<table><tr><th>series</th><th>nights</th><th>first</th><th>latest</th>"
                 "<th>latest revision</th></tr>")
    for s, ns in an.series.items():
        parts.append(f"<tr><td>{esc(s)}</td><td>{len(ns)}</td><td>{ns[0].date:%Y-%m-%d %H:%M}</td>"
                     f"<td>{ns[-1].date:%Y-%m-%d %H:%M}</td><td>{esc(ns[-1].rev)}</td></tr>")
    parts.append("</table>")
    for s in an.series:
        parts.append(f"<h3>{esc(s)}</h3>")
        if s in an.compared:
            parts.append(compare_table(s, an.compared[s], an))
        else:
            parts.append("<p class='note'>one night only: nothing to compare yet</p>"
                         if len(an.series[s]) < 2 else "<p class='note'>not compared (see the warnings)</p>")
    flagged = {(g["series"], g["key"]) for g in an.regressions}
    units = {n.metric for ns in an.series.values() for n in ns}
    unit = "instructions per op" if units == {"instructions"} else \
        "TSC cycles per op" if units == {"time"} else "cycles or instructions per op"
    parts.append("<h3>Timelines</h3><div class='figs'>")
    # A series keeps its colour in every timeline.
    colour_of = {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(an.series)}
    data = timeline_data(an)
    items = [(key, lines, {s for s, k in flagged if k == key}, unit, colour_of) for key, lines in data]
    for (key, _), png in zip(data, timelines.draw(items)):
        parts.append(f"<div id='{_tl_id(key)}'>" + figures.img_bytes(png, "png", _tl_id(key), f"timeline of {key}")
                     + "</div>")
    parts.append("</div>")
    return "\n".join(parts)
