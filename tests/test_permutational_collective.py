"""Collective noise on spins ⊗ mode: the permutational solver restricted to the block j = N/2.

Without local channels ρ(t) never leaves the symmetric block, so the solver keeps that block
alone (``info["kept_blocks"]``) and ``solver = "auto"`` picks it. References: a dense Lindblad
evolution in the full 2^N ⊗ mode space (tests/bruteforce.py, nothing from qbattery) and the
Lindblad solver on the same spec.
"""

from pathlib import Path

import bruteforce as bf
import numpy as np
import pytest

import qbattery
from qbattery.operators import permutational as perm
from qbattery.problem import build_problem
from qbattery.solvers import choose_solver, solve, solver_for_spec
from qbattery.solvers.permutational_sectors import reachable_spins
from qbattery.spec import load_spec, validate_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

COUPLINGS = {
    "tc": "g/sqrt(N)*(Sp*a + Sm*ad)",
    "dicke": "2*g/sqrt(N)*Sx*(a + ad)",
}
SERIES = [
    "energy",
    "ergotropy",
    "ergotropy_symmetric",
    "switching_cost",
    "locked_energy",
    "purity",
    "energy_std",
    "charger_energy",
]
NOISE = {"mode_loss": 0.15, "collective_decay": 0.1}
G = 0.4


def spec(n, cutoff, coupling, charger, noise=NOISE, t_max=3.0, points=13, series=SERIES, **run):
    return {
        "system": {"spins": n, "mode": {"cutoff": cutoff}},
        "parameters": {"w0": 1.0, "wc": 1.0, "g": G},
        "hamiltonian": {
            "battery": "w0*(Sz + N/2)",
            "charger": "wc*n",
            "coupling": COUPLINGS[coupling],
        },
        "initial": {"battery": "down", "charger": charger},
        "noise": noise,
        "time": {"t_max": t_max, "points": points},
        "run": run,
        "output": {"series": list(series)},
    }


def reference(n, cutoff, coupling, charger, noise=NOISE, t_max=3.0, points=13):
    """Every series of SERIES from a dense 2^N ⊗ mode Lindblad evolution."""
    model = bf.canzio(n, cutoff, coupling, 1.0, 1.0, G)
    collapse = bf.local_collapse(
        n,
        cutoff,
        kappa=noise.get("mode_loss", 0),
        gamma_collective=noise.get("collective_decay", 0),
    )
    rho0 = bf.down_with_charger(n, cutoff, charger)
    times = np.linspace(0, t_max, points)
    out = bf.open_battery_series(model, collapse, rho0, times, n, cutoff)
    return {k: out[k] for k in SERIES}


CASES = [
    (2, 7, "tc", {"fock": 2}),
    (3, 9, "tc", {"coherent": 0.5}),
    (4, 7, "tc", {"coherent": 0.3}),
    (2, 8, "dicke", {"fock": 2}),
    (3, 10, "dicke", {"coherent": 0.6}),
    (4, 8, "dicke", {"coherent": 0.3}),
]


@pytest.mark.parametrize("n,cutoff,coupling,charger", CASES)
def test_restricted_block_against_full_space_and_lindblad(n, cutoff, coupling, charger):
    res = qbattery.simulate(spec(n, cutoff, coupling, charger))
    assert res.info["solver"] == "permutational"
    assert res.info["kept_blocks"] == [n / 2] and res.info["blocks"] == 1
    assert res.info["blocks_total"] == len(perm.spins(n))
    ref = reference(n, cutoff, coupling, charger)
    lind = qbattery.simulate(spec(n, cutoff, coupling, charger, solver="lindblad"))
    assert lind.info["solver"] == "lindblad"
    for name in SERIES:
        assert np.allclose(res.series[name], ref[name], atol=1e-8, rtol=0), name
        assert np.allclose(res.series[name], lind.series[name], atol=1e-8, rtol=0), name
    # E(t) between grid points: the refined summary is the Lindblad solver's
    assert res.info["grid"]["summary_refined"] and lind.info["grid"]["summary_refined"]
    for key, value in lind.summary.items():
        if isinstance(value, float):  # where a flat maximum lies is known to √ε only
            rel = 1e-6 if key.startswith(("t_", "tau", "P_first")) else 1e-8
            assert res.summary[key] == pytest.approx(value, rel=rel, abs=1e-9), key


