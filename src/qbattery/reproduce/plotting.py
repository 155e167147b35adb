"""Figure helpers shared by the reproduction targets: the paper's numbers drawn on our axes, and a
checker for what makes a figure hard to read.

Every number a paper states (a peak, a benchmark line, a fitted exponent) is drawn in one style,
labelled "paper", so that a reader compares it with ours at a glance: :func:`paper_point`,
:func:`paper_hline`, :func:`paper_vline`, :func:`paper_band`.

:func:`figure_problems` lists, through matplotlib's API only, what the tests forbid
(``tests/test_figures.py``): an axis without a label, a raw ``_`` or ``^`` outside mathtext, a
legend or inset on top of plotted data, a panel letter used twice.
"""

from __future__ import annotations

import math
import re

import numpy as np

#: The one style of the paper's numbers on every figure (black, so that it never reads as a curve).
PAPER_COLOR = "k"
PAPER_MARKER = dict(marker="*", ms=12, mfc="gold", mec="k", mew=0.8, ls="none", zorder=6)
PAPER_LINE = dict(color=PAPER_COLOR, lw=1.0, ls=(0, (6, 2, 1, 2)), zorder=1.5)
PAPER_BAND = dict(color="0.8", alpha=0.6, lw=0, zorder=0.5)


def paper_point(ax, x, y, label: str | None = "paper", **style):
    """The paper's stated value(s) at (x, y): a gold star outlined in black."""
    return ax.plot(np.atleast_1d(x), np.atleast_1d(y), label=label, **(PAPER_MARKER | style))[0]


def paper_hline(ax, y: float, label: str | None = "paper", **style):
    """A value the paper states for the whole range of x (a benchmark, a bound, a limit)."""
    return ax.axhline(y, label=label, **(PAPER_LINE | style))


def paper_vline(ax, x: float, label: str | None = "paper", **style):
    """A position the paper states on the x axis (a threshold, a critical point)."""
    return ax.axvline(x, label=label, **(PAPER_LINE | style))


def paper_band(ax, lo: float, hi: float, label: str | None = "paper", vertical=False, **style):
    """A stated range (value ± tolerance) as a grey band across the axes."""
    span = ax.axvspan if vertical else ax.axhspan
    return span(lo, hi, label=label, **(PAPER_BAND | style))


def paper_line(ax, x, y, label: str | None = "paper", **style):
    """A curve the paper gives in closed form or a fitted law (β N^α with the paper's α, β)."""
    return ax.plot(x, y, label=label, **(PAPER_LINE | style))[0]


def paper_law(ax, x, y, power: float, label: str | None = "paper", **style):
    """A scaling law the paper states (∝ x^power), drawn through our point at the largest x."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    i = int(np.argmax(np.where(ok, x, -np.inf)))
    xs = np.linspace(x[ok].min(), x[ok].max(), 50)
    return paper_line(ax, xs, y[i] * (xs / x[i]) ** power, label=label, **style)


def legend_right(ax, **kw):
    """A legend just outside the right edge of ``ax`` (needs ``layout="constrained"`` to make room)."""
    kw = {"loc": "center left", "bbox_to_anchor": (1.02, 0.5), "fontsize": 8} | kw
    return ax.legend(**kw)


def legend_panel(ax, handles, labels=None, **kw):
    """Turn ``ax`` into a legend holder: no axis, the legend centred in it (an empty panel)."""
    ax.set_axis_off()
    if labels is None:
        labels = [h.get_label() for h in handles]
    kw = {"loc": "center", "fontsize": 8, "frameon": False} | kw
    return ax.legend(handles, labels, **kw)


def panels_over_legends(plt, ncols: int, figsize, legend_height: float = 0.3, **kw):
    """A row of ``ncols`` panels over a row of empty panels that hold their legends.

    Returns (fig, axes, legend_axes); fill them with :func:`legends_below`. Legends never sit on
    data this way, whatever the curves do.
    """
    fig, grid = plt.subplots(
        2, ncols, figsize=figsize, layout="constrained", squeeze=False,
        gridspec_kw={"height_ratios": [1, legend_height]}, **kw,
    )  # fmt: skip
    for ax in grid[1]:
        ax.set_axis_off()
    return fig, list(grid[0]), list(grid[1])


def legends_below(axes, legend_axes, **kw):
    """Move each panel's legend entries into the empty panel below it."""
    for ax, holder in zip(axes, legend_axes, strict=True):
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            legend_panel(holder, handles, labels, **({"loc": "upper center"} | kw))


