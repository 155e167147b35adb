"""Resource guards: a run that cannot fit stops before allocating, naming the field that sets its
size, and the estimates follow what the package really allocates."""

import importlib
import time
import tracemalloc

import numpy as np
import pytest

import qbattery
from qbattery import resources, solver_resources
from qbattery.problem import build_problem
from qbattery.solvers import choose_solver, solve, solver_for_spec
from qbattery.spec import SpecError, load_spec, validate_spec

SIMULATE = importlib.import_module("qbattery.simulate")
GiB = 2.0**30


def spins(n, **sections):
    spec = {
        "system": {"spins": n},
        "hamiltonian": {"battery": "Sz", "coupling": "0.3*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": 10.0, "points": 201},
        "output": {"series": ["energy", "power"]},
        "run": {"max_memory": 64.0},
    }
    for name, values in sections.items():
        spec[name] = {**spec.get(name, {}), **values}
    return spec


def tavis_cummings(n, cutoff, **sections):
    spec = spins(n, **sections)
    spec["system"]["mode"] = {"cutoff": cutoff}
    spec["hamiltonian"] = {
        "battery": "Sz",
        "charger": "n",
        "coupling": "0.5/sqrt(N)*(Sp*a + Sm*ad)",
        **sections.get("hamiltonian", {}),
    }
    spec["initial"]["charger"] = {"fock": min(n, cutoff - 1)}
    return spec


