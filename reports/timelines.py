# SPDX-License-Identifier: GPL-2.0-only
"""The history's timelines, drawn fast: a long history has one per benchmark (a hundred or
more), so they are PNGs drawn on one reused figure per worker process -- creating a figure,
its axes and a tight bounding box costs more than drawing the lines -- by two processes when
there are many (a 2-CPU machine). Same look for every timeline: one colour per series, the band
the 95% CI of each night's median, x an unstable night, a dashed line a step, a red circle a
confirmed regression.
"""
import io
import multiprocessing
import os
import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

PARALLEL_FROM = 24      # fewer timelines than this: one process (forking costs more)
DPI = 90


class Canvas:
    """One figure whose artists are replaced for each timeline."""

    def __init__(self, nseries):
        self.fig, self.ax = plt.subplots(figsize=(5.8, 2.6), dpi=DPI)
        right = 0.78 if nseries > 1 else 0.97
        self.fig.subplots_adjust(left=0.13, right=right, bottom=0.2, top=0.88)
        loc = mdates.AutoDateLocator(maxticks=6)
        self.ax.xaxis.set_major_locator(loc)
        self.ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        self.ax.tick_params(labelsize=7)

    def draw(self, item):
        key, lines, flagged, unit, colours = item
        ax = self.ax
        for a in list(ax.lines) + list(ax.collections):
            a.remove()
        leg = ax.get_legend()
        if leg:
            leg.remove()
        ylo, yhi, xall = [], [], []
        for s, pts, step in lines:
            c = colours[s]
            xs = mdates.date2num([p[0] for p in pts])
            ys = [p[1] for p in pts]
            lo = [p[2] if p[2] is not None else p[1] for p in pts]
            hi = [p[3] if p[3] is not None else p[1] for p in pts]
            ylo.append(min(lo))
            yhi.append(max(hi))
            xall += [min(xs), max(xs)]
            ax.fill_between(xs, lo, hi, color=c, alpha=0.2, linewidth=0)
            if len(xs) == 1:  # a band needs two nights: the interval as a bar
                ax.vlines(xs, lo, hi, color=c, alpha=0.5, lw=3)
            ax.plot(xs, ys, marker="o" if len(xs) <= 60 else "", ms=2.5, lw=1, label=s, color=c)
            bad = [(x, y) for x, y, p in zip(xs, ys, pts) if p[4]]
            if bad:
                ax.plot([x for x, _ in bad], [y for _, y in bad], ls="none", marker="x", ms=5, color=c)
            if step:
                ax.axvline(mdates.date2num(step["since"]), color=c, ls="--", lw=1)
            if s in flagged:
                ax.plot(xs[-1:], ys[-1:], ls="none", marker="o", ms=9, mfc="none", mec="red", mew=1.5)
        # relim() does not see the bands (collections): the limits are set from them.
        ax.relim()
        ax.autoscale_view(scaley=False)
        lo, hi = min(ylo), max(yhi)
        pad = (hi - lo) * 0.06 or abs(hi) * 0.05 or 1
        ax.set_ylim(lo - pad, hi + pad)
        if max(xall) - min(xall) < 2:  # a night or two: a few days' axis, not years
            ax.set_xlim(min(xall) - 1.5, max(xall) + 1.5)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_title(key, fontsize=8)
        if len(lines) > 1:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        buf = io.BytesIO()
        with warnings.catch_warnings():  # the locator's complaint about a short range
            warnings.simplefilter("ignore", UserWarning)
            self.fig.savefig(buf, format="png")
        return buf.getvalue()


def _draw_chunk(chunk):
    canvas = Canvas(max(len(it[1]) for it in chunk))
    out = [canvas.draw(it) for it in chunk]
    plt.close(canvas.fig)
    return out


def draw(items, jobs=None):
    """PNG bytes of each (key, lines, flagged series, unit, colours) in @items, in order."""
    if not items:
        return []
    jobs = jobs or min(2, os.cpu_count() or 1)
    if jobs < 2 or len(items) < PARALLEL_FROM:
        return _draw_chunk(items)
    n = (len(items) + jobs - 1) // jobs
    chunks = [items[i:i + n] for i in range(0, len(items), n)]
    with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
        parts = pool.map(_draw_chunk, chunks)
    return [png for part in parts for png in part]
