"""Figures of merit on plain arrays: power, peaks, passive states and spectra."""

from itertools import product
from math import comb

import numpy as np
import pytest

from qbattery import metrics
from qbattery.operators.spin import irrep_multiplicity, spin_operators, spins_in


def test_average_power_is_zero_at_t0():
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(metrics.average_power(t, t**2), [0, 0.25, 0.5, 0.75, 1.0])


def test_first_peak_ignores_noise_and_plateaus():
    t = np.linspace(0, 10, 1001)
    e = np.sin(t) ** 2
    assert t[metrics.first_peak_index(e)] == pytest.approx(np.pi / 2, abs=0.01)
    assert metrics.first_peak_index(t) is None  # only rises
    wiggle = t + 1e-14 * np.sin(50 * t)
    assert metrics.first_peak_index(wiggle) is None
    flat_top = np.minimum(t, 3.0) - np.maximum(t - 6, 0)
    assert t[metrics.first_peak_index(flat_top)] == pytest.approx(3.0)


def test_summary_without_refinement_uses_the_grid():
    t = np.linspace(0, 4, 401)
    s = metrics.summarize(t, np.sin(t) ** 2)
    assert s["E_max"] == pytest.approx(1, abs=1e-4)
    assert s["tau_first_peak"] == pytest.approx(np.pi / 2, abs=0.01)
    # P = sin²t/t is maximal at tan t = 2t: t* = 1.16556, P* = 0.72461
    assert s["t_P_max"] == pytest.approx(1.16556, abs=0.01)
    assert s["P_max"] == pytest.approx(0.72461, abs=1e-4)


def test_refinement_finds_the_exact_maximum_between_grid_points():
    t = np.linspace(0, 4, 9)
    s = metrics.summarize(t, np.sin(t) ** 2, energy_at=lambda x: np.sin(x) ** 2)
    assert s["t_P_max"] == pytest.approx(1.1655611852, abs=1e-7)
    assert s["P_max"] == pytest.approx(0.7246113538, abs=1e-10)


def test_newton_refinement_finds_the_times_to_round_off():
    """E = sin²t: E_max at π/2, P = sin²t/t maximal where tan t = 2t (t* from a bisection of
    that equation here). Searching the flat values stops near √ε in t; Newton on E' = 0 and on
    tE' − E = 0 with the exact derivatives does not."""
    lo, hi = 1.0, 1.3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.tan(mid) - 2 * mid < 0 else (lo, mid)
    t_star = 0.5 * (lo + hi)

    def slopes(x):
        return np.sin(x) ** 2, np.sin(2 * x), 2 * np.cos(2 * x)

    t = np.linspace(0, 4, 9)
    e = np.sin(t) ** 2
    s = metrics.summarize(t, e, energy_at=lambda x: np.sin(x) ** 2, slopes=slopes)
    assert s["t_P_max"] == pytest.approx(t_star, rel=1e-13)
    assert s["t_E_max"] == pytest.approx(np.pi / 2, rel=1e-13)
    assert s["tau_first_peak"] == pytest.approx(np.pi / 2, rel=1e-13)
    assert s["P_max"] == pytest.approx(np.sin(t_star) ** 2 / t_star, rel=1e-15)
    # a maximum at the end of the grid has no bracket: the value search takes over
    t = np.linspace(0, 1.0, 11)
    s = metrics.summarize(t, np.sin(t) ** 2, energy_at=lambda x: np.sin(x) ** 2, slopes=slopes)
    assert s["t_E_max"] == 1.0


def test_closed_solver_derivatives_match_finite_differences():
    """ClosedEvolution.expect_derivatives against central differences of its own expect."""
    from qbattery.models.central_spin import central_spin
    from qbattery.problem import build_problem
    from qbattery.solvers.closed import ClosedEvolution

    p = build_problem(central_spin(3, 6, B=1.2, h=0.7, A=0.9, Delta=0.4, flipped=4, t_max=2.0))
    ev = ClosedEvolution(p)
    x, h = 0.731, 1e-4
    f, d1, d2 = ev.expect_derivatives(p.H_battery, x)
    e = ev.expect(p.H_battery, np.array([x - h, x, x + h]))
    assert f == pytest.approx(e[1], rel=1e-13)
    assert d1 == pytest.approx((e[2] - e[0]) / (2 * h), rel=1e-7)
    assert d2 == pytest.approx((e[2] - 2 * e[1] + e[0]) / h**2, rel=1e-5)


def test_discharge_has_no_positive_power():
    t = np.linspace(0, 2, 21)
    s = metrics.summarize(t, -t, energy_at=lambda x: -x)
    assert s["P_max"] == 0.0 and s["t_P_max"] == 0.0 and s["tau_first_peak"] is None