@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if the Problem (any operator) gets built."""

    def forbidden(spec):
        raise AssertionError("build_problem was called")

    monkeypatch.setattr(SIMULATE, "build_problem", forbidden)


def stops(spec) -> SpecError:
    start = time.perf_counter()
    with pytest.raises(SpecError) as err:
        qbattery.simulate(spec)
    assert time.perf_counter() - start < 5
    assert "\n" not in str(err.value)
    return err.value


# --------------------------------------------------------------------------- guards


def test_huge_battery_with_a_mode_stops_before_any_operator(no_build):
    spec = load_spec("examples/dicke_oat.toml").to_dict()
    spec["system"]["spins"] = 100_000
    spec["run"] = {"max_memory": 64.0}
    err = stops(spec)
    assert err.field == "system.spins"
    assert "limit is 64 GiB ([run] max_memory = 64 GiB)" in err.message
    assert "spins = 100000 sets that size" in err.message


def test_huge_battery_without_a_mode_stops_on_its_reduced_states(no_build):
    err = stops(spins(100_000, output={"series": ["energy", "ergotropy"]}))
    assert err.field == "system.spins"
    assert "reduced battery states ρ_B (1 times × 100,001² complex per chunk)" in err.message


def test_ten_million_points_stop_at_a_small_limit(no_build):
    err = stops(spins(4, time={"t_max": 10.0, "points": 10_000_000}, run={"max_memory": 0.5}))
    assert err.field == "time.points"
    assert "time.points = 10000000 sets that size" in err.message


def test_a_mode_cutoff_that_dominates_is_named(no_build):
    spec = tavis_cummings(2, 100_000)
    spec["initial"] = {"total": "ground"}
    err = stops(spec)
    assert err.field == "system.mode.cutoff"
    assert "ground state of the whole generator" in err.message


def test_lindblad_states_on_the_grid_are_checked_from_its_blocks():
    # 10⁶ points × the k = 0 block (55 entries): 0.82 GiB, above a 0.5 GiB limit; the spec alone
    # (series, operators) stays below it, so only the solver's own layout can stop this run
    spec = tavis_cummings(
        4, 5, noise={"mode_loss": 0.1}, run={"max_memory": 0.5, "solver": "lindblad"}
    )
    spec["time"] = {"t_max": 1.0, "points": 1_000_001}
    assert resources.check_spec(validate_spec(spec)).peak < 0.5 * GiB
    err = stops(spec)
    assert err.field == "time.points" and "ρ(t) on the grid" in err.message


def test_the_permutational_solver_checks_each_sector():
    spec = tavis_cummings(16, 17, noise={"local_decay": 0.1}, time={"t_max": 1.0, "points": 11})
    held = resources.check_spec(validate_spec(spec)).peak
    spec["run"] = {"max_memory": 1.02 * held / GiB}  # the spec's own parts fit, a sector does not
    err = stops(spec)
    assert err.field == "system.spins" and "one sector of" in err.message


def test_the_limit_is_max_memory_or_most_of_the_available_memory():
    spec = validate_spec(spins(4))
    assert resources.memory_limit(spec)[0] == 64 * GiB
    spec.run.max_memory = None
    limit, source = resources.memory_limit(spec)
    assert limit == pytest.approx(0.8 * resources.available_memory(), rel=0.05)
    assert "80% of the" in source and "max_memory" in source


def test_a_run_that_fits_records_its_estimate():
    result = qbattery.simulate(spins(4, run={"max_memory": 2.0}))
    record = result.info["resources"]
    assert record["memory_limit_GiB"] == 2.0
    assert 0 < record["memory_estimate_GiB"] < 0.01 and record["work_estimate_flop"] > 0
    with pytest.raises(SpecError, match=r"limit is 0.0102 MiB \(\[run\] max_memory = 1e-05 GiB\)"):
        qbattery.simulate(spins(4, run={"max_memory": 1e-5}))


@pytest.mark.parametrize(
    "spec",
    [
        spins(4),
        spins(4, noise={"collective_decay": 0.1}),
        spins(4, noise={"local_dephasing": "0.1"}),
        spins(4, run={"solver": "meanfield"}),
        tavis_cummings(3, 5, noise={"mode_loss": 0.2}),
    ],
    ids=["closed", "lindblad", "permutational", "meanfield", "mode loss"],
)
def test_the_solver_guessed_from_the_spec_is_the_one_chosen(spec):
    spec = validate_spec(spec)
    chosen = "meanfield" if spec.run.solver == "meanfield" else choose_solver(build_problem(spec))
    assert solver_for_spec(spec) == chosen


# --------------------------------------------------------------------------- layouts


def test_the_closed_estimate_uses_the_solvers_own_sectors():
    problem = build_problem(tavis_cummings(6, 12, output={"series": ["energy"]}))
    parts = {p.what.split(" (")[0]: p for p in solver_resources.closed_parts(problem)}
    evolution = solve(problem)
    sizes = {len(b.index) for b in evolution.blocks}  # one pure component: distinct sectors
    eigenvectors = next(p for k, p in parts.items() if k.startswith("the eigenvectors"))
    assert eigenvectors.nbytes == 16 * sum(d * d for d in sizes)
    assert f"largest {evolution.info['largest_sector_used']}" in eigenvectors.what


def test_the_lindblad_estimate_counts_the_solvers_blocks():
    spec = tavis_cummings(
        5, 7, noise={"mode_loss": 0.1}, time={"t_max": 2.0, "points": 51},
        run={"solver": "lindblad"},
    )  # fmt: skip
    problem = build_problem(spec)
    states = solver_resources.lindblad_parts(problem)[0]
    evolution = solve(problem)
    assert states.nbytes == 51 * sum(evolution.info["block_sizes"]) * 16


# --------------------------------------------------------------------------- honesty


def traced_peak(spec) -> tuple[float, float]:
    spec = validate_spec(spec)
    tracemalloc.start()
    try:
        result = qbattery.simulate(spec)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result.info["resources"]["memory_estimate_GiB"] * GiB, peak


HONEST = {
    "dense reduced states": spins(150, time={"t_max": 5.0, "points": 101},
                                  output={"series": ["energy", "ergotropy"]}),
    "many points": spins(4, time={"t_max": 10.0, "points": 200_000}),
    "ground state of H": {**tavis_cummings(7, 80), "initial": {"total": "ground"}},
    "Liouvillian blocks": tavis_cummings(8, 9, noise={"mode_loss": 0.1},
                                         time={"t_max": 5.0, "points": 4001}),
    "permutational": spins(12, noise={"local_decay": 0.1}, time={"t_max": 3.0, "points": 2001},
                           output={"series": ["energy", "ergotropy"]}),
    "mean field": spins(1000, time={"t_max": 10.0, "points": 200_000}, run={"solver": "meanfield"}),
    "Chebyshev": spins(4500, time={"t_max": 1.0, "points": 301}),
    "ODE trajectory": spins(300, time={"t_max": 3.0, "points": 4001},
                            hamiltonian={"dynamics": "Sz + 0.3*cos(t)*Sx"}),
}  # fmt: skip


@pytest.mark.parametrize("spec", HONEST.values(), ids=HONEST.keys())
def test_the_estimate_is_within_a_factor_of_the_traced_allocation(spec):
    """tracemalloc sees numpy's arrays (not LAPACK's workspace): the estimate stays between half
    and 2.5 times the traced peak (measured 0.95-1.45 when written)."""
    estimate, peak = traced_peak(spec)
    assert peak > 8 * 2**20  # large enough to dominate the baseline
    assert 0.5 < estimate / peak < 2.5, (estimate / 2**20, peak / 2**20)


def test_the_spin_block_sums_count_every_irrep():
    for n in (1, 2, 5, 6):
        dims = [2 * j + 1 for j in np.arange(n / 2, -0.1, -1)]
        assert resources.spin_block_sums(n, 1) == sum(dims)
        assert resources.spin_block_sums(n, 2) == sum(d * d for d in dims)
