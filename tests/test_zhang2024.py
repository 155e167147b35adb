"""Zhang et al., PRA 110, 032211 (2024): the three batteries, the thermal recharging, the targets.

The references below are brute force in the FULL space, built in this file from single-atom
matrices (nothing from qbattery's operators): 2^N ⊗ mode for the two-level atoms, 3^2 ⊗ mode for
the three-level atoms, pair sums written exactly as Eqs. 3, 5, 19-23 write them. Closed dynamics
are compared with the package's closed solver, open dynamics with a dense Liouvillian (exponentiated
here) against the package's Lindblad solver, all to 1e-8.
"""

from __future__ import annotations

import itertools
import time
from functools import reduce

import numpy as np
import pytest
import scipy.linalg as la

import qbattery
from qbattery.analytic.zhang import (
    activity_threshold,
    last_level_crossing,
    thermal_recharging_sz,
)
from qbattery.models.zhang import (
    battery_levels,
    zhang_cavity,
    zhang_drive,
    zhang_three_level,
)
from qbattery.thermal import thermal_recharging

TOL = 1e-8

# --------------------------------------------------------------------------- brute force

# two-level atom, basis (g, e): σ_z|e> = +|e>
SZ = np.diag([-1.0, 1.0]).astype(complex)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, 1j], [-1j, 0]], dtype=complex)  # σ_y = −i|e><g| + i|g><e| in (g, e) order
SM = np.array([[0, 1], [0, 0]], dtype=complex)  # σ_- = |g><e|


def site(op: np.ndarray, i: int, n: int, d: int) -> np.ndarray:
    return reduce(np.kron, [op if k == i else np.eye(d) for k in range(n)], np.eye(1))


def mode(c: int):
    a = np.diag(np.sqrt(np.arange(1, c)), 1).astype(complex)
    return a, a.conj().T


def fock(c: int, n: int) -> np.ndarray:
    v = np.zeros(c, dtype=complex)
    v[n] = 1
    return v


def xy_battery(n: int, g: float, wq: float, ordered: bool) -> np.ndarray:
    """Eq. 3: (ω_q/2)Σσ_z + (g/2N)Σ_{pairs}(σ_xσ_x + σ_yσ_y), ordered pairs i≠j or i<j."""
    H = wq / 2 * sum(site(SZ, i, n, 2) for i in range(n))
    for i, j in itertools.product(range(n), repeat=2):
        if i == j or (not ordered and j < i):
            continue
        H = H + g / (2 * n) * (
            site(SX, i, n, 2) @ site(SX, j, n, 2) + site(SY, i, n, 2) @ site(SY, j, n, 2)
        )
    return H


def cavity_model(n, g, g_c, wq, c, form):
    """(H_B, H_full) of Sec. II: Eq. 3 + Eq. 5 ("eq3") or Eq. 11 = Eq. 3 with i<j + Eq. 12."""
    HQ = xy_battery(n, g, wq, ordered=(form == "eq3"))
    a, ad = mode(c)
    sx = sum(site(SX, i, n, 2) for i in range(n))
    factor = 1.0 if form == "eq3" else 0.5  # Eq. 12's S_x = Σσ_x/2
    HI = g_c * wq * factor * np.kron(sx, a + ad)
    H = np.kron(HQ, np.eye(c)) + np.kron(np.eye(2**n), wq * ad @ a) + HI
    return np.kron(HQ, np.eye(c)), H


def closed_energy(H, HB, psi0, t):
    w, v = np.linalg.eigh(H)
    c0 = v.conj().T @ psi0
    psi = (np.exp(-1j * np.outer(t, w)) * c0) @ v.T
    e = np.einsum("ti,ij,tj->t", psi.conj(), HB, psi).real
    return e - e[0], psi


def liouvillian(H, jumps):
    """Dense L (row-major vec: vec(AρB) = (A ⊗ Bᵀ) vec ρ) of −i[H,ρ] + Σ rate·D[L]ρ."""
    d = H.shape[0]
    eye = np.eye(d)
    L = -1j * (np.kron(H, eye) - np.kron(eye, H.T))
    for rate, J in jumps:
        JdJ = J.conj().T @ J
        L = L + rate * (np.kron(J, J.conj()) - 0.5 * np.kron(JdJ, eye) - 0.5 * np.kron(eye, JdJ.T))
    return L


