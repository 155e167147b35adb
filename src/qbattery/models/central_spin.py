"""The central-spin battery of Peng et al., PRA 103, 052220 (2021), Eqs. 4-6.

H = B S^z + h J^z + A(S^+J^- + S^-J^+) + 2Δ S^zJ^z: N_B battery spins (central spins) charged by N
bath spins, both in their symmetric (Dicke) manifolds. Initial state |m = 0> ⊗ |n> (battery down,
n flipped bath spins; the paper uses n = N in Fig. 3/5 and n = N_B in Fig. 4).
"""

from __future__ import annotations

from qbattery.spec import time_grid


def central_spin(
    n_battery: int = 4,
    n_bath: int = 8,
    *,
    B: float = 1.0,
    h: float = 1.0,
    A: float = 1.0,
    Delta: float = 0.0,
    flipped: int | None = None,
    t_max: float = 3.0,
    points: int = 601,
    series: tuple[str, ...] = ("energy", "power"),
) -> dict:
    """Spec dict of the central-spin battery; ``flipped`` bath spins up (default: all, n = N)."""
    return {
        "system": {"spins": n_battery, "bath_spins": n_bath},
        "parameters": {"B": B, "h": h, "A": A, "Delta": Delta},
        "hamiltonian": {
            "battery": "B*Sz",
            "charger": "h*Jz",
            "coupling": "A*(Sp*Jm + Sm*Jp) + 2*Delta*Sz*Jz",
        },
        "initial": {
            "battery": "down",
            "charger": {"dicke": n_bath if flipped is None else flipped},
        },
        "time": time_grid(t_max, points),
        "output": {"series": list(series)},
    }
