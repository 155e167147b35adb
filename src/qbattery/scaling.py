"""Power-law fits y ≈ β x^α by linear least squares in log-log (Peng et al. 2021, Eqs. B6-B7).

``ln y = α ln x + ln β`` is fitted by ordinary least squares; the standard errors are the usual
OLS ones, from the residual variance s² = RSS/(n − 2):

* se(α) = s / √Sxx, with Sxx = Σ (ln x_i − mean ln x)²;
* se(ln β) = s √(1/n + mean(ln x)²/Sxx), and se(β) = β se(ln β) (first order).

With exact power-law data the residuals vanish and so do the errors. The fit is unweighted in
log space, i.e. it treats every point's *relative* error alike, as the paper's fits do.

>>> fit = fit_power_law([1, 2, 4, 8], [3, 6 * 2**0.5, 24, 48 * 2**0.5])
>>> round(fit.alpha, 12), round(fit.beta, 12)
(1.5, 3.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["PowerLawFit", "fit_power_law", "fit_window", "local_exponents"]


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
