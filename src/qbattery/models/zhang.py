"""The batteries of Zhang et al., "Quantum battery with interactive atomic collective charging",
PRA 110, 032211 (2024): spec-dict builders, like :mod:`qbattery.models.dicke`.

* :func:`zhang_cavity` — N XY-interacting two-level atoms charged by a lossy cavity (Sec. II,
  Eqs. 3-13): H = H_Q + ω_e a†a + H_I, cavity loss κ D[a] (Eq. 7, no factor 2), from |N> ⊗ |g...g>.
* :func:`zhang_drive` — the same atoms driven by a classical field ω S_x with collective decay
  γ D[S_-] (Sec. III, Eqs. 14-17), from |N/2, −N/2>.
* :func:`zhang_three_level` — two cascaded three-level atoms (g, m, e) in a lossy cavity, pumped and
  controlled by two fields (Sec. IV, Eqs. 18-24), from |N photons> ⊗ |g, g>.

**The interaction of Eq. 3 and its collective form.** With S_k = Σ_i σ_k^i / 2 (qbattery's
convention) the pair sums are

    Σ_{i<j} (σ_x^i σ_x^j + σ_y^i σ_y^j) = 2(S_x² + S_y²) − N = 2(S² − S_z²) − N,
    Σ_{i≠j} (σ_x^i σ_x^j + σ_y^i σ_y^j) = 4(S_x² + S_y²) − 2N   (ordered pairs, twice the above),

so Eq. 3 as written (ordered pairs i ≠ j) is

    H_Q = ω_q S_z + (2g/N)(S_x² + S_y²) − g = ω_q S_z + (2g/N)(S² − S_z² − N/2)       [form "eq3"]

while Eq. 11 reads H_Q = ω_q S_z + (g/N)(S² − S_z² − N/2). Eq. 11 states S_k = Σσ_k (no 1/2), but
with that S the Zeeman term would be ω_q Σσ_z, twice Eq. 3's; with spin-j operators (S = Σσ/2,
the |j, m> basis and J_± elements of Eq. 13 the paper says it computed with) Eq. 11 is Eq. 3 with the
pair sum over *unordered* pairs i < j, i.e. half the interaction of Eq. 3 as written [form "eq11"].
The same factor 2 separates Eq. 5 (g_c ω_e Σ_i σ_x^i (a + a†) = 2 g_c ω_e S_x (a + a†)) from Eq. 12
(g_c ω_e S_x (a + a†) with spin-j S_x). Form "eq3" (the default, the sum over atoms taken as
primary) uses Eqs. 3 and 5; form "eq11" uses Eqs. 11 and 12 with spin-j operators, which is what
the paper most likely plotted. In the symmetric manifold S² = j(j+1) is a constant, so "eq11" with
coupling g is "eq3" with g/2 (and g_c/2) up to a constant energy shift.

**Dissipators.** qbattery's rates multiply D[L]ρ = LρL† − ½{L†L, ρ}. Sec. II (Eq. 7) and Sec. III
(Eq. 15) write exactly that, so κ and γ are passed as they are; Sec. IV (Eqs. 22-23) writes
κ(2aρa† − a†aρ − ρa†a) = 2κ·D[a] and γ_α(2σρσ† − ...) = 2γ_α·D[σ], so the rates given to qbattery
there are 2κ, 2γ_e, 2γ_m.
"""

from __future__ import annotations

from qbattery.spec import time_grid

FORMS = ("eq3", "eq11")

# H_Q in qbattery's spec language (S_k = Σσ_k/2), per form.
BATTERY_HAMILTONIANS = {
    "eq3": "omega_q*Sz + 2*g/N*(Sx^2 + Sy^2) - g",
    "eq11": "omega_q*Sz + g/N*(Sx^2 + Sy^2 - N/2)",
}
# the atom-cavity coupling: Eq. 5 (sum over atoms) or Eq. 12 (spin-j S_x)
CAVITY_COUPLINGS = {
    "eq3": "2*g_c*omega_e*Sx*(a + ad)",
    "eq11": "g_c*omega_e*Sx*(a + ad)",
}


