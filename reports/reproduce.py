#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The LSF/MM 2016 reproduction: runs the experiments behind DESIGN.md section 5's claims and
puts every published figure (reports/published.tsv, with its source) beside the figure
measured here, as a ratio between rows of one run, with a verdict per claim.

    reports/reproduce.py [-o DIR] [--results DIR] [--no-kmod] [--pagebench PATH]
                         [--traffic-packets N] [--traffic-reps N]
    reports/reproduce.py --from MANIFEST [-o DIR]      (the table again, from files already run)

Runs: configs/lsfmm2016.ini in userspace; the kernel module under qemu (`pagebench kmod run`;
under TCG its figures are marked "emulated"); the trace replays a claim needs (TRAFFIC below),
each a generator of `pagebench trace gen --help` (--traffic-packets N shortens them; the
generators' own default otherwise). What ran is recorded in a manifest (RESULTS/reproduce-DATE.json,
"pagebench_reproduction": 1) which reports/report.py also reads. Prints the table and writes
the page (DIR/index.html). A claim this machine cannot test is "not measurable here" with the
reason and what a user with a real host runs. Exit status 0 (whatever the verdicts), 2 for bad
input or when the userspace run could not be made. docs/reports.md.
"""
import csv
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cli_args  # noqa: E402
from page import esc  # noqa: E402
from results_load import BadInput, counter, load  # noqa: E402

PUBLISHED = os.path.join(HERE, "published.tsv")
CONFIG = os.path.join(ROOT, "configs", "lsfmm2016.ini")
# The kernel module's runs: its page allocator, its page_pool paths and the bulk API.
KMOD_SETS = ["backends=k_alloc_pages,k_page_pool", "workloads=alloc-free,alloc-free-remote,alloc-free-slow,bulk",
             "bulk=1,128", "orders=0,3"]
# Replays the claims need: name -> (generator, --alloc, --set ...), each run when `pagebench
# trace gen --help` lists the generator. Dumazet's steady state is the slow-socket replay with
# prompt readers only (slow=0) and with half of them slow (slow=0.5).
TRAFFIC = {
    "rx-drop": ("rx-drop", "frag,ptr_ring_pool", ["mode=mlx4-2016"]),
    "attacker-ooo": ("attacker-ooo", "frag,halfpage,buddy", []),
    "slow-socket-0": ("slow-socket", "halfpage,ptr_ring_pool", ["slow=0"]),
    "slow-socket-0.5": ("slow-socket", "halfpage,ptr_ring_pool", ["slow=0.5"]),
}


def read_published(path=PUBLISHED):
    """{id: row dict} of the published figures; BadInput naming file:line on a bad row."""
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = [(i + 1, ln) for i, ln in enumerate(f) if ln.strip() and not ln.startswith("#")]
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror}") from None
    if not lines:
        raise BadInput(f"{path}: no header line")
    rows = csv.reader([ln for _, ln in lines], delimiter="\t")
    header = next(rows)
    want = ["id", "value", "unit", "measured", "author", "date", "source", "machine"]
    if header != want:
        raise BadInput(f"{path}:{lines[0][0]}: header must be {' '.join(want)}")
    for (no, _), r in zip(lines[1:], rows):
        if len(r) != len(want):
            raise BadInput(f"{path}:{no}: {len(r)} columns, expected {len(want)}")
        d = dict(zip(want, r))
        try:
            d["value"] = float(d["value"])
        except ValueError:
            raise BadInput(f"{path}:{no}: value '{d['value']}' is not a number") from None
        if d["id"] in out:
            raise BadInput(f"{path}:{no}: id '{d['id']}' appears twice")
        out[d["id"]] = d
    return out


# ---------------------------------------------------------------------------------------------
# Finding the rows of a run

def find(rs, workload, alloc, job=None, **params):
    """The record of @rs with this workload and backend (and job, and these params), or None."""
    if rs is None:
        return None
    for b in rs.records:
        if b.get("workload") != workload or b.get("alloc") != alloc:
            continue
        if job is not None and b.get("job", "") != job:
            continue
        p = b.get("params") or {}
        if all((p.get(k) == v) if v is not None else (k not in p) for k, v in params.items()):
            return b
    return None


def med(b, unit="cycles"):
    if b is None:
        return None
    v = (b.get("cycles_per_op" if unit == "cycles" else "ns_per_op") or {}).get("median")
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


class Measured:
    """One side's measurement of a claim: a ratio (or figures) and how it was read."""

    def __init__(self, ratio=None, text="", ok=None, why=None, unstable=False):
        self.ratio = ratio      # measured ratio, None when not measurable
        self.text = text        # the figures it came from
        self.ok = ok            # True/False against the claim's rule; None: not measurable
        self.why = why          # when not measurable: the reason
        self.unstable = unstable


