"""Fits of a result file's summary quantity against a swept name (``qbattery fit``).

:func:`fit_file` reads a sweep file (:mod:`qbattery.result_data`), takes one summary quantity as
a function of one swept name and fits every slice of the other swept names separately (one fit per
value of N, say). Models:

* ``power`` (default): y = β x^α by least squares in log-log (:func:`qbattery.scaling.fit_power_law`,
  the fit of every reproduction target, Peng et al. Eq. B7): σ(α), σ(β) from the OLS covariance,
  R² and residuals of ln y;
* ``linear`` (a*x + b), ``exp`` (a*exp(b*x)) or any expression in ``x`` (or the swept name) with
  free parameters, ``"a*x^b + c"``, parsed by the spec files' whitelist parser and fitted by
  :func:`scipy.optimize.curve_fit` from ``p0`` ({name: value}; 1 by default): σ from the covariance
  scaled by the residual variance, R² and residuals of y.

Bad requests (an unknown quantity or name, too few points, non-positive data for a power law, a fit
that fails) raise :class:`qbattery.spec.SpecError` naming the option, which the CLI prints as one line.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbattery.result_data import ResultData, open_result, parse_at
from qbattery.scaling import NAMED_MODELS, fit_curve, fit_power_law, parse_model
from qbattery.spec import SpecError

POWER = "power"
POWER_EXPRESSION = "beta*x^alpha"
MODELS = (POWER, *NAMED_MODELS)


@dataclass(frozen=True)
class Fit:
    """One fitted slice: ``quantity`` ≈ ``expression`` in x = ``against``, at the other swept
    names' values ``where``; ``params`` and their standard errors ``errors``. ``residual_space``
    says where R² and the residuals are measured ("ln y" for the power law, else "y")."""

    quantity: str
    against: str
    model: str
    expression: str
    where: dict[str, float]
    params: dict[str, float]
    errors: dict[str, float]
    n: int
    x_min: float
    x_max: float
    r_squared: float
    rms_residual: float
    max_residual: float
    residual_space: str
    x: np.ndarray = field(repr=False, compare=False)
    y: np.ndarray = field(repr=False, compare=False)
    dropped: int = 0  # points without a finite value (failed runs, undefined summaries)
    law: object = field(default=None, repr=False, compare=False)  # the scaling fit object

    def __call__(self, x) -> np.ndarray:
        """The fitted law at ``x``."""
        return self.law(x)

    def as_dict(self) -> dict:
        return {
            "quantity": self.quantity,
            "against": self.against,
            "model": self.model,
            "expression": self.expression,
            "where": self.where,
            "params": self.params,
            "errors": self.errors,
            "n": self.n,
            "x_min": self.x_min,
            "x_max": self.x_max,
            "r_squared": self.r_squared,
            "rms_residual": self.rms_residual,
            "max_residual": self.max_residual,
            "residual_space": self.residual_space,
            "dropped": self.dropped,
            "x": self.x.tolist(),
            "y": self.y.tolist(),
        }


def parse_range(text: str | None) -> tuple[float | None, float | None]:
    """``"lo:hi"``, ``"lo:"`` or ``":hi"`` (inclusive) → (lo, hi); None → no limits."""
    if text is None:
        return None, None
    lo_text, sep, hi_text = text.partition(":")
    try:
        lo = float(lo_text) if lo_text.strip() else None
        hi = float(hi_text) if hi_text.strip() else None
    except ValueError:
        lo = hi = float("nan")
    bad = [v for v in (lo, hi) if v is not None and not np.isfinite(v)]
    if not sep or bad:
        raise SpecError("--range", f"expected lo:hi, lo: or :hi with numbers, got {text!r}")
    if lo is not None and hi is not None and lo > hi:
        raise SpecError("--range", f"lo > hi in {text!r}")
    return lo, hi


def parse_p0(text: str | None) -> dict[str, float]:
    """``"a=1,b=2"`` → {"a": 1.0, "b": 2.0}."""
    return parse_at([item for item in (text or "").split(",") if item.strip()], "--p0")


def fit_file(
    path: str | Path,
    quantity: str,
    against: str,
    model: str = POWER,
    x_range: tuple[float | None, float | None] = (None, None),
    p0: dict[str, float] | None = None,
) -> list[Fit]:
    """Fit ``quantity`` against the swept name ``against`` in the file at ``path``, one
    :class:`Fit` per slice of the other swept names (in grid order). ``x_range``: (lo, hi),
    inclusive, None for no limit; ``p0``: initial guesses for a model's parameters."""
    data = open_result(path)
    return fit_data(data, quantity, against, model, x_range, p0)


