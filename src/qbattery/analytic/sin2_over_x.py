"""The constant max_{x>0} sin²(x)/x and the function sin²(x)/x.

sin²(x)/x is the dimensionless shape of the average power of a two-level (or swap-like)
charging process: Peng et al., PRA 103, 052220 (2021), Eqs. 13, 30 (the central-spin battery,
:mod:`qbattery.analytic.central_spin`), Yan et al. 2026, Eq. 7
(:mod:`qbattery.analytic.holstein_primakoff`) and the Bloch precession benchmark
(:mod:`qbattery.analytic.bloch_precession`) all reach P_max through its maximum.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def _solve_tan_x_eq_2x() -> float:
    """First positive root of ``tan x = 2 x`` (stationary point of ``sin^2(x)/x``).

    ``d/dx [sin^2 x / x] = sin x (2 x cos x - sin x) / x^2`` vanishes for ``sin x = 2 x cos x``.
    Newton iteration on ``f(x) = sin x - 2 x cos x`` from x = 1.17 converges in a few steps.
    """
    x = 1.17
    for _ in range(60):
        f = math.sin(x) - 2.0 * x * math.cos(x)
        fp = 2.0 * x * math.sin(x) - math.cos(x)
        step = f / fp
        x -= step
        if abs(step) < 1e-16:
            break
    return x


#: argmax of ``sin^2(x)/x`` on x > 0: the first positive root of ``tan x = 2x``
#: (1.1655611852072113...).  The paper (Sec. III C, after Eq. 30) rounds it to 1.16.
SIN2_OVER_X_ARGMAX: float = _solve_tan_x_eq_2x()

#: ``max_{x>0} sin^2(x)/x = 4 x*/(1 + 4 x*^2)`` = 0.7246113537767085...  The paper
#: (Eqs. 15, 31 and the text after Eq. 30) rounds it to 0.72.
SIN2_OVER_X_MAX: float = 4.0 * SIN2_OVER_X_ARGMAX / (1.0 + 4.0 * SIN2_OVER_X_ARGMAX**2)


def sin2_over_x(x: ArrayLike) -> np.ndarray:
    """``sin^2(x)/x`` with the removable value 0 at ``x = 0``.

    This is the dimensionless shape of the average power in Peng et al. Eqs. 13, 30 and in
    Yan et al. Eq. 7.
    """
    x = np.asarray(x, dtype=float)
    # sin^2(x)/x = x * sinc(x/pi)^2, finite at 0
    return x * np.sinc(x / np.pi) ** 2
