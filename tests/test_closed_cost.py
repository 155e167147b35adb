"""The closed solver's cost-based paths: Chebyshev propagation, dropped sectors, the 2^N ground
check per irrep and the memory-capped time chunks, each against an independent computation."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import expm

import qbattery
from qbattery import resources
from qbattery.initial_states import ground_outside_symmetric
from qbattery.metrics import collective_spectrum
from qbattery.problem import build_problem
from qbattery.solvers import closed, closed_plan
from qbattery.solvers.chebyshev import ChebyshevPropagator, gershgorin


def random_hermitian(n, seed, complex_=False):
    rng = np.random.default_rng(seed)
    A = sp.random(n, n, density=0.03, random_state=seed)
    H = 2.0 * (A + A.T) + sp.diags(5.0 * rng.standard_normal(n))
    if complex_:
        B = sp.random(n, n, density=0.03, random_state=seed + 1)
        H = H + 1j * (B - B.T)
    return sp.csr_matrix(H)


@pytest.mark.parametrize("complex_", [False, True])
def test_chebyshev_matches_the_dense_exponential(complex_):
    H = random_hermitian(120, 3, complex_)
    rng = np.random.default_rng(0)
    psi = rng.standard_normal((120, 2)) + 1j * rng.standard_normal((120, 2))
    psi /= np.linalg.norm(psi, axis=0)
    P = ChebyshevPropagator(H)
    evals = np.linalg.eigvalsh(H.toarray())
    assert P.b - P.a <= evals[0] and evals[-1] <= P.b + P.a  # the bounds hold the spectrum
    offsets = np.array([0.05, 0.3, -0.7, 2.5, 11.0])
    out = P.propagate(psi, offsets)
    for state, tau in zip(out, offsets, strict=True):
        ref = expm(-1j * tau * H.toarray()) @ psi
        assert np.abs(state - ref).max() < 1e-12
    np.testing.assert_allclose(P.step(psi[:, 0], 0.3), out[1][:, 0], atol=1e-13)


def test_gershgorin_contains_the_spectrum():
    H = random_hermitian(80, 7, True)
    lo, hi = gershgorin(H)
    evals = np.linalg.eigvalsh(H.toarray())
    assert lo <= evals[0] and evals[-1] <= hi


def force_chebyshev(monkeypatch):
    monkeypatch.setattr(closed_plan, "ALWAYS_DENSE", 0)
    monkeypatch.setattr(closed_plan, "chebyshev_cost", lambda *a, **k: 0.0)


def test_forced_chebyshev_agrees_with_dense_eigen_propagation(monkeypatch):
    spec = qbattery.models.dicke_oat(
        5, J=-0.5, photons=3, cutoff=14, t_max=20.0, points=401,
        series=("energy", "energy_std", "ergotropy", "purity"),
    )  # fmt: skip
    problem = build_problem(spec)
    H = problem.H_static.toarray()
    psi0 = problem.initial[0][1]
    # independent reference: eigh of the whole (dense) H
    E, V = np.linalg.eigh(H)
    c = V.conj().T @ psi0
    states = (np.exp(-1j * np.outer(problem.times, E)) * c) @ V.T
    Hb = problem.H_battery.toarray()
    ref = np.einsum("ti,ij,tj->t", states.conj(), Hb, states).real

    force_chebyshev(monkeypatch)
    evo = closed.ClosedEvolution(problem)
    assert evo.info["method"] == "chebyshev"
    assert all(s["method"] == "chebyshev" for s in evo.info["sectors_used"])
    np.testing.assert_allclose(evo.expect(problem.H_battery), ref, atol=1e-9)
    # an operator not anticipated by the first pass, and one coupling the sectors
    Hc = problem.H_charger.toarray()
    np.testing.assert_allclose(
        evo.expect(problem.H_charger),
        np.einsum("ti,ij,tj->t", states.conj(), Hc, states).real, atol=1e-9,
    )  # fmt: skip
    X = sp.csr_matrix(np.ones_like(H) / len(H))
    np.testing.assert_allclose(
        evo.expect(X), np.einsum("ti,ij,tj->t", states.conj(), X.toarray(), states).real, atol=1e-9
    )
    # off the grid (what refining P_max asks), forwards and backwards from the grid points
    t = np.array([0.013, 7.77, 13.3331, 19.99])
    psi_t = (np.exp(-1j * np.outer(t, E)) * c) @ V.T
    np.testing.assert_allclose(
        evo.expect(problem.H_battery, t),
        np.einsum("ti,ij,tj->t", psi_t.conj(), Hb, psi_t).real, atol=1e-9,
    )  # fmt: skip
    # the reduced states, chunk by chunk
    dB, dC = problem.dims
    for rows, rho in evo.battery_states():
        m = states[rows].reshape(-1, dB, dC)
        np.testing.assert_allclose(rho, np.einsum("tbc,tdc->tbd", m, m.conj()), atol=1e-9)

    # and the whole run against the eigen path
    cheb = qbattery.simulate(spec)
    monkeypatch.undo()
    eigen = qbattery.simulate(spec)
    assert eigen.info["method"] == "eigen" and cheb.info["method"] == "chebyshev"
    for name in ("energy", "energy_std", "ergotropy", "purity"):
        np.testing.assert_allclose(cheb.series[name], eigen.series[name], atol=1e-9)
    assert cheb.summary["P_max"] == pytest.approx(eigen.summary["P_max"], abs=1e-9)
    assert cheb.summary["t_P_max"] == pytest.approx(eigen.summary["t_P_max"], abs=1e-6)


def test_a_mixture_on_the_chebyshev_path(monkeypatch):
    spec = qbattery.models.tavis_cummings(2, photons=0, cutoff=30, t_max=4.0, points=81)
    spec["initial"]["charger"] = {"thermal": 0.5}
    eigen = qbattery.simulate(spec)
    force_chebyshev(monkeypatch)
    cheb = qbattery.simulate(spec)
    assert cheb.info["method"] == "chebyshev"
    np.testing.assert_allclose(cheb.energy, eigen.energy, atol=1e-9)
    np.testing.assert_allclose(cheb.ergotropy, eigen.ergotropy, atol=1e-9)


def test_a_sector_with_round_off_weight_is_dropped_and_reported():
    problem = build_problem(qbattery.models.dicke_oat(4, J=-0.5, photons=2, cutoff=10, points=41))
    psi = problem.initial[0][1]
    labels = closed_plan.sector_labels(closed_plan._fold_constant_drives(problem)[0])
    home = labels[np.argmax(np.abs(psi))]
    other = np.flatnonzero(labels != home)
    # parity: the other sector holds round-off of the numerical ground state only
    assert len(other) and np.vdot(psi[other], psi[other]).real < 1e-28
    clean = psi.copy()
    clean[other] = 0.0
    problem.initial = [(1.0, clean)]
    reference = closed.ClosedEvolution(problem).expect(problem.H_battery)

    tainted = clean.copy()
    tainted[other[3]] = 1e-16  # weight 1e-32: round-off
    problem.initial = [(1.0, tainted)]
    evo = closed.ClosedEvolution(problem)
    assert len(evo.info["sectors_used"]) == 1
    (dropped,) = evo.info["sectors_dropped"]
    assert dropped["size"] == len(other)
    assert dropped["weight"] == pytest.approx(1e-32, rel=1e-12)
    np.testing.assert_allclose(evo.expect(problem.H_battery), reference, atol=1e-14)

    tainted[other[3]] = 1e-6  # weight 1e-12: real, kept
    evo = closed.ClosedEvolution(problem)
    assert len(evo.info["sectors_used"]) == 2 and not evo.info["sectors_dropped"]


def test_the_cost_model_prefers_propagation_for_large_sectors():
    # small: eigen whatever the window; a long window on a large sparse block: Chebyshev
    assert closed_plan.eigen_cost(200, 3001) < closed_plan.chebyshev_cost(
        200, 1400, 50.0, 300.0, 3001
    )
    assert closed_plan.eigen_cost(4020, 3001) > 5 * closed_plan.chebyshev_cost(
        4020, 28000, 116.0, 300, 3001
    )


@pytest.mark.parametrize(
    "battery",
    ["omega_a*Sz + J/N*Sx^2", "omega_a*Sz - 2*J/N*Sx^2", "J*Sx^2 - Sz^2", "omega_a*Sz"],
)
def test_the_ground_check_per_irrep_matches_all_irreps_at_once(battery):
    spec = qbattery.models.dicke_oat(6, J=-0.6, photons=2, cutoff=6, points=5)
    spec["hamiltonian"]["battery"] = battery
    try:
        problem = build_problem(spec)
    except qbattery.SpecError:  # a degenerate symmetric ground state is refused upstream
        pytest.skip("degenerate on the symmetric manifold")
    # the former dense way: H_B on every irrep at once, all levels with multiplicity
    full = collective_spectrum(problem.battery_spin_spectra, 6, 2)
    sym = np.linalg.eigvalsh(problem.H_battery_local.toarray())[0]
    tol = 1e-9 * max(1.0, abs(sym))
    expected = full[0] < sym - tol or full[1] - full[0] < tol
    assert bool(ground_outside_symmetric(problem)) == expected


def test_the_ground_check_needs_no_dense_irrep_matrix():
    spec = qbattery.models.dicke_oat(400, J=-0.3, photons=2, cutoff=6, t_max=1.0, points=11)
    parts = resources.spec_parts(qbattery.spec.validate_spec(spec), "closed")
    assert not any("2^N ground state" in p.what for p in parts)
    assert max(p.nbytes for p in parts) < 2**30


def test_time_chunks_keep_the_reduced_states_in_memory():
    assert closed_plan.time_chunk(3001, 801 * 40, 1, 801) == 1  # N = 800: one ρ_B at a time
    chunk = closed_plan.time_chunk(3001, 201 * 40, 1, 201)
    assert 1 < chunk < closed_plan.TIME_CHUNK
    assert chunk * 3 * 201**2 * 16 <= closed_plan.CHUNK_BYTES
    assert closed_plan.time_chunk(3001, 100, 1, 10) == closed_plan.TIME_CHUNK


def test_an_operator_is_hashed_once_however_often_it_is_evaluated(monkeypatch):
    """Refining P_max evaluates H_B at dozens of times: its content key is computed once."""
    problem = build_problem(qbattery.models.dicke_oat(4, J=-0.5, photons=2, cutoff=10, points=41))
    evo = closed.ClosedEvolution(problem)
    calls = []
    real = closed._op_key
    monkeypatch.setattr(closed, "_op_key", lambda op: calls.append(op) or real(op))
    values = [evo.expect(problem.H_battery, [0.1 * k])[0] for k in range(10)]
    assert len(calls) == 1
    copy = problem.H_battery.copy()  # another object, same content: same numbers
    assert [evo.expect(copy, [0.1 * k])[0] for k in range(10)] == values
    assert len(calls) == 2


def test_derivatives_on_the_chebyshev_path_match_the_eigenbasis(monkeypatch):
    """(E, E', E'') at off-grid times from a Chebyshev sector's state and its sparse H, against
    the eigen path's, and the summary's Newton refinement that uses them."""
    spec = qbattery.models.dicke_oat(
        5, J=-0.5, photons=3, cutoff=14, t_max=20.0, points=401, series=("energy",)
    )
    problem = build_problem(spec)
    eigen = closed.ClosedEvolution(problem)
    force_chebyshev(monkeypatch)
    cheb = closed.ClosedEvolution(problem)
    assert eigen.info["method"] == "eigen" and cheb.info["method"] == "chebyshev"
    scale = float(np.abs(problem.H_static.data).max())
    for x in (0.013, 3.3, 7.77, 19.99):
        e, c = (
            eigen.expect_derivatives(problem.H_battery, x),
            cheb.expect_derivatives(problem.H_battery, x),
        )
        assert c is not None
        np.testing.assert_allclose(c, e, rtol=0, atol=1e-8 * scale**2)
    X = sp.csr_matrix(np.ones((problem.dim, problem.dim)))  # couples the parity sectors
    assert cheb.expect_derivatives(X, 1.0) is None
    refined = qbattery.simulate(spec)
    assert refined.info["method"] == "chebyshev"
    monkeypatch.undo()
    exact = qbattery.simulate(spec)
    for k in ("t_P_max", "P_max", "t_E_max", "E_max", "tau_first_peak"):
        assert refined.summary[k] == pytest.approx(exact.summary[k], rel=1e-9), k
