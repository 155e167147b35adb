"""Brute-force reference for quantum-battery charging, independent of the ``qbattery`` package.

Everything here is dense numpy/scipy in the FULL tensor-product space:

* battery: N spin-1/2 atoms, dimension 2^N, every collective operator built as an explicit sum
  of single-site Pauli matrices (S_k = sum_i sigma_k^i / 2, S_+- = sum_i sigma_+-^i);
* charger: a truncated bosonic mode (dimension ``dim``: Fock states 0 .. dim-1) or N_C bath
  spin-1/2 (dimension 2^N_C);
* tensor order: battery (x) charger.

Single-site basis: index 0 = |up> (sigma_z = +1), index 1 = |down> (sigma_z = -1).
Nothing is imported from ``qbattery``: this module is the yardstick the package is measured with,
so it is deliberately slow, literal and short.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np
import scipy.optimize

# --------------------------------------------------------------------------- single site

PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
    "+": np.array([[0, 1], [0, 0]], dtype=complex),  # |up><down|
    "-": np.array([[0, 0], [1, 0]], dtype=complex),  # |down><up|
}


def sigma(i: int, k: str, N: int) -> np.ndarray:
    """Pauli ``k`` ('x', 'y', 'z', '+', '-') on atom ``i`` (0-based) of N, as a 2^N matrix."""
    out = np.ones((1, 1), dtype=complex)
    for site in range(N):
        out = np.kron(out, PAULI[k] if site == i else np.eye(2))
    return out


def spin_ops(N: int) -> dict[str, np.ndarray]:
    """Collective operators of N spin-1/2: Sx, Sy, Sz (sum sigma/2), Sp, Sm (sum sigma_+-)."""
    ops = {
        "Sx": sum(sigma(i, "x", N) for i in range(N)) / 2,
        "Sy": sum(sigma(i, "y", N) for i in range(N)) / 2,
        "Sz": sum(sigma(i, "z", N) for i in range(N)) / 2,
        "Sp": sum(sigma(i, "+", N) for i in range(N)),
        "Sm": sum(sigma(i, "-", N) for i in range(N)),
    }
    ops["S2"] = ops["Sx"] @ ops["Sx"] + ops["Sy"] @ ops["Sy"] + ops["Sz"] @ ops["Sz"]
    return ops


def mode_ops(dim: int) -> dict[str, np.ndarray]:
    """Truncated mode with Fock states 0 .. dim-1: a, ad (= a^dagger), n (= ad a)."""
    a = np.diag(np.sqrt(np.arange(1, dim)), k=1).astype(complex)
    return {"a": a, "ad": a.conj().T, "n": a.conj().T @ a}


# --------------------------------------------------------------------------- models


@dataclass
class Model:
    """Full Hamiltonian H on battery (x) charger, and H_B on the battery alone."""

    H: np.ndarray
    H_B: np.ndarray
    dim_B: int
    dim_C: int


def _assemble(H_B: np.ndarray, H_C: np.ndarray, H_I: np.ndarray) -> Model:
    dB, dC = H_B.shape[0], H_C.shape[0]
    H = np.kron(H_B, np.eye(dC)) + np.kron(np.eye(dB), H_C) + H_I
    return Model(H=H, H_B=H_B, dim_B=dB, dim_C=dC)


def central_spin(N_B: int, N_C: int, B: float, h: float, A: float, Delta: float) -> Model:
    """Peng et al. (paper 002, Eqs. 4-6): H_B = B S^z, H_C = h J^z,
    H_I = A (S^+ J^- + S^- J^+) + 2 Delta S^z J^z, with N_B battery and N_C bath spin-1/2."""
    S, Jop = spin_ops(N_B), spin_ops(N_C)
    H_B = B * S["Sz"]
    H_C = h * Jop["Sz"]
    H_I = A * (np.kron(S["Sp"], Jop["Sm"]) + np.kron(S["Sm"], Jop["Sp"]))
    H_I = H_I + 2 * Delta * np.kron(S["Sz"], Jop["Sz"])
    return _assemble(H_B, H_C, H_I)


def dicke_oat(
    N: int, dim: int, omega_a: float, J: float, k: str, omega_c: float, g: float
) -> Model:
    """Yan et al. (paper 000, Eq. 1): H = omega_a S_z + (J/N) S_k^2 + omega_c ad a
    + (g/sqrt N) S_x (a + ad), with k in {'x', 'y', 'z'}; H_B = the first two terms."""
    S, m = spin_ops(N), mode_ops(dim)
    Sk = S["S" + k]
    H_B = omega_a * S["Sz"] + (J / N) * (Sk @ Sk)
    H_I = (g / np.sqrt(N)) * np.kron(S["Sx"], m["a"] + m["ad"])
    return _assemble(H_B, omega_c * m["n"], H_I)


def dicke(N: int, dim: int, omega_a: float, omega_c: float, g: float) -> Model:
    """Plain Dicke battery: ``dicke_oat`` with J = 0."""
    return dicke_oat(N, dim, omega_a, 0.0, "z", omega_c, g)


def tavis_cummings(N: int, dim: int, omega_a: float, omega_c: float, g: float) -> Model:
    """H = omega_a S_z + omega_c ad a + (g/sqrt N)(S_+ a + S_- ad); H_B = omega_a S_z."""
    S, m = spin_ops(N), mode_ops(dim)
    H_I = (g / np.sqrt(N)) * (np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"]))
    return _assemble(omega_a * S["Sz"], omega_c * m["n"], H_I)


# --------------------------------------------------------------------------- states


def basis_state(dim: int, index: int) -> np.ndarray:
    """Unit vector |index> in dimension dim."""
    v = np.zeros(dim, dtype=complex)
    v[index] = 1.0
    return v


def spins_down(N: int) -> np.ndarray:
    """All N spins down (the last basis vector, since index 1 = down on every site)."""
    return basis_state(2**N, 2**N - 1)


def spins_up(N: int) -> np.ndarray:
    """All N spins up (the first basis vector)."""
    return basis_state(2**N, 0)


def dicke_state(N: int, k: int) -> np.ndarray:
    """Symmetric Dicke state with k spins up among N: C(N,k)^-1/2 sum over configurations."""
    psi = np.zeros(2**N, dtype=complex)
    for ups in itertools.combinations(range(N), k):
        index = sum(1 << (N - 1 - site) for site in range(N) if site not in ups)
        psi[index] += 1.0
    return psi / np.sqrt(comb(N, k))


def symmetric_isometry(N: int) -> np.ndarray:
    """2^N x (N+1) matrix whose columns are the Dicke states k = 0 .. N (the j = N/2 subspace)."""
    return np.column_stack([dicke_state(N, k) for k in range(N + 1)])


def ground_state(H_B: np.ndarray, gap_tol: float = 1e-8) -> np.ndarray:
    """Ground state of H_B in its full space; raises ValueError if it is degenerate."""
    w, v = np.linalg.eigh(H_B)
    if w[1] - w[0] < gap_tol:
        raise ValueError(f"degenerate ground state: E0 = {w[0]:.12g}, E1 = {w[1]:.12g}")
    return v[:, 0]


def symmetric_weight(psi: np.ndarray, N: int) -> float:
    """<psi|P_sym|psi>: weight of a battery vector in the symmetric (j = N/2) subspace."""
    V = symmetric_isometry(N)
    return float(np.linalg.norm(V.conj().T @ psi) ** 2)


def fock(dim: int, n: int) -> np.ndarray:
    """Fock state |n> of a mode truncated to dimension dim."""
    return basis_state(dim, n)


def coherent(dim: int, alpha: complex) -> np.ndarray:
    """Coherent state |alpha>, Fock expansion truncated at dim - 1 and renormalised."""
    n = np.arange(dim)
    logfact = np.array([np.sum(np.log(np.arange(1, j + 1))) for j in n])
    c = np.exp(-(abs(alpha) ** 2) / 2 - logfact / 2) * np.power(complex(alpha), n)
    return c / np.linalg.norm(c)


def product(psi_B: np.ndarray, psi_C: np.ndarray) -> np.ndarray:
    """Battery (x) charger product state."""
    return np.kron(psi_B, psi_C)


# --------------------------------------------------------------------------- dynamics


def evolve(H: np.ndarray, psi0: np.ndarray, times: np.ndarray) -> np.ndarray:
    """psi(t) = exp(-iHt) psi0 by dense eigendecomposition; returns shape (len(times), dim)."""
    w, v = np.linalg.eigh(H)
    c0 = v.conj().T @ psi0
    phases = np.exp(-1j * np.outer(times, w))
    return (phases * c0) @ v.T


def reduced_battery(psi: np.ndarray, dim_B: int, dim_C: int) -> np.ndarray:
    """rho_B = Tr_C |psi><psi| for a vector on battery (x) charger."""
    m = psi.reshape(dim_B, dim_C)
    return m @ m.conj().T


def battery_energy(model: Model, states: np.ndarray) -> np.ndarray:
    """E(t) = Tr[H_B rho_B(t)] - Tr[H_B rho_B(0)] along a trajectory of vectors."""
    e = np.array(
        [np.trace(model.H_B @ reduced_battery(s, model.dim_B, model.dim_C)).real for s in states]
    )
    return e - e[0]


def ergotropy_bruteforce(rho_B: np.ndarray, H_B: np.ndarray) -> float:
    """Ergotropy over ALL unitaries: Tr[H rho] - sum_k r_k(desc) eps_k(asc)."""
    r = np.sort(np.linalg.eigvalsh(rho_B))[::-1]
    eps = np.sort(np.linalg.eigvalsh(H_B))
    return float(np.trace(H_B @ rho_B).real - np.dot(r, eps))


def ergotropy_symmetric(rho_B: np.ndarray, H_B: np.ndarray, N: int, tol: float = 1e-9) -> float:
    """Ergotropy over permutation-invariant unitaries for a state supported on the symmetric
    subspace: such unitaries can only act inside j = N/2, so the passive state uses the spectrum
    of H_B restricted to that subspace. Raises if rho_B leaks out of it."""
    V = symmetric_isometry(N)
    rho_s = V.conj().T @ rho_B @ V
    if abs(np.trace(rho_s).real - np.trace(rho_B).real) > tol:
        raise ValueError("rho_B is not supported on the symmetric subspace")
    return ergotropy_bruteforce(rho_s, V.conj().T @ H_B @ V)


def power(times: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """P(t) = E(t)/t with P(0) = 0."""
    p = np.zeros_like(energy)
    p[1:] = energy[1:] / times[1:]
    return p


def energy_function(model: Model, psi0: np.ndarray):
    """E(t) = Tr[H_B rho_B(t)] - Tr[H_B rho_B(0)] as a function of arrays of arbitrary times."""
    e0 = np.trace(model.H_B @ reduced_battery(psi0, model.dim_B, model.dim_C)).real

    def energy_at(times: np.ndarray) -> np.ndarray:
        states = evolve(model.H, psi0, np.atleast_1d(np.asarray(times, dtype=float)))
        rhos = [reduced_battery(s, model.dim_B, model.dim_C) for s in states]
        return np.array([np.trace(model.H_B @ r).real for r in rhos]) - e0

    return energy_at


def refine_max(f, lo: float, hi: float, samples: int = 401) -> tuple[float, float]:
    """Maximum of a vectorised f on [lo, hi]: dense sampling, then bounded Brent around the best
    sample. Returns (t, f(t))."""
    x = np.linspace(lo, hi, samples)
    y = f(x)
    j = int(np.argmax(y))
    a, b = x[max(j - 1, 0)], x[min(j + 1, samples - 1)]
    res = scipy.optimize.minimize_scalar(
        lambda s: -f(np.array([s]))[0], bounds=(a, b), method="bounded", options={"xatol": 1e-13}
    )
    if -res.fun >= y[j]:
        return float(res.x), float(-res.fun)
    return float(x[j]), float(y[j])


def first_local_max(times: np.ndarray, values: np.ndarray) -> float:
    """Time of the first interior grid point with v[i-1] < v[i] >= v[i+1] (nan if none)."""
    for i in range(1, len(values) - 1):
        if values[i - 1] < values[i] >= values[i + 1]:
            return float(times[i])
    return float("nan")


def run(model: Model, psi0: np.ndarray, times: np.ndarray, N: int | None = None) -> dict:
    """Energy, power, ergotropy (and symmetric ergotropy when N is given) along a trajectory."""
    states = evolve(model.H, psi0, times)
    rhos = [reduced_battery(s, model.dim_B, model.dim_C) for s in states]
    out = {"t": np.asarray(times, dtype=float), "states": states, "rho_B": rhos}
    out["energy"] = battery_energy(model, states)
    out["power"] = power(out["t"], out["energy"])
    out["ergotropy"] = np.array([ergotropy_bruteforce(r, model.H_B) for r in rhos])
    if N is not None:
        out["ergotropy_symmetric"] = np.array([ergotropy_symmetric(r, model.H_B, N) for r in rhos])
    return out
