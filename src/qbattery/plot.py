"""Figures of result files (``qbattery plot``) and of fits (``qbattery fit --plot``).

:func:`plot_file` picks the layout from what the file holds:

* a single run: the series over t, one panel each;
* one swept name: the series over t, one line per swept value (coloured by a colour map, with a
  colour bar), and the summary quantities over the swept name;
* two swept names: maps (pcolormesh) of the summary quantities over both, or, with ``over``, the
  summaries as lines over that name, one per value of the other;
* more: fix all but one or two with ``at`` ({name: value}), or it refuses, saying so.

Swept names with a single value count as fixed. Labels come from the files' CF attributes
(:meth:`qbattery.result_data.ResultData.label`). The format follows the suffix (PNG, SVG, PDF);
figures are written atomically. matplotlib is imported here only, with the Agg backend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qbattery.result_data import ResultData, mathtext, open_result
from qbattery.spec import SpecError

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: The summary quantities drawn when none are asked for (those the file has, in this order).
DEFAULT_SUMMARY = ("E_max", "P_max", "ergotropy_max", "tau_ergotropy")
MAX_COLUMNS = 3
CMAP = "viridis"


def figure_format(path: str | Path, option: str = "--output") -> str:
    """The matplotlib format for ``path``'s suffix, or a SpecError naming ``option``."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(option, f"unknown figure format {suffix or '(none)'!r}; use "
                        f"{', '.join(FORMATS)}")  # fmt: skip
    return FORMATS[suffix]


def save(fig, path: str | Path) -> Path:
    """Write ``fig`` in the format of ``path``'s suffix (atomically) and close it."""
    import matplotlib.pyplot as plt

    from qbattery.result import atomic_write

    path = Path(path)
    fmt = figure_format(path)
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=150))
    finally:
        plt.close(fig)
    return path


def plot_file(
    path: str | Path,
    output: str | Path | None = None,
    quantities: Sequence[str] | None = None,
    over: str | None = None,
    at: dict[str, float] | None = None,
) -> Path:
    """Draw the result file at ``path`` (see the module docstring) into ``output`` (default: the
    input's name with ``.png``); returns the path written."""
    output = Path(path).with_suffix(".png") if output is None else Path(output)
    figure_format(output)
    fig = figure(open_result(path), quantities, over, at)
    return save(fig, output)


def figure(
    data: ResultData,
    quantities: Sequence[str] | None = None,
    over: str | None = None,
    at: dict[str, float] | None = None,
):
    """The figure :func:`plot_file` writes, for a file already read."""
    data = _sorted(data)
    fixed = data.select(at or {})
    fixed.update({d: 0 for d in data.sweep_dims if data.ds.sizes[d] == 1 and d not in fixed})
    free = [d for d in data.sweep_dims if d not in fixed]
    over_dim = None if over is None else data.dim(over, "--over")
    if over_dim is not None and over_dim in fixed:
        raise SpecError("--over", f"{over!r} is fixed (by --at, or it has a single value)")
    series, summaries = _split(data, quantities)
    if len(free) > 2:
        names = ", ".join(data.sweep_name(d) for d in free)
        raise SpecError("--at", f"{len(free)} swept names ({names}): fix all but one or two "
                        "with --at NAME=value")  # fmt: skip
    if len(free) == 2 and series and quantities:
        raise SpecError("--quantity", f"{', '.join(series)}: series need one free swept name; "
                        "fix the other with --at NAME=value")  # fmt: skip
    plt = _plt()
    if not free:
        if quantities and summaries:
            raise SpecError("--quantity", f"{', '.join(summaries)}: one value per run, nothing "
                            f"to draw; series: {', '.join(data.series) or 'none'}")  # fmt: skip
        panels = [(_draw_series, q) for q in series or data.series]
        extra = {}
    elif len(free) == 1:
        panels = [(_draw_series_lines, q) for q in series] + [(_draw_summary, q) for q in summaries]
        extra = {"dim": free[0]}
    elif over_dim is not None:
        other = next(d for d in free if d != over_dim)
        panels = [(_draw_summary_lines, q) for q in summaries]
        extra = {"dim": over_dim, "color_dim": other}
    else:
        panels = [(_draw_map, q) for q in summaries]
        extra = {"dims": free}
    if not panels:
        raise SpecError("--quantity", "nothing to draw: the file has no such quantities")
    fig, axes = _grid(plt, len(panels))
    keyed = []  # the panels whose lines are coloured by a swept value: one colour bar for all
    for ax, (draw, name) in zip(axes, panels, strict=True):
        if draw(ax, data, name, fixed, **extra):
            keyed.append(ax)
    if keyed:
        key = extra.get("color_dim", extra.get("dim"))
        _colourbar(fig, keyed, *_colours(data.coord(key)), data.label(key))
    where = ", ".join(f"{data.sweep_name(d)} = {_number(data.coord(d)[i])}"
                      for d, i in fixed.items())  # fmt: skip
    fig.suptitle(mathtext(data.path.name + (f" ({where})" if where else "")), fontsize=10)
    return fig


