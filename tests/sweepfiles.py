"""Result files for the fit and plot tests: real sweep files written by ``qbattery.sweep`` whose
points come from formulas instead of simulations (every expected value is known in closed form,
and a whole sweep costs milliseconds), and real single runs of a tiny central-spin battery."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).parent.parent / "examples"


def base_spec() -> dict:
    """examples/central_spin.toml on a 21-point grid: parameters B, h, A, Delta; system.spins
    is sweepable too."""
    from qbattery.spec import load_spec

    spec = load_spec(EXAMPLES / "central_spin.toml").to_dict()
    spec.pop("qbattery_version", None)
    spec["time"] = {"t_max": 2.0, "points": 21}  # small files: the series are not the point here
    return spec


def synthetic_sweep(
    path: Path,
    over: list[tuple[str, list]],
    summary: Callable[[dict], dict],
    series: Callable[[dict, np.ndarray], dict] | None = None,
) -> Path:
    """A sweep file over ``over`` whose point with spec s has ``summary(s)`` and series
    ``series(s, t)`` (t from the spec's time grid; default: one series, energy = N_B sin²t)."""

    def default_series(spec: dict, t: np.ndarray) -> dict:
        return {"energy": spec["system"]["spins"] * np.sin(t) ** 2}

    make_series = series or default_series

    def run_point(spec: dict) -> dict:
        t = np.linspace(0.0, spec["time"]["t_max"], spec["time"]["points"])
        return {"t": t, "series": make_series(spec, t), "summary": summary(spec), "info": {},
                "warnings": []}  # fmt: skip

    from qbattery.sweep import sweep

    sweep(base_spec(), over, path, run_point=run_point)
    return path


def tiny_run(path: Path) -> Path:
    """One real run (N_B = 1, N = 2 central spin, 41 points) saved as .nc or .json."""
    import qbattery

    spec = base_spec()
    spec["system"] = {"spins": 1, "bath_spins": 2}
    spec["initial"]["charger"] = {"dicke": 2}
    spec["time"] = {"t_max": 2.0, "points": 41}
    qbattery.simulate(spec).save(path)
    return path
