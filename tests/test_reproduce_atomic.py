#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The reproduction's atomic-remote claim (reports/reproduce.py) read from a small synthetic
results file, through the manifest and table the report uses: with an atomic-remote and an
atomic-inc baseline the ratio is their medians' and the verdict follows the rule (>= 5); a
file made before the workload existed has no atomic-remote row and the claim is not
measurable, saying so. Run: /usr/bin/python3 tests/test_reproduce_atomic.py
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "reports"))
import reproduce  # noqa: E402


def record(workload, cycles, job, track=None, unstable=False):
    """One baseline record with what reproduce reads: workload, alloc (none), job, median."""
    return {"name": workload + (f"/{track}" if track else ""), "job": job, "alloc": None,
            "workload": workload, "kind": "baseline", "params": {}, "track": track,
            "cycles_per_op": {"median": cycles}, "ns_per_op": {"median": cycles / 2},
            "samples": [cycles], "counters": {"atomics_per_op": {"kind": "rate", "value": 1.0}},
            "unstable": unstable}


class AtomicRemote(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pb-reproduce-atomic-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def row(self, records):
        """The atomic-remote Row of the table of a run holding @records."""
        us = os.path.join(self.dir, "us.json")
        with open(us, "w", encoding="utf-8") as f:
            json.dump({"context": {"schema_version": 2}, "jobs": [], "benchmarks": records}, f)
        man = os.path.join(self.dir, "m.json")
        with open(man, "w", encoding="utf-8") as f:
            json.dump({"pagebench_reproduction": 1, "userspace": us, "kmod": None,
                       "kmod_why": "not run", "traffic": {}}, f)
        m, why = reproduce.load_manifest(man)
        self.assertIsNone(why)
        t = reproduce.table(m)
        self.assertEqual(t.warnings, [])
        return [r for r in t.rows if r.claim.id == "atomic-remote"][0]

    def test_ratio_of_the_remote_row_to_atomic_inc(self):
        r = self.row([record("atomic-inc", 12.0, "buddy-order0"),
                      record("atomic-remote", 150.0, "atomic-remote", "ping"),
                      record("atomic-remote", 170.0, "atomic-remote", "pong")])
        self.assertAlmostEqual(r.us.ratio, 150.0 / 12.0)   # the first track's, "ping"
        self.assertTrue(r.us.ok)
        self.assertEqual(r.verdict, "reproduced")
        self.assertIn("150.0 / 12.0 cycles", r.us.text)
        self.assertIsNone(r.km, "the module has no side for this claim")

    def test_below_the_rule_is_not_reproduced(self):
        r = self.row([record("atomic-inc", 12.0, "buddy-order0"),
                      record("atomic-remote", 36.0, "atomic-remote", "ping"),
                      record("atomic-remote", 36.0, "atomic-remote", "pong")])
        self.assertAlmostEqual(r.us.ratio, 3.0)
        self.assertEqual(r.verdict, "not reproduced")

    def test_an_older_file_without_the_rows_is_not_measurable(self):
        r = self.row([record("for-loop", 1.0, "buddy-order0")])
        self.assertIsNone(r.us.ratio)
        self.assertEqual(r.verdict, "not measurable here")
        self.assertEqual(r.us.why, "this results file has no atomic-remote row "
                         "(made before the workload existed)")
        self.assertIn("made before the workload existed", r.reason)
        # What a user with a real host runs is a command, not a wish.
        self.assertIn("pagebench run --workload atomic-remote --cpus A,B", r.claim.real_host)
        self.assertNotIn("not in pagebench yet", r.claim.real_host)

    def test_a_remote_row_without_atomic_inc_names_the_missing_row(self):
        r = self.row([record("atomic-remote", 150.0, "atomic-remote", "ping")])
        self.assertEqual(r.verdict, "not measurable here")
        self.assertIn("atomic-inc", r.us.why)


if __name__ == "__main__":
    unittest.main()
