"""Pokhrel & Gea-Banacloche (paper 001): driven atoms with collective decay.

Checks ``qbattery.analytic.driven`` and ``qbattery.analytic.driven_dynamics`` (closed forms),
``qbattery.solvers.dressed_rates`` and ``qbattery.solvers.collective_discharge`` (band / rate
equations) against a small, independent dense Lindblad reference written here: N = 1..4
spin-1/2 in the full 2^N space, every collective operator an explicit sum of Pauli matrices, the
dressed frame built with ``scipy.linalg.expm``, the secular master equation (Eq. 7) and the full
non-secular one (Eq. 5) integrated by exponentiating the Liouvillian.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm, null_space

from qbattery.analytic import driven as dr
from qbattery.analytic import driven_dynamics as dd
from qbattery.solvers import collective_discharge as cd
from qbattery.solvers import dressed_rates as rs

# --------------------------------------------------------------------------- dense reference
# single site: index 0 = |e> (sigma_z = +1), index 1 = |g>

_SITE = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
    "+": np.array([[0, 1], [0, 0]], dtype=complex),
}


def _site_op(k: str, i: int, n: int) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for site in range(n):
        out = np.kron(out, _SITE[k] if site == i else np.eye(2))
    return out


def dense_ops(n: int, theta: float) -> dict[str, np.ndarray]:
    """S_k = sum sigma_k/2, S_+-, and the rotated S'_k = U S_k U^+ with U = exp(i theta S_y)."""
    ops = {f"S{k}": sum(_site_op(k, i, n) for i in range(n)) / 2 for k in "xyz"}
    ops["Sp"] = sum(_site_op("+", i, n) for i in range(n))
    ops["Sm"] = ops["Sp"].conj().T
    u = expm(1j * theta * ops["Sy"])
    for k in ("Sx", "Sy", "Sz", "Sp", "Sm"):
        ops[k + "'"] = u @ ops[k] @ u.conj().T
    ops["U"] = u
    ground = np.zeros(2**n, dtype=complex)
    ground[-1] = 1.0
    # bare Dicke states |k> (k excitations) by repeated S_+, and dressed |e_k> = U |k>
    cols = [ground]
    for _ in range(n):
        v = ops["Sp"] @ cols[-1]
        cols.append(v / np.linalg.norm(v))
    ops["dicke"] = np.array(cols).T
    ops["dressed"] = u @ ops["dicke"]
    ops["nexc"] = np.real(np.diag(ops["Sz"])) + n / 2  # H_B / omega0 + N/2 on the product basis
    return ops


