"""Closed forms for the transients of N driven atoms with collective decay: charging and discharge.

Reference: S. Pokhrel and J. Gea-Banacloche, PRL (2025)
(``/work/shared/papers/001_29273df1711e549b.txt``): the large-N charge E(t) (Eq. 14, supplement
S2-S15), the charging time tau_90 and the average-power bounds (Eqs. 15-17, Fig. 3), and the
coherent discharge of the steady state (Eqs. 18-19, Fig. 4).  The conventions (ħ = 1,
S_k = Σσ_k/2, charge E = <H_0> + N omega0/2, the dressed frame of Eqs. 3-4 and the rates of the
secular Eq. 7) and the parameters and steady state (Eqs. 1-12) are those of
:mod:`qbattery.analytic.driven`; paper-vs-ours numbers in ``docs/notes_pokhrel.md``.

All functions are pure numpy and broadcast over array arguments unless stated otherwise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from qbattery.analytic.driven import DressedParams, net_rate, phi0, steady_state_mean_m

__all__ = [
    "PAPER_TAU_90",
    "energy_per_atom_large_n",
    "diagonal_energy_per_atom_large_n",
    "energy_per_atom_moment_closure",
    "energy_per_atom_lower_bound",
    "tau_90",
    "tau_90_closed_form",
    "tau_90_small_theta",
    "charge_at_tau_90",
    "charging_time",
    "power_lower_bound",
    "power_bound_normalized",
    "dipole_steady_state",
    "dipole_large_n",
    "discharge_energy_per_atom_large_n",
    "coherent_power_large_n",
]

#: tau_90 as quoted in the paper (caption of Fig. 3: "tau_90 = 2.973 +- 0.005").
PAPER_TAU_90 = 2.973


# --------------------------------------------------------------------------- charging dynamics


def energy_per_atom_large_n(
    t: ArrayLike, n_atoms: float, theta: float, gamma_net: float, omega_p: float
) -> np.ndarray:
    """Large-N charge per atom ``<E>/(N omega0)`` (Eq. 14 = S15), from the bare ground state.

    ``1/2 - cos(theta)/2 tanh(N Gamma t/2 + phi0) - sin(theta)/2 cos(Omega_P t) / cosh(...)``.
    """
    t = np.asarray(t, dtype=float)
    u = n_atoms * gamma_net * t / 2 + phi0(theta)
    return (
        0.5
        - 0.5 * np.cos(theta) * np.tanh(u)
        - 0.5 * np.sin(theta) * np.cos(omega_p * t) / np.cosh(u)
    )


def diagonal_energy_per_atom_large_n(
    t: ArrayLike, n_atoms: float, theta: float, gamma_net: float
) -> np.ndarray:
    """The non-oscillating part of Eq. 14: ``1/2 - cos(theta)/2 tanh(N Gamma t/2 + phi0)``.

    The contribution of the dressed populations (the S'_z term of Eq. 13) alone, i.e. Eq. 14
    without its ``cos(Omega_P t)`` coherence term; the large-N limit of the band solver's
    ``ChargingCurve.diagonal_energy / N``.
    """
    t = np.asarray(t, dtype=float)
    return 0.5 - 0.5 * np.cos(theta) * np.tanh(n_atoms * gamma_net * t / 2 + phi0(theta))


def energy_per_atom_moment_closure(
    t: ArrayLike,
    n_atoms: int,
    params: DressedParams,
    printed_coherence: bool = False,
) -> np.ndarray:
    """Charge per atom from the supplement's moment closure *before* its large-N simplifications.

    ``<S'_z> = a - b tanh(c t + phi0')`` with the exact S4 constants
    (``a = (x+1)/(2(x-1))``, ``b = sqrt(j(j+1) + a^2)``, ``c = Gamma b``,
    ``phi0' = atanh[(a + (N/2) cos theta) / b]``) and the coherence
    ``y = y0 exp[i Omega_P t + kappa t] cosh(phi0') / cosh(c t + phi0')``, ``y0 = -(N/2) sin theta``.

    Re-deriving S9-S11 from Eq. 7 gives ``kappa = -gamma_0 sin^2(theta)/2 - Gamma/2``
    (``printed_coherence=False``, default); the printed S11 has
    ``kappa = -gamma_0 sin^2(theta)/8 + (Gamma/2)(3-x)/(x-1)`` (``printed_coherence=True``).
    Both differences are O(1/N) per atom (see docs/notes_pokhrel.md).  Requires ``x != 1`` and
    ``|a + (N/2) cos theta| < b``.
    """
    t = np.asarray(t, dtype=float)
    th, x, gam = params.theta, params.x, params.gamma_net
    j = n_atoms / 2
    a = (x + 1) / (2 * (x - 1))
    b = np.sqrt(j * (j + 1) + a * a)
    c = gam * b
    arg = (a + j * np.cos(th)) / b
    if not abs(arg) < 1:
        raise ValueError("moment closure needs |a + (N/2) cos theta| < b")
    ph = np.arctanh(arg)
    mean_m = a - b * np.tanh(c * t + ph)
    if printed_coherence:
        kappa = -params.gamma_0 * np.sin(th) ** 2 / 8 + gam / 2 * (3 - x) / (x - 1)
    else:
        kappa = -params.gamma_0 * np.sin(th) ** 2 / 2 - gam / 2
    env = -j * np.sin(th) * np.exp(kappa * t) * np.cosh(ph) / np.cosh(c * t + ph)
    sz = np.cos(th) * mean_m + np.sin(th) * np.cos(params.omega_p * t) * env
    return 0.5 + sz / n_atoms


def energy_per_atom_lower_bound(tau: ArrayLike, theta: ArrayLike) -> np.ndarray:
    """Eq. 14 with ``cos(Omega_P t) -> 1`` (text above Eq. 16), in ``tau = N Gamma t / 2``.

    ``(1 - cos theta tanh(tau + phi0) - sin theta / cosh(tau + phi0)) / 2``, evaluated in the
    equivalent cancellation-free form ``sin(theta) sinh^2(tau/2) / cosh(tau + phi0)`` (use
    ``cos theta = tanh phi0``, ``sin theta = 1/cosh phi0``).  Increasing in tau > 0 from 0 to
    ``sin^2(theta/2)``.
    """
    tau = np.asarray(tau, dtype=float)
    theta = np.asarray(theta, dtype=float)
    return np.sin(theta) * np.sinh(tau / 2) ** 2 / np.cosh(tau + phi0(theta))


def tau_90_closed_form(theta: ArrayLike, fraction: float = 0.9) -> np.ndarray:
    """Exact root of ``lower_bound(tau) = fraction sin^2(theta/2)``.

    With ``w = e^tau`` the condition is a quadratic in w; its root w > 1 gives
    ``tau_f = ln{[1 + sqrt(f (1 + (1 - f) tan^2(theta/2)))] / (1 - f)}``, increasing in theta from
    ``-ln(1 - sqrt f)`` = 2.96976 (theta -> 0, f = 0.9) to infinity (theta -> pi).
    """
    f = float(fraction)
    t2 = np.tan(np.asarray(theta, dtype=float) / 2) ** 2
    return np.log((1 + np.sqrt(f * (1 + (1 - f) * t2))) / (1 - f))


def tau_90_small_theta(fraction: float = 0.9) -> float:
    """The theta -> 0 limit of :func:`tau_90_closed_form`: ``-ln(1 - sqrt f)`` (2.96976 for
    f = 0.9), the smallest tau_90 of any theta; inside the paper's 2.973 +- 0.005 (Fig. 3)."""
    return float(-np.log(1 - np.sqrt(fraction)))


def charge_at_tau_90(tau: float) -> float:
    """The charge ``E = sin^2(theta/2)`` (x > 1 branch of Eq. 12) at which the exact tau_90(theta)
    of Eq. 16 (:func:`tau_90_closed_form`, f = 0.9) equals ``tau``.

    tau_90 increases with theta, so above this charge every tau_90 exceeds ``tau``: with
    ``tau = 2.973 + 0.005`` it is the largest charge for which the paper's "tau_90 = 2.973 +-
    0.005 for all curves" (Fig. 3) holds.  Brent's method on theta in ``[1e-6, pi - 1e-3]``.
    """
    th = brentq(lambda t: float(tau_90_closed_form(t)) - tau, 1e-6, np.pi - 1e-3)
    return float(np.sin(th / 2) ** 2)


def _tau_90_scalar(theta: float, fraction: float) -> float:
    target = fraction * np.sin(theta / 2) ** 2

    def g(tau: float) -> float:
        return float(energy_per_atom_lower_bound(tau, theta)) - target

    hi = 8.0
    while g(hi) < 0:
        hi *= 2
        if hi > 1e4:
            raise RuntimeError("tau_90: no bracket")
    return brentq(g, 0.0, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)


def tau_90(theta: ArrayLike, fraction: float = 0.9) -> np.ndarray:
    """Dimensionless time ``tau = N Gamma t / 2`` at which the lower bound reaches 90 % (Eq. 16).

    Solved numerically as the paper does: the lower bound
    (:func:`energy_per_atom_lower_bound`) is 0 at tau = 0, strictly increasing (its derivative
    is proportional to ``sinh(2(tau + phi0)) - sinh(2 phi0) > 0``) and tends to
    ``sin^2(theta/2)``, so ``bound(tau) - f sin^2(theta/2)`` has a single root; it is bracketed
    in ``[0, hi]`` (hi doubled from 8 until the sign changes) and found with Brent's method to
    ``xtol = 1e-14``.  Agrees with :func:`tau_90_closed_form` to ~1e-13.  Note: tau_90 depends on
    theta (2.9698 .. 3.039 over the ranges of the paper's Fig. 3), see docs/notes_pokhrel.md.
    """
    th = np.asarray(theta, dtype=float)
    out = np.vectorize(lambda v: _tau_90_scalar(float(v), fraction), otypes=[float])(th)
    return out if out.ndim else out[()]


def charging_time(n_atoms: ArrayLike, theta: ArrayLike, gamma_net: ArrayLike, fraction=0.9):
    """``T = 2 tau_90 / (N Gamma)``: after T the charge never drops below 90 % (Eq. 16)."""
    return 2 * tau_90_closed_form(theta, fraction) / (np.asarray(n_atoms) * np.asarray(gamma_net))


def power_lower_bound(
    n_atoms: ArrayLike,
    theta: ArrayLike,
    gamma_plus: ArrayLike,
    gamma_minus: ArrayLike,
    omega0=1.0,
    fraction: float = 0.9,
    tau90: ArrayLike | None = None,
) -> np.ndarray:
    """Lower bound on ``P_av = E(T)/T`` at ``T = 2 tau_90/(N Gamma)``, Eq. 16.

    ``P_av >= f sin^2(theta/2) N^2 omega0 Gamma / (2 tau_90)``; ``tau90`` defaults to the exact
    theta-dependent value (pass :data:`PAPER_TAU_90` for the paper's constant).
    """
    theta = np.asarray(theta, dtype=float)
    tau = tau_90_closed_form(theta, fraction) if tau90 is None else np.asarray(tau90)
    gam = net_rate(theta, gamma_plus, gamma_minus)
    n = np.asarray(n_atoms, dtype=float)
    return fraction * np.sin(theta / 2) ** 2 * n**2 * omega0 * gam / (2 * tau)


def power_bound_normalized(
    charge: ArrayLike, r: ArrayLike, fraction: float = 0.9, tau90: ArrayLike | None = None
) -> np.ndarray:
    """Eq. 17: ``P_av/(N^2 omega0 gamma_-) >= f/(2 tau_90) E (r (1-E)^2 - E^2)``, ``E = sin^2(theta/2)``.

    ``charge`` is the final charge per atom (x > 1 branch); ``tau90`` defaults to the exact
    ``tau_90(theta)`` with ``theta = 2 asin(sqrt(charge))``.
    """
    e = np.asarray(charge, dtype=float)
    r = np.asarray(r, dtype=float)
    tau = tau_90_closed_form(2 * np.arcsin(np.sqrt(e)), fraction) if tau90 is None else tau90
    return fraction / (2 * np.asarray(tau)) * e * (r * (1 - e) ** 2 - e**2)


# --------------------------------------------------------------------------- discharge


def dipole_steady_state(n_atoms: ArrayLike, theta: ArrayLike, x: ArrayLike) -> np.ndarray:
    """``<S_+>`` in the steady state (Eq. 18, exact in N): ``-sin(theta) <m>``.

    ``S_+ = cos(theta) S'_x - sin(theta) S'_z + i S'_y`` and the steady state is diagonal in the
    dressed basis; for x > 1 and N -> infinity this tends to ``(N/2) sin theta``.
    """
    return -np.sin(np.asarray(theta, dtype=float)) * steady_state_mean_m(n_atoms, x)


def dipole_large_n(n_atoms: ArrayLike, theta: ArrayLike) -> np.ndarray:
    """Eq. 18's limit ``(N/2) sin theta`` (x > 1 branch)."""
    return np.asarray(n_atoms) / 2 * np.sin(np.asarray(theta, dtype=float))


def _psi0(charge: ArrayLike) -> np.ndarray:
    return np.arctanh(1 - 2 * np.asarray(charge, dtype=float))


def discharge_energy_per_atom_large_n(
    t: ArrayLike, n_atoms: float, charge: float, gamma_0: float
) -> np.ndarray:
    """Large-N charge per atom during free collective decay ``gamma_0 D[S_-]`` (drive off).

    Mean-field (coherent spin state of length N/2, ``<S_+ S_-> ~ |<S_+>|^2``, as in the
    paper's large-N treatment of Eqs. 5, 19): ``E/(N omega0) = [1 - tanh(N gamma_0 t/2 + psi0)]/2``
    with ``psi0 = atanh(1 - 2 E_0)``; for the steady state of the x > 1 branch
    ``E_0 = sin^2(theta/2)`` and ``psi0 = phi0``.
    """
    t = np.asarray(t, dtype=float)
    return 0.5 * (1 - np.tanh(n_atoms * gamma_0 * t / 2 + _psi0(charge)))


def coherent_power_large_n(
    t: ArrayLike, n_atoms: float, charge: float, gamma_0: float, omega0=1.0
) -> np.ndarray:
    """Eq. 19 in the large-N limit: ``gamma_0 omega0 |<S_+>|^2 = gamma_0 omega0 (N^2/4) sech^2(...)``.

    Equals ``-dE/dt`` of :func:`discharge_energy_per_atom_large_n`, so the total coherently
    emitted energy is the whole stored charge ``N omega0 E_0``; peak ``gamma_0 omega0 N^2/4``
    (reached when E_0 >= 1/2).
    """
    t = np.asarray(t, dtype=float)
    u = n_atoms * gamma_0 * t / 2 + _psi0(charge)
    return gamma_0 * omega0 * n_atoms**2 / 4 / np.cosh(u) ** 2