def open_energy(H, jumps, HB, rho0, t):
    d = H.shape[0]
    step = la.expm(liouvillian(H, jumps) * (t[1] - t[0]))
    v = rho0.reshape(-1)
    out = []
    for _ in t:
        out.append(np.real(np.trace(HB @ v.reshape(d, d))))
        v = step @ v
    out = np.array(out)
    return out - out[0]


def times(spec):
    return np.linspace(0, spec["time"]["t_max"], spec["time"]["points"])


def assert_series(ours, ref, what):
    err = np.max(np.abs(np.asarray(ours) - ref))
    assert err < TOL, f"{what}: max |package - brute force| = {err:.3e}"


# --------------------------------------------------------------------------- the collective form


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_pair_sum_identities(n):
    """Σ_{i<j}(σxσx+σyσy) = 2(Sx²+Sy²) − N and Eq. 11 (g) = Eq. 3 (g/2), from single-site sums."""
    S = {
        "x": sum(site(SX, i, n, 2) for i in range(n)) / 2,
        "y": sum(site(SY, i, n, 2) for i in range(n)) / 2,
        "z": sum(site(SZ, i, n, 2) for i in range(n)) / 2,
    }
    eye = np.eye(2**n)
    xy = S["x"] @ S["x"] + S["y"] @ S["y"]
    g, wq = 0.7, 1.3
    eq3 = xy_battery(n, g, wq, ordered=True)
    assert np.allclose(eq3, wq * S["z"] + 2 * g / n * xy - g * eye, atol=1e-12)
    eq11 = wq * S["z"] + g / n * (xy - n / 2 * eye)  # Eq. 11 with S = Σσ/2
    assert np.allclose(eq11, xy_battery(n, g, wq, ordered=False), atol=1e-12)
    assert np.allclose(eq11, xy_battery(n, g / 2, wq, ordered=True), atol=1e-12)


@pytest.mark.parametrize("form", ["eq3", "eq11"])
@pytest.mark.parametrize("n", [3, 4])
def test_battery_spectrum_over_all_states(form, n):
    """The package's H_Q over every spin-j irrep = the brute-force 2^N spectrum of the pair sum."""
    from qbattery.metrics import collective_spectrum
    from qbattery.problem import build_problem

    g, wq = 0.9, 1.1
    problem = build_problem(
        zhang_cavity(n, g=g, omega_q=wq, kappa=0, form=form, photons=0, cutoff=2)
    )
    ours = collective_spectrum(problem.battery_spin_spectra, n, 2**n)
    ref = np.linalg.eigvalsh(xy_battery(n, g, wq, ordered=(form == "eq3")))
    assert np.allclose(ours, ref, atol=1e-10)
    # and the closed form used by the thermal analysis
    from qbattery.operators.spin import irrep_multiplicity, spins_in

    levels = []
    for j in spins_in(n):
        m = np.arange(-j, j + 1)
        levels += list(np.repeat(battery_levels(n, m, j, g=g, omega_q=wq, form=form),
                                 irrep_multiplicity(n, j)))  # fmt: skip
    assert np.allclose(np.sort(levels), ref, atol=1e-10)


# --------------------------------------------------------------------------- Sec. II


@pytest.mark.parametrize("form", ["eq3", "eq11"])
@pytest.mark.parametrize("n,g", [(2, 1.0), (3, -0.5), (4, 0.5)])
def test_cavity_closed_against_bruteforce(form, n, g):
    c = n + 4
    spec = zhang_cavity(n, g=g, kappa=0, cutoff=c, form=form, t_max=4.0, points=81,
                        series=("energy", "ergotropy"))  # fmt: skip
    res = qbattery.simulate(spec)
    HB, H = cavity_model(n, g, 0.5, 1.0, c, form)
    psi0 = np.kron(site_product([0] * n, 2), fock(c, n))
    e, psi = closed_energy(H, HB, psi0, times(spec))
    assert_series(res.energy, e, "energy")
    # ergotropy over all unitaries of the 2^N battery
    HQ = xy_battery(n, g, 1.0, ordered=(form == "eq3"))
    levels = np.linalg.eigvalsh(HQ)
    erg = []
    for p in psi:
        m = p.reshape(2**n, c)
        rho = m @ m.conj().T
        r = np.sort(np.linalg.eigvalsh(rho))[::-1]
        erg.append(np.real(np.trace(HQ @ rho)) - r @ levels)
    assert_series(res.ergotropy, np.array(erg), "ergotropy")


