"""Canzio et al. (2024) Figs. 2-6 (reproduce/canzio2024.py, canzio2024_dynamics.py): quick targets
and physics that can fail.

* every quick target runs, draws a figure, writes its PNG and JSON and states rows;
* Tavis-Cummings: the switching cost at τ vanishes (Fig. 6a) and the stationary state of Eq. 3 is
  vacuum ⊗ all down (App. A, Eq. A2: ⟨H⟩_ss = 0, also from the interacting ground state of Fig. 2);
* Dicke: the stationary ⟨H_B⟩ does not depend on the charger's initial energy (Sec. IV);
* δE_OFF→ON(0) = 0 for both couplings (Sec. III);
* scan points (ℰ_max, τ, locked energies, δE(τ)) against the full 2^N ⊗ mode Lindblad evolution
  of tests/bruteforce.py, with explicit local collapse operators;
* Eq. 9's bound (qbattery.analytic.canzio) against App. B's counting and the runs' summaries.
"""

from __future__ import annotations

import bruteforce as bf
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from qbattery.analytic.canzio import locked_energy_bound  # noqa: E402
from qbattery.models import canzio  # noqa: E402
from qbattery.problem import build_problem  # noqa: E402
from qbattery.reproduce import canzio2024 as cz  # noqa: E402
from qbattery.reproduce.registry import Context, load_all, write_output  # noqa: E402
from qbattery.solvers.permutational import steady_state  # noqa: E402

NAMES = [f"canzio2024-fig{k}" for k in (2, 3, 4, 5, 6)]


