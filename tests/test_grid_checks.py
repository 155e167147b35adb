"""Time grids too coarse for the dynamics are detected, with the number of points to use, and the
summary is then read off the grid instead of being refined onto an aliased maximum."""

import numpy as np
import pytest
from scipy.optimize import brentq

import qbattery
from qbattery import grid_checks
from qbattery.spec import load_spec


def rabi(n_spins, delta, omega, t_max, points, **extra):
    """N independent spins, H = Δ S_z + Ω S_x from all down: each spin's excitation is
    (Ω/Ω_R)² sin²(Ω_R t/2), Ω_R = √(Δ² + Ω²), so E(t) = NΔ (Ω/Ω_R)² sin²(Ω_R t/2)."""
    return {
        "system": {"spins": n_spins},
        "parameters": {"delta": delta, "omega": omega},
        "hamiltonian": {"battery": "delta*Sz", "coupling": "omega*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": t_max, "points": points},
        "output": {"series": ["energy", "power"]},
        **extra,
    }


def rabi_summary(n_spins, delta, omega):
    """First peak at π/Ω_R; P_max = max E/t where tan x = 2x, x = Ω_R t/2 (x* ≈ 1.1656)."""
    rate = np.hypot(delta, omega)
    amplitude = n_spins * delta * (omega / rate) ** 2
    x = brentq(lambda x: np.tan(x) - 2 * x, 1.0, 1.5)
    return {"tau_first_peak": np.pi / rate, "P_max": amplitude * np.sin(x) ** 2 / (2 * x / rate)}


def grid_warnings(result):
    return [w for w in result.warnings if w.startswith("time.points: the time grid")]


def test_a_coarse_grid_on_the_dicke_example_warns_and_is_not_refined():
    spec = load_spec("examples/dicke_oat.toml").to_dict()
    spec["time"] = {"t_max": 1000.0, "points": 11}
    result = qbattery.simulate(spec)
    (warning,) = grid_warnings(result)
    assert "(points = 11, spacing 100)" in warning and "use points >= " in warning
    grid = result.info["grid"]
    assert not grid["resolved"] and not grid["summary_refined"]
    assert f"use points >= {grid['points_needed']} for t_max = 1000" in warning
    assert 500 < grid["points_needed"] < 20_000
    assert result.summary["tau_first_peak"] in result.t  # a grid point: no refined precision


def test_the_suggested_points_give_the_analytic_first_peak_and_power():
    delta, omega = 3.0, 1.0  # detuned: a small, fast oscillation
    coarse = qbattery.simulate(rabi(1, delta, omega, 100.0, 21))
    (warning,) = grid_warnings(coarse)
    needed = coarse.info["grid"]["points_needed"]
    fine = qbattery.simulate(rabi(1, delta, omega, 100.0, needed))
    assert not grid_warnings(fine) and fine.info["grid"]["summary_refined"]
    expected = rabi_summary(1, delta, omega)
    for key, value in expected.items():
        assert coarse.summary[key] != pytest.approx(value, rel=1e-3)
        assert fine.summary[key] == pytest.approx(value, rel=1e-7)


def test_a_large_collective_battery_is_not_flagged_for_its_spectral_width():
    """E(t) of 400 spins oscillates at Ω_R whatever N, although the occupied spectrum spreads
    over ~√N Ω: 4 points per half period resolve it."""
    n, delta, omega = 400, 1.0, 0.6
    half_period = np.pi / np.hypot(delta, omega)
    points = int(12 / (half_period / 4)) + 1
    result = qbattery.simulate(rabi(n, delta, omega, 12.0, points))
    assert not grid_warnings(result)
    assert result.info["grid"]["time_scale"] == pytest.approx(half_period, rel=1e-6)
    expected = rabi_summary(n, delta, omega)
    for key, value in expected.items():
        assert result.summary[key] == pytest.approx(value, rel=1e-7)