def _unstable(*bs):
    return any(b is not None and b.get("unstable") is True for b in bs)


def quotient(num, den, rule, what):
    """The ratio of two records' medians, judged by @rule (a function of the ratio)."""
    a, b = med(num), med(den)
    if a is None or b is None:
        missing = what[0] if a is None else what[1]
        return Measured(why=f"no {missing} row in the run")
    r = a / b
    return Measured(r, f"{a:.1f} / {b:.1f} cycles", rule(r), unstable=_unstable(num, den))


# ---------------------------------------------------------------------------------------------
# The claims of DESIGN.md section 5, each: published ratio, rule, and how to measure it

class Claim:
    def __init__(self, cid, claim, ids, published, pub_text, rule_text, measure_us,
                 measure_km=None, real_host=""):
        self.id = cid
        self.claim = claim
        self.ids = ids                  # published figure ids this row cites
        self.published = published      # function(figs) -> published ratio or None
        self.pub_text = pub_text        # function(figs) -> the published figures in words
        self.rule_text = rule_text      # the rule the measure function applies, in words
        self.measure_us = measure_us    # function(userspace set, traffic sets) -> Measured
        self.measure_km = measure_km    # function(kmod set) -> Measured, or None: not in the module
        self.real_host = real_host      # what a user with a real host runs


def _v(figs, i):
    return figs[i]["value"]


def c_budget_km(rs):
    # The one absolute row: wall-clock ns against the line rate's 67.2 ns. A guest under TCG
    # runs the CPU in emulation, so its ns are not the machine's (ratios between its rows are).
    if rs.emulated():
        return Measured(why="the budget is wall-clock time at line rate and this module run is "
                        "emulated (qemu TCG): its nanoseconds are not the CPU's")
    return _against_budget(find(rs, "alloc-free", "k_alloc_pages", order="0", calls="node", amortised=None),
                           "no order-0 k_alloc_pages row (calls=node) in the module's run")


def c_budget_us(us, traffic):
    return _against_budget(find(us, "alloc-free", "buddy", order="0"), "no order-0 buddy row in the run")


# A minimum frame's time on the wire at 10 Gbit/s: (64 + 20 bytes of preamble and gap) x 8 bits.
LINE_RATE_NS = 67.2


def _against_budget(b, missing):
    """Record @b's median ns over the 10G per-packet budget, judged > 1; @missing without it."""
    ns = med(b, "ns")
    if ns is None:
        return Measured(why=missing)
    r = ns / LINE_RATE_NS
    return Measured(r, f"{ns:.1f} ns / {LINE_RATE_NS} ns", r > 1, unstable=_unstable(b))


def c_order3(div):
    def us(rs, traffic):
        o0, o3 = find(rs, "alloc-free", "buddy", order="0"), find(rs, "alloc-free", "buddy", order="3")
        a, b = med(o3), med(o0)
        if a is None or b is None:
            return Measured(why="no order-0 or order-3 buddy row in the run")
        r = a / div / b
        return Measured(r, f"{a:.1f} / {div} / {b:.1f} cycles", r < 0.5, unstable=_unstable(o0, o3))

    def km(rs):
        # The plain rows, alloc_pages_node / __free_pages (calls=node, as the 2016 thread's
        # figures): not the mempolicy-wrapper variant (calls=policy), not the derived
        # amortised=4k/2k rows (the module's own division, which this row makes itself).
        o0 = find(rs, "alloc-free", "k_alloc_pages", order="0", calls="node", amortised=None)
        o3 = find(rs, "alloc-free", "k_alloc_pages", order="3", calls="node", amortised=None)
        a, b = med(o3), med(o0)
        if a is None or b is None:
            return Measured(why="no k_alloc_pages order-0 or order-3 row in the module's run")
        r = a / div / b
        return Measured(r, f"{a:.1f} / {div} / {b:.1f} cycles", r < 0.5, unstable=_unstable(o0, o3))
    return us, km


def c_recycle_us(rs, traffic):
    return quotient(find(rs, "alloc-free", "ptr_ring_pool", job="page-pool-fast"),
                    find(rs, "alloc-free-slow", "ptr_ring_pool"), lambda r: r <= 0.2,
                    ("page-pool fast-path", "page-pool slow-path"))


