"""Self-checks of the brute-force reference (tests/bruteforce.py), with no use of qbattery.

The reference must be trustworthy on its own: operator algebra, states, the propagator, the
partial trace and the ergotropy are checked against identities and closed forms from the papers.
"""

from __future__ import annotations

from math import comb

import bruteforce as bf
import numpy as np
import pytest
import scipy.linalg
import scipy.optimize

RNG = np.random.default_rng(20240611)


def comm(a, b):
    return a @ b - b @ a


def random_state(dim):
    v = RNG.normal(size=dim) + 1j * RNG.normal(size=dim)
    return v / np.linalg.norm(v)


def random_density(dim, rank):
    m = RNG.normal(size=(dim, rank)) + 1j * RNG.normal(size=(dim, rank))
    rho = m @ m.conj().T
    return rho / np.trace(rho).real


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize("N", [1, 2, 3, 4])
def test_spin_algebra(N):
    S = bf.spin_ops(N)
    assert np.allclose(comm(S["Sx"], S["Sy"]), 1j * S["Sz"], atol=1e-12)
    assert np.allclose(comm(S["Sy"], S["Sz"]), 1j * S["Sx"], atol=1e-12)
    assert np.allclose(comm(S["Sz"], S["Sx"]), 1j * S["Sy"], atol=1e-12)
    assert np.allclose(S["Sp"], S["Sx"] + 1j * S["Sy"], atol=1e-12)
    assert np.allclose(S["Sm"], S["Sp"].conj().T, atol=1e-12)
    # single-site sums: Sz has spectrum -N/2 .. N/2 with binomial multiplicities
    w = np.round(np.linalg.eigvalsh(S["Sz"]) + N / 2).astype(int)
    assert np.array_equal(np.bincount(w), [comb(N, k) for k in range(N + 1)])


@pytest.mark.parametrize("N", [1, 2, 3, 4, 5])
def test_dicke_states_match_peng_ladder(N):
    """Paper 002: J^z|n> = (n - N/2)|n>, J^+|n> = sqrt(b_{N,n+1})|n+1>, b_{N,n} = n(N-n+1)."""
    S = bf.spin_ops(N)
    j = N / 2
    for n in range(N + 1):
        d = bf.dicke_state(N, n)
        assert np.isclose(np.linalg.norm(d), 1.0)
        assert np.allclose(S["Sz"] @ d, (n - N / 2) * d, atol=1e-12)
        assert np.allclose(S["S2"] @ d, j * (j + 1) * d, atol=1e-12)
        up = bf.dicke_state(N, n + 1) if n < N else np.zeros_like(d)
        assert np.allclose(S["Sp"] @ d, np.sqrt((n + 1) * (N - n)) * up, atol=1e-12)
    assert np.allclose(bf.dicke_state(N, 0), bf.spins_down(N))
    assert np.allclose(bf.dicke_state(N, N), bf.spins_up(N))
    V = bf.symmetric_isometry(N)
    assert np.allclose(V.conj().T @ V, np.eye(N + 1), atol=1e-12)


def test_mode_ops_and_coherent_state():
    m = bf.mode_ops(40)
    c = comm(m["a"], m["ad"])
    assert np.allclose(c[:-1, :-1], np.eye(39), atol=1e-12)
    alpha = 1.3 - 0.4j
    psi = bf.coherent(40, alpha)
    assert np.allclose(m["a"] @ psi, alpha * psi, atol=1e-10)
    assert np.isclose((psi.conj() @ m["n"] @ psi).real, abs(alpha) ** 2, atol=1e-10)
    assert np.allclose(bf.fock(5, 2), [0, 0, 1, 0, 0])


def test_ground_state_raises_when_degenerate():
    S = bf.spin_ops(2)
    with pytest.raises(ValueError):
        bf.ground_state(S["Sx"] @ S["Sx"])  # eigenvalue 0 twice (singlet and m_x = 0 triplet)
    g = bf.ground_state(S["Sz"])
    assert np.allclose(abs(g), abs(bf.spins_down(2)))


# --------------------------------------------------------------------------- propagation


def test_evolve_matches_expm():
    model = bf.dicke_oat(2, 6, 1.0, -0.6, "x", 0.9, 0.7)
    psi0 = random_state(model.H.shape[0])
    times = np.array([0.0, 0.37, 2.5])
    states = bf.evolve(model.H, psi0, times)
    for t, s in zip(times, states, strict=True):
        assert np.allclose(s, scipy.linalg.expm(-1j * model.H * t) @ psi0, atol=1e-12)


def test_partial_trace_of_product_state():
    psi_B, psi_C = random_state(8), random_state(5)
    rho = bf.reduced_battery(bf.product(psi_B, psi_C), 8, 5)
    assert np.allclose(rho, np.outer(psi_B, psi_B.conj()), atol=1e-12)


# --------------------------------------------------------------------------- closed forms

PENG_CASES = [
    # N (bath), n (flipped bath spins), B, h, A, Delta
    (1, 1, 1.0, 1.0, 1.0, 0.0),
    (4, 2, 1.0, 1.0, 1.0, 0.0),
    (5, 3, 1.0, 1.0, 1.0, 5.0),
    (5, 2, 5.0, 1.0, 1.0, 0.0),
    (6, 3, 5.0, 1.0, 1.0, 5.0),
    (4, 4, 1.3, 0.7, 0.8, -0.45),
    (3, 1, 0.6, 1.1, 1.2, 0.3),
]


@pytest.mark.parametrize(("N", "n", "B", "h", "A", "Delta"), PENG_CASES)
def test_peng_single_central_spin_closed_form(N, n, B, h, A, Delta):
    """Paper 002, Eq. 12: Delta E_B(t) = B 4 b A^2 / Omega^2 sin^2(Omega t / 2)."""
    model = bf.central_spin(1, N, B, h, A, Delta)
    psi0 = bf.product(bf.spins_down(1), bf.dicke_state(N, n))
    t = np.linspace(0.0, 12.0, 97)
    energy = bf.battery_energy(model, bf.evolve(model.H, psi0, t))
    b = n * (N - n + 1)
    Delta_n = B - h + (2 * n - 1 - N) * Delta
    Omega = np.sqrt(Delta_n**2 + 4 * b * A**2)
    expected = B * 4 * b * A**2 / Omega**2 * np.sin(Omega * t / 2) ** 2
    assert np.max(np.abs(energy - expected)) < 1e-10


@pytest.mark.parametrize("n", [1, 2, 5])
def test_resonant_jaynes_cummings_rabi(n):
    """N = 1 Tavis-Cummings at resonance from |down, n>: E(t) = omega sin^2(g sqrt(n) t)."""
    omega, g = 1.2, 0.35
    model = bf.tavis_cummings(1, n + 3, omega, omega, g)
    t = np.linspace(0.0, 15.0, 61)
    energy = bf.battery_energy(
        model, bf.evolve(model.H, bf.product(bf.spins_down(1), bf.fock(n + 3, n)), t)
    )
    assert np.max(np.abs(energy - omega * np.sin(g * np.sqrt(n) * t) ** 2)) < 1e-10


def _models_and_states():
    yield (
        bf.central_spin(2, 3, 1.0, 0.8, 1.0, 0.4),
        bf.product(bf.spins_down(2), bf.dicke_state(3, 2)),
    )
    m = bf.dicke_oat(3, 8, 1.0, -0.6, "y", 1.0, 0.5)
    yield m, bf.product(bf.ground_state(m.H_B), bf.fock(8, 2))
    yield bf.tavis_cummings(2, 9, 1.0, 1.1, 0.6), bf.product(bf.spins_down(2), bf.coherent(9, 1.2))


@pytest.mark.parametrize("case", list(_models_and_states()))
def test_total_energy_conserved_and_battery_starts_at_zero(case):
    model, psi0 = case
    t = np.linspace(0.0, 20.0, 41)
    states = bf.evolve(model.H, psi0, t)
    total = np.array([(s.conj() @ model.H @ s).real for s in states])
    assert np.max(np.abs(total - total[0])) < 1e-10
    assert np.allclose(np.linalg.norm(states, axis=1), 1.0, atol=1e-12)
    assert bf.battery_energy(model, states)[0] == 0.0


# --------------------------------------------------------------------------- ergotropy


