"""Figures of merit: stored energy, power, charging times, ergotropy, passive states.

Every function works on plain arrays, so it can be used on any state or trajectory, not only on
the package's own results. Definitions (see docs/conventions.md):

* stored energy E(t) = Tr[H_B ρ_B(t)] − Tr[H_B ρ_B(0)]; average power P(t) = E(t)/t, P(0) = 0;
* ``P_max`` = max_t E(t)/t (Peng et al. 2021, Eq. 3) at ``t_P_max``;
* ``tau_first_peak`` = the first local maximum of E(t); ``P_first_peak`` = E(τ)/τ there — the
  "P_max" of Yan et al. 2026 (power at the moment the battery first reaches its energy peak);
* ergotropy W = Tr[H ρ] − Tr[H σ_ρ] with the passive state σ_ρ pairing the eigenvalues of ρ in
  decreasing order with the energy levels in increasing order (Allahverdyan et al. 2004).
  ``ergotropy_max`` and its time ``tau_ergotropy`` are the charging time of Canzio et al. 2024.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from math import comb

import numpy as np

from qbattery.operators.spin import irrep_multiplicity, spins_in

# --------------------------------------------------------------------------- energy and power


def average_power(t: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """P(t) = E(t)/t, with P = 0 where t = 0."""
    t = np.asarray(t, dtype=float)
    out = np.zeros_like(np.asarray(energy, dtype=float))
    nz = t != 0
    out[nz] = np.asarray(energy)[nz] / t[nz]
    return out


def first_peak_index(values: np.ndarray, rel_tol: float = 1e-12) -> int | None:
    """Index of the first local maximum of a sampled curve (None if it only rises).

    A plateau or a noise-level wiggle (below ``rel_tol`` of the range) does not count as a peak.
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 3:
        return None
    tol = rel_tol * max(np.ptp(v), np.finfo(float).tiny)
    rises = np.diff(v) > tol
    falls = np.diff(v) < -tol
    for i in range(1, len(v) - 1):
        if rises[:i].any() and falls[i] and not rises[i]:
            # walk back over a flat top to its first point
            k = i
            while k > 0 and not rises[k - 1]:
                k -= 1
            return k
    return None


def refine_maximum(
    f: Callable[[float], float], t: np.ndarray, i: int, xtol: float = 1e-12
) -> tuple[float, float]:
    """Maximize f on [t[i-1], t[i+1]] starting from the grid maximum at t[i]."""
    from scipy.optimize import minimize_scalar  # lazy: it costs ~0.5 s of every CLI start

    lo, hi = t[max(i - 1, 0)], t[min(i + 1, len(t) - 1)]
    if lo == 0:
        lo = 1e-3 * (hi - lo)
    res = minimize_scalar(
        lambda x: -f(x),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": xtol * max(1, hi)},
    )
    best_t, best_f = (res.x, -res.fun) if res.success else (t[i], f(t[i]))
    if f(t[i]) > best_f:
        best_t, best_f = t[i], f(t[i])
    return float(best_t), float(best_f)


def _first_argmax(values: np.ndarray, rel_tol: float = 1e-9) -> int:
    """First index whose value equals the maximum to ``rel_tol`` of the range (ties → earliest)."""
    v = np.asarray(values, dtype=float)
    return int(np.argmax(v >= v.max() - rel_tol * max(np.ptp(v), np.finfo(float).tiny)))