def c_recycle_km(rs):
    return quotient(find(rs, "alloc-free", "k_page_pool"), find(rs, "alloc-free-slow", "k_page_pool"),
                    lambda r: r <= 0.2, ("k_page_pool fast-path", "k_page_pool slow-path"))


def c_ring_us(rs, traffic):
    return quotient(find(rs, "alloc-free-remote", "ptr_ring_pool"), find(rs, "alloc-free-slow", "ptr_ring_pool"),
                    lambda r: r <= 0.5, ("page-pool ring-path", "page-pool slow-path"))


def c_ring_km(rs):
    return quotient(find(rs, "alloc-free-remote", "k_page_pool"), find(rs, "alloc-free-slow", "k_page_pool"),
                    lambda r: r <= 0.5, ("k_page_pool ring-path", "k_page_pool slow-path"))


def c_atomic_us(rs, traffic):
    # atomic-remote has two records, one per thread ("ping", "pong"), each the cost of its own
    # increments net of its waiting: find() takes the first, the "ping" thread's. Both are
    # baselines (alloc None); atomic-inc is measured by the config's one job with baselines.
    remote = find(rs, "atomic-remote", None)
    if remote is None:
        return Measured(why="this results file has no atomic-remote row (made before the workload existed)")
    return quotient(remote, find(rs, "atomic-inc", None), lambda r: r >= 5, ("atomic-remote", "atomic-inc"))


def c_bulk_us(rs, traffic):
    return quotient(find(rs, "bulk", "buddy", bulk="128"), find(rs, "bulk", "buddy", bulk="1"),
                    lambda r: r < 0.75, ("bulk=128", "bulk=1"))


def c_bulk_km(rs):
    # calls=bulk: alloc_pages_bulk_array_node, as page_bench04 times it.
    return quotient(find(rs, "bulk", "k_alloc_pages", bulk="128", calls="bulk"),
                    find(rs, "bulk", "k_alloc_pages", bulk="1", calls="bulk"),
                    lambda r: r < 0.75, ("k_alloc_pages bulk=128", "k_alloc_pages bulk=1"))


def _replay(traffic, name):
    """(the ResultSet of replay @name, None) or (None, why it is not there)."""
    t = traffic.get(name)
    if t is None or isinstance(t, str):
        return None, t or f"the {name} replay was not run"
    return t, None


def c_mlx4_us(rs, traffic):
    t, why = _replay(traffic, "rx-drop")
    if t is None:
        return Measured(why=why)
    return quotient(find(t, "rx-drop", "ptr_ring_pool"), find(t, "rx-drop", "frag"), lambda r: r <= 0.8,
                    ("ptr_ring_pool rx-drop", "frag (mlx4-2016) rx-drop"))


def c_truesize_us(rs, traffic):
    t, why = _replay(traffic, "attacker-ooo")
    if t is None:
        return Measured(why=why)
    f, h = find(t, "attacker-ooo", "frag"), find(t, "attacker-ooo", "halfpage")
    a, b = counter(f, "pinned_per_live_byte"), counter(h, "pinned_per_live_byte")
    if a is None:
        return Measured(why="the attacker-ooo run has no counters.pinned_per_live_byte for frag")
    ok = a >= 10 and (b is None or a > 4 * b)
    return Measured(a, f"frag {a:.1f}x" + (f", halfpage {b:.1f}x" if b is not None else ""), ok)


def c_steady_us(rs, traffic):
    """Page-allocator calls per packet of the order-0 recyclers (halfpage: the ixgbe/i40e reuse
    trick; ptr_ring_pool: page_pool) in the slow-socket replay: prompt readers (slow=0) against
    half of them slow (slow=0.5). The rx track's record holds the replay's counters."""
    got = {}
    for name in ("slow-socket-0", "slow-socket-0.5"):
        t, why = _replay(traffic, name)
        if t is None:
            return Measured(why=why)
        for alloc in ("halfpage", "ptr_ring_pool"):
            v = counter(find(t, "slow-socket", alloc), "page_allocator_calls_per_packet")
            if v is None:
                return Measured(why=f"the {name} replay has no counters.page_allocator_calls_per_packet "
                                f"for {alloc}")
            got[(name, alloc)] = v
    prompt = max(got[("slow-socket-0", a)] for a in ("halfpage", "ptr_ring_pool"))
    slow_hp = got[("slow-socket-0.5", "halfpage")]
    text = ("page-allocator calls per packet, slow=0 / slow=0.5: "
            + ", ".join(f"{a} {got[('slow-socket-0', a)]:.3f} / {got[('slow-socket-0.5', a)]:.3f}"
                        for a in ("halfpage", "ptr_ring_pool")))
    return Measured(None, text, prompt < 0.05 and slow_hp > 0.1)


