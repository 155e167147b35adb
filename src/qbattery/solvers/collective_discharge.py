"""Free collective discharge of N atoms (Pokhrel & Gea-Banacloche, PRL 2025, Eqs. 5, 18-19, Fig. 4).

With the drive off, the battery decays by ``gamma_0 D[S_-]`` alone (Eq. 5 with Omega_R = 0 and
a flat reservoir). In the *bare* Dicke basis ``|k>`` (k excitations) this generator has the
band structure of the dressed one (:mod:`qbattery.solvers.dressed_rates`): band q
(``rho_{k,k+q}``) evolves alone, by the real tridiagonal ``band_generator(N, q, 0, gamma_0)``,
and is propagated with the same extrapolated implicit Euler. Band 0 gives the charge
``E = omega0 sum_k k p_k``, band 1 the dipole ``<S_+>`` and the coherently emitted power of
Eq. 19, ``dW/dt = gamma_0 omega0 |<S_+>|^2``.

The discharge starts from the secular steady state of Eq. 7 (:func:`steady_state_bare_bands`:
its dressed populations rotated to the bare basis by the Wigner d-matrix). Conventions
(ħ = 1, S_k = Σσ_k/2, charge E = <H_0> + N omega0/2): :mod:`qbattery.analytic.driven`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import expm

from qbattery.analytic.driven import DressedParams
from qbattery.solvers.dressed_rates import (
    _s_minus2,
    _s_plus2,
    band_generator,
    propagate,
    steady_state_populations,
)

__all__ = [
    "wigner_d",
    "steady_state_bare_bands",
    "DischargeCurve",
    "discharge",
    "DischargeFluctuations",
    "discharge_fluctuations",
]


def wigner_d(n_atoms: int, theta: float) -> np.ndarray:
    """``d_{k',k} = <k'| exp(-i theta S_y) |k>`` (real orthogonal, (N+1)x(N+1), Dicke k ascending).

    Dressed states in the bare basis: ``<k'|e_k> = d(-theta)_{k',k} = d(theta)_{k,k'}``.
    Computed by ``scipy.linalg.expm`` of the real antisymmetric ``-i theta S_y``; fine to N ~ 2000.
    """
    k = np.arange(n_atoms, dtype=float)
    off = 0.5 * np.sqrt(_s_plus2(n_atoms, k))  # <k+1|S_+|k>/2
    # -i S_y = -(S_+ - S_-)/2 : entry (k+1, k) = -off, (k, k+1) = +off
    gen = np.diag(-off, -1) + np.diag(off, 1)
    return expm(theta * gen)


def steady_state_bare_bands(n_atoms: int, params: DressedParams) -> tuple[np.ndarray, np.ndarray]:
    """Bands 0 and 1 of the steady state in the *bare* Dicke basis (real, pump frame)."""
    p = steady_state_populations(n_atoms, params)
    u = wigner_d(n_atoms, -params.theta)  # columns = dressed states
    band0 = (u * u) @ p
    band1 = (u[:-1] * u[1:]) @ p
    return band0, band1


@dataclass
class DischargeCurve:
    """Free collective decay ``gamma_0 D[S_-]`` (drive off): E(t), <S_+>(t), coherent power."""

    n_atoms: int
    times: np.ndarray
    energy: np.ndarray
    dipole: np.ndarray
    coherent_power: np.ndarray
    omega0: float = 1.0

    def coherent_work(self) -> float:
        """``int dW/dt dt`` over the grid (Simpson); the grid must cover the decay."""
        from scipy.integrate import simpson

        return float(simpson(self.coherent_power, x=self.times))


def discharge(
    n_atoms: int,
    band0: ArrayLike,
    band1: ArrayLike,
    gamma_0: float,
    times: ArrayLike,
    omega0: float = 1.0,
    method: str = "auto",
) -> DischargeCurve:
    """Discharge by superradiant decay, Eq. 5 with gamma = gamma_0 and no drive, Eq. 19 power.

    ``band0``/``band1``: populations and first coherence band of the initial state in the bare
    Dicke basis (e.g. :func:`steady_state_bare_bands`).  E = omega0 sum_k k p_k,
    ``<S_+> = sum_k s-_{k+1} rho_{k,k+1}`` (real here), ``dW/dt = gamma_0 omega0 |<S_+>|^2``.
    """
    t = np.asarray(times, dtype=float)
    n = int(n_atoms)
    kk = np.arange(n + 1, dtype=float)
    pops = propagate(band_generator(n, 0, 0.0, gamma_0), np.asarray(band0, float), t, method)
    b1 = propagate(band_generator(n, 1, 0.0, gamma_0), np.asarray(band1, float), t, method)
    dip = b1 @ np.sqrt(_s_minus2(n, kk[1:]))
    return DischargeCurve(n, t, omega0 * pops @ kk, dip, gamma_0 * omega0 * dip**2, omega0)


@dataclass
class DischargeFluctuations:
    """Energy fluctuations during the discharge, on the grid ``times``: the variance ΔH_B²(t),
    the energy Fisher information I_E(t) and the power P(t) = −dE/dt."""

    times: np.ndarray
    variance: np.ndarray
    fisher: np.ndarray
    power: np.ndarray


def discharge_fluctuations(
    n_atoms: int,
    band0: ArrayLike,
    gamma_0: float,
    times: ArrayLike,
    omega0: float = 1.0,
    method: str = "auto",
) -> DischargeFluctuations:
    """ΔH_B²(t), I_E(t) and P(t) = −dE/dt during the free decay ``gamma_0 D[S_-]`` (Eq. 5, drive
    off) from the bare populations ``band0`` (e.g. of :func:`steady_state_bare_bands`).

    H_B = omega0 S_z is diagonal in the bare Dicke basis, so its distribution is the band-0
    populations p_k: ``ΔH_B² = omega0² (Σ k² p_k − (Σ k p_k)²)`` and the energy Fisher information
    ``I_E = Σ_k (dp_k/dt)²/p_k`` (terms with p_k ≤ 1e-300 dropped), with dp/dt = W p from the
    band generator W. These are the quantities of the paper's bound ``P(t) ≤ √(ΔH_B² I_E)``
    (Julià-Farré et al., its Ref. 16) and of its scalings ΔH_B² ∝ N, I_E ∝ N³ (text after
    Eq. 19). Populations are clipped at 0 (the propagator's round-off).
    """
    t = np.asarray(times, dtype=float)
    n = int(n_atoms)
    w = band_generator(n, 0, 0.0, gamma_0)
    pops = np.clip(propagate(w, np.asarray(band0, float), t, method), 0.0, None)
    k = np.arange(n + 1.0)
    dp = (w @ pops.T).T
    mean = pops @ k
    var = pops @ k**2 - mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        fisher = np.where(pops > 1e-300, dp**2 / pops, 0.0).sum(axis=1)
    power = -(dp @ k)
    return DischargeFluctuations(t, omega0**2 * var, fisher, omega0 * power)
