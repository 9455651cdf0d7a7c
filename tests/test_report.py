#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The HTML report from the user's side: a real result file renders, bad input is one line
and exit status 2 with no output file. Run by `make test` (Debian's python3 with matplotlib)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "reports", "report.py")
DATA = os.environ.get("PB_TESTDATA", os.path.join(HERE, "data"))


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


if __name__ == "__main__":
    unittest.main()