CLAIMS = [
    Claim("order0-budget", "order-0 alloc+free costs more than the 10G per-packet budget",
          ["lsfmm16_order0", "lsfmm16_order0_mel", "budget_10g_cycles", "budget_10g_ns"],
          lambda f: _v(f, "lsfmm16_order0") / _v(f, "budget_10g_cycles"),
          lambda f: f"{_v(f, 'lsfmm16_order0'):g} (and {_v(f, 'lsfmm16_order0_mel'):g}) cycles vs a "
                    f"{_v(f, 'budget_10g_cycles'):g}-cycle budget ({_v(f, 'budget_10g_ns'):g} ns)",
          "order-0 ns / 67.2 ns > 1", c_budget_us, c_budget_km,
          "the kernel module on the host: make kmod KDIR=/lib/modules/$(uname -r)/build; insmod it "
          "(docs/kmod.md); alloc-free/k_alloc_pages/order=0 in ns against 67.2 ns"),
    Claim("order3-per4k", "order-3 alloc+free amortised per 4 KiB is far below order-0",
          ["lsfmm16_order3", "lsfmm16_order3_per4k", "lsfmm16_order0"],
          lambda f: _v(f, "lsfmm16_order3_per4k") / _v(f, "lsfmm16_order0"),
          lambda f: f"{_v(f, 'lsfmm16_order3'):g} / 8 = {_v(f, 'lsfmm16_order3_per4k'):g} cycles vs "
                    f"{_v(f, 'lsfmm16_order0'):g}",
          "(order-3 / 8) / order-0 < 0.5", *c_order3(8)),
    Claim("order3-per2k", "order-3 alloc+free amortised per 2 KiB frame is far below order-0",
          ["lsfmm16_order3", "lsfmm16_order3_per2k", "lsfmm16_order0"],
          lambda f: _v(f, "lsfmm16_order3_per2k") / _v(f, "lsfmm16_order0"),
          lambda f: f"{_v(f, 'lsfmm16_order3'):g} / 16 = {_v(f, 'lsfmm16_order3_per2k'):g} cycles vs "
                    f"{_v(f, 'lsfmm16_order0'):g}",
          "(order-3 / 16) / order-0 < 0.5", *c_order3(16)),
    Claim("recycle-10x", "page_pool recycling is ~10x cheaper than the page allocator (fast vs slow path)",
          ["pp_2025_fast", "pp_2025_slow", "pp_2022_fast", "pp_2022_slow", "pp_epyc_ibpb_fast", "pp_epyc_ibpb_slow"],
          lambda f: _v(f, "pp_2025_fast") / _v(f, "pp_2025_slow"),
          lambda f: f"fast/slow {_v(f, 'pp_2025_fast'):g}/{_v(f, 'pp_2025_slow'):g}, "
                    f"{_v(f, 'pp_2022_fast'):g}/{_v(f, 'pp_2022_slow'):g}, "
                    f"{_v(f, 'pp_epyc_ibpb_fast'):g}/{_v(f, 'pp_epyc_ibpb_slow'):g} cycles "
                    f"(ratios {_v(f, 'pp_2025_fast') / _v(f, 'pp_2025_slow'):.2f}, "
                    f"{_v(f, 'pp_2022_fast') / _v(f, 'pp_2022_slow'):.2f}, "
                    f"{_v(f, 'pp_epyc_ibpb_fast') / _v(f, 'pp_epyc_ibpb_slow'):.2f})",
          "fast / slow <= 0.2 (at least 5x cheaper)", c_recycle_us, c_recycle_km),
    Claim("recycle-ring", "page_pool's ptr_ring path is still well below the page allocator",
          ["pp_2025_ring", "pp_2025_slow"],
          lambda f: _v(f, "pp_2025_ring") / _v(f, "pp_2025_slow"),
          lambda f: f"ring/slow {_v(f, 'pp_2025_ring'):g}/{_v(f, 'pp_2025_slow'):g} cycles",
          "ring / slow <= 0.5", c_ring_us, c_ring_km),
    Claim("atomic-remote", "a remote atomic costs ~10x a local one",
          ["atomic_local", "atomic_remote"],
          lambda f: _v(f, "atomic_remote") / _v(f, "atomic_local"),
          lambda f: f"{_v(f, 'atomic_remote'):g} vs {_v(f, 'atomic_local'):g} cycles",
          "remote / local >= 5", c_atomic_us, None,
          "with A and B two CPUs of separate physical cores (lscpu -e: different CORE): "
          "pagebench run --workload atomic-remote --cpus A,B --reps 9; pagebench run --workload "
          "atomic-inc --cpus A --reps 9 (remote / local cycles per op)"),
    Claim("bulk", "bulk page allocation amortises",
          ["bulk_single", "bulk_128"],
          lambda f: _v(f, "bulk_128") / _v(f, "bulk_single"),
          lambda f: f"{_v(f, 'bulk_single'):g} cycles single, {_v(f, 'bulk_128'):g} per page at bulk 128",
          "bulk 128 / bulk 1 < 0.75", c_bulk_us, c_bulk_km),
    Claim("mlx4-30pct", "removing ~30% page-allocator overhead lifts mlx4 driver drop from 14.5 to ~20 Mpps",
          ["xdp_mlx4_drv_drop", "xdp_mlx4_bound"],
          lambda f: _v(f, "xdp_mlx4_drv_drop") / _v(f, "xdp_mlx4_bound"),
          lambda f: f"{_v(f, 'xdp_mlx4_drv_drop'):g} Mpps, {_v(f, 'xdp_mlx4_bound'):g} Mpps without it "
                    "(cost per packet with recycling / with the page allocator)",
          "recycling / page allocator per packet <= 0.8", c_mlx4_us, None,
          "an mlx4 (or any page-allocator-fed) NIC with XDP_DROP at line rate, Mpps before and after "
          "page_pool; here: pagebench run --alloc frag,ptr_ring_pool --workload rx-drop --set mode=mlx4-2016"),
    Claim("truesize", "an order-3 page pins 32 KiB for a frame claiming 1.5 KiB (~21x); order-0 pins 4 KiB",
          ["order3_page_bytes", "order3_truesize_claim"],
          lambda f: _v(f, "order3_page_bytes") / _v(f, "order3_truesize_claim"),
          lambda f: f"{_v(f, 'order3_page_bytes'):g} bytes pinned for {_v(f, 'order3_truesize_claim'):g}",
          "frag pinned / live >= 10 and > 4x halfpage's", c_truesize_us, None,
          "a host with an mlx4 (order-3 frag) NIC under out-of-order TCP: the socket's memory against "
          "its truesize; here: pagebench run --alloc frag,halfpage,buddy --workload attacker-ooo "
          "(counters.pinned_per_live_byte)"),
    Claim("steady-state", "Dumazet: with order-0 pages and the reuse trick steady state hardly calls the "
          "page allocator; with slow readers it does",
          ["steady_state_pa"],
          lambda f: None,
          lambda f: "\"the page allocator is hardly hit\" (qualitative)",
          "slow-socket replay, page-allocator calls per packet: slow=0 halfpage and ptr_ring_pool < 0.05; "
          "slow=0.5 halfpage > 0.1", c_steady_us, None,
          "a host with an ixgbe/i40e NIC: page-allocator calls per packet (perf on kmem:mm_page_alloc) "
          "with prompt and with slow socket readers"),
]


