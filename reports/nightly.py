#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""One night: run the nightly experiment, file its result into the history, write the report.

    reports/nightly.py [--config configs/nightly.ini] [--history results/history]
                       [--results results] [-o results/nightly] [--inject JOB:KEY=VALUE]...
                       [--reps N] [--ops N] [--processes N] [--threshold PCT] [--pagebench PATH]

`make nightly` runs it (cron- and CI-friendly). --inject adds KEY = VALUE to the config's job
JOB for this night only (a copy of the config is run): `--inject alloc-free:delay=2000` makes
ideal's alloc-free slower, which is how the regression gate is tested. --reps, --ops and
--processes are passed to `pagebench run` (they override every job's; the Makefile's
BENCH_COUNTS: REPS=, OPS=, PROCESSES=, default 2 processes). Exit status: 0, 1 when
the report lists a confirmed regression (or the run stopped early), 2 for bad input (a config
or a result file that is refused; nothing is filed then).
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cli_args  # noqa: E402
import history  # noqa: E402
import report  # noqa: E402
from results_load import BadInput  # noqa: E402


def say(msg):
    print(f"nightly: {msg}", file=sys.stderr, flush=True)


def inject(config, injections, tmpdir):
    """A copy of @config with each (job, key, value) added to its section; BadInput when a
    job is not in the file."""
    with open(config, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for job, key, value in injections:
        at = next((i for i, ln in enumerate(lines) if re.fullmatch(r"\s*\[" + re.escape(job) + r"\]\s*", ln)), None)
        if at is None:
            raise BadInput(f"--inject {job}:{key}={value}: {config} has no job [{job}]")
        lines.insert(at + 1, f"{key} = {value}")
    out = os.path.join(tmpdir, os.path.basename(config))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return out


def parse_injection(s):
    m = re.fullmatch(r"([^:\s]+):([A-Za-z_][A-Za-z0-9_]*)=(\S+)", s)
    if not m:
        raise BadInput(f"--inject {s!r}: expected JOB:KEY=VALUE")
    return m.groups()


def main(argv):
    ap = cli_args.ArgumentParser(prog=os.environ.get("PB_PROG"), description="one nightly run")
    ap.add_argument("--config", default=os.path.join(ROOT, "configs", "nightly.ini"))
    ap.add_argument("--history", default=os.path.join(ROOT, "results", "history"))
    ap.add_argument("--results", default=os.path.join(ROOT, "results"))
    ap.add_argument("-o", "--output", default=None, help="report directory (default RESULTS/nightly)")
    ap.add_argument("--inject", action="append", default=[], help="JOB:KEY=VALUE for this night only")
    ap.add_argument("--reps", help="override every job's repetitions")
    ap.add_argument("--ops", help="override every job's operations")
    ap.add_argument("--processes", help="override every job's processes (pagebench run --processes)")
    ap.add_argument("--threshold", default="3", help="practical threshold in percent (default 3)")
    ap.add_argument("--pagebench", default=os.environ.get("PB_BIN") or os.path.join(ROOT, "build", "pagebench"))
    opts = ap.parse_args(argv)
    out = opts.output or os.path.join(opts.results, "nightly")
    try:
        injections = [parse_injection(s) for s in opts.inject]
        os.makedirs(opts.results, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="pb-nightly-") as tmp:
            config = inject(opts.config, injections, tmp) if injections else opts.config
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            result = os.path.join(opts.results, f"nightly-{stamp}.json")
            cmd = [opts.pagebench, "run", config, "--json", result]
            cmd += ["--reps", opts.reps] if opts.reps else []
            cmd += ["--ops", opts.ops] if opts.ops else []
            cmd += ["--processes", opts.processes] if opts.processes else []
            say(" ".join(cmd) + (f"   (injected: {', '.join(opts.inject)})" if injections else ""))
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    except BadInput as e:
        say(str(e))
        return 2
    except OSError as e:
        say(f"{e.filename}: {e.strerror}")
        return 2
    if r.returncode == 2 or not os.path.exists(result):
        say(f"the run was refused or wrote nothing (exit status {r.returncode}): nothing filed")
        return 2
    try:
        filed = history.file_into(opts.history, result)
    except BadInput as e:
        say(str(e))
        return 2
    say(f"filed {filed}")
    rc = report.main([opts.history, "-o", out, "--fail-on-regression", "--threshold", opts.threshold,
                      "--pagebench", opts.pagebench])
    if rc == 0 and r.returncode != 0:
        say(f"the run stopped early (exit status {r.returncode}): its missing jobs are missing from the history")
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
