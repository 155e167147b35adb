"""The Lindblad engine in the dressed basis (eigenbasis of H): the same numbers as the bare-basis
engine, which it replaces only where the generator splits there and not in the bare basis."""

import numpy as np
import pytest

import qbattery
from qbattery.models.driven import driven_dressed, driven_full
from qbattery.problem import build_problem
from qbattery.reproduce import pokhrel2025 as pk
from qbattery.solvers import lindblad
from qbattery.solvers.lindblad import LindbladEvolution
from qbattery.solvers.lindblad_dressed import dressed_problem

N = 18  # (N + 1)² = 361 entries of ρ: past the dense limit, so the bare engine uses Taylor
N_DENSE = 14  # (N + 1)² = 225: within the bare engine's dense limit


def secular(n=N, **kw):
    return driven_dressed(n, theta=pk.THETA, omega_p=pk.FIG2_OMEGA_P_PER_N * n, r=pk.R_FIGS,
                          t_max=15.0 / n, points=121, **kw)  # fmt: skip


def test_the_secular_battery_runs_dressed_and_matches_the_bare_engine():
    spec = secular(series=("energy", "ergotropy", "purity"))
    result = qbattery.simulate(spec)
    assert result.info["basis"] == "dressed (eigenbasis of H)"
    assert len(result.info["block_sizes"]) == N + 1  # coherence orders k = 0..N
    assert max(result.info["block_sizes"]) == N + 1
    assert result.info["dressed_round_off"] < 1e-13
    problem = build_problem(spec)
    bare = LindbladEvolution(problem)  # one block of (N + 1)² entries, Taylor series
    assert len(bare.blocks) == 1
    e = bare.expect(problem.H_battery)
    np.testing.assert_allclose(result.energy, e - e[0], atol=1e-10)
    # states: V ρ' V† is the bare ρ (purity and the ergotropy come from them)
    ((rows, rho),) = bare.battery_states()
    purity = np.einsum("tij,tji->t", rho, rho).real
    np.testing.assert_allclose(result.purity, purity, atol=1e-10)
    # the refined maximum between grid points agrees too
    x = result.summary["t_E_max"]
    assert result.summary["E_max"] == pytest.approx(bare.expect(problem.H_battery, [x])[0] - e[0],
                                                    abs=1e-10)  # fmt: skip


def test_observables_in_the_dressed_basis_lose_only_their_round_off():
    """V†J_zV has three diagonals (J_z = cos θ J'_z + sin θ J'_x): the rotation's round-off
    elsewhere is dropped, so E(t) reads the coherence blocks k = 0 and 1 only, not all N + 1."""
    problem = build_problem(secular())
    dressed, V, _ = dressed_problem(problem)
    HB = dressed.H_battery.tocoo()
    assert set(np.abs(HB.row - HB.col).tolist()) <= {0, 1}
    exact = V.conj().T @ problem.H_battery.toarray() @ V
    np.testing.assert_allclose(HB.toarray(), exact, rtol=0, atol=1e-13)
    result = qbattery.simulate(secular(series=("energy",)))
    e = LindbladEvolution(problem).expect(problem.H_battery)  # the bare engine, every entry
    np.testing.assert_allclose(result.energy, e - e[0], atol=1e-10)


def test_kept_full_states_are_in_the_bare_basis():
    spec = secular(series=("energy",))
    spec["output"] |= {"states": "full", "state_times": [spec["time"]["t_max"]]}
    result = qbattery.simulate(spec)
    problem = build_problem(spec)
    bare = LindbladEvolution(problem)
    (rho,) = bare.full_states(np.array([len(problem.times) - 1]))
    np.testing.assert_allclose(result.states.full[-1], rho, atol=1e-10)


def test_problems_that_do_not_split_there_stay_in_the_bare_basis():
    # Eq. 5 (no secular approximation): S_- moves between dressed levels by -1, 0 and +1
    full = build_problem(driven_full(N, theta=pk.THETA, omega_p=20.0, t_max=0.5, points=11))
    assert dressed_problem(full) is None
    # tiny problems: one dense e^{LΔt} of (N + 1)² < DRESSED_FROM entries is as cheap; from
    # there on the dressed basis runs, also below the bare engine's dense limit
    assert dressed_problem(build_problem(secular(4))) is None
    assert (N_DENSE + 1) ** 2 <= lindblad.DENSE_EXPM
    assert dressed_problem(build_problem(secular(N_DENSE))) is not None
    result = qbattery.simulate(secular(N_DENSE, series=("energy",)))
    assert result.info["basis"] == "dressed (eigenbasis of H)"
    problem = build_problem(secular(N_DENSE))
    e = LindbladEvolution(problem).expect(problem.H_battery)  # bare: one dense block
    np.testing.assert_allclose(result.energy, e - e[0], atol=1e-10)
    # a mode: ρ_B needs a partial trace the dressed basis of the whole space would mix up
    tc = qbattery.models.tavis_cummings(4, cutoff=6, t_max=1.0, points=11)
    tc["noise"] = {"mode_loss": 0.1}
    tc = build_problem(tc)
    assert dressed_problem(tc) is None
