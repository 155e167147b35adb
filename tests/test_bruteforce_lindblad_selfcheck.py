"""Self-checks of the open-system part of the brute-force reference (tests/bruteforce.py).

No use of qbattery. Expected values come from closed forms (single-atom decay, dephasing and
pumping, superradiant cascade, Fock-state loss), from the Schrodinger propagator ``evolve``, from a
superoperator assembled by acting with the master equation on matrix units, from Canzio et al.
2024 appendix A (the TC steady state) and from an explicit Schur-Weyl basis for N = 3.
"""

from __future__ import annotations

import itertools
from math import comb

import bruteforce as bf
import numpy as np
import pytest
import scipy.linalg

RNG = np.random.default_rng(20241001)


def random_density(dim, rank):
    m = RNG.normal(size=(dim, rank)) + 1j * RNG.normal(size=(dim, rank))
    rho = m @ m.conj().T
    return rho / np.trace(rho).real


def dissipator_action(H, collapse, rho):
    """-i[H, rho] + sum rate (L rho L^+ - {L^+ L, rho}/2), written out directly."""
    out = -1j * (H @ rho - rho @ H)
    for rate, L in collapse:
        LdL = L.conj().T @ L
        out = out + rate * (L @ rho @ L.conj().T - 0.5 * (LdL @ rho + rho @ LdL))
    return out


def superoperator_from_action(H, collapse):
    """Dense superoperator, column k = vec(action on the k-th matrix unit), column stacking."""
    D = H.shape[0]
    S = np.zeros((D * D, D * D), dtype=complex)
    for k in range(D * D):
        E = np.zeros(D * D, dtype=complex)
        E[k] = 1.0
        S[:, k] = dissipator_action(H, collapse, E.reshape(D, D, order="F")).reshape(-1, order="F")
    return S


def permutation_matrix(perm, N):
    """Unitary that moves the state of site s to site perm[s] on N spin-1/2."""
    P = np.zeros((2**N, 2**N))
    for index in range(2**N):
        bits = [(index >> (N - 1 - s)) & 1 for s in range(N)]
        new = [0] * N
        for s in range(N):
            new[perm[s]] = bits[s]
        P[sum(b << (N - 1 - s) for s, b in enumerate(new)), index] = 1.0
    return P


def twirl(rho, N):
    perms = [permutation_matrix(p, N) for p in itertools.permutations(range(N))]
    return sum(P @ rho @ P.T for P in perms) / len(perms)


# --------------------------------------------------------------------------- models


def test_canzio_hamiltonians():
    N, dim, w0, wc, g = 3, 4, 1.3, 0.8, 0.45
    m_ops = bf.mode_ops(dim)
    x = m_ops["a"] + m_ops["ad"]
    # H_B = omega_0 (S_z + N/2): spectrum omega_0 k with multiplicity C(N, k), ground energy 0
    d = bf.canzio(N, dim, "dicke", w0, wc, g)
    levels = np.linalg.eigvalsh(d.H_B) / w0
    assert np.allclose(levels, np.round(levels), atol=1e-12)
    assert np.array_equal(
        np.bincount(np.round(levels).astype(int)), [comb(N, k) for k in range(N + 1)]
    )
    assert np.isclose(bf.spins_down(N) @ d.H_B @ bf.spins_down(N), 0.0)
    # Eq. 1 as an explicit single-site sum: (2g/sqrt N) sum_i sigma_x^i / 2 (a + ad)
    HI = sum(np.kron(bf.sigma(i, "x", N), x) for i in range(N)) * g / np.sqrt(N)
    assert np.allclose(d.H_I, HI, atol=1e-14)
    full = np.kron(d.H_B, np.eye(dim)) + np.kron(np.eye(2**N), wc * np.diag(np.arange(dim)))
    assert np.allclose(d.H, full + HI, atol=1e-14)
    # Eq. 2: (g/sqrt N) sum_i (sigma_+^i a + sigma_-^i ad); bare=True is g -> g sqrt N
    tc = bf.canzio(N, dim, "tc", w0, wc, g, bare=True)
    HI = sum(
        np.kron(bf.sigma(i, "+", N), m_ops["a"]) + np.kron(bf.sigma(i, "-", N), m_ops["ad"])
        for i in range(N)
    )
    assert np.allclose(tc.H_I, g * HI, atol=1e-14)
    assert np.allclose(bf.canzio(N, dim, "tc", w0, wc, g * np.sqrt(N)).H, tc.H, atol=1e-14)
    # TC conserves N_ex = ad a + S_z + N/2 (Canzio Eq. A4)
    n_ex = np.kron(tc.H_B / w0, np.eye(dim)) + np.kron(np.eye(2**N), m_ops["n"])
    assert np.allclose(tc.H @ n_ex, n_ex @ tc.H, atol=1e-13)
    # default g = g_c / 2 (Eq. 6): sqrt(w0 wc)/4 for Dicke, sqrt(w0 wc)/2 for TC
    g_c = {"dicke": np.sqrt(w0 * wc) / 2, "tc": np.sqrt(w0 * wc)}
    for coupling in ("dicke", "tc"):
        default = bf.canzio(N, dim, coupling, w0, wc).H
        assert np.allclose(default, bf.canzio(N, dim, coupling, w0, wc, g_c[coupling] / 2).H)
    with pytest.raises(ValueError):
        bf.canzio(N, dim, "rabi")
    # the older models now carry H_I as well
    old = bf.tavis_cummings(2, 3, 1.0, 1.1, 0.6)
    rest = np.kron(old.H_B, np.eye(3)) + np.kron(np.eye(4), 1.1 * np.diag(np.arange(3)))
    assert np.allclose(old.H_I, old.H - rest, atol=1e-14)