# --------------------------------------------------------------------------- layouts


def _split(data: ResultData, quantities) -> tuple[list[str], list[str]]:
    if not quantities:
        summaries = [q for q in DEFAULT_SUMMARY if q in data.summary] or data.summary[:4]
        return list(data.series), summaries
    series, summaries = [], []
    for q in quantities:
        data.quantity(q, "--quantity")
        (series if q in data.series else summaries).append(q)
    return series, summaries


def _draw_series(ax, data: ResultData, name: str, fixed: dict) -> None:
    ax.plot(data.times(fixed), np.asarray(data.ds[name].isel(fixed).values, float), lw=1.2)
    _labels(ax, data, "t", name)


def _draw_series_lines(ax, data: ResultData, name: str, fixed: dict, dim: str) -> bool:
    values = data.coord(dim)
    cmap, norm = _colours(values)
    for i, v in enumerate(values):
        where = {**fixed, dim: i}
        y = np.asarray(data.ds[name].isel(where).values, float)
        ax.plot(data.times(where), y, lw=1.1, color=cmap(norm(float(v))))
    _labels(ax, data, "t", name)
    return True


def _draw_summary(ax, data: ResultData, name: str, fixed: dict, dim: str) -> None:
    x = data.coord(dim).astype(float)
    y = np.asarray(data.ds[name].isel(fixed).values, float)
    ax.plot(x, y, "o-", ms=4, lw=1.1)
    _log_if_geometric(ax, x)
    _labels(ax, data, dim, name)


def _draw_summary_lines(ax, data, name: str, fixed: dict, dim: str, color_dim: str) -> bool:
    x = data.coord(dim).astype(float)
    values = data.coord(color_dim)
    cmap, norm = _colours(values)
    for i, v in enumerate(values):
        y = np.asarray(data.ds[name].isel({**fixed, color_dim: i}).transpose(dim).values, float)
        ax.plot(x, y, "o-", ms=3, lw=1.0, color=cmap(norm(float(v))))
    _log_if_geometric(ax, x)
    _labels(ax, data, dim, name)
    return True


def _draw_map(ax, data: ResultData, name: str, fixed: dict, dims: list[str]) -> None:
    xd, yd = dims
    x, y = data.coord(xd).astype(float), data.coord(yd).astype(float)
    z = np.asarray(data.ds[name].isel(fixed).transpose(yd, xd).values, float)
    mesh = ax.pcolormesh(x, y, z, shading="nearest", cmap=CMAP)
    _log_if_geometric(ax, x)
    _log_if_geometric(ax, y, axis="y")
    _labels(ax, data, xd, None, ylabel=data.label(yd))
    ax.figure.colorbar(mesh, ax=ax, label=data.label(name))


# --------------------------------------------------------------------------- fits


def plot_fits(fits, path: str | Path, data: ResultData | None = None) -> Path:
    """Write :func:`fit_figure` to ``path`` (format by suffix)."""
    figure_format(path, "--plot")
    return save(fit_figure(fits, data), path)


