"""Closed forms for the central-spin quantum battery of Peng et al.

Reference
---------
L. Peng, W.-B. He, S. Chesi, H.-Q. Lin and X.-W. Guan, "Lower and upper bounds of quantum
battery power in multiple central spin systems", Phys. Rev. A 103, 052220 (2021)
(``/work/shared/papers/002_5856515c11cfbeb7.txt``; equation numbers below refer to it).

Model (Eqs. 4-6), spin-1/2 operators, ``hbar = 1``::

    H_B = B S^z,   H_C = h J^z,   H_I = A (S^+ J^- + S^- J^+) + 2 Delta S^z J^z,

with ``S = sum_{i<=N_B} s_i`` (battery, "central spins") and ``J = sum_{j<=N} tau_j``
(charger, "bath spins").  Dicke states ``|n> = |N/2, n - N/2>`` count the flipped bath spins,
``J^- |n> = sqrt(b_{N,n}) |n-1>`` with ``b_{N,n} = n (N - n + 1)``.

Power conventions: ``P_B(t) = Delta E_B(t) / t`` (Eq. 3) and ``P_max = max_t P_B(t)``.  The
maximum of ``sin^2(x)/x``, which the paper rounds to 0.72 (at x = 1.16), is provided exactly
as :data:`SIN2_OVER_X_MAX` (at :data:`SIN2_OVER_X_ARGMAX`); the paper's rounded values are
:data:`PAPER_SIN2_OVER_X_MAX` and :data:`PAPER_SIN2_OVER_X_ARGMAX`.

All functions are pure numpy and broadcast over array arguments.  Discrepancies between the
paper and a direct derivation are recorded in ``docs/notes_analytic.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from qbattery.analytic.sin2_over_x import SIN2_OVER_X_ARGMAX, SIN2_OVER_X_MAX, sin2_over_x

__all__ = [
    "SIN2_OVER_X_ARGMAX",
    "SIN2_OVER_X_MAX",
    "PAPER_SIN2_OVER_X_ARGMAX",
    "PAPER_SIN2_OVER_X_MAX",
    "sin2_over_x",
    "b_coefficient",
    "detuning_n",
    "rabi_frequency_n",
    "transfer_probability",
    "single_spin_energy",
    "single_spin_power",
    "single_spin_battery_energy",
    "single_spin_charger_energy",
    "single_spin_interaction_energy",
    "resonant_energy",
    "resonant_max_energy",
    "resonant_tau_min",
    "resonant_max_power",
    "resonant_max_power_time",
    "tc_coupling",
    "tc_energy",
    "tc_power",
    "tc_max_power",
    "tc_max_power_time",
    "tc_max_power_upper_bound",
    "single_charger_spin_energy",
    "single_charger_spin_max_power",
    "thermodynamic_limit_beta",
    "initial_energy_spread",
    "tc_initial_energy_spread",
    "power_bound_time_estimate",
]


# The paper's rounded values of the sin²(x)/x maximum (exact ones: analytic/sin2_over_x.py)

#: The paper's rounded value of :data:`SIN2_OVER_X_MAX` (Eqs. 15, 31; Table I uses it).
PAPER_SIN2_OVER_X_MAX: float = 0.72

#: The paper's rounded value of :data:`SIN2_OVER_X_ARGMAX` (text after Eq. 30).
PAPER_SIN2_OVER_X_ARGMAX: float = 1.16


def _divide_by_t(energy: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``energy / t`` with 0 where ``t == 0`` (all energies here vanish as t^2)."""
    energy, t = np.broadcast_arrays(np.asarray(energy, float), np.asarray(t, float))
    out = np.zeros(energy.shape, dtype=float)
    np.divide(energy, t, out=out, where=(t != 0))
    return out


# ---------------------------------------------------------------------------------------
# N_B = 1: single central spin (Sec. III A and Appendix A)
# ---------------------------------------------------------------------------------------


