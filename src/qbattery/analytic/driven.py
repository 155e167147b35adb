"""Closed forms for dissipative charging of N driven atoms with collective decay.

Reference
---------
S. Pokhrel and J. Gea-Banacloche, "Large collective power enhancement in dissipative charging of
a quantum battery", PRL (2025) (``/work/shared/papers/001_29273df1711e549b.txt``; equation
numbers refer to it, "S" numbers to its supplement).  Paper-vs-ours numbers and the errata found
while re-deriving everything are in ``docs/notes_pokhrel.md``.

Conventions (``hbar = 1``)
--------------------------
Spin operators ``S_k = sum_i sigma_k^i / 2`` (the paper's ``J_k`` of Eq. 2 with ``hbar = 1``),
``S_+- = sum_i sigma_+-^i``, total spin ``j = N/2``, Dicke states ``|m>``, ``-j <= m <= j``.

* Battery Hamiltonian (where the paper stores energy): ``H_B = H_0 = omega0 S_z``
  ``= omega0 sum_i sigma_z^i / 2``.  The *battery charge* is
  ``E = <H_0> + N omega0 / 2 = omega0 (<S_z> + N/2)`` = omega0 x (number of excitations), so the
  empty battery (all atoms in ``|g>``) has ``E = 0`` and the full one ``E = N omega0``.
  ``<S_z>`` is the same in the lab frame and in the frame rotating at the pump frequency, so every
  energy and ergotropy below is frame independent.
* Drive (Eq. 1, frame rotating at the pump frequency ``omega_P``):
  ``H_1 = Delta S_z - Omega_R S_x = Omega_P S'_z`` with ``Delta = omega0 - omega_P``,
  ``Omega_P = sqrt(Delta^2 + Omega_R^2)``, ``theta = atan2(Omega_R, Delta)`` in ``[0, pi]``
  (so ``cos theta = Delta / Omega_P``, ``sin theta = Omega_R / Omega_P``).
* Dressed frame (Eqs. 3-4): ``U = exp(i theta S_y)``, ``S'_k = U S_k U^dagger``, explicitly
  ``S'_z = cos(theta) S_z - sin(theta) S_x`` and ``S'_x = cos(theta) S_x + sin(theta) S_z``;
  dressed states ``|e_m> = U |m>`` with ``H_1 |e_m> = m Omega_P |e_m>``.  Inversely
  ``S_z = cos(theta) S'_z + sin(theta) S'_x`` (Eq. 13 / S1).
* Decay: ``S_- = -sin(theta) S'_z - sin^2(theta/2) S'_+ + cos^2(theta/2) S'_-`` (Eq. 6); keeping
  only secular terms gives Eq. 7::

      drho/dt = -i[Omega_P S'_z, rho] + rate_dephase D[S'_z] rho
                + rate_raise D[S'_+] rho + rate_lower D[S'_-] rho,
      rate_dephase = gamma_0 sin^2(theta)        (photons at omega_P)
      rate_raise   = gamma_- sin^4(theta/2)      (photons at omega_P - Omega_P)
      rate_lower   = gamma_+ cos^4(theta/2)      (photons at omega_P + Omega_P)

  with ``D[A] rho = A rho A^dagger - {A^dagger A, rho} / 2`` and ``gamma_+- = gamma(omega_P +-
  Omega_P)``.  The paper's parameters enter only through ``theta``, ``Omega_P`` and these three
  rates; in particular ``r = gamma_+ / gamma_-``, ``x = rate_lower / rate_raise = r cot^4(theta/2)``
  and the net rate ``Gamma = rate_lower - rate_raise`` (Eq. 15).  ``gamma_0`` never affects the
  dressed populations (only the coherences).

Ergotropy (Eq. 10): which unitaries?
------------------------------------
The paper builds the passive state "by assigning to the eigenvalues of H_0, in decreasing order,
the probabilities (8), in increasing order": it pairs the N+1 populations with the N+1 *symmetric*
levels ``m omega0`` only, i.e. it maximises over unitaries acting inside the symmetric (j = N/2)
subspace (permutation-invariant collective operations).  Checked numerically
(``tests/test_driven_dissipative.py``): Eq. 10 equals the symmetric-subspace ergotropy of the
exact steady state to machine precision for N = 1..4, and differs from the ergotropy over *all*
unitaries on the 2^N-dimensional battery for every N >= 2.  The all-unitary ergotropy of any
state supported on the symmetric subspace has the closed form
``R_all = E - omega0 (1 - lambda_max)`` (the passive state fills the non-degenerate ground level
and then the N-fold degenerate first excited level, which hold N+1 >= rank states), so
``R_all >= R_sym``, with equality only for N = 1; e.g. at ``x = 1`` the paper's (symmetric)
ergotropy vanishes (its Fig. 1 caption) while ``R_all = omega0 N (N-1) / (2 (N+1)) > 0``.
Both coincide per atom for N -> infinity (Eqs. 11-12).  :func:`steady_state_ergotropy` provides
both (``unitaries="symmetric"`` reproduces the paper).

All functions are pure numpy and broadcast over array arguments unless stated otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

__all__ = [
    "PAPER_TAU_90",
    "DressedParams",
    "dressed_frame",
    "x_parameter",
    "net_rate",
    "phi0",
    "steady_state_populations",
    "steady_state_mean_m",
    "steady_state_h0",
    "steady_state_energy",
    "steady_state_ergotropy",
    "ergotropy_per_atom_eq10",
    "ergotropy_per_atom_large_n",
    "ergotropy_per_atom_bound",
    "energy_per_atom_large_n",
    "energy_per_atom_moment_closure",
    "energy_per_atom_lower_bound",
    "tau_90",
    "tau_90_closed_form",
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


# --------------------------------------------------------------------------- parameters


def dressed_frame(delta: ArrayLike, omega_r: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(Omega_P, theta)`` from detuning and Rabi frequency (Eqs. 1-3).

    ``Omega_P = sqrt(Delta^2 + Omega_R^2)`` and ``theta = atan2(Omega_R, Delta)`` in ``[0, pi]``
    for ``Omega_R >= 0`` (the paper's ``tan^-1(Omega_R / Delta)`` with ``0 <= theta <= pi``).
    """
    delta = np.asarray(delta, dtype=float)
    omega_r = np.asarray(omega_r, dtype=float)
    return np.hypot(delta, omega_r), np.arctan2(omega_r, delta)