def site_product(indices, d):
    return reduce(np.kron, [np.eye(d)[k] for k in indices], np.ones(1)).astype(complex)


def test_eq11_is_eq3_at_half_couplings():
    a = qbattery.simulate(zhang_cavity(3, g=0.8, g_c=0.5, kappa=0, cutoff=8, form="eq11",
                                       t_max=3, points=31))  # fmt: skip
    b = qbattery.simulate(zhang_cavity(3, g=0.4, g_c=0.25, kappa=0, cutoff=8, form="eq3",
                                       t_max=3, points=31))  # fmt: skip
    assert_series(a.energy, b.energy, "eq11(g) vs eq3(g/2)")


@pytest.mark.parametrize("form", ["eq3", "eq11"])
def test_cavity_open_against_bruteforce(form):
    n, c, g, kappa = 2, 6, 0.5, 0.3
    spec = zhang_cavity(n, g=g, kappa=kappa, cutoff=c, form=form, t_max=3.0, points=31)
    res = qbattery.simulate(spec)
    assert res.info["solver"] == "permutational"  # auto: collective spins ⊗ a lossy mode
    HB, H = cavity_model(n, g, 0.5, 1.0, c, form)
    a, _ = mode(c)
    psi0 = np.kron(site_product([0] * n, 2), fock(c, n))
    e = open_energy(H, [(kappa, np.kron(np.eye(2**n), a))], HB, np.outer(psi0, psi0.conj()),
                    times(spec))  # fmt: skip
    assert_series(res.energy, e, "energy")


# --------------------------------------------------------------------------- Sec. III


@pytest.mark.parametrize("form", ["eq3", "eq11"])
@pytest.mark.parametrize("n,g", [(2, 1.0), (3, -1.0), (4, 0.5)])
def test_drive_against_bruteforce(form, n, g):
    omega, gamma = 0.7, 0.4
    spec = zhang_drive(n, g=g, omega=omega, gamma=gamma, form=form, t_max=4.0, points=41)
    res = qbattery.simulate(spec)
    HQ = xy_battery(n, g, 1.0, ordered=(form == "eq3"))
    H = HQ + omega * sum(site(SX, i, n, 2) for i in range(n)) / 2  # ω S_x, spin-j S_x
    Sm = sum(site(SM, i, n, 2) for i in range(n))
    psi0 = site_product([0] * n, 2)
    e = open_energy(H, [(gamma, Sm)], HQ, np.outer(psi0, psi0.conj()), times(spec))
    assert_series(res.energy, e, "energy")


# --------------------------------------------------------------------------- Sec. IV

LEVELS = {"g": 0, "m": 1, "e": 2}


def s3(j: str, k: str) -> np.ndarray:
    out = np.zeros((3, 3), dtype=complex)
    out[LEVELS[j], LEVELS[k]] = 1
    return out


def three_level_model(g, g1, Oa, Ob, D, c):
    """Eqs. 19-21 on 3^2 ⊗ mode (atom 1 slowest), Δ_m = Δ_e = Δ_cav = D, g_1 = g_2 = g1."""

    def at(op, i):
        return np.kron(site(op, i, 2, 3), np.eye(c))

    a, ad = mode(c)
    A, Ad = np.kron(np.eye(9), a), np.kron(np.eye(9), ad)
    HQ = sum(D * at(s3("e", "e"), i) + D * at(s3("m", "m"), i) for i in range(2))
    for j, k in (("m", "g"), ("m", "e")):
        x = at(s3(j, k), 0) @ at(s3(k, j), 1)
        HQ = HQ + g * (x + x.conj().T)
    HI = (
        sum(g1 * (A @ at(s3("m", "g"), i) + Ad @ at(s3("g", "m"), i)) for i in range(2))
        + D * Ad @ A
    )
    HL = sum(Oa * (at(s3("m", "g"), i) + at(s3("g", "m"), i)) for i in range(2))
    HL = HL + sum(Ob * (at(s3("m", "e"), i) + at(s3("e", "m"), i)) for i in range(2))
    jumps = lambda kappa, ge, gm: (  # noqa: E731
        [(2 * kappa, A)]
        + [(2 * ge, at(s3("m", "e"), i)) for i in range(2)]
        + [(2 * gm, at(s3("g", "m"), i)) for i in range(2)]
    )
    return HQ, HQ + HI + HL, jumps


