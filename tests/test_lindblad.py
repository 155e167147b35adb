"""The Lindblad engine (qbattery.solvers.lindblad) against an independent dense Lindblad equation.

The reference below is built in this file from single-site matrices in the FULL 2^N (x) mode
space (collective operators are explicit sums over atoms); nothing of qbattery's operators is
used for it. Dissipator: rate * (L rho L^dag - 1/2 {L^dag L, rho}), vec by column stacking.
Observables that do not depend on the basis (energies, <a>, <S_x>, spectra of rho_B) are compared
for a battery of spins (qbattery keeps them in the Dicke basis); for a battery of a few atoms both
use the product basis (level 0 = g) and rho_B is compared entry by entry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

import qbattery
from qbattery.problem import build_problem
from qbattery.solvers import lindblad
from qbattery.solvers import steady_state as steady
from qbattery.solvers.lindblad import LindbladEvolution, liouvillian
from qbattery.solvers.steady_state import steady_state
from qbattery.spec import SpecError

TOL = 1e-8
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# --------------------------------------------------------------------------- reference

UP_DOWN = {  # spin-1/2, index 0 = up (excited), 1 = down
    "z": np.diag([1.0, -1.0]).astype(complex),
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "+": np.array([[0, 1], [0, 0]], dtype=complex),
    "-": np.array([[0, 0], [1, 0]], dtype=complex),
}


def site(op: np.ndarray, i: int, n: int) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for k in range(n):
        out = np.kron(out, op if k == i else np.eye(op.shape[0]))
    return out


def spins(n: int) -> dict[str, np.ndarray]:
    """Collective S_k = sum_i sigma_k^i / 2, S_+- = sum_i sigma_+-^i of n spin-1/2 (2^n space)."""
    table = [("Sx", "x", 0.5), ("Sy", "y", 0.5), ("Sz", "z", 0.5), ("Sp", "+", 1), ("Sm", "-", 1)]
    return {k: sum(site(UP_DOWN[s], i, n) for i in range(n)) * f for k, s, f in table}


def down_state(n: int) -> np.ndarray:
    psi = np.zeros(2**n, dtype=complex)
    psi[-1] = 1  # |down ... down>
    return psi


def mode(dim: int) -> dict[str, np.ndarray]:
    a = np.diag(np.sqrt(np.arange(1, dim)), 1).astype(complex)
    return {"a": a, "ad": a.conj().T, "n": a.conj().T @ a}


def fock(dim: int, k: int) -> np.ndarray:
    v = np.zeros(dim, dtype=complex)
    v[k] = 1
    return v


def coherent(dim: int, alpha: float) -> np.ndarray:
    from math import factorial

    v = np.array([alpha**k / np.sqrt(factorial(k)) for k in range(dim)], dtype=complex)
    return v / np.linalg.norm(v)


def dense_liouvillian(H: np.ndarray, jumps: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Column stacking: vec(A rho B) = (B^T kron A) vec(rho)."""
    eye = np.eye(H.shape[0])
    L = -1j * (np.kron(eye, H) - np.kron(H.T, eye))
    for rate, J in jumps:
        JdJ = J.conj().T @ J
        L += rate * (np.kron(J.conj(), J) - 0.5 * np.kron(eye, JdJ) - 0.5 * np.kron(JdJ.T, eye))
    return L


