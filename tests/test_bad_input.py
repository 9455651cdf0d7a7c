#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The bad-input corpus: every case under tests/bad-input/ is one file, run the same way.

A case is data, so adding one needs no code. Its lines:

    # free text: what the case is about
    args: run --alloc buddy --workload nosuch --json {out}
    stderr: regular expression the one line of stderr must match (re.search)
    prep: pagebench arguments run first, which must succeed (any number, in order)
    patch: FILE OFFSET HEXBYTES      overwrite bytes of a file (after prep)
    truncate: FILE LENGTH            cut a file (after prep)
    file: NAME                       the lines up to `end` are written to {dir}/NAME
    end

Placeholders in args/prep/patch/truncate: {dir} (the case's own directory), {data}
(tests/data), {out} (an existing output file holding a sentinel) and {new} (an output path
that does not exist). Every case is checked for four things: exit status 2, exactly one
line on stderr matching `stderr:`, {new} still absent with no stray files beside it, and
{out} unchanged; a case that writes to {new} is run again aimed at {out} (the same input
over an existing file): exit 2, one line, and {out} still the sentinel.

    tests/test_bad_input.py [PAGEBENCH] [CASE-SUBSTRING]
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "bad-input")
SENTINEL = "previous result: must survive a refused run\n"
TIMEOUT_S = 60


class CaseError(Exception):
    """A case file that cannot be run as written (a corpus bug, not a pagebench one)."""


def parse_case(path):
    case = {"args": None, "stderr": None, "prep": [], "edits": [], "files": {}}
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CaseError(f"{path}:{i}: expected 'key: value'")
        value = value.strip()
        if key == "file":
            body = []
            while i < len(lines) and lines[i] != "end":
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise CaseError(f"{path}: file {value} has no 'end' line")
            i += 1
            case["files"][value] = "\n".join(body) + ("\n" if body else "")
        elif key in ("args", "stderr"):
            if case[key] is not None:
                raise CaseError(f"{path}:{i}: a second '{key}:'")
            case[key] = value
        elif key == "prep":
            case["prep"].append(value)
        elif key in ("patch", "truncate"):
            case["edits"].append((key, value, i))
        else:
            raise CaseError(f"{path}:{i}: unknown key '{key}'")
    if case["args"] is None or not case["stderr"]:
        raise CaseError(f"{path}: needs 'args:' and 'stderr:'")
    return case


def expand(text, places):
    for k, v in places.items():
        text = text.replace("{" + k + "}", v)
    return text


def apply_edit(kind, value, places, where):
    words = shlex.split(expand(value, places))
    if kind == "patch":
        if len(words) != 3:
            raise CaseError(f"{where}: patch: FILE OFFSET HEXBYTES")
        with open(words[0], "r+b") as f:
            f.seek(int(words[1], 0))
            f.write(bytes.fromhex(words[2]))
    else:
        if len(words) != 2:
            raise CaseError(f"{where}: truncate: FILE LENGTH")
        os.truncate(words[0], int(words[1], 0))


def over_existing(binary, case, places, out_dir):
    """The fourth check for a case that writes to {new}: the same input aimed at an existing
    file ({out}, the sentinel) is refused alike (exit 2, one line) and leaves it unchanged."""
    if "{new}" not in case["args"]:
        return []
    argv = [binary] + shlex.split(expand(case["args"].replace("{new}", "{out}"), places))
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return [f"over an existing file: no answer within {TIMEOUT_S} s"]
    fails = []
    lines = [l for l in r.stderr.split("\n") if l]
    if r.returncode != 2 or len(lines) != 1:
        fails.append(f"over an existing file: exit {r.returncode}, {len(lines)} stderr lines: {lines[:3]}")
    if open(places["out"]).read() != SENTINEL:
        fails.append("over an existing file: it was changed")
        with open(places["out"], "w") as f:
            f.write(SENTINEL)
    stray = sorted(set(os.listdir(out_dir)) - {"existing.json"})
    if stray:
        fails.append(f"over an existing file: files left beside it: {stray}")
    return fails


def run_case(binary, path):
    """Returns a list of failure strings (empty: the case passed)."""
    case = parse_case(path)
    with tempfile.TemporaryDirectory(prefix="pb-bad-") as tmp:
        case_dir = os.path.join(tmp, "in")
        out_dir = os.path.join(tmp, "out")
        os.mkdir(case_dir)
        os.mkdir(out_dir)
        places = {"dir": case_dir, "data": os.path.join(ROOT, "tests", "data"),
                  "out": os.path.join(out_dir, "existing.json"),
                  "new": os.path.join(out_dir, "new.json")}
        with open(places["out"], "w") as f:
            f.write(SENTINEL)
        for name, body in case["files"].items():
            with open(os.path.join(case_dir, name), "w", encoding="utf-8") as f:
                f.write(body)
        for prep in case["prep"]:
            r = subprocess.run([binary] + shlex.split(expand(prep, places)), capture_output=True,
                               text=True, timeout=TIMEOUT_S, cwd=ROOT)
            if r.returncode != 0:
                raise CaseError(f"{path}: prep '{prep}' failed ({r.returncode}): {r.stderr.strip()}")
        for kind, value, line in case["edits"]:
            apply_edit(kind, value, places, f"{path}:{line}")
        argv = [binary] + shlex.split(expand(case["args"], places))
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return [f"no answer within {TIMEOUT_S} s"]
        fails = over_existing(binary, case, places, out_dir)
        err_lines = [l for l in r.stderr.split("\n") if l]
        if r.returncode != 2:
            fails.append(f"exit status {r.returncode}, not 2")
        if len(err_lines) != 1:
            fails.append(f"{len(err_lines)} lines on stderr, not 1: {err_lines[:4]}")
        elif not re.search(expand(case["stderr"], places), err_lines[0]):
            fails.append(f"stderr {err_lines[0]!r} does not match {case['stderr']!r}")
        if os.path.exists(places["new"]):
            fails.append("the output file was written")
        stray = sorted(set(os.listdir(out_dir)) - {"existing.json"})
        if stray:
            fails.append(f"files left in the output directory: {stray}")
        if open(places["out"]).read() != SENTINEL:
            fails.append("the existing output file was changed")
        return fails


def cases(pattern):
    found = []
    for dirpath, _, names in os.walk(CORPUS):
        for n in names:
            if n.endswith(".case"):
                p = os.path.join(dirpath, n)
                if pattern in os.path.relpath(p, CORPUS):
                    found.append(p)
    return sorted(found)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "pagebench")
    pattern = sys.argv[2] if len(sys.argv) > 2 else ""
    todo = cases(pattern)
    failed = 0
    areas = {}
    for p in todo:
        rel = os.path.relpath(p, CORPUS)
        areas[rel.split(os.sep)[0]] = areas.get(rel.split(os.sep)[0], 0) + 1
        try:
            fails = run_case(binary, p)
        except CaseError as e:
            fails = [f"corpus error: {e}"]
        if fails:
            failed += 1
            print(f"FAIL {rel}: " + "; ".join(fails))
    summary = ", ".join(f"{a} {n}" for a, n in sorted(areas.items()))
    print(f"bad-input corpus: {len(todo) - failed}/{len(todo)} cases pass ({summary})")
    if not pattern and len(todo) < 80:
        print(f"bad-input corpus: only {len(todo)} cases, the corpus promises at least 80")
        return 1
    return 1 if failed or not todo else 0


if __name__ == "__main__":
    sys.exit(main())