@pytest.mark.parametrize("g", [-1.0, 0.5])
def test_three_level_closed_against_bruteforce(g):
    c = 5
    spec = zhang_three_level(g=g, kappa=0, gamma_e=0, gamma_m=0, cutoff=c, t_max=4.0, points=41)
    res = qbattery.simulate(spec)
    assert res.info["solver"] == "closed"
    HB, H, _ = three_level_model(g, 1.0, 1.0, 1.0, 1.0, c)
    psi0 = np.kron(site_product([0, 0], 3), fock(c, 2))
    e, _ = closed_energy(H, HB, psi0, times(spec))
    assert_series(res.energy, e, "energy")


@pytest.mark.parametrize("g,ge,gm", [(1.0, 0.1, 0.01), (-0.5, 0.2, 0.1)])
def test_three_level_open_against_bruteforce(g, ge, gm):
    c, kappa = 3, 0.5
    spec = zhang_three_level(g=g, kappa=kappa, gamma_e=ge, gamma_m=gm, cutoff=c, t_max=2.0,
                             points=21)  # fmt: skip
    res = qbattery.simulate(spec)
    assert res.info["solver"] == "lindblad"
    HB, H, jumps = three_level_model(g, 1.0, 1.0, 1.0, 1.0, c)
    psi0 = np.kron(site_product([0, 0], 3), fock(c, 2))
    e = open_energy(H, jumps(kappa, ge, gm), HB, np.outer(psi0, psi0.conj()), times(spec))
    assert_series(res.energy, e, "energy")


# --------------------------------------------------------------------------- thermal recharging


def _check_laws(r):
    assert r.W >= 0
    assert r.Q_R <= 0
    assert abs(r.W - (r.W_R + r.Q_R)) < 1e-10 * max(1, abs(r.W_R))
    assert r.W_R >= r.W - 1e-12
    if np.isfinite(r.eta):
        assert -1e-12 <= r.eta <= 1 + 1e-12
    for key, (lo, hi) in r.ranges.items():
        if key != "eta" or np.isfinite(lo):
            assert lo <= hi + 1e-12, key


def test_thermal_laws_random():
    rng = np.random.default_rng(7)
    for _ in range(300):
        d = int(rng.integers(2, 9))
        # integer-ish levels so that ties occur often
        E = rng.integers(-3, 4, d).astype(float) * rng.choice([1.0, 0.5])
        E0 = rng.integers(-3, 4, d).astype(float)
        beta = float(rng.choice([0.0, 0.3, 1.0, 4.0]))
        for rule in ("cheapest", "costliest"):
            r = thermal_recharging(E, E0, beta, tie_rule=rule)
            _check_laws(r)
            lo, hi = r.ranges["Q_R"]
            assert lo - 1e-12 <= r.Q_R <= hi + 1e-12


def _all_tie_orderings(E, E0, beta):
    """W, Q_R for every passive state that permutes the tied levels of H_Q (brute force)."""
    p = np.exp(-beta * (E0 - E0.min()))
    p /= p.sum()
    r = np.sort(p)[::-1]
    order = np.argsort(E, kind="stable")
    groups = [list(grp) for _, grp in itertools.groupby(order, key=lambda i: E[i])]
    out = []
    for perms in itertools.product(*(itertools.permutations(grp) for grp in groups)):
        seq = [i for grp in perms for i in grp]  # level receiving the k-th largest population
        sigma = np.zeros(len(E))
        sigma[seq] = r
        W = p @ E - sigma @ E
        Q = p @ E0 - sigma @ E0
        out.append((W, Q))
    return np.array(out)