def evolve(L: np.ndarray, rho0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """rho(t) on a uniform grid, shape (T, D, D), by exact exponentiation."""
    D = rho0.shape[0]
    vecs = expm_multiply(
        sp.csr_matrix(L),
        rho0.reshape(-1, order="F"),
        start=t[0],
        stop=t[-1],
        num=len(t),
        endpoint=True,
    )
    return vecs.reshape(len(t), D, D, order="F")


def evolve_driven(L0, L1, coef, rho0, t) -> np.ndarray:
    """rho(t) for L(t) = L0 + coef(t) L1, integrated very tightly."""
    D = rho0.shape[0]
    A, B = sp.csr_matrix(L0), sp.csr_matrix(L1)
    sol = solve_ivp(
        lambda x, y: A @ y + coef(x) * (B @ y),
        (t[0], t[-1]),
        rho0.reshape(-1, order="F"),
        t_eval=t,
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
    )
    return sol.y.T.reshape(len(t), D, D, order="F")


def expect(op: np.ndarray, rhos: np.ndarray) -> np.ndarray:
    return np.einsum("ij,tji->t", op, rhos)


def battery_part(rhos: np.ndarray, dB: int, dC: int) -> np.ndarray:
    return np.einsum("ticjc->tij", rhos.reshape(-1, dB, dC, dB, dC))


# --------------------------------------------------------------------------- helpers


def tc_spec(n, cutoff, charger, *, t_max=6.0, points=61, noise=None, omega_c=1.1, g=0.6, **extra):
    spec = {
        "system": {"spins": n, "mode": {"cutoff": cutoff}},
        "parameters": {"omega_a": 1.0, "omega_c": omega_c, "g": g},
        "hamiltonian": {
            "battery": "omega_a*Sz",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
        },
        "initial": {"battery": "down", "charger": charger},
        "noise": noise or {},
        "time": {"t_max": t_max, "points": points},
    }
    spec.update(extra)
    return spec


def tc_reference(n, cutoff, psi_c, kappa, gamma, t, omega_c=1.1, g=0.6, coupling=None):
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    HB = np.kron(S["Sz"], eC)
    if coupling is None:
        coupling = g / np.sqrt(n) * (np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"]))
    H = HB + omega_c * np.kron(eB, m["n"]) + coupling
    jumps = [(kappa, np.kron(eB, m["a"])), (gamma, np.kron(S["Sm"], eC))]
    psi = np.kron(down_state(n), psi_c)
    rhos = evolve(dense_liouvillian(H, jumps), np.outer(psi, psi.conj()), t)
    return rhos, S, m, HB


def ours_full(problem, name: str) -> np.ndarray:
    """A full-space operator from qbattery's factor operators (for our side only)."""
    dB, dC = problem.dims
    if name in problem.battery.operators:
        return sp.kron(problem.battery.operators[name], sp.identity(dC)).tocsr()
    return sp.kron(sp.identity(dB), problem.charger.operators[name]).tocsr()


DEVIATIONS: dict[str, float] = {}  # largest deviation seen per check (printed with -s)


def assert_close(name, ours, ref, tol=TOL):
    err = np.max(np.abs(np.asarray(ours) - np.asarray(ref)))
    DEVIATIONS[name] = max(err, DEVIATIONS.get(name, 0.0))
    assert err <= tol, f"{name}: max deviation {err:.3e} > {tol:g}"


def assert_same_spectra(rho_ours, rho_ref, tol=TOL):
    """Eigenvalues of rho_B(t): the Dicke-basis state's spectrum, padded with zeros, vs 2^N."""
    for a, b in zip(rho_ours, rho_ref, strict=True):
        ea = np.sort(np.linalg.eigvalsh(a))[::-1]
        eb = np.sort(np.linalg.eigvalsh(b))[::-1]
        assert_close("rho_B spectrum", ea, eb[: len(ea)], tol)
        assert np.all(np.abs(eb[len(ea) :]) < tol)


# --------------------------------------------------------------------------- dynamics


@pytest.mark.parametrize("method", ["auto", "DOP853"])
def test_tavis_cummings_fock_mode_loss_and_collective_decay(method):
    n, cutoff, kappa, gamma = 3, 5, 0.3, 0.2
    spec = tc_spec(n, cutoff, {"fock": 2}, noise={"mode_loss": kappa, "collective_decay": gamma})
    p = build_problem(spec)
    ev = LindbladEvolution(p, method=method)
    assert ev.info["symmetry"] == "excitation_number"
    assert ev.info["sectors_integrated"] == [0]
    rhos, S, m, HB = tc_reference(n, cutoff, fock(cutoff, 2), kappa, gamma, p.times)
    assert_close("energy", ev.expect(p.H_battery), expect(HB, rhos).real)
    assert_close(
        "<n>", ev.expect(p.H_charger) / 1.1, expect(np.kron(np.eye(2**n), m["n"]), rhos).real
    )
    _, rho_b = next(ev.battery_states())
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))
    assert ev.info["trace_error"] < 1e-10
    assert ev.info["min_battery_eigenvalue"] > -1e-9
    assert ev.info["warnings"] == []


@pytest.mark.parametrize("method", ["auto", "DOP853", "expm", "expm_multiply"])
def test_coherent_charger_fills_every_sector(method, monkeypatch):
    """All k = N_ex(ket) - N_ex(bra) blocks (and their mirror images) against the full space."""
    if method == "expm_multiply":  # no block counts as small: Krylov exponentiation for all
        monkeypatch.setattr(lindblad, "DENSE_EXPM", 0)
        method = "expm"
    n, cutoff, alpha, kappa, gamma = 2, 11, 0.7, 0.25, 0.15
    spec = tc_spec(
        n, cutoff, {"coherent": alpha}, noise={"mode_loss": kappa, "collective_decay": gamma}
    )
    p = build_problem(spec)
    ev = LindbladEvolution(p, method=method)
    assert ev.info["sectors_integrated"][:3] == [0, 1, 2]
    rhos, S, m, HB = tc_reference(n, cutoff, coherent(cutoff, alpha), kappa, gamma, p.times)
    eB = np.eye(2**n)
    a_ref = expect(np.kron(eB, m["a"]), rhos)
    a_ours = ours_full(p, "a")
    assert_close("Re<a>", ev.expect(a_ours), a_ref.real)
    assert_close("Im<a>", ev.expect(-1j * a_ours), a_ref.imag)
    for name in ("Sx", "Sy"):
        ref = expect(np.kron(S[name], np.eye(cutoff)), rhos).real
        assert_close(f"<{name}>", ev.expect(ours_full(p, name)), ref)
    assert_close("energy", ev.expect(p.H_battery), expect(HB, rhos).real)
    _, rho_b = next(ev.battery_states())
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))


