"""The closed solver's three paths (eigen, Chebyshev, ODE), sectors, mixtures and conservation laws."""

import numpy as np
import pytest
from scipy.linalg import expm

import qbattery
from qbattery.operators.symmetry import conserved_charges, excitation_number
from qbattery.problem import build_problem
from qbattery.solvers import closed, closed_plan


def tc_spec(**kw):
    return qbattery.models.tavis_cummings(3, g=0.7, photons=3, cutoff=8, t_max=6.0, points=61, **kw)


def test_sectors_follow_the_excitation_number():
    problem = build_problem(tc_spec())
    evo = closed.ClosedEvolution(problem)
    q = excitation_number(problem)
    assert set(conserved_charges(problem)) == {"excitation_number", "parity"}
    # every connected block of H has a single excitation number
    for label in np.unique(evo.labels):
        assert len(np.unique(q[evo.labels == label])) == 1
    dicke = build_problem(qbattery.models.dicke_oat(3, J=-0.4, photons=2, cutoff=8, points=5))
    assert conserved_charges(dicke) == ["parity"]
    assert len(np.unique(closed.ClosedEvolution(dicke).labels)) == 2


def test_eigen_path_matches_dense_matrix_exponential():
    problem = build_problem(tc_spec())
    evo = closed.ClosedEvolution(problem)
    H = problem.H_static.toarray()
    psi0 = problem.initial[0][1]
    Hb = problem.H_battery.toarray()
    for k in (7, 33, 60):
        psi = expm(-1j * H * problem.times[k]) @ psi0
        assert evo.expect(problem.H_battery)[k] == pytest.approx(
            np.vdot(psi, Hb @ psi).real, abs=1e-10
        )


def test_chebyshev_path_matches_eigen_path(monkeypatch):
    spec = qbattery.models.dicke_oat(4, J=-0.5, photons=3, cutoff=12, t_max=5.0, points=51)
    eigen = qbattery.simulate(spec)
    monkeypatch.setattr(closed_plan, "ALWAYS_DENSE", 0)
    monkeypatch.setattr(closed_plan, "DENSE_LIMIT", 10)
    krylov = qbattery.simulate(spec)
    assert krylov.info["method"] == "chebyshev"
    np.testing.assert_allclose(krylov.energy, eigen.energy, atol=1e-9)
    np.testing.assert_allclose(krylov.ergotropy, eigen.ergotropy, atol=1e-9)


def test_ode_path_reproduces_a_resonant_rabi_flop():
    # H = w Sz + 2 W cos(w t) Sx on one atom: in the RWA the excited population is sin²(W t / 2)·...
    # compare instead with the same drive integrated by a fine dense propagator
    spec = {
        "system": {"spins": 1},
        "parameters": {"w": 1.0, "W": 0.3},
        "hamiltonian": {"battery": "w*Sz", "dynamics": "w*Sz + 2*W*cos(w*t)*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": 4.0, "points": 41},
        "output": {"series": ["energy"]},
    }
    result = qbattery.simulate(spec)
    assert result.info["method"] == "ode"
    sz = np.diag([-0.5, 0.5]).astype(complex)
    sx = np.array([[0, 0.5], [0.5, 0]], dtype=complex)
    psi = np.array([1, 0], dtype=complex)
    dt, energies = 1e-3, [psi.conj() @ sz @ psi]
    for step in range(4000):
        t_mid = (step + 0.5) * dt
        psi = expm(-1j * dt * (sz + 0.6 * np.cos(t_mid) * sx)) @ psi
        if (step + 1) % 100 == 0:
            energies.append((psi.conj() @ sz @ psi).real)
    np.testing.assert_allclose(result.energy, np.array(energies).real + 0.5, atol=2e-6)


def test_thermal_charger_is_a_mixture_of_fock_trajectories():
    base = qbattery.models.tavis_cummings(2, photons=0, cutoff=50, t_max=3.0, points=31)
    base["initial"]["charger"] = {"thermal": 1.5}
    mixed = qbattery.simulate(base)
    nbar = 1.5
    p_all = nbar ** np.arange(50) / (1 + nbar) ** (np.arange(50) + 1)
    expected = np.zeros(31)
    for n in range(50):
        p = p_all[n] / p_all.sum()  # the truncated distribution, renormalized
        spec = qbattery.models.tavis_cummings(2, photons=n, cutoff=50, t_max=3.0, points=31)
        expected += p * qbattery.simulate(spec).energy
    np.testing.assert_allclose(mixed.energy, expected, atol=1e-9)


def test_total_energy_is_conserved():
    spec = qbattery.models.dicke_oat(4, J=0.7, axis="y", photons=4, cutoff=20, t_max=8.0, points=81)
    spec["output"]["series"] = ["energy", "charger_energy", "interaction_energy"]
    r = qbattery.simulate(spec)
    total = r.energy + r.charger_energy + r.interaction_energy
    np.testing.assert_allclose(total, total[0], atol=1e-9)