def test_tie_ordering_invariance_of_W_and_range_of_Q():
    rng = np.random.default_rng(3)
    for _ in range(60):
        d = int(rng.integers(3, 7))
        E = rng.integers(0, 3, d).astype(float)  # many ties
        E0 = rng.normal(size=d)
        beta = float(rng.uniform(0.2, 2.0))
        brute = _all_tie_orderings(E, E0, beta)
        r = thermal_recharging(E, E0, beta)
        assert np.ptp(brute[:, 0]) < 1e-12, "W depends on the tie ordering"
        assert abs(r.W - brute[0, 0]) < 1e-12
        assert abs(r.ranges["Q_R"][0] - brute[:, 1].min()) < 1e-12
        assert abs(r.ranges["Q_R"][1] - brute[:, 1].max()) < 1e-12
        assert abs(r.Q_R - brute[:, 1].max()) < 1e-12  # cheapest: least heat lost
        assert r.ties_matter == (np.ptp(brute[:, 1]) > 1e-12)
        costly = thermal_recharging(E, E0, beta, tie_rule="costliest")
        assert abs(costly.Q_R - brute[:, 1].min()) < 1e-12
        assert abs(costly.W - r.W) < 1e-12


def test_thermal_matrix_input_and_ergotropy():
    """Matrices in a random common eigenbasis = 1-D levels; W = qbattery's ergotropy of ω."""
    from qbattery.metrics import ergotropy

    rng = np.random.default_rng(11)
    for _ in range(20):
        d = int(rng.integers(3, 8))
        E = rng.integers(-2, 3, d).astype(float)
        E0 = rng.integers(-2, 3, d).astype(float)
        U = la.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))[0]
        HQ, H0 = (U * E) @ U.conj().T, (U * E0) @ U.conj().T
        beta = 0.8
        a, b = thermal_recharging(E, E0, beta), thermal_recharging(HQ, H0, beta)
        for key in ("W", "W_R", "Q_R"):
            assert abs(getattr(a, key) - getattr(b, key)) < 1e-10, key
            assert np.allclose(a.ranges[key], b.ranges[key], atol=1e-10), key
        omega = la.expm(-beta * H0)
        omega /= np.trace(omega)
        assert abs(a.W - ergotropy(omega, HQ)) < 1e-10


def test_thermal_known_cases():
    E = np.array([0.0, 0.3, 1.0, 2.5])
    r = thermal_recharging(E, -E, 0.7)  # H_0 = −H_Q: Q_R = −W, η = 1/2
    assert abs(r.eta - 0.5) < 1e-12 and abs(r.Q_R + r.W) < 1e-12
    for n in (1, 2, 3):  # H_0 = n H_Q: ω is passive, no work
        r = thermal_recharging(E, n * E, 0.7)
        assert r.W == 0 and r.W_R == 0 and np.isnan(r.eta)


@pytest.mark.parametrize("form", ["eq3", "eq11"])
def test_thermal_full_space_against_bruteforce(form):
    """2^N matrices from pair sums (H_0 = ω_q S_z) = irrep levels with multiplicities d_j."""
    from qbattery.operators.spin import irrep_multiplicity, spins_in

    n, beta = 4, 1.0
    Sz = sum(site(SZ, i, n, 2) for i in range(n)) / 2
    for g in (0.3, 2.0, 3.0, 7.5):
        HQ = xy_battery(n, g, 1.0, ordered=(form == "eq3"))
        ref = thermal_recharging(HQ, Sz, beta)
        E, E0, M = [], [], []
        for j in spins_in(n):
            m = np.arange(-j, j + 1)
            E += list(battery_levels(n, m, j, g=g, form=form))
            E0 += list(m)
            M += [irrep_multiplicity(n, j)] * len(m)
        ours = thermal_recharging(np.array(E), np.array(E0), beta, multiplicities=M)
        _check_laws(ours)
        for key in ("W", "W_R", "Q_R"):
            assert abs(getattr(ours, key) - getattr(ref, key)) < 1e-10, (g, key)
            assert np.allclose(ours.ranges[key], ref.ranges[key], atol=1e-10), (g, key)


def test_thermal_threshold_and_linear_growth():
    """W > 0 iff g > N ω_q / (2(N − 1)) (Eq. 3, symmetric manifold); W ∝ g at large g (Eq. 32)."""
    for n in (2, 4, 7):
        m = np.arange(-n / 2, n / 2 + 1)
        g_star = n / (2 * (n - 1))
        below = thermal_recharging(battery_levels(n, m, g=0.99 * g_star), m, 1.0)
        above = thermal_recharging(battery_levels(n, m, g=1.01 * g_star), m, 1.0)
        assert below.W == 0 and above.W > 0
        w = [thermal_recharging(battery_levels(n, m, g=g), m, 1.0).W for g in (200, 400, 800)]
        assert abs((w[2] - w[1]) / (w[1] - w[0]) - 2) < 1e-9  # linear once the order is fixed