def test_dicke_coupling_uses_parity_sectors():
    n, cutoff, kappa = 2, 8, 0.2
    spec = tc_spec(n, cutoff, {"fock": 1}, noise={"mode_loss": kappa}, t_max=4.0, points=41)
    spec["hamiltonian"]["coupling"] = "g/sqrt(N)*Sx*(a + ad)"
    p = build_problem(spec)
    ev = LindbladEvolution(p)
    assert ev.info["symmetry"] == "parity"
    assert ev.info["sectors_integrated"] == [0]
    S, m = spins(n), mode(cutoff)
    coupling = 0.6 / np.sqrt(n) * np.kron(S["Sx"], m["a"] + m["ad"])
    rhos, _, _, HB = tc_reference(
        n, cutoff, fock(cutoff, 1), kappa, 0.0, p.times, coupling=coupling
    )
    assert_close("energy", ev.expect(p.H_battery), expect(HB, rhos).real)
    _, rho_b = next(ev.battery_states())
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))


def test_collapse_without_symmetry_uses_the_whole_space():
    """[[noise.collapse]] mixing charge shifts 0 and +-1: no weak symmetry, one block."""
    n, cutoff = 2, 4
    noise = {"mode_loss": 0.1, "collapse": [{"rate": "0.3", "operator": "Sx + 0.5*Sz"}]}
    spec = tc_spec(n, cutoff, {"fock": 1}, noise=noise, t_max=4.0, points=41)
    p = build_problem(spec)
    ev = LindbladEvolution(p)
    assert ev.info["symmetry"] == "none"
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    H = (
        np.kron(S["Sz"], eC)
        + 1.1 * np.kron(eB, m["n"])
        + 0.6 / np.sqrt(n) * (np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"]))
    )
    jumps = [(0.1, np.kron(eB, m["a"])), (0.3, np.kron(S["Sx"] + 0.5 * S["Sz"], eC))]
    psi = np.kron(down_state(n), fock(cutoff, 1))
    rhos = evolve(dense_liouvillian(H, jumps), np.outer(psi, psi.conj()), p.times)
    assert_close("energy", ev.expect(p.H_battery), expect(np.kron(S["Sz"], eC), rhos).real)
    _, rho_b = next(ev.battery_states())
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))


def atoms_spec(noise, couplings=(0.5, 0.3), cutoff=4, t_max=5.0, points=51):
    g1, g2 = couplings
    return {
        "system": {"atoms": 2, "levels": ["g", "e"], "mode": {"cutoff": cutoff}},
        "parameters": {"g1": g1, "g2": g2, "w": 1.0},
        "hamiltonian": {
            "battery": "w*(s1_ee + s2_ee)",
            "charger": "w*n",
            "coupling": "g1*(s1_eg*a + s1_ge*ad) + g2*(s2_eg*a + s2_ge*ad)",
        },
        "initial": {"battery": {"atoms": ["e", "g"]}, "charger": {"fock": 1}},
        "noise": noise,
        "time": {"t_max": t_max, "points": points},
    }


def atoms_reference(couplings, cutoff, jumps_local, kappa):
    """Two atoms in the product basis (level 0 = g, 1 = e), a mode; local jumps by name."""
    g1, g2 = couplings
    raise_ = np.array([[0, 0], [1, 0]], dtype=complex)  # |e><g|
    ee = np.diag([0.0, 1.0]).astype(complex)
    m, eC = mode(cutoff), np.eye(cutoff)
    up = [site(raise_, i, 2) for i in range(2)]
    HB = site(ee, 0, 2) + site(ee, 1, 2)
    H = np.kron(HB, eC) + np.kron(np.eye(4), m["n"])
    for g, s in zip((g1, g2), up, strict=True):
        H += g * (np.kron(s, m["a"]) + np.kron(s.conj().T, m["ad"]))
    local = {
        "decay1": site(raise_.T, 0, 2),
        "decay2": site(raise_.T, 1, 2),
        "dephase1": site(np.diag([-1.0, 1.0]).astype(complex), 0, 2),
    }
    jumps = [(rate, np.kron(local[name], eC)) for name, rate in jumps_local]
    jumps.append((kappa, np.kron(np.eye(4), m["a"])))
    return H, np.kron(HB, eC), jumps


