"""Peng et al. PRA 103, 052220 (2021): reproduction targets, closed forms, HP regime, exponents.

The sweeps of Figs. 3-5 and Table I use the excitation-number block of the central-spin model
(``qbattery.reproduce.peng2021.CentralSpinSector``); here it is checked against the package's
engine (build_problem → ClosedEvolution → metrics.summarize) and against the closed forms.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qbattery.analytic import central_spin as an
from qbattery.reproduce import peng2021 as peng
from qbattery.reproduce.registry import TARGETS, Context, Row, load_all, write_output
from qbattery.scaling import fit_window

TARGET_NAMES = [
    "peng2021-fig2",
    "peng2021-fig3",
    "peng2021-fig4",
    "peng2021-fig5",
    "peng2021-table1",
]


# ------------------------------------------------------------------------- the quick targets


@pytest.fixture(scope="module")
def quick_outputs():
    load_all()
    return {name: TARGETS[name].func(Context(quick=True)) for name in TARGET_NAMES}


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_quick_target_runs_and_writes_rows(name, quick_outputs, tmp_path):
    out = quick_outputs[name]
    assert out.rows and all(isinstance(r, Row) for r in out.rows)
    for r in out.rows:
        assert r.quantity
        assert r.ours is not None, r.quantity
        if isinstance(r.ours, float):
            assert math.isfinite(r.ours), r.quantity
    png, js = write_output(name, out, tmp_path)
    assert png.stat().st_size > 10_000
    payload = json.loads(js.read_text())
    assert payload["target"] == name and len(payload["rows"]) == len(out.rows)


def test_quick_table1_has_every_paper_number(quick_outputs):
    rows = {r.quantity: r for r in quick_outputs["peng2021-table1"].rows}
    for N, (a, b) in peng.PAPER_TABLE1.items():
        assert rows[f"α, N = {N}"].paper == a and rows[f"β, N = {N}"].paper == b
        # the exact P_max differs from the paper's grid maxima only in the 4th decimal
        assert rows[f"α, N = {N}"].ours == pytest.approx(a, abs=1e-3)
        assert rows[f"β, N = {N}"].ours == pytest.approx(b, rel=1e-3)
    for N, (a, b) in peng.PAPER_THERMO.items():
        assert rows[f"α thermodynamic limit (Eq. 31), N = {N}"].paper == a
        assert rows[f"β thermodynamic limit (Eq. 31), N = {N}"].ours == pytest.approx(
            an.SIN2_OVER_X_MAX * math.sqrt(N), rel=1e-12
        )
        assert b == pytest.approx(0.72 * math.sqrt(N), abs=5e-5)  # the paper's 0.72


def test_quick_fig2_rows_are_exact(quick_outputs):
    for r in quick_outputs["peng2021-fig2"].rows:
        if r.quantity.startswith("(") and "max |simulate" in r.quantity:
            assert r.ours < 1e-9, r.quantity
        if "τ_min" in r.quantity:
            assert r.ours == pytest.approx(r.paper, rel=1e-9)


# ------------------------------------------------------------------------- N_B = 1 closed forms


@pytest.mark.parametrize("panel", list(peng.FIG2_PANELS))
def test_fig2_simulate_matches_eq12_and_A6_A8(panel):
    p = peng.FIG2_PANELS[panel]
    d = peng._fig2_panel(p["B"], p["h"], p["Delta"], 301, peng.FIG2_N, peng.FIG2_n)
    for key in ("energy", "power", "battery_absolute", "charger_energy", "interaction_energy"):
        assert d["deviation"][key] < 1e-9, (panel, key, d["deviation"][key])


@pytest.mark.parametrize(
    ("N", "n", "B", "h", "A", "Delta"),
    [(7, 3, 1.3, 0.4, 0.8, -0.6), (12, 12, 2.0, 1.0, 1.0, 0.3), (1, 1, 1.0, 1.0, 1.0, 0.0)],
)
def test_single_spin_random_parameters(N, n, B, h, A, Delta):
    d = peng._fig2_panel(B, h, Delta, 201, N, n, A)
    assert max(d["deviation"].values()) < 1e-9
    sec = peng.CentralSpinSector(1, N, n, B, h, A, Delta)
    t = d["t"]
    np.testing.assert_allclose(
        sec.energy(t), an.single_spin_energy(t, n, N, B, h, A, Delta), atol=1e-10
    )


def test_single_spin_peak_quantities():
    """Eqs. 15-16 at resonance with the exact constants: P_max, its time, τ_min, E_max."""
    for N, n in [(10, 5), (100, 100), (11, 6)]:
        sec = peng.CentralSpinSector(1, N, n)
        pk = peng.peak_power(sec)
        assert pk.P_max == pytest.approx(float(an.resonant_max_power(n, N, 1.0)), rel=1e-13)
        assert pk.t_P_max == pytest.approx(float(an.resonant_max_power_time(n, N)), rel=1e-8)
        tau, e = peng.first_energy_peak(sec)
        assert tau == pytest.approx(float(an.resonant_tau_min(n, N)), rel=1e-12)
        assert e == pytest.approx(1.0, abs=1e-13)
        assert peng.max_energy(sec)[1] == pytest.approx(1.0, abs=1e-13)


# ------------------------------------------------------------------------- sector vs engine


@pytest.mark.parametrize(
    ("N_B", "N", "n", "B", "h", "A", "Delta"),
    [
        (3, 5, 5, 1.0, 1.0, 1.0, 0.0),
        (6, 4, 4, 1.0, 1.0, 1.0, 0.0),
        (4, 9, 3, 1.3, 0.7, 0.9, 0.4),
        (12, 30, 12, 1.0, 1.0, 1.0, 0.0),
        (5, 5, 2, 2.0, 1.0, 0.5, -0.8),
    ],
)
def test_sector_matches_the_package_engine(N_B, N, n, B, h, A, Delta):
    from qbattery import simulate
    from qbattery.models.central_spin import central_spin

    sec = peng.CentralSpinSector(N_B, N, n, B, h, A, Delta)
    pk = peng.peak_power(sec)
    spec = central_spin(
        N_B, N, B=B, h=h, A=A, Delta=Delta, flipped=n, t_max=3 * pk.window, points=301
    )
    res = simulate(spec)
    np.testing.assert_allclose(sec.energy(res.t), res.series["energy"], atol=1e-10)
    summary = peng.engine_summary(N_B, N, n, B=B, h=h, A=A, Delta=Delta)
    assert summary["P_max"] == pytest.approx(pk.P_max, rel=1e-10)
    assert summary["t_P_max"] == pytest.approx(pk.t_P_max, rel=1e-6)


def test_derivatives_are_consistent():
    sec = peng.CentralSpinSector(7, 20, 7, 1.2, 0.9, 1.1, 0.3)
    t = np.linspace(0.01, 0.6, 13)
    e, de = sec.energy_and_slope(t)
    _, _, dde = sec.energy_curvature(t)
    h = 1e-6
    np.testing.assert_allclose(de, (sec.energy(t + h) - sec.energy(t - h)) / (2 * h), atol=1e-6)
    np.testing.assert_allclose(
        dde, (sec.energy_and_slope(t + h)[1] - sec.energy_and_slope(t - h)[1]) / (2 * h), atol=1e-4
    )
    for x, ei, dei, ddei in zip(t, e, de, dde, strict=True):
        np.testing.assert_allclose(sec.at(x), (ei, dei, ddei), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------- the global maximum


@pytest.mark.parametrize(
    ("N_B", "N", "n"),
    [(80, 5, 5), (40, 1, 1), (1, 200, 200), (40, 200, 200), (50, 300, 50), (7, 7, 7), (30, 15, 15)],
)
def test_peak_power_is_the_global_maximum(N_B, N, n):
    """Brute force: a dense grid out to 20 certified windows never beats the refined P_max."""
    sec = peng.CentralSpinSector(N_B, N, n)
    pk = peng.peak_power(sec)
    t = np.linspace(pk.window / 5000, 20 * pk.window, 100_001)
    P = sec.energy(t) / t
    assert P.max() <= pk.P_max * (1 + 1e-13)
    assert P.max() >= pk.P_max * (1 - 1e-5)  # the grid lands next to it
    # beyond the window no value can win: ΔE_B ≤ capacity
    assert np.all(sec.energy(t) <= sec.capacity * (1 + 1e-12))
    assert pk.window >= pk.t_P_max


def test_refinement_is_converged_on_table1_points():
    """Independent recomputation (10× finer grid, 2× window, metrics.refine_maximum)."""
    for N in peng.SMALL_N + peng.LARGE_N:
        nbs = [20, 47, 80] if N in peng.SMALL_N else [1, 2, 17, 50]
        for nb in nbs:
            sec = peng.CentralSpinSector(nb, N, N if N in peng.SMALL_N else nb)
            pk = peng.peak_power(sec)
            ref = peng.reference_peak_power(sec, pk.window)
            assert ref == pytest.approx(pk.P_max, rel=1e-12), (N, nb)


@pytest.mark.slow
def test_table1_alpha_converged_on_all_points():
    d = peng.table1_data(reference_every=1)
    assert d["reference_points"] == 333
    assert d["reference_max_rel"] < 1e-12
    assert d["reference_dalpha"] < 1e-10
    assert d["alpha_bound"] < 1e-10


# ------------------------------------------------------------------------- Holstein-Primakoff


def _hp_error(N_B: int, N: int, n: int) -> float:
    """max |ΔE_B(t) − B(n − m) sin²(A√(N_B N) t)| / (n − m) over 0 ≤ t ≤ x*/(A√(N_B N))."""
    sec = peng.CentralSpinSector(N_B, N, n)
    t = np.linspace(0, float(an.tc_max_power_time(N_B, N)), 401)
    return float(np.max(np.abs(sec.energy(t) - an.tc_energy(t, N_B, N, 0, n, 1.0))) / n)


def test_hp_regime_eq29_error_shrinks_with_N():
    # fixed battery: the error falls with N towards the battery's own HP error (~n/N_B)
    errs = [_hp_error(50, N, 5) for N in (100, 1000, 10_000, 100_000)]
    assert all(a > b for a, b in zip(errs, errs[1:], strict=False)), errs
    assert errs[0] > 1.5 * errs[-1]
    # N ≫ N_B ≫ n: both HP expansions hold and Eq. 29 becomes exact
    errs = [_hp_error(N // 10, N, 2) for N in (100, 1000, 10_000, 100_000)]
    assert all(a > 5 * b for a, b in zip(errs, errs[1:], strict=False)), errs
    assert errs[-1] < 1e-4
    # and so does the maximum power, Eq. 30's 0.7246 B A √(N_B N)(n − m)
    sec = peng.CentralSpinSector(10_000, 100_000, 2)
    hp = float(an.tc_max_power(10_000, 100_000, 0, 2, 1.0))
    assert peng.peak_power(sec).P_max == pytest.approx(hp, rel=1e-4)


def test_single_excitation_is_exactly_hp():
    """n − m = 1: the block is 2×2 with coupling A√(N_B N), so Eq. 29 holds exactly."""
    sec = peng.CentralSpinSector(13, 40, 1)
    t = np.linspace(0, 1, 101)
    np.testing.assert_allclose(sec.energy(t), an.tc_energy(t, 13, 40, 0, 1, 1.0), atol=1e-12)


# ------------------------------------------------------------------------- exponents


@pytest.fixture(scope="module")
def table1():
    return peng.table1_data(quick=True)


def test_small_N_alpha_near_one_half(table1):
    for N in peng.SMALL_N:
        a = table1["fits"][N].alpha
        assert 0.5 < a < 0.52
        assert a == pytest.approx(peng.PAPER_TABLE1[N][0], abs=2e-4)
    # and N = 1 is exactly the lower bound: P_max = 0.7246 √N_B (end of Sec. III C)
    nbs = np.arange(1, 41)
    P = [peng.peak_power(peng.CentralSpinSector(int(nb), 1, 1)).P_max for nb in nbs]
    f = fit_window(nbs, P)
    assert f.alpha == pytest.approx(0.5, abs=1e-12)
    assert f.beta == pytest.approx(an.SIN2_OVER_X_MAX, rel=1e-12)


def test_large_N_alpha_approaches_three_halves_from_below(table1):
    alphas = [table1["fits"][N].alpha for N in peng.LARGE_N]
    nbs = np.arange(1, 51)
    for N in (1000, 10_000):
        P = [peng.peak_power(peng.CentralSpinSector(int(nb), N, int(nb))).P_max for nb in nbs]
        alphas.append(fit_window(nbs, P).alpha)
    alphas.append(table1["tc_limit"]["fit"].alpha)  # N → ∞
    assert all(a < b for a, b in zip(alphas, alphas[1:], strict=False)), alphas
    assert alphas[-1] < 1.5
    assert alphas[-1] == pytest.approx(1.4737, abs=1e-4)
    for N, a in zip(peng.LARGE_N, alphas, strict=False):
        assert a == pytest.approx(peng.PAPER_TABLE1[N][0], abs=1e-3)


def test_tavis_cummings_limit_is_the_large_N_limit():
    for nb in (1, 7, 30):
        tc = peng.peak_power(peng.tavis_cummings_sector(nb, nb)).P_max
        big = peng.peak_power(peng.CentralSpinSector(nb, 10**7, nb)).P_max / math.sqrt(10**7)
        assert big == pytest.approx(tc, rel=1e-5)
    assert peng.peak_power(peng.tavis_cummings_sector(1, 1)).P_max == pytest.approx(
        an.SIN2_OVER_X_MAX, rel=1e-13
    )


def test_paper_grid_reproduces_table1(table1):
    """P_max from a dt = 0.002 grid (Appendix B) gives Table I's α to its printed digits."""
    for N, (a, b) in peng.PAPER_TABLE1.items():
        g = table1["grid_fits"][N]
        assert round(g.alpha, 4) == a, (N, g.alpha)
        assert g.beta == pytest.approx(b, rel=5e-5), (N, g.beta)