# --------------------------------------------------------------------------- analytic/zhang.py


def symmetric_basis(n: int) -> np.ndarray:
    """Columns: the Dicke states |N/2, k − N/2> of n two-level atoms (k excitations) in 2^N."""
    k = np.array([bin(i).count("1") for i in range(2**n)])
    P = np.array([(k == j) / np.sqrt(np.sum(k == j)) for j in range(n + 1)]).T
    return P.astype(complex)


@pytest.mark.parametrize("form", ["eq3", "eq11"])
def test_thermal_recharging_sz_against_matrices(form):
    """Symmetric manifold: H_Q and S_z of the 2^N pair sums projected on the Dicke states; full:
    the 2^N matrices themselves (thermal_recharging's matrix input, no closed-form levels)."""
    n, beta = 4, 1.0
    Sz = sum(site(SZ, i, n, 2) for i in range(n)) / 2
    P = symmetric_basis(n)
    for g in (0.3, 2.0, 3.0, 7.5):
        HQ = xy_battery(n, g, 1.0, ordered=(form == "eq3"))
        for manifold, ref in (
            ("symmetric", thermal_recharging(P.conj().T @ HQ @ P, P.conj().T @ Sz @ P, beta)),
            ("full", thermal_recharging(HQ, Sz, beta)),
        ):
            ours = thermal_recharging_sz(n, g, beta, form, manifold)
            _check_laws(ours)
            for key in ("W", "W_R", "Q_R"):
                assert abs(getattr(ours, key) - getattr(ref, key)) < 1e-10, (manifold, g, key)
                assert np.allclose(ours.ranges[key], ref.ranges[key], atol=1e-10), (g, key)
    with pytest.raises(ValueError, match="manifold"):
        thermal_recharging_sz(n, 1.0, beta, form, "irrep")


@pytest.mark.parametrize("form", ["eq3", "eq11"])
@pytest.mark.parametrize("n", [2, 4, 7])
def test_activity_threshold(form, n):
    """Sec. V.A: ω_β(ω_q S_z) is passive for H_Q below the threshold, active above, at any β > 0."""
    g_star = activity_threshold(n, form)
    for beta in (0.3, 1.0):  # (at large β the active pair's populations underflow: W rounds to 0)
        assert thermal_recharging_sz(n, 0.99 * g_star, beta, form).W == 0
        assert thermal_recharging_sz(n, 1.01 * g_star, beta, form).W > 0
    assert activity_threshold(1, form) == float("inf")


@pytest.mark.parametrize("form", ["eq3", "eq11"])
@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_last_level_crossing(form, n):
    """The largest g where two levels E_m of the symmetric manifold are equal (found from the
    levels by brute force over pairs), and W, W_R affine in g above it (Eq. 32)."""
    m = np.arange(n + 1) - n / 2
    crossings = []
    for a, b in itertools.combinations(range(n + 1), 2):  # E_a − E_b is linear in g: solve it
        e0, e1 = (battery_levels(n, m, g=g, form=form) for g in (0.0, 1.0))
        slope = (e1[a] - e1[b]) - (e0[a] - e0[b])
        if abs(slope) > 1e-12:
            crossings.append(-(e0[a] - e0[b]) / slope)
    assert last_level_crossing(n, form) == pytest.approx(max(crossings), rel=1e-12)
    g = last_level_crossing(n, form) * np.array([1.5, 2.0, 2.5])
    for key in ("W", "W_R"):
        v = [getattr(thermal_recharging_sz(n, x, 1.0, form), key) for x in g]
        assert abs((v[2] - v[1]) - (v[1] - v[0])) < 1e-9 * max(1.0, abs(v[2]))


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize("fig", [2, 3, 4, 5, 6, 7])
def test_quick_targets_run(fig, tmp_path):
    from qbattery.reproduce.registry import Context, load_all, write_output

    targets = load_all()
    name = f"zhang2024-fig{fig}"
    start = time.perf_counter()
    out = targets[name].func(Context(quick=True))
    elapsed = time.perf_counter() - start
    assert out.rows, "a target states the paper's numbers"
    png, js = write_output(name, out, tmp_path)
    assert png.exists() and js.exists()
    assert elapsed < 30, f"{name} --quick took {elapsed:.1f} s"