def _check_form(form: str) -> None:
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")


def battery_hamiltonian(form: str = "eq3") -> str:
    """H_Q of Eq. 3 (``"eq3"``, ordered pair sum) or Eq. 11 with spin-j S (``"eq11"``), as a spec
    expression over ``omega_q``, ``g`` and the built-in ``N``."""
    _check_form(form)
    return BATTERY_HAMILTONIANS[form]


def battery_levels(n_atoms: int, m: float, j: float | None = None, *, g: float,
                   omega_q: float = 1.0, form: str = "eq3"):  # fmt: skip
    """E(j, m) of H_Q on the state |j, m> (j = N/2, the symmetric manifold, by default).

    ``m`` may be an array. "eq3": ω_q m + (2g/N)(j(j+1) − m²) − g; "eq11": ω_q m + (g/N)(j(j+1) − m²
    − N/2).
    """
    import numpy as np

    _check_form(form)
    j = n_atoms / 2 if j is None else j
    m = np.asarray(m, dtype=float)
    if form == "eq3":
        return omega_q * m + 2 * g / n_atoms * (j * (j + 1) - m**2) - g
    return omega_q * m + g / n_atoms * (j * (j + 1) - m**2 - n_atoms / 2)


def zhang_cavity(
    n_atoms: int = 4,
    *,
    g: float = 0.0,
    g_c: float = 0.5,
    omega_q: float = 1.0,
    omega_e: float | None = None,
    kappa: float = 0.1,
    photons: int | None = None,
    cutoff: int = 21,
    form: str = "eq3",
    t_max: float = 20.0,
    points: int = 801,
    series: tuple[str, ...] = ("energy", "power"),
) -> dict:
    """Sec. II: N XY-interacting atoms in a lossy cavity, charged from |n = photons> ⊗ |g...g>.

    H = H_Q + ω_e a†a + H_I with H_Q, H_I per ``form`` (see the module docstring), cavity loss
    κ D[a] (Eq. 7). Defaults: resonance ω_e = ω_q (the paper's choice), photons = N (Eq. 8),
    cutoff 21 (Fock 0..20, the paper's N_ph = 20). κ and N are not stated for Fig. 2.
    """
    _check_form(form)
    n = n_atoms if photons is None else photons
    spec = {
        "system": {"spins": n_atoms, "mode": {"cutoff": cutoff}},
        "parameters": {
            "omega_q": omega_q,
            "omega_e": omega_q if omega_e is None else omega_e,
            "g": g,
            "g_c": g_c,
            "kappa": kappa,
        },
        "hamiltonian": {
            "battery": BATTERY_HAMILTONIANS[form],
            "charger": "omega_e*n",
            "coupling": CAVITY_COUPLINGS[form],
        },
        "initial": {"battery": "down", "charger": {"fock": n}},
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }
    if kappa:
        spec["noise"] = {"mode_loss": "kappa"}
    return spec


def zhang_drive(
    n_atoms: int = 4,
    *,
    g: float = 0.0,
    omega: float = 0.5,
    omega_q: float = 1.0,
    gamma: float = 0.4,
    form: str = "eq3",
    t_max: float = 20.0,
    points: int = 801,
    series: tuple[str, ...] = ("energy", "power"),
) -> dict:
    """Sec. III: the atoms driven by H_C = ω S_x (Eq. 14, spin-j S_x as in Eq. 17), with collective
    decay γ D[S_-] (Eq. 15), from |N/2, −N/2> (Eq. 16). The battery is H_Q per ``form``.

    The paper does not state ω; its Fig. 3 caption gives "g_c = 0.5", which we read as the drive
    ω = g_c ω_q = 0.5 (the default).
    """
    _check_form(form)
    spec = {
        "system": {"spins": n_atoms},
        "parameters": {"omega_q": omega_q, "g": g, "omega": omega, "gamma": gamma},
        "hamiltonian": {"battery": BATTERY_HAMILTONIANS[form], "coupling": "omega*Sx"},
        "initial": {"battery": "down"},
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }
    if gamma:
        spec["noise"] = {"collective_decay": "gamma"}
    return spec


