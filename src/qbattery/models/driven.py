"""Driven atoms with collective decay (Pokhrel & Gea-Banacloche, PRL 2025): spec-dict builders.

N two-level atoms, driven by a classical pump and decaying to one common reservoir. Everything is
written in the frame that rotates at the pump frequency ω_P, with S_k = Σσ_k/2 (the paper's J_k,
Eq. 2), ħ = 1:

* **Stored energy** (what the paper charges): the bare atomic Hamiltonian H_B = H_0 = ω0 S_z, and
  the charge is E = ⟨H_0⟩ + Nω0/2 (ω0 per excitation, 0 for the empty battery). This is the spec's
  ``battery``; qbattery's ``energy`` series is Tr[H_B ρ(t)] − Tr[H_B ρ(0)], the same thing from the
  all-ground initial state ``down``. ⟨S_z⟩ is the same in the lab and in the pump frame.
* **Generator** (the spec's ``dynamics``): H_1 = Δ S_z − Ω_R S_x = Ω_P S'_z (Eqs. 1-3), with
  Ω_P = √(Δ² + Ω_R²), cos θ = Δ/Ω_P, sin θ = Ω_R/Ω_P (θ ∈ [0, π]).
* **Dressed operators** S'_k = U S_k U†, U = exp(iθS_y) (Eq. 4), written with the bare ones:

      S'_z = cos θ S_z − sin θ S_x
      S'_+ = cos²(θ/2) S_+ − sin²(θ/2) S_- + sin θ S_z      (= S'_x + i S'_y)
      S'_- = cos²(θ/2) S_- − sin²(θ/2) S_+ + sin θ S_z

* :func:`driven_dressed`: the **secular** master equation, Eq. 7,

      dρ/dt = −i[H_1, ρ] + γ_0 sin²θ D[S'_z]ρ + γ_− sin⁴(θ/2) D[S'_+]ρ + γ_+ cos⁴(θ/2) D[S'_−]ρ,

  γ_± = γ(ω_P ± Ω_P), γ_0 = γ(ω_P), three ``[[noise.collapse]]`` entries (preset
  ``driven-dressed``).
* :func:`driven_full`: the **non-secular** parent, Eq. 5. With one reservoir rate ``gamma`` it is
  literally γ D[S_−] (``collective_decay``). With three rates it is the single jump operator
  L = √γ_+ cos²(θ/2) S'_− − √γ_− sin²(θ/2) S'_+ − √γ_0 sin θ S'_z (Eq. 6 with each Mollow
  component weighted by its own rate), whose secular part is exactly Eq. 7 and which is γ S_− when
  γ_0 = γ_+ = γ_−. This parent is our choice (the paper writes Eq. 5 for a flat reservoir only):
  a reservoir with a structured spectrum would give a Redfield, not a Lindblad, equation.
* :func:`collective_discharge`: the drive switched off, free collective decay γ_0 D[S_−] of the
  stored energy (the discharge of Eqs. 18-19, Fig. 4).

Parameters. The spec carries the drive either as ``theta`` and ``Omega_P`` (the paper's figures)
or as ``Delta`` and ``Omega_R`` (Eq. 1); the decay as ``gamma_0``, ``gamma_minus`` and either
``r`` (γ_+ = r γ_−, the paper's r) or ``gamma_plus``; the energy unit ``omega0``. Every quantity of
Eq. 7 is then a derived parameter (``cos_theta``, ``sin_theta``, ``cos2_half`` = cos²(θ/2),
``sin2_half``, ``rate_dephase``, ``rate_raise``, ``rate_lower``, ``Gamma`` of Eq. 15), so a spec
may override any input. In the preset the chain is θ, Ω_P → Δ, Ω_R → cos θ, sin θ: overriding
``theta``/``Omega_P`` works, and so does overriding ``Delta`` and ``Omega_R`` (then the preset's
``theta``/``Omega_P`` entries are left over and unused); likewise ``r`` → ``gamma_plus``.

The fast large-N solver of Eq. 7 is :mod:`qbattery.solvers.dressed_rates`; closed forms in
:mod:`qbattery.analytic.driven`; paper-vs-ours in docs/notes_pokhrel.md.
"""