def test_atoms_with_custom_local_collapse_match_entry_by_entry():
    noise = {
        "mode_loss": 0.2,
        "collapse": [
            {"rate": 0.1, "operator": "s1_ge"},
            {"rate": "0.05", "operator": "s2_ge"},
            {"rate": 0.07, "operator": "s1_ee - s1_gg"},
        ],
    }
    p = build_problem(atoms_spec(noise))
    ev = LindbladEvolution(p)
    assert ev.info["symmetry"] == "excitation_number"
    H, HB, jumps = atoms_reference(
        (0.5, 0.3), 4, [("decay1", 0.1), ("decay2", 0.05), ("dephase1", 0.07)], 0.2
    )
    L = dense_liouvillian(H, jumps)
    assert np.max(np.abs(liouvillian(p).toarray() - L)) < 1e-14  # same basis, same convention
    psi = np.kron(np.array([0, 0, 1, 0], dtype=complex), fock(4, 1))  # |e g> (x) |1>
    rhos = evolve(L, np.outer(psi, psi.conj()), p.times)
    assert_close("energy", ev.expect(p.H_battery), expect(HB, rhos).real)
    _, rho_b = next(ev.battery_states())
    assert_close("rho_B", rho_b, battery_part(rhos, 4, 4))


def test_time_dependent_hamiltonian_and_rate_with_default_tolerances():
    """A pulse in the coupling and a time-dependent collective decay; spec rtol/atol defaults."""
    n, cutoff = 2, 6
    spec = tc_spec(n, cutoff, {"fock": 2}, t_max=5.0, points=51)
    spec["hamiltonian"]["coupling"] = "g*exp(-t/3)/sqrt(N)*(Sp*a + Sm*ad)"
    spec["noise"] = {
        "mode_loss": 0.2,
        "collapse": [{"rate": "0.1*(1 + sin(2*t))", "operator": "Sm"}],
    }
    p = build_problem(spec)
    assert p.is_time_dependent
    res = qbattery.simulate(
        {**spec, "run": {"solver": "lindblad"}, "output": {"series": ["energy"]}}
    )
    assert res.info["solver"] == "lindblad" and res.info["method"] == "DOP853"
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    HB = np.kron(S["Sz"], eC)
    H0 = HB + 1.1 * np.kron(eB, m["n"])
    V = 0.6 / np.sqrt(n) * (np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"]))
    Sm = np.kron(S["Sm"], eC)
    L0 = dense_liouvillian(H0, [(0.2, np.kron(eB, m["a"]))])
    # L(t) = L0 + e^{-t/3} L_V + 0.1 (1 + sin 2t) D[Sm]: a single coefficient for the reference
    LV = dense_liouvillian(V, [])
    LD = dense_liouvillian(0 * H0, [(1.0, Sm)])
    psi = np.kron(down_state(n), fock(cutoff, 2))
    rho0 = np.outer(psi, psi.conj())
    D = rho0.shape[0]
    A, BV, BD = (sp.csr_matrix(x) for x in (L0, LV, LD))
    sol = solve_ivp(
        lambda x, y: A @ y + np.exp(-x / 3) * (BV @ y) + 0.1 * (1 + np.sin(2 * x)) * (BD @ y),
        (0, 5),
        rho0.reshape(-1, order="F"),
        t_eval=p.times,
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
    )
    rhos = sol.y.T.reshape(len(p.times), D, D, order="F")
    e_ref = expect(HB, rhos).real
    assert_close("energy", res.energy, e_ref - e_ref[0])
    ev = LindbladEvolution(p)
    assert not ev.can_evaluate_anywhere
    _, rho_b = next(ev.battery_states())
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))


def test_driven_battery_without_charger():
    """No charger, a classical drive c(t)·Sx and collective decay: no symmetry, ODE path."""
    n = 3
    spec = {
        "system": {"spins": n},
        "parameters": {"Omega": 0.8, "gamma": 0.2},
        "hamiltonian": {"battery": "Sz", "coupling": "Omega*cos(t)*Sx"},
        "initial": {"battery": "down"},
        "noise": {"collective_decay": "gamma"},
        "time": {"t_max": 6.0, "points": 61},
    }
    p = build_problem(spec)
    ev = LindbladEvolution(p)
    assert ev.info["symmetry"] == "none"
    S = spins(n)
    L0 = dense_liouvillian(S["Sz"], [(0.2, S["Sm"])])
    L1 = dense_liouvillian(0.8 * S["Sx"], [])
    rho0 = np.outer(down_state(n), down_state(n))
    rhos = evolve_driven(L0, L1, np.cos, rho0, p.times)
    assert_close("energy", ev.expect(p.H_battery), expect(S["Sz"], rhos).real)
    assert_close("<Sy>", ev.expect(ours_full(p, "Sy")), expect(S["Sy"], rhos).real)


