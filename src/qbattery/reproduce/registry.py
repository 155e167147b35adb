"""The registry of reproduction targets: each paper figure or table as a named, runnable function.

A target is a function ``f(ctx) -> TargetOutput`` registered with :func:`target`. The framework
writes ``DIR/NAME.png`` (the figure) and ``DIR/NAME.json`` (the plotted data and the
paper-vs-ours ``rows``), both atomically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qbattery import __version__
from qbattery.result import atomic_write


@dataclass
class Row:
    """One number the paper states, next to ours."""

    quantity: str
    paper: float | str | None
    ours: float | str | None
    note: str = ""


@dataclass
class TargetOutput:
    figure: object  # a matplotlib Figure
    data: dict
    rows: list[Row] = field(default_factory=list)


@dataclass
class Context:
    """What a target gets: whether to run the quick version, and a progress wrapper."""

    quick: bool = False
    progress: Callable[[Iterable, str], Iterable] = lambda items, description="": items


@dataclass(frozen=True)
class Target:
    name: str
    paper: str
    description: str
    func: Callable[[Context], TargetOutput]


TARGETS: dict[str, Target] = {}


def target(name: str, paper: str, description: str):
    """Register a reproduction target (decorator)."""

    def wrap(func: Callable[[Context], TargetOutput]):
        if name in TARGETS:
            raise ValueError(f"duplicate reproduction target {name!r}")
        TARGETS[name] = Target(name, paper, description, func)
        return func

    return wrap


def jsonable(value):
    """Numpy arrays and scalars → lists and floats; NaN/inf → None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, complex):
        return {"re": jsonable(value.real), "im": jsonable(value.imag)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_output(name: str, output: TargetOutput, out_dir: Path) -> tuple[Path, Path]:
    """Write NAME.png and NAME.json into ``out_dir``."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    png, js = out_dir / f"{name}.png", out_dir / f"{name}.json"
    atomic_write(png, lambda tmp: output.figure.savefig(tmp, dpi=130, format="png"))
    plt.close(output.figure)
    payload = {
        "target": name,
        "paper": TARGETS[name].paper if name in TARGETS else None,
        "qbattery_version": __version__,
        "data": output.data,
        "rows": [asdict(r) for r in output.rows],
    }
    atomic_write(js, lambda tmp: tmp.write_text(json.dumps(jsonable(payload), indent=1)))
    return png, js


def load_all() -> dict[str, Target]:
    """Import every module of :mod:`qbattery.reproduce` so that their targets register."""
    return load_for(None)


def load_for(names: Iterable[str] | None) -> dict[str, Target]:
    """Import the modules that register the targets ``names`` (all modules for None): a target
    PAPER-WHAT lives in a module whose name starts with PAPER (``peng2021-table1`` in
    ``peng2021_scaling``), so running one target does not import every paper's code."""
    import importlib
    import pkgutil

    import qbattery.reproduce as package

    papers = None if names is None else {name.split("-")[0] for name in names}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "registry" or info.name.startswith("_"):
            continue
        if papers is None or any(info.name.startswith(paper) for paper in papers):
            importlib.import_module(f"qbattery.reproduce.{info.name}")
    return TARGETS
