"""Pokhrel & Gea-Banacloche (PRL 2025) through the public spec language and the general engine.

* the ``driven-dressed`` preset / :func:`qbattery.models.driven_dressed` (Eq. 7 written with
  ``dynamics`` and ``[[noise.collapse]]``) run by ``qbattery.simulate`` (Lindblad engine) agrees
  with the band solver :func:`qbattery.solvers.dressed_rates.charge` (an independent
  implementation of Eq. 7) for N = 1..4;
* the dressed operators of the spec are U S_k U†, U = exp(iθS_y) (Eq. 4), and Eq. 6 holds;
* the full Eq. 5 (:func:`driven_full`) tends to Eq. 7 as Ω_P grows;
* the quick reproduction targets run and produce rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

import qbattery
from qbattery.analytic import driven as dr
from qbattery.models import PRESETS, collective_discharge, driven_dressed, driven_full
from qbattery.models.driven import (
    DRESSED_SM,
    DRESSED_SP,
    DRESSED_SZ,
    driven_parameters,
    evaluate_parameters,
)
from qbattery.problem import build_problem
from qbattery.solvers import collective_discharge as cd
from qbattery.solvers import dressed_rates as rs
from qbattery.solvers.steady_state import steady_state

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _params(theta, r, omega_p, gamma_0=1.0):
    return dr.DressedParams.from_ratio(theta, r, gamma_minus=1.0, gamma_0=gamma_0, omega_p=omega_p)


# --------------------------------------------------------------------------- the spec


def test_preset_is_registered_and_sizes_from_system():
    assert "driven-dressed" in PRESETS
    spec = qbattery.validate_spec({"preset": "driven-dressed", "system": {"spins": 3}})
    assert spec.system.spins == 3
    assert spec.hamiltonian.battery == "omega0*Sz"
    assert spec.hamiltonian.dynamics == "Delta*Sz - Omega_R*Sx"
    assert len(spec.noise.collapse) == 3
    assert spec.initial.battery == "down"


def test_spec_operators_are_the_dressed_operators():
    """Collapse operators = U S'_k U† with U = exp(iθ S_y); H_1 = Ω_P S'_z; Eq. 6."""
    n, theta, wp = 3, 1.87, 7.0
    problem = build_problem(driven_dressed(n, theta=theta, omega_p=wp, r=2.0, gamma_0=0.5))
    ops = {k: v.toarray() for k, v in problem.battery.operators.items()}
    u = expm(1j * theta * ops["Sy"])
    rot = {k: u @ ops[k] @ u.conj().T for k in ("Sz", "Sp", "Sm")}
    (n1, c1, l1), (n2, c2, l2), (n3, c3, l3) = problem.collapse
    assert np.allclose(l1.toarray(), rot["Sz"], atol=1e-12)
    assert np.allclose(l2.toarray(), rot["Sp"], atol=1e-12)
    assert np.allclose(l3.toarray(), rot["Sm"], atol=1e-12)
    p = _params(theta, 2.0, wp, gamma_0=0.5)
    assert np.isclose(c1(0).real, p.rate_dephase)
    assert np.isclose(c2(0).real, p.rate_raise)
    assert np.isclose(c3(0).real, p.rate_lower)
    assert np.allclose(problem.H_static.toarray(), wp * rot["Sz"], atol=1e-12)
    c, s = math.cos(theta), math.sin(theta)
    eq6 = -s * rot["Sz"] - (1 - c) / 2 * rot["Sp"] + (1 + c) / 2 * rot["Sm"]
    assert np.allclose(eq6, ops["Sm"], atol=1e-12)
    assert DRESSED_SZ and DRESSED_SP and DRESSED_SM  # exported for spec writers


def test_drive_parametrisations_agree():
    """(θ, Ω_P) and (Δ, Ω_R) give the same numbers; r and gamma_plus likewise."""
    theta, wp = 1.87, 20.0
    a = evaluate_parameters(driven_parameters(theta=theta, omega_p=wp, r=10.0))
    b = evaluate_parameters(
        driven_parameters(delta=wp * math.cos(theta), omega_r=wp * math.sin(theta), gamma_plus=10)
    )
    p = _params(theta, 10.0, wp)
    for v in (a, b):
        assert np.isclose(v["rate_raise"], p.rate_raise)
        assert np.isclose(v["rate_lower"], p.rate_lower)
        assert np.isclose(v["rate_dephase"], p.rate_dephase)
        assert np.isclose(v["Gamma"], p.gamma_net)
    with pytest.raises(ValueError):
        driven_parameters(theta=1.0, delta=0.3, omega_r=1.0)
    with pytest.raises(ValueError):
        driven_parameters(theta=4.0)


def test_preset_overrides_recompute_the_derived_parameters():
    base = {"preset": "driven-dressed", "system": {"spins": 2}, "time": {"t_max": 1.0}}
    res = qbattery.simulate({**base, "parameters": {"Delta": 1.0, "Omega_R": 3.0, "r": 4.0}})
    p = dr.DressedParams.from_drive(1.0, 3.0, 4.0, 1.0, 1.0)
    band = rs.charge(2, p, res.t, method="expm")
    assert np.abs(res.energy - band.energy).max() < 1e-10


# --------------------------------------------------------------------------- Eq. 7 cross-check


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("theta,r,gamma_0", [(1.87, 10.0, 1.0), (2.3, 0.3, 0.7), (0.6, 1.0, 0.0)])
def test_lindblad_engine_matches_band_solver(n, theta, r, gamma_0):
    """E(t) from simulate(preset spec) vs dressed_rates.charge: agree to 1e-6 (observed ~1e-14)."""
    wp = 13.0
    spec = driven_dressed(n, theta=theta, omega_p=wp, r=r, gamma_0=gamma_0, t_max=6.0 / n,
                          points=241)  # fmt: skip
    res = qbattery.simulate(spec)
    assert res.info["solver"] == "lindblad"
    band = rs.charge(n, _params(theta, r, wp, gamma_0), res.t, method="expm")
    assert np.abs(res.energy - band.energy).max() < 1e-6
    default = rs.charge(n, _params(theta, r, wp, gamma_0), res.t)  # extrapolated implicit Euler
    assert np.abs(res.energy - default.energy).max() < 1e-6


@pytest.mark.parametrize("n", [2, 4])
def test_steady_state_ergotropies_match_eq10(n):
    """Engine steady state: energy (Eq. 9), symmetric ergotropy = Eq. 10, all-unitary ergotropy."""
    theta, r = 2.3, 0.3
    res = qbattery.simulate(driven_dressed(n, theta=theta, omega_p=10.0, r=r, t_max=80.0 / n,
                                           points=81))  # fmt: skip
    x = dr.x_parameter(theta, r)
    assert np.isclose(res.energy[-1], dr.steady_state_energy(n, theta, x), atol=1e-8)
    r_sym = res.ergotropy_symmetric[-1]
    assert np.isclose(r_sym, dr.ergotropy_per_atom_eq10(n, theta, x) * n, atol=1e-8)
    assert np.isclose(
        res.ergotropy[-1], dr.steady_state_ergotropy(n, theta, x, unitaries="all"), atol=1e-8
    )
    assert res.ergotropy[-1] > r_sym + 1e-6  # the paper's Eq. 10 is the symmetric one
    ss = steady_state(build_problem(driven_dressed(n, theta=theta, omega_p=10.0, r=r)))
    assert ss.unique


# --------------------------------------------------------------------------- Eq. 5 → Eq. 7


def _max_diff(n, omega_p, **rates):
    kw = dict(theta=1.2, omega_p=omega_p, t_max=3.0, points=601, series=("energy",))
    if "gamma" in rates:  # Eq. 5 as printed: its secular limit has γ_0 = γ_+ = γ_− = γ
        g = rates["gamma"]
        sec = qbattery.simulate(driven_dressed(n, **kw, gamma_0=g, gamma_minus=g, gamma_plus=g))
    else:
        sec = qbattery.simulate(driven_dressed(n, **kw, **rates))
    full = qbattery.simulate(driven_full(n, **kw, **rates))
    return float(np.abs(sec.energy - full.energy).max() / n)


@pytest.mark.parametrize("rates", [{"r": 10.0}, {"gamma": 1.0}], ids=["three-rates", "eq5"])
def test_full_equation_approaches_secular_for_large_omega_p(rates):
    """Transient error ~ 1/Ω_P: below 3 % at Ω_P = 20, 10x smaller per decade of Ω_P."""
    errs = [_max_diff(2, wp, **rates) for wp in (20.0, 200.0, 2000.0)]
    assert errs[0] < 0.05
    assert errs[1] < errs[0] / 5 and errs[2] < errs[1] / 5
    assert errs[2] < 1e-3


def test_full_equation_with_one_rate_is_collective_decay():
    """Eq. 5 as printed (collective_decay) = the three-rate jump operator with equal rates."""
    n, kw = 3, dict(theta=1.87, omega_p=5.0, t_max=2.0, points=101)
    lit = driven_full(n, gamma=0.8, **kw)
    assert lit["noise"] == {"collective_decay": "gamma"}
    three = driven_full(n, gamma_0=0.8, gamma_minus=0.8, gamma_plus=0.8, **kw)
    a, b = qbattery.simulate(lit), qbattery.simulate(three)
    assert np.abs(a.energy - b.energy).max() < 1e-10
    ((_, _, jump),) = build_problem(three).collapse
    sm = build_problem(three).battery.operators["Sm"]
    assert abs(jump - np.sqrt(0.8) * sm).max() < 1e-12


def test_steady_state_secular_error_grows_with_n():
    """Paper: the secular steady state is unreliable as N grows unless Ω_P ≫ NΓ."""
    from qbattery.reproduce.pokhrel2025_charging import secular_validity

    d = secular_validity(ns=(1, 2, 3), omega_ps=(20.0, 200.0))
    assert np.all(np.diff(np.abs(d[20.0])) > 0)
    assert np.all(np.abs(d[200.0]) < np.abs(d[20.0]) / 50)  # ~ 1/Ω_P²


@pytest.mark.parametrize("n", [1, 3, 5])
def test_collective_discharge_spec_matches_band_solver(n):
    """The discharge spec (drive off, γ_0 D[S_−]) from the full battery, through simulate
    (Lindblad engine), vs the bare-basis band solver (collective_discharge.discharge): E(t)."""
    g0 = 0.7
    spec = collective_discharge(n, gamma_0=g0, initial="up", t_max=8.0 / n, points=161)
    assert spec["noise"] == {"collective_decay": "gamma_0"}
    res = qbattery.simulate(spec)
    band0 = np.zeros(n + 1)
    band0[-1] = 1.0  # all n atoms excited
    d = cd.discharge(n, band0, np.zeros(n), g0, res.t, method="expm")
    assert np.abs(n + res.energy - d.energy).max() < 1e-8  # energy series: E(t) − E(0)
    assert np.abs(d.dipole).max() == 0.0  # a Dicke state has no dipole: no coherent power
    assert np.all(np.diff(res.energy) < 1e-12) and res.energy[-1] < -0.5 * n  # it discharges


# --------------------------------------------------------------------------- examples, targets


def test_examples_are_the_builders():
    sec = qbattery.simulate(EXAMPLES / "pokhrel_secular.toml")
    ref = qbattery.simulate(driven_dressed(4, t_max=4.0, points=801))
    assert np.abs(sec.energy - ref.energy).max() < 1e-12
    full = qbattery.simulate(EXAMPLES / "pokhrel_full.toml")
    ref = qbattery.simulate(driven_full(4, gamma=1.0, t_max=4.0, points=801))
    assert np.abs(full.energy - ref.energy).max() < 1e-12


@pytest.mark.parametrize(
    "name",
    ["pokhrel2025-fig1", "pokhrel2025-fig2", "pokhrel2025-fig3", "pokhrel2025-fig4",
     "pokhrel2025-scaling"],
)  # fmt: skip
def test_quick_targets_run_and_produce_rows(name, tmp_path):
    from qbattery.reproduce.registry import Context, load_all, write_output

    targets = load_all()
    out = targets[name].func(Context(quick=True))
    assert out.rows and all(r.quantity for r in out.rows)
    png, js = write_output(name, out, tmp_path)
    assert png.stat().st_size > 0 and js.stat().st_size > 0
    rows = {r.quantity: r for r in out.rows}
    if name == "pokhrel2025-fig1":
        assert rows["R/N at x = 1, N=4 (symmetric)"].ours < 1e-12
        assert np.isclose(rows["R/N at x = 1, N=4 (all unitaries)"].ours, 0.3)
    if name == "pokhrel2025-scaling":
        assert abs(next(r for q, r in rows.items() if q.startswith("P_av ∝")).ours - 2) < 0.01