def test_local_collapse_operators():
    N, dim = 2, 3
    c = bf.local_collapse(N, dim, kappa=0.1, gamma_down=0.2, gamma_phi=0.3, gamma_up=0.4)
    assert [r for r, _ in c] == [0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]
    a = np.diag(np.sqrt(np.arange(1, dim)), k=1)
    down_up = np.array([[0, 0], [1, 0]])  # |down><up|
    assert np.allclose(c[0][1], np.kron(np.eye(4), a))
    assert np.allclose(c[1][1], np.kron(np.kron(down_up, np.eye(2)), np.eye(dim)))
    assert np.allclose(c[4][1], np.kron(np.kron(np.eye(2), np.diag([1, -1])), np.eye(dim)))
    assert np.allclose(c[6][1], np.kron(np.kron(np.eye(2), down_up.T), np.eye(dim)))
    ((rate, Sm),) = bf.local_collapse(N, dim, gamma_collective=0.5)
    assert rate == 0.5
    expected = np.kron(np.kron(down_up, np.eye(2)) + np.kron(np.eye(2), down_up), np.eye(dim))
    assert np.allclose(Sm, expected)
    assert bf.local_collapse(N, dim) == []


# --------------------------------------------------------------------------- propagation


def test_liouvillian_and_propagator_match_the_master_equation_written_out():
    model = bf.canzio(2, 3, "dicke", 1.0, 0.9, 0.7)
    c = bf.local_collapse(2, 3, 0.3, 0.2, 0.15, 0.05, 0.1)
    S = superoperator_from_action(model.H, c)
    assert np.max(np.abs(bf.liouvillian(model.H, c).toarray() - S)) < 1e-14
    rho0 = np.kron(np.outer(bf.spins_down(2), bf.spins_down(2)), bf.coherent_density(3, 0.8))
    # expm(S t) on the grid t = 0, 0.5, ..., 6 as powers of one dense step
    step = scipy.linalg.expm(0.5 * S)
    exact = [rho0.reshape(-1, order="F")]
    for _ in range(12):
        exact.append(step @ exact[-1])
    exact = np.array([v.reshape(12, 12, order="F") for v in exact])
    for times, rows in (
        (np.linspace(0.0, 6.0, 13), range(13)),
        (np.array([0.5, 1.5, 6.0]), [1, 3, 12]),
    ):
        rhos = bf.lindblad_evolve(model.H, c, rho0, times)  # uniform grid, then stepped
        assert rhos.shape == (len(times), 12, 12)
        assert np.max(np.abs(rhos - exact[list(rows)])) < 1e-12


def test_noisy_run_is_a_physical_state():
    N, dim = 3, 5
    model = bf.canzio(N, dim, "dicke", 1.0, 1.0, 0.6)
    c = bf.local_collapse(N, dim, 0.15, 0.1, 0.2, 0.05, 0.07)
    rho0 = np.kron(np.outer(bf.spins_down(N), bf.spins_down(N)), bf.coherent_density(dim, 1.0))
    rhos = bf.lindblad_evolve(model.H, c, rho0, np.linspace(0.0, 8.0, 17))
    assert np.max(np.abs(np.trace(rhos, axis1=1, axis2=2) - 1.0)) < 1e-12
    assert np.max(np.abs(rhos - rhos.conj().transpose(0, 2, 1))) < 1e-13
    assert min(np.linalg.eigvalsh(r).min() for r in rhos) > -1e-12
    purity = np.einsum("tij,tji->t", rhos, rhos).real
    assert purity[0] == pytest.approx(1.0) and purity[-1] < 0.9