def refine_stationary(
    slopes: Callable[[float], tuple[float, float, float] | None],
    t: np.ndarray,
    i: int,
    power: bool,
) -> tuple[float, float] | None:
    """The maximum of E (``power`` False) or of E/t near the grid maximum t[i], as the root of
    E' (or of g = tE' − E, since (E/t)' = g/t²) by safeguarded Newton steps (E'' exact, from
    ``slopes(x) = (E, E', E'')``): quadratic convergence, and the time to ~1e-13 where a search
    on the flat values stops near √ε. None when the bracket [t[i−1], t[i+1]] holds no sign
    change (a maximum at an end of the grid) or ``slopes`` cannot answer."""
    if i == 0 or i + 1 >= len(t):
        return None

    def g(x: float):
        d = slopes(x)
        if d is None:
            return None
        e, de, dde = d
        return (x * de - e, x * dde, e / x) if power else (de, dde, e)

    lo, mid, hi = float(t[i - 1]), float(t[i]), float(t[i + 1])
    at_mid = g(mid)
    if at_mid is None:
        return None
    if at_mid[0] > 0:  # the root lies after t[i]
        at_hi = g(hi)
        if at_hi is None or not at_hi[0] < 0:
            return None
        lo = mid
    else:  # ... or before it
        at_lo = g(lo) if lo > 0 else None
        if at_lo is None or not (at_lo[0] > 0 > at_mid[0]):
            return None
        hi = mid
    x, known = mid, at_mid  # Newton starts from the grid maximum, already evaluated
    tol = 1e-14 * max(abs(x), 1.0)
    for _ in range(60):
        value, slope, _ = known if known is not None else g(x)
        known = None
        if value > 0:
            lo = x
        else:
            hi = x
        if slope < 0:
            step = x - value / slope
            if abs(step - x) <= tol:  # converged (the step may land on the end just moved)
                x = step
                break
            if lo < step < hi:
                x = step
                continue
        x = 0.5 * (lo + hi)  # a Newton step out of the bracket: bisect
        if hi - lo <= tol:
            break
    return float(x), float(g(x)[2])


def summarize(
    t: np.ndarray,
    energy: np.ndarray,
    ergotropy: np.ndarray | None = None,
    energy_at: Callable[[np.ndarray], np.ndarray] | None = None,
    slopes: Callable[[float], tuple[float, float, float] | None] | None = None,
) -> dict[str, float | None]:
    """E_max, P_max, their times, the first energy peak, and the ergotropy maximum.

    With ``energy_at`` (E at arbitrary times, e.g. from an eigen-decomposition) the maxima are
    refined between grid points, so they do not depend on the time grid; with ``slopes`` (E, E'
    and E'' at one time) by Newton steps on the stationarity condition
    (:func:`refine_stationary`), else by a bounded search on the values.
    """
    t = np.asarray(t, dtype=float)
    energy = np.asarray(energy, dtype=float)
    power = average_power(t, energy)
    out: dict[str, float | None] = {}

    def refined(values, func, i, power=False):
        if energy_at is None or t[i] == 0:  # nothing to refine at t = 0 (e.g. a discharge)
            return float(t[i]), float(values[i])
        if slopes is not None:
            found = refine_stationary(slopes, t, i, power)
            if found is not None and found[1] >= values[i]:
                return found
        return refine_maximum(func, t, i)

    def e_of(x):
        return float(energy_at(np.array([x]))[0])

    i = _first_argmax(energy)
    out["t_E_max"], out["E_max"] = refined(energy, e_of, i)
    i = _first_argmax(power)
    out["t_P_max"], out["P_max"] = refined(power, lambda x: e_of(x) / x, i, power=True)
    peak = first_peak_index(energy)
    if peak is None:
        out["tau_first_peak"] = out["E_first_peak"] = out["P_first_peak"] = None
    else:
        tau, e = refined(energy, e_of, peak)
        out["tau_first_peak"], out["E_first_peak"] = tau, e
        out["P_first_peak"] = e / tau if tau > 0 else None
    if ergotropy is not None:
        i = _first_argmax(ergotropy)
        out["ergotropy_max"] = float(ergotropy[i])
        out["tau_ergotropy"] = float(t[i])
        out["energy_at_tau"] = float(energy[i])
        i = _first_argmax(average_power(t, ergotropy))
        out["P_ergotropy_max"] = float(ergotropy[i] / t[i]) if t[i] > 0 else 0.0
        out["t_P_ergotropy_max"] = float(t[i])
    return out


def at_tau(summary: dict, t: np.ndarray, series: dict[str, np.ndarray], names) -> dict:
    """``NAME_at_tau``: each series at the charging time τ of maximum ergotropy (Canzio et al.)."""
    if summary.get("tau_ergotropy") is None:
        return {}
    i = int(np.argmin(np.abs(np.asarray(t) - summary["tau_ergotropy"])))
    return {f"{n}_at_tau": float(series[n][i]) for n in names if n in series}


# --------------------------------------------------------------------------- ergotropy