def liouvillian(h: np.ndarray, jumps: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Row-major vec: vec(A rho B) = (A kron B^T) vec(rho)."""
    d = h.shape[0]
    eye = np.eye(d)
    out = -1j * (np.kron(h, eye) - np.kron(eye, h.T))
    for rate, a in jumps:
        ada = a.conj().T @ a
        out += rate * (np.kron(a, a.conj()) - 0.5 * np.kron(ada, eye) - 0.5 * np.kron(eye, ada.T))
    return out


def secular_liouvillian(ops, p: dr.DressedParams) -> np.ndarray:
    """Eq. 7."""
    return liouvillian(
        p.omega_p * ops["Sz'"],
        [(p.rate_dephase, ops["Sz'"]), (p.rate_raise, ops["Sp'"]), (p.rate_lower, ops["Sm'"])],
    )


def nonsecular_liouvillian(ops, p: dr.DressedParams) -> np.ndarray:
    """Eq. 5 generalised to three bath rates: one jump operator
    L = sqrt(g0) (-sin th S'_z) + sqrt(g-) (-sin^2(th/2) S'_+) + sqrt(g+) cos^2(th/2) S'_-,
    which is exactly sqrt(gamma) S_- (Eq. 5, Eq. 6) when g0 = g- = g+ = gamma, and whose
    secular part is Eq. 7."""
    th = p.theta
    jump = (
        -np.sqrt(p.gamma_0) * np.sin(th) * ops["Sz'"]
        - np.sqrt(p.gamma_minus) * np.sin(th / 2) ** 2 * ops["Sp'"]
        + np.sqrt(p.gamma_plus) * np.cos(th / 2) ** 2 * ops["Sm'"]
    )
    delta, omega_r = p.omega_p * np.cos(th), p.omega_p * np.sin(th)
    return liouvillian(delta * ops["Sz"] - omega_r * ops["Sx"], [(1.0, jump)])


def dense_evolve(lv: np.ndarray, rho0: np.ndarray, times: np.ndarray) -> np.ndarray:
    """rho(t) on a uniform grid starting at 0: one expm(L dt), applied repeatedly."""
    d = rho0.shape[0]
    times = np.asarray(times, dtype=float)
    assert times[0] == 0 and np.allclose(np.diff(times), times[1] - times[0])
    step = expm(lv * (times[1] - times[0]))
    out = [rho0.reshape(-1)]
    for _ in times[1:]:
        out.append(step @ out[-1])
    return np.array(out).reshape(len(times), d, d)


def ground_rho(n: int) -> np.ndarray:
    rho = np.zeros((2**n, 2**n), dtype=complex)
    rho[-1, -1] = 1.0
    return rho


def dense_charge(ops, rho: np.ndarray) -> np.ndarray:
    """E = Tr(rho S_z) + N/2 (omega0 = 1)."""
    return np.real(np.einsum("...ij,ji->...", rho, ops["Sz"])) + np.log2(rho.shape[-1]) / 2


def dense_steady_state(ops, p: dr.DressedParams) -> np.ndarray:
    """Steady state of Eq. 7 inside the symmetric subspace, returned in the 2^N space."""
    v = ops["dicke"]
    sym = {k: v.conj().T @ ops[k] @ v for k in ("Sz'", "Sp'", "Sm'")}
    lv = secular_liouvillian(sym, p)
    ns = null_space(lv)
    assert ns.shape[1] == 1
    d = v.shape[1]
    rho = ns[:, 0].reshape(d, d)
    rho = rho / np.trace(rho)
    return v @ rho @ v.conj().T


def dense_ergotropies(ops, rho: np.ndarray) -> tuple[float, float, float]:
    """(E, R_symmetric, R_all) of a state in the 2^N space (omega0 = 1)."""
    e = float(dense_charge(ops, rho))
    v = ops["dicke"]
    lam_sym = np.sort(np.linalg.eigvalsh(v.conj().T @ rho @ v))[::-1]
    passive_sym = lam_sym @ np.arange(len(lam_sym))
    lam_all = np.sort(np.linalg.eigvalsh(rho))[::-1]
    passive_all = lam_all @ np.sort(ops["nexc"])
    return e, e - passive_sym, e - passive_all


PARAM_SETS = [  # (theta, r): x > 1, x >> 1, x < 1, x ~ 1, x < 1 with r < 1
    (1.87, 10.0),
    (0.6, 1.0),
    (2.3, 0.3),
    (1.0, 0.1),
    (2.0, 0.1),
]


def params(theta=1.87, r=10.0, gamma_0=1.0, omega_p=7.3) -> dr.DressedParams:
    return dr.DressedParams.from_ratio(theta, r, gamma_minus=1.0, gamma_0=gamma_0, omega_p=omega_p)


# --------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("n", [1, 3])
def test_dressed_frame_conventions(n):
    """Eqs. 1-4 and 6 with S_k = sum sigma_k / 2 and U = exp(i theta S_y)."""
    delta, omega_r = 0.7, 1.9
    omega_p, theta = dr.dressed_frame(delta, omega_r)
    ops = dense_ops(n, float(theta))
    c, s = np.cos(theta), np.sin(theta)
    assert np.allclose(ops["Sz'"], c * ops["Sz"] - s * ops["Sx"], atol=1e-12)
    assert np.allclose(ops["Sx'"], c * ops["Sx"] + s * ops["Sz"], atol=1e-12)
    assert np.allclose(delta * ops["Sz"] - omega_r * ops["Sx"], omega_p * ops["Sz'"], atol=1e-12)
    eq6 = -s * ops["Sz'"] - (1 - c) / 2 * ops["Sp'"] + (1 + c) / 2 * ops["Sm'"]
    assert np.allclose(ops["Sm"], eq6, atol=1e-12)
    # dressed states are eigenstates of H_1 with energies m Omega_P
    h1 = omega_p * ops["Sz'"]
    m = np.arange(n + 1) - n / 2
    assert np.allclose(h1 @ ops["dressed"], ops["dressed"] * (m * omega_p), atol=1e-12)
    p = dr.DressedParams.from_drive(delta, omega_r, 2.0, 1.0, 0.5)
    assert np.isclose(p.x, dr.x_parameter(theta, 2.0)) and np.isclose(p.omega_p, omega_p)
    assert np.isclose(p.gamma_net, dr.net_rate(theta, 2.0, 1.0))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_initial_bands_and_wigner_d(n):
    theta = 1.87
    ops = dense_ops(n, theta)
    rho_dressed = ops["dressed"].conj().T @ ground_rho(n) @ ops["dressed"]
    for q in range(n + 1):
        assert np.allclose(np.diagonal(rho_dressed, q), rs.initial_band(n, theta, q), atol=1e-13)
    d = cd.wigner_d(n, theta)
    assert np.allclose(d @ d.T, np.eye(n + 1), atol=1e-12)
    assert np.allclose(
        d, np.real(ops["dicke"].conj().T @ expm(-1j * theta * ops["Sy"]) @ ops["dicke"])
    )


def test_wigner_d_large_n():
    """Still orthogonal at N = 300, first column = the binomial amplitudes of initial_band."""
    theta, n = 1.87, 300
    d = cd.wigner_d(n, theta)
    assert np.allclose(d @ d.T, np.eye(n + 1), atol=1e-10)
    assert np.allclose(d[:, 0] ** 2, rs.initial_band(n, theta, 0), atol=1e-12)
    assert np.allclose(d[:-1, 0] * d[1:, 0], rs.initial_band(n, theta, 1), atol=1e-12)


# --------------------------------------------------------------------------- (a) rate equations


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("theta,r", PARAM_SETS[:3])
def test_rate_equations_match_secular_master_equation(n, theta, r):
    """(a) dressed populations and E(t) from the band equations vs dense Eq. 7, to 1e-8."""
    p = params(theta, r)
    ops = dense_ops(n, theta)
    t = np.linspace(0, 4.0, 41)
    rho = dense_evolve(secular_liouvillian(ops, p), ground_rho(n), t)
    pops_dense = np.real(np.einsum("ik,tij,jk->tk", ops["dressed"].conj(), rho, ops["dressed"]))
    curve = rs.charge(n, p, t, keep_populations=True)
    assert np.abs(curve.populations - pops_dense).max() < 1e-8
    assert np.abs(curve.energy - dense_charge(ops, rho)).max() < 1e-8
    for method in ("expm", "bdf", "extrapolation"):  # "auto" is "dense" for these bands
        other = rs.charge(n, p, t, method=method)
        assert np.abs(other.energy - curve.energy).max() < 1e-8
    # the population rate matrix is a proper generator
    w = rs.population_generator(n, p).toarray()
    assert np.allclose(w.sum(axis=0), 0, atol=1e-12)


@pytest.mark.parametrize("n", [2, 4])
def test_full_band_solution_matches_secular_master_equation(n):
    """All N+1 bands (secular_density_matrix) vs dense Eq. 7, and the transient ergotropy."""
    p = params(2.3, 0.3, gamma_0=0.7, omega_p=3.1)
    ops = dense_ops(n, p.theta)
    t = np.linspace(0, 3.0, 13)
    rho = dense_evolve(secular_liouvillian(ops, p), ground_rho(n), t)
    rho_dressed = np.einsum("ik,tij,jl->tkl", ops["dressed"].conj(), rho, ops["dressed"])
    ours = rs.secular_density_matrix(n, p, t)
    assert np.abs(ours - rho_dressed).max() < 1e-8
    e = rs.state_energy(ours, n, p.theta)
    assert np.abs(e - dense_charge(ops, rho)).max() < 1e-8
    for i in (3, 8, 12):
        lam = np.linalg.eigvalsh(ours[i])
        _, r_sym, r_all = dense_ergotropies(ops, rho[i])
        assert np.isclose(rs.ergotropy(e[i], lam, n, unitaries="symmetric"), r_sym, atol=1e-8)
        assert np.isclose(rs.ergotropy(e[i], lam, n, unitaries="all"), r_all, atol=1e-8)


def test_dephasing_enters_exactly_as_exp_minus_half_gamma0_sin2theta_t():
    """S9 prints -sin^2(theta) gamma_0 y / 8; Eq. 7 gives exactly -sin^2(theta) gamma_0 y / 2."""
    n, theta = 3, 1.87
    ops = dense_ops(n, theta)
    t = np.linspace(0, 2.0, 9)
    sx = []
    for g0 in (0.0, 1.3):
        p = params(theta, 10.0, gamma_0=g0, omega_p=0.0)
        rho = dense_evolve(secular_liouvillian(ops, p), ground_rho(n), t)
        sx.append(np.real(np.einsum("tij,ji->t", rho, ops["Sx'"])))
    ratio = sx[1][1:] / sx[0][1:]
    assert np.allclose(ratio, np.exp(-1.3 * np.sin(theta) ** 2 * t[1:] / 2), rtol=1e-9)
    assert not np.allclose(ratio, np.exp(-1.3 * np.sin(theta) ** 2 * t[1:] / 8), rtol=1e-2)


def test_dense_propagation_needs_a_uniform_grid():
    p = params(*PARAM_SETS[0])
    with pytest.raises(ValueError, match="uniform grid"):
        rs.charge(3, p, [0.0, 0.1, 0.3], method="dense")
    # the same times through "auto" take the extrapolation, and agree with expm
    a = rs.charge(3, p, [0.0, 0.1, 0.3])
    b = rs.charge(3, p, [0.0, 0.1, 0.3], method="expm")
    assert np.abs(a.energy - b.energy).max() < 1e-9


def test_extrapolation_matches_expm_at_moderate_n():
    n = 300
    for theta, r in PARAM_SETS[:3]:
        p = params(theta, r, omega_p=5.0)
        t = np.linspace(0, 10 / (n * (p.rate_raise + p.rate_lower)), 61)
        a = rs.charge(n, p, t, method="expm")
        b = rs.charge(n, p, t, method="extrapolation")
        assert np.abs(a.energy - b.energy).max() / n < 1e-10


# --------------------------------------------------------------------------- (b) steady state


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("theta,r", PARAM_SETS)
def test_steady_state_closed_forms(n, theta, r):
    """(b) Eqs. 8-10 vs the dense secular steady state, to 1e-8; Eq. 10 is the SYMMETRIC one."""
    p = params(theta, r)
    x = p.x
    ops = dense_ops(n, theta)
    rho = dense_steady_state(ops, p)
    pops = np.real(np.einsum("ik,ij,jk->k", ops["dressed"].conj(), rho, ops["dressed"]))
    assert np.allclose(pops, dr.steady_state_populations(n, x), atol=1e-10)  # Eq. 8
    assert np.allclose(pops, rs.steady_state_populations(n, p), atol=1e-10)  # product formula
    e, r_sym, r_all = dense_ergotropies(ops, rho)
    assert abs(dr.steady_state_energy(n, theta, x) - e) < 1e-10  # Eq. 9
    m = np.arange(n + 1) - n / 2
    eq9 = np.cos(theta) * np.sum(m * x ** (n / 2 - m)) / np.sum(x ** np.arange(n + 1))
    assert abs(eq9 + n / 2 - e) < 1e-10  # Eq. 9 literally
    assert abs(dr.ergotropy_per_atom_eq10(n, theta, x) * n - r_sym) < 1e-10  # Eq. 10 as printed
    assert abs(dr.steady_state_ergotropy(n, theta, x, unitaries="symmetric") - r_sym) < 1e-10
    assert abs(dr.steady_state_ergotropy(n, theta, x, unitaries="all") - r_all) < 1e-10
    e2, r2 = rs.steady_state_energy_ergotropy(n, p, "symmetric")
    _, r3 = rs.steady_state_energy_ergotropy(n, p, "all")
    assert abs(e2 - e) < 1e-10 and abs(r2 - r_sym) < 1e-10 and abs(r3 - r_all) < 1e-10
    # the rate-equation long-time limit is the same state
    t_long = 60.0 / (p.rate_raise + p.rate_lower)
    late = rs.charge(n, p, [0.0, t_long], keep_populations=True, method="expm").populations[-1]
    assert np.allclose(late, pops, atol=1e-8)
    if n >= 2:  # all-unitary ergotropy is strictly larger: the paper maximises within j = N/2
        assert r_all - r_sym > 1e-6


def test_passive_energy_matches_package_metrics():
    """Same convention as qbattery.metrics (all-unitary = lowest levels of the 2^N spectrum)."""
    from qbattery import metrics

    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 9):
        lam = rng.random(n + 1)
        lam /= lam.sum()
        full = metrics.passive_energy(lam, metrics.two_level_spectrum(1.0, n, n + 1)) + n / 2
        sym = metrics.passive_energy(lam, np.arange(n + 1.0))
        assert np.isclose(rs.passive_energy(lam, n, unitaries="all"), full)
        assert np.isclose(rs.passive_energy(lam, n, unitaries="symmetric"), sym)
    y0 = rs.initial_band(50, 1.87, 1) @ np.sqrt(np.arange(1, 51) * (50 - np.arange(1, 51) + 1))
    assert np.isclose(y0, -25 * np.sin(1.87))  # S12: y0 = -(N/2) sin(theta)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_ergotropy_at_x_equal_one(n):
    """Fig. 1 caption: 'the ergotropy always goes to zero for x = 1' -- true only for R_sym."""
    r = 0.1
    theta = 2 * np.arctan(r**0.25)  # x = r cot^4(theta/2) = 1
    assert np.isclose(dr.x_parameter(theta, r), 1.0)
    assert abs(dr.steady_state_ergotropy(n, theta, 1.0, unitaries="symmetric")) < 1e-12
    r_all = dr.steady_state_ergotropy(n, theta, 1.0, unitaries="all")
    assert np.isclose(r_all, n * (n - 1) / (2 * (n + 1)), atol=1e-12)


def test_figure1_claims():
    """r = 0.1: R/N larger at N = 4 than at N = 2 (superextensive), and x < 1 is better."""
    r = 0.1
    th = np.linspace(0.01, np.pi - 0.01, 801)
    x = dr.x_parameter(th, r)
    th, x = th[np.abs(x - 1) > 1e-3], x[np.abs(x - 1) > 1e-3]
    for kind in ("symmetric", "all"):
        r2 = dr.steady_state_ergotropy(2, th, x, unitaries=kind) / 2
        r4 = dr.steady_state_ergotropy(4, th, x, unitaries=kind) / 4
        assert np.all(r4 > r2)
        assert r4[x < 1].max() > r4[x > 1].max()


def test_stable_mean_m_and_large_n_limits():
    """Brillouin form vs direct sums (incl. x -> 1, large N), and Eqs. 11-12."""
    for n in (1, 5, 40):
        for x in (0.3, 1 - 1e-9, 1.0, 1 + 1e-7, 2.5, 40.0):
            m = np.arange(n + 1) - n / 2
            w = dr.steady_state_populations(n, x)
            assert abs(dr.steady_state_mean_m(n, x) - w @ m) < 1e-11
            if abs(x - 1) > 1e-3:
                lhs = dr.ergotropy_per_atom_eq10(n, 1.2, x)
                assert np.isclose(lhs, dr.steady_state_ergotropy(n, 1.2, x) / n, rtol=1e-9)
    n = 10**5
    for theta, r in PARAM_SETS:
        x = dr.x_parameter(theta, r)
        lim = dr.ergotropy_per_atom_large_n(theta, x)
        for kind in ("symmetric", "all"):
            assert abs(dr.steady_state_ergotropy(n, theta, x, unitaries=kind) / n - lim) < 1e-3
        assert abs(dr.steady_state_energy(n, theta, x) / n - lim) < 1e-3  # R = E
        branch = "x<1" if x < 1 else "x>1"
        assert lim <= dr.ergotropy_per_atom_bound(r, branch) + 1e-12
    # the bounds are the x -> 1 ends of the branches: 1/(1 + sqrt r), 1/(1 + 1/sqrt r)
    r = 10.0
    th1 = 2 * np.arctan(r**0.25)
    assert np.isclose(np.sin(th1 / 2) ** 2, dr.ergotropy_per_atom_bound(r, "x>1"))
    assert np.isclose(np.cos(th1 / 2) ** 2, dr.ergotropy_per_atom_bound(r, "x<1"))


def test_theta_x_equal_one():
    """theta(x = 1) = 2 atan(r^(1/4)); theta above it is the x < 1 branch."""
    for r in (0.1, 1.0, 10.0):
        th1 = dr.theta_x_equal_one(r)
        assert np.isclose(dr.x_parameter(th1, r), 1.0, rtol=1e-13)
        assert dr.x_parameter(th1 + 1e-3, r) < 1 < dr.x_parameter(th1 - 1e-3, r)
    assert np.isclose(dr.theta_x_equal_one(1.0), np.pi / 2)


def test_steady_state_ergotropy_sup_tends_to_the_bounds_of_eqs_11_12():
    """Sup over theta of R_sym/N: below 1/(1 + sqrt r) (x < 1), 1/(1 + 1/sqrt r) (x > 1), with a
    deficit ~ N^(-1/2); at least the max over a uniform theta grid; r -> 1/r swaps the branches."""
    r = 0.1
    bounds = (dr.ergotropy_per_atom_bound(r, "x<1"), dr.ergotropy_per_atom_bound(r, "x>1"))
    sups = {k: dr.steady_state_ergotropy_sup(r, 10**k) for k in (4, 6, 8)}
    for side in (0, 1):
        deficit = [bounds[side] - sups[k][side] for k in (4, 6, 8)]
        assert all(d > 0 for d in deficit)
        assert 8 < deficit[0] / deficit[1] < 12 and 8 < deficit[1] / deficit[2] < 12
    th = np.linspace(0.004, np.pi - 0.004, 4000)
    x = dr.x_parameter(th, r)
    grid = dr.steady_state_ergotropy(10**4, th, x) / 10**4
    assert sups[4][0] >= grid[x < 1].max() and sups[4][1] >= grid[x > 1].max()
    assert np.allclose(dr.steady_state_ergotropy_sup(1 / r, 10**4), sups[4][::-1], rtol=1e-12)
    lo, hi = dr.steady_state_ergotropy_sup(1.0, 10**8)
    assert np.isclose(lo, hi, rtol=1e-12) and 0.5 - 1e-4 < lo < 0.5


# --------------------------------------------------------------------------- (c) Eq. 14


def _eq14_errors(n: int, npts: int = 801) -> tuple[float, float]:
    theta, r = 1.87, 10.0
    gam = float(dr.net_rate(theta, r, 1.0))
    p = params(theta, r, omega_p=20 * n * gam)
    tau = np.linspace(0, 10, npts)
    t = 2 * tau / (n * gam)
    curve = rs.charge(n, p, t)
    e14 = dd.energy_per_atom_large_n(t, n, theta, gam, p.omega_p)
    diag14 = 0.5 - 0.5 * np.cos(theta) * np.tanh(tau + dr.phi0(theta))
    return (
        float(np.abs(curve.energy_per_atom - e14).max()),
        float(np.abs(curve.diagonal_energy / n - diag14).max()),
    )


def test_eq14_error_shrinks_with_n():
    """(c) Eq. 14 vs the exact secular E(t): max error per atom ~ 1/N (N = 10, 100, 1000)."""
    errs = {n: _eq14_errors(n) for n in (10, 100, 1000)}
    full = [errs[n][0] for n in (10, 100, 1000)]
    diag = [errs[n][1] for n in (10, 100, 1000)]
    assert full[1] < full[0] / 5 and full[2] < full[1] / 5
    assert diag[1] < diag[0] / 5 and diag[2] < diag[1] / 5
    assert 0.5 < 1000 * full[2] < 2.0  # ~1.03 / N
    assert full[2] < 2e-3


def test_diagonal_part_of_eq14():
    """The non-oscillating part of Eq. 14 = Eq. 14 without its cos(Omega_P t) term, and the
    large-N limit of the band solver's population (diagonal) energy: error ~ 1/N."""
    theta, r = 1.87, 10.0
    gam = float(dr.net_rate(theta, r, 1.0))
    errs = []
    for n in (10, 100, 1000):
        tau = np.linspace(0, 10, 401)
        t = 2 * tau / (n * gam)
        diag = dd.diagonal_energy_per_atom_large_n(t, n, theta, gam)
        assert np.allclose(diag, 0.5 - 0.5 * np.cos(theta) * np.tanh(tau + dr.phi0(theta)))
        wp = 20 * n * gam
        osc = -0.5 * np.sin(theta) * np.cos(wp * t) / np.cosh(tau + dr.phi0(theta))
        assert np.allclose(dd.energy_per_atom_large_n(t, n, theta, gam, wp), diag + osc)
        curve = rs.charge(n, params(theta, r, omega_p=wp), t)
        errs.append(float(np.abs(curve.diagonal_energy / n - diag).max()))
    assert errs[1] < errs[0] / 5 and errs[2] < errs[1] / 5


def test_moment_closure_variants_are_all_order_one_over_n():
    n = 1000
    theta, r = 1.87, 10.0
    gam = float(dr.net_rate(theta, r, 1.0))
    p = params(theta, r, omega_p=20 * n * gam)
    t = 2 * np.linspace(0, 10, 401) / (n * gam)
    exact = rs.charge(n, p, t).energy_per_atom
    for printed in (False, True):
        mc = dd.energy_per_atom_moment_closure(t, n, p, printed_coherence=printed)
        assert np.abs(mc - exact).max() < 3 / n


# --------------------------------------------------------------------------- (d) tau_90


def test_tau90():
    """(d) tau_90 (numerical root) vs closed form vs the paper's 2.973 +- 0.005."""
    th = np.linspace(0.02, 2.8, 60)
    assert np.allclose(dd.tau_90(th), dd.tau_90_closed_form(th), rtol=0, atol=1e-12)
    # the bound really is 90 % there, and monotone
    tau = dd.tau_90(1.87)
    assert np.isclose(dd.energy_per_atom_lower_bound(tau, 1.87), 0.9 * np.sin(0.935) ** 2)
    lb = dd.energy_per_atom_lower_bound(np.linspace(0, 20, 2001), 1.87)
    assert np.all(np.diff(lb) > 0)
    # same as the printed form of the bound
    tt = np.linspace(0, 8, 50)
    u = tt + dr.phi0(1.87)
    printed = 0.5 * (1 - np.cos(1.87) * np.tanh(u) - np.sin(1.87) / np.cosh(u))
    assert np.allclose(printed, dd.energy_per_atom_lower_bound(tt, 1.87), atol=1e-14)
    # theta -> 0 limit: -ln(1 - sqrt(0.9)) = 2.96976
    assert np.isclose(dd.tau_90(1e-4), -np.log(1 - np.sqrt(0.9)), atol=1e-7)
    # within 2.973 +- 0.005 for charges E <= 0.25 ...
    e = np.linspace(1e-4, 0.25, 100)
    vals = dd.tau_90(2 * np.arcsin(np.sqrt(e)))
    assert np.all(np.abs(vals - dd.PAPER_TAU_90) <= 0.005)
    # ... but not over the whole x > 1 range of Fig. 3 (E up to 1/(1 + 1/sqrt r))
    top = {r: float(dd.tau_90_closed_form(2 * np.arctan(r**0.25))) for r in (1, 5, 10)}
    assert np.isclose(top[1], 2.99322, atol=1e-5)
    assert np.isclose(top[10], 3.03898, atol=1e-5)


def test_tau90_small_theta_and_its_inverse():
    """tau_90(theta -> 0) = -ln(1 - sqrt 0.9); charge_at_tau_90 inverts the exact tau_90(E)."""
    t0 = dd.tau_90_small_theta()
    assert np.isclose(t0, dd.tau_90_closed_form(0.0), rtol=1e-14)
    assert np.isclose(t0, dd.tau_90(1e-4), atol=1e-7)
    assert abs(t0 - dd.PAPER_TAU_90) < 0.005
    assert np.isclose(dd.tau_90_small_theta(0.5), dd.tau_90_closed_form(0.0, 0.5), rtol=1e-14)
    for value in (2.975, dd.PAPER_TAU_90 + 0.005, 3.02):
        e = dd.charge_at_tau_90(value)
        th = 2 * np.arcsin(np.sqrt(e))
        assert np.isclose(dd.tau_90_closed_form(th), value, rtol=0, atol=1e-10)
        assert dd.tau_90_closed_form(2 * np.arcsin(np.sqrt(e + 1e-3))) > value
    # the paper's 2.973 +- 0.005 holds up to E ~ 0.2654 only (Fig. 3's x > 1 curves reach 0.76)
    e_edge = dd.charge_at_tau_90(dd.PAPER_TAU_90 + 0.005)
    assert 0.25 < e_edge < dr.ergotropy_per_atom_bound(10.0, "x>1")


def test_power_bound_forms_agree():
    """Eq. 16 and Eq. 17 are the same bound."""
    r, gm = 10.0, 1.0
    for theta in (0.8, 1.3, 1.87):
        n = 50
        p16 = dd.power_lower_bound(n, theta, r * gm, gm)
        p17 = dd.power_bound_normalized(np.sin(theta / 2) ** 2, r) * n**2 * gm
        assert np.isclose(p16, p17)


# --------------------------------------------------------------------------- (e) N^2 scaling


def _average_power(n: int, theta=1.87, r=10.0) -> tuple[float, float]:
    gam = float(dr.net_rate(theta, r, 1.0))
    p = params(theta, r, omega_p=50 * n * gam)
    t_end = float(dd.charging_time(n, theta, gam))
    curve = rs.charge(n, p, np.linspace(0, t_end, 201))
    return float(curve.energy[-1] / t_end), float(dd.power_lower_bound(n, theta, r, 1.0))


def test_power_scales_as_n_squared():
    """(e) P_av = E(T)/T, T = 2 tau_90/(N Gamma), over two decades (N = 10 .. 1000)."""
    ns = np.array([10, 100, 1000])
    res = [_average_power(int(n)) for n in ns]
    pav = np.array([a for a, _ in res])
    bound = np.array([b for _, b in res])
    slope = np.polyfit(np.log(ns), np.log(pav), 1)[0]
    assert 1.95 < slope < 2.05
    # approaches the large-N lower bound (Eq. 16) from within O(1/N)
    assert abs(pav[-1] / bound[-1] - 1) < 0.02
    assert np.all(np.diff(pav / ns**2) > -1e-3 * pav[-1] / ns[-1] ** 2)


@pytest.mark.slow
def test_power_scales_as_n_squared_to_1e4():
    ns = np.array([100, 1000, 10000])
    pav = np.array([_average_power(int(n))[0] for n in ns])
    slope = np.polyfit(np.log(ns), np.log(pav), 1)[0]
    assert abs(slope - 2) < 0.01


# --------------------------------------------------------------------------- secular vs Eq. 5


def test_nonsecular_master_equation_converges_to_secular():
    """Eq. 5 (r = 1, one gamma) and its three-rate parent approach Eq. 7 as Omega_P grows."""
    n, theta = 2, 1.2
    ops = dense_ops(n, theta)
    t = np.linspace(0, 3.0, 31)
    for r in (1.0, 10.0):
        errs = []
        for omega_p in (20.0, 200.0):
            p = params(theta, r, gamma_0=1.0, omega_p=omega_p)
            e_sec = dense_charge(ops, dense_evolve(secular_liouvillian(ops, p), ground_rho(n), t))
            e_full = dense_charge(
                ops, dense_evolve(nonsecular_liouvillian(ops, p), ground_rho(n), t)
            )
            errs.append(np.abs(e_sec - e_full).max())
        assert errs[1] < errs[0] / 5 and errs[1] < 2e-2
    # with r = 1 the parent's jump operator is literally sqrt(gamma) S_- (Eq. 5)
    p = params(theta, 1.0, gamma_0=1.0)
    jump = (
        -np.sin(theta) * ops["Sz'"]
        - np.sin(theta / 2) ** 2 * ops["Sp'"]
        + np.cos(theta / 2) ** 2 * ops["Sm'"]
    )
    assert np.allclose(jump, ops["Sm"], atol=1e-12)


def test_secular_steady_state_needs_omega_p_much_larger_than_n_gamma():
    """Paper, below Eq. 15: at fixed Omega_P the secular steady state gets worse as N grows."""
    theta, r, omega_p = 1.2, 10.0, 20.0
    p = params(theta, r, gamma_0=1.0, omega_p=omega_p)
    errs = []
    for n in (1, 2, 3, 4):
        ops = dense_ops(n, theta)
        v = ops["dicke"]
        sym = {k: v.conj().T @ ops[k] @ v for k in ("Sz'", "Sp'", "Sm'", "Sz", "Sx")}
        ns = null_space(nonsecular_liouvillian(sym, p))
        rho = ns[:, 0].reshape(n + 1, n + 1)
        rho = rho / np.trace(rho)
        e_full = np.real(np.trace(rho @ sym["Sz"])) + n / 2
        errs.append(abs(e_full - dr.steady_state_energy(n, theta, p.x)) / n)
    assert np.all(np.diff(errs) > 0)
    assert errs[-1] > 5 * errs[0]


# --------------------------------------------------------------------------- discharge


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_discharge_matches_dense_eq5(n):
    """Eq. 18 exactly, and the free collective decay (Eq. 5, gamma = gamma_0, drive off) with the
    coherent power of Eq. 19, band solver vs dense."""
    p = params(1.87, 10.0)
    ops = dense_ops(n, p.theta)
    rho = dense_steady_state(ops, p)
    dip = np.trace(rho @ ops["Sp"])
    assert abs(dip.imag) < 1e-12
    assert abs(dip.real - dd.dipole_steady_state(n, p.theta, p.x)) < 1e-10  # Eq. 18, finite N
    b0, b1 = cd.steady_state_bare_bands(n, p)
    rho_bare = ops["dicke"].conj().T @ rho @ ops["dicke"]
    assert np.allclose(np.real(np.diagonal(rho_bare)), b0, atol=1e-10)
    assert np.allclose(np.real(np.diagonal(rho_bare, 1)), b1, atol=1e-10)
    g0 = 0.8
    t = np.linspace(0, 6.0, 61)
    lv = liouvillian(np.zeros_like(ops["Sz"]), [(g0, ops["Sm"])])
    traj = dense_evolve(lv, rho, t)
    e_dense = dense_charge(ops, traj)
    pow_dense = g0 * np.abs(np.einsum("tij,ji->t", traj, ops["Sp"])) ** 2
    d = cd.discharge(n, b0, b1, g0, t)
    assert np.abs(d.energy - e_dense).max() < 1e-8
    assert np.abs(d.coherent_power - pow_dense).max() < 1e-8


@pytest.mark.parametrize("n", [2, 3])
def test_discharge_fluctuations_match_dense(n):
    """ΔH_B², I_E = Σ_k (dp_k/dt)²/p_k and P = −dE/dt of the free decay gamma_0 D[S_-] from the
    steady state, band solver vs dense; and the bound P ≤ √(ΔH_B² I_E) (paper, Ref. 16)."""
    p = params(1.87, 10.0)
    ops = dense_ops(n, p.theta)
    rho = dense_steady_state(ops, p)
    g0 = 0.8
    t = np.linspace(0, 6.0, 61)
    lv = liouvillian(np.zeros_like(ops["Sz"]), [(g0, ops["Sm"])])
    traj = dense_evolve(lv, rho, t)
    rate = (traj.reshape(len(t), -1) @ lv.T).reshape(traj.shape)  # drho/dt
    k = np.arange(n + 1)
    proj = ops["nexc"][None, :] == k[:, None]  # (k, product state): k excitations
    pops = np.real(np.diagonal(traj, axis1=1, axis2=2)) @ proj.T
    dpops = np.real(np.diagonal(rate, axis1=1, axis2=2)) @ proj.T
    b0, _ = cd.steady_state_bare_bands(n, p)
    f = cd.discharge_fluctuations(n, b0, g0, t)
    assert np.allclose(f.variance, pops @ k**2 - (pops @ k) ** 2, atol=1e-8)
    assert np.allclose(f.power, -(dpops @ k), atol=1e-8)
    ok = pops > 1e-13
    fisher = np.where(ok, dpops**2 / np.where(ok, pops, 1.0), 0.0).sum(axis=1)
    assert np.allclose(f.fisher, fisher, rtol=1e-6, atol=1e-9)
    assert np.all(np.abs(f.power) <= np.sqrt(f.variance * f.fisher) * (1 + 1e-9) + 1e-12)


def _discharge_large_n(ns, npts):
    p = params(1.87, 10.0)
    fracs, errs, peaks = [], [], []
    for n in ns:
        b0, b1 = cd.steady_state_bare_bands(n, p)
        e0 = b0 @ np.arange(n + 1)
        t = np.linspace(0, (2 * np.log(n + 1) + 40) / n, npts)
        d = cd.discharge(n, b0, b1, 1.0, t)
        assert d.energy[-1] < 1e-12 * e0
        fracs.append(d.coherent_work() / e0)
        e_mf = dd.discharge_energy_per_atom_large_n(t, n, e0 / n, 1)
        errs.append(np.abs(d.energy / n - e_mf).max())
        peaks.append(d.coherent_power.max() / n**2)
    return np.array(fracs), np.array(errs), np.array(peaks)


def test_discharge_large_n():
    """Coherent fraction W/E -> 1, E(t) -> the mean-field tanh law, peak power -> N^2/4."""
    fracs, errs, peaks = _discharge_large_n((10, 100, 300), 801)
    assert np.all(np.diff(fracs) > 0) and fracs[-1] > 0.99
    assert errs[1] < errs[0] / 3 and errs[2] < errs[1] / 2
    assert abs(peaks[-1] - 0.25) < 5e-3
    p = params(1.87, 10.0)
    assert abs(dd.dipole_steady_state(10**6, 1.87, p.x) / dd.dipole_large_n(10**6, 1.87) - 1) < 1e-5


@pytest.mark.slow
def test_discharge_large_n_1000():
    fracs, errs, peaks = _discharge_large_n((100, 1000), 2001)
    assert fracs[-1] > 0.997 and errs[1] < errs[0] / 5 and abs(peaks[-1] - 0.25) < 2e-3