# ---------------------------------------------------------------------------------------------
# Manifest and table

def load_manifest(path):
    """(manifest dict with absolute paths, None) or (None, the one-line problem)."""
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, f"{path}: {getattr(e, 'strerror', None) or e}"
    if not isinstance(m, dict) or m.get("pagebench_reproduction") != 1:
        return None, f"{path}: not a reproduction manifest of version 1"
    base = os.path.dirname(os.path.abspath(path))
    for key in ("userspace", "kmod"):
        if isinstance(m.get(key), str):
            m[key] = os.path.join(base, m[key])
    tr = m.get("traffic") if isinstance(m.get("traffic"), dict) else {}
    for k, v in tr.items():
        if isinstance(v, dict) and isinstance(v.get("file"), str):
            v["file"] = os.path.join(base, v["file"])
    m["traffic"] = tr
    m["path"] = path
    return m, None


class Row:
    def __init__(self, claim, figs, us, km, km_emulated):
        self.claim = claim
        self.figs = figs
        self.published = claim.published(figs)
        self.us = us
        self.km = km
        self.km_emulated = km_emulated
        side = us if us.ok is not None else (km if km is not None and km.ok is not None else None)
        if side is None:
            self.verdict = "not measurable here"
            self.reason = us.why + (f"; kernel module: {km.why}" if km is not None and km.why else "")
        else:
            self.verdict = "reproduced" if side.ok else "not reproduced"
            self.reason = "" if side is us else "from the kernel module only (" + us.why + ")"