def fit_data(
    data: ResultData,
    quantity: str,
    against: str,
    model: str = POWER,
    x_range: tuple[float | None, float | None] = (None, None),
    p0: dict[str, float] | None = None,
) -> list[Fit]:
    """:func:`fit_file` on a file already read."""
    if not data.is_sweep:
        raise SpecError("--against", f"{data.path.name} is a single run: fit needs a sweep file")
    quantity = data.quantity(quantity, "--quantity", kinds=("summary",))
    dim = data.dim(against, "--against")
    values = data.ds[quantity]
    if dim not in values.dims:
        raise SpecError("--quantity", f"{quantity!r} does not vary with {against!r}")
    x_all = data.coord(dim)
    if x_all.dtype.kind not in "iuf":
        raise SpecError("--against", f"{against!r} has no numeric values")
    x_all = x_all.astype(float)
    curve = None
    if model.strip() != POWER:
        try:
            curve = parse_model(model, aliases=(dim, against))
        except ValueError as err:
            raise SpecError("--model", str(err)) from None
        unknown = sorted(set(p0 or {}) - set(curve.params))
        if unknown:
            raise SpecError("--p0", f"{', '.join(unknown)} not in the model's parameters "
                            f"({', '.join(curve.params)})")  # fmt: skip
    elif p0:
        raise SpecError("--p0", "the power law is fitted in closed form (log-log least squares); "
                        "--p0 is for the other models")  # fmt: skip
    others = [d for d in values.dims if d != dim]
    fits = []
    for index in itertools.product(*(range(data.ds.sizes[d]) for d in others)):
        where = {d: _plain(data.coord(d)[i]) for d, i in zip(others, index, strict=True)}
        y_all = np.asarray(values.isel(dict(zip(others, index, strict=True))).values, float)
        fits.append(_fit_slice(quantity, against, model, where, x_all, y_all, x_range, curve, p0))
    return fits


def _fit_slice(quantity, against, model, where, x_all, y_all, window, curve, p0) -> Fit:
    lo, hi = window
    inside = np.ones(len(x_all), dtype=bool)
    if lo is not None:
        inside &= x_all >= lo
    if hi is not None:
        inside &= x_all <= hi
    finite = np.isfinite(y_all)
    keep = inside & finite
    x, y = x_all[keep], y_all[keep]
    order = np.argsort(x)
    x, y = x[order], y[order]
    what = f"{quantity} vs {against}" + "".join(f", {k}={v:g}" for k, v in where.items())
    needed = 2 if curve is None else len(curve.params)
    if len(x) < needed:
        span = "" if lo is None and hi is None else f" in the range {_range_text(lo, hi)}"
        missing = int((inside & ~finite).sum())
        extra = f" ({missing} without a value)" if missing else ""
        option = "--range" if span else ("--model" if len(x) >= 2 else "--against")
        raise SpecError(option,
                        f"{what}: {len(x)} point(s){span}{extra}; the fit needs at least "
                        f"{needed}")  # fmt: skip
    dropped = int((inside & ~finite).sum())
    if curve is None:
        bad = (x <= 0) | (y <= 0)
        if bad.any():
            shown = ", ".join(f"({a:g}, {b:g})" for a, b in zip(x[bad], y[bad], strict=True))
            raise SpecError("--model", f"{what}: a power law needs positive x and y; not at "
                            f"{shown} (use --range or another --model)")  # fmt: skip
        try:
            law = fit_power_law(x, y)
        except ValueError as err:
            raise SpecError("--model", f"{what}: {err}") from None
        return Fit(
            quantity, against, POWER, POWER_EXPRESSION, where,
            {"alpha": law.alpha, "beta": law.beta}, {"alpha": law.alpha_se, "beta": law.beta_se},
            law.n, law.x_min, law.x_max, law.r_squared, law.rms_residual, law.max_residual,
            "ln y", x, y, dropped, law,
        )  # fmt: skip
    try:
        law = fit_curve(curve, x, y, p0)
    except ValueError as err:
        raise SpecError("--model", f"{what}: {err}") from None
    return Fit(
        quantity, against, model.strip(), curve.text, where, law.params, law.errors, law.n,
        law.x_min, law.x_max, law.r_squared, law.rms_residual, law.max_residual, "y", x, y,
        dropped, law,
    )  # fmt: skip


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return float(value) if isinstance(value, int | float) else value


def _range_text(lo, hi) -> str:
    return f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


def write_json(fits: list[Fit], path: str | Path, source: str | Path | None = None) -> Path:
    """The fits as JSON (parameters, errors, quality, the points), written atomically."""
    from qbattery.result import atomic_write

    path = Path(path)
    payload = {"source": None if source is None else str(source),
               "fits": [f.as_dict() for f in fits]}  # fmt: skip
    text = json.dumps(_finite_or_none(payload), indent=1, allow_nan=False)
    atomic_write(path, lambda tmp: tmp.write_text(text))
    return path


def _finite_or_none(value):
    """nan and inf as null: strict JSON has no such numbers."""
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def describe(value: float, error: float) -> str:
    """``1.5012 ± 0.0031`` (the error to 2 significant digits, the value to the same place)."""
    if not np.isfinite(error):
        return f"{value:.6g} ± nan"
    if error == 0:
        return f"{value:.12g} ± 0"
    digits = max(0, 1 - int(np.floor(np.log10(abs(error)))))
    if digits > 12:
        return f"{value:.12g} ± {error:.2g}"
    return f"{value:.{digits}f} ± {error:.2g}"