def test_maxima_are_refined_between_grid_points():
    coarse = qbattery.simulate(qbattery.models.central_spin(3, 5, t_max=2.0, points=41))
    fine = qbattery.simulate(qbattery.models.central_spin(3, 5, t_max=2.0, points=4001))
    for key in ("P_max", "t_P_max", "E_max", "tau_first_peak"):
        assert coarse.summary[key] == pytest.approx(fine.summary[key], rel=1e-7)


def test_coherent_spin_state_points_along_theta_phi():
    from qbattery.operators.spin import coherent_spin_state, spin_operators

    j, theta, phi = 2.5, 1.1, 0.7
    psi = coherent_spin_state(j, theta, phi)
    ops = spin_operators(j)
    mean = [np.vdot(psi, ops[k] @ psi).real for k in "xyz"]
    expected = j * np.array(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)]
    )
    np.testing.assert_allclose(mean, expected, atol=1e-12)


def test_a_drive_that_vanishes_identically_is_static():
    spec = qbattery.models.tavis_cummings(2, photons=1, cutoff=4, t_max=1.0, points=11)
    spec["parameters"]["kappa"] = 0.0
    spec["hamiltonian"]["coupling"] = "g/sqrt(N)*exp(-kappa*t/2)*(Sp*a + Sm*ad)"
    assert qbattery.simulate(spec).info["method"] == "eigen"


def test_a_too_small_cutoff_is_reported_with_a_larger_one():
    # the counter-rotating Dicke coupling creates photons beyond the initial |4>
    spec = qbattery.models.dicke_oat(4, J=0.0, g=1.5, photons=4, cutoff=6, t_max=5.0, points=51)
    result = qbattery.simulate(spec)
    assert result.info["max_top_fock_population"] > 1e-6
    assert any("mode.cutoff = 11" in w for w in result.warnings)
    spec["system"]["mode"]["cutoff"] = 40
    assert qbattery.simulate(spec).info["max_top_fock_population"] < 1e-6


def test_truncation_is_exact_when_the_excitation_number_bounds_the_photons():
    # Tavis-Cummings from |down> x |4>: at most 4 photons ever, so cutoff 5 is exact
    spec = qbattery.models.tavis_cummings(4, g=1.0, photons=4, cutoff=5, t_max=5.0, points=51)
    result = qbattery.simulate(spec)
    assert result.info["truncation"].startswith("exact") and not result.warnings


def test_problem_hamiltonian_at_t_adds_the_drive():
    spec = {
        "system": {"spins": 2},
        "parameters": {"w": 1.0, "W": 0.3},
        "hamiltonian": {"battery": "w*Sz", "dynamics": "w*Sz + W*cos(t)*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": 1.0, "points": 3},
    }
    p = build_problem(spec)
    sx = p.battery.operators["Sx"].toarray()
    expected = p.H_battery.toarray() + 0.3 * np.cos(0.7) * sx
    np.testing.assert_allclose(p.hamiltonian(0.7).toarray(), expected, atol=1e-14)


@pytest.mark.parametrize(
    "t",
    [
        np.linspace(0.0, 40.0, 5001),  # uniform: factored exponentials
        np.linspace(1.5, 2.5, 17),
        np.r_[0.0, np.sort(np.random.default_rng(0).uniform(0, 40, 99))],  # not uniform
        np.array([0.7]),
    ],
)
def test_phases_are_the_exponentials_on_any_grid(t):
    from qbattery.solvers.closed import phases

    energies = np.random.default_rng(1).normal(scale=20.0, size=37)
    direct = np.exp(-1j * np.outer(t, energies))
    # both round t_k·E differently: ~eps·|E|·t apart, nothing more
    assert np.max(np.abs(phases(t, energies) - direct)) < 64 * np.finfo(float).eps * 60 * 40


def test_lowest_eigenvalues_of_a_diagonal_matrix_are_its_sorted_entries():
    import scipy.sparse as sp

    from qbattery.simulate import lowest_eigenvalues

    d = np.random.default_rng(2).normal(size=9)
    H = sp.diags(d.astype(complex), 0, format="csr")
    assert np.array_equal(lowest_eigenvalues(H), np.sort(d))
    assert np.array_equal(lowest_eigenvalues(-H, 2), np.sort(-d)[:2])
    dense = np.diag(d) + np.diag(np.full(8, 0.3), 1) + np.diag(np.full(8, 0.3), -1)
    assert np.allclose(lowest_eigenvalues(sp.csr_matrix(dense), 3), np.linalg.eigvalsh(dense)[:3])
