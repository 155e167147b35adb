"""Brute-force reference for quantum-battery charging, independent of the ``qbattery`` package.

Everything here is dense numpy/scipy in the FULL tensor-product space:

* battery: N spin-1/2 atoms, dimension 2^N, every collective operator built as an explicit sum
  of single-site Pauli matrices (S_k = sum_i sigma_k^i / 2, S_+- = sum_i sigma_+-^i);
* charger: a truncated bosonic mode (dimension ``dim``: Fock states 0 .. dim-1) or N_C bath
  spin-1/2 (dimension 2^N_C);
* tensor order: battery (x) charger;
* open systems: the Lindblad generator as a sparse D^2 x D^2 matrix (column stacking) and its
  exponential by scipy's expm_multiply, still in the full space.

Single-site basis: index 0 = |up> (sigma_z = +1), index 1 = |down> (sigma_z = -1).
Nothing is imported from ``qbattery``: this module is the yardstick the package is measured with,
so it is deliberately slow, literal and short.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from math import comb

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.sparse.linalg

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
    """Full Hamiltonian H on battery (x) charger, H_B on the battery alone, and the coupling H_I
    (full space) with H = H_B (x) 1 + 1 (x) H_C + H_I."""

    H: np.ndarray
    H_B: np.ndarray
    dim_B: int
    dim_C: int
    H_I: np.ndarray | None = None


def _assemble(H_B: np.ndarray, H_C: np.ndarray, H_I: np.ndarray) -> Model:
    dB, dC = H_B.shape[0], H_C.shape[0]
    H = np.kron(H_B, np.eye(dC)) + np.kron(np.eye(dB), H_C) + H_I
    return Model(H=H, H_B=H_B, dim_B=dB, dim_C=dC, H_I=H_I)


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


def canzio(
    N: int,
    dim: int,
    coupling: str,
    omega_0: float = 1.0,
    omega_c: float = 1.0,
    g: float | None = None,
    bare: bool = False,
) -> Model:
    """Canzio et al. 2024 (paper 003): H_B = omega_0 (S_z + N/2) (ground energy 0),
    H_C = omega_c ad a, and H_I = (2g/sqrt N) S_x (a + ad) for coupling="dicke" (Eq. 1) or
    (g/sqrt N)(S_+ a + S_- ad) for coupling="tc" (Eq. 2). bare=True drops the 1/sqrt N
    (g -> g sqrt N, Sec. II). g defaults to g_c/2 of Eq. 6 (the value of Fig. 4):
    sqrt(omega_0 omega_c)/4 for Dicke, sqrt(omega_0 omega_c)/2 for TC."""
    S, m = spin_ops(N), mode_ops(dim)
    if coupling not in ("dicke", "tc"):
        raise ValueError(f"coupling must be 'dicke' or 'tc', not {coupling!r}")
    if g is None:
        g = np.sqrt(omega_0 * omega_c) / (4 if coupling == "dicke" else 2)
    lam = g if bare else g / np.sqrt(N)
    if coupling == "dicke":
        H_I = 2 * lam * np.kron(S["Sx"], m["a"] + m["ad"])
    else:
        H_I = lam * (np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"]))
    H_B = omega_0 * (S["Sz"] + (N / 2) * np.eye(2**N))
    return _assemble(H_B, omega_c * m["n"], H_I)


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


def fock_density(dim: int, n: int) -> np.ndarray:
    """|n><n| of a mode truncated to dimension dim."""
    v = fock(dim, n)
    return np.outer(v, v.conj())


def coherent_density(dim: int, alpha: complex) -> np.ndarray:
    """|alpha><alpha| with the truncated, renormalised ``coherent`` vector."""
    v = coherent(dim, alpha)
    return np.outer(v, v.conj())


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


# --------------------------------------------------------------------------- open system
# Lindblad master equation d rho/dt = -i[H, rho] + sum_k rate_k D[L_k] rho,
# D[L] rho = L rho L^dagger - (1/2){L^dagger L, rho}, on the full space battery (x) charger.
# Superoperators act on vec(rho) = rho.reshape(-1, order="F") (column stacking), where
# vec(A rho B) = (B^T (x) A) vec(rho).


def local_collapse(
    N: int,
    dim: int,
    kappa: float = 0.0,
    gamma_down: float = 0.0,
    gamma_phi: float = 0.0,
    gamma_up: float = 0.0,
    gamma_collective: float = 0.0,
) -> list[tuple[float, np.ndarray]]:
    """Jump operators on battery (x) mode as (rate, L) pairs, channels with rate 0 left out:
    kappa D[a], gamma_down sum_i D[sigma_-^i], gamma_phi sum_i D[sigma_z^i] (Canzio Eq. 3),
    gamma_up sum_i D[sigma_+^i], gamma_collective D[S_-]."""
    one_B, one_C = np.eye(2**N), np.eye(dim)
    out = []
    if kappa:
        out.append((kappa, np.kron(one_B, mode_ops(dim)["a"])))
    for rate, k in ((gamma_down, "-"), (gamma_phi, "z"), (gamma_up, "+")):
        if rate:
            out += [(rate, np.kron(sigma(i, k, N), one_C)) for i in range(N)]
    if gamma_collective:
        out.append((gamma_collective, np.kron(spin_ops(N)["Sm"], one_C)))
    return out


def liouvillian(H, collapse) -> scipy.sparse.csr_matrix:
    """Sparse D^2 x D^2 generator of the master equation in column stacking."""
    sp = scipy.sparse
    H = sp.csr_matrix(H, dtype=complex)
    one = sp.identity(H.shape[0], dtype=complex, format="csr")
    out = -1j * (sp.kron(one, H) - sp.kron(H.T, one))
    for rate, L in collapse:
        L = sp.csr_matrix(L, dtype=complex)
        LdL = L.conj().T @ L
        out = out + rate * (
            sp.kron(L.conj(), L) - 0.5 * sp.kron(one, LdL) - 0.5 * sp.kron(LdL.T, one)
        )
    return out.tocsr()


def lindblad_evolve(H, collapse, rho0: np.ndarray, times: np.ndarray) -> np.ndarray:
    """rho(t) = exp(t L) rho0 at every t of ``times`` (measured from 0, like ``evolve``), by
    scipy.sparse.linalg.expm_multiply (double-precision truncation of the Taylor series);
    returns shape (len(times), D, D)."""
    D = rho0.shape[0]
    L = liouvillian(H, collapse).tocsc()
    v = np.asarray(rho0, dtype=complex).reshape(-1, order="F")
    times = np.atleast_1d(np.asarray(times, dtype=float))
    steps = np.diff(times)
    if len(times) > 2 and np.allclose(steps, steps[0], rtol=1e-12, atol=0.0):
        vs = scipy.sparse.linalg.expm_multiply(
            L, v, start=times[0], stop=times[-1], num=len(times), endpoint=True
        )
    else:
        vs, t_prev = [], 0.0
        for t in times:
            if t != t_prev:
                v = scipy.sparse.linalg.expm_multiply(L * (t - t_prev), v)
            vs.append(v)
            t_prev = t
        vs = np.array(vs)
    return np.asarray(vs).reshape(len(times), D, D, order="F")


def _require_regular(pivots: np.ndarray) -> None:
    if pivots.min() < 1e-12 * pivots.max():
        raise ValueError("the steady state is not unique (singular Liouvillian beyond one zero)")


def lindblad_steady_state(H, collapse) -> np.ndarray:
    """Null vector of the Liouvillian with unit trace: the (0,0) row of L rho = 0 is replaced by
    Tr rho = 1 (that row is redundant because the trace functional is a left null vector) and
    the system is solved exactly by LU: dense for D <= 64 (about 4 s at D = 64), sparse beyond
    (fill-in makes it slow: minutes at D = 96). Raises ValueError when the steady state is not
    unique, seen as a vanishing LU pivot (|U_kk| / max |U_kk| < 1e-12; about 1e-17 when
    singular, 1e-2 for the unique cases of the self-checks)."""
    L = liouvillian(H, collapse)
    D = int(round(np.sqrt(L.shape[0])))
    b = np.zeros(D * D, dtype=complex)
    b[0] = 1.0
    if D <= 64:
        A = L.toarray()
        A[0, :] = 0.0
        A[0, :: D + 1] = 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)  # singular: raised below
            lu, piv = scipy.linalg.lu_factor(A)
        _require_regular(np.abs(np.diag(lu)))
        x = scipy.linalg.lu_solve((lu, piv), b)
    else:
        A = L.tolil()
        A[0, :] = 0.0
        for k in range(D):
            A[0, k * (D + 1)] = 1.0
        try:
            lu = scipy.sparse.linalg.splu(A.tocsc())
        except RuntimeError as err:  # "Factor is exactly singular"
            raise ValueError("the steady state is not unique") from err
        _require_regular(np.abs(lu.U.diagonal()))
        x = lu.solve(b)
    rho = x.reshape(D, D, order="F")
    return (rho + rho.conj().T) / 2


def battery_state(rho: np.ndarray, dim_B: int, dim_C: int) -> np.ndarray:
    """rho_B = Tr_C rho for a density matrix (or a stack of them, shape (..., D, D))."""
    r = np.asarray(rho).reshape(*np.shape(rho)[:-2], dim_B, dim_C, dim_B, dim_C)
    return np.einsum("...ajbj->...ab", r)


def ergotropy_all(rho_B: np.ndarray, H_B: np.ndarray) -> float:
    """Ergotropy over all unitaries of the battery (Canzio Eq. 4); = ``ergotropy_bruteforce``."""
    return ergotropy_bruteforce(rho_B, H_B)


def total_spin_projectors(N: int) -> dict[float, np.ndarray]:
    """{j: V_j} with V_j a 2^N x d_j (2j+1) isometry onto the S^2 = j(j+1) eigenspace."""
    w, v = np.linalg.eigh(spin_ops(N)["S2"])
    out = {}
    for k in range(N % 2, N + 1, 2):  # 2j = N, N-2, ..., 0 or 1
        j = k / 2
        out[j] = v[:, np.abs(w - j * (j + 1)) < 1e-6]
    assert sum(V.shape[1] for V in out.values()) == 2**N
    return out


def ergotropy_permutation_invariant(
    rho_B: np.ndarray, H_B: np.ndarray, N: int, tol: float = 1e-9
) -> float:
    """Ergotropy over permutation-invariant unitaries (+)_j U_j (x) 1_{d_j} (Canzio Sec. V A):
    in each S^2 eigenspace P_j pair the eigenvalues of P_j rho_B P_j (decreasing) with those of
    P_j H_B P_j (increasing) and sum over j. For rho_B and H_B both permutation invariant this is
    exact (every eigenvalue of a block comes d_j times); in general it is the ergotropy over
    unitaries that commute with S^2. Raises if rho_B has weight off the S^2 blocks beyond tol."""
    blocks = total_spin_projectors(N)
    diag = sum(V @ (V.conj().T @ rho_B @ V) @ V.conj().T for V in blocks.values())
    if np.max(np.abs(rho_B - diag)) > tol:
        raise ValueError("rho_B does not commute with S^2 (weight off the total-spin blocks)")
    passive = 0.0
    for V in blocks.values():
        r = np.sort(np.linalg.eigvalsh(V.conj().T @ rho_B @ V))[::-1]
        eps = np.sort(np.linalg.eigvalsh(V.conj().T @ H_B @ V))
        passive += float(np.dot(r, eps))
    return float(np.trace(H_B @ rho_B).real - passive)


def switching_cost(rho: np.ndarray, H_I: np.ndarray) -> float:
    """Energy to switch the coupling off at the end, delta E_{ON->OFF} = -Tr[rho H_I]
    (Canzio Eq. 5)."""
    return float(-np.trace(rho @ H_I).real)


def down_with_charger(N: int, cutoff: int, charger: dict) -> np.ndarray:
    """rho(0) = |down...down><down...down| ⊗ rho_C for a spec charger { fock = n } or
    { coherent = alpha } (truncated and normalised, as qbattery prepares it)."""
    if "fock" in charger:
        rho_c = fock_density(cutoff, charger["fock"])
    else:
        rho_c = coherent_density(cutoff, charger["coherent"])
    rho0 = np.kron(np.outer(spins_down(N), spins_down(N).conj()), rho_c)
    return rho0 / np.trace(rho0)


def open_battery_series(model: Model, collapse, rho0: np.ndarray, times: np.ndarray, N: int,
                        cutoff: int) -> dict[str, np.ndarray]:  # fmt: skip
    """qbattery's series of a spins ⊗ mode battery from a dense Lindblad evolution in the 2^N ⊗
    mode space: energy and charger energy (changes since t = 0), both ergotropies, switching
    cost, purity, energy spread and locked energy (E_B − ergotropy, H_B's ground level 0)."""
    H_C = np.kron(np.eye(2**N), mode_ops(cutoff)["n"])
    names = ("energy", "ergotropy", "ergotropy_symmetric", "switching_cost", "purity",
             "energy_std", "charger_energy")  # fmt: skip
    out = {k: [] for k in names}
    for rho in lindblad_evolve(model.H, collapse, rho0, times):
        rb = battery_state(rho, 2**N, cutoff)
        e = np.trace(model.H_B @ rb).real
        out["energy"].append(e)
        out["ergotropy"].append(ergotropy_all(rb, model.H_B))
        out["ergotropy_symmetric"].append(ergotropy_permutation_invariant(rb, model.H_B, N))
        out["switching_cost"].append(switching_cost(rho, model.H_I))
        out["purity"].append(np.trace(rb @ rb).real)
        out["energy_std"].append(np.sqrt(max(np.trace(model.H_B @ model.H_B @ rb).real - e**2, 0)))
        out["charger_energy"].append(np.trace(H_C @ rho).real)
    out = {k: np.array(v) for k, v in out.items()}
    out["locked_energy"] = out["energy"] - out["ergotropy"]
    out["energy"] = out["energy"] - out["energy"][0]
    out["charger_energy"] = out["charger_energy"] - out["charger_energy"][0]
    return out