def test_state_between_grid_points():
    n, cutoff, kappa, gamma = 2, 5, 0.3, 0.1
    noise = {"mode_loss": kappa, "collective_decay": gamma}
    p = build_problem(tc_spec(n, cutoff, {"fock": 2}, noise=noise, t_max=2.0, points=5))
    ev = LindbladEvolution(p)
    assert ev.can_evaluate_anywhere
    t = np.array([0.123, 0.77, 1.999])
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    HB = np.kron(S["Sz"], eC)
    V = np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"])
    H = HB + 1.1 * np.kron(eB, m["n"]) + 0.6 / np.sqrt(n) * V
    L = dense_liouvillian(H, [(kappa, np.kron(eB, m["a"])), (gamma, np.kron(S["Sm"], eC))])
    psi = np.kron(down_state(n), fock(cutoff, 2))
    D = len(psi)
    vec0 = np.outer(psi, psi.conj()).reshape(-1, order="F")
    rhos = np.array([expm_multiply(sp.csr_matrix(L) * x, vec0).reshape(D, D, order="F") for x in t])
    assert_close("energy off the grid", ev.expect(p.H_battery, t), expect(HB, rhos).real)
    _, rho_b = next(ev.battery_states(t))
    assert_same_spectra(rho_b, battery_part(rhos, 2**n, cutoff))


def dense_coherent_tc(n, cutoff, kappa, gamma, alpha=0.7):
    """(spin matrices, charger identity, dense Liouvillian, ψ(0)) of ``tc_spec`` with a coherent
    charger |α>, mode loss κ and collective decay γ, written out in the 2^n ⊗ mode space."""
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    V = np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"])
    H = np.kron(S["Sz"], eC) + 1.1 * np.kron(eB, m["n"]) + 0.6 / np.sqrt(n) * V
    L = dense_liouvillian(H, [(kappa, np.kron(eB, m["a"])), (gamma, np.kron(S["Sm"], eC))])
    return S, eC, L, np.kron(down_state(n), coherent(cutoff, alpha))


def test_coherences_between_grid_points():
    """⟨S_x⟩ lives in the k = ±1 blocks (each stored once, with its mirror): off-grid values from
    the blocks' eigenmodes against the dense Liouvillian."""
    n, cutoff, kappa, gamma = 2, 11, 0.3, 0.1
    noise = {"mode_loss": kappa, "collective_decay": gamma}
    p = build_problem(tc_spec(n, cutoff, {"coherent": 0.7}, noise=noise, t_max=2.0, points=5))
    ev = LindbladEvolution(p)
    t = np.array([0.123, 0.77, 1.999])
    S, eC, L, psi = dense_coherent_tc(n, cutoff, kappa, gamma)
    D = len(psi)
    vec0 = np.outer(psi, psi.conj()).reshape(-1, order="F")
    rhos = np.array([expm_multiply(sp.csr_matrix(L) * x, vec0).reshape(D, D, order="F") for x in t])
    sx = expect(np.kron(S["Sx"], eC), rhos).real
    assert np.min(np.abs(sx)) > 1e-3  # the coherence is there to be found
    assert_close("<Sx> off the grid", ev.expect(ours_full(p, "Sx"), t), sx)
    assert_close("<Sy> off the grid", ev.expect(ours_full(p, "Sy"), t),
                 expect(np.kron(S["Sy"], eC), rhos).real)  # fmt: skip


