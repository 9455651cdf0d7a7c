#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The HTML report from the user's side: a real result file renders, bad input is one line
and exit status 2 with no output file. Run by `make test` (Debian's python3 with matplotlib)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "reports", "report.py")
DATA = os.environ.get("PB_TESTDATA", os.path.join(HERE, "data"))
sys.path.insert(0, os.path.join(HERE, "..", "reports"))
import results_load  # noqa: E402


def run(*args):
    return subprocess.run([sys.executable, REPORT, *args], capture_output=True, text=True)


class Report(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.dir.name, "r.html")

    def tearDown(self):
        self.dir.cleanup()

    def test_real_results_render(self):
        r = run(os.path.join(DATA, "results_small.json"), "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"report: {self.out}")
        text = open(self.out, encoding="utf-8").read()
        for needle in ("<td>buddy</td>", "<td>ptr_ring_pool</td>", "alloc-free", "data:image/png;base64,",
                       "Machine baselines", "task-clock/op", "cpu_model"):
            self.assertIn(needle, text)
        self.assertEqual(os.listdir(self.dir.name), ["r.html"], "no temporary file may remain")

    def assert_refused(self, path, needle):
        r = run(path, "-o", self.out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn(needle, r.stderr)
        left = [f for f in os.listdir(self.dir.name) if f.startswith("r.html")]
        self.assertEqual(left, [], "a refused input must leave no output, not even a temporary")

    def test_malformed_json_names_line(self):
        bad = os.path.join(self.dir.name, "bad.json")
        with open(bad, "w") as f:
            f.write('{\n "context": {},\n "benchmarks": [,]\n}\n')
        self.assert_refused(bad, "bad.json:3:")
        os.unlink(bad)

    def test_missing_field_named(self):
        bad = os.path.join(self.dir.name, "nofield.json")
        with open(bad, "w") as f:
            f.write('{"context": {}, "benchmarks": [{"name": "x"}]}')
        self.assert_refused(bad, "benchmarks[0]: missing field 'workload'")
        os.unlink(bad)

    def test_missing_file_named(self):
        self.assert_refused(os.path.join(self.dir.name, "none.json"), "none.json")


class Schema(unittest.TestCase):
    """Files written by pagebench: schema 2 (with Google Benchmark's rows) and schema 1."""

    def test_v2_and_v1_files_render(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.html")
            r = run(os.path.join(DATA, "results_v2_cross.json"),
                    os.path.join(DATA, "results_v1_cross.json"), "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            text = open(out, encoding="utf-8").read()
            for needle in ("cross-cpu", "alloc: CPU", "free: CPU", "atomics/op", "pa_alloc_calls"):
                self.assertIn(needle, text)

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
        doc = json.load(open(os.path.join(DATA, "results_v2_cross.json")))
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


if __name__ == "__main__":
    unittest.main()