def x_parameter(theta: ArrayLike, r: ArrayLike) -> np.ndarray:
    """``x = r cot^4(theta/2)`` (below Eq. 8): the ratio rate_lower / rate_raise."""
    theta = np.asarray(theta, dtype=float)
    return np.asarray(r, dtype=float) * (np.cos(theta / 2) / np.sin(theta / 2)) ** 4


def net_rate(theta: ArrayLike, gamma_plus: ArrayLike, gamma_minus: ArrayLike) -> np.ndarray:
    """``Gamma = gamma_+ cos^4(theta/2) - gamma_- sin^4(theta/2)`` (Eq. 15)."""
    theta = np.asarray(theta, dtype=float)
    return (
        np.asarray(gamma_plus) * np.cos(theta / 2) ** 4
        - np.asarray(gamma_minus) * np.sin(theta / 2) ** 4
    )


def phi0(theta: ArrayLike) -> np.ndarray:
    """``phi_0 = atanh(cos theta) = ln|cot(theta/2)|`` (below Eq. 14)."""
    theta = np.asarray(theta, dtype=float)
    return np.log(np.abs(np.cos(theta / 2) / np.sin(theta / 2)))


@dataclass(frozen=True)
class DressedParams:
    """Parameters of the secular master equation (Eq. 7).

    ``theta`` mixing angle, ``gamma_plus = gamma(omega_P + Omega_P)``, ``gamma_minus =
    gamma(omega_P - Omega_P)``, ``gamma_0 = gamma(omega_P)``, ``omega_p`` the dressed splitting
    ``Omega_P`` (only sets the transient oscillation), ``omega0`` the atomic frequency (energy
    unit of the battery).
    """

    theta: float
    gamma_plus: float
    gamma_minus: float
    gamma_0: float = 0.0
    omega_p: float = 0.0
    omega0: float = 1.0

    @classmethod
    def from_drive(
        cls,
        delta: float,
        omega_r: float,
        gamma_plus: float,
        gamma_minus: float,
        gamma_0: float,
        omega0: float = 1.0,
    ) -> DressedParams:
        """From the lab parameters ``Delta = omega0 - omega_P`` and ``Omega_R`` (Eq. 1)."""
        omega_p, theta = dressed_frame(delta, omega_r)
        return cls(float(theta), gamma_plus, gamma_minus, gamma_0, float(omega_p), omega0)

    @classmethod
    def from_ratio(
        cls,
        theta: float,
        r: float,
        gamma_minus: float = 1.0,
        gamma_0: float | None = None,
        omega_p: float = 0.0,
        omega0: float = 1.0,
    ) -> DressedParams:
        """From ``r = gamma_+/gamma_-`` (the paper's figures: r, theta, gamma_0 = gamma_-)."""
        g0 = gamma_minus if gamma_0 is None else gamma_0
        return cls(theta, r * gamma_minus, gamma_minus, g0, omega_p, omega0)

    @property
    def r(self) -> float:
        return self.gamma_plus / self.gamma_minus

    @property
    def rate_raise(self) -> float:
        """Coefficient of ``D[S'_+]``: ``gamma_- sin^4(theta/2)``."""
        return self.gamma_minus * np.sin(self.theta / 2) ** 4

    @property
    def rate_lower(self) -> float:
        """Coefficient of ``D[S'_-]``: ``gamma_+ cos^4(theta/2)``."""
        return self.gamma_plus * np.cos(self.theta / 2) ** 4

    @property
    def rate_dephase(self) -> float:
        """Coefficient of ``D[S'_z]``: ``gamma_0 sin^2(theta)``."""
        return self.gamma_0 * np.sin(self.theta) ** 2

    @property
    def x(self) -> float:
        """``x = rate_lower / rate_raise = r cot^4(theta/2)``."""
        return self.rate_lower / self.rate_raise

    @property
    def gamma_net(self) -> float:
        """``Gamma`` of Eq. 15 (= rate_lower - rate_raise)."""
        return self.rate_lower - self.rate_raise

    @property
    def charge_fraction(self) -> float:
        """Large-N steady charge per atom ``E/(N omega0)``: sin^2(theta/2) (x>1), cos^2 (x<1)."""
        return float(np.sin(self.theta / 2) ** 2 if self.x > 1 else np.cos(self.theta / 2) ** 2)


