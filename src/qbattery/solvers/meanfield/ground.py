"""The mean-field ground state of the battery Hamiltonian (``initial.battery = "ground"``)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from qbattery.solvers.meanfield.basis import _quadratic
from qbattery.spec import SpecError


def _ground_direction(p: np.ndarray, S: float, ordering: str) -> np.ndarray:
    """argmin of the mean-field battery energy on the unit sphere; degenerate minima are an error."""
    lin = p[1:4].real
    Q = _quadratic(p[None])[0].real
    s2 = S**2 if ordering == "classical" else S * (S - 0.5)

    def energy(x):
        th, ph = x
        st, ct, sp_, cp = np.sin(th), np.cos(th), np.sin(ph), np.cos(ph)
        r = np.array([st * cp, st * sp_, ct])
        grad = lin + 2 * (s2 / S) * (Q @ r)  # ∂(E/S)/∂r
        d_th = np.array([ct * cp, ct * sp_, -st])
        d_ph = np.array([-st * sp_, st * cp, 0.0])
        return (S * lin @ r + s2 * r @ Q @ r) / S, np.array([grad @ d_th, grad @ d_ph])

    # the lowest points of a Fibonacci lattice, mutually apart, as starts for BFGS
    k = np.arange(2000) + 0.5
    th, ph = np.arccos(1 - 2 * k / len(k)), np.pi * (1 + 5**0.5) * k
    lattice = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=1)
    e_lattice = (S * lattice @ lin + s2 * np.einsum("na,ab,nb->n", lattice, Q, lattice)) / S
    starts: list[int] = []
    for i in np.argsort(e_lattice):
        if all(np.linalg.norm(lattice[i] - lattice[j]) > 0.3 for j in starts):
            starts.append(int(i))
        if len(starts) == 4:
            break
    found = []
    for i in starts:
        res = minimize(energy, [th[i], ph[i]], jac=True, method="BFGS", options={"gtol": 1e-12})
        a, b = res.x
        r = np.array([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.cos(a)])
        found.append((float(res.fun), r))
    # also the poles exactly (the angle parametrization is singular there)
    for r in (np.array([0.0, 0.0, -1.0]), np.array([0.0, 0.0, 1.0])):
        found.append((float((S * lin @ r + s2 * r @ Q @ r) / S), r))
    best = min(e for e, _ in found)
    scale = max(1.0, abs(best), np.abs(lin).max(), S * np.abs(Q).max())
    minima = [r for e, r in found if e <= best + 1e-9 * scale]
    r_best = minima[0]
    if any(np.linalg.norm(r - r_best) > 1e-4 for r in minima):
        others = [r for r in minima if np.linalg.norm(r - r_best) > 1e-4]
        raise SpecError(
            "initial.battery",
            "the mean-field ground state of the battery Hamiltonian is degenerate (minima at "
            f"r = {np.round(r_best, 4).tolist()} and {np.round(others[0], 4).tolist()}); "
            "give an explicit initial state, e.g. { coherent_spin = [theta, phi] }",
        )
    if abs(r_best[2] + 1) < 1e-7:  # snap to the pole
        r_best = np.array([0.0, 0.0, -1.0])
    elif abs(r_best[2] - 1) < 1e-7:
        r_best = np.array([0.0, 0.0, 1.0])
    return r_best / np.linalg.norm(r_best)