THREE_LEVEL_BATTERY = (
    "Delta_e*(s1_ee + s2_ee) + Delta_m*(s1_mm + s2_mm)"
    " + g*(s1_mg*s2_gm + s1_gm*s2_mg) + g*(s1_me*s2_em + s1_em*s2_me)"
)
THREE_LEVEL_COUPLING = (
    "g1*(a*s1_mg + ad*s1_gm) + g2*(a*s2_mg + ad*s2_gm)"
    " + Omega_a*(s1_mg + s1_gm + s2_mg + s2_gm) + Omega_b*(s1_me + s1_em + s2_me + s2_em)"
)


def zhang_three_level(
    *,
    g: float = 0.0,
    g1: float = 1.0,
    g2: float | None = None,
    Omega_a: float = 1.0,
    Omega_b: float = 1.0,
    Delta: float = 1.0,
    kappa: float = 0.5,
    gamma_e: float = 0.1,
    gamma_m: float = 0.01,
    photons: int = 2,
    cutoff: int = 11,
    t_max: float = 20.0,
    points: int = 801,
    series: tuple[str, ...] = ("energy", "power"),
) -> dict:
    """Sec. IV: two cascaded three-level atoms (levels g, m, e) in a lossy cavity (Eqs. 18-24).

    H = H_Q + H_I + H_L in the frame of the pump (ω_p) and control (ω_c) fields:

    * H_Q = Σ_i (Δ_e σ_ee^i + Δ_m σ_mm^i) + g(σ_mg^1 σ_gm^2 + h.c.) + g(σ_me^1 σ_em^2 + h.c.) (Eq. 19),
      the battery whose energy is stored (Eq. 10);
    * H_I = Σ_i g_i (a σ_mg^i + a† σ_gm^i) + Δ_cav a†a (Eq. 20);
    * H_L = Ω_a Σ_i (σ_mg^i + σ_gm^i) + Ω_b Σ_i (σ_me^i + σ_em^i) (Eq. 21);
    * the paper's factor-2 dissipators (Eqs. 22-23): rates 2κ on D[a], 2γ_e on D[σ_me^i] (e → m),
      2γ_m on D[σ_gm^i] (m → g).

    Δ_c = 0 and ω_cav = ω_m − ω_g give Δ_m = Δ_e = Δ_cav = Δ_p (``Delta``, the unit of Fig. 4).
    Initial state |photons> ⊗ |g, g> (Eq. 24; N = 2, n_ph = 10 in Fig. 4: ``cutoff`` 11 keeps
    Fock 0..10). ``g2`` defaults to ``g1`` (the paper's g_1 = g_2).
    """
    spec = {
        "system": {"atoms": 2, "levels": ["g", "m", "e"], "mode": {"cutoff": cutoff}},
        "parameters": {
            "Delta_m": Delta,
            "Delta_e": Delta,
            "Delta_cav": Delta,
            "g": g,
            "g1": g1,
            "g2": g1 if g2 is None else g2,
            "Omega_a": Omega_a,
            "Omega_b": Omega_b,
            "kappa": kappa,
            "gamma_e": gamma_e,
            "gamma_m": gamma_m,
        },
        "hamiltonian": {
            "battery": THREE_LEVEL_BATTERY,
            "charger": "Delta_cav*n",
            "coupling": THREE_LEVEL_COUPLING,
        },
        "initial": {"battery": {"atoms": ["g", "g"]}, "charger": {"fock": photons}},
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }
    collapse = []
    if gamma_e:
        collapse += [{"rate": "2*gamma_e", "operator": f"s{k}_me"} for k in (1, 2)]  # |m><e|: e → m
    if gamma_m:
        collapse += [{"rate": "2*gamma_m", "operator": f"s{k}_gm"} for k in (1, 2)]  # |g><m|: m → g
    noise: dict = {}
    if kappa:
        noise["mode_loss"] = "2*kappa"
    if collapse:
        noise["collapse"] = collapse
    if noise:
        spec["noise"] = noise
    return spec