@pytest.mark.parametrize("modes", [True, False])
def test_derivatives_between_grid_points(modes, monkeypatch):
    """f, f', f'' of Re Tr[O ρ(t)] from the blocks' eigenmodes (or, with none, from Lρ and L²ρ
    of the Taylor-propagated state) against Tr[O ρ], Tr[O Lρ] and Tr[O L²ρ] of the dense
    Liouvillian; for the energy (k = 0) and ⟨S_x⟩ (the mirrored k = 1)."""
    monkeypatch.setattr(lindblad, "MODES_MAX", 1000 if modes else 0)  # blocks here: 3..86
    n, cutoff, kappa, gamma = 2, 11, 0.3, 0.1
    noise = {"mode_loss": kappa, "collective_decay": gamma}
    p = build_problem(tc_spec(n, cutoff, {"coherent": 0.7}, noise=noise, t_max=2.0, points=5))
    ev = LindbladEvolution(p)
    assert all((ev._eigenmodes_or_none(k) is not None) == modes for k in range(len(ev.blocks)))
    S, eC, L, psi = dense_coherent_tc(n, cutoff, kappa, gamma)
    D = len(psi)
    vec = expm_multiply(sp.csr_matrix(L) * 0.77, np.outer(psi, psi.conj()).reshape(-1, order="F"))
    for ours, theirs in [(p.H_battery, np.kron(S["Sz"], eC)),
                         (ours_full(p, "Sx"), np.kron(S["Sx"], eC))]:  # fmt: skip
        expected = [
            np.trace(theirs @ v.reshape(D, D, order="F")).real
            for v in (vec, L @ vec, L @ (L @ vec))
        ]
        assert abs(expected[1]) > 1e-3 and abs(expected[2]) > 1e-3  # something to get wrong
        np.testing.assert_allclose(ev.expect_derivatives(ours, 0.77), expected, rtol=1e-9)


def test_maxima_are_refined_by_newton_steps_on_the_modes(monkeypatch):
    """With derivatives from the eigenmodes the summary needs no bounded search on values; its
    E_max and P_max are stationary points of the dense Liouvillian's E(t) (E' = 0, tE' = E)."""
    from qbattery import metrics

    n, cutoff, kappa = 2, 5, 0.3
    spec = tc_spec(n, cutoff, {"fock": 2}, noise={"mode_loss": kappa}, t_max=6.0, points=31)
    spec["run"] = {"solver": "lindblad"}  # "auto" would pick the permutational solver
    monkeypatch.setattr(metrics, "refine_maximum", lambda *a, **k: pytest.fail("searched"))
    summary = qbattery.simulate(spec).summary
    S, m = spins(n), mode(cutoff)
    eB, eC = np.eye(2**n), np.eye(cutoff)
    HB = np.kron(S["Sz"], eC)
    V = np.kron(S["Sp"], m["a"]) + np.kron(S["Sm"], m["ad"])
    H = HB + 1.1 * np.kron(eB, m["n"]) + 0.6 / np.sqrt(n) * V
    L = dense_liouvillian(H, [(kappa, np.kron(eB, m["a"]))])
    psi = np.kron(down_state(n), fock(cutoff, 2))
    D = len(psi)
    vec0 = np.outer(psi, psi.conj()).reshape(-1, order="F")

    e0 = float((psi.conj() @ HB @ psi).real)

    def e_and_slope(x):  # E(x) − E(0) and E'(x)
        v = expm_multiply(sp.csr_matrix(L) * x, vec0)
        e, slope = (np.trace(HB @ u.reshape(D, D, order="F")).real for u in (v, L @ v))
        return e - e0, slope

    assert 0 < summary["t_E_max"] < 6.0 and 0 < summary["t_P_max"] < 6.0
    e, slope = e_and_slope(summary["t_E_max"])
    assert e == pytest.approx(summary["E_max"], abs=1e-12)
    assert abs(slope) < 1e-9
    t, (e, slope) = summary["t_P_max"], e_and_slope(summary["t_P_max"])
    assert e / t == pytest.approx(summary["P_max"], abs=1e-12)
    assert abs(t * slope - e) < 1e-9


def test_non_uniform_grid_is_integrated():
    n, cutoff = 2, 4
    p = build_problem(tc_spec(n, cutoff, {"fock": 1}, noise={"mode_loss": 0.3}))
    p.times = np.array([0.0, 0.1, 0.5, 2.0])
    ev = LindbladEvolution(p)
    assert ev.info["method"] == "DOP853"
    with pytest.raises(ValueError, match="uniform grid"):
        LindbladEvolution(p, method="expm")
    rhos, _, _, HB = tc_reference(n, cutoff, fock(cutoff, 1), 0.3, 0.0, np.linspace(0, 2.0, 41))
    assert_close("energy", ev.expect(p.H_battery), expect(HB, rhos[[0, 2, 10, 40]]).real)


def test_liouvillian_column_stacking_convention():
    spec = tc_spec(2, 3, {"fock": 1}, noise={"mode_loss": 0.3, "collective_decay": 0.2})
    p = build_problem(spec)
    L = liouvillian(p)
    D = p.dim
    assert L.shape == (D * D, D * D)
    rng = np.random.default_rng(1)
    rho = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
    H = p.H_static.toarray()
    out = -1j * (H @ rho - rho @ H)
    for _, rate, J in p.collapse:
        J = J.toarray()
        JdJ = J.conj().T @ J
        out += rate.value * (J @ rho @ J.conj().T - 0.5 * (JdJ @ rho + rho @ JdJ))
    assert np.allclose((L @ rho.reshape(-1, order="F")).reshape(D, D, order="F"), out, atol=1e-13)
    # trace preservation: the trace functional is a left null vector
    assert np.max(np.abs(np.eye(D).reshape(-1, order="F") @ L)) < 1e-13