@pytest.mark.parametrize("coupling", ["dicke", "tc"])
def test_no_noise_reduces_to_the_schrodinger_propagator(coupling):
    model = bf.canzio(2, 6, coupling, 1.0, 1.1, 0.8, bare=True)
    psi0 = bf.product(bf.spins_down(2), bf.coherent(6, 1.1))
    times = np.linspace(0.0, 10.0, 21)
    rhos = bf.lindblad_evolve(model.H, [], np.outer(psi0, psi0.conj()), times)
    for r, psi in zip(rhos, bf.evolve(model.H, psi0, times), strict=True):
        assert np.max(np.abs(r - np.outer(psi, psi.conj()))) < 1e-10


# --------------------------------------------------------------------------- closed forms

W0 = 1.3
T = np.linspace(0.0, 6.0, 25)


def single_atom(**rates):
    model = bf.canzio(1, 1, "tc", omega_0=W0, g=0.0)  # mode truncated to its vacuum
    return model.H, bf.local_collapse(1, 1, **rates)


UP = np.diag([1.0, 0.0]).astype(complex)
DOWN = np.diag([0.0, 1.0]).astype(complex)
PLUS = np.full((2, 2), 0.5, dtype=complex)


def test_single_atom_decay():
    g = 0.35
    rhos = bf.lindblad_evolve(*single_atom(gamma_down=g), UP, T)
    assert np.max(np.abs(rhos[:, 0, 0] - np.exp(-g * T))) < 1e-13
    rhos = bf.lindblad_evolve(*single_atom(gamma_down=g), PLUS, T)  # coherence e^{-gt/2}
    assert np.max(np.abs(rhos[:, 0, 1] - 0.5 * np.exp(-1j * W0 * T - g * T / 2))) < 1e-13


def test_single_atom_dephasing():
    g = 0.2
    rhos = bf.lindblad_evolve(*single_atom(gamma_phi=g), PLUS, T)
    assert np.max(np.abs(rhos[:, 0, 1] - 0.5 * np.exp(-1j * W0 * T - 2 * g * T))) < 1e-13
    assert np.max(np.abs(rhos[:, 0, 0] - 0.5)) < 1e-13


def test_single_atom_pumping_and_its_balance_with_decay():
    g_up, g_down = 0.25, 0.6
    rhos = bf.lindblad_evolve(*single_atom(gamma_up=g_up), DOWN, T)
    assert np.max(np.abs(rhos[:, 0, 0] - (1 - np.exp(-g_up * T)))) < 1e-13
    H, c = single_atom(gamma_up=g_up, gamma_down=g_down, gamma_phi=0.1)
    rhos = bf.lindblad_evolve(H, c, DOWN, T)
    p_inf = g_up / (g_up + g_down)
    assert np.max(np.abs(rhos[:, 0, 0] - p_inf * (1 - np.exp(-(g_up + g_down) * T)))) < 1e-13
    assert np.allclose(bf.lindblad_steady_state(H, c), np.diag([p_inf, 1 - p_inf]), atol=1e-14)


def test_local_decay_of_three_excited_atoms():
    N, dim, g = 3, 2, 0.3
    model = bf.canzio(N, dim, "tc", omega_0=W0, g=0.0)
    rho0 = np.kron(np.outer(bf.spins_up(N), bf.spins_up(N)), bf.fock_density(dim, 0))
    rhos = bf.lindblad_evolve(model.H, bf.local_collapse(N, dim, gamma_down=g), rho0, T)
    rho_B = bf.battery_state(rhos, 2**N, dim)
    energy = np.einsum("ij,tji->t", model.H_B, rho_B).real
    assert np.max(np.abs(energy - 3 * W0 * np.exp(-g * T))) < 1e-12
    assert np.max(np.abs(rho_B[:, 0, 0] - np.exp(-3 * g * T))) < 1e-13  # all still up


