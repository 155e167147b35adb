"""The picture of an optimisation: objective per trial with the running best, and for one or
two varied names the sampled points coloured by the objective, the best one marked.

matplotlib directly: optuna's own visualization module needs plotly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qbattery.optimize import OptimizeResult


def search_figure(result: OptimizeResult):
    """A matplotlib figure of ``result`` (one panel, or two for one or two varied names)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.space)
    scatter = len(names) <= 2
    fig, axes = plt.subplots(1, 2 if scatter else 1, figsize=(11 if scatter else 6, 4.2),
                             squeeze=False, layout="constrained")  # fmt: skip
    complete = [r for r in result.trials if r["state"] == "complete"]
    failed = [r for r in result.trials if r["state"] == "failed"]
    _history(axes[0, 0], result, complete, failed)
    if scatter and complete:
        _points(fig, axes[0, 1], result, names, complete)
    elif scatter:
        axes[0, 1].set_axis_off()
    return fig


def _history(ax, result: OptimizeResult, complete: list[dict], failed: list[dict]) -> None:
    x = np.array([r["number"] for r in complete], float)
    y = np.array([r["value"] for r in complete], float)
    ax.plot(x, y, "o", ms=4, color="tab:blue", label="trial")
    if len(y):
        running = np.maximum.accumulate(y) if result.maximize else np.minimum.accumulate(y)
        ax.step(x, running, where="post", color="tab:orange", label="best so far")
    if failed:
        bottom = np.nanmin(y) if len(y) else 0.0
        ax.plot([r["number"] for r in failed], [bottom] * len(failed), "x", color="tab:red",
                label="failed")  # fmt: skip
    ax.set_xlabel("trial")
    ax.set_ylabel(_axis(result.objective))
    ax.set_title("search history", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)


def _points(fig, ax, result: OptimizeResult, names: list[str], complete: list[dict]) -> None:
    values = np.array([r["value"] for r in complete], float)
    best = result.best_params
    kinds = {n: "log" if text.startswith("log:") else "" for n, text in result.space.items()}
    first = np.array([r["params"][names[0]] for r in complete], float)
    if len(names) == 1:
        points = ax.scatter(first, values, c=values, cmap="viridis", s=18)
        ax.plot([best[names[0]]], [result.best_value], "*", ms=14, color="tab:red", mec="k")
        ax.set_ylabel(_axis(result.objective))
    else:
        second = np.array([r["params"][names[1]] for r in complete], float)
        points = ax.scatter(first, second, c=values, cmap="viridis", s=18)
        ax.plot([best[names[0]]], [best[names[1]]], "*", ms=14, color="tab:red", mec="k")
        ax.set_ylabel(_axis(names[1]))
        if kinds[names[1]]:
            ax.set_yscale("log")
    if kinds[names[0]]:
        ax.set_xscale("log")
    ax.set_xlabel(_axis(names[0]))
    ax.set_title("sampled points (star: best)", loc="left")
    fig.colorbar(points, ax=ax, label=_axis(result.objective))


GREEK = {"alpha", "beta", "gamma", "Gamma", "delta", "Delta", "epsilon", "theta", "kappa",
         "lambda", "mu", "nu", "phi", "chi", "omega", "Omega"}  # fmt: skip


def _axis(name: str) -> str:
    """``omega_d`` → ``$\\omega_{d}$``, ``ergotropy_max`` → upright words; a dotted spec path
    stays as written."""
    if "." in name:
        return name

    def word(w: str) -> str:
        return "\\" + w if w in GREEK else w if len(w) == 1 else f"\\mathrm{{{w}}}"

    base, _, sub = name.partition("_")
    sub = ",".join(word(w) for w in sub.split("_")) if sub else ""
    return f"${word(base)}_{{{sub}}}$" if sub else f"${word(base)}$"


def plot_search(result: OptimizeResult, path: str | Path) -> Path:
    """Write the figure of ``result`` to ``path`` (PNG, or any format matplotlib knows by the
    suffix); the file appears only once complete."""
    import matplotlib.pyplot as plt

    from qbattery.result import atomic_write

    path = Path(path)
    fig = search_figure(result)
    fmt = path.suffix.lstrip(".").lower() or "png"
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=120))
    finally:
        plt.close(fig)
    return path
