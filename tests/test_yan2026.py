"""Yan et al. (2026) Fig. 2 target: exact Dicke-OAT charging, its HP limit and its symmetries."""

from __future__ import annotations

import bruteforce as bf
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from qbattery.analytic import holstein_primakoff as hp  # noqa: E402
from qbattery.problem import build_problem  # noqa: E402
from qbattery.reproduce import yan2026 as yan  # noqa: E402
from qbattery.reproduce import yan2026_fig2  # noqa: E402
from qbattery.reproduce.registry import Context, load_all  # noqa: E402
from qbattery.simulate import evaluate  # noqa: E402
from qbattery.solvers.closed import solve_closed  # noqa: E402


def test_quick_target_runs_and_produces_rows():
    import matplotlib.pyplot as plt

    assert "yan2026-fig2" in load_all()
    out = yan2026_fig2.fig2(Context(quick=True))
    try:
        s = yan.QUICK
        assert out.rows and all(r.quantity for r in out.rows)
        quantities = {r.quantity: r for r in out.rows}
        for stated in (0.12, 0.08, 0.016):  # every number the paper states about Fig. 2
            assert any(r.paper == stated for r in out.rows), stated
        assert quantities["number of atoms N"].ours == s.n_atoms
        data = out.data
        assert data["J"] == list(s.couplings)
        for axis in yan.AXES:
            E = np.asarray(data["energy"][axis])
            assert E.shape == (len(s.couplings), s.points)
            assert np.all(np.isfinite(E)) and np.allclose(E[:, 0], 0)
        # the photon cutoff was checked on every run
        tops = [v for n in data["exact"].values() for a in n.values() for v in a["top_population"]]
        assert max(tops) <= yan.CUTOFF_TOL
    finally:
        plt.close(out.figure)


@pytest.mark.parametrize(("axis", "J"), [("x", -0.5), ("y", 0.5), ("z", 0.4)])
def test_exact_energy_matches_full_tensor_product_bruteforce(axis, J):
    """Independent reference: 2^N spins ⊗ mode, H built from single-site Paulis (tests/bruteforce)."""
    N, dim = 4, 16
    run = yan.exact_charging(axis, J, N, cutoff=dim, t_max=20.0, points=201, adapt=False)
    wc = hp.renormalized_frequency(1.0, J, axis)
    model = bf.dicke_oat(N, dim, 1.0, J, axis, wc, yan.G)
    psi0 = bf.product(bf.ground_state(model.H_B), bf.fock(dim, yan.PHOTONS))
    states = bf.evolve(model.H, psi0, run.t)
    e = bf.battery_energy(model, states)
    np.testing.assert_allclose(run.energy, e - e[0], atol=1e-9)


def test_j0_curves_coincide_for_all_axes():
    """With J = 0 the three models are one Hamiltonian (same ω_c = Δ_k = ω_a, same |G> = all
    down): the curves must agree to rounding; for small J they separate only at O(J)."""
    runs = {a: yan.exact_charging(a, 0.0, 6, cutoff=16, t_max=60, points=601) for a in yan.AXES}
    assert runs["x"].summary["P_first_peak"] is not None  # the window holds the first peak
    for a in ("y", "z"):
        np.testing.assert_allclose(runs[a].energy, runs["x"].energy, atol=1e-12)
        assert runs[a].summary["P_first_peak"] == pytest.approx(
            runs["x"].summary["P_first_peak"], rel=1e-10
        )
    eps = 1e-3
    small = {a: yan.exact_charging(a, eps, 6, cutoff=16, t_max=60, points=601) for a in yan.AXES}
    scale = np.abs(runs["x"].energy).max()
    for a in yan.AXES:
        diff = np.abs(small[a].energy - runs[a].energy).max()
        assert 0 < diff < 50 * eps * scale


@pytest.mark.parametrize("J", [-0.3, 0.3])
def test_y_twisting_equals_x_plus_z_twisting_by_the_casimir(J):
    """In the symmetric manifold S_x² + S_y² + S_z² = j(j+1), so (J/N) S_y² = −(J/N)(S_x² + S_z²)
    + const: the same E(t) (constants cancel) from a battery written with S_x² and S_z²."""
    N, cutoff = 6, 16
    wc = hp.renormalized_frequency(1.0, J, "y")
    run = yan.exact_charging("y", J, N, cutoff=cutoff, t_max=30, points=301, adapt=False)
    spec = {
        "system": {"spins": N, "mode": {"cutoff": cutoff}},
        "parameters": {"omega_a": 1.0, "J": J, "omega_c": wc, "g": yan.G},
        "hamiltonian": {
            "battery": "omega_a*Sz - J/N*Sx^2 - J/N*Sz^2",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*Sx*(a + ad)",
        },
        "initial": {"battery": "ground", "charger": {"fock": yan.PHOTONS}},
        "time": {"t_max": 30, "points": 301},
        "output": {"series": ["energy"]},
    }
    problem = build_problem(spec)
    other = evaluate(problem, solve_closed(problem))
    np.testing.assert_allclose(other.series["energy"], run.energy, atol=1e-10)


def test_exact_approaches_hp_at_small_J():
    """HP regime: at |J| = 0.2 the exact early-time energy converges to the quadratic-boson
    (Eqs. 4-5) solution, the error shrinking roughly as 1/N."""
    ns = (8, 16, 32)
    for axis in yan.AXES:
        for J in (-0.2, 0.2):
            errs = []
            for n in ns:
                run = yan.exact_charging(axis, J, n, cutoff=16, t_max=10.0, points=101)
                ref = yan.hp_energy(run.t, axis, J)
                errs.append(np.abs(run.energy - ref).max() / np.abs(ref).max())
            assert errs[0] > errs[1] > errs[2], (axis, J, errs)
            slope = np.polyfit(np.log(ns), np.log(errs), 1)[0]
            assert slope < -0.6, (axis, J, errs, slope)
            assert errs[-1] < 0.03, (axis, J, errs)


def test_cutoff_is_raised_until_top_fock_levels_are_empty():
    # J_z = 0.9: ω_c = Δ_z = 0.1, close to the z soft-mode point, photons pile up
    run = yan.exact_charging("z", 0.9, 6, cutoff=12, t_max=60, points=301)
    assert run.cutoff > 12
    assert run.top_population <= yan.CUTOFF_TOL
    fixed = yan.exact_charging("z", 0.9, 6, cutoff=12, t_max=60, points=301, adapt=False)
    assert fixed.top_population > yan.CUTOFF_TOL


def test_resonant_cavity():
    with pytest.raises(ValueError):
        yan.resonant_cavity("x", -1.0)
    assert yan.resonant_cavity("z", 0.3) == pytest.approx(0.7)