# --------------------------------------------------------------------------- steady state


def steady_state_populations(n_atoms: int, x: float) -> np.ndarray:
    """Dressed populations ``rho_mm`` of the steady state, Eq. 8, ordered m = -N/2 .. N/2.

    ``rho_mm = x^(N/2 - m) / sum_n x^n``, evaluated in log space (no overflow for large N).
    """
    k = np.arange(n_atoms + 1)  # k = m + N/2
    with np.errstate(divide="ignore"):
        logw = (n_atoms - k) * np.log(float(x))
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def _langevin(z: np.ndarray) -> np.ndarray:
    """``coth(z) - 1/z``, with its Taylor series near 0 (no cancellation)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 0.05
    zs = z[small]
    z2 = zs * zs
    out[small] = zs * (1 / 3 + z2 * (-1 / 45 + z2 * (2 / 945 + z2 * (-1 / 4725 + z2 * 2 / 93555))))
    zl = z[~small]
    with np.errstate(divide="ignore"):
        out[~small] = 1 / np.tanh(zl) - 1 / zl
    return out


def steady_state_mean_m(n_atoms: ArrayLike, x: ArrayLike) -> np.ndarray:
    """``<S'_z>`` in the steady state: ``sum_m m rho_mm`` with Eq. 8.

    Closed form (a Brillouin function, stable for every x > 0 and large N): with
    ``beta = -ln x``, ``<m> = ((N+1)/2) L((N+1) beta / 2) - (1/2) L(beta / 2)``,
    ``L(z) = coth z - 1/z``.  Equals the sum in Eq. 9 divided by ``sum_n x^n``.
    """
    n = np.asarray(n_atoms, dtype=float)
    with np.errstate(divide="ignore"):
        beta = -np.log(np.asarray(x, dtype=float))
    n, beta = np.broadcast_arrays(n, beta)
    return (n + 1) / 2 * _langevin((n + 1) * beta / 2) - 0.5 * _langevin(beta / 2)


def steady_state_h0(n_atoms: ArrayLike, theta: ArrayLike, x: ArrayLike, omega0=1.0) -> np.ndarray:
    """``Tr(rho_ss H_0) = omega0 cos(theta) <m>`` (Eq. 9; the S'_x part vanishes in steady state)."""
    return omega0 * np.cos(np.asarray(theta, dtype=float)) * steady_state_mean_m(n_atoms, x)


def steady_state_energy(
    n_atoms: ArrayLike, theta: ArrayLike, x: ArrayLike, omega0=1.0
) -> np.ndarray:
    """Battery charge in steady state ``E = Tr(rho_ss H_0) + N omega0 / 2`` (Eq. 9)."""
    return steady_state_h0(n_atoms, theta, x, omega0) + omega0 * np.asarray(n_atoms) / 2


def _p_max(n_atoms: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Largest steady-state population ``1 / sum_{n<=N} y^n``, ``y = min(x, 1/x)``."""
    y = np.minimum(x, 1 / x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (1 - y) / (1 - y ** (n_atoms + 1))
    return np.where(np.isclose(y, 1, rtol=0, atol=1e-12), 1 / (n_atoms + 1), out)


def steady_state_ergotropy(
    n_atoms: ArrayLike,
    theta: ArrayLike,
    x: ArrayLike,
    omega0=1.0,
    unitaries: str = "symmetric",
) -> np.ndarray:
    """Ergotropy of the steady state (Eq. 10, times N).

    ``unitaries="symmetric"`` (the paper's Eq. 10): passive state within the N+1 symmetric levels,
    ``R = omega0 (cos(theta) <m> + |<m>|)`` — i.e. ``omega0 (cos theta +- 1) <m>`` with ``+``
    for x < 1 and ``-`` for x > 1.

    ``unitaries="all"``: maximised over all unitaries of the 2^N-dimensional battery,
    ``R = E - omega0 (1 - p_max)`` with ``p_max`` the largest population of Eq. 8.
    """
    n = np.asarray(n_atoms, dtype=float)
    x = np.asarray(x, dtype=float)
    m = steady_state_mean_m(n, x)
    if unitaries == "symmetric":
        return omega0 * (np.cos(theta) * m + np.abs(m))
    if unitaries == "all":
        return steady_state_energy(n, theta, x, omega0) - omega0 * (1 - _p_max(n, x))
    raise ValueError(f"unitaries must be 'symmetric' or 'all', not {unitaries!r}")


def ergotropy_per_atom_eq10(n_atoms: ArrayLike, theta: ArrayLike, x: ArrayLike, omega0=1.0):
    """Eq. 10 exactly as printed (x != 1; overflows for large N — use steady_state_ergotropy).

    ``R/N = omega0/(2N) (cos theta +- 1) [N(x-1)(1+x^(N+1)) + 2x(1-x^N)] / [(x-1)(1-x^(N+1))]``,
    ``+`` for x < 1, ``-`` for x > 1.
    """
    n = np.asarray(n_atoms, dtype=float)
    x = np.asarray(x, dtype=float)
    theta = np.asarray(theta, dtype=float)
    sign = np.where(x < 1, 1.0, -1.0)
    frac = (n * (x - 1) * (1 + x ** (n + 1)) + 2 * x * (1 - x**n)) / ((x - 1) * (1 - x ** (n + 1)))
    return omega0 / (2 * n) * (np.cos(theta) + sign) * frac


def ergotropy_per_atom_large_n(theta: ArrayLike, x: ArrayLike, omega0=1.0) -> np.ndarray:
    """N -> infinity limit of Eq. 10: ``cos^2(theta/2)`` (x < 1, Eq. 11), ``sin^2`` (x > 1, Eq. 12).

    Equal to the charge per atom: in this limit ``R = E`` (all stored energy is extractable).
    """
    theta = np.asarray(theta, dtype=float)
    return omega0 * np.where(np.asarray(x) < 1, np.cos(theta / 2) ** 2, np.sin(theta / 2) ** 2)


def ergotropy_per_atom_bound(r: ArrayLike, branch: str = "x>1", omega0=1.0) -> np.ndarray:
    """Supremum of Eqs. 11-12 over theta: ``1/(1+sqrt r)`` (x<1), ``1/(1+sqrt(1/r))`` (x>1)."""
    r = np.asarray(r, dtype=float)
    if branch == "x<1":
        return omega0 / (1 + np.sqrt(r))
    if branch == "x>1":
        return omega0 / (1 + np.sqrt(1 / r))
    raise ValueError("branch must be 'x<1' or 'x>1'")


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