class Table:
    def __init__(self, rows, runs, warnings, manifest):
        self.rows = rows
        self.runs = runs          # the ResultSets read (shown as single runs on the page)
        self.warnings = warnings
        self.manifest = manifest


def table(manifest, published=None):
    """The reproduction Table of a manifest; unreadable files become warnings and reasons."""
    warnings = []
    figs = published or read_published()
    runs = []

    def get(path, what):
        if not path:
            return None, None
        try:
            rs = load(path)
        except BadInput as e:
            warnings.append(f"reproduction: {what}: {e}")
            return None, str(e)
        runs.append(rs)
        return rs, None

    us, us_bad = get(manifest.get("userspace"), "userspace run")
    km, km_bad = get(manifest.get("kmod"), "kernel module run")
    km_why = km_bad or manifest.get("kmod_why") or "the kernel module was not run"
    traffic = {}
    for wl, t in manifest["traffic"].items():
        if isinstance(t, dict) and t.get("file"):
            rs, bad = get(t["file"], f"{wl} replay")
            traffic[wl] = rs if rs is not None else bad
        elif isinstance(t, dict):
            traffic[wl] = t.get("why")
    rows = []
    for c in CLAIMS:
        if us is None:
            m_us = Measured(why=us_bad or "the userspace run is missing")
        else:
            m_us = c.measure_us(us, traffic)
        if c.measure_km is None:
            m_km = None
        elif km is None:
            m_km = Measured(why=km_why)
        else:
            m_km = c.measure_km(km)
        rows.append(Row(c, figs, m_us, m_km, km is not None and km.emulated()))
    return Table(rows, runs, warnings, manifest)


def _source(figs, ids):
    seen, out = set(), []
    for i in ids:
        f = figs[i]
        s = f"{f['author']}, {f['date']}: {f['source']}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _short_source(figs, ids):
    """Author's surname, date and seed per distinct source: the cell; the full text is below."""
    seen, out = set(), []
    for i in ids:
        f = figs[i]
        seed = f["source"][f["source"].find("(seed"):].strip("()") if "(seed" in f["source"] else f["source"]
        date = f["date"].split()[0] if f["date"][:1].isdigit() else "undated"
        s = f"{f['author'].split()[-1]} {date}, {seed}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _side(m, emulated=False, brief=False):
    if m is None:
        return "not in the module"
    if m.ok is None:
        return "not measurable" if brief else "not measurable: " + m.why
    r = f"{m.ratio:.3f}" if m.ratio is not None else ""
    s = f"{r} ({m.text})" if r else m.text
    if m.unstable:
        s += " [unstable]"
    if emulated:
        s += " [emulated]"
    return s


def render(t):
    """The reproduction table as HTML."""
    out = ["<h2 id='reproduction'>LSF/MM 2016 reproduction</h2>",
           "<p>Each published figure beside the one measured here, compared as a ratio between rows "
           "of one run (never absolute cycles from another machine). Userspace: the models of "
           f"<code>{esc(os.path.relpath(t.manifest.get('config') or CONFIG, ROOT))}</code>; kernel module: "
           "the real allocators in a qemu guest (<b>emulated</b> under TCG: ratios only). The verdict is "
           "the userspace one, the module's where userspace cannot measure it.</p>",
           "<table id='reproduction-table' class='left'><tr><th>claim</th><th>published figure</th>"
           "<th>source</th><th>published ratio</th><th>measured: userspace</th>"
           "<th>measured: kernel module</th><th>rule</th><th>verdict</th></tr>"]
    for r in t.rows:
        c = r.claim
        pub = f"{r.published:.3f}" if r.published is not None else "-"
        src = "<br>".join(esc(s) for s in _short_source(r.figs, c.ids))
        verdict = esc(r.verdict)
        if r.verdict == "not measurable here":
            verdict += f"<br><span class='note'>{esc(r.reason)}"
            if c.real_host:
                verdict += f"; on a real host: {esc(c.real_host)}"
            verdict += "</span>"
        elif r.reason:
            verdict += f"<br><span class='note'>{esc(r.reason)}</span>"
        out.append(f"<tr class='verdict-{r.verdict.replace(' ', '-')}'><td>{esc(c.claim)}</td>"
                   f"<td>{esc(c.pub_text(r.figs))}</td><td>{src}</td><td>{pub}</td>"
                   f"<td>{esc(_side(r.us, brief=True))}</td><td>{esc(_side(r.km, r.km_emulated))}</td>"
                   f"<td>{esc(c.rule_text)}</td><td>{verdict}</td></tr>")
    out.append("</table>")
    used = [i for r in t.rows for i in r.claim.ids]
    out.append("<details><summary>the published figures and their sources "
               "(reports/published.tsv)</summary><table class='left'><tr><th>id</th><th>value</th>"
               "<th>unit</th><th>what was measured</th><th>author</th><th>date</th><th>source</th>"
               "<th>machine</th></tr>")
    figs = t.rows[0].figs if t.rows else {}
    for i in dict.fromkeys(used):
        f = figs[i]
        out.append("<tr>" + "".join(f"<td>{esc(f[k])}</td>" for k in
                                    ("id", "value", "unit", "measured", "author", "date", "source", "machine"))
                   + "</tr>")
    out.append("</table></details>")
    return "\n".join(out)