def b_coefficient(N: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Dicke ladder coefficient ``b_{N,n} = n (N - n + 1)`` (Peng et al., text after Eq. 7).

    ``J^- |n> = sqrt(b_{N,n}) |n-1>`` and ``J^+ |n> = sqrt(b_{N,n+1}) |n+1>`` for the
    Dicke state ``|n> = |N/2, n - N/2>`` of N spin-1/2 (also Eqs. B2-B3).
    """
    N = np.asarray(N, dtype=float)
    n = np.asarray(n, dtype=float)
    return n * (N - n + 1.0)


def detuning_n(
    n: ArrayLike, N: ArrayLike, B: ArrayLike, h: ArrayLike, Delta: ArrayLike = 0.0
) -> np.ndarray:
    """``Delta_n = B - h + (2n - 1 - N) Delta`` (Peng et al., text after Eq. 11 and App. A).

    Energy of ``|up>|n-1>`` minus energy of ``|down>|n>`` under the diagonal part of
    ``H_B + H_C + 2 Delta S^z J^z`` for one central spin.
    """
    n = np.asarray(n, dtype=float)
    N = np.asarray(N, dtype=float)
    return (
        np.asarray(B, float) - np.asarray(h, float) + (2.0 * n - 1.0 - N) * np.asarray(Delta, float)
    )


def rabi_frequency_n(
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """``Omega_n = sqrt(Delta_n^2 + 4 b_{N,n} A^2)`` (Peng et al., text after Eq. 11, App. A).

    Level splitting of the 2x2 block (A1) spanned by ``|down>|n>`` and ``|up>|n-1>``.
    """
    dn = detuning_n(n, N, B, h, Delta)
    return np.sqrt(dn**2 + 4.0 * b_coefficient(N, n) * np.asarray(A, float) ** 2)


def transfer_probability(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """``|P_up^n(t)|^2 = (4 b_{N,n} A^2 / Omega_n^2) sin^2(Omega_n t / 2)`` (Peng Eq. 11, A2).

    Probability that the central spin has flipped up, starting from ``|down> (x) |n>``
    (Eq. 10).  For ``b_{N,n} = 0`` (n = 0) it is identically zero.
    """
    t = np.asarray(t, dtype=float)
    b = b_coefficient(N, n)
    A = np.asarray(A, dtype=float)
    om = rabi_frequency_n(n, N, B, h, A, Delta)
    # 4 b A^2 sin^2(om t/2)/om^2 = b A^2 t^2 sinc^2(om t / (2 pi)): finite at om = 0
    return b * A**2 * t**2 * np.sinc(om * t / (2.0 * np.pi)) ** 2


def single_spin_energy(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """Charging energy for N_B = 1 (Peng et al. Eq. 12).

    ``Delta E_B(t) = B (4 b_{N,n} A^2 / Omega_n^2) sin^2(Omega_n t / 2)``, for the initial
    state ``|down> (x) |n>`` (Eq. 10) of one central spin and N bath spins, n of them up.
    """
    return np.asarray(B, float) * transfer_probability(t, n, N, B, h, A, Delta)


def single_spin_power(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """Average charging power ``P_B(t) = Delta E_B(t)/t`` for N_B = 1 (Peng et al. Eq. 13).

    Returns 0 at ``t = 0`` (the limit, since Delta E_B = O(t^2)).
    """
    return _divide_by_t(single_spin_energy(t, n, N, B, h, A, Delta), np.asarray(t, float))


def single_spin_battery_energy(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """Absolute battery energy ``E_B(t) = tr[H_B rho_B]`` for N_B = 1 (Peng et al. Eq. A6).

    ``E_B(t) = B [ (4 b_{N,n} A^2/Omega_n^2) sin^2(Omega_n t/2) - 1/2 ]``.
    """
    return np.asarray(B, float) * (transfer_probability(t, n, N, B, h, A, Delta) - 0.5)


def single_spin_charger_energy(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """Charger energy ``E_C(t) = tr[H_C rho_C]`` for N_B = 1 (Peng et al. Eq. A7).

    ``E_C(t) = h [ (n - N/2) - (4 b_{N,n} A^2/Omega_n^2) sin^2(Omega_n t/2) ]``.
    """
    n_arr = np.asarray(n, dtype=float)
    N_arr = np.asarray(N, dtype=float)
    p = transfer_probability(t, n, N, B, h, A, Delta)
    return np.asarray(h, float) * ((n_arr - N_arr / 2.0) - p)


def single_spin_interaction_energy(
    t: ArrayLike,
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    h: ArrayLike,
    A: ArrayLike = 1.0,
    Delta: ArrayLike = 0.0,
) -> np.ndarray:
    """Interaction energy ``E_I(t) = tr[H_I rho]`` for N_B = 1 (Peng et al. Eq. A8).

    ``E_I(t) = Delta (N/2 - n) - (B - h) (4 b_{N,n} A^2/Omega_n^2) sin^2(Omega_n t/2)``.
    ``E_B + E_C + E_I`` (A6 + A7 + A8) is the conserved ``<H>``.
    """
    n_arr = np.asarray(n, dtype=float)
    N_arr = np.asarray(N, dtype=float)
    p = transfer_probability(t, n, N, B, h, A, Delta)
    B_arr = np.asarray(B, dtype=float)
    h_arr = np.asarray(h, dtype=float)
    return np.asarray(Delta, float) * (N_arr / 2.0 - n_arr) - (B_arr - h_arr) * p


# --- resonant case B = h, Delta = 0 (Eqs. 14-16) ---------------------------------------


def resonant_energy(
    t: ArrayLike, n: ArrayLike, N: ArrayLike, B: ArrayLike, A: ArrayLike = 1.0
) -> np.ndarray:
    """``Delta E_B(t) = B sin^2(sqrt(b_{N,n}) A t)`` for B = h, Delta = 0 (Peng et al. Eq. 14)."""
    t = np.asarray(t, dtype=float)
    return (
        np.asarray(B, float) * np.sin(np.sqrt(b_coefficient(N, n)) * np.asarray(A, float) * t) ** 2
    )


def resonant_max_energy(B: ArrayLike) -> np.ndarray:
    """``E_max = B`` at resonance, n >= 1 (Peng et al. Eq. 16)."""
    return np.asarray(B, dtype=float)


def resonant_tau_min(n: ArrayLike, N: ArrayLike, A: ArrayLike = 1.0) -> np.ndarray:
    """``tau_min = pi / (2 A sqrt(b_{N,n}))``: first time E_B = E_max (Peng et al. Eq. 16).

    For odd N and ``n = (N+1)/2`` this is ``pi/(2A) / ((N+1)/2)``, as stated after Eq. 16.
    """
    return np.pi / (2.0 * np.asarray(A, float) * np.sqrt(b_coefficient(N, n)))


def resonant_max_power(
    n: ArrayLike,
    N: ArrayLike,
    B: ArrayLike,
    A: ArrayLike = 1.0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """``P_max = c B A sqrt(b_{N,n})`` with c = max sin^2(x)/x (Peng et al. Eq. 15).

    The paper prints ``c ~ 0.72``; the default is the exact :data:`SIN2_OVER_X_MAX`
    (0.72461...).  Pass ``constant=PAPER_SIN2_OVER_X_MAX`` for the paper's number.
    """
    return constant * np.asarray(B, float) * np.asarray(A, float) * np.sqrt(b_coefficient(N, n))


def resonant_max_power_time(
    n: ArrayLike, N: ArrayLike, A: ArrayLike = 1.0, constant: float = SIN2_OVER_X_ARGMAX
) -> np.ndarray:
    """Time of the power maximum (15): ``t* = x*/(A sqrt(b_{N,n}))``, x* = argmax sin^2(x)/x.

    The paper gives the analogous time 1.16/(...) in Sec. III C; the default uses the exact
    :data:`SIN2_OVER_X_ARGMAX` (1.16556...).
    """
    return constant / (np.asarray(A, float) * np.sqrt(b_coefficient(N, n)))


# ---------------------------------------------------------------------------------------
# Holstein-Primakoff / Tavis-Cummings limit (Sec. III C, Eqs. 19-31)
# ---------------------------------------------------------------------------------------


def tc_coupling(N_B: ArrayLike, N: ArrayLike, A: ArrayLike = 1.0) -> np.ndarray:
    """Collective beam-splitter coupling ``A sqrt(N_B N)`` of Eqs. 22-23 (Peng et al.)."""
    return np.asarray(A, float) * np.sqrt(np.asarray(N_B, float) * np.asarray(N, float))


def tc_energy(
    t: ArrayLike,
    N_B: ArrayLike,
    N: ArrayLike,
    m: ArrayLike,
    n: ArrayLike,
    B: ArrayLike,
    A: ArrayLike = 1.0,
) -> np.ndarray:
    """``Delta E_B(t) = B (n - m) sin^2(A sqrt(N_B N) t)`` (Peng et al. Eq. 29).

    Exact for the two-mode bosonic model (23) ``A sqrt(N_B N) (a^dag b + a b^dag)`` (B = h,
    Delta = 0) from the Fock state ``|m>_b |n>_a``; an approximation to the spin model when
    both HP expansions (19), (21) hold, i.e. the number of flipped spins stays << N_B and << N.
    """
    t = np.asarray(t, dtype=float)
    dn = np.asarray(n, float) - np.asarray(m, float)
    return np.asarray(B, float) * dn * np.sin(tc_coupling(N_B, N, A) * t) ** 2


def tc_power(
    t: ArrayLike,
    N_B: ArrayLike,
    N: ArrayLike,
    m: ArrayLike,
    n: ArrayLike,
    B: ArrayLike,
    A: ArrayLike = 1.0,
) -> np.ndarray:
    """``P_B(t) = B (n - m) sin^2(A sqrt(N_B N) t)/t`` (Peng et al. Eq. 30); 0 at t = 0."""
    return _divide_by_t(tc_energy(t, N_B, N, m, n, B, A), np.asarray(t, float))


def tc_max_power(
    N_B: ArrayLike,
    N: ArrayLike,
    m: ArrayLike,
    n: ArrayLike,
    B: ArrayLike,
    A: ArrayLike = 1.0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """``P_max = c B A sqrt(N_B N) (n - m)`` (Peng et al., text after Eq. 30).

    ``c = max sin^2(x)/x``: exact by default, pass ``constant=PAPER_SIN2_OVER_X_MAX`` for
    the paper's 0.72.
    """
    dn = np.asarray(n, float) - np.asarray(m, float)
    return constant * np.asarray(B, float) * tc_coupling(N_B, N, A) * dn


def tc_max_power_time(
    N_B: ArrayLike, N: ArrayLike, A: ArrayLike = 1.0, constant: float = SIN2_OVER_X_ARGMAX
) -> np.ndarray:
    """``tau = x*/(A sqrt(N_B N))`` (Peng et al., text after Eq. 30: ``1.16/(A sqrt(N_B N))``).

    Note: at this time the battery holds ``(n-m) sin^2(x*) = 0.845 (n-m)`` excitations, so
    with ``n - m = N_B`` the HP condition ``<b^dag b> << N_B`` is *not* met there (see
    ``docs/notes_analytic.md``).
    """
    return constant / tc_coupling(N_B, N, A)


def tc_max_power_upper_bound(
    N_B: ArrayLike,
    N: ArrayLike,
    B: ArrayLike = 1.0,
    A: ArrayLike = 1.0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """``P_max = c B A sqrt(N) N_B^{3/2}`` (Peng et al. Eq. 31): Eq. 30's maximum at n - m = N_B.

    (The abstract misprints this as ``0.72 B A sqrt(N N_B^{3/2})``.)
    """
    N_B = np.asarray(N_B, dtype=float)
    return (
        constant
        * np.asarray(B, float)
        * np.asarray(A, float)
        * np.sqrt(np.asarray(N, float))
        * N_B**1.5
    )


def thermodynamic_limit_beta(
    N: ArrayLike,
    B: ArrayLike = 1.0,
    A: ArrayLike = 1.0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """Prefactor ``beta(N) = c B A sqrt(N)`` of ``P_max = beta N_B^{3/2}`` (Eq. 31, Table I).

    Table I's "thermodynamic limit" column (7.2, 10.1823, 12.4708 for N = 100, 200, 300, with
    A = B = 1) is reproduced with ``constant=PAPER_SIN2_OVER_X_MAX`` (= 0.72 exactly); the exact
    constant (default) gives 7.2461, 10.2475, 12.5506.
    """
    return constant * np.asarray(B, float) * np.asarray(A, float) * np.sqrt(np.asarray(N, float))


# --- N = 1 charger spin: the lower bound (end of Sec. III C) ----------------------------


def single_charger_spin_energy(
    t: ArrayLike, N_B: ArrayLike, m: ArrayLike, B: ArrayLike, A: ArrayLike = 1.0
) -> np.ndarray:
    """``Delta E_B = B sin^2(sqrt(b_{N_B, m+1}) A t)`` for N = 1 (Peng et al., end of Sec. III C).

    One charger spin up, battery in the Dicke state ``|m>`` of N_B spins, B = h, Delta = 0.
    """
    t = np.asarray(t, dtype=float)
    b = b_coefficient(N_B, np.asarray(m, float) + 1.0)
    return np.asarray(B, float) * np.sin(np.sqrt(b) * np.asarray(A, float) * t) ** 2


def single_charger_spin_max_power(
    N_B: ArrayLike,
    m: ArrayLike,
    B: ArrayLike,
    A: ArrayLike = 1.0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """``P_max = c B A sqrt(b_{N_B, m+1})`` for N = 1 (Peng et al., end of Sec. III C).

    At ``m = 0``, ``b_{N_B,1} = N_B`` so ``P_max ~ sqrt(N_B)``: the lower bound alpha = 1/2.
    """
    b = b_coefficient(N_B, np.asarray(m, float) + 1.0)
    return constant * np.asarray(B, float) * np.asarray(A, float) * np.sqrt(b)


# --- time scales of a charging run ---------------------------------------------------------


def initial_energy_spread(
    N_B: ArrayLike, N: ArrayLike, n: ArrayLike, A: ArrayLike = 1.0, m: ArrayLike = 0
) -> np.ndarray:
    """Energy spread ``sigma = sqrt(<H^2> - <H>^2)`` of the initial state ``|m> (x) |n>``.

    ``sigma = A sqrt(b_{N_B,m+1} b_{N,n} + b_{N_B,m} b_{N,n+1})``: only the flip-flop term of
    Eq. 6 moves the Dicke product state (the rest of H is diagonal in it), to ``|m+1, n-1>``
    and ``|m-1, n+1>`` with the amplitudes of the recurrence Eq. 17.
    From ``m = 0`` this is ``A sqrt(N_B n (N - n + 1))``; ``1/sigma`` is the time of the first
    population transfer, which sets the grid a run needs.
    """
    m = np.asarray(m, dtype=float)
    up = b_coefficient(N_B, m + 1.0) * b_coefficient(N, n)
    down = b_coefficient(N_B, m) * b_coefficient(N, np.asarray(n, float) + 1.0)
    return np.asarray(A, float) * np.sqrt(up + down)


def tc_initial_energy_spread(N_B: ArrayLike, n: ArrayLike, m: ArrayLike = 0) -> np.ndarray:
    """:func:`initial_energy_spread` in the N -> infinity limit (Eq. 20), in units A sqrt(N) = 1.

    The bath becomes a boson with n quanta, ``b_{N,k} -> N k``:
    ``sigma / (A sqrt(N)) = sqrt(b_{N_B,m+1} n + b_{N_B,m} (n + 1))``.
    """
    m = np.asarray(m, dtype=float)
    n = np.asarray(n, dtype=float)
    return np.sqrt(b_coefficient(N_B, m + 1.0) * n + b_coefficient(N_B, m) * (n + 1.0))


def power_bound_time_estimate(
    N_B: ArrayLike,
    n: ArrayLike,
    spread: ArrayLike,
    m: ArrayLike = 0,
    constant: float = SIN2_OVER_X_MAX,
) -> np.ndarray:
    """``min(N_B - m, n) / (c sigma)``: the window E_capacity / P_max if P_max were c B sigma.

    The battery holds at most ``E_capacity = B min(N_B - m, n)`` (excitation number conservation),
    so no t > E_capacity / P_max can beat P_max (Sec. III). ``c B sigma`` with c = max sin^2 x / x
    is Eq. 15's P_max for N_B = 1 at resonance (sigma = A sqrt(b_{N,n})), where this time is exact;
    with more battery spins P_max is larger and the window shorter. An estimate to start a run
    from, not a bound: off resonance P_max can be smaller, and a run must check its own
    ``P_max_is_global``.
    """
    cap = np.minimum(np.asarray(N_B, float) - np.asarray(m, float), np.asarray(n, float))
    return cap / (constant * np.asarray(spread, float))