def test_superradiant_cascade_of_two_atoms():
    """D[S_-] on |j=1, m>: |1,1> -> |1,0> -> |1,-1> at rate (j+m)(j-m+1) gamma = 2 gamma each."""
    N, g = 2, 0.4
    model = bf.canzio(N, 1, "tc", omega_0=W0, g=0.0)
    rho0 = np.outer(bf.spins_up(N), bf.spins_up(N))
    rhos = bf.lindblad_evolve(model.H, bf.local_collapse(N, 1, gamma_collective=g), rho0, T)
    d1 = bf.dicke_state(2, 1)
    assert np.max(np.abs(rhos[:, 0, 0] - np.exp(-2 * g * T))) < 1e-13
    p10 = np.einsum("i,tij,j->t", d1.conj(), rhos, d1).real
    assert np.max(np.abs(p10 - 2 * g * T * np.exp(-2 * g * T))) < 1e-13


def test_mode_loss_of_a_fock_state():
    dim, kappa, n0 = 4, 0.5, 3
    model = bf.canzio(1, dim, "tc", g=0.0)
    rho0 = np.kron(DOWN, bf.fock_density(dim, n0))
    rhos = bf.lindblad_evolve(model.H, bf.local_collapse(1, dim, kappa=kappa), rho0, T)
    n = np.kron(np.eye(2), np.diag(np.arange(dim)))
    assert np.max(np.abs(np.einsum("ij,tji->t", n, rhos).real - n0 * np.exp(-kappa * T))) < 1e-12
    k = n0 + dim  # |down> (x) |n0>, battery index 1
    assert np.max(np.abs(rhos[:, k, k].real - np.exp(-n0 * kappa * T))) < 1e-13


# --------------------------------------------------------------------------- steady states


def test_tavis_cummings_steady_state_is_vacuum_all_down():
    """Canzio et al. appendix A, Eq. A2, with local decay, dephasing and cavity loss."""
    N, dim = 3, 4
    model = bf.canzio(N, dim, "tc", 1.0, 1.0, 0.7, bare=True)
    c = bf.local_collapse(N, dim, kappa=0.3, gamma_down=0.2, gamma_phi=0.1)
    expected = np.zeros((2**N * dim, 2**N * dim))
    expected[(2**N - 1) * dim, (2**N - 1) * dim] = 1.0  # |down down down> (x) |0>
    ss = bf.lindblad_steady_state(model.H, c)
    assert np.max(np.abs(ss - expected)) < 1e-12
    # and nothing else: local dephasing without decay or loss leaves many steady states
    with pytest.raises(ValueError):
        bf.lindblad_steady_state(model.H, bf.local_collapse(N, dim, gamma_phi=0.1))


# --------------------------------------------------------------------------- figures of merit


def test_battery_state_is_the_partial_trace():
    rho_B, rho_C = random_density(4, 2), random_density(3, 3)
    assert np.allclose(bf.battery_state(np.kron(rho_B, rho_C), 4, 3), rho_B, atol=1e-14)
    psi = RNG.normal(size=12) + 1j * RNG.normal(size=12)
    psi /= np.linalg.norm(psi)
    stack = np.array([np.outer(psi, psi.conj()), np.kron(rho_B, rho_C)])
    out = bf.battery_state(stack, 4, 3)
    assert np.allclose(out[0], bf.reduced_battery(psi, 4, 3), atol=1e-14)
    assert np.allclose(out[1], rho_B, atol=1e-14)


def test_switching_cost_closes_the_energy_balance():
    """Closed dynamics: d<H_B + H_C> = -d<H_I> = delta E_{ON->OFF}(t) - delta E_{ON->OFF}(0),
    and the switch-on cost vanishes for |down...> (x) |alpha> (Canzio, below Eq. 5)."""
    N, dim = 2, 8
    model = bf.canzio(N, dim, "dicke", 1.0, 1.0, 0.6, bare=True)
    psi0 = bf.product(bf.spins_down(N), bf.coherent(dim, 1.2))
    rho0 = np.outer(psi0, psi0.conj())
    assert abs(bf.switching_cost(rho0, model.H_I)) < 1e-14
    H0 = model.H - model.H_I
    times = np.linspace(0.0, 5.0, 11)
    for r, psi in zip(
        bf.lindblad_evolve(model.H, [], rho0, times), bf.evolve(model.H, psi0, times), strict=True
    ):
        gained = (psi.conj() @ H0 @ psi).real - (psi0.conj() @ H0 @ psi0).real
        assert abs(bf.switching_cost(r, model.H_I) - gained) < 1e-10
        assert abs(bf.switching_cost(r, model.H_I) + (psi.conj() @ model.H_I @ psi).real) < 1e-10


