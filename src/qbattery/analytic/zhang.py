"""The thermal-recharging analysis of Zhang et al.'s XY battery on the spectrum of H_Q.

Reference
---------
Y.-Y. Zhang et al., "Quantum battery with interactive atomic collective charging", Phys. Rev. A
110, 032211 (2024), Sec. V (``/work/shared/papers/004_97cc0bd453bbae55.txt``; equation numbers
below refer to it).

The battery H_Q of Eq. 3 (form ``"eq3"``, ordered pair sum) or Eq. 11 with spin-j operators
(``"eq11"``) is diagonal on the states |j, m> with the levels of
:func:`qbattery.models.zhang.battery_levels`,

    E(j, m) = ω_q m + (c g/N)(j(j+1) − m²) + const,   c = 2 ("eq3"), 1 ("eq11"),

and relaxes to the thermal state ω_β(H_0) of H_0 = ω_q S_z (Sec. V.B, Eq. 25), diagonal on the same
states. Everything here is in units of ω_q (ω_q = 1); the work and heat themselves come from
:func:`qbattery.thermal.thermal_recharging` (Eqs. 26-31).
"""

from __future__ import annotations

import numpy as np

from qbattery.models.zhang import battery_levels
from qbattery.thermal import ThermalRecharging, thermal_recharging

MANIFOLDS = ("symmetric", "full")


def _interaction_factor(form: str) -> float:
    """c of the module docstring: the interaction of Eq. 3 (ordered pairs) is twice Eq. 11's."""
    return 2.0 if form == "eq3" else 1.0


def activity_threshold(n_atoms: int, form: str = "eq3") -> float:
    """g/ω_q above which ω_β(ω_q S_z) is active w.r.t. H_Q in the symmetric manifold (any β > 0).

    Sec. V.A: the state is active when a pair of levels has (E_j − E_k)(E_j^0 − E_k^0) < 0, i.e.
    when the levels E_m of H_Q stop increasing with m = S_z: ω_q < (c g/N)(2j − 1) at j = N/2, so
    g > N ω_q / (c (N − 1)) (c = 2 for Eq. 3, 1 for Eq. 11). A single atom is never active (inf).
    """
    c = _interaction_factor(form)
    return n_atoms / (c * (n_atoms - 1)) if n_atoms > 1 else float("inf")


def last_level_crossing(n_atoms: int, form: str = "eq3") -> float:
    """Largest g/ω_q at which two levels of H_Q cross in the symmetric manifold.

    E_m = E_m' (m ≠ m') ⇔ m + m' = N ω_q / (c g); the smallest positive m + m' is 1 (an integer for
    any N), so the last crossing is at g = N ω_q / c. Above it the passive permutation of Eq. 26 is
    fixed and W, W_R are affine in g (Eq. 32 reads them as ∝ g).
    """
    return n_atoms / _interaction_factor(form)


def thermal_recharging_sz(
    n_atoms: int, g: float, beta: float, form: str = "eq3", manifold: str = "symmetric"
) -> ThermalRecharging:
    """W, W_R, Q_R and η (Eqs. 28-31) of ω_β(H_0), H_0 = ω_q S_z, for H_Q of ``form`` (ω_q = 1).

    ``manifold="symmetric"``: the N+1 states |N/2, m> (the paper's "eigenstates of the large spin
    operator"); ``"full"``: all 2^N states (every spin-j irrep, d_j copies each).
    """
    if manifold not in MANIFOLDS:
        raise ValueError(f"manifold must be one of {MANIFOLDS}, got {manifold!r}")
    if manifold == "symmetric":
        m = np.arange(n_atoms + 1) - n_atoms / 2
        return thermal_recharging(battery_levels(n_atoms, m, g=g, form=form), m, beta)
    from qbattery.operators.spin import irrep_multiplicity, spins_in

    E, E0, mult = [], [], []
    for j in spins_in(n_atoms):
        m = np.arange(-j, j + 1)
        E.append(battery_levels(n_atoms, m, j, g=g, form=form))
        E0.append(m)
        mult += [irrep_multiplicity(n_atoms, j)] * len(m)
    return thermal_recharging(np.concatenate(E), np.concatenate(E0), beta, multiplicities=mult)