def passive_energy(populations: np.ndarray, levels: np.ndarray) -> float | np.ndarray:
    """Σ_k r_k ε_k with r sorted decreasing and ε increasing (the passive state's energy).

    ``levels`` may be longer than ``populations``: the extra levels pair with zero population
    (a state supported on a subspace, e.g. the symmetric manifold of N spins). A 2-D
    ``populations`` (one row per state) gives one passive energy per row.
    """
    r = -np.sort(-np.clip(np.asarray(populations, dtype=float), 0, None), axis=-1)
    eps = np.sort(np.asarray(levels, dtype=float))[: r.shape[-1]]
    if len(eps) < r.shape[-1]:
        raise ValueError("fewer energy levels than populations")
    out = r @ eps
    return float(out) if out.ndim == 0 else out


def ergotropy(rho: np.ndarray, hamiltonian: np.ndarray, levels: np.ndarray | None = None) -> float:
    """Ergotropy of ρ for H (on ρ's space); ``levels``: the spectrum unitaries may reach.

    By default the passive state uses the spectrum of ``hamiltonian`` itself. For N spins stored in
    the symmetric manifold, pass the lowest levels of the full 2^N spectrum (see
    :func:`collective_spectrum`) to allow all unitaries of the battery.
    """
    rho = np.asarray(rho)
    H = np.asarray(hamiltonian)
    energy = float(np.real(np.trace(H @ rho)))
    if levels is None:
        levels = np.linalg.eigvalsh(H)
    return energy - passive_energy(np.linalg.eigvalsh(rho), levels)


def passive_state(rho: np.ndarray, hamiltonian: np.ndarray) -> np.ndarray:
    """σ_ρ = Σ_k r_k |ε_k><ε_k| on ρ's own space (ties in H broken by eigh's order)."""
    r = np.sort(np.linalg.eigvalsh(rho))[::-1]
    eps, vecs = np.linalg.eigh(hamiltonian)
    order = np.argsort(eps, kind="stable")
    v = vecs[:, order]
    return (v * r) @ v.conj().T


def passive_energy_with_multiplicities(
    values: np.ndarray, counts: np.ndarray, levels: np.ndarray, level_counts: np.ndarray
) -> np.ndarray:
    """Passive energy of states whose eigenvalue ``values[..., i]`` occurs ``counts[i]`` times,
    against levels ``levels`` occurring ``level_counts`` times (counts as floats: they may exceed
    any integer type, e.g. the 2^N spectrum of N spins with its irrep multiplicities d_j).

    The eigenvalues are sorted decreasing and poured into the levels sorted increasing; F(x), the
    energy of the lowest x slots, is piecewise linear, so each eigenvalue contributes
    value·(F(C_i) − F(C_{i−1})) with C the cumulative counts. Rounding stays below 1e-16 of the
    largest level: an eigenvalue behind C slots is at most 1/C. One row per state (2-D values).
    """
    v = np.clip(np.atleast_2d(np.asarray(values, dtype=float)), 0, None)
    order = np.argsort(-v, axis=-1, kind="stable")
    v = np.take_along_axis(v, order, axis=-1)
    c = np.asarray(counts, dtype=float)[order]
    filled = np.cumsum(c, axis=-1)
    lv = np.asarray(levels, dtype=float)
    sort = np.argsort(lv, kind="stable")
    lv, lc = lv[sort], np.asarray(level_counts, dtype=float)[sort]
    edges = np.concatenate([[0.0], np.cumsum(lc)])
    energy = np.concatenate([[0.0], np.cumsum(lv * lc)])
    F = np.interp(filled, edges, energy)
    F = np.diff(np.concatenate([np.zeros(F.shape[:-1] + (1,)), F], axis=-1), axis=-1)
    out = (v * F).sum(axis=-1)
    return out if np.ndim(values) > 1 else out[0]


def collective_spectrum(
    spectra: Iterable[tuple[float, np.ndarray]], n_spins: int, count: int
) -> np.ndarray:
    """Lowest ``count`` levels (with multiplicity) of a collective H on N spin-1/2.

    ``spectra`` gives, for each total spin j, the eigenvalues of H on one spin-j irrep. H acts the
    same way on each of the d_j copies of that irrep, so its 2^N spectrum is the union over j of
    those spectra, each level repeated d_j times.
    """
    pairs = []
    for j, levels in spectra:
        mult = irrep_multiplicity(n_spins, j)
        pairs.extend((e, min(mult, count)) for e in levels)
    pairs.sort()
    out: list[float] = []
    for e, m in pairs:
        out.extend([e] * m)
        if len(out) >= count:
            break
    return np.array(out[:count])


