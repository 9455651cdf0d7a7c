#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The report as a reader sees it: rendered in headless Chromium (Debian's chromium and
chromium-driver, driven through the W3C WebDriver protocol with the standard library).

One page is built from a generated history (two hosts, an injected 25% regression on one
benchmark of one host, a malformed file and a file whose name disagrees with its context), a
reproduction manifest over a real lsfmm2016 run and a real (emulated) kernel-module run, and a
real slow-socket replay (tests/data/reports/make-real-runs.sh) for the memory figures. Checked: every
image loads with a non-zero size, the console has no error, the regression table lists the
injected regression and nothing else, every reproduction row has a verdict, the skipped files
are named. The screenshot is kept in build/test-artefacts/report.png.

Needs build/pagebench (the history's night-over-night verdicts are `pagebench compare --json`).
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data", "reports")
ARTEFACTS = os.path.join(ROOT, "build", "test-artefacts")
sys.path.insert(0, DATA)
import make_history  # noqa: E402

CHROMIUM = os.environ.get("PB_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("PB_CHROMEDRIVER", "/usr/bin/chromedriver")
INJECTED = ("host0", "outstanding-64:outstanding/ideal")
VERDICTS = {"reproduced", "not reproduced", "not measurable here"}


class WebDriver:
    """Just enough of the W3C WebDriver protocol: a session, navigation, scripts, logs."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([DRIVER, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                if self._call("GET", "/status")["value"].get("ready"):
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            self.proc.kill()
            raise RuntimeError("chromedriver did not start")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM,
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                            "--hide-scrollbars", "--window-size=1300,1000"]},
            "goog:loggingPrefs": {"browser": "ALL"}}}}
        self.sid = self._call("POST", "/session", caps)["value"]["sessionId"]

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}")

    def cmd(self, method, path, body=None):
        return self._call(method, f"/session/{self.sid}{path}", body)["value"]

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def logs(self):
        return self.cmd("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path, width=1300, max_height=9000):
        h = min(max_height, int(self.js("return document.documentElement.scrollHeight")))
        self.cmd("POST", "/window/rect", {"width": width, "height": h})
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)

    def close(self):
        try:
            self._call("DELETE", f"/session/{self.sid}")
        finally:
            self.proc.terminate()
            self.proc.wait(10)


def build_page(tmp):
    store = os.path.join(tmp, "history")
    make_history.generate(store, nights=12, hosts=2, benchmarks=16, seed=7,
                          regress=(INJECTED[0], INJECTED[1], 0.25))
    with open(os.path.join(store, "20260103T000000Z-host0-broken.json"), "w") as f:
        f.write('{"context": {"schema_version": 2}, "benchmarks": [')
    # A history file renamed by hand: its name and its context disagree.
    src = sorted(n for n in os.listdir(store) if n.endswith("-host1-r0003.json"))[0]
    shutil.copy(os.path.join(store, src), os.path.join(store, "20260104T020100Z-host9-r0003.json"))
    manifest = os.path.join(tmp, "reproduce.json")
    for name in ("lsfmm2016.json", "kmod-lsfmm2016.json"):
        shutil.copy(os.path.join(DATA, name), os.path.join(tmp, name))
    with open(manifest, "w") as f:
        json.dump({"pagebench_reproduction": 1, "config": os.path.join(ROOT, "configs", "lsfmm2016.ini"),
                   "userspace": "lsfmm2016.json", "kmod": "kmod-lsfmm2016.json", "kmod_why": None,
                   "traffic": {}}, f)
    out = os.path.join(tmp, "page")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "reports", "report.py"), store, manifest,
                        os.path.join(DATA, "memory_run.json"), "-o", out], capture_output=True, text=True)
    return out, r


class Installed(unittest.TestCase):
    def test_the_browser_is_there_when_required(self):
        # `make test` sets PB_REQUIRE_BROWSER=1: a missing chromium is a red run there, not a
        # silent skip (scripts/install-deps.sh installs it); run by hand, the class below skips.
        if os.environ.get("PB_REQUIRE_BROWSER") == "1":
            self.assertTrue(os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK),
                            f"{CHROMIUM} or {DRIVER} missing: run scripts/install-deps.sh")


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK),
                     "chromium and chromium-driver are not installed (scripts/install-deps.sh)")
class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pb-browser-")
        cls.out, cls.made = build_page(cls.tmp)
        cls.wd = None
        if cls.made.returncode == 0:
            cls.wd = WebDriver()
            cls.wd.get("file://" + os.path.join(cls.out, "index.html"))
            os.makedirs(ARTEFACTS, exist_ok=True)
            cls.wd.screenshot(os.path.join(ARTEFACTS, "report.png"))

    @classmethod
    def tearDownClass(cls):
        if cls.wd:
            cls.wd.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.made.returncode, 0, self.made.stderr)

    def test_images_load(self):
        imgs = self.wd.js("return Array.from(document.images).map(i => "
                          "[i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight])")
        self.assertGreater(len(imgs), 20)
        for src, complete, w, h in imgs:
            self.assertTrue(complete and w > 0 and h > 0, f"{src}: {w}x{h}")

    def test_no_console_errors(self):
        bad = [e for e in self.wd.logs() if e.get("level") in ("SEVERE", "ERROR")]
        self.assertEqual(bad, [])

    def test_regression_table_has_the_injected_one_only(self):
        rows = self.wd.js("return Array.from(document.querySelectorAll('#regressions tr')).slice(1)"
                          ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
        self.assertEqual([(r[0], r[1]) for r in rows], [INJECTED])
        self.assertIn("latest night", rows[0][2])
        link = self.wd.js("return document.querySelector('#regressions a').getAttribute('href')")
        self.assertTrue(self.wd.js("return document.querySelector(arguments[0]) !== null", link), link)

    def test_reproduction_rows_have_verdicts(self):
        verdicts = self.wd.js("return Array.from(document.querySelectorAll('#reproduction-table tr'))"
                              ".slice(1).map(r => r.cells[r.cells.length - 1].innerText.split('\\n')[0].trim())")
        self.assertGreaterEqual(len(verdicts), 8)
        self.assertTrue(set(verdicts) <= VERDICTS, verdicts)
        self.assertIn("reproduced", verdicts)

    def test_skipped_files_named(self):
        text = self.wd.js("return document.querySelector('#skipped').innerText")
        self.assertIn("20260103T000000Z-host0-broken.json", text)
        self.assertIn("20260104T020100Z-host9-r0003.json", text)
        self.assertIn("mismatched", text)
        for name in ("broken", "host9"):
            self.assertIn(name, self.made.stderr)

    def test_memory_figures_drawn(self):
        """The replay's memory figures, loaded: one pinned-amplification and one page-allocator
        figure, a pages-in-flight figure per slow fraction (memory_run.json has 0, 0.1, 0.5)."""
        imgs = self.wd.js("return Array.from(document.images).map(i => [i.alt, i.naturalWidth])")
        for what, n in (("slow-socket: pinned bytes per live byte", 1),
                        ("pages in flight over time", 3),
                        ("slow-socket: page-allocator calls per packet", 1)):
            got = [w for a, w in imgs if what in a]
            self.assertEqual(len(got), n, what)
            self.assertTrue(all(w > 0 for w in got), what)
        cells = self.wd.js("return Array.from(document.querySelectorAll('table')).filter(t => "
                           "t.rows[0].cells[0].innerText.trim() === 'bytes pinned per live byte')"
                           ".map(t => t.rows.length)")
        self.assertEqual(cells, [4], "a header and one row per slow fraction")

    def test_no_table_widens_the_page(self):
        """At the 1300 px window every table fits or scrolls inside its own box: the page
        itself never scrolls sideways (a wide per-job table once pushed it past the window)."""
        wide = self.wd.js("return [document.documentElement.scrollWidth, window.innerWidth]")
        self.assertLessEqual(wide[0], wide[1], wide)
        over = self.wd.js("return Array.from(document.querySelectorAll('table'))"
                          ".filter(t => t.getBoundingClientRect().right > window.innerWidth + 1)"
                          ".map(t => t.id || t.className || t.rows[0].innerText.slice(0, 40))")
        self.assertEqual(over, [])


if __name__ == "__main__":
    unittest.main()

