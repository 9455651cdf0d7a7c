# SPDX-License-Identifier: GPL-2.0-only
"""The report page's frame: HTML helpers, figure files, and the atomic output.

The output is either a directory (DIR/index.html + DIR/fig/*.svg) or, when the output name ends
in .html, one self-contained file with the figures embedded. Either way it is built aside and
swapped into place in one step, so a reader never sees a half-written page: a directory through
renameat2(RENAME_EXCHANGE) where the kernel has it (two renames otherwise), a file through
rename(2).
"""
import base64
import ctypes
import ctypes.util
import html
import io
import os
import shutil
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

# Text stays text in the SVG (smaller, sharper, selectable); one readable style everywhere.
plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10,
                     "axes.labelsize": 9, "legend.fontsize": 8, "figure.dpi": 100,
                     "axes.grid": True, "grid.alpha": 0.3})


class OutputError(Exception):
    """The output could not be written; the message names it."""


def esc(v):
    return html.escape("" if v is None else str(v))


def fmt(v, digits=2):
    """A number read from a file, or "-" when there was none (never a made-up 0)."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        return "-"
    return f"{v:.{digits}f}"


def anchor(text):
    """A stable id for @text (links from the regression table to a plot)."""
    out = []
    for ch in text:
        out.append(ch if ch.isalnum() else "-")
    return "".join(out).strip("-").lower() or "x"


class Figures:
    """Saves matplotlib figures as SVG into the page being built, or embeds them."""

    def __init__(self, root, embed):
        self.root = root
        self.embed = embed
        self.used = set()
        if not embed:
            os.makedirs(os.path.join(root, "fig"), exist_ok=True)

    def _name(self, stem):
        name = anchor(stem)
        base, k = name, 2
        while name in self.used:
            name, k = f"{base}-{k}", k + 1
        self.used.add(name)
        return name

    def img_bytes(self, data, ext, stem, alt):
        """The <img> of an already drawn image (@ext "png" or "svg")."""
        name = self._name(stem)
        mime = "image/png" if ext == "png" else "image/svg+xml"
        if self.embed:
            src = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
        else:
            with open(os.path.join(self.root, "fig", f"{name}.{ext}"), "wb") as f:
                f.write(data)
            src = f"fig/{name}.{ext}"
        return f"<img class='fig' alt='{esc(alt)}' src='{src}'>"

    def img(self, fig, stem, alt):
        """The <img> of @fig (closed afterwards), alt text @alt."""
        name = self._name(stem)
        if self.embed:
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", bbox_inches="tight")
            src = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        else:
            fig.savefig(os.path.join(self.root, "fig", name + ".svg"), format="svg", bbox_inches="tight")
            src = f"fig/{name}.svg"
        plt.close(fig)
        return f"<img class='fig' alt='{esc(alt)}' src='{src}'>"


# A table is a block that scrolls sideways within the page's width: a wide per-job table (a
# column per event or per job) otherwise widened the whole page past the window.
STYLE = """
body{font-family:sans-serif;max-width:1250px;margin:1.5em auto;padding:0 1em;color:#222}
h1{margin-bottom:0.2em}h2{border-bottom:2px solid #ccc;padding-bottom:2px;margin-top:1.6em}
table{border-collapse:collapse;margin:0.5em 0;display:block;max-width:100%;overflow-x:auto}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.ctx td,.ctx th,.left td,.left th{text-align:left}
.unstable{background:#fdd}.raw{background:#eef4ff}.warn{background:#ffe9a8;padding:4px 8px}
.note{color:#555;font-size:90%}.slower{background:#f8c9c9;font-weight:bold}
.faster{background:#d4f0d4}.same{color:#555}.verdict-reproduced{background:#d4f0d4}
.verdict-not-reproduced{background:#f8c9c9}.verdict-not-measurable-here{background:#eee}
img.fig{display:block;margin:0.4em 0;max-width:100%;height:auto}
.figs{display:flex;flex-wrap:wrap;gap:8px}.figs img.fig{max-width:600px}
nav a{margin-right:1em}
"""


def document(title, body_parts):
    return "\n".join(["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
                      f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
                      *body_parts, "</body></html>\n"])


def _rename_exchange():
    """renameat2(..., RENAME_EXCHANGE) from the C library, or None where it is missing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        f = libc.renameat2
    except (OSError, AttributeError):
        return None
    f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    f.restype = ctypes.c_int
    return f


AT_FDCWD, RENAME_EXCHANGE = -100, 2
# What a page directory holds (commit writes these and nothing else).
PAGE_ENTRIES = {"index.html", "fig"}


class Output:
    """A page built aside (self.root) and published by commit(); abort() leaves nothing."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.embed = self.path.endswith(".html")
        parent = os.path.dirname(self.path)
        if not self.embed and os.path.exists(self.path) and not os.path.isdir(self.path):
            raise OutputError(f"{path}: exists and is not a directory")
        if not self.embed and os.path.isdir(self.path):
            # commit() replaces the whole directory: only an earlier page may be in it.
            try:
                other = sorted(set(os.listdir(self.path)) - PAGE_ENTRIES)
            except OSError as e:
                raise OutputError(f"{path}: cannot read: {e.strerror}") from None
            if other:
                raise OutputError(f"{path}: holds {other[0]!r}"
                                  + (f" and {len(other) - 1} more" if len(other) > 1 else "")
                                  + ", not only an earlier report (index.html, fig/): "
                                  "writing the page would replace it; give an empty or new directory")
        try:
            # A fresh clone has no results/: make the parents (an empty directory is no page).
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{path}: cannot create the directory {e.filename or parent}: "
                              f"{e.strerror}") from None
        try:
            self.root = tempfile.mkdtemp(prefix="." + os.path.basename(self.path) + ".tmp-",
                                         dir=parent)
        except OSError as e:
            raise OutputError(f"{path}: cannot write: {e.strerror}") from None
        self.figures = Figures(self.root, self.embed)

    def commit(self, text):
        index = os.path.join(self.root, "index.html")
        with open(index, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        for d, _, files in os.walk(self.root):
            os.chmod(d, 0o755)
            for n in files:
                os.chmod(os.path.join(d, n), 0o644)
        if self.embed:
            os.replace(index, self.path)
            shutil.rmtree(self.root, ignore_errors=True)
            return self.path
        if os.path.isdir(self.path):
            ex = _rename_exchange()
            if ex and ex(AT_FDCWD, self.root.encode(), AT_FDCWD, self.path.encode(),
                         RENAME_EXCHANGE) == 0:
                shutil.rmtree(self.root, ignore_errors=True)  # now the old page
                return os.path.join(self.path, "index.html")
            old = self.root + ".old"
            os.rename(self.path, old)
            os.rename(self.root, self.path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.root, self.path)
        return os.path.join(self.path, "index.html")

    def abort(self):
        shutil.rmtree(self.root, ignore_errors=True)