from __future__ import annotations

import math

from qbattery.spec import time_grid

__all__ = [
    "DRESSED_SZ",
    "DRESSED_SP",
    "DRESSED_SM",
    "driven_dressed",
    "driven_full",
    "collective_discharge",
    "driven_parameters",
    "evaluate_parameters",
]

#: S'_z, S'_+, S'_- (Eq. 4) in the spec language, over the derived parameters.
DRESSED_SZ = "(cos_theta*Sz - sin_theta*Sx)"
DRESSED_SP = "(cos2_half*Sp - sin2_half*Sm + sin_theta*Sz)"
DRESSED_SM = "(cos2_half*Sm - sin2_half*Sp + sin_theta*Sz)"

#: H_1 = Δ S_z − Ω_R S_x (Eq. 1) = Ω_P S'_z (Eq. 3), the generator in the pump frame.
DYNAMICS = "Delta*Sz - Omega_R*Sx"

#: Fig. 2 / Fig. 4 of the paper: θ = 1.87, r = γ_+/γ_− = 10, γ_0 = γ_−.
DEFAULT_THETA = 1.87
DEFAULT_R = 10.0
DEFAULT_OMEGA_P = 20.0

_DERIVED = {
    "cos_theta": "Delta/sqrt(Delta^2 + Omega_R^2)",
    "sin_theta": "Omega_R/sqrt(Delta^2 + Omega_R^2)",
    "cos2_half": "(1 + cos_theta)/2",
    "sin2_half": "(1 - cos_theta)/2",
    "rate_dephase": "gamma_0*sin_theta^2",
    "rate_raise": "gamma_minus*sin2_half^2",
    "rate_lower": "gamma_plus*cos2_half^2",
    "Gamma": "rate_lower - rate_raise",
}


def _drive(theta, omega_p, delta, omega_r) -> tuple[float, float, float, float, bool]:
    """(θ, Ω_P, Δ, Ω_R, given-as-angle) from either pair; defaults θ = 1.87, Ω_P = 20."""
    angle = delta is None and omega_r is None
    if angle:
        theta = DEFAULT_THETA if theta is None else float(theta)
        omega_p = DEFAULT_OMEGA_P if omega_p is None else float(omega_p)
        if not 0 <= theta <= math.pi:
            raise ValueError(f"theta must lie in [0, pi], got {theta}")
        if omega_p <= 0:
            raise ValueError(f"Omega_P must be > 0, got {omega_p}")
        return theta, omega_p, omega_p * math.cos(theta), omega_p * math.sin(theta), True
    if theta is not None or omega_p is not None:
        raise ValueError("give the drive as (theta, omega_p) or as (delta, omega_r), not both")
    if delta is None or omega_r is None:
        raise ValueError("give both delta and omega_r")
    delta, omega_r = float(delta), float(omega_r)
    if omega_r < 0:
        raise ValueError("Omega_R must be >= 0 (theta in [0, pi]); flip the sign of S_x instead")
    omega_p = math.hypot(delta, omega_r)
    if omega_p == 0:
        raise ValueError("Delta = Omega_R = 0: no dressed states")
    return math.atan2(omega_r, delta), omega_p, delta, omega_r, False


