#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The HTML report from the user's side: real result files render; bad input is a one-line
warning naming the file and the rest is still written; the output appears whole or not at
all; the history's verdicts are compare's own; step detection, sweeps, memory figures, the
normalised tables and the reproduction table read what the files hold and nothing else.
Run by `make test-reports` (Debian's python3 with matplotlib and scipy; PB_BIN=build/pagebench).
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPORT = os.path.join(ROOT, "reports", "report.py")
NIGHTLY = os.path.join(ROOT, "reports", "nightly.py")
DATA = os.environ.get("PB_TESTDATA", os.path.join(HERE, "data"))
RDATA = os.path.join(DATA, "reports")
PB = os.environ.get("PB_BIN") or os.path.join(ROOT, "build", "pagebench")
sys.path.insert(0, os.path.join(ROOT, "reports"))
sys.path.insert(0, RDATA)
import compare_bridge  # noqa: E402
import history  # noqa: E402
import make_history  # noqa: E402
import page  # noqa: E402
import report  # noqa: E402
import reproduce  # noqa: E402
import results_load  # noqa: E402
import single_run  # noqa: E402
import sweeps  # noqa: E402

HAVE_PB = os.access(PB, os.X_OK)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(*args):
    return subprocess.run([sys.executable, REPORT, *args], capture_output=True, text=True,
                          env=dict(os.environ, PB_BIN=PB))


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pb-report-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        return self.path(name)


class SingleRun(Tmp):
    def test_real_results_render_to_a_directory(self):
        out = self.path("page")
        r = run(os.path.join(DATA, "results_small.json"), "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"report: {out}/index.html")
        text = read(os.path.join(out, "index.html"))
        for needle in ("<td>buddy</td>", "<td>ptr_ring_pool</td>", "alloc-free", "src='fig/",
                       "Machine baselines", "task-clock/op", "cpu_model", "geometric mean"):
            self.assertIn(needle, text)
        figs = os.listdir(os.path.join(out, "fig"))
        self.assertTrue(figs and all(os.path.getsize(os.path.join(out, "fig", f)) > 0 for f in figs))
        for f in figs:
            self.assertIn(f"fig/{f}", text)
        self.assertEqual(sorted(os.listdir(self.dir)), ["page"], "no temporary directory may remain")

    def test_html_output_embeds(self):
        out = self.path("r.html")
        r = run(os.path.join(DATA, "results_v2_cross.json"), os.path.join(DATA, "results_v1_cross.json"), "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = read(out)
        for needle in ("cross-cpu", "alloc: CPU", "free: CPU", "atomics/op", "pa_alloc_calls",
                       "data:image/svg+xml;base64,"):
            self.assertIn(needle, text)
        self.assertEqual(os.listdir(self.dir), ["r.html"])

    def test_normalised_table_and_geomean(self):
        """Hand-checkable: two jobs, buddy 100 and 400 cycles, ideal 50 and 100: ratios 0.5 and
        0.25, geometric mean sqrt(0.125) = 0.35."""
        def rec(job, alloc, m, unstable=False):
            return {"job": job, "alloc": alloc, "workload": "w", "cycles_per_op": {"median": m},
                    "unstable": unstable}
        rows = [rec("a", "buddy", 100), rec("a", "ideal", 50), rec("b", "buddy", 400),
                rec("b", "ideal", 100, True)]
        html = single_run.normalised_table("w", rows, None)
        self.assertIn(">0.50<", html)
        self.assertIn(">0.25 !<", html)
        self.assertIn(f"<b>{math.sqrt(0.125):.2f}</b>", html)
        self.assertIn("relative to <b>buddy</b>", html)
        html = single_run.normalised_table("w", rows, "ideal")
        self.assertIn(f"<b>{math.sqrt(8):.2f}</b>", html)

    def test_raw_peer_beside_wrapped(self):
        rows = [{"alloc": a} for a in ("buddy", "jemalloc_raw", "jemalloc", "dpdk_mempool", "dpdk_mempool_raw")]
        self.assertEqual(single_run.backend_order(rows),
                         ["buddy", "jemalloc", "jemalloc_raw", "dpdk_mempool", "dpdk_mempool_raw"])

    def test_sweeps_need_three_values(self):
        def rec(alloc, n, m):
            return {"alloc": alloc, "workload": "outstanding", "params": {"n": n, "path": "skb"},
                    "cycles_per_op": {"median": m, "median_ci95": [m - 1, m + 1]}}
        rows = [rec("buddy", "64", 10), rec("buddy", "1024", 20), rec("buddy", "8192", 30),
                rec("frag", "64", 5), rec("frag", "1024", 6)]
        found = sweeps.find(rows)
        self.assertEqual(list(found), [("n", "buddy")])
        self.assertEqual([x for x, _ in found[("n", "buddy")]], [64, 1024, 8192])

    def test_sweep_series_survive_a_parameter_some_points_carry(self):
        def rec(alloc, n, m, **extra):
            return {"alloc": alloc, "workload": "outstanding", "params": {"n": n, **extra},
                    "cycles_per_op": {"median": m, "median_ci95": [m - 1, m + 1]}}
        rows = [rec("dpdk_mempool", "64", 10), rec("dpdk_mempool", "1024", 20),
                rec("dpdk_mempool", "8192", 30, objects="12287"),
                rec("null", "64", 1), rec("null", "1024", 1), rec("null", "8192", 1)]
        found = sweeps.find(rows)
        self.assertEqual(list(found), [("n", "dpdk_mempool [objects at some points]")])
        self.assertEqual([x for x, _ in found[("n", "dpdk_mempool [objects at some points]")]], [64, 1024, 8192])

    def test_sweep_axes(self):
        import matplotlib
        matplotlib.use("Agg")
        from page import Figures

        def pts(xs, ys):
            return [(x, {"cycles_per_op": {"median": y, "median_ci95": [y, y]}}) for x, y in zip(xs, ys)]
        figs = Figures(self.path("f"), embed=False)
        captured = []
        real_img = figs.img
        figs.img = lambda fig, stem, alt: captured.append(fig.axes[0]) or real_img(fig, stem, alt)
        sweeps.plot("alloc-free", "order", [("buddy", pts([0, 1, 2, 3], [100, 120, 150, 200]))], figs, "o")
        ax = captured[-1]
        self.assertEqual(ax.get_yscale(), "linear", "less than a decade: linear from 0")
        self.assertEqual(ax.get_ylim()[0], 0)
        self.assertTrue(all(float(t).is_integer() for t in ax.get_xticks()), ax.get_xticks())
        sweeps.plot("outstanding", "n", [("buddy", pts([64, 1024, 8192], [10, 200, 3000]))], figs, "n")
        self.assertEqual(captured[-1].get_yscale(), "log", "more than a decade: log")

    def test_pmu_breakdown_shows_the_files_values(self):
        """pmu_run.json is a real run with the software events task-clock and page-faults
        (make-real-runs.sh): the section has a column per event and each cell its per_op."""
        src = os.path.join(RDATA, "pmu_run.json")
        out = self.path("page")
        r = run(src, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = read(os.path.join(out, "index.html"))
        self.assertIn("<table class='pmu'><tr><th>backend</th><th>task-clock/op (ns)</th>"
                      "<th>page-faults/op</th></tr>", text)
        recs = results_load.load(src).records
        self.assertEqual(len(recs), 2)
        for b in recs:
            ev = b["pmu_events"]
            self.assertIn(f"<tr><td>{b['alloc']}</td><td>{page.fmt(ev['task-clock']['per_op'])}</td>"
                          f"<td>{page.fmt(ev['page-faults']['per_op'])}</td></tr>", text)
        self.assertEqual(text.count("alt='PMU events per op by backend'"), 1)
        # An event the run could not count is no column (results_small.json: no PMU).
        rows = [{"alloc": "a", "pmu_events": {"cycles": {"available": False, "why": "no PMU"}}}]
        self.assertEqual(single_run.pmu_block(rows, None, "s"), "")

    def test_pmu_event_zero_for_every_row_has_a_positive_axis(self):
        # page-faults is 0 per op for every backend once warm: its bars get a 0..1 axis and
        # say so, not an axis centred on 0 with negative counts.
        class Figs:
            def img(self, fig, stem, alt):
                self.fig = fig
                return ""
        ev = lambda v: {"available": True, "per_op": v}
        rows = [{"alloc": a, "pmu_events": {"task-clock": ev(5.0), "page-faults": ev(0)}} for a in "ab"]
        figs = Figs()
        single_run.pmu_block(rows, figs, "s")
        clock, faults = figs.fig.axes
        self.assertEqual(faults.get_xlim(), (0.0, 1.0))
        self.assertEqual([t.get_text() for t in faults.texts], ["0 for every row"])
        self.assertEqual(len(clock.texts), 0)
        self.assertGreaterEqual(clock.get_xlim()[0], 0)

    def test_memory_absent_is_a_note_never_a_zero(self):
        out = self.path("page")
        self.assertEqual(run(os.path.join(DATA, "results_small.json"), "-o", out).returncode, 0)
        text = read(os.path.join(out, "index.html"))
        self.assertIn("No memory figures", text)
        self.assertIn("counters.pinned_per_live_byte", text)

    def test_memory_present_is_drawn(self):
        """memory_run.json is a real slow-socket replay (make-real-runs.sh): the figures read
        the counters and memory_series it wrote."""
        src = os.path.join(RDATA, "memory_run.json")
        out = self.path("page")
        r = run(src, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = read(os.path.join(out, "index.html"))
        self.assertNotIn("No memory figures", text)
        for alt in ("pinned bytes per live byte", "page-allocator calls per packet"):
            self.assertEqual(text.count(f"slow-socket: {alt}'"), 1, alt)
        rs = results_load.load(src)
        firsts = [b for b in rs.records if b.get("memory_series") and b["alloc"] != "null"]
        self.assertEqual(len(firsts), 9, "3 backends x 3 slow fractions, first track")
        # One pages-in-flight figure per slow fraction, each its records' series.
        self.assertEqual(text.count("pages in flight over time'"), 3)
        import memory
        for b in firsts:
            pts, unit = memory.inflight_series(b)
            cols, rows = b["memory_series"]["columns"], b["memory_series"]["rows"]
            self.assertEqual(unit, "ms")
            self.assertEqual([y for _, y in pts], [r[cols.index("pages_in_flight")] for r in rows])
            # The pinned table: each cell the record's counter, as the file says.
            v = b["counters"]["pinned_per_live_byte"]["value"]
            self.assertIn(f"<td>{b['job']} packets=5000,slow={b['params']['slow']}</td>", text)
            self.assertIn(f"<td>{v:.2f}</td>", text)
        self.assertNotIn("<th>null/rx</th>", text, "the engine's row is not a backend's memory")
        # rss_peak_bytes is the whole process: said where it is shown.
        self.assertIn("rss_peak_bytes *", text)
        self.assertIn("* rss_peak_bytes: the whole process", text)

    def test_pa_against_slow_reads_the_counter(self):
        import memory
        rs = results_load.load(os.path.join(RDATA, "memory_run.json"))
        got = {}
        fig = mock.Mock()
        fig.img = lambda f, stem, alt: got.setdefault("ax", f.axes[0]) and ""
        memory.pa_vs_slow("slow-socket", rs.records, fig, "s")
        lines = {ln.get_label(): list(zip(ln.get_xdata(), ln.get_ydata())) for ln in got["ax"].get_lines()}
        want = {}
        for b in rs.records:
            v = results_load.counter(b, "page_allocator_calls_per_packet")
            if v is not None and b["alloc"] != "null":
                want.setdefault(f"{b['alloc']}/{b['track']}", []).append((float(b["params"]["slow"]), v))
        self.assertEqual(sorted(lines), ["frag/rx", "halfpage/rx", "ptr_ring_pool/rx"])
        self.assertEqual(lines, {k: sorted(v) for k, v in want.items()})

    def test_series_reader(self):
        b = {"memory_series": {"columns": ["trace_event", "pages_in_flight"],
                               "rows": [[0, 5], [10, None], [20, 7]]}}
        self.assertEqual(results_load.series(b, "trace_event", "pages_in_flight"), [(0, 5), (20, 7)])
        self.assertIsNone(results_load.series(b, "trace_ns", "pages_in_flight"))
        self.assertIsNone(results_load.series({"memory": {"inflight_series": {}}}, "trace_event", "pages_in_flight"))
        self.assertEqual(results_load.counter({"counters": {"x": {"kind": "rate", "value": None}}}, "x"), None)


class BadInput(Tmp):
    def test_bad_files_are_warnings_and_the_rest_is_written(self):
        bad = {"malformed.json": '{\n "context": {},\n "benchmarks": [,]\n}\n',
               "empty.json": "",
               "schema9.json": '{"context": {"schema_version": 9}, "benchmarks": []}',
               "nofield.json": '{"context": {}, "benchmarks": [{"name": "x"}]}'}
        paths = [self.write(n, t) for n, t in bad.items()]
        out = self.path("page")
        r = run(os.path.join(DATA, "results_small.json"), *paths, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 4, r.stderr)
        for n, needle in (("malformed.json", ":3:"), ("empty.json", "empty file"),
                          ("schema9.json", "schema_version 9: unsupported"),
                          ("nofield.json", "benchmarks[0]: missing field 'workload'")):
            line = [ln for ln in lines if n in ln]
            self.assertEqual(len(line), 1, (n, r.stderr))
            self.assertIn(needle, line[0])
        text = read(os.path.join(out, "index.html"))
        self.assertIn("4 input files skipped", text)
        for n in bad:
            self.assertIn(n, text)
        self.assertIn("<td>buddy</td>", text)

    def test_nothing_readable_writes_nothing(self):
        p = self.write("bad.json", "{")
        out = self.path("page")
        r = run(p, "-o", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("bad.json", r.stderr)
        self.assertEqual(os.listdir(self.dir), ["bad.json"], "no output, not even a temporary")

    def test_missing_file_named(self):
        r = run(self.path("none.json"), "-o", self.path("page"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("none.json: No such file", r.stderr)

    def test_output_replaced_whole_or_not_at_all(self):
        out = self.path("page")
        self.assertEqual(run(os.path.join(DATA, "results_small.json"), "-o", out).returncode, 0)
        before = read(os.path.join(out, "index.html"))
        # A render that fails half-way leaves the old page as it was and no temporary.
        o = page.Output(out)
        with open(os.path.join(o.root, "index.html"), "w") as f:
            f.write("half")
        o.abort()
        self.assertEqual(read(os.path.join(out, "index.html")), before)
        self.assertEqual(sorted(os.listdir(self.dir)), ["page"])
        # A successful one swaps the directory: no old figure survives.
        stale = os.path.join(out, "fig", "stale.svg")
        open(stale, "w").close()
        self.assertEqual(run(os.path.join(RDATA, "memory_run.json"), "-o", out).returncode, 0)
        self.assertFalse(os.path.exists(stale))
        self.assertIn("slow-socket", read(os.path.join(out, "index.html")))
        self.assertEqual(sorted(os.listdir(self.dir)), ["page"])

    @unittest.skipUnless(os.access(os.path.join(ROOT, "build", "pagebench"), os.X_OK), "needs build/pagebench")
    def test_make_report_creates_the_parents(self):
        """`make report RESULTS=x.json` on a fresh clone: results/ does not exist yet."""
        out = self.path("fresh", "results", "report")
        r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "-o", "build/pagebench", "report",
                            f"RESULTS={os.path.join(DATA, 'results_small.json')}", f"REPORT={out}"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "index.html")))
        self.assertEqual(os.listdir(self.path("fresh", "results")), ["report"], "no temporary left")

    def test_output_that_is_a_file_is_refused(self):
        f = self.write("taken", "keep me")
        for out in (f, os.path.join(f, "sub", "page")):
            r = run(os.path.join(DATA, "results_small.json"), "-o", out)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(f, r.stderr)
            self.assertEqual(read(f), "keep me")
            self.assertEqual(os.listdir(self.dir), ["taken"])

    def test_render_failure_keeps_old_page(self):
        out = self.path("page")
        self.assertEqual(run(os.path.join(DATA, "results_small.json"), "-o", out).returncode, 0)
        before = read(os.path.join(out, "index.html"))
        with mock.patch.object(single_run, "render", side_effect=RuntimeError("boom")):
            with self.assertRaises(RuntimeError):
                report.main([os.path.join(DATA, "results_small.json"), "-o", out])
        self.assertEqual(read(os.path.join(out, "index.html")), before)
        self.assertEqual(sorted(os.listdir(self.dir)), ["page"])


@unittest.skipUnless(HAVE_PB, "needs build/pagebench (set PB_BIN)")
class CompareJson(Tmp):
    """compare --json says what compare prints: the same rows and verdicts."""

    def test_json_agrees_with_the_table(self):
        old, new = (os.path.join(DATA, "compare", f"drift_{s}.json") for s in ("old", "new"))
        out = self.path("c.json")
        r = subprocess.run([PB, "compare", old, new, "--json", out], capture_output=True, text=True)
        doc = json.loads(read(out))
        self.assertEqual(doc["status"], r.returncode)
        table = {ln.split()[0]: ln.split()[-1] for ln in r.stdout.splitlines()
                 if ln and ln.split()[-1] in ("same", "slower", "faster", "unstable", "baseline", "inconclusive")}
        self.assertEqual(table, {row["name"]: row["verdict"] for row in doc["rows"]})
        self.assertIn("slower", table.values())
        got, why = compare_bridge.compare(old, new, binary=PB)
        self.assertIsNone(why)
        self.assertEqual([r["verdict"] for r in got["rows"]], [r["verdict"] for r in doc["rows"]])

    def test_bad_pair_is_a_reason(self):
        got, why = compare_bridge.compare(os.path.join(DATA, "results_small.json"),
                                          os.path.join(DATA, "results_v2_cross.json"), binary=PB)
        self.assertIsNone(got)
        self.assertIn("no backend benchmark in common", why)

    def test_json_path_checked_before_comparing(self):
        old = os.path.join(DATA, "compare", "drift_old.json")
        r = subprocess.run([PB, "compare", old, old, "--json", self.path("no", "c.json")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")


class Steps(unittest.TestCase):
    def test_jump_drift_and_noise(self):
        import random
        rng = random.Random(3)
        noise = [100 * rng.gauss(1, 0.01) for _ in range(30)]
        self.assertIsNone(history.detect_step(noise, 0.05, 0.03))
        jump = noise[:20] + [v * 1.10 for v in noise[20:]]
        k, change, p = history.detect_step(jump, 0.05, 0.03)
        self.assertEqual(k, 20)
        self.assertAlmostEqual(change, 0.10, delta=0.02)
        drift = [v * (1 + 0.006 * i) for i, v in enumerate(noise)]  # +0.6% a night, never 3% at once
        st = history.detect_step(drift, 0.05, 0.03)
        self.assertIsNotNone(st)
        self.assertGreater(st[1], 0.03)
        self.assertIsNone(history.detect_step(jump[:9], 0.05, 0.03), "too few nights for a split")


class History(Tmp):
    def test_file_into_names_and_compacts(self):
        store = self.path("h")
        src = os.path.join(DATA, "results_v2_cross.json")
        dest = history.file_into(store, src)
        ctx = json.loads(read(src))["context"]
        self.assertEqual(os.path.basename(dest), history.store_name(ctx))
        doc = json.loads(read(dest))
        self.assertFalse(any(b.get("gbench_row") for b in doc["benchmarks"]))
        self.assertFalse(any("batch_samples_cycles_per_op" in b for b in doc["benchmarks"]))
        self.assertEqual([b["name"] for b in doc["benchmarks"]],
                         [b["name"] for b in results_load.load(src).records])
        with self.assertRaises(results_load.BadInput):
            history.file_into(store, src)
        if HAVE_PB:  # compare reads the compacted file
            r = subprocess.run([PB, "compare", src, dest], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 2, r.stderr)
            self.assertIn("geometric mean", r.stdout)

    def test_index_reads_each_file_once(self):
        store = self.path("h")
        make_history.generate(store, nights=3, hosts=1, benchmarks=4)
        paths = results_load.expand([store])
        real = history._read
        with mock.patch.object(history, "_read", side_effect=real) as m:
            n1, bad1 = history.load_store(store, paths)
            self.assertEqual(m.call_count, 3)
            n2, bad2 = history.load_store(store, paths)
            self.assertEqual(m.call_count, 3, "unchanged files come from the index")
        self.assertEqual({n.path: n.points for n in n1}, {n.path: n.points for n in n2})
        os.unlink(paths[0])
        n3, _ = history.load_store(store, results_load.expand([store]))
        self.assertEqual(len(n3), 2)

    def test_hosts_are_separate_series(self):
        store = self.path("h")
        make_history.generate(store, nights=3, hosts=2, benchmarks=4)
        nights, bad = history.load_store(store, results_load.expand([store]))
        series = history.by_series(nights)
        self.assertEqual(sorted(series), ["host0", "host1"])
        self.assertTrue(all(n.host == s for s, ns in series.items() for n in ns))

    def test_a_host_on_another_cpu_model_is_another_series(self):
        # The same host name with a second CPU model (a VM moved to other hardware): two
        # series named with their models, so the move is no step; one model keeps the bare name.
        store = self.path("h")
        make_history.generate(store, nights=6, hosts=1, benchmarks=4)
        paths = results_load.expand([store])
        for p in paths[3:]:
            doc = json.loads(read(p))
            doc["context"]["cpu_model"] = "Other CPU 9000"
            with open(p, "w") as f:
                json.dump(doc, f)
        nights, bad = history.load_store(store, paths)
        self.assertEqual(bad, [])
        first = json.loads(read(paths[0]))["context"]["cpu_model"]
        series = history.by_series(nights)
        self.assertEqual(sorted(series), sorted([f"host0 ({first})", "host0 (Other CPU 9000)"]))
        self.assertEqual([len(v) for v in series.values()], [3, 3])
        again, _ = history.load_store(store, paths)  # through the index: the model is kept
        self.assertEqual(sorted(history.by_series(again)), sorted(series))
        self.assertEqual(sorted(history.by_series([n for n in nights if n.cpu == first])), ["host0"])

    @unittest.skipUnless(HAVE_PB, "needs build/pagebench")
    def test_injected_regression_is_the_only_one(self):
        store = self.path("h")
        make_history.generate(store, nights=6, hosts=2, benchmarks=10, regress=("host1", "outstanding-64:outstanding/buddy", 0.2))
        out = self.path("page")
        r = run(store, "-o", out, "--fail-on-regression")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual([ln for ln in r.stderr.splitlines() if "regression" in ln],
                         ["report: regression: host1: outstanding-64:outstanding/buddy (latest night)"])
        text = read(os.path.join(out, "index.html"))
        self.assertIn("href='#tl-outstanding-64-outstanding-buddy'", text)
        self.assertIn("id='tl-outstanding-64-outstanding-buddy'", text)

    @unittest.skipUnless(HAVE_PB, "needs build/pagebench")
    def test_no_regression_exit_0(self):
        store = self.path("h")
        make_history.generate(store, nights=4, hosts=1, benchmarks=6)
        r = run(store, "-o", self.path("page"), "--fail-on-regression")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No confirmed regression", read(self.path("page", "index.html")))

    @unittest.skipUnless(HAVE_PB, "needs build/pagebench")
    def test_nights_too_short_to_judge_fail_the_gate(self):
        # 3 repetitions a night: the U test can never reach p < 0.05 (compare says inconclusive),
        # so the gate must fail, as compare --gate does, not pass a night it could not judge.
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=4, reps=3)
        r = run(store, "-o", self.path("page"), "--fail-on-regression")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("report: inconclusive: host0: 4 benchmarks cannot be judged", r.stderr)
        self.assertIn("run at least", r.stderr)
        r = run(store, "-o", self.path("page2"))
        self.assertEqual(r.returncode, 0, "without --fail-on-regression the page is the answer")

    def test_drift_caught_by_steps(self):
        store = self.path("h")
        make_history.generate(store, nights=30, hosts=1, benchmarks=4, drift=("host0", "alloc-free:alloc-free/ideal", 0.15))
        nights, _ = history.load_store(store, results_load.expand([store]))
        with mock.patch.object(compare_bridge, "compare", return_value=(None, "not run")):
            an = history.Analysis(nights, 30, 0.03, 0.05)
        self.assertEqual([(g["key"], g["kind"]) for g in an.regressions], [("alloc-free:alloc-free/ideal", "step")])

    def test_an_old_step_is_known_not_a_regression_every_night(self):
        # A +10% level change 4 nights ago gates (new); 12 nights ago it is a known step,
        # shown on the page but no longer failing every night until it leaves the window.
        key = "alloc-free:alloc-free/ideal"
        for ago, gates in ((4, True), (12, False)):
            store = self.path(f"j{ago}")
            make_history.generate(store, nights=30, hosts=1, benchmarks=4, jump=("host0", key, 0.10, ago))
            nights, _ = history.load_store(store, results_load.expand([store]))
            with mock.patch.object(compare_bridge, "compare", return_value=(None, "not run")):
                an = history.Analysis(nights, 30, 0.03, 0.05)
            self.assertEqual(key in {g["key"] for g in an.regressions}, gates, (ago, an.regressions))
            self.assertEqual(key in {g["key"] for g in an.known_steps}, not gates, (ago, an.known_steps))
            if not gates:
                self.assertIn("Known slower steps", history.regression_table(an))

    def test_a_night_with_every_row_unstable_is_said(self):
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=4)
        nights, _ = history.load_store(store, results_load.expand([store]))
        rows = [{"name": f"b{i}", "verdict": "unstable", "baseline": False} for i in range(3)]
        with mock.patch.object(compare_bridge, "compare",
                               return_value=({"rows": rows, "geomean_ratio": 1.0}, "")):
            an = history.Analysis(nights, 30, 0.03, 0.05)
        self.assertEqual(len(an.unjudged), 1, an.unjudged)
        self.assertIn("all 3 benchmarks of the latest night are unstable", an.unjudged[0])
        self.assertEqual(an.regressions, [])

    def test_night_table_shows_the_threshold(self):
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=4)
        out = self.path("o")
        r = run(store, "-o", out, "--threshold", "4")
        self.assertEqual(r.returncode, 0, r.stderr)
        page = read(os.path.join(out, "index.html"))
        self.assertIn("Practical threshold 4%", page)
        self.assertIn("<th>threshold</th>", page)
        self.assertIn("<td>±4%</td>", page)

    def test_a_directory_of_runs_is_not_a_history(self):
        # Files not named DATE-HOST-REV.json are runs, not nights: no timelines, no index, no
        # regressions made of unrelated runs; in a store they are skipped, saying why.
        d = self.path("runs")
        os.makedirs(d)
        for n in ("results_small.json", "results_v2_cross.json"):
            with open(os.path.join(DATA, n)) as f, open(os.path.join(d, n), "w") as g:
                g.write(f.read())
        out = self.path("o1")
        r = run(d, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = read(os.path.join(out, "index.html"))
        self.assertNotIn("Confirmed regressions", page)
        self.assertFalse(os.path.exists(os.path.join(d, history.INDEX)), "an index in a runs directory")
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=4)
        with open(os.path.join(DATA, "results_small.json")) as f, open(os.path.join(store, "extra.json"), "w") as g:
            g.write(f.read())
        out = self.path("o2")
        r = run(store, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = read(os.path.join(out, "index.html"))
        self.assertIn("Confirmed regressions", page)
        self.assertIn("extra.json", page)
        self.assertIn("not named DATE-HOST-REV.json", page)

    def test_output_directory_with_other_files_is_refused(self):
        d = self.path("mydata")
        os.makedirs(d)
        src = os.path.join(d, "r.json")
        with open(os.path.join(DATA, "results_small.json")) as f, open(src, "w") as g:
            g.write(f.read())
        r = run(src, "-o", d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("not only an earlier report", r.stderr)
        self.assertEqual(sorted(os.listdir(d)), ["r.json"], "the input was touched")
        page = self.path("page")
        for _ in range(2):  # an earlier page is replaced
            r = run(src, "-o", page)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_broad_slowdown_is_called_the_machine(self):
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=2)
        nights, _ = history.load_store(store, results_load.expand([store]))
        prev, last = sorted(nights, key=lambda n: n.date)
        row = {"baseline": False, "verdict": "slower"}
        doc = {"rows": [row] * 6 + [dict(row, verdict="same")] * 2, "geomean_ratio": 2.0}
        w = history.breadth_warning("host0", doc, prev, last)
        self.assertIn("6 of 8 benchmarks slower at once", w)
        self.assertIn("+100%", w)
        doc["rows"] = [row] + [dict(row, verdict="same")] * 7
        self.assertIsNone(history.breadth_warning("host0", doc, prev, last))

    def test_mismatched_name_skipped(self):
        store = self.path("h")
        make_history.generate(store, nights=2, hosts=1, benchmarks=2)
        first = sorted(os.listdir(store))[0]
        shutil.copy(os.path.join(store, first), os.path.join(store, "20990101T000000Z-other-r1.json"))
        nights, bad = history.load_store(store, results_load.expand([store]))
        self.assertEqual(len(nights), 2)
        self.assertEqual(len(bad), 1)
        self.assertIn("mismatched", bad[0][1])


class Reproduction(Tmp):
    def manifest(self, **kw):
        m = {"pagebench_reproduction": 1, "userspace": os.path.join(RDATA, "lsfmm2016.json"),
             "kmod": None, "kmod_why": "not run", "traffic": {}}
        m.update(kw)
        return self.write("m.json", json.dumps(m))

    def test_every_claim_has_a_verdict_and_a_source(self):
        m, why = reproduce.load_manifest(self.manifest())
        t = reproduce.table(m)
        self.assertEqual(len(t.rows), len(reproduce.CLAIMS))
        self.assertGreaterEqual(len(t.rows), 8)
        for r in t.rows:
            self.assertIn(r.verdict, ("reproduced", "not reproduced", "not measurable here"))
            if r.verdict == "not measurable here":
                self.assertTrue(r.reason)
            for i in r.claim.ids:
                self.assertIn(i, r.figs)

    def test_terminal_table_has_the_pages_columns(self):
        import io
        m, _ = reproduce.load_manifest(self.manifest())
        t = reproduce.table(m)
        buf = io.StringIO()
        reproduce.print_table(t, buf)
        lines = buf.getvalue().splitlines()
        for col in ("claim", "what it says", "published figure", "source", "ratio", "userspace", "kmod", "verdict"):
            self.assertIn(col, lines[0])
        row = next(ln for ln in lines[1:] if ln.startswith("truesize "))
        self.assertIn("32768 bytes pinned for 1536", row)
        self.assertIn("Dumazet 2016", row)

    def test_ratio_is_read_from_the_run(self):
        rs = results_load.load(os.path.join(RDATA, "lsfmm2016.json"))
        fast = [b for b in rs.records if b.get("job") == "page-pool-fast"][0]["cycles_per_op"]["median"]
        slow = [b for b in rs.records if b.get("workload") == "alloc-free-slow"][0]["cycles_per_op"]["median"]
        m, _ = reproduce.load_manifest(self.manifest())
        row = [r for r in reproduce.table(m).rows if r.claim.id == "recycle-10x"][0]
        self.assertAlmostEqual(row.us.ratio, fast / slow)
        self.assertEqual(row.verdict, "reproduced" if fast / slow <= 0.2 else "not reproduced")

    def test_the_modules_rows_are_found(self):
        """kmod-lsfmm2016.json is a real `make reproduce` module run (6.12 under TCG): every claim
        with a module side reads its ratio from the rows the module names today (k_alloc_pages
        calls=node, calls=bulk), marked emulated; a renamed row would make it not measurable."""
        km = os.path.join(RDATA, "kmod-lsfmm2016.json")
        m, _ = reproduce.load_manifest(self.manifest(kmod=km, kmod_why=None))
        rows = [r for r in reproduce.table(m).rows if r.claim.measure_km is not None]
        budget = [r for r in rows if r.claim.id == "order0-budget"]
        # The wall-clock row says why an emulated guest cannot give it, not "not in the module".
        self.assertEqual(len(budget), 1)
        self.assertIsNone(budget[0].km.ok)
        self.assertIn("emulated", budget[0].km.why)
        rows = [r for r in rows if r.claim.id != "order0-budget"]
        self.assertEqual({r.claim.id for r in rows},
                         {"order3-per4k", "order3-per2k", "recycle-10x", "recycle-ring", "bulk"})
        rs = results_load.load(km)
        node = {b["params"]["order"]: b["cycles_per_op"]["median"] for b in rs.records
                if b.get("workload") == "alloc-free" and b.get("alloc") == "k_alloc_pages"
                and b["params"].get("calls") == "node" and "amortised" not in b["params"]}
        for r in rows:
            self.assertIsNotNone(r.km.ratio, (r.claim.id, r.km.why))
            self.assertTrue(r.km_emulated, r.claim.id)
        per4k = [r for r in rows if r.claim.id == "order3-per4k"][0]
        self.assertAlmostEqual(per4k.km.ratio, node["3"] / 8 / node["0"])

    def test_missing_run_is_not_measurable(self):
        m, _ = reproduce.load_manifest(self.manifest(userspace=self.path("gone.json")))
        t = reproduce.table(m)
        self.assertTrue(all(r.verdict == "not measurable here" for r in t.rows))
        self.assertTrue(any("gone.json" in w for w in t.warnings))

    def test_published_file_checked(self):
        figs = reproduce.read_published()
        self.assertEqual(figs["lsfmm16_order0"]["value"], 277)
        bad = self.write("p.tsv", "id\tvalue\tunit\tmeasured\tauthor\tdate\tsource\tmachine\nx\tlots\tc\tm\ta\td\ts\tm\n")
        with self.assertRaisesRegex(results_load.BadInput, r"p.tsv:2: value 'lots'"):
            reproduce.read_published(bad)

    def test_page_has_the_table(self):
        out = self.path("page")
        r = run(self.manifest(), "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = read(os.path.join(out, "index.html"))
        self.assertIn("id='reproduction-table'", text)
        self.assertIn("Brouer 2016-04-11, seed 001", text)

    @unittest.skipUnless(HAVE_PB, "needs build/pagebench")
    def test_replay_claims_from_a_real_run(self):
        """`pagebench reproduce` runs the replays the claims need (generators, which `pagebench
        list` does not name) and the table reads their counters. A small userspace config and
        short replays keep it to about half a minute."""
        self.assertNotIn("rx-drop", subprocess.run([PB, "list"], capture_output=True, text=True).stdout.split())
        self.assertLessEqual({"rx-drop", "attacker-ooo", "slow-socket"}, reproduce.generators(PB))
        res, out = self.path("res"), self.path("page")
        r = subprocess.run([PB, "reproduce", "--config", os.path.join(RDATA, "nightly-small.ini"), "--no-kmod",
                            "--traffic-packets", "3000", "--traffic-reps", "1", "--results", res, "-o", out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        man = [n for n in os.listdir(res) if n.startswith("reproduce-")]
        self.assertEqual(len(man), 1)
        m, _ = reproduce.load_manifest(os.path.join(res, man[0]))
        self.assertEqual(sorted(m["traffic"]), sorted(reproduce.TRAFFIC))
        for name, t in m["traffic"].items():
            self.assertIsNone(t["why"], name)
            self.assertTrue(os.path.isfile(t["file"]), name)
        # The same replays against the stored full userspace run: every replay claim measured.
        m["userspace"] = os.path.join(RDATA, "lsfmm2016.json")
        rows = {row.claim.id: row for row in reproduce.table(m).rows}
        for cid in ("mlx4-30pct", "truesize", "steady-state"):
            self.assertIn(rows[cid].verdict, ("reproduced", "not reproduced"), (cid, rows[cid].us.why))
        runs = {n: results_load.load(t["file"]) for n, t in m["traffic"].items()}
        frag = reproduce.find(runs["attacker-ooo"], "attacker-ooo", "frag")
        self.assertEqual(rows["truesize"].us.ratio, results_load.counter(frag, "pinned_per_live_byte"))
        fast = reproduce.med(reproduce.find(runs["rx-drop"], "rx-drop", "ptr_ring_pool"))
        slow = reproduce.med(reproduce.find(runs["rx-drop"], "rx-drop", "frag"))
        self.assertAlmostEqual(rows["mlx4-30pct"].us.ratio, fast / slow)
        for name in ("slow-socket-0", "slow-socket-0.5"):
            for alloc in ("halfpage", "ptr_ring_pool"):
                v = results_load.counter(reproduce.find(runs[name], "slow-socket", alloc),
                                         "page_allocator_calls_per_packet")
                self.assertIn(f"{v:.3f}", rows["steady-state"].us.text, (name, alloc))
        self.assertIn("steady-state", r.stdout)
        self.assertIn("id='reproduction-table'", read(os.path.join(out, "index.html")))

    def test_missing_generator_is_the_reason(self):
        with mock.patch.object(reproduce, "generators", return_value=set()):
            tr = reproduce.run_traffic("/nonexistent/pagebench", self.dir, "x")
        self.assertEqual(sorted(tr), sorted(reproduce.TRAFFIC))
        m, _ = reproduce.load_manifest(self.manifest(traffic=tr))
        rows = {row.claim.id: row for row in reproduce.table(m).rows}
        self.assertEqual(rows["steady-state"].verdict, "not measurable here")
        self.assertIn("no slow-socket generator", rows["steady-state"].reason)
        self.assertIn("no rx-drop generator", rows["mlx4-30pct"].reason)

    @unittest.skipUnless(HAVE_PB, "needs build/pagebench")
    def test_bad_traffic_packets(self):
        r = subprocess.run([PB, "reproduce", "--traffic-packets", "0", "--results", self.path("r")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--traffic-packets: 0", r.stderr)
        self.assertFalse(os.path.exists(self.path("r")))


BUILT_PB = os.path.join(ROOT, "build", "pagebench")


@unittest.skipUnless(os.access(BUILT_PB, os.X_OK), "needs build/pagebench (make nightly runs it)")
class Nightly(Tmp):
    """`make nightly` itself (the Makefile's recipe and its BENCH_COUNTS, which always ends in
    --processes N, so the Makefile and nightly.py cannot disagree): two nights of a small config,
    no regression; a third with ideal slowed: that one only. PROCESSES=1 keeps it short; the
    default (2) is the same option."""

    def make(self, *assign):
        cmd = ["make", "-s", "--no-print-directory", "-C", ROOT, "-o", "build/pagebench", "nightly",
               f"NIGHTLY_CONFIG={os.path.join(RDATA, 'nightly-small.ini')}", f"HISTORY={self.path('h')}",
               f"NIGHTLY_RESULTS={self.path('res')}", "THRESHOLD=25", *assign]
        return subprocess.run(cmd, capture_output=True, text=True)

    def test_nightly_gate(self):
        for _ in range(2):
            r = self.make("PROCESSES=1")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("--processes 1", r.stderr, "the Makefile's count reaches pagebench run")
        self.assertEqual(len([n for n in os.listdir(self.path("h")) if n.endswith(".json")]), 2)
        self.assertTrue(os.path.isfile(self.path("res", "nightly", "index.html")))
        r = self.make("PROCESSES=1", "INJECT=small-alloc-free:delay=400")
        # make's own status is 2 for any failed recipe; nightly.py's 1 is in make's message.
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("Error 1", r.stderr)
        flagged = [ln for ln in r.stderr.splitlines() if ln.startswith("report: regression")]
        self.assertEqual(len(flagged), 1, r.stderr)
        self.assertIn("small-alloc-free:alloc-free/ideal", flagged[0])
        # `pagebench nightly` keeps the script's codes for cron: 1 on the regression, 2 on bad input.
        args = [PB, "nightly", "--config", os.path.join(RDATA, "nightly-small.ini"), "--history", self.path("h"),
                "--results", self.path("res"), "--threshold", "25", "--processes", "1"]
        # (against the night before, already at delay=400: slower again)
        r = subprocess.run(args + ["--inject", "small-alloc-free:delay=2000"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        r = subprocess.run(args + ["--inject", "no-such-job:delay=1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_counts_and_bad_injection(self):
        r = subprocess.run([sys.executable, NIGHTLY, "--config", os.path.join(RDATA, "nightly-small.ini"),
                            "--history", self.path("h"), "--results", self.path("res"), "--pagebench", PB,
                            "--reps", "3", "--ops", "2000", "--processes", "1",
                            "--inject", "no-such-job:delay=1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("has no job [no-such-job]", r.stderr)
        r = self.make("PROCESSES=2", "REPS=3", "OPS=2000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--reps 3 --ops 2000 --processes 2", r.stderr)
        filed = json.loads(read(os.path.join(self.path("h"), [n for n in os.listdir(self.path("h")) if n.endswith(".json")][0])))
        self.assertEqual(filed["jobs"][0].get("overrides"), "reps=3,ops=2000,processes=2")
        self.assertTrue(all(b.get("processes") == 2 for b in filed["benchmarks"]))


class Processes(unittest.TestCase):
    """A record from --processes: the spread column and the per-process medians."""

    def test_spread_column_and_values(self):
        sys.path.insert(0, os.path.join(HERE, "..", "reports"))
        import report  # noqa: E402
        with open(os.path.join(DATA, "results_small.json")) as f:
            doc = json.load(f)
        b = next(x for x in doc["benchmarks"] if x.get("kind") == "backend" and not x.get("gbench_row"))
        n = len(b["samples"])
        for i, s in enumerate(b["samples"]):
            s["process"] = 0 if i < n // 2 else 1
            s["cycles_per_op"] = 100.0 if i < n // 2 else 120.0
        b["processes"] = 2
        self.assertEqual(report.process_medians(b), [100.0, 120.0])
        self.assertAlmostEqual(report.process_spread(b), 20 / 110)
        # Three processes: over the median of the medians, as the CLI's pb_process_spread
        # (the mean, 110, would give 27.3%).
        three = {"samples": [{"process": p, "cycles_per_op": c}
                             for p, c in ((0, 100.0), (1, 100.0), (2, 130.0))]}
        self.assertAlmostEqual(report.process_spread(three), 30 / 100)
        with tempfile.TemporaryDirectory() as d:
            path, out = os.path.join(d, "p.json"), os.path.join(d, "p.html")
            with open(path, "w") as f:
                json.dump(doc, f)
            r = run(path, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            text = open(out, encoding="utf-8").read()
            self.assertIn("<th>procs ±%</th>", text)
            self.assertIn("<td>18.2</td>", text)
        r = run(os.path.join(DATA, "results_small.json"), "-o", os.path.join(self.tmp.name, "q.html"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("procs ±%", open(os.path.join(self.tmp.name, "q.html"), encoding="utf-8").read(),
                         "one process: no column")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()


class Schema(unittest.TestCase):
    """Files written by pagebench: schema 2 (with Google Benchmark's rows) and schema 1."""

    def test_loader_views_agree(self):
        """The same experiment in both schemas: the same records, counters, ratios."""
        v2 = results_load.load(os.path.join(DATA, "results_v2_cross.json"))
        v1 = results_load.load(os.path.join(DATA, "results_v1_cross.json"))
        self.assertEqual((v1.version, v2.version), (1, 2))
        self.assertEqual([b["name"] for b in v1.records], [b["name"] for b in v2.records])
        for a, b in zip(v1.records, v2.records):
            self.assertEqual({k: c["kind"] for k, c in a["counters"].items()},
                             {k: c["kind"] for k, c in b["counters"].items()}, a["name"])
            self.assertEqual(a.get("ratio") is None, b.get("ratio") is None, a["name"])
        roles = [t["role"] for t in v2.job("")["threads"]]
        self.assertEqual(roles, ["alloc", "free"])

    def test_gbench_fields(self):
        """What Google Benchmark's tools/compare.py reads: per name, its iteration rows all in
        one time unit, the pagebench record (time_unit cycles, an aggregate) apart from them."""
        doc = json.loads(read(os.path.join(DATA, "results_v2_cross.json")))
        recs = [b for b in doc["benchmarks"] if not b.get("gbench_row")]
        rows = [b for b in doc["benchmarks"] if b.get("gbench_row")]
        self.assertNotIn("json_schema_version", doc["context"])
        for b in doc["benchmarks"]:
            for key in ("name", "run_name", "run_type", "repetitions", "threads", "iterations",
                        "time_unit"):
                self.assertIn(key, b, b["name"])
            # Only the ns rows are timings to Google Benchmark's tools; the record is not.
            self.assertEqual("real_time" in b and "cpu_time" in b, bool(b.get("gbench_row")), b["name"])
        for r in recs:
            self.assertEqual((r["run_type"], r["aggregate_name"], r["time_unit"]),
                             ("aggregate", "pagebench", "cycles"))
            its = [b for b in rows if b["name"] == r["name"] and b["run_type"] == "iteration"]
            self.assertEqual([b["repetition_index"] for b in its], list(range(r["repetitions"])))
            self.assertEqual([b["real_time"] for b in its], [s["ns_per_op"] for s in r["samples"]])
            self.assertTrue(all(b["time_unit"] == "ns" and b["threads"] == r["threads"] for b in its))
            aggs = {b["aggregate_name"]: b for b in rows if b["run_name"] == r["name"]
                    and b["run_type"] == "aggregate"}
            self.assertEqual(sorted(aggs), ["cv", "mean", "median", "stddev"])
            self.assertEqual(aggs["median"]["name"], r["name"] + "_median")
            self.assertAlmostEqual(aggs["median"]["real_time"], r["ns_per_op"]["median"])


class Makefile(Tmp):
    """The Makefile's promises: `make help` names every variable a user can set, and the
    revision a result file records is the build's (a generated header, rewritten only when
    the revision changes, so exactly its two users rebuild then)."""

    MK = ["Makefile", "kmod/kmod.mk"]

    def make(self, *args):
        return subprocess.run(["make", "--no-print-directory", "-C", ROOT, *args], capture_output=True, text=True)

    def test_help_lists_every_variable(self):
        import glob
        import re
        files = self.MK + [os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "tests", "*.mk"))
                           + glob.glob(os.path.join(ROOT, "tests", "*", "*.mk"))]
        names = set()
        for f in files:
            with open(os.path.join(ROOT, f), encoding="utf-8") as fh:
                names |= set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\?=", fh.read(), re.M))
        self.assertIn("TSAN_STRESS_OPS", names, "the .mk files were read")
        # Set on the command line only, read by a recipe's $(if ...): variables all the same.
        names |= {"THRESHOLD", "NO_KMOD"}
        r = self.make("-s", "help")
        self.assertEqual(r.returncode, 0, r.stderr)
        section = r.stdout.split("variables", 1)[1]
        missing = sorted(n for n in names if not re.search(rf"(^|[\s,]){n}\b", section, re.M))
        self.assertEqual(missing, [], "set with ?= but not in make help's variables")

    def test_git_revision_rebuilds_exactly_when_it_changes(self):
        out = self.path("b")
        objs = [os.path.join(out, "harness", "engine", "context.o"), os.path.join(out, "harness", "cli", "cli_main.o")]
        header = os.path.join(out, "gen", "git_rev.h")

        def build(rev):
            r = self.make(f"B={out}", f"GIT_REV={rev}", *objs)
            self.assertEqual(r.returncode, 0, r.stderr)
            return sorted(os.path.basename(o) for o in objs if f"-c {os.path.relpath(o, out)[:-2]}.c" in r.stdout)

        self.assertEqual(build("rev-one"), ["cli_main.o", "context.o"])
        with open(header, encoding="utf-8") as f:
            self.assertEqual(f.read(), '#define PB_GIT_REV "rev-one"\n')
        stamp = os.stat(header).st_mtime_ns
        self.assertEqual(build("rev-one"), [], "the same revision: nothing rebuilt")
        self.assertEqual(os.stat(header).st_mtime_ns, stamp, "nor the header rewritten")
        self.assertEqual(build("rev-two"), ["cli_main.o", "context.o"], "HEAD moved: both rebuilt")
        for o in objs:
            with open(o, "rb") as f:
                self.assertIn(b"rev-two", f.read(), o)

    def test_kmod_still_gets_the_revision(self):
        r = self.make("-n", "kmod", "KDIR=" + self.path("no-kdir"), "GIT_REV=rev-k")
        # No headers here: the recipe stops at its first check, but -n prints the kbuild line.
        self.assertIn("PB_GIT_REV=rev-k", r.stdout)


class ArgErrors(unittest.TestCase):
    """The report scripts' bad options: one line naming the option, exit 2 (argparse's own
    error prints the usage block). reproduce and report are also in tests/bad-input/cli/."""

    def test_nightly_unknown_option(self):
        r = subprocess.run([sys.executable, NIGHTLY, "--bogus"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("unrecognized arguments: --bogus", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