def test_passive_energy_pairs_largest_population_with_lowest_level():
    assert metrics.passive_energy([0.1, 0.7, 0.2], [5.0, 0.0, 1.0]) == pytest.approx(0.2 + 0.5)
    # more levels than populations: the extra levels are empty
    assert metrics.passive_energy([1.0], [3.0, -1.0, 2.0]) == pytest.approx(-1.0)


def test_ergotropy_of_pure_and_thermal_states():
    H = np.diag([0.0, 1.0, 3.0])
    psi = np.array([0, 0, 1.0])
    assert metrics.ergotropy(np.outer(psi, psi), H) == pytest.approx(3.0)
    gibbs = np.diag(np.exp(-np.diag(H)))
    assert metrics.ergotropy(gibbs / gibbs.trace(), H) == pytest.approx(0.0, abs=1e-14)
    rho = np.diag([0.2, 0.5, 0.3])
    sigma = metrics.passive_state(rho, H)
    np.testing.assert_allclose(np.diag(sigma), [0.5, 0.3, 0.2])


def pauli_sum_spectrum(n, h_of_ops):
    """Brute force: build collective operators from single-site Paulis and diagonalize."""
    sx = np.array([[0, 1], [1, 0]]) / 2
    sy = np.array([[0, -1j], [1j, 0]]) / 2
    sz = np.diag([0.5, -0.5])

    def site(op, i):
        out = np.eye(1)
        for k in range(n):
            out = np.kron(out, op if k == i else np.eye(2))
        return out

    S = {k: sum(site(o, i) for i in range(n)) for k, o in zip("xyz", (sx, sy, sz), strict=True)}
    return np.sort(np.linalg.eigvalsh(h_of_ops(S)))


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_collective_spectrum_matches_the_2N_space(n):
    def h(S):
        return S["z"] - 0.7 / n * S["x"] @ S["x"] + 0.3 * S["y"] @ S["y"]

    def h_for_spin(j):
        ops = spin_operators(j)
        x, y, z = (ops[k].toarray() for k in "xyz")
        return z - 0.7 / n * x @ x + 0.3 * y @ y

    full = pauli_sum_spectrum(n, h)
    spectra = [(j, np.linalg.eigvalsh(h_for_spin(j))) for j in spins_in(n)]
    np.testing.assert_allclose(metrics.collective_spectrum(spectra, n, 2**n), full, atol=1e-12)
    np.testing.assert_allclose(
        metrics.collective_spectrum(spectra, n, n + 1), full[: n + 1], atol=1e-12
    )


def test_irrep_multiplicities_count_all_states():
    for n in range(1, 12):
        total = sum(
            irrep_multiplicity(n, j) * (2 * j + 1) for j in np.arange(n % 2 / 2, n / 2 + 0.1)
        )
        assert total == 2**n


def test_two_level_spectrum_has_binomial_multiplicities():
    levels = metrics.two_level_spectrum(2.0, 4, 16)
    expected = sorted(2.0 * (sum(c) - 2) for c in product([0, 1], repeat=4))
    np.testing.assert_allclose(levels, expected)
    assert list(levels).count(-2.0) == comb(4, 1)


def test_purity_of_pure_and_mixed_states():
    psi = np.array([1.0, 1.0j]) / np.sqrt(2)
    assert metrics.purity(np.outer(psi, psi.conj())) == pytest.approx(1.0)
    assert metrics.purity(np.eye(4) / 4) == pytest.approx(0.25)


# --------------------------------------------------------------------------- lowest levels


def test_lowest_levels_sorts_and_cuts_at_the_count():
    levels, counts = metrics.lowest_levels([2.0, -1.0, 0.5], [3, 2, 10], 6)
    np.testing.assert_allclose(levels, [-1.0, 0.5])
    np.testing.assert_allclose(counts, [2, 4])
    np.testing.assert_allclose(metrics.expand_levels(levels, counts), [-1, -1, 0.5, 0.5, 0.5, 0.5])


def test_log_multiplicities_match_the_exact_integers_and_stay_finite():
    for n in (1, 6, 13, 40):
        for j in spins_in(n):
            exact = irrep_multiplicity(n, j)
            assert np.exp(metrics.log_irrep_multiplicity(n, j)) == pytest.approx(exact, rel=1e-10)
    assert np.isfinite(metrics.log_irrep_multiplicity(100_000, 0.0))


@pytest.mark.parametrize("n", [4, 5])
def test_sz_levels_match_the_2N_space(n):
    full = pauli_sum_spectrum(n, lambda S: S["z"] + 0.3 * S["z"] @ S["z"])
    k = np.arange(n + 1)
    diagonal = (k - n / 2) + 0.3 * (k - n / 2) ** 2
    for count in (n + 1, 2**n):
        levels = metrics.expand_levels(*metrics.sz_levels(diagonal, count))
        np.testing.assert_allclose(levels, full[:count], atol=1e-12)