def print_table(t, f=sys.stdout):
    """The table in the terminal: per claim its words, the published figure and its source,
    the published ratio, userspace's and the module's, and the verdict (the HTML table's
    columns); then each claim in full, with the rule and any reason."""
    rows = []
    for r in t.rows:
        pub = f"{r.published:.3f}" if r.published is not None else "-"
        us = f"{r.us.ratio:.3f}" if r.us.ratio is not None else ("yes" if r.us.ok else "no" if r.us.ok is False else "-")
        if r.km is None or r.km.ok is None:
            km = "-"
        else:
            km = (f"{r.km.ratio:.3f}" if r.km.ratio is not None else "-") + (" (emul.)" if r.km_emulated else "")
        rows.append((r.claim.id, r.claim.claim, r.claim.pub_text(r.figs), "; ".join(_short_source(r.figs, r.claim.ids)),
                     pub, us, km, r.verdict))
    head = ("claim", "what it says", "published figure", "source", "ratio", "userspace", "kmod", "verdict")
    w = [max(len(x[i]) for x in rows + [head]) for i in range(len(head))]
    for x in [head] + rows:
        f.write("  ".join(v.ljust(w[i]) if i < 4 or i == 7 else v.rjust(w[i])
                          for i, v in enumerate(x)).rstrip() + "\n")
    f.write("\n")
    for r in t.rows:
        f.write(f"{r.claim.id}: {r.claim.claim}\n  published: {r.claim.pub_text(r.figs)}\n"
                f"  source: {'; '.join(_source(r.figs, r.claim.ids))}\n  rule: {r.claim.rule_text}\n"
                f"  userspace: {_side(r.us)}\n  kernel module: {_side(r.km, r.km_emulated)}\n")
        if r.verdict == "not measurable here":
            f.write(f"  not measurable here: {r.reason}\n")
            if r.claim.real_host:
                f.write(f"  on a real host: {r.claim.real_host}\n")
    for w in t.warnings:
        f.write(f"warning: {w}\n")


# ---------------------------------------------------------------------------------------------
# Running it

def say(msg):
    print(f"reproduce: {msg}", file=sys.stderr, flush=True)


def generators(pb):
    """The trace generators this pagebench has: the names under "generators:" in `pagebench
    trace gen --help` (`pagebench list` shows only their family, replay)."""
    r = subprocess.run([pb, "trace", "gen", "--help"], capture_output=True, text=True)
    names, inside = set(), False
    for line in (r.stdout + r.stderr).splitlines():
        if not line.startswith(" "):
            inside = line.strip() == "generators:"
        elif inside and line.startswith("  ") and not line.startswith("   "):
            names.add(line.split()[0])
    return names


def run_traffic(pb, results, stamp, packets=None, reps=None):
    """Runs every TRAFFIC replay whose generator @pb has into @results; the manifest's
    "traffic" object: {name: {"file": basename or None, "why": None or the reason}}."""
    have, out = generators(pb), {}
    for name, (gen, alloc, sets) in TRAFFIC.items():
        if gen not in have:
            out[name] = {"file": None, "why": f"this pagebench has no {gen} generator "
                         "(pagebench trace gen --help)"}
            continue
        path = os.path.join(results, f"{name}-lsfmm2016-{stamp}.json")
        sets = sets + ([f"packets={packets}"] if packets else [])
        cmd = [pb, "run", "--alloc", alloc, "--workload", gen, "--no-baselines", "--json", path] + \
            (["--reps", str(reps)] if reps else []) + [a for s in sets for a in ("--set", s)]
        say("traffic: " + " ".join(cmd))
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if os.path.exists(path) and r.returncode in (0, 1):
            out[name] = {"file": os.path.basename(path), "why": None}
        else:
            last = (r.stderr or "").strip().splitlines()
            out[name] = {"file": None, "why": f"{name}: " + (last[-1] if last else f"exit {r.returncode}")}
    return out