def test_a_summary_read_off_the_grid_needs_twice_the_points():
    drive = rabi(1, 1.0, 0.0, 100.0, 101)
    drive["hamiltonian"]["dynamics"] = "delta*Sz + 0.4*cos(t)*Sx"  # the ODE path: grid only
    result = qbattery.simulate(drive)
    grid = result.info["grid"]
    assert not grid["resolved"] and not grid["summary_refined"]
    assert grid["points_needed"] == int(np.ceil(6 * 100 / grid["time_scale"])) + 1
    drive["time"]["points"] = grid["points_needed"]
    result = qbattery.simulate(drive)
    assert not grid_warnings(result) and not result.info["grid"]["summary_refined"]


def test_an_open_run_counts_its_rates():
    fast_loss = rabi(1, 1.0, 0.0, 10.0, 11, noise={"collective_decay": 50.0})
    fast_loss["initial"]["battery"] = "up"
    (warning,) = grid_warnings(qbattery.simulate(fast_loss))
    assert "the rates" in warning


def test_a_coarse_mean_field_grid_warns():
    spec = load_spec("examples/yan_meanfield.toml").to_dict()
    fine = qbattery.simulate(spec)
    assert not grid_warnings(fine) and fine.info["grid"]["summary_refined"]
    spec["time"] = {"t_max": 200.0, "points": 11}
    coarse = qbattery.simulate(spec)
    (warning,) = grid_warnings(coarse)
    assert "between the steps" in warning and not coarse.info["grid"]["summary_refined"]


def test_nothing_moves_nothing_to_resolve():
    still = rabi(2, 1.0, 0.0, 1000.0, 3)  # the down state is an eigenstate
    result = qbattery.simulate(still)
    assert result.info["grid"]["resolved"] and result.info["grid"]["time_scale"] is None


# --------------------------------------------------------------------------- the pieces


def test_time_derivatives_of_a_rabi_oscillation():
    """⟨σ_z⟩/2 under (Δσ_z + Ωσ_x)/2 from down: −½ + (Ω/Ω_R)² sin²(Ω_R t/2), whose n-th
    derivative at 0 is (Ω/Ω_R)² Ω_R^n/2 · |cos^(n)(0)| for even n, 0 for odd."""
    delta, omega = 0.7, 1.3
    rate = np.hypot(delta, omega)
    sz = np.diag([-0.5, 0.5])
    H = delta * sz + omega * np.array([[0, 0.5], [0.5, 0]])
    values, noise = grid_checks.time_derivatives(H, sz, np.array([1.0, 0.0], dtype=complex))
    a = (omega / rate) ** 2 / 2
    np.testing.assert_allclose(values, [0.5, 0, a * rate**2, 0, a * rate**4], atol=1e-12)
    assert grid_checks.derivative_frequency(values, noise) == pytest.approx(rate, rel=1e-12)


def test_curve_time_scale_finds_turning_points():
    t = np.linspace(0, 10, 10001)
    assert grid_checks.curve_time_scale(t, np.sin(t) ** 2) == pytest.approx(np.pi / 2, abs=1e-3)
    ripple = np.sin(t) ** 2 + 1e-5 * np.sin(40 * t)  # below 1e-3 of the range: ignored
    assert grid_checks.curve_time_scale(t, ripple) == pytest.approx(np.pi / 2, abs=0.01)
    assert grid_checks.curve_time_scale(t, 1 - np.exp(-t)) == pytest.approx(np.log(2), abs=1e-3)
    assert grid_checks.curve_time_scale(t, np.zeros_like(t)) is None


def test_check_grid_counts_points_per_time_scale():
    t = np.linspace(0, 10, 11)
    refined = grid_checks.check_grid(t, 3.0, "test")
    assert refined.resolved and refined.points_needed == 11  # spacing 1 = τ/3
    on_grid = grid_checks.check_grid(t, 3.0, "test", refined=False)
    assert not on_grid.resolved and on_grid.points_needed == 21
    assert grid_checks.check_grid(t, None, "test").resolved