@pytest.mark.parametrize("n", [4, 5, 6])
def test_lowest_collective_levels_match_the_2N_space(n):
    def h(S):
        return S["z"] - 0.7 / n * S["x"] @ S["x"] + 0.3 * S["y"] @ S["y"]

    def lowest(j, m):
        ops = spin_operators(j)
        x, y, z = (ops[k].toarray() for k in "xyz")
        return np.linalg.eigvalsh(z - 0.7 / n * x @ x + 0.3 * y @ y)[:m]

    full = pauli_sum_spectrum(n, h)
    for count in (n + 1, 2**n):
        levels = metrics.expand_levels(*metrics.lowest_collective_levels(lowest, n, count))
        np.testing.assert_allclose(levels, full[:count], atol=1e-12)


SPIN_BATTERIES = {
    "Sz + 0.3*Sz^2": lambda S: S["z"] + 0.3 * S["z"] @ S["z"],  # f(S_z): the binomial path
    "Sz - 0.7/5*Sx^2 + 0.3*Sy^2": lambda S: S["z"] - 0.14 * S["x"] @ S["x"] + 0.3 * S["y"] @ S["y"],
}


@pytest.mark.parametrize("battery", SPIN_BATTERIES)
def test_spin_battery_levels_of_a_problem_match_the_2N_space(battery):
    from qbattery.problem import build_problem
    from qbattery.simulate import spin_battery_levels

    n = 5
    spec = {
        "system": {"spins": n},
        "hamiltonian": {"battery": battery},
        "initial": {"battery": "down"},
        "time": {"t_max": 1.0},
    }
    full = pauli_sum_spectrum(n, SPIN_BATTERIES[battery])
    levels = spin_battery_levels(build_problem(spec), n + 1)
    np.testing.assert_allclose(metrics.expand_levels(*levels), full[: n + 1], atol=1e-12)


@pytest.mark.parametrize("battery", ["Sz", "Sz + 0.3/N*Sx^2"])
def test_ergotropy_of_a_large_symmetric_battery_builds_no_2N_object(battery):
    """400 spins (2^400 states; H_B on all irreps at once would be a dense 40 401² matrix): ρ_B
    stays pure without a charger, so its ergotropy is E_B(t) minus the 2^N ground energy, which
    lies in the symmetric manifold here (S_x² ≥ 0 only raises the smaller irreps, whose S_z ≥ −j
    is higher)."""
    import scipy.sparse as sp

    import qbattery
    from qbattery.operators.spin import spin_operators as ops_of

    n = 400
    spec = {
        "system": {"spins": n},
        "hamiltonian": {"battery": battery, "coupling": "0.4*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": 3.0, "points": 21},
        "output": {"series": ["energy", "ergotropy"]},
    }
    result = qbattery.simulate(spec)
    ops = ops_of(n / 2)
    H = ops["z"] + (
        0.3 / n * ops["x"] @ ops["x"] if "Sx" in battery else sp.csr_matrix((n + 1,) * 2)
    )
    ground = np.linalg.eigvalsh(H.toarray())[0]
    e_battery = result.energy + result.summary["E_initial"]
    np.testing.assert_allclose(result.ergotropy, e_battery - ground, atol=1e-9)


@pytest.mark.parametrize("power", [False, True])
@pytest.mark.parametrize("omega", [1.0, 3.7, 40.0])
def test_refine_stationary_converges_in_a_few_newton_steps(power, omega):
    """E(t) = 1 − cos ωt: E is largest at t = π/ω, E/t where ωt sin ωt = 1 − cos ωt (ωt ≈ 2.33,
    found here by bisection); the Newton iteration stops once its step is at rounding (it once
    bisected ~40 more times when a converged step landed on the bracket's end)."""
    calls = []

    def slopes(x):
        calls.append(x)
        return 1 - np.cos(omega * x), omega * np.sin(omega * x), omega**2 * np.cos(omega * x)

    if power:
        lo, hi = 0.5 * np.pi / omega, np.pi / omega
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            g = mid * omega * np.sin(omega * mid) - (1 - np.cos(omega * mid))
            lo, hi = (mid, hi) if g > 0 else (lo, mid)
        exact = 0.5 * (lo + hi)
    else:
        exact = np.pi / omega
    t = np.linspace(0, 5 / omega, 31)
    values = (1 - np.cos(omega * t)) / np.where(t > 0, t, 1) if power else 1 - np.cos(omega * t)
    i = int(np.argmax(values[1:]) + 1)
    found = metrics.refine_stationary(slopes, t, i, power)
    assert found is not None
    assert abs(found[0] - exact) <= 4e-15 * max(exact, 1.0)
    assert len(calls) <= 10
