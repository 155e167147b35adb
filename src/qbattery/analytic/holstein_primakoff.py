"""Holstein-Primakoff / Bogoliubov closed forms for the Dicke battery with one-axis twisting.

Reference
---------
K.-X. Yan, J.-W. Yu, Y. Yu, J.-H. Lin, S. Liu, Y.-H. Chen, Y. Xia and F. Nori,
"Spin-squeezing-enhanced charging for quantum Dicke batteries" (2026)
(``/work/shared/papers/000_633cfcdeb707b8dc.txt``; equation numbers below refer to it).

Model (Eq. 1), ``hbar = 1``, ``S_k = sum_i sigma_i^k / 2``::

    H = omega_a S_z + (J_k/N) S_k^2 + omega_c a^dag a + (g/sqrt(N)) S_x (a + a^dag),

``k`` in ``{"x", "y", "z"}``.  With ``S_z = b^dag b - N/2``, ``S_+ ~ sqrt(N) b^dag``,
``S_- ~ sqrt(N) b`` and dropping O(1/N) terms (quartic in b) this becomes (Eq. 4)::

    H_k^HP = Omega_k b^dag b + mu_k (b^dag^2 + b^2) + omega_c a^dag a
             + (g/2)(b + b^dag)(a + a^dag) + const_k,

with (derived here and checked numerically in the tests; they agree with the paper)

=====  ======================  ==========  =====================================
 k      Omega_k                 mu_k        const_k
=====  ======================  ==========  =====================================
 x      omega_a + J_x/2         +J_x/4      -omega_a N/2 + J_x/4
 y      omega_a + J_y/2         -J_y/4      -omega_a N/2 + J_y/4
 z      omega_a - J_z           0           -omega_a N/2 + J_z N/4
=====  ======================  ==========  =====================================

A Bogoliubov rotation ``b = beta cosh r_k + beta^dag sinh r_k`` with
``tanh 2 r_k = -2 mu_k / Omega_k`` (i.e. ``tanh 2r_x = -J_x/(J_x + 2 omega_a)``,
``tanh 2r_y = J_y/(J_y + 2 omega_a)``) gives ``H_at = Delta_k beta^dag beta + const`` with
``Delta_k = sqrt(Omega_k^2 - 4 mu_k^2)``: ``sqrt(omega_a (omega_a + J_k))`` for k = x, y and
``omega_a - J_z`` for k = z (the paper's formula for Delta_k is stated for x, y only).  Since
``b + b^dag = e^{r_k} (beta + beta^dag)`` the charger coupling becomes
``(g e^{r_k}/2)(beta + beta^dag)(a + a^dag)`` (Eq. 5).  Useful identities:
``e^{2 r_x} = omega_a/Delta_x``, ``e^{2 r_y} = Delta_y/omega_a``, ``r_z = 0``.

Normal modes.  Eq. 5 is two oscillators coupled through ``G x_1 x_2`` (``G = g e^{r_k}``,
``x = (c + c^dag)/sqrt 2``).  Its exact normal-mode frequencies are
``omega_pm^2 = [Delta^2 + omega_c^2 pm sqrt((Delta^2 - omega_c^2)^2 + 4 G^2 Delta omega_c)]/2``
(:func:`normal_mode_frequencies`).  The paper's ``omega_pm = sqrt(Delta^2 pm G Delta)``
(:func:`normal_mode_frequencies_paper`) is the resonant special case ``omega_c = Delta_k``
(the setting of the paper's Fig. 2), exact there and wrong off resonance.

Validity: the normal (all-down) phase requires ``Delta_k^2 > 0`` (``J_x > -omega_a``,
``J_y > -omega_a``, ``J_z < omega_a``) and ``g < g_c`` (:func:`critical_coupling`).  Outside
this range the functions return nan for square roots of negative numbers (frequencies), while
:func:`stored_energy` continues analytically (exponential growth of the linearised model).

All functions accept numpy arrays for ``t``; the model parameters are scalars.
Discrepancies with the paper are recorded in ``docs/notes_analytic.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from qbattery.analytic.sin2_over_x import SIN2_OVER_X_ARGMAX, SIN2_OVER_X_MAX, sin2_over_x

__all__ = [
    "AXES",
    "hp_atomic_frequency",
    "hp_pairing_strength",
    "hp_constant_shift",
    "squeezing_parameter",
    "renormalized_frequency",
    "effective_coupling",
    "normal_mode_frequencies",
    "normal_mode_frequencies_paper",
    "critical_coupling",
    "soft_mode_twisting",
    "stored_energy",
    "average_power",
    "stored_energy_soft_mode",
    "average_power_soft_mode",
    "max_power_soft_mode",
    "max_power_time_soft_mode",
    "max_power_scaling",
    "swap_power_estimate",
]

AXES = ("x", "y", "z")


def _check_axis(axis: str) -> str:
    if axis not in AXES:
        raise ValueError(f"axis must be one of {AXES}, got {axis!r}")
    return axis


def _sqrt_or_nan(x: float) -> float:
    """Real square root, nan for negative arguments (outside the HP normal phase)."""
    x = float(x)
    return float(np.sqrt(x)) if x >= 0.0 else float("nan")


# ---------------------------------------------------------------------------------------
# HP Hamiltonian (Eq. 4)
# ---------------------------------------------------------------------------------------


def hp_atomic_frequency(omega_a: float, J: float, axis: str) -> float:
    """Effective atomic frequency ``Omega_k`` of the HP Hamiltonian (Yan et al. Eq. 4).

    ``Omega_x = omega_a + J_x/2``, ``Omega_y = omega_a + J_y/2``, ``Omega_z = omega_a - J_z``.
    (x, y: from ``(J/N) S_{x,y}^2 = (J/4)(2 b^dag b + 1 +- (b^2 + b^dag^2))``; z: from
    ``(J/N)(b^dag b - N/2)^2 = J N/4 - J b^dag b + O(1/N)``.)
    """
    axis = _check_axis(axis)
    if axis == "z":
        return float(omega_a - J)
    return float(omega_a + J / 2.0)


def hp_pairing_strength(J: float, axis: str) -> float:
    """Coefficient ``mu_k`` of ``(b^dag^2 + b^2)`` in ``H_k^sq`` (Yan et al. Eq. 4).

    ``mu_x = J_x/4``, ``mu_y = -J_y/4``, ``mu_z = 0`` (``H_z^sq = 0``).
    """
    axis = _check_axis(axis)
    return {"x": J / 4.0, "y": -J / 4.0, "z": 0.0}[axis]


def hp_constant_shift(omega_a: float, J: float, N: float, axis: str) -> float:
    """c-number dropped in Yan et al. Eq. 4: ``H_B = Omega_k b^dag b + H_k^sq + const_k``.

    ``const = -omega_a N/2 + J/4`` for k = x, y and ``-omega_a N/2 + J N/4`` for k = z.
    Not given in the paper; needed only to compare absolute energies with the spin model.
    """
    axis = _check_axis(axis)
    base = -omega_a * N / 2.0
    return float(base + (J * N / 4.0 if axis == "z" else J / 4.0))


# ---------------------------------------------------------------------------------------
# Bogoliubov transformation (text before Eq. 5)
# ---------------------------------------------------------------------------------------


def squeezing_parameter(omega_a: float, J: float, axis: str) -> float:
    """Bogoliubov squeezing parameter ``r_k`` (Yan et al., text before Eq. 5).

    ``tanh 2 r_x = -J_x/(J_x + 2 omega_a)``, ``tanh 2 r_y = J_y/(J_y + 2 omega_a)``,
    ``r_z = 0``; equivalently ``tanh 2 r_k = -2 mu_k/Omega_k`` and ``e^{4 r_x} =
    omega_a/(omega_a + J_x)``, ``e^{4 r_y} = (omega_a + J_y)/omega_a``.
    nan outside the normal phase (|tanh 2r| >= 1, i.e. ``omega_a + J_k <= 0``).
    """
    axis = _check_axis(axis)
    if axis == "z":
        return 0.0
    tanh2r = -2.0 * hp_pairing_strength(J, axis) / hp_atomic_frequency(omega_a, J, axis)
    if not abs(tanh2r) < 1.0:
        return float("nan")
    return float(0.5 * np.arctanh(tanh2r))


def renormalized_frequency(omega_a: float, J: float, axis: str) -> float:
    """Quasiparticle frequency ``Delta_k`` of the atomic mode (Yan et al., Eq. 5).

    ``Delta_k = sqrt(Omega_k^2 - 4 mu_k^2)``: ``sqrt(omega_a (omega_a + J_k))`` for k = x, y
    (as in the paper) and ``Omega_z = omega_a - J_z`` for k = z (the paper's square-root
    formula does not apply to z).  nan outside the normal phase.
    """
    axis = _check_axis(axis)
    if axis == "z":
        om = hp_atomic_frequency(omega_a, J, axis)
        return float(om) if om > 0 else float("nan")
    return _sqrt_or_nan(omega_a * (omega_a + J))


def effective_coupling(g: float, omega_a: float, J: float, axis: str) -> float:
    """Bogoliubov-enhanced coupling ``G_k = g e^{r_k}`` (Yan et al. Eq. 5: ``(g e^{r_k}/2)``
    multiplies ``(beta + beta^dag)(a + a^dag)``)."""
    return float(g * np.exp(squeezing_parameter(omega_a, J, axis)))


# ---------------------------------------------------------------------------------------
# Normal modes and criticality
# ---------------------------------------------------------------------------------------


def normal_mode_frequencies(
    omega_a: float, J: float, g: float, omega_c: float, axis: str
) -> tuple[float, float]:
    """Exact normal-mode frequencies ``(omega_+, omega_-)`` of Yan et al. Eqs. 4-5.

    ``omega_pm^2 = [Delta^2 + omega_c^2 pm sqrt((Delta^2 - omega_c^2)^2
    + 4 G^2 Delta omega_c)] / 2`` with ``Delta = Delta_k``, ``G = g e^{r_k}``.  Valid for any
    cavity frequency; reduces to :func:`normal_mode_frequencies_paper` at
    ``omega_c = Delta_k``.  ``omega_-`` is nan beyond the critical coupling.
    """
    d = renormalized_frequency(omega_a, J, axis)
    G = effective_coupling(g, omega_a, J, axis)
    s = d**2 + omega_c**2
    root = np.sqrt((d**2 - omega_c**2) ** 2 + 4.0 * G**2 * d * omega_c)
    return _sqrt_or_nan((s + root) / 2.0), _sqrt_or_nan((s - root) / 2.0)


def normal_mode_frequencies_paper(
    omega_a: float, J: float, g: float, axis: str
) -> tuple[float, float]:
    """The paper's ``omega_pm = sqrt(Delta_k^2 pm g Delta_k e^{r_k})`` (Yan et al., after Eq. 5).

    Exact only at resonance ``omega_c = Delta_k`` (the paper's Fig. 2 setting); for other
    ``omega_c`` use :func:`normal_mode_frequencies`.
    """
    d = renormalized_frequency(omega_a, J, axis)
    G = effective_coupling(g, omega_a, J, axis)
    return _sqrt_or_nan(d**2 + G * d), _sqrt_or_nan(d**2 - G * d)


def critical_coupling(omega_a: float, J: float, axis: str, omega_c: float | None = None) -> float:
    """Coupling ``g_c`` at which ``omega_- -> 0`` (soft mode; Yan et al., after Eq. 5).

    Exact: ``g_c = e^{-r_k} sqrt(Delta_k omega_c)``, i.e. ``g_c^2 = omega_c (omega_a + J_x)``
    (x), ``omega_c omega_a`` (y), ``omega_c (omega_a - J_z)`` (z).  With ``omega_c=None``
    the resonant value ``omega_c = Delta_k`` is used, where it equals the paper's condition
    ``g e^{r_k} = Delta_k``.
    """
    d = renormalized_frequency(omega_a, J, axis)
    wc = d if omega_c is None else float(omega_c)
    return float(np.exp(-squeezing_parameter(omega_a, J, axis)) * np.sqrt(d * wc))


def soft_mode_twisting(omega_a: float, g: float, axis: str) -> float:
    """Twisting ``J_k`` at which the resonant soft mode closes, ``g e^{r_k} = Delta_k``
    (Yan et al., after Eq. 5, with ``omega_c = Delta_k`` as in Fig. 2): the inverse of
    :func:`critical_coupling` in J.

    ``x``: ``Delta_x^3 = g^2 omega_a`` (from ``e^{2 r_x} = omega_a/Delta_x``), so
    ``J_x = Delta_x^2/omega_a - omega_a``; ``y``: ``Delta_y = g^2/omega_a``, ``J_y = -omega_a
    + g^4/omega_a^3``; ``z``: ``J_z = omega_a - g``.  The normal phase is ``J_x, J_y`` above and
    ``J_z`` below this value.
    """
    axis = _check_axis(axis)
    if axis == "x":
        delta = (g**2 * omega_a) ** (1 / 3)
        return delta**2 / omega_a - omega_a
    if axis == "y":
        return float(g**4 / omega_a**3 - omega_a)
    return float(omega_a - g)


# ---------------------------------------------------------------------------------------
# Exact (Gaussian) charging dynamics of the HP model from |G> (x) |n>
# ---------------------------------------------------------------------------------------


def stored_energy(
    t: ArrayLike, omega_a: float, J: float, g: float, omega_c: float, n: float, axis: str
) -> np.ndarray:
    """Exact HP stored energy ``E(t)`` (Yan et al. Eq. 2) from ``|G> (x) |n>``, any ``omega_c``.

    In the HP limit ``H_B = Delta_k beta^dag beta + const`` and ``|G>`` is the beta vacuum, so
    ``E(t) = Delta_k <beta^dag beta>(t)``.  Eq. 5 is quadratic; with quadratures
    ``x = (c + c^dag)/sqrt 2``, ``p = (c - c^dag)/(i sqrt 2)`` (c = beta, a),
    ``H = p^T D p/2 + x^T K x/2``, ``D = diag(Delta, omega_c)``,
    ``K = [[Delta, G], [G, omega_c]]``, the Heisenberg solution is
    ``x(t) = D^{1/2} [cos(W t) D^{-1/2} x_0 + W^{-1} sin(W t) D^{1/2} p_0]`` with
    ``W^2 = D^{1/2} K D^{1/2}``, and the initial covariance is ``diag(1/2, n + 1/2)`` for both
    x and p (vacuum and Fock state).  Then ``E = Delta (<x_1^2> + <p_1^2> - 1)/2``.

    This is the exact result that Eq. 6 approximates near the soft-mode point.  Beyond the
    critical coupling it is continued analytically (exponential growth).
    """
    t = np.asarray(t, dtype=float)
    d = renormalized_frequency(omega_a, J, axis)
    G = effective_coupling(g, omega_a, J, axis)
    Dh = np.array([np.sqrt(d), np.sqrt(omega_c)])  # D^{1/2} diagonal
    K = np.array([[d, G], [G, omega_c]])
    Ms = Dh[:, None] * K * Dh[None, :]
    w2, U = np.linalg.eigh(Ms)
    w = np.sqrt(w2.astype(complex))  # imaginary beyond criticality: cos -> cosh
    wt = t[..., None] * w  # (..., 2)
    cos = np.cos(wt).real
    sin_over_w = (t[..., None] * np.sinc(wt / np.pi)).real  # sin(w t)/w
    w_sin = w2 * sin_over_w  # w sin(w t)

    def mat(f: np.ndarray) -> np.ndarray:  # U diag(f) U^T, broadcast over t
        return np.einsum("ik,...k,jk->...ij", U, f, U)

    C, Sn, Q = mat(cos), mat(sin_over_w), mat(w_sin)
    # row 0 (the battery quadratures) of the four propagator blocks
    Xx = Dh[0] * C[..., 0, :] / Dh
    Xp = Dh[0] * Sn[..., 0, :] * Dh
    Px = -Q[..., 0, :] / (Dh[0] * Dh)
    Pp = C[..., 0, :] * Dh / Dh[0]
    var0 = np.array([0.5, n + 0.5])
    x2 = ((Xx**2 + Xp**2) * var0).sum(-1)
    p2 = ((Px**2 + Pp**2) * var0).sum(-1)
    return d * (x2 + p2 - 1.0) / 2.0


def average_power(
    t: ArrayLike, omega_a: float, J: float, g: float, omega_c: float, n: float, axis: str
) -> np.ndarray:
    """Exact HP average power ``E(t)/t`` (Yan et al. Eq. 3), 0 at t = 0."""
    t = np.asarray(t, dtype=float)
    e = stored_energy(t, omega_a, J, g, omega_c, n, axis)
    out = np.zeros(np.broadcast(e, t).shape)
    np.divide(e, t, out=out, where=(t != 0))
    return out


# ---------------------------------------------------------------------------------------
# Soft-mode asymptotics (Eqs. 6-8), resonant omega_c = Delta_k
# ---------------------------------------------------------------------------------------


def _soft_mode_prefactor(g: float, n: float) -> float:
    # Derived here (the paper only writes "proportional to"): at omega_c = Delta_k the exact
    # stored energy contains (n + 1) Delta^3/8 (sin(w_- t)/w_-)^2, the only term that
    # diverges as w_- -> 0; at the soft-mode point Delta_k = G = g e^{r_k}, so
    # Delta^3 -> Delta g^2 e^{2r}, which is the paper's Delta_k e^{2 r_k} form.
    return (n + 1.0) * g**2 / 8.0


def stored_energy_soft_mode(
    t: ArrayLike, omega_a: float, J: float, g: float, n: float, axis: str
) -> np.ndarray:
    """Soft-mode stored energy, Yan et al. Eq. 6, with an explicit prefactor.

    ``E(t) ~ [(n + 1) g^2/8] Delta_k e^{2 r_k} (sin(omega_- t)/omega_-)^2`` at resonance
    (``omega_c = Delta_k``), ``omega_-`` from :func:`normal_mode_frequencies_paper`.  The paper
    writes only ``E(t) prop. Delta_k e^{2 r_k} (sin(t omega_-)/omega_-)^2``; the factor
    ``(n+1) g^2/8`` is derived from :func:`stored_energy` and makes the ratio to the exact
    result tend to 1 as ``g -> g_c`` at times ``t ~ 1/omega_-`` (where ``omega_- << omega_+``).
    """
    t = np.asarray(t, dtype=float)
    d = renormalized_frequency(omega_a, J, axis)
    r = squeezing_parameter(omega_a, J, axis)
    wm = normal_mode_frequencies_paper(omega_a, J, g, axis)[1]
    s = t * np.sinc(wm * t / np.pi)  # sin(w t)/w
    return _soft_mode_prefactor(g, n) * d * np.exp(2 * r) * s**2


def average_power_soft_mode(
    t: ArrayLike, omega_a: float, J: float, g: float, n: float, axis: str
) -> np.ndarray:
    """Soft-mode average power, Yan et al. Eq. 7, with the prefactor of
    :func:`stored_energy_soft_mode`:
    ``P(t) ~ [(n+1) g^2/8] (Delta_k e^{2 r_k}/omega_-) sin^2(t omega_-)/(t omega_-)``."""
    t = np.asarray(t, dtype=float)
    d = renormalized_frequency(omega_a, J, axis)
    r = squeezing_parameter(omega_a, J, axis)
    wm = normal_mode_frequencies_paper(omega_a, J, g, axis)[1]
    return _soft_mode_prefactor(g, n) * d * np.exp(2 * r) / wm * sin2_over_x(t * wm)


def max_power_soft_mode(
    omega_a: float,
    J: float,
    g: float,
    n: float,
    axis: str,
    constant: float = SIN2_OVER_X_MAX,
) -> float:
    """Maximum of Eq. 7 over t: ``[(n+1) g^2/8] c Delta_k e^{2r_k}/omega_-`` (Yan et al. Eq. 8).

    ``c = max sin^2(x)/x`` (0.72461...) corresponds to the ``max_t E/t`` definition.  The
    paper's own P_max definition (E/t at the *first energy peak*, ``omega_- t = pi/2``)
    corresponds to ``constant = 2/pi`` (0.63662); the scaling (Eq. 8) is the same.
    """
    d = renormalized_frequency(omega_a, J, axis)
    r = squeezing_parameter(omega_a, J, axis)
    wm = normal_mode_frequencies_paper(omega_a, J, g, axis)[1]
    return float(_soft_mode_prefactor(g, n) * constant * d * np.exp(2 * r) / wm)


def max_power_time_soft_mode(
    omega_a: float, J: float, g: float, axis: str, constant: float = SIN2_OVER_X_ARGMAX
) -> float:
    """Time of the maximum of Eq. 7: ``x*/omega_-`` (x* = 1.16556...); ``pi/2`` gives the
    first energy peak of Eq. 6 instead."""
    wm = normal_mode_frequencies_paper(omega_a, J, g, axis)[1]
    return float(constant / wm)


def max_power_scaling(omega_a: float, J: float, g: float, axis: str) -> float:
    """The scaling factor of Yan et al. Eq. 8: ``e^{2 r_k} / sqrt(1 - g e^{r_k}/Delta_k)``.

    Equal to ``Delta_k e^{2r_k}/omega_-`` with the paper's resonant ``omega_-``; the paper
    gives ``P_max^{(k)}`` only up to a constant factor.
    """
    d = renormalized_frequency(omega_a, J, axis)
    r = squeezing_parameter(omega_a, J, axis)
    return float(np.exp(2 * r) / _sqrt_or_nan(1.0 - g * np.exp(r) / d))


# ---------------------------------------------------------------------------------------
# Rotating-wave swap estimate (not in the paper), resonant omega_c = Delta_k
# ---------------------------------------------------------------------------------------


def swap_power_estimate(omega_a: float, J: float, g: float, n: float, axis: str) -> float:
    """Rotating-wave reading of Yan et al. Eq. 5 at resonance (``omega_c = Delta_k``): the beam
    splitter ``(g e^{r_k}/2)(beta^dag a + a^dag beta)`` swaps the n photons into the battery at
    ``tau = pi/(g e^{r_k})``, so ``P(tau) ~ n Delta_k g e^{r_k}/pi``.

    Not in the paper; it reproduces the HP first-peak power away from the soft-mode points
    (within a few % for ``|J| <~ 0.5``), and shows why squeezing does not pay at resonance: for
    x, ``P prop. Delta_x e^{r_x} = (omega_a Delta_x)^{1/2} -> 0`` as ``J_x -> -omega_a``
    (``e^{2 r_x} = omega_a/Delta_x``).
    """
    return (
        n
        * renormalized_frequency(omega_a, J, axis)
        * effective_coupling(g, omega_a, J, axis)
        / np.pi
    )