@pytest.fixture(scope="module")
def outputs():
    targets = load_all()
    return {name: targets[name].func(Context(quick=True)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_quick_target_writes_figure_and_rows(outputs, name, tmp_path):
    out = outputs[name]
    assert out.figure is not None and out.figure.axes
    assert out.rows and all(r.quantity for r in out.rows)
    for ax in out.figure.axes:
        assert ax.get_xlabel().startswith("$") and ax.get_ylabel().startswith("$")
    png, js = write_output(name, out, tmp_path)
    assert png.stat().st_size > 10_000 and js.exists()


def test_tavis_cummings_switching_cost_vanishes(outputs):
    """Fig. 6(a): δE_ON→OFF(τ) = −Tr[ρ(τ) H_I] = 0 for every quick TC run, both normalisations."""
    for key in ("tc_normalized", "tc_bare"):
        for noise, d in outputs["canzio2024-fig5"].data["scans"][key].items():
            assert np.max(np.abs(d["switching_cost_at_tau"])) < 1e-10, (key, noise)
    # ... while the Dicke coupling pays a finite cost (the row compares N scaling)
    dicke = outputs["canzio2024-fig6"].data["scans"]["dicke_normalized"]["green"]
    assert np.all(np.abs(dicke["switching_cost_at_tau"]) > 1e-3)


def test_switch_on_cost_is_zero(outputs):
    for data in outputs["canzio2024-fig5"].data["scans"].values():
        for d in data.values():
            assert np.max(np.abs(d["switching_cost_at_0"])) < 1e-12


def test_fig2_tavis_cummings_steady_state_is_vacuum_all_down(outputs):
    """App. A: from the interacting ground state, the stationary state is |∅⟩⊗|↓⟩^⊗N, ⟨H⟩ = 0,
    while the initial (ground) energy is negative: the local dissipators heat the system."""
    tc = outputs["canzio2024-fig2"].data["tc"]
    assert tc["H_ss"] == pytest.approx(0.0, abs=1e-10)
    for part in ("battery", "charger", "coupling"):
        assert tc["ss"][part] == pytest.approx(0.0, abs=1e-10)
    assert tc["H"][0] < -0.5
    assert tc["H"][-1] > tc["H"][0] + 0.5


def test_tavis_cummings_steady_state_from_a_coherent_charger():
    spec = canzio(3, coupling="tc", kappa=0.15, gamma_phi=0.1, gamma_down=0.1)
    ss = steady_state(build_problem(spec))
    for part in ("battery", "charger", "coupling"):
        assert abs(ss.expect_part(part)) < 1e-10


def test_dicke_steady_state_does_not_depend_on_the_charger_energy():
    """Sec. IV: a unique Dicke steady state, whatever the charger's initial energy (|α|² = 0.5, 3)."""
    values = []
    for m in (0.5, 3.0):  # one cutoff, so one generator
        spec = canzio(
            2, coupling="dicke", m=m, kappa=0.15, gamma_phi=0.1, gamma_down=0.1, cutoff=20
        )
        ss = steady_state(build_problem(spec))
        values.append([ss.expect_part(k) for k in ("battery", "charger", "coupling")])
    np.testing.assert_allclose(values[0], values[1], atol=1e-8)
    assert values[0][0] > 1e-3  # not the all-down state: the counter-rotating terms keep charging


def test_scan_points_are_cached():
    a = cz.point("tc", False, "green", 2, True)
    assert cz.point("tc", False, "green", 2, True) is a


@pytest.mark.parametrize(("coupling", "n"), [("dicke", 2), ("tc", 3)])
def test_scan_point_against_the_full_space(coupling, n):
    """Every noise channel on: the cached scan point against tests/bruteforce.py on the same grid."""
    p = cz.point(coupling, False, "red", n, True)
    cutoff = p["cutoff"]
    model = bf.canzio(n, cutoff, coupling)
    psi = bf.product(bf.spins_down(n), bf.coherent(cutoff, np.sqrt(n)))
    collapse = bf.local_collapse(n, cutoff, kappa=0.15, gamma_down=0.1, gamma_phi=0.1)
    times = np.linspace(0, p["t_max"], cz.QUICK_POINTS)
    rhos = bf.lindblad_evolve(model.H, collapse, np.outer(psi, psi.conj()), times)
    states = [bf.battery_state(r, 2**n, cutoff) for r in rhos]
    ergo = np.array([bf.ergotropy_all(rb, model.H_B) for rb in states])
    i = int(np.argmax(ergo))
    energy = float(np.trace(model.H_B @ states[i]).real)
    symmetric = bf.ergotropy_permutation_invariant(states[i], model.H_B, n)
    assert p["ergotropy_max"] == pytest.approx(ergo[i], abs=1e-7)
    assert p["tau"] == pytest.approx(times[i])
    assert p["locked_at_tau"] == pytest.approx(energy - ergo[i], abs=1e-7)
    assert p["locked_symmetric_at_tau"] == pytest.approx(energy - symmetric, abs=1e-7)
    assert p["switching_cost_at_tau"] == pytest.approx(
        bf.switching_cost(rhos[i], model.H_I), abs=1e-7
    )


def test_locked_energy_bound_eq9():
    """Eq. 9 = App. B's count (Eq. B5): ρ_B↓ spread evenly over the dim S = (N+2)²/4 lowest levels
    of H_B (k ω_0, multiplicity C(N, k)) for even N; the bound the runs' summaries report."""
    from math import comb

    for n in (2, 4, 6, 10, 40):
        dim = (n + 2) ** 2 // 4
        count = (4 / (n + 2) ** 2) * (0 * comb(n, 0) + 1 * comb(n, 1) + 2 * (dim - 1 - n))
        assert locked_energy_bound(n) == pytest.approx(count, rel=1e-14)
        assert locked_energy_bound(n, omega_0=2.5) == pytest.approx(2.5 * count, rel=1e-14)
        assert locked_energy_bound(n) < 2
    np.testing.assert_allclose(locked_energy_bound([2, 3]), [1.0, 1.2], rtol=1e-14)
    for coupling, n in (("tc", 2), ("dicke", 3)):
        p = cz.point(coupling, False, "green", n, True)
        assert p["bound"] == pytest.approx(locked_energy_bound(n), rel=1e-12)