def _spin_one_half_basis_n3():
    """Explicit Schur-Weyl basis of the j = 1/2 blocks of N = 3: highest weights = the m = +1/2
    sector (two up) orthogonal to the Dicke state, lowered once by S_- (norm 1 for j = 1/2)."""
    sector = np.column_stack([bf.basis_state(8, i) for i in (1, 2, 4)])  # one down
    d2 = sector.conj().T @ bf.dicke_state(3, 2)
    highest = sector @ scipy.linalg.null_space(d2[None, :].conj())  # 8 x 2
    lowered = bf.spin_ops(3)["Sm"] @ highest
    return highest, lowered  # columns a = 1, 2 for m = +1/2 and m = -1/2


def test_permutation_invariant_ergotropy_with_an_explicit_schur_weyl_basis():
    N, w0 = 3, 1.0
    H_B = bf.canzio(N, 1, "tc", omega_0=w0).H_B
    rho = twirl(random_density(8, 8), N)
    # j = 3/2: Dicke states, energies 0, 1, 2, 3 (k spins up)
    V = bf.symmetric_isometry(N)
    r32 = np.sort(np.linalg.eigvalsh(V.conj().T @ rho @ V))[::-1]
    passive = np.dot(r32, w0 * np.arange(4))
    # j = 1/2: trace out the multiplicity label a; energies 1 (m = -1/2) and 2 (m = +1/2)
    hi, lo = _spin_one_half_basis_n3()
    spin = np.array(
        [
            [sum(x[:, a].conj() @ rho @ y[:, a] for a in range(2)) for y in (lo, hi)]
            for x in (lo, hi)
        ]
    )
    r12 = np.sort(np.linalg.eigvalsh(spin))[::-1]
    passive += np.dot(r12, w0 * np.array([1.0, 2.0]))
    expected = np.trace(H_B @ rho).real - passive
    got = bf.ergotropy_permutation_invariant(rho, H_B, N)
    assert abs(got - expected) < 1e-12
    assert got <= bf.ergotropy_all(rho, H_B) + 1e-12
    assert bf.ergotropy_all(rho, H_B) == bf.ergotropy_bruteforce(rho, H_B)
    # maximally mixed over a in j = 1/2, m = -1/2: passive under permutation-invariant
    # unitaries, but a general unitary moves half of it to the ground state (energy 1 -> 1/2)
    locked = lo @ lo.conj().T / 2
    assert abs(bf.ergotropy_permutation_invariant(locked, H_B, N)) < 1e-12
    assert abs(bf.ergotropy_all(locked, H_B) - 0.5 * w0) < 1e-12


@pytest.mark.parametrize("N", [2, 3, 4])
def test_permutation_invariant_ergotropy_on_the_symmetric_subspace(N):
    S = bf.spin_ops(N)
    V = bf.symmetric_isometry(N)
    for H_B in (bf.canzio(N, 1, "dicke", omega_0=0.9).H_B, S["Sz"] - (0.7 / N) * S["Sx"] @ S["Sx"]):
        rho = V @ random_density(N + 1, 2) @ V.conj().T
        assert (
            abs(
                bf.ergotropy_permutation_invariant(rho, H_B, N)
                - bf.ergotropy_symmetric(rho, H_B, N)
            )
            < 1e-12
        )


@pytest.mark.parametrize("beta", [0.3, 2.0])
def test_permutation_invariant_ergotropy_of_passive_states_is_zero(beta):
    N = 3
    H_B = bf.canzio(N, 1, "tc", omega_0=1.2).H_B
    gibbs = scipy.linalg.expm(-beta * H_B)
    gibbs /= np.trace(gibbs)
    ground = np.outer(bf.spins_down(N), bf.spins_down(N))
    for rho in (gibbs, ground):
        assert abs(bf.ergotropy_permutation_invariant(rho, H_B, N)) < 1e-12
        assert abs(bf.ergotropy_all(rho, H_B)) < 1e-12


def test_permutation_invariant_ergotropy_rejects_states_off_the_spin_blocks():
    N = 3
    H_B = bf.canzio(N, 1, "tc").H_B
    psi = bf.sigma(0, "+", N) @ bf.spins_down(N)  # |up down down>: j = 3/2 and 1/2 coherence
    with pytest.raises(ValueError):
        bf.ergotropy_permutation_invariant(np.outer(psi, psi.conj()), H_B, N)
