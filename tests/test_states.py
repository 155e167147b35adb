"""[output] states: which states a run keeps, when, and the refusals (no QuTiP needed)."""

import numpy as np
import pytest

import qbattery
from qbattery.operators import spin
from qbattery.spec import SpecError
from qbattery.states import BlockState


def spec(solver="lindblad", noise=None, states="battery", times=(0.0, 1.02, 5.0), n=2):
    return {
        "system": {"spins": n, "mode": {"cutoff": 4}},
        "parameters": {"g": 0.3},
        "hamiltonian": {"battery": "Sz", "charger": "n", "coupling": "g*(Sp*a + Sm*ad)"},
        "initial": {"battery": "down", "charger": {"fock": 2}},
        "noise": {"mode_loss": 0.1} if noise is None else noise,
        "time": {"t_max": 5.0, "points": 51},
        "output": {"states": states, "state_times": list(times), "series": ["energy", "purity"]},
        "run": {"solver": solver},
    }


def test_no_states_unless_asked():
    s = spec()
    del s["output"]["states"]
    assert qbattery.simulate(s).states is None


@pytest.mark.parametrize("solver", ["closed", "lindblad"])
def test_kept_battery_states_reproduce_the_series_at_the_nearest_grid_points(solver):
    result = qbattery.simulate(spec(solver, {} if solver == "closed" else None))
    # 1.02 is taken at the grid point 1.0 (grid step 0.1)
    np.testing.assert_allclose(result.states.t, [0.0, 1.0, 5.0])
    rows = [0, 10, 50]
    Sz = spin.spin_operators(1)["z"].toarray()
    for k, rho in enumerate(result.states.battery):
        assert rho.shape == (3, 3)
        assert np.trace(rho).real == pytest.approx(1, abs=1e-9)
        energy = np.trace(Sz @ rho).real - np.trace(Sz @ result.states.battery[0]).real
        assert energy == pytest.approx(result.energy[rows[k]], abs=1e-9)
        assert np.trace(rho @ rho).real == pytest.approx(result.purity[rows[k]], abs=1e-9)


def test_full_states_are_kets_for_a_closed_run_and_density_matrices_for_an_open_one():
    closed = qbattery.simulate(spec("closed", {}, "full"))
    assert closed.states.full[0].shape == (12,)
    assert np.linalg.norm(closed.states.full[-1]) == pytest.approx(1, abs=1e-9)
    lossy = qbattery.simulate(spec("lindblad", None, "full"))
    rho = lossy.states.full[-1]
    assert rho.shape == (12, 12)
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-12)
    # tracing out the mode gives the kept battery state
    reduced = rho.reshape(3, 4, 3, 4).trace(axis1=1, axis2=3)
    np.testing.assert_allclose(reduced, lossy.states.battery[-1], atol=1e-12)


def test_permutational_runs_keep_block_states():
    result = qbattery.simulate(spec("permutational", {"local_decay": 0.2}, n=3))
    state = result.states.battery[-1]
    assert isinstance(state, BlockState)
    assert set(state.blocks) == {1.5, 0.5}
    assert state.multiplicities == {1.5: 1.0, 0.5: 2.0}
    assert sum(np.trace(B).real for B in state.blocks.values()) == pytest.approx(1, abs=1e-9)
    purity = sum(np.trace(B @ B).real / state.multiplicities[j] for j, B in state.blocks.items())
    assert purity == pytest.approx(result.purity[-1], abs=1e-9)


def test_bad_state_options_are_refused_naming_the_field():
    with pytest.raises(SpecError, match="output.state_times"):
        qbattery.simulate(spec(times=[7.0]))
    with pytest.raises(SpecError, match="output.states"):
        qbattery.simulate(spec("permutational", {"local_decay": 0.1}, "full"))
    with pytest.raises(SpecError, match="output.states"):
        qbattery.simulate(spec(states="sometimes"))
    with pytest.raises(SpecError, match="output.state_times"):
        qbattery.simulate(spec(times=[]))


def test_kept_states_that_would_not_fit_are_refused_before_allocating():
    big = spec("lindblad", None, "full", times=[])
    del big["output"]["state_times"]  # every one of 2001 grid points
    big["system"] = {"spins": 40, "mode": {"cutoff": 60}}
    big["time"]["points"] = 2001
    big["run"]["max_memory"] = 4.0
    with pytest.raises(SpecError, match=r"output.state_times: .*kept full states"):
        qbattery.simulate(big)


def test_the_mean_field_solver_refuses_to_keep_states():
    s = spec("meanfield", {})
    with pytest.raises(SpecError, match="output.states: the mean-field solver"):
        qbattery.simulate(s)


@pytest.mark.parametrize("suffix", [".nc", ".json"])
@pytest.mark.parametrize(
    ("solver", "noise", "states"),
    [
        ("closed", {}, "full"),
        ("lindblad", None, "full"),
        ("permutational", {"local_decay": 0.2}, "battery"),
    ],
)
def test_kept_states_survive_the_result_file(tmp_path, suffix, solver, noise, states):
    result = qbattery.simulate(spec(solver, noise, states, n=3))
    back = qbattery.load_result(result.save(tmp_path / f"r{suffix}"))
    assert back.states.layout == result.states.layout
    np.testing.assert_array_equal(back.states.t, result.states.t)
    assert set(back.series) == set(result.series)
    for ours, theirs in zip(result.states.battery, back.states.battery, strict=True):
        if isinstance(ours, BlockState):
            assert theirs.multiplicities == ours.multiplicities
            for j, B in ours.blocks.items():
                np.testing.assert_array_equal(theirs.blocks[j], B)
        else:
            np.testing.assert_array_equal(theirs, ours)
    if states == "full":
        for ours, theirs in zip(result.states.full, back.states.full, strict=True):
            np.testing.assert_array_equal(theirs, ours)
    else:
        assert back.states.full is None


def test_result_readers_leave_kept_states_out(tmp_path):
    from qbattery.plot import plot_file
    from qbattery.result_data import open_result

    path = qbattery.simulate(spec("permutational", {"local_decay": 0.2}, n=3)).save(
        tmp_path / "r.nc"
    )
    data = open_result(path)
    assert data.sweep_dims == [] and set(data.series) == {"energy", "purity"}
    assert not any(name.startswith(("battery_", "full_")) for name in data.summary)
    plot_file(path, tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000