def figure_legend(fig, handles=None, labels=None, where="lower center", **kw):
    """One legend for all panels, outside the axes on the figure's edge (``layout="constrained"``)."""
    if handles is None:
        handles, labels = [], []
        for ax in fig.get_axes():
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
    elif labels is None:
        labels = [h.get_label() for h in handles]
    kw = {"loc": f"outside {where}", "fontsize": 8, "ncol": min(len(handles), 4) or 1} | kw
    return fig.legend(handles, labels, **kw)


# =============================================================================== the checker

#: Line length (in pixels) or number of markers of one artist that may fall under a legend or
#: inset: a curve that only grazes a frame is not hidden.
GRAZE_PIXELS = 6.0
GRAZE_MARKERS = 0
_PANEL = re.compile(r"^\s*\(([a-z])\)")


def raw_script(text: str) -> str | None:
    """The first ``_`` or ``^`` of ``text`` outside ``$...$`` (mathtext), or None."""
    parts = re.split(r"(?<!\\)\$", text)
    for k, part in enumerate(parts):
        if k % 2 == 0:  # outside math
            m = re.search(r"[_^]", part)
            if m:
                return part[max(0, m.start() - 6) : m.end() + 6]
    return None


def is_colorbar(ax) -> bool:
    return getattr(ax, "_colorbar", None) is not None


def _visible_axes(fig):
    out = []
    for ax in fig.get_axes():
        for a in (ax, *getattr(ax, "child_axes", ())):
            if a.get_visible() and a.axison and a not in out:
                out.append(a)
    return out


def _shared_has_label(ax, which: str, axes) -> bool:
    group = ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()
    for other in axes:
        if other is ax or not group.joined(ax, other):
            continue
        label = other.get_xlabel() if which == "x" else other.get_ylabel()
        if label.strip():
            return True
    return False


