"""Closed forms for dissipative charging of N driven atoms with collective decay: the parameters
and the steady state (Eqs. 1-12).  The transients (Eqs. 13-19: E(t), tau_90, power bounds,
discharge) are in :mod:`qbattery.analytic.driven_dynamics`.

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

__all__ = [
    "DressedParams",
    "dressed_frame",
    "x_parameter",
    "theta_x_equal_one",
    "net_rate",
    "phi0",
    "steady_state_populations",
    "steady_state_mean_m",
    "steady_state_h0",
    "steady_state_energy",
    "steady_state_ergotropy",
    "steady_state_ergotropy_sup",
    "ergotropy_per_atom_eq10",
    "ergotropy_per_atom_large_n",
    "ergotropy_per_atom_bound",
]


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


def theta_x_equal_one(r: ArrayLike) -> np.ndarray:
    """The angle at which ``x = r cot^4(theta/2) = 1``: ``theta = 2 atan(r^(1/4))``.

    There all N+1 dressed populations of Eq. 8 are equal, so the symmetric ergotropy (Eq. 10)
    vanishes (caption of Fig. 1); theta above it is the x < 1 branch, below it x > 1.
    """
    return 2 * np.arctan(np.asarray(r, dtype=float) ** 0.25)


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


def steady_state_ergotropy_sup(r: float, n_atoms: float) -> tuple[float, float]:
    """Sup over theta of the steady symmetric ergotropy per atom R/N (Eq. 10) at size N, on the
    x < 1 and the x > 1 branch: the finite-N counterparts of the bounds of Eqs. 11-12,
    ``1/(1 + sqrt r)`` and ``1/(1 + 1/sqrt r)``.

    The sups are reached only as x -> 1, where finite N pulls R down: the distance closes like
    N^(-1/2), so the search is on a log grid of |theta - theta(x=1)| (3000 points from 1e-9 to
    10^-0.3 on each side).
    """
    th1 = float(theta_x_equal_one(r))
    out = []
    for side in (1.0, -1.0):  # theta > theta(x=1) is x < 1
        th = th1 + side * np.logspace(-9, -0.3, 3000)
        th = th[(th > 0) & (th < np.pi)]
        out.append(float(np.max(steady_state_ergotropy(n_atoms, th, x_parameter(th, r)) / n_atoms)))
    return out[0], out[1]
