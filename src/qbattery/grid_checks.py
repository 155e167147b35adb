"""Whether a time grid resolves a run's dynamics: the time scale τ = π/W from E(t)'s derivatives
at t = 0 (:func:`time_derivatives`, :func:`derivative_frequency`) or from a computed curve
(:func:`curve_time_scale`), and the check of the grid spacing against it (:func:`check_grid`,
whose warning names ``time.points``). :mod:`qbattery.simulate` and the mean-field solver use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np

# E(t)'s time derivatives at t = 0 used for its frequency: up to the 4th, whose ratio to the 2nd
# weights each frequency by its share of the curvature (a ripple with 1e-3 of the speed would
# dominate the 6th)
DERIVATIVE_ORDER = 4
# grid points per time scale τ = π/ω: 3 (6 per period) when maxima are refined between grid
# points, 6 when the summary is read off the grid. Measured on the examples: the refined summary
# (τ_first_peak to 1e-5, P_max to 1e-6) stays exact up to a spacing of 0.6τ (examples/dicke_oat)
# to beyond 1.5τ (examples/tavis_cummings_*), so τ/3 leaves a margin of at least 1.8
POINTS_REFINED, POINTS_ON_GRID = 3, 6


def time_derivatives(H, O, psi: np.ndarray, order: int = DERIVATIVE_ORDER):
    """|dⁿ⟨O⟩/dtⁿ| at t = 0 under e^{−iHt}ψ, n = 0..order, and the rounding level of each.

    dⁿ⟨O⟩/dtⁿ = ⟨ψ|(i ad_H)ⁿ O|ψ⟩ = iⁿ Σ_k C(n, k)(−1)^{n−k} ⟨h_k|O|h_{n−k}⟩, with
    h_k = (H − ⟨H⟩)^k ψ: ``order`` products with H and with O, no operator built. The sum
    cancels (its terms grow like ΔH^n, the result like the signal's own frequencies), so the size
    of its largest term times 1e-13 is returned as the level below which a derivative is
    rounding."""
    mean = float(np.vdot(psi, H @ psi).real)
    h = [psi]
    for _ in range(order):
        h.append(H @ h[-1] - mean * h[-1])
    Oh = [O @ v for v in h]
    values, noise = np.zeros(order + 1), np.zeros(order + 1)
    for n in range(order + 1):
        terms = [comb(n, k) * (-1) ** (n - k) * np.vdot(h[k], Oh[n - k]) for k in range(n + 1)]
        values[n] = abs(sum(terms))
        noise[n] = 1e-13 * max(abs(x) for x in terms)
    return values, noise


def derivative_frequency(values: np.ndarray, noise: np.ndarray) -> float:
    """The fastest frequency the derivatives show: max over n of (|E^(n+2)|/|E^(n)|)^½ (exactly ω
    for A cos(ωt + φ); for several frequencies a mean weighted towards the fastest, the more so
    the higher n). Derivatives at the rounding level are skipped."""
    values, noise = np.asarray(values), np.asarray(noise)
    found = [
        np.sqrt(values[n + 2] / values[n])
        for n in range(1, len(values) - 2)
        if values[n] > 1e3 * noise[n] and values[n + 2] > 1e3 * noise[n + 2]
    ]
    return float(max(found)) if found else 0.0


def curve_time_scale(t: np.ndarray, values: np.ndarray, rel_tol: float = 1e-3) -> float | None:
    """Shortest time from the start to the first turning point of a finely sampled curve, or
    between successive turning points (swings below ``rel_tol`` of its range do not count);
    for a monotone curve, the time to cover half its range; None for a flat curve."""
    t, v = np.asarray(t, dtype=float), np.asarray(values, dtype=float)
    span = float(np.ptp(v)) if len(v) else 0.0
    if span == 0:
        return None
    tol = rel_tol * span
    turns, hi, lo, direction = [t[0]], 0, 0, 0
    for i in range(1, len(v)):  # zig-zag filter: a turn counts once the curve came back by tol
        hi = i if v[i] > v[hi] else hi
        lo = i if v[i] < v[lo] else lo
        if direction >= 0 and v[hi] - v[i] > tol:
            if hi > 0:
                turns.append(t[hi])
            direction, lo = -1, i
        elif direction <= 0 and v[i] - v[lo] > tol:
            if lo > 0:
                turns.append(t[lo])
            direction, hi = 1, i
    if len(turns) > 1:
        return float(np.min(np.diff(turns)))
    return float(t[np.argmax(np.abs(v - v[0]) >= span / 2)] - t[0])


def subdivide(steps: np.ndarray, per_step: int = 8, limit: int = 200_000) -> np.ndarray:
    """Times that sample a solution finely: ``per_step`` points in each step of an adaptive
    integrator (steps it took to resolve the dynamics), at most ~``limit`` in all."""
    steps = np.asarray(steps, dtype=float)
    per_step = max(1, min(per_step, limit // max(len(steps), 1)))
    inside = steps[:-1, None] + np.diff(steps)[:, None] * (np.arange(per_step) / per_step)
    return np.append(inside.ravel(), steps[-1])


@dataclass
class GridCheck:
    """Whether a time grid resolves dynamics with time scale τ (π over the fastest frequency):
    its spacing must be at most τ / POINTS_REFINED (POINTS_ON_GRID when nothing is refined)."""

    time_scale: float | None  # None: nothing moves
    spacing: float
    points_needed: int
    resolved: bool
    source: str  # where τ comes from

    def warning(self, t_max: float, points: int) -> str:
        return (
            f"time.points: the time grid (points = {points}, spacing {self.spacing:.3g}) cannot "
            f"resolve the dynamics (fastest time scale ≈ {self.time_scale:.3g}, {self.source}): "
            "the first energy peak, P_max and the other maxima may be aliased, so the summary "
            f"takes them on the grid, unrefined; use points >= {self.points_needed} for "
            f"t_max = {t_max:g}"
        )

    def as_info(self) -> dict:
        return {
            "time_scale": self.time_scale,
            "spacing": self.spacing,
            "points_needed": self.points_needed,
            "resolved": self.resolved,
            "source": self.source,
        }


def check_grid(
    t: np.ndarray, time_scale: float | None, source: str, refined: bool = True
) -> GridCheck:
    """Compare the grid's largest spacing with the dynamics' time scale τ (None: no motion);
    ``refined``: whether the summary's maxima can be refined between grid points."""
    t = np.asarray(t, dtype=float)
    spacing = float(np.max(np.diff(t))) if len(t) > 1 else 0.0
    if time_scale is None or not np.isfinite(time_scale) or time_scale <= 0:
        return GridCheck(None, spacing, len(t), True, source)
    per = POINTS_REFINED if refined else POINTS_ON_GRID
    needed = int(np.ceil(per * (t[-1] - t[0]) / time_scale)) + 1
    resolved = bool(spacing <= time_scale / per * (1 + 1e-9))
    return GridCheck(float(time_scale), spacing, needed, resolved, source)
