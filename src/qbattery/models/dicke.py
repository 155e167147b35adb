"""Dicke and Tavis–Cummings batteries: N atoms charged by a cavity mode.

* Dicke with one-axis twisting, Yan et al. (2026), Eq. 1:
  H = ω_a S_z + (J_k/N) S_k² + ω_c a†a + (g/√N) S_x (a + a†), k ∈ {x, y, z},
  charged from |G> ⊗ |n> with |G> the ground state of H_B = ω_a S_z + (J_k/N) S_k².
* Tavis–Cummings: the rotating-wave coupling (g/√N)(S_+ a + S_- a†).
"""

from __future__ import annotations

from qbattery.spec import time_grid

AXES = ("x", "y", "z")


def dicke_oat(
    n_atoms: int = 8,
    *,
    axis: str = "x",
    J: float = 0.0,
    omega_a: float = 1.0,
    omega_c: float = 1.0,
    g: float = 0.5,
    photons: int | None = None,
    cutoff: int | None = None,
    t_max: float = 10.0,
    points: int = 1001,
    series: tuple[str, ...] = ("energy", "power", "ergotropy"),
) -> dict:
    """Spec dict of Yan's Dicke battery with OAT along ``axis``; charger |n = photons> (default N)."""
    if axis not in AXES:
        raise ValueError(f"axis must be one of {AXES}, got {axis!r}")
    n = n_atoms if photons is None else photons
    return {
        "system": {"spins": n_atoms, "mode": {"cutoff": cutoff or 2 * n + n_atoms + 8}},
        "parameters": {"omega_a": omega_a, "J": J, "omega_c": omega_c, "g": g},
        "hamiltonian": {
            "battery": f"omega_a*Sz + J/N*S{axis}^2",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*Sx*(a + ad)",
        },
        "initial": {"battery": "ground", "charger": {"fock": n}},
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }


def tavis_cummings(
    n_atoms: int = 8,
    *,
    omega_a: float = 1.0,
    omega_c: float = 1.0,
    g: float = 0.5,
    photons: int | None = None,
    cutoff: int | None = None,
    t_max: float = 10.0,
    points: int = 1001,
    series: tuple[str, ...] = ("energy", "power", "ergotropy"),
) -> dict:
    """Spec dict of the Tavis–Cummings battery, atoms down, charger |n = photons> (default N)."""
    n = n_atoms if photons is None else photons
    return {
        "system": {"spins": n_atoms, "mode": {"cutoff": cutoff or n + n_atoms + 2}},
        "parameters": {"omega_a": omega_a, "omega_c": omega_c, "g": g},
        "hamiltonian": {
            "battery": "omega_a*Sz",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
        },
        "initial": {"battery": "down", "charger": {"fock": n}},
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }
