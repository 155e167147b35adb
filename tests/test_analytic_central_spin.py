"""Independent checks of qbattery.analytic.central_spin (Peng et al., PRA 103, 052220).

Reference values come from matrices built here (Dicke-basis spin operators, bosonic Fock
operators), scipy.linalg.expm and scipy.optimize -- never from the module under test.
"""

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq, minimize_scalar

from qbattery.analytic import central_spin as cs

# ---------------------------------------------------------------------------------------
# helpers: Dicke-basis spin operators from the angular-momentum algebra
# ---------------------------------------------------------------------------------------


def dicke_ops(N):
    """(Jz, J+, J-) for N spin-1/2 in the symmetric subspace, basis |n> = n spins up."""
    j = N / 2
    mz = np.arange(N + 1) - j
    jz = np.diag(mz)
    jp = np.zeros((N + 1, N + 1))
    for k in range(N):  # <k+1| J+ |k> = sqrt(j(j+1) - m(m+1))
        jp[k + 1, k] = np.sqrt(j * (j + 1) - mz[k] * (mz[k] + 1))
    return jz, jp, jp.T


def central_spin_hamiltonian(NB, N, B, h, A, Delta):
    """(H_B, H_C, H_I) of Eqs. 4-6 on (N_B+1)(N+1) dims, battery (x) charger."""
    sz, sp, sm = dicke_ops(NB)
    jz, jp, jm = dicke_ops(N)
    ib, ic = np.eye(NB + 1), np.eye(N + 1)
    HB = B * np.kron(sz, ic)
    HC = h * np.kron(ib, jz)
    HI = A * (np.kron(sp, jm) + np.kron(sm, jp)) + 2 * Delta * np.kron(sz, jz)
    return HB, HC, HI


def evolve_expectations(H, ops, psi0, ts):
    w, V = np.linalg.eigh(H)
    c = V.conj().T @ psi0
    psi = V @ (np.exp(-1j * np.outer(w, ts)) * c[:, None])  # (dim, nt)
    return np.array([np.einsum("it,it->t", psi.conj(), O @ psi).real for O in ops]).T


# ---------------------------------------------------------------------------------------
# sin^2(x)/x constants
# ---------------------------------------------------------------------------------------


def test_sin2_over_x_constants_match_scipy():
    res = minimize_scalar(
        lambda x: -(np.sin(x) ** 2) / x,
        bounds=(0.5, 2.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    root = brentq(lambda x: np.tan(x) - 2 * x, 1.0, 1.5, xtol=1e-15)
    assert cs.SIN2_OVER_X_ARGMAX == pytest.approx(root, abs=1e-13)
    assert cs.SIN2_OVER_X_ARGMAX == pytest.approx(res.x, abs=1e-6)
    assert cs.SIN2_OVER_X_MAX == pytest.approx(np.sin(root) ** 2 / root, abs=1e-14)
    assert cs.SIN2_OVER_X_MAX == pytest.approx(-res.fun, abs=1e-12)
    # the paper's rounded numbers
    assert round(cs.SIN2_OVER_X_MAX, 2) == cs.PAPER_SIN2_OVER_X_MAX == 0.72
    assert round(cs.SIN2_OVER_X_ARGMAX, 2) == 1.17  # paper prints 1.16 (truncated, not rounded)
    assert cs.PAPER_SIN2_OVER_X_ARGMAX == 1.16


def test_sin2_over_x_function():
    x = np.array([0.0, 0.3, 1.0, 2.5])
    expected = np.array([0.0] + [np.sin(v) ** 2 / v for v in x[1:]])
    assert np.allclose(cs.sin2_over_x(x), expected, rtol=1e-13, atol=0)


# ---------------------------------------------------------------------------------------
# N_B = 1
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("N", [1, 4, 7])
def test_b_coefficient_is_dicke_ladder(N):
    _, _, jm = dicke_ops(N)
    for n in range(1, N + 1):
        assert cs.b_coefficient(N, n) == pytest.approx(jm[n - 1, n] ** 2, rel=1e-12)
    assert cs.b_coefficient(N, 0) == 0


PARAMS = [  # (N, n, B, h, A, Delta)
    (6, 4, 1.3, 0.7, 0.9, 0.4),
    (10, 5, 1.0, 1.0, 1.0, 5.0),  # Fig. 2(b)
    (10, 5, 5.0, 1.0, 1.0, 0.0),  # Fig. 2(c)
    (5, 1, 0.8, 1.1, 0.6, -0.3),
]


@pytest.mark.parametrize("N,n,B,h,A,Delta", PARAMS)
def test_eq12_vs_2x2_block_A1(N, n, B, h, A, Delta):
    # Eq. (A1) as printed; Eq. 12 is a transition probability, so it is the same for either
    # basis ordering (see test_A1_basis_order_is_swapped).
    b = n * (N - n + 1)
    Hn = np.array(
        [
            [(B - h) / 2 + (n - 1 - N / 2) * Delta, np.sqrt(b) * A],
            [np.sqrt(b) * A, -(B - h) / 2 - (n - N / 2) * Delta],
        ]
    )
    ts = np.linspace(0, 4, 17)
    for t in ts:
        U = expm(-1j * Hn * t)
        p_flip = abs(U[0, 1]) ** 2
        assert cs.single_spin_energy(t, n, N, B, h, A, Delta) == pytest.approx(
            B * p_flip, abs=1e-12
        )
    # Omega_n is the level splitting of A1
    ev = np.linalg.eigvalsh(Hn)
    assert cs.rabi_frequency_n(n, N, B, h, A, Delta) == pytest.approx(ev[1] - ev[0], rel=1e-12)


@pytest.mark.parametrize("N,n,B,h,A,Delta", PARAMS)
def test_appendix_energies_vs_full_model(N, n, B, h, A, Delta):
    HB, HC, HI = central_spin_hamiltonian(1, N, B, h, A, Delta)
    psi0 = np.zeros(2 * (N + 1))
    psi0[n] = 1.0  # |down> (x) |n>
    ts = np.linspace(0, 3, 13)
    ref = evolve_expectations(HB + HC + HI, [HB, HC, HI], psi0, ts)
    eb = cs.single_spin_battery_energy(ts, n, N, B, h, A, Delta)
    ec = cs.single_spin_charger_energy(ts, n, N, B, h, A, Delta)
    ei = cs.single_spin_interaction_energy(ts, n, N, B, h, A, Delta)
    assert np.allclose(eb, ref[:, 0], atol=1e-10)
    assert np.allclose(ec, ref[:, 1], atol=1e-10)
    assert np.allclose(ei, ref[:, 2], atol=1e-10)
    # A6 + A7 + A8 is the conserved <H>
    total = eb + ec + ei
    assert np.ptp(total) < 1e-12
    assert total[0] == pytest.approx(psi0 @ (HB + HC + HI) @ psi0, abs=1e-12)
    # Eq. 12 and Eq. 13
    assert np.allclose(
        cs.single_spin_energy(ts, n, N, B, h, A, Delta), ref[:, 0] + B / 2, atol=1e-10
    )
    p = cs.single_spin_power(ts, n, N, B, h, A, Delta)
    assert p[0] == 0.0
    assert np.allclose(p[1:], (ref[1:, 0] + B / 2) / ts[1:], atol=1e-10)


def test_A1_basis_order_is_swapped():
    """The printed A1 is the block in the order (|up>|n-1>, |down>|n>), not as stated."""
    N, n, B, h, A, Delta = 6, 4, 1.3, 0.7, 0.9, 0.4
    HB, HC, HI = central_spin_hamiltonian(1, N, B, h, A, Delta)
    H = HB + HC + HI
    i_dn, i_up = n, (N + 1) + (n - 1)  # |down>|n>, |up>|n-1>
    d_dn, d_up = H[i_dn, i_dn], H[i_up, i_up]
    a1_11 = (B - h) / 2 + (n - 1 - N / 2) * Delta
    a1_22 = -(B - h) / 2 - (n - N / 2) * Delta
    shift = d_up - a1_11
    assert d_dn - a1_22 == pytest.approx(shift)  # consistent constant C = h(n - 1/2 - N/2)
    assert shift == pytest.approx(h * (n - 0.5 - N / 2))
    assert abs((d_dn - a1_11) - (d_up - a1_22)) > 0.1  # the stated order does not fit


def test_resonant_forms_eqs_14_to_16():
    N, n, B, A = 9, 5, 1.7, 0.8  # n = (N+1)/2 maximises b_{N,n}
    HB, HC, HI = central_spin_hamiltonian(1, N, B, B, A, 0.0)
    psi0 = np.zeros(2 * (N + 1))
    psi0[n] = 1.0
    ts = np.linspace(0, 1.0, 20001)
    e = evolve_expectations(HB + HC + HI, [HB], psi0, ts)[:, 0] + B / 2
    assert np.allclose(cs.resonant_energy(ts, n, N, B, A), e, atol=1e-10)
    # E_max and tau_min (Eq. 16)
    assert e.max() == pytest.approx(float(cs.resonant_max_energy(B)), abs=1e-6)
    tau = ts[np.argmax(e)]
    assert cs.resonant_tau_min(n, N, A) == pytest.approx(tau, abs=2 * (ts[1] - ts[0]))
    assert cs.resonant_tau_min(n, N, A) == pytest.approx(np.pi / (2 * A) / ((N + 1) / 2))
    # P_max (Eq. 15) and its time
    P = e[1:] / ts[1:]
    assert cs.resonant_max_power(n, N, B, A) == pytest.approx(P.max(), rel=1e-7)
    assert cs.resonant_max_power_time(n, N, A) == pytest.approx(ts[1:][P.argmax()], abs=1e-4)
    paper = cs.resonant_max_power(n, N, B, A, constant=cs.PAPER_SIN2_OVER_X_MAX)
    assert paper / P.max() == pytest.approx(0.72 / 0.7246113537767085, rel=1e-6)


# ---------------------------------------------------------------------------------------
# Holstein-Primakoff / Tavis-Cummings limit
# ---------------------------------------------------------------------------------------


def boson_ops(dim):
    return np.diag(np.sqrt(np.arange(1, dim)), 1)


@pytest.mark.parametrize("NB,N,m,n,A", [(10, 300, 0, 10, 1.0), (4, 50, 1, 6, 0.7)])
def test_tc_energy_vs_bosonic_model_eq22(NB, N, m, n, A):
    B = 1.3
    dim = m + n + 1  # a^dag b + a b^dag conserves the total boson number
    b = np.kron(boson_ops(dim), np.eye(dim))
    a = np.kron(np.eye(dim), boson_ops(dim))
    H = B * b.T @ b + B * a.T @ a + A * np.sqrt(NB * N) * (a.T @ b + a @ b.T)  # Eq. 22, B = h
    psi0 = np.zeros(dim * dim)
    psi0[m * dim + n] = 1.0
    g = A * np.sqrt(NB * N)
    ts = np.linspace(0, 3 / g, 3001)
    nb = evolve_expectations(H, [b.T @ b], psi0, ts)[:, 0]
    ref = B * (nb - m)
    assert np.allclose(cs.tc_energy(ts, NB, N, m, n, B, A), ref, atol=1e-9)
    P = ref[1:] / ts[1:]
    assert cs.tc_max_power(NB, N, m, n, B, A) == pytest.approx(P.max(), rel=1e-6)
    assert cs.tc_max_power_time(NB, N, A) == pytest.approx(ts[1:][P.argmax()], abs=ts[1])
    assert np.allclose(cs.tc_power(ts, NB, N, m, n, B, A)[1:], P, atol=1e-9)


def test_eq31_is_eq30_maximum_with_n_minus_m_equal_NB():
    for NB, N in [(1, 100), (7, 200), (50, 300)]:
        direct = 0.7246113537767085 * np.sqrt(NB * N) * NB
        assert cs.tc_max_power_upper_bound(NB, N) == pytest.approx(direct, rel=1e-12)


def test_table_one_thermodynamic_limit_column():
    # Table I, "Thermodynamic limit" beta for N = 100, 200, 300
    paper = {100: 7.2, 200: 10.1823, 300: 12.4708}
    for N, beta in paper.items():
        b = cs.thermodynamic_limit_beta(N, constant=cs.PAPER_SIN2_OVER_X_MAX)
        assert round(float(b), 4) == beta
        exact = cs.thermodynamic_limit_beta(N)
        assert exact - beta > 0.04  # exact constant 0.72461 differs visibly
        assert exact == pytest.approx(0.7246113537767085 * np.sqrt(N), rel=1e-12)


def exact_pmax_sector(NB, N, ts_factor=3.0, nt=6000):
    """P_max = max_t Delta E_B/t of Eqs. 4-6 (B = h = A = 1, Delta = 0) from |m=0, n=N_B>.

    S^z + J^z is conserved, so the dynamics stays in the (N_B+1)-dim sector m + n' = N_B.
    """
    m = np.arange(NB + 1)
    nn = NB - m
    H = np.diag((m - NB / 2) + (nn - N / 2)).astype(float)
    for k in range(NB):  # <m+1, n'-1| S+ J- |m, n'>
        H[k + 1, k] = H[k, k + 1] = np.sqrt((m[k] + 1) * (NB - m[k]) * nn[k] * (N - nn[k] + 1))
    w, V = np.linalg.eigh(H)
    ts = np.linspace(1e-6, ts_factor / np.sqrt(NB * N), nt)
    psi = V @ (np.exp(-1j * np.outer(w, ts)) * V[0, :][:, None])
    e = (np.abs(psi) ** 2 * m[:, None]).sum(0)
    return (e / ts).max()


def test_eq31_exact_for_single_battery_spin_and_overestimates_for_many():
    N = 300
    # N_B = 1: HP of the battery is exact (one excitation); Eq. 31 = Eq. 15 with b_{N,1} = N
    assert cs.tc_max_power_upper_bound(1, N) == pytest.approx(exact_pmax_sector(1, N), rel=1e-5)
    # N_B = 10, n - m = N_B: the battery saturates, Eq. 31 overestimates by ~25 %
    ratio = exact_pmax_sector(10, N) / cs.tc_max_power_upper_bound(10, N)
    assert 0.75 < ratio < 0.85


@pytest.mark.parametrize("NB,m", [(6, 0), (6, 2), (3, 1)])
def test_single_charger_spin_lower_bound(NB, m):
    B, A = 1.2, 0.9
    HB, HC, HI = central_spin_hamiltonian(NB, 1, B, B, A, 0.0)
    psi0 = np.zeros((NB + 1) * 2)
    psi0[m * 2 + 1] = 1.0  # battery |m>, charger spin up
    ts = np.linspace(0, 2, 4001)
    e = evolve_expectations(HB + HC + HI, [HB], psi0, ts)[:, 0] - B * (m - NB / 2)
    assert np.allclose(cs.single_charger_spin_energy(ts, NB, m, B, A), e, atol=1e-10)
    P = e[1:] / ts[1:]
    assert cs.single_charger_spin_max_power(NB, m, B, A) == pytest.approx(P.max(), rel=1e-6)


# ---------------------------------------------------------------------------------------
# time scales of a charging run
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "NB,N,m,n,A",
    [
        (1, 10, 0, 5, 1.0),
        (4, 7, 0, 7, 0.8),
        (5, 6, 2, 3, 1.3),
        (3, 3, 3, 0, 1.0),
        (6, 9, 0, 0, 1.0),
    ],
)
def test_initial_energy_spread_is_the_std_of_H(NB, N, m, n, A):
    HB, HC, HI = central_spin_hamiltonian(NB, N, 1.1, 0.7, A, 0.4)
    H = HB + HC + HI
    psi = np.zeros((NB + 1) * (N + 1))
    psi[m * (N + 1) + n] = 1.0  # battery |m>, charger |n> (excitations counted from down)
    var = psi @ H @ H @ psi - (psi @ H @ psi) ** 2
    assert cs.initial_energy_spread(NB, N, n, A, m) == pytest.approx(
        np.sqrt(max(var, 0.0)), rel=1e-12, abs=1e-12
    )


@pytest.mark.parametrize("NB,m,n", [(1, 0, 1), (5, 0, 5), (4, 2, 3), (7, 0, 2)])
def test_tc_initial_energy_spread_is_the_std_of_the_tavis_cummings_H(NB, m, n):
    sz, sp, sm = dicke_ops(NB)
    dim = n + NB + 2
    a = boson_ops(dim)
    H = np.kron(sz, np.eye(dim)) + np.kron(np.eye(NB + 1), a.T @ a)
    H = H + np.kron(sp, a) + np.kron(sm, a.T)  # Eq. 20 with A sqrt(N) = 1
    psi = np.zeros((NB + 1) * dim)
    psi[m * dim + n] = 1.0
    var = psi @ H @ H @ psi - (psi @ H @ psi) ** 2
    assert cs.tc_initial_energy_spread(NB, n, m) == pytest.approx(np.sqrt(var), rel=1e-12)
    # and the limit of the spin bath: sigma / sqrt(N) -> the boson value
    big = 10.0**12
    assert cs.initial_energy_spread(NB, big, n, 1 / np.sqrt(big), m) == pytest.approx(
        cs.tc_initial_energy_spread(NB, n, m), rel=1e-9
    )


def test_power_bound_time_estimate():
    # N_B = 1 at resonance: exactly E_capacity / P_max with Eq. 15's P_max
    for N, n, A in [(10, 5, 1.0), (100, 100, 0.7), (3, 1, 2.0)]:
        sigma = cs.initial_energy_spread(1, N, n, A)
        t = cs.power_bound_time_estimate(1, n, sigma)
        assert t == pytest.approx(1.0 / cs.resonant_max_power(n, N, 1.0, A), rel=1e-13)
    # N_B > 1 (n = N_B): P_max beats c B sigma, so the true window is shorter
    for NB, N in [(4, 100), (10, 300)]:
        sigma = cs.initial_energy_spread(NB, N, NB)
        window = NB / exact_pmax_sector(NB, N)
        assert window < cs.power_bound_time_estimate(NB, NB, sigma)
    # the capacity is min(N_B - m, n)
    assert cs.power_bound_time_estimate(5, 2, 1.0, m=1) == pytest.approx(2 / cs.SIN2_OVER_X_MAX)
    assert cs.power_bound_time_estimate(5, 9, 1.0, m=1) == pytest.approx(4 / cs.SIN2_OVER_X_MAX)