def fit_figure(fits, data: ResultData | None = None):
    """Data and fitted law of every slice (log-log when all values are positive), each slice's
    parameters ± σ in the legend; points outside the fitted range (from ``data``) drawn open."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5.0 + 0.18 * len(fits)), layout="constrained")
    cmap, norm = _colours(np.arange(len(fits)))
    positive = all(np.all(f.x > 0) and np.all(f.y > 0) for f in fits)
    for k, f in enumerate(fits):
        colour = cmap(norm(k)) if len(fits) > 1 else "C0"
        if data is not None:
            xs, ys = _slice(data, f)
            ax.plot(xs, ys, "o", mfc="none", color=colour, ms=5, alpha=0.6)
        ax.plot(f.x, f.y, "o", color=colour, ms=5)
        grid = (np.geomspace if positive else np.linspace)(f.x_min, f.x_max, 200)
        ax.plot(grid, f(grid), "-", color=colour, lw=1.2, label=_fit_label(f))
    if positive:
        ax.set(xscale="log", yscale="log")
        _plain_log_ticks(ax)
    first = fits[0]
    if data is not None:
        _labels(ax, data, data.dim(first.against, "--against"), first.quantity)
    else:
        ax.set(xlabel=mathtext(first.against), ylabel=mathtext(first.quantity))
    law = r"$y = \beta\,x^{\alpha}$" if first.model == "power" else mathtext(first.expression)
    ax.set_title(mathtext(f"{first.quantity} vs {first.against}: ") + law, fontsize=10)
    fig.legend(
        loc="outside lower center", fontsize=8, frameon=False, ncol=1 if len(fits) < 4 else 2
    )
    return fig


def _fit_label(f) -> str:
    from qbattery.fit import describe

    symbols = {"alpha": r"\alpha", "beta": r"\beta"}
    parts = [rf"${symbols.get(p, _math_name(p))} = {describe(v, f.errors[p])}$"
             for p, v in f.params.items()]  # fmt: skip
    where = ", ".join(f"{k} = {_number(v)}" for k, v in f.where.items())
    r2 = "" if not np.isfinite(f.r_squared) else f", $R^2 = {f.r_squared:.5f}$"
    return mathtext(where + ": " if where else "") + ", ".join(parts) + r2


def _math_name(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _slice(data: ResultData, f) -> tuple[np.ndarray, np.ndarray]:
    dim = data.dim(f.against, "--against")
    where = data.select({k: v for k, v in f.where.items()}) if f.where else {}
    return data.coord(dim).astype(float), np.asarray(data.ds[f.quantity].isel(where).values, float)


# --------------------------------------------------------------------------- helpers


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _sorted(data: ResultData) -> ResultData:
    """The same data with every numeric swept coordinate increasing (lines drawn in order)."""
    dims = [d for d in data.sweep_dims if d in data.ds.coords and data.coord(d).dtype.kind in "iuf"]
    if not dims:
        return data
    return ResultData(data.path, data.ds.sortby(dims), data.sweep_dims, data.summary,
                      data.series, data.time_dim)  # fmt: skip


def _grid(plt, n: int):
    ncols = min(MAX_COLUMNS, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.3 * ncols, 3.3 * nrows),
                             layout="constrained", squeeze=False)  # fmt: skip
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def _labels(ax, data: ResultData, xname: str, yname: str | None, ylabel: str | None = None):
    ax.set_xlabel(data.label(xname) if xname in data.ds.variables else mathtext(xname))
    ax.set_ylabel(ylabel if yname is None else data.label(yname))


def _colours(values):
    import matplotlib

    values = np.asarray(values, dtype=float)
    lo, hi = float(np.min(values)), float(np.max(values))
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return matplotlib.colormaps[CMAP], matplotlib.colors.Normalize(lo, hi)


def _colourbar(fig, axes, cmap, norm, label: str) -> None:
    """One colour bar for ``axes`` (their lines share a colour map)."""
    import matplotlib

    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, ax=axes, label=label, shrink=0.9 if len(axes) > 1 else 1.0)


def _log_if_geometric(ax, x: np.ndarray, axis: str = "x") -> None:
    """Log scale for a grid of ≥ 3 positive values spaced geometrically over a decade or more."""
    x = np.sort(np.asarray(x, dtype=float))
    if len(x) < 3 or np.any(x <= 0) or x[-1] / x[0] < 10:
        return
    steps = np.diff(np.log(x))
    if np.allclose(steps, steps[0], rtol=1e-6):
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def _plain_log_ticks(ax) -> None:
    """Log axes labelled 1, 2, 5, 10, 20, ... in plain numbers (a range under a decade otherwise
    gets crowded 2×10⁰ labels or none)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())


def _number(value) -> str:
    value = value.item() if hasattr(value, "item") else value
    return f"{value:g}" if isinstance(value, int | float) else str(value)