@pytest.mark.parametrize("N", [1, 2, 3])
def test_ergotropy_of_pure_state_is_energy_above_ground(N):
    S = bf.spin_ops(N)
    H_B = 1.0 * S["Sz"] + (-0.6 / N) * S["Sx"] @ S["Sx"]
    E0 = np.linalg.eigvalsh(H_B)[0]
    for _ in range(3):
        psi = random_state(2**N)
        rho = np.outer(psi, psi.conj())
        expected = (psi.conj() @ H_B @ psi).real - E0
        assert np.isclose(bf.ergotropy_bruteforce(rho, H_B), expected, atol=1e-12)


@pytest.mark.parametrize("beta", [0.1, 1.0, 7.0])
def test_ergotropy_of_thermal_state_is_zero(beta):
    S = bf.spin_ops(3)
    H_B = 0.9 * S["Sz"] + (0.5 / 3) * S["Sz"] @ S["Sz"] + 0.2 * S["Sx"]
    rho = scipy.linalg.expm(-beta * H_B)
    rho /= np.trace(rho).real
    assert abs(bf.ergotropy_bruteforce(rho, H_B)) < 1e-12


def test_ergotropy_bounds_for_mixed_states():
    """0 <= ergotropy_sym <= ergotropy <= Tr[H rho] - E0 for a symmetric mixed state."""
    N = 3
    S = bf.spin_ops(N)
    H_B = S["Sz"] + (-0.5 / N) * S["Sy"] @ S["Sy"]
    V = bf.symmetric_isometry(N)
    rho = V @ random_density(N + 1, 2) @ V.conj().T
    full = bf.ergotropy_bruteforce(rho, H_B)
    sym = bf.ergotropy_symmetric(rho, H_B, N)
    E0 = np.linalg.eigvalsh(H_B)[0]
    assert -1e-12 <= sym <= full + 1e-12
    assert full <= np.trace(H_B @ rho).real - E0 + 1e-12
    # for N = 1 every unitary is permutation invariant
    S1 = bf.spin_ops(1)
    rho1 = random_density(2, 2)
    assert np.isclose(
        bf.ergotropy_symmetric(rho1, S1["Sz"], 1), bf.ergotropy_bruteforce(rho1, S1["Sz"])
    )


def test_ergotropy_symmetric_rejects_non_symmetric_state():
    S = bf.spin_ops(2)
    singlet = (
        bf.sigma(0, "+", 2) @ bf.spins_down(2) - bf.sigma(1, "+", 2) @ bf.spins_down(2)
    ) / np.sqrt(2)
    with pytest.raises(ValueError):
        bf.ergotropy_symmetric(np.outer(singlet, singlet.conj()), S["Sz"], 2)


def test_summary_helpers():
    t = np.linspace(0, 4, 5)
    e = np.array([0.0, 1.0, 3.0, 2.0, 5.0])
    assert np.allclose(bf.power(t, e), [0.0, 1.0, 1.5, 2.0 / 3.0, 1.25])
    assert bf.first_local_max(t, e) == 2.0


@pytest.mark.parametrize(("N", "n"), [(4, 2), pytest.param(7, 4, marks=pytest.mark.slow)])
def test_refined_maxima_match_peng_eqs_14_to_16(N, n):
    """Resonance, Delta = 0 (paper 002 Eqs. 14-16): E = B sin^2(sqrt(b) A t), E_max = B at
    tau = pi/(2 A sqrt b); P_max = B A sqrt(b) max_x sin^2(x)/x = 0.7246... B A sqrt(b)."""
    B, A = 1.0, 0.9
    model = bf.central_spin(1, N, B, B, A, 0.0)
    E = bf.energy_function(model, bf.product(bf.spins_down(1), bf.dicke_state(N, n)))
    b = n * (N - n + 1)
    tau = np.pi / (2 * A * np.sqrt(b))
    t_E, E_max = bf.refine_max(E, 0.5 * tau, 1.5 * tau)
    assert abs(E_max - B) < 1e-12 and abs(t_E - tau) < 1e-6
    x = scipy.optimize.minimize_scalar(
        lambda x: -(np.sin(x) ** 2) / x, bounds=(0.5, 2), method="bounded", options={"xatol": 1e-12}
    )
    t_P, P_max = bf.refine_max(lambda t: E(t) / t, 0.2 * tau, tau)
    assert abs(P_max - B * A * np.sqrt(b) * (-x.fun)) < 1e-11
    assert abs(t_P - x.x / (A * np.sqrt(b))) < 1e-6
    assert abs(-x.fun - 0.7246) < 1e-4
