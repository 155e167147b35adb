"""Ergotropy of a thermal state and the work and heat of recharging it (Barra, PRL 122, 210601
(2019); Zhang et al., PRA 110, 032211 (2024), Sec. V, Eqs. 25-31 and the appendix).

A battery with Hamiltonian H_Q relaxes, in contact with a bath at inverse temperature β, to
ω_β(H_0) = e^{−βH_0}/Z_0 for some H_0 (the "active equilibrium"). Then

* W = 𝒲[ω_β(H_0)] = Tr[H_Q ω] − Tr[H_Q σ] is its ergotropy w.r.t. H_Q (Eq. A4), σ the passive state
  (eigenvalues of ω in decreasing order on the levels of H_Q in increasing order, Eq. 26);
* recharging σ → ω costs the work W_R = Tr[(H_Q − H_0)(ω − σ)] (Eq. 29) and draws the heat
  Q_R = Tr[H_0(ω − σ)] (Eq. 28) from the bath;
* W = W_R + Q_R (Eq. 30), Q_R ≤ 0 ≤ W ≤ W_R, and the efficiency is η = W/W_R = 1 − |Q_R|/W_R
  (Eq. 31), 0 ≤ η ≤ 1.

**Ties.** When H_Q has a degenerate level, the passive state is not unique: any orthonormal basis
of that eigenspace can carry the populations assigned to it. W does not depend on the choice (only
the sorted levels and populations enter). Q_R, W_R and η do whenever H_0, projected onto the
degenerate eigenspace, is not a multiple of the identity there (in a common eigenbasis: the tied
levels of H_Q have different H_0 energies) and the populations assigned to it differ. Over all
passive states, Tr[H_0 σ] ranges over [Σ r↓ μ↑, Σ r↓ μ↓] summed over the degenerate levels (μ the
eigenvalues of the projected H_0, r the populations the level receives; Ky Fan / rearrangement),
and every permutation of tied levels lies in that interval, whose ends are permutations.
Degeneracies of H_0 alone (equal populations) never matter.

The rule used for the reported values (``tie_rule="cheapest"``, the default) is the passive state
with the least H_0 energy: within a degenerate level of H_Q the largest populations go to the
lowest H_0 energies, which is the limit ε → 0⁺ of lifting the ties by H_Q + εH_0. Among the
equally good extraction unitaries it is the one whose recharging costs the least work, so it gives
the largest Q_R (closest to 0), the smallest W_R and the largest η; ``"costliest"`` is the other
end. The returned object carries the range of every quantity over all tie orderings.
When ω is itself passive (W = 0), the cheapest rule gives σ = ω, W_R = Q_R = 0 and η = 0/0,
reported as NaN; the η range covers the orderings where η is defined (η = 0 where W = 0 < W_R).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TIE_RULES = ("cheapest", "costliest")


@dataclass(frozen=True)
class ThermalRecharging:
    """W, W_R, Q_R and η (Zhang et al. Eqs. 28-31) under ``tie_rule``, and their ranges."""

    W: float  # ergotropy of ω_β(H_0) w.r.t. H_Q
    W_R: float  # work of the recharging σ → ω_β(H_0)
    Q_R: float  # heat from the bath during the recharging (≤ 0)
    eta: float  # W / W_R (NaN when W_R = 0)
    beta: float
    tie_rule: str
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # over tie orderings
    ties_matter: bool = False  # whether Q_R, W_R, η depend on how ties are ordered
    energy: float = 0.0  # Tr[H_Q ω_β(H_0)]
    passive_energy: float = 0.0  # Tr[H_Q σ]

    def as_dict(self) -> dict:
        return {
            "W": self.W,
            "W_R": self.W_R,
            "Q_R": self.Q_R,
            "eta": self.eta,
            "beta": self.beta,
            "tie_rule": self.tie_rule,
            "ranges": {k: list(v) for k, v in self.ranges.items()},
            "ties_matter": self.ties_matter,
            "energy": self.energy,
            "passive_energy": self.passive_energy,
        }


def _thermal_populations(levels: np.ndarray, beta: float) -> np.ndarray:
    x = -beta * (levels - levels.min())
    p = np.exp(x - x.max())
    return p / p.sum()


def _nan_range(a: float, b: float) -> tuple[float, float]:
    """[min, max] of the defined values (η is 0/0 at an end where W_R = 0)."""
    vals = [v for v in (a, b) if np.isfinite(v)]
    return (min(vals), max(vals)) if vals else (float("nan"), float("nan"))


def _clusters(sorted_levels: np.ndarray, tol: float) -> list[slice]:
    """Runs of (sorted) levels closer than ``tol`` to their neighbour: the degenerate levels."""
    breaks = np.flatnonzero(np.diff(sorted_levels) > tol) + 1
    edges = np.concatenate(([0], breaks, [len(sorted_levels)]))
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def thermal_recharging(
    H_Q,
    H_0,
    beta: float,
    *,
    multiplicities=None,
    tie_rule: str = "cheapest",
    tol: float = 1e-9,
) -> ThermalRecharging:
    """Ergotropy W of ω_β(H_0) w.r.t. H_Q, recharging work W_R, heat Q_R and efficiency η.

    ``H_Q`` and ``H_0`` are either Hermitian matrices on the same space (they need not commute),
    or 1-D arrays of their eigenvalues on a common eigenbasis (E_i and E_i^0 of Eq. 25, for
    commuting H_Q, H_0), optionally with ``multiplicities`` (each pair repeated that many times,
    e.g. the d_j copies of a spin-j irrep of N spin-1/2). ``beta`` is the inverse temperature.
    Levels of H_Q closer than ``tol`` × max(1, max |E|) count as degenerate; ``tie_rule`` says which
    passive state is reported (see the module docstring); ``ranges`` holds [min, max] of W, W_R,
    Q_R and η over all of them.
    """
    if tie_rule not in TIE_RULES:
        raise ValueError(f"tie_rule must be one of {TIE_RULES}, got {tie_rule!r}")
    if not np.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be finite and >= 0, got {beta}")
    HQ, H0 = np.asarray(H_Q), np.asarray(H_0)
    if HQ.shape != H0.shape:
        raise ValueError(f"H_Q and H_0 have different shapes {HQ.shape} and {H0.shape}")
    if HQ.ndim == 1:
        eps, eps0 = HQ.astype(float), H0.astype(float)
        if multiplicities is not None:
            mult = np.asarray(multiplicities, dtype=int)
            if mult.shape != eps.shape or np.any(mult < 0):
                raise ValueError("multiplicities must be non-negative integers, one per level")
            eps, eps0 = np.repeat(eps, mult), np.repeat(eps0, mult)
        order = np.argsort(eps, kind="stable")
        eps, eps0 = eps[order], eps0[order]
        p = _thermal_populations(eps0, beta)
        energy, energy0 = float(p @ eps), float(p @ eps0)
        projected = None
    elif HQ.ndim == 2 and HQ.shape[0] == HQ.shape[1]:
        if multiplicities is not None:
            raise ValueError("multiplicities go with 1-D arrays of levels, not with matrices")
        for name, M in (("H_Q", HQ), ("H_0", H0)):
            if not np.allclose(M, M.conj().T, atol=1e-10 * max(1.0, np.abs(M).max())):
                raise ValueError(f"{name} is not Hermitian")
        eps, V = np.linalg.eigh(HQ)
        lev0, W0 = np.linalg.eigh(H0)
        p0 = _thermal_populations(lev0, beta)
        omega = (W0 * p0) @ W0.conj().T
        energy = float(np.real(np.trace(HQ @ omega)))
        energy0 = float(p0 @ lev0)
        p = p0
        projected = (V, H0)
    else:
        raise ValueError("H_Q and H_0 must be square matrices or 1-D arrays of levels")

    r = np.sort(p)[::-1]  # populations, decreasing, onto eps increasing
    passive = float(r @ eps)
    W = energy - passive  # ≥ 0 up to rounding: snap the rounding of a passive ω to 0
    if W < 1e-12 * max(1.0, abs(energy), abs(passive)):
        W = 0.0

    scale = max(1.0, float(np.abs(eps).max()))
    lo = hi = 0.0  # Tr[H_0 σ] at the two ends
    ties_matter = False
    for cl in _clusters(eps, tol * scale):
        rc = r[cl]
        if projected is None:
            mu = np.sort(eps0[cl])
        else:
            V, H0m = projected
            Vc = V[:, cl]
            mu = np.linalg.eigvalsh(Vc.conj().T @ H0m @ Vc)
        a, b = float(rc @ mu), float(rc @ mu[::-1])
        lo, hi = lo + a, hi + b
        if b - a > 1e-12 * max(1.0, abs(a)):
            ties_matter = True
    Q_hi, Q_lo = energy0 - lo, energy0 - hi  # Q_R = Tr[H_0 ω] − Tr[H_0 σ]
    Q_R = Q_hi if tie_rule == "cheapest" else Q_lo
    # Q_R ≤ 0 exactly; clip rounding noise
    Q_hi, Q_lo, Q_R = min(Q_hi, 0.0), min(Q_lo, 0.0), min(Q_R, 0.0)
    W_R = W - Q_R

    def eta_of(w_r: float) -> float:
        return W / w_r if w_r > 1e-14 * max(1.0, abs(energy)) else float("nan")

    ranges = {
        "W": (W, W),
        "Q_R": (Q_lo, Q_hi),
        "W_R": (W - Q_hi, W - Q_lo),
        "eta": _nan_range(eta_of(W - Q_lo), eta_of(W - Q_hi)),
    }
    return ThermalRecharging(
        W=float(W),
        W_R=float(W_R),
        Q_R=float(Q_R),
        eta=eta_of(W_R),
        beta=float(beta),
        tie_rule=tie_rule,
        ranges=ranges,
        ties_matter=ties_matter,
        energy=energy,
        passive_energy=passive,
    )