def driven_parameters(
    *,
    theta: float | None = None,
    omega_p: float | None = None,
    delta: float | None = None,
    omega_r: float | None = None,
    gamma_0: float = 1.0,
    gamma_minus: float = 1.0,
    gamma_plus: float | None = None,
    r: float | None = None,
    gamma: float | None = None,
    omega0: float = 1.0,
) -> dict:
    """The ``[parameters]`` table: inputs first, then every derived quantity of Eq. 7, in order.

    ``gamma`` (one flat reservoir, Eq. 5 as printed) sets γ_0 = γ_+ = γ_− = γ.
    """
    th, wp, dl, wr, angle = _drive(theta, omega_p, delta, omega_r)
    if gamma_plus is not None and r is not None:
        raise ValueError("give gamma_plus or r = gamma_plus/gamma_minus, not both")
    rates = [gamma_0, gamma_minus] + [g for g in (gamma_plus, r, gamma) if g is not None]
    if min(rates) < 0:
        raise ValueError("rates must be >= 0")
    out: dict = {"omega0": float(omega0)}
    if angle:
        out |= {"theta": th, "Omega_P": wp, "Delta": "Omega_P*cos(theta)"}
        out["Omega_R"] = "Omega_P*sin(theta)"
    else:
        out |= {"Delta": dl, "Omega_R": wr}
    if gamma is not None:
        if gamma_plus is not None or r is not None:
            raise ValueError("give gamma (one flat reservoir) or the three rates, not both")
        out |= {"gamma": float(gamma), "gamma_0": "gamma", "gamma_minus": "gamma"}
        out["gamma_plus"] = "gamma"
        return out | _DERIVED
    out |= {"gamma_0": float(gamma_0), "gamma_minus": float(gamma_minus)}
    if gamma_plus is None:
        out |= {"r": DEFAULT_R if r is None else float(r), "gamma_plus": "r*gamma_minus"}
    else:
        out["gamma_plus"] = float(gamma_plus)
    return out | _DERIVED


def evaluate_parameters(params: dict) -> dict[str, float]:
    """The table's values as numbers (each entry may use the ones before it)."""
    from qbattery import expr

    env: dict = {"N": 1.0}
    for name, value in params.items():
        env[name] = expr.evaluate(value, env).constant().real
    del env["N"]
    return env


def _time(n_atoms: int, params: dict, t_max: float | None, points: int | None) -> dict:
    """Default window: fifteen collective times 2/(N(R+L)), with
    at least 20 samples per period 2π/Ω_P of the transient oscillation."""
    v = evaluate_parameters(params)
    if t_max is None:
        total = v["rate_raise"] + v["rate_lower"]
        t_max = 30.0 / (n_atoms * total) if total > 0 else 10.0
    if points is None:
        wp = math.hypot(v["Delta"], v["Omega_R"])
        points = max(401, int(math.ceil(20 * t_max * wp / (2 * math.pi))) + 1)
    return time_grid(float(t_max), int(points))


def driven_dressed(
    n_atoms: int = 4,
    *,
    theta: float | None = None,
    omega_p: float | None = None,
    delta: float | None = None,
    omega_r: float | None = None,
    gamma_0: float = 1.0,
    gamma_minus: float = 1.0,
    gamma_plus: float | None = None,
    r: float | None = None,
    omega0: float = 1.0,
    initial: str | dict = "down",
    t_max: float | None = None,
    points: int | None = None,
    series: tuple[str, ...] = ("energy", "power", "ergotropy", "ergotropy_symmetric"),
) -> dict:
    """Spec dict of the secular master equation (Eq. 7) in the dressed frame.

    The drive is (``theta``, ``omega_p``) or (``delta``, ``omega_r``); default θ = 1.87,
    Ω_P = 20 γ_−, r = 10, γ_0 = γ_− = 1 (the paper's Fig. 2 parameters, with Ω_P ≫ NΓ for small N).
    The battery starts empty (``down``: all atoms in |g>); ``t_max`` defaults to
    fifteen collective times 2/(N(R + L)), R = γ_− sin⁴(θ/2), L = γ_+ cos⁴(θ/2).
    """
    params = driven_parameters(
        theta=theta,
        omega_p=omega_p,
        delta=delta,
        omega_r=omega_r,
        gamma_0=gamma_0,
        gamma_minus=gamma_minus,
        gamma_plus=gamma_plus,
        r=r,
        omega0=omega0,
    )
    return {
        "system": {"spins": int(n_atoms)},
        "parameters": params,
        "hamiltonian": {"battery": "omega0*Sz", "dynamics": DYNAMICS},
        "initial": {"battery": initial},
        "noise": {
            "collapse": [
                {"rate": "rate_dephase", "operator": DRESSED_SZ},
                {"rate": "rate_raise", "operator": DRESSED_SP},
                {"rate": "rate_lower", "operator": DRESSED_SM},
            ]
        },
        "time": _time(int(n_atoms), params, t_max, points),
        "output": {"series": list(series)},
    }