# --------------------------------------------------------------------------- steady state


def test_tavis_cummings_relaxes_to_the_zero_excitation_state():
    """Canzio et al. appendix A: with mode loss and decay the unique steady state is |0>|down...>.

    Its Lyapunov function, the mean excitation number, decreases monotonically; the steady state
    equals the long-time limit of the integration and the null vector of the full Liouvillian.
    """
    n, cutoff, kappa, gamma = 3, 6, 0.4, 0.3
    spec = tc_spec(
        n,
        cutoff,
        {"fock": 3},
        noise={"mode_loss": kappa, "collective_decay": gamma},
        t_max=150.0,
        points=301,
    )
    p = build_problem(spec)
    ss = steady_state(p)
    assert ss.unique and ss.dimension == 1 and ss.warnings == []
    ground = np.zeros(p.dim)
    ground[0] = 1  # Dicke k = 0 (all down) (x) Fock 0
    assert_close("steady state", ss.rho.toarray(), np.diag(ground), 1e-12)
    assert ss.residual < 1e-12
    # the null space of the full Liouvillian is one-dimensional and is this state
    U, s, Vh = np.linalg.svd(liouvillian(p).toarray())
    assert s[-1] < 1e-12 * s[0] < s[-2]
    null = Vh[-1].conj().reshape(p.dim, p.dim, order="F")
    assert_close("null vector", null / np.trace(null), ss.rho.toarray(), 1e-10)
    # long-time integration
    ev = LindbladEvolution(p)
    from qbattery.operators.symmetry import excitation_number

    n_ex = ev.expect(sp.diags(excitation_number(p).astype(float)))
    assert n_ex[0] == pytest.approx(3)
    assert np.all(np.diff(n_ex) <= 1e-12)
    rows, rho_b = list(ev.battery_states())[-1]
    assert_close("rho_B(t_max)", rho_b[-1], ss.battery_state(), 1e-8)
    assert_close("E(t_max)", ev.expect(p.H_battery)[-1], ss.expect(p.H_battery), 1e-8)


def test_steady_state_with_pumping_matches_long_time_integration():
    """Incoherent pumping of the mode makes a non-trivial (thermal-like) unique steady state."""
    n, cutoff = 2, 14
    noise = {
        "mode_loss": 0.4,
        "collective_decay": 0.1,
        "collapse": [{"rate": 0.1, "operator": "ad"}],
    }
    spec = tc_spec(n, cutoff, "vacuum", noise=noise, t_max=300.0, points=31)
    p = build_problem(spec)
    ss = steady_state(p)
    assert ss.unique
    ev = LindbladEvolution(p)
    assert ev.info["warnings"] == []
    _, rho_b = list(ev.battery_states())[-1]
    assert_close("rho_B", rho_b[-1], ss.battery_state(), 1e-8)
    n_op = ours_full(p, "n")
    assert_close("<n>", ev.expect(n_op)[-1], ss.expect(n_op), 1e-8)
    assert ss.expect(n_op) > 0.1


def test_dark_state_makes_the_steady_state_non_unique():
    """Two atoms coupled equally to a lossy mode: the singlet is dark; (|eg> - |ge>)/sqrt(2)."""
    p = build_problem(atoms_spec({"mode_loss": 0.5}, couplings=(0.4, 0.4), t_max=200.0, points=11))
    p.initial = [(1.0, np.kron(np.array([0, 0, 1, 0], dtype=complex), np.eye(4)[0]))]  # |e g>|0>
    ss = steady_state(p)
    assert not ss.unique and ss.dimension == 2
    assert "not unique" in ss.warnings[0]
    singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    expected = 0.5 * np.outer(singlet, singlet) + 0.5 * np.diag([1.0, 0, 0, 0])
    assert_close("state reached from |eg>", ss.battery_state(), expected, 1e-10)
    _, rho_b = list(LindbladEvolution(p).battery_states())[-1]
    assert_close("long-time rho_B", rho_b[-1], expected, 1e-8)


def test_large_singular_blocks_fall_back_to_the_resolvent(monkeypatch):
    p = build_problem(atoms_spec({"mode_loss": 0.5}, couplings=(0.4, 0.4)))
    p.initial = [(1.0, np.kron(np.array([0, 0, 1, 0], dtype=complex), np.eye(4)[0]))]
    exact = steady_state(p)
    monkeypatch.setattr(steady, "DENSE_STEADY", 2)  # no connected part counts as small
    approx = steady_state(p)
    assert approx.method == "resolvent" and not approx.unique and approx.dimension is None
    assert_close("resolvent steady state", approx.rho.toarray(), exact.rho.toarray(), 1e-7)