def run(opts):
    pb = opts.pagebench
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(opts.results, exist_ok=True)
    man = {"pagebench_reproduction": 1, "date": datetime.datetime.now().astimezone().isoformat(),
           "config": os.path.abspath(opts.config), "userspace": None, "kmod": None, "kmod_why": None,
           "traffic": {}}
    us = os.path.join(opts.results, f"lsfmm2016-{stamp}.json")
    say(f"userspace: {pb} run {opts.config} --json {us}")
    r = subprocess.run([pb, "run", opts.config, "--json", us], stdout=subprocess.DEVNULL)
    if r.returncode == 2 or not os.path.exists(us):
        say(f"the userspace run failed (exit status {r.returncode}): nothing to compare")
        return None
    man["userspace"] = os.path.basename(us)
    if opts.no_kmod:
        man["kmod_why"] = "not run (--no-kmod)"
    else:
        km = os.path.join(opts.results, f"kmod-lsfmm2016-{stamp}.json")
        cmd = [pb, "kmod", "run", "--json", km] + [a for s in KMOD_SETS for a in ("--set", s)]
        say("kernel module: " + " ".join(cmd) + " (boots a kernel under qemu; a few minutes)")
        # RESULTS: where kmod/run-qemu.sh keeps the guest's serial log (its default is the
        # tree's results/, not this run's --results)
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, RESULTS=os.path.abspath(opts.results)))
        if os.path.exists(km) and r.returncode in (0, 1):
            man["kmod"] = os.path.basename(km)
        else:
            last = (r.stderr or "").strip().splitlines()
            man["kmod_why"] = ("the module's qemu run failed: " + last[-1]) if last else \
                f"the module's qemu run failed (exit status {r.returncode})"
            say(man["kmod_why"])
    man["traffic"] = run_traffic(pb, opts.results, stamp, opts.traffic_packets, opts.traffic_reps)
    path = os.path.join(opts.results, f"reproduce-{stamp}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(man, f, indent=1)
    os.replace(path + ".tmp", path)
    return path


def main(argv):
    ap = cli_args.ArgumentParser(prog=os.environ.get("PB_PROG"), description="the LSF/MM 2016 reproduction table")
    ap.add_argument("-o", "--output", help="report directory to write (default RESULTS/reproduce)")
    ap.add_argument("--results", default=os.path.join(ROOT, "results"), help="where the runs go (default results/)")
    ap.add_argument("--config", default=CONFIG, help="the userspace experiment (default configs/lsfmm2016.ini)")
    ap.add_argument("--no-kmod", action="store_true", help="do not boot the kernel module")
    ap.add_argument("--traffic-packets", type=int, help="frames per replay (default: each generator's)")
    ap.add_argument("--traffic-reps", type=int, help="repetitions per replay (default: pagebench run's)")
    ap.add_argument("--from", dest="manifest", help="a manifest of an earlier run: the table again, no runs")
    ap.add_argument("--pagebench", default=os.environ.get("PB_BIN") or os.path.join(ROOT, "build", "pagebench"))
    opts = ap.parse_args(argv)
    for name in ("traffic_packets", "traffic_reps"):
        if getattr(opts, name) is not None and getattr(opts, name) < 1:
            print(f"reproduce: --{name.replace('_', '-')}: {getattr(opts, name)}: must be at least 1",
                  file=sys.stderr)
            return 2
    try:
        figs = read_published()
    except BadInput as e:
        print(f"reproduce: {e}", file=sys.stderr)
        return 2
    path = opts.manifest or run(opts)
    if path is None:
        return 2
    m, why = load_manifest(path)
    if m is None:
        print(f"reproduce: {why}", file=sys.stderr)
        return 2
    t = table(m, figs)
    print_table(t)
    import report  # the page: reproduction table first, then the runs it read
    out = opts.output or os.path.join(opts.results, "reproduce")
    rc = report.main([path, "-o", out, "--pagebench", opts.pagebench])
    return 2 if rc == 2 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
