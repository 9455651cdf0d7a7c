# SPDX-License-Identifier: GPL-2.0-only
"""`pagebench compare OLD NEW --json FILE` from Python: the report's night-over-night verdicts
are compare's own (harness/results/compare.c, mann_whitney.c, shift_ci.c), never a second
implementation of its rules. The JSON fields: docs/result-schema.md, "Compare output".
"""
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def pagebench_binary():
    """$PB_BIN, else build/pagebench of this tree."""
    return os.environ.get("PB_BIN") or os.path.join(HERE, "..", "build", "pagebench")


def compare(old, new, threshold=None, alpha=None, metric=None, allow_emulated=False, binary=None):
    """(compare's JSON as a dict, None) or (None, the one-line reason it could not compare).
    The dict's "status" is compare's exit status (0 nothing regressed, 1 something did)."""
    exe = binary or pagebench_binary()
    if not os.access(exe, os.X_OK):
        return None, f"{exe}: not found (build it with make, or set PB_BIN)"
    with tempfile.TemporaryDirectory(prefix="pb-compare-") as d:
        out = os.path.join(d, "compare.json")
        cmd = [exe, "compare", old, new, "--json", out]
        if threshold is not None:
            cmd += ["--threshold", repr(float(threshold))]
        if alpha is not None:
            cmd += ["--alpha", repr(float(alpha))]
        if metric:
            cmd += ["--metric", metric]
        if allow_emulated:
            cmd.append("--allow-emulated")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode not in (0, 1) or not os.path.exists(out):
            lines = (r.stderr or r.stdout or "").strip().splitlines()
            why = lines[-1] if lines else f"exit status {r.returncode}"
            return None, why.replace("pagebench: compare: ", "")
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
    if doc.get("pagebench_compare") != 1:
        return None, f"pagebench compare wrote an unknown format ({doc.get('pagebench_compare')!r})"
    return doc, None