def test_conserving_collapse_has_many_steady_states():
    spec = tc_spec(2, 4, {"fock": 1}, noise={"collapse": [{"rate": 0.2, "operator": "n + Sz"}]})
    ss = steady_state(build_problem(spec))
    assert not ss.unique and ss.dimension > 2
    assert ss.residual < 1e-12
    assert np.trace(ss.rho.toarray()) == pytest.approx(1)


def test_time_dependent_steady_state_needs_a_time():
    spec = tc_spec(
        2, 4, {"fock": 1}, noise={"collapse": [{"rate": "0.2*(1 + cos(t))", "operator": "a"}]}
    )
    p = build_problem(spec)
    with pytest.raises(ValueError, match="pass the time"):
        steady_state(p)
    assert steady_state(p, t=0.0).unique


# --------------------------------------------------------------------------- monitors and errors


def test_truncated_mode_warns_with_a_larger_cutoff():
    spec = tc_spec(4, 3, "vacuum", noise={"mode_loss": 0.1}, t_max=5.0, points=51)
    spec["initial"]["battery"] = "up"  # four excitations cannot fit in Fock 0..2
    res = qbattery.simulate(spec)
    assert res.info["max_top_fock_population"] > 1e-6
    (warning,) = res.info["warnings"]
    assert "mode.cutoff" in warning and "|2>" in warning
    suggested = int(warning.split("mode.cutoff = ")[1].split()[0])
    assert suggested > 3


def test_positivity_is_monitored():
    """A negative (non-physical) time-dependent rate destroys positivity; it is reported."""
    spec = tc_spec(
        2, 3, {"fock": 0}, noise={"collapse": [{"rate": "-0.5*(1 + 0.1*cos(t))", "operator": "Sm"}]}
    )
    spec["initial"]["battery"] = "up"
    ev = LindbladEvolution(build_problem(spec))
    assert ev.info["min_battery_eigenvalue"] < -1e-3
    assert any("positivity" in w for w in ev.info["warnings"])


def test_local_noise_on_spins_is_refused_with_the_field():
    spec = tc_spec(2, 3, {"fock": 1}, noise={"local_decay": 0.1}, run={"solver": "lindblad"})
    with pytest.raises(SpecError) as err:
        qbattery.simulate(spec)
    assert err.value.field == "noise.local_decay"


def test_lindblad_records_the_run():
    # collective noise on spins ⊗ mode: auto now picks the permutational solver, so ask for this one
    spec = tc_spec(
        3,
        6,
        {"fock": 3},
        noise={"mode_loss": 0.2},
        output={"series": ["energy", "power", "ergotropy"]},
        run={"solver": "lindblad"},
    )
    res = qbattery.simulate(spec)
    for key in (
        "solver",
        "method",
        "symmetry",
        "trace_error",
        "min_battery_eigenvalue",
        "warnings",
    ):
        assert key in res.info
    assert res.info["solver"] == "lindblad"
    assert res.summary["P_max"] > 0
    assert np.all(res.ergotropy <= res.energy + 1e-9)  # the battery starts in its ground state


@pytest.mark.parametrize(
    "name,solver",
    [("tavis_cummings_lossy.toml", "permutational"), ("collapse_custom.toml", "lindblad")],
)
def test_examples_run(name, solver):
    res = qbattery.simulate(EXAMPLES / name)
    assert res.info["solver"] == solver  # collective noise on spins: auto picks permutational
    assert res.info["warnings"] == []
    assert np.all(np.isfinite(res.energy))


def test_taylor_stopping_norm_is_an_upper_bound_of_the_l1_norm():
    """The series' stopping test reads ‖term‖₁ from BLAS asum: exact for a real vector, Σ(|Re| +
    |Im|) ∈ [‖v‖₁, √2‖v‖₁] for a complex one (never below, so no term is cut too early)."""
    from qbattery.solvers.taylor import norm1_bound

    rng = np.random.default_rng(3)
    x = rng.normal(size=1001)
    assert norm1_bound(x) == pytest.approx(np.abs(x).sum(), rel=1e-14)
    assert norm1_bound(x[::3]) == pytest.approx(np.abs(x[::3]).sum(), rel=1e-14)
    z = x + 1j * rng.normal(size=1001)
    exact = np.abs(z).sum()
    assert exact * (1 - 1e-14) <= norm1_bound(z) <= np.sqrt(2) * exact
    assert norm1_bound(x.astype(np.float32)) == pytest.approx(np.abs(x).sum(), rel=1e-6)