def driven_full(
    n_atoms: int = 4,
    *,
    theta: float | None = None,
    omega_p: float | None = None,
    delta: float | None = None,
    omega_r: float | None = None,
    gamma: float | None = None,
    gamma_0: float = 1.0,
    gamma_minus: float = 1.0,
    gamma_plus: float | None = None,
    r: float | None = None,
    omega0: float = 1.0,
    initial: str | dict = "down",
    t_max: float | None = None,
    points: int | None = None,
    series: tuple[str, ...] = ("energy", "power", "ergotropy", "ergotropy_symmetric"),
) -> dict:
    """Spec dict of the full, non-secular master equation (Eq. 5), to compare with Eq. 7.

    ``gamma`` given: Eq. 5 as printed, H_1 and ``collective_decay = gamma`` (γ D[S_−]; its secular
    limit is Eq. 7 with γ_0 = γ_+ = γ_− = γ, r = 1). Otherwise the three-rate parent: one
    ``[[noise.collapse]]`` with L = √γ_+ cos²(θ/2) S'_− − √γ_− sin²(θ/2) S'_+ − √γ_0 sin θ S'_z,
    whose secular part is Eq. 7 with the same γ_0, γ_±. Both tend to :func:`driven_dressed` as
    Ω_P → ∞ (error ~ (NΓ/Ω_P)², the paper's condition Ω_P ≫ NΓ).
    """
    params = driven_parameters(
        theta=theta,
        omega_p=omega_p,
        delta=delta,
        omega_r=omega_r,
        gamma_0=gamma_0,
        gamma_minus=gamma_minus,
        gamma_plus=gamma_plus,
        r=r,
        gamma=gamma,
        omega0=omega0,
    )
    if gamma is not None:
        noise: dict = {"collective_decay": "gamma"}
    else:
        jump = (
            f"sqrt(gamma_plus)*cos2_half*{DRESSED_SM} - sqrt(gamma_minus)*sin2_half*{DRESSED_SP}"
            f" - sqrt(gamma_0)*sin_theta*{DRESSED_SZ}"
        )
        noise = {"collapse": [{"rate": 1.0, "operator": jump}]}
    return {
        "system": {"spins": int(n_atoms)},
        "parameters": params,
        "hamiltonian": {"battery": "omega0*Sz", "dynamics": DYNAMICS},
        "initial": {"battery": initial},
        "noise": noise,
        "time": _time(int(n_atoms), params, t_max, points),
        "output": {"series": list(series)},
    }


def collective_discharge(
    n_atoms: int = 4,
    *,
    gamma_0: float = 1.0,
    omega0: float = 1.0,
    initial: str | dict = "down",
    t_max: float = 10.0,
    points: int = 401,
) -> dict:
    """Spec dict of the discharge (Eqs. 18-19, Fig. 4): the drive off, H_B = ω0 S_z and free
    collective decay γ_0 D[S_−] (``collective_decay``; Eq. 5 with Ω_R = 0 and γ = γ_0).

    The paper discharges the secular steady state of Eq. 7, which the spec language cannot
    write as an initial state: set it on the built Problem (``problem.initial``), or start from a
    named state (``initial``, e.g. ``"up"``, the fully charged battery).
    """
    return {
        "system": {"spins": int(n_atoms)},
        "parameters": {"omega0": float(omega0), "gamma_0": float(gamma_0)},
        "hamiltonian": {"battery": "omega0*Sz"},
        "initial": {"battery": initial},
        "noise": {"collective_decay": "gamma_0"},
        "time": time_grid(float(t_max), int(points)),
    }