def _densify(xy: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` pixels along the polyline ``xy`` (display coordinates)."""
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if len(xy) < 2:
        return xy
    pieces = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / step))
        s = np.linspace(0.0, 1.0, n + 1)[1:, None]
        pieces.append(a + s * (b - a))
    return np.concatenate(pieces)


def _artist_points(ax, artist, step: float):
    """(points, kind) of one plotted artist in display coordinates: kind 'line' (sampled every
    ``step`` px), 'markers', 'area' (a Bbox: images and meshes fill it) or 'paths' (filled paths:
    fill_between, contourf)."""
    from matplotlib.collections import Collection, LineCollection, PathCollection, QuadMesh
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D

    if not artist.get_visible():
        return None, None
    if isinstance(artist, Line2D):
        xy = artist.get_transform().transform(np.asarray(artist.get_xydata(), dtype=float))
        style = artist.get_linestyle()
        if style not in ("None", "none", "", " ") and artist.get_linewidth() > 0:
            return _densify(xy, step), "line"
        if artist.get_marker() not in (None, "None", "none", "", " "):
            return xy[np.all(np.isfinite(xy), axis=1)], "markers"
        return None, None
    if isinstance(artist, QuadMesh | AxesImage):
        return artist.get_window_extent(), "area"
    if isinstance(artist, PathCollection):  # scatter
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        if len(offsets) == 0:
            return None, None
        xy = artist.get_offset_transform().transform(offsets)
        return xy[np.all(np.isfinite(xy), axis=1)], "markers"
    if isinstance(artist, LineCollection):
        tr = artist.get_transform()
        pts = [_densify(tr.transform(p.vertices), step) for p in artist.get_paths()
               if len(p.vertices)]  # fmt: skip
        return (np.concatenate(pts) if pts else None), "line"
    if isinstance(artist, Collection):  # fill_between, contourf, ...
        tr = artist.get_transform()
        return [tr.transform_path(p) for p in artist.get_paths() if len(p.vertices)], "paths"
    return None, None


def _plotted(ax):
    return list(ax.lines) + list(ax.collections) + list(ax.images)


def _overlaps(box, ax, renderer, name: str, step: float = 2.0) -> list[str]:
    """What of ``ax``'s plotted data lies inside the display box ``box``."""
    from matplotlib.transforms import Bbox

    problems = []
    axbox = ax.get_window_extent(renderer)
    clip = Bbox.intersection(box, axbox)
    if clip is None or clip.width <= 1 or clip.height <= 1:
        return problems
    for artist in _plotted(ax):
        pts, kind = _artist_points(ax, artist, step)
        if pts is None:
            continue
        label = artist.get_label() or type(artist).__name__
        if kind == "area":
            inter = Bbox.intersection(pts, clip)
            if inter is not None and inter.width > 2 and inter.height > 2:
                problems.append(f"{name} covers the filled area {label!r}")
            continue
        if kind == "paths":
            if any(p.intersects_bbox(clip, filled=True) for p in pts):
                problems.append(f"{name} covers the filled area {label!r}")
            continue
        if len(pts) == 0:
            continue
        inside = (
            (pts[:, 0] > clip.x0)
            & (pts[:, 0] < clip.x1)
            & (pts[:, 1] > clip.y0)
            & (pts[:, 1] < clip.y1)
        )
        count = int(inside.sum())
        limit = GRAZE_PIXELS / step if kind == "line" else GRAZE_MARKERS
        if count > limit:
            what = f"{count * step:.0f} px of" if kind == "line" else f"{count} markers of"
            problems.append(f"{name} covers {what} {label!r}")
    return problems


def _text_overlaps(box, ax, renderer) -> list[str]:
    """Which of ``ax``'s title and axis labels the display box ``box`` overlaps."""
    from matplotlib.transforms import Bbox

    texts = [("the title", t) for t in (ax.title, ax._left_title, ax._right_title)]
    texts += [("the x label", ax.xaxis.label), ("the y label", ax.yaxis.label)]
    out = []
    for what, text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        inter = Bbox.intersection(box, text.get_window_extent(renderer))
        if inter is not None and inter.width > 1 and inter.height > 1:
            out.append(what)
    return out


def _title(ax) -> str:
    return " | ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)


def figure_problems(fig) -> list[str]:
    """Everything that makes ``fig`` hard to read, as sentences (empty: the figure is fine).

    * every visible axes (not a colorbar) has an x and a y label, unless it shares that axis
      with an axes that has one; a colorbar has a label;
    * no ``_`` or ``^`` outside mathtext in labels, titles, legend entries or the suptitle;
    * no legend and no inset on top of the plotted data of any axes (lines sampled every 2 px,
      markers, filled areas and images), nor on a title or an axis label;
    * no panel letter "(x)" twice among the titles.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    problems: list[str] = []
    axes = _visible_axes(fig)
    texts: list[tuple[str, str]] = []
    letters: dict[str, int] = {}
    if fig._suptitle is not None:
        texts.append(("suptitle", fig._suptitle.get_text()))
    for i, ax in enumerate(axes):
        where = f"axes {i} ({_title(ax) or 'untitled'})"
        if is_colorbar(ax):
            cb_label = ax.get_ylabel() or ax.get_xlabel()
            if not cb_label.strip():
                problems.append(f"{where}: colorbar without a label")
            texts.append((f"{where} colorbar label", cb_label))
            continue
        for which in ("x", "y"):
            label = ax.get_xlabel() if which == "x" else ax.get_ylabel()
            if not label.strip() and not _shared_has_label(ax, which, axes):
                problems.append(f"{where}: no {which} label")
            texts.append((f"{where} {which} label", label))
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc)
            texts.append((f"{where} title", title))
            m = _PANEL.match(title)
            if m:
                letters[m.group(1)] = letters.get(m.group(1), 0) + 1
    legends = [(f"legend of axes {i}", ax.get_legend()) for i, ax in enumerate(axes)]
    legends += [(f"figure legend {k}", leg) for k, leg in enumerate(fig.legends)]
    covers = []
    for name, leg in legends:
        if leg is None or not leg.get_visible():
            continue
        texts += [(name, t.get_text()) for t in leg.get_texts()]
        covers.append((name, None, leg.get_window_extent(renderer)))
    for i, ax in enumerate(axes):
        for child in getattr(ax, "child_axes", []):
            if child.get_visible():
                covers.append((f"inset of axes {i}", child, child.get_tightbbox(renderer)))
    for name, owner, box in covers:
        for ax in axes:
            if ax is owner:
                continue
            problems += [f"{name} covers {p} of axes {axes.index(ax)} ({_title(ax) or 'untitled'})"
                         for p in _text_overlaps(box, ax, renderer)]  # fmt: skip
            if is_colorbar(ax):
                continue
            problems += [f"{p} in axes {axes.index(ax)} ({_title(ax) or 'untitled'})"
                         for p in _overlaps(box, ax, renderer, name)]  # fmt: skip
    for where, text in texts:
        bad = raw_script(text or "")
        if bad is not None:
            problems.append(f"{where}: raw _ or ^ outside mathtext in {bad!r}")
    problems += [f"panel letter ({k}) used {n} times" for k, n in letters.items() if n > 1]
    return problems