def test_energy_between_grid_points_matches_a_finer_grid():
    coarse = spec(3, 10, "dicke", {"coherent": 0.6}, t_max=4.0, points=9, series=["energy"])
    fine = spec(3, 10, "dicke", {"coherent": 0.6}, t_max=4.0, points=161, series=["energy"])
    problem = build_problem(coarse)
    evolution = solve(problem)
    assert evolution.can_evaluate_anywhere
    fine_res = qbattery.simulate(fine)
    x = fine_res.t
    got = evolution.expect(problem.H_battery, x) - evolution.expect_part("battery")[0]
    assert np.allclose(got, fine_res.energy, atol=1e-11, rtol=0)
    assert np.allclose(evolution.expect(problem.H_battery), evolution.expect_part("battery"))


def test_time_dependent_rate_runs_on_the_ode_path():
    noise = {"mode_loss": "0.1*(1 + sin(t))", "collective_decay": 0.1}
    args = (3, 7, "tc", {"coherent": 0.3}, noise)
    res = qbattery.simulate(spec(*args, series=["energy", "ergotropy"], rtol=1e-10, atol=1e-12))
    lind = qbattery.simulate(
        spec(*args, series=["energy", "ergotropy"], solver="lindblad", rtol=1e-10, atol=1e-12)
    )
    assert res.info["solver"] == "permutational" and res.info["method"] == "dop853"
    for name in ("energy", "ergotropy"):
        assert np.allclose(res.series[name], lind.series[name], atol=1e-8, rtol=0), name


# --------------------------------------------------------------------------- selection


def selection(s) -> tuple[str, str]:
    return choose_solver(build_problem(s)), solver_for_spec(validate_spec(s))


@pytest.mark.parametrize("coupling", ["tc", "dicke"])
def test_auto_picks_permutational_for_collective_noise(coupling):
    assert selection(spec(3, 6, coupling, {"fock": 1})) == ("permutational", "permutational")
    only_decay = spec(3, 6, coupling, {"fock": 1}, noise={"collective_decay": 0.2})
    assert selection(only_decay) == ("permutational", "permutational")
    no_mode = spec(3, 6, coupling, {"fock": 1}, noise={"collective_decay": 0.2})
    del no_mode["system"]["mode"]
    no_mode["hamiltonian"] = {"battery": "w0*Sx"}
    del no_mode["initial"]["charger"]
    no_mode["output"]["series"] = ["energy", "ergotropy", "purity"]
    assert selection(no_mode) == ("permutational", "permutational")
    local = spec(3, 6, coupling, {"fock": 1}, noise={"local_decay": 0.1, **NOISE})
    assert selection(local) == ("permutational", "permutational")


def test_auto_keeps_lindblad_for_custom_collapse_and_atoms():
    custom = spec(3, 6, "tc", {"fock": 1}, noise={"collapse": [{"rate": 0.1, "operator": "Sz"}]})
    assert selection(custom) == ("lindblad", "lindblad")
    both = spec(
        3, 6, "tc", {"fock": 1}, noise={**NOISE, "collapse": [{"rate": 0.1, "operator": "a"}]}
    )
    assert selection(both) == ("lindblad", "lindblad")
    atoms = load_spec(EXAMPLES / "zhang_three_level.toml").to_dict()  # few-level atoms
    assert selection(atoms) == ("lindblad", "lindblad")
    closed = spec(3, 6, "tc", {"fock": 1}, noise={})
    assert selection(closed) == ("closed", "closed")


def test_kept_blocks_follow_the_local_channels():
    assert reachable_spins(5, [2.5], {}) == [2.5]
    assert reachable_spins(4, [2.0], {}) == [2.0]
    for name in ("local_decay", "local_dephasing", "local_pumping"):
        assert reachable_spins(5, [2.5], {name: 0.1}) == perm.spins(5)
        assert reachable_spins(4, [2.0], {name: 0.1}) == perm.spins(4)
    res = qbattery.simulate(spec(3, 5, "tc", {"fock": 1}, noise={"local_decay": 0.1}))
    assert res.info["kept_blocks"] == perm.spins(3) and res.info["blocks"] == 2
    assert not res.info["grid"]["summary_refined"]  # several blocks: on the grid only
