"""Power-law fits y ≈ β x^α by linear least squares in log-log (Peng et al. 2021, Eqs. B6-B7).

``ln y = α ln x + ln β`` is fitted by ordinary least squares; the standard errors are the usual
OLS ones, from the residual variance s² = RSS/(n − 2):

* se(α) = s / √Sxx, with Sxx = Σ (ln x_i − mean ln x)²;
* se(ln β) = s √(1/n + mean(ln x)²/Sxx), and se(β) = β se(ln β) (first order).

With exact power-law data the residuals vanish and so do the errors. The fit is unweighted in
log space, i.e. it treats every point's *relative* error alike, as the paper's fits do.

Other laws are small expressions in ``x`` with free parameters (``"a*x^b + c"``), parsed by the
spec files' whitelist parser (:mod:`qbattery.expr`, never ``eval``) and fitted by nonlinear least
squares (:func:`scipy.optimize.curve_fit`): :func:`parse_model`, :func:`fit_curve`.

>>> fit = fit_power_law([1, 2, 4, 8], [3, 6 * 2**0.5, 24, 48 * 2**0.5])
>>> round(fit.alpha, 12), round(fit.beta, 12)
(1.5, 3.0)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = [
    "CurveFit",
    "Model",
    "PowerLawFit",
    "fit_curve",
    "fit_offset_power_law",
    "fit_power_law",
    "fit_window",
    "local_exponents",
    "parse_model",
]


@dataclass(frozen=True)
class PowerLawFit:
    """Result of :func:`fit_power_law`: y ≈ β x^α over ``n`` points with x in [x_min, x_max]."""

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    ln_beta: float
    ln_beta_se: float
    n: int
    x_min: float
    x_max: float
    rms_residual: float  # root mean square of ln y − (α ln x + ln β)
    max_residual: float  # largest |ln y − (α ln x + ln β)|
    r_squared: float = float("nan")  # 1 − RSS/TSS of ln y (nan when every ln y is the same)

    def __call__(self, x) -> np.ndarray:
        """The fitted law β x^α at ``x``."""
        return self.beta * np.asarray(x, dtype=float) ** self.alpha

    def as_dict(self) -> dict:
        return asdict(self)

    def slope_weights(self, x) -> np.ndarray:
        """w_i with α = Σ w_i ln y_i for these x (so |δα| ≤ Σ|w_i| · max|δ ln y_i|)."""
        lx = np.log(np.asarray(x, dtype=float))
        d = lx - lx.mean()
        return d / np.dot(d, d)


def fit_power_law(x, y) -> PowerLawFit:
    """Least-squares fit of ln y = α ln x + ln β (Peng et al. Eq. B7).

    ``x`` and ``y`` must be positive and finite; at least two distinct x are needed (three for a
    finite standard error; with two points the errors are reported as nan).
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({len(x)} vs {len(y)})")
    if len(x) < 2:
        raise ValueError("a power-law fit needs at least two points")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a log-log fit needs positive x and y")
    lx, ly = np.log(x), np.log(y)
    mx, my = lx.mean(), ly.mean()
    dx = lx - mx
    sxx = float(np.dot(dx, dx))
    if sxx == 0:
        raise ValueError("a power-law fit needs at least two distinct x")
    alpha = float(np.dot(dx, ly - my) / sxx)
    ln_beta = float(my - alpha * mx)
    resid = ly - (alpha * lx + ln_beta)
    n = len(x)
    if n > 2:
        s2 = float(np.dot(resid, resid)) / (n - 2)
        alpha_se = float(np.sqrt(s2 / sxx))
        ln_beta_se = float(np.sqrt(s2 * (1.0 / n + mx**2 / sxx)))
    else:
        alpha_se = ln_beta_se = float("nan")
    beta = float(np.exp(ln_beta))
    tss = float(np.dot(ly - my, ly - my))
    return PowerLawFit(
        alpha=alpha,
        beta=beta,
        alpha_se=alpha_se,
        beta_se=beta * ln_beta_se,
        ln_beta=ln_beta,
        ln_beta_se=ln_beta_se,
        n=n,
        x_min=float(x.min()),
        x_max=float(x.max()),
        rms_residual=float(np.sqrt(np.mean(resid**2))),
        max_residual=float(np.max(np.abs(resid))),
        r_squared=1.0 - float(np.dot(resid, resid)) / tss if tss > 0 else float("nan"),
    )


