"""Classical precession of the Bloch vector about a static field: Yan et al.'s ideal benchmark.

Reference
---------
K.-X. Yan et al., "Spin-squeezing-enhanced charging for quantum Dicke batteries" (2026)
(``/work/shared/papers/000_633cfcdeb707b8dc.txt``), Eq. 12 with J_x = κ = γ = 0: the "ideal,
interaction-free" battery whose P_max the paper states with Fig. 4 (0.176 ω_a² at Ω_0 = 0.5 ω_a,
0.93 ω_a² at Ω_0 = 1.5 ω_a).

Then r = (u, v, w) = ⟨S⟩/S precesses about h = (Ω, 0, ω) (ω the precession frequency, ω_a in
Eq. 12) from the south pole (0, 0, −1); with λ = √(ω² + Ω²),

    w(t) + 1 = (Ω²/λ²)(1 − cos λt),

and with the paper's energy per spin length E = ω_a (w + 1) and P = E/t (ω_a = 1),

    max_t (w + 1)/t = f_max Ω²/λ,    f_max = max_x (1 − cos x)/x = 0.72461... at x = 2.33112...

Since (1 − cos x)/x = sin²(x/2)/(x/2), f_max is
:data:`~qbattery.analytic.sin2_over_x.SIN2_OVER_X_MAX` (attained at twice its argmax). Eq. 12 as printed (ω = ω_a) gives 0.1620 and 0.9044; the paper's
0.176 and 0.93 both follow from ω = 0.9 ω_a (:func:`precession_for_max_power`; see
docs/reproduction.md, Yan, mean field).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from qbattery.analytic.sin2_over_x import SIN2_OVER_X_MAX

__all__ = ["ideal_inversion", "ideal_max_power", "precession_for_max_power"]


def ideal_inversion(t: ArrayLike, Omega: float, precession: float = 1.0) -> np.ndarray:
    """w(t) = ⟨S_z⟩/S of Yan et al. Eq. 12 at J_x = κ = γ = 0 from w(0) = −1: the precession
    about (Ω, 0, ω), w + 1 = (Ω²/λ²)(1 − cos λt), λ = √(ω² + Ω²), ω = ``precession``."""
    t = np.asarray(t, dtype=float)
    lam = np.hypot(precession, Omega)
    return -1.0 + Omega**2 / lam**2 * (1.0 - np.cos(lam * t))


def ideal_max_power(Omega: float, precession: float = 1.0) -> float:
    """max_t (w + 1)/t of :func:`ideal_inversion`: f_max Ω²/√(ω² + Ω²), f_max = max (1 − cos x)/x.

    Times ω_a it is Yan et al.'s ideal benchmark P_max per spin length S (Fig. 4 text; Eq. 12
    with J_x = κ = γ = 0, E = ω_a (w + 1), P_max = max_t E/t).
    """
    return SIN2_OVER_X_MAX * Omega**2 / np.hypot(precession, Omega)


def precession_for_max_power(Omega: float, P: float) -> float:
    """The precession frequency ω for which :func:`ideal_max_power` (Ω, ω) = P.

    With Yan et al.'s printed benchmarks (P = 0.176 at Ω = 0.5, 0.93 at Ω = 1.5) it gives ω ≈ 0.9
    for both: the numbers follow from Eq. 12 with the precession 0.9 ω_a, not ω_a.
    """
    return float(np.sqrt((SIN2_OVER_X_MAX * Omega**2 / P) ** 2 - Omega**2))