def two_level_spectrum(omega: float, n_spins: int, count: int) -> np.ndarray:
    """Lowest ``count`` levels of ω Σσ_z/2 on N spins: ω(k − N/2) with multiplicity C(N, k)."""
    out: list[float] = []
    for k in range(n_spins + 1):
        out.extend([omega * (k - n_spins / 2)] * min(comb(n_spins, k), count))
        if len(out) >= count:
            break
    return np.array(out[:count])


def _log_binomial(n: int, k):
    """log C(n, k) through log-gamma: finite where C(n, k) overflows a float."""
    from scipy.special import gammaln

    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def log_irrep_multiplicity(n_spins: int, j: float) -> float:
    """log d_j, with d_j = C(N, k)·(N − 2k + 1)/(N − k + 1), k = N/2 − j: finite for any N (d_j
    itself overflows a float beyond N ≈ 1030)."""
    k = round(n_spins / 2 - j)
    return float(_log_binomial(n_spins, k) + np.log((n_spins - 2 * k + 1) / (n_spins - k + 1)))


def lowest_levels(
    levels: np.ndarray, counts: np.ndarray, count: float
) -> tuple[np.ndarray, np.ndarray]:
    """The lowest ``count`` slots of levels ``levels`` occurring ``counts`` times: (levels in
    increasing order, how many times each is used), the last one cut so that the counts add up to
    ``count``. Counts are floats (they may be astronomically large)."""
    levels = np.asarray(levels, dtype=float)
    counts = np.minimum(np.asarray(counts, dtype=float), count)
    order = np.argsort(levels, kind="stable")
    levels, counts = levels[order], counts[order]
    before = np.cumsum(counts) - counts
    keep = before < count
    return levels[keep], np.minimum(counts[keep], count - before[keep])


def lowest_collective_levels(
    block_lowest: Callable[[float, int], np.ndarray], n_spins: int, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest ``count`` levels (with multiplicity) of a collective H on N spin-1/2, never
    building the 2^N space: ``block_lowest(j, m)`` gives the m lowest eigenvalues of H on one
    spin-j irrep, which occurs d_j times. A level of block j above its m = ⌈count/d_j⌉ lowest
    ones lies above count slots of that block alone, so it is never needed: the symmetric block
    gives up to N + 1 levels, j = N/2 − 1 two, and every smaller j its ground level only (for
    count = N + 1, N ≥ 6). Returns :func:`lowest_levels`' (levels, counts)."""
    levels, counts = [], []
    for j in spins_in(n_spins):
        d = np.exp(min(log_irrep_multiplicity(n_spins, j), 700.0))
        m = int(min(round(2 * j) + 1, max(1, np.ceil(count / d))))
        e = np.asarray(block_lowest(j, m), dtype=float)[:m]
        levels.append(e)
        counts.append(np.full(len(e), min(d, float(count))))
    return lowest_levels(np.concatenate(levels), np.concatenate(counts), count)


def sz_levels(diagonal: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest ``count`` levels of H_B = f(S_z) on N spin-1/2 from its diagonal f(k − N/2),
    k = 0..N, on the symmetric manifold: f(k − N/2) occurs C(N, k) times over the 2^N states (the
    states with k excited atoms), whatever irrep they belong to."""
    f = np.asarray(diagonal, dtype=float)
    n = len(f) - 1
    log_c = _log_binomial(n, np.arange(n + 1))
    return lowest_levels(f, np.exp(np.minimum(log_c, 700.0)), count)


def expand_levels(levels: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each level repeated its (integer) count: the list :func:`passive_energy` takes."""
    return np.repeat(np.asarray(levels, dtype=float), np.rint(counts).astype(np.int64))


def purity(rho: np.ndarray) -> float:
    return float(np.real(np.einsum("ij,ji->", rho, rho)))


# Zhang et al. 2024, Sec. V: ergotropy, recharging work and efficiency of a thermal state
from qbattery.thermal import ThermalRecharging, thermal_recharging  # noqa: E402

__all__ = [
    "ThermalRecharging",
    "average_power",
    "collective_spectrum",
    "ergotropy",
    "first_peak_index",
    "at_tau",
    "passive_energy",
    "passive_energy_with_multiplicities",
    "passive_state",
    "purity",
    "refine_maximum",
    "summarize",
    "thermal_recharging",
    "two_level_spectrum",
]