def fit_window(x, y, lo: float | None = None, hi: float | None = None) -> PowerLawFit:
    """:func:`fit_power_law` over the points with lo ≤ x ≤ hi (both inclusive, None = open).

    Peng et al. fit N_B ∈ [20, 80] for N = 5, 10, 15 (after the energy saturates, Fig. 3) and
    N_B ∈ [1, 50] for N = 100, 200, 300 (Fig. 4).
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    keep = np.ones(len(x), dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    if keep.sum() < 2:
        raise ValueError(f"fewer than two points with {lo} ≤ x ≤ {hi}")
    return fit_power_law(x[keep], y[keep])


def local_exponents(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Local slopes d ln y / d ln x between neighbours: (geometric mid-points, slopes)."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    order = np.argsort(x)
    lx, ly = np.log(x[order]), np.log(y[order])
    return np.exp(0.5 * (lx[1:] + lx[:-1])), np.diff(ly) / np.diff(lx)


def fit_offset_power_law(x, y) -> dict:
    """y = a (x + x_0)^{−p}, least squares in ln y: p is the asymptotic exponent, x_0 the size
    below which y saturates (an empirical form; for x ≫ x_0 it is the plain power law). Used for
    the mean-field error against N (``yan2026-mf-convergence``); keys a, N0 (= x_0), p, p_err,
    max_log_residual."""
    from scipy.optimize import curve_fit

    x, ly = np.asarray(x, float), np.log(np.asarray(y, float))

    def law(n, log_a, n0, p):
        return log_a - p * np.log(n + n0)

    popt, pcov = curve_fit(
        law, x, ly, p0=(ly[0] + np.log(x[0]), 5.0, 1.0), bounds=([-50, 0, 0], [50, 1e4, 4])
    )
    err = np.sqrt(np.diag(pcov))
    resid = float(np.max(np.abs(ly - law(x, *popt))))
    return {"a": float(np.exp(popt[0])), "N0": float(popt[1]), "p": float(popt[2]),
            "p_err": float(err[2]), "max_log_residual": resid}  # fmt: skip


# --------------------------------------------------------------------------- user-chosen laws

#: Named laws: the expression each stands for (x is the swept variable).
NAMED_MODELS = {"linear": "a*x + b", "exp": "a*exp(b*x)"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Model:
    """y = f(x; p) from an expression: ``variable`` is x, ``params`` the free names in the order
    they first appear. Evaluation reuses :mod:`qbattery.expr` with x as a vectorized coefficient,
    so every construct a spec expression allows (``+ - * / ^``, sqrt, sin, cos, exp) works here."""

    text: str
    variable: str
    params: tuple[str, ...]
    expr: object = field(repr=False, compare=False)

    def __call__(self, x, *values) -> np.ndarray:
        """f at ``x`` for parameter ``values``; nan where it is undefined or complex."""
        from qbattery.expr import Coef, ExprError, OpSum

        x = np.asarray(x, dtype=float)
        xc = x.astype(complex)
        env = dict(zip(self.params, (float(v) for v in values), strict=True))
        env[self.variable] = OpSum.scalar(Coef(fn=lambda _t: xc))
        with np.errstate(all="ignore"):
            try:
                out = self.expr.evaluate(env).scalar_coef()(0.0)
            except (ExprError, ZeroDivisionError, OverflowError):
                return np.full(x.shape, np.nan)
            out = np.broadcast_to(np.asarray(out, dtype=complex), x.shape)
            complex_ = np.abs(out.imag) > 1e-12 * np.maximum(np.abs(out.real), 1e-300)
        return np.where(complex_ | ~np.isfinite(out.real), np.nan, out.real)


def parse_model(text: str, variable: str = "x", aliases: tuple[str, ...] = ()) -> Model:
    """A :class:`Model` from ``text`` (or a name of :data:`NAMED_MODELS`).

    ``aliases``: other names that also mean x (the swept name, e.g. ``N_B``). Raises ValueError
    with the reason (a construct outside the whitelist, ``t`` or ``i`` used, no free parameter).
    """
    from qbattery.expr import ExprError, parse

    text = NAMED_MODELS.get(text.strip(), text)
    try:
        expr = parse(text)
    except ExprError as err:
        raise ValueError(str(err)) from None
    means_x = {variable, *aliases}
    for reserved, why in (
        ("t", f"the variable is {variable}"),
        ("i", "complex laws cannot be fitted"),
    ):
        if reserved in expr.names and reserved not in means_x:
            raise ValueError(f"{reserved!r} cannot be used here ({why})")
    used_x = [n for n in means_x if n in expr.names]
    if len(used_x) > 1:
        raise ValueError(f"use one name for the variable, not {' and '.join(sorted(used_x))}")
    order = [m.group() for m in _IDENTIFIER.finditer(text.replace("^", "**"))]
    params = tuple(dict.fromkeys(n for n in order if n in expr.names and n not in means_x))
    if not params:
        raise ValueError(f"{text!r} has no free parameter to fit")
    return Model(text, used_x[0] if used_x else variable, params, expr)


@dataclass(frozen=True)
class CurveFit:
    """Result of :func:`fit_curve`: parameters, their standard errors (from the covariance of
    :func:`scipy.optimize.curve_fit`, scaled by the residual variance; nan when n equals the
    number of parameters) and the quality of the fit in y."""

    model: Model
    params: dict[str, float]
    errors: dict[str, float]
    n: int
    x_min: float
    x_max: float
    r_squared: float  # 1 − RSS/TSS of y (nan when every y is the same)
    rms_residual: float  # of y − f(x)
    max_residual: float

    def __call__(self, x) -> np.ndarray:
        return self.model(x, *self.params.values())


def fit_curve(model: Model, x, y, p0: dict[str, float] | None = None) -> CurveFit:
    """Least-squares fit of ``model`` to (x, y), starting from ``p0`` (1 for a parameter not given;
    the named laws start from their linearized fits). Raises ValueError when it cannot be done."""
    import warnings

    from scipy.optimize import OptimizeWarning, curve_fit

    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({len(x)} vs {len(y)})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    k = len(model.params)
    if len(x) < k:
        raise ValueError(f"{len(x)} point(s) cannot fix {k} parameters ({', '.join(model.params)})")
    start = {**_initial_guess(model, x, y), **(p0 or {})}
    guess = [float(start.get(p, 1.0)) for p in model.params]
    if not np.all(np.isfinite(model(x, *guess))):
        raise ValueError(f"the model is undefined at the initial guess {_show(model, guess)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)  # no covariance: errors are nan
        try:
            values, cov = curve_fit(model, x, y, p0=guess, maxfev=20_000)
        except (RuntimeError, ValueError) as err:
            raise ValueError(
                f"the fit did not converge from {_show(model, guess)} ({err})"
            ) from None
    fitted = model(x, *values)
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(fitted))):
        raise ValueError(f"the fit ran into undefined values from {_show(model, guess)}")
    cov = np.atleast_2d(cov)
    se = np.sqrt(np.abs(np.diag(cov))) if np.all(np.isfinite(np.diag(cov))) else np.full(k, np.nan)
    if len(x) == k:
        se = np.full(k, np.nan)  # an exact solve: nothing left to estimate the scatter from
    resid = y - fitted
    tss = float(np.dot(y - y.mean(), y - y.mean()))
    return CurveFit(
        model=model,
        params={p: float(v) for p, v in zip(model.params, values, strict=True)},
        errors={p: float(e) for p, e in zip(model.params, se, strict=True)},
        n=len(x),
        x_min=float(x.min()),
        x_max=float(x.max()),
        r_squared=1.0 - float(np.dot(resid, resid)) / tss if tss > 0 else float("nan"),
        rms_residual=float(np.sqrt(np.mean(resid**2))),
        max_residual=float(np.max(np.abs(resid))),
    )


def _initial_guess(model: Model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Linearized starting points for the named laws (exact for a straight line)."""
    if model.text == NAMED_MODELS["linear"] and len(x) >= 2 and np.ptp(x) > 0:
        a, b = np.polyfit(x, y, 1)
        return {"a": float(a), "b": float(b)}
    if model.text == NAMED_MODELS["exp"] and len(x) >= 2 and np.ptp(x) > 0 and np.all(y > 0):
        b, ln_a = np.polyfit(x, np.log(y), 1)
        return {"a": float(np.exp(ln_a)), "b": float(b)}
    return {}


def _show(model: Model, values) -> str:
    return ", ".join(f"{p}={v:.6g}" for p, v in zip(model.params, values, strict=True))
