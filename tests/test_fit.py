"""`qbattery fit` and qbattery.fit: power laws and user models fitted to sweep files, with known
answers (synthetic sweeps whose points are formulas), one-line errors, and two studies end to end:
the Canzio et al. N scaling and Peng et al.'s P_max ∝ N_B^α through sweep + fit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sweepfiles import synthetic_sweep, tiny_run
from typer.testing import CliRunner

from qbattery.cli import app
from qbattery.fit import describe, fit_file, parse_p0, parse_range
from qbattery.spec import SpecError

N_B = list(range(1, 21))


def spins(spec: dict) -> int:
    return spec["system"]["spins"]


def noisy(spec: dict) -> dict:
    """P_max = 3 N_B^1.5 × exp(ε), ε ~ N(0, 0.02²), the same ε for a point whatever the order."""
    eps = np.random.default_rng(1000 + spins(spec)).normal(0.0, 0.02)
    return {"P_max": 3.0 * spins(spec) ** 1.5 * np.exp(eps)}


@pytest.fixture(scope="module")
def noisy_file(tmp_path_factory):
    return synthetic_sweep(
        tmp_path_factory.mktemp("noisy") / "s.nc", [("system.spins", N_B)], noisy
    )


@pytest.fixture(scope="module")
def exact_2d(tmp_path_factory):
    """Two swept names: P_max = B · N_B^(1 + B/4) exactly, E_max = 2.5 N_B^0.8 + 1.2 (no B)."""

    def summary(spec):
        n, b = spins(spec), spec["parameters"]["B"]
        return {"P_max": b * n ** (1 + b / 4), "E_max": 2.5 * n**0.8 + 1.2, "tau": -1.0 / n}

    path = tmp_path_factory.mktemp("exact") / "s2.nc"
    return synthetic_sweep(path, [("system.spins", [1, 2, 4, 8, 16]), ("B", [0.5, 1.0, 2.0])],
                           summary)  # fmt: skip


def test_noisy_power_law_recovers_its_exponent_within_three_sigma(noisy_file):
    (fit,) = fit_file(noisy_file, "P_max", "system.spins")
    # the OLS error for ln-normal noise of 0.02 over x = 1..20: 0.02/√Sxx ≈ 0.0047
    assert 0 < fit.errors["alpha"] < 0.01
    assert abs(fit.params["alpha"] - 1.5) < 3 * fit.errors["alpha"]
    assert abs(fit.params["beta"] - 3.0) < 3 * fit.errors["beta"]
    assert fit.n == 20 and (fit.x_min, fit.x_max) == (1, 20) and fit.residual_space == "ln y"
    assert 0.99 < fit.r_squared < 1 and 0.005 < fit.rms_residual < 0.04


def test_exact_power_law_per_slice_of_the_other_swept_name(exact_2d):
    fits = fit_file(exact_2d, "P_max", "system_spins")  # dotted or underscored: the same name
    assert [f.where for f in fits] == [{"B": 0.5}, {"B": 1.0}, {"B": 2.0}]
    for f in fits:
        b = f.where["B"]
        assert f.params["alpha"] == pytest.approx(1 + b / 4, abs=1e-10)
        assert f.params["beta"] == pytest.approx(b, rel=1e-10)
        assert f.errors["alpha"] < 1e-10 and f.r_squared == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(f(np.array([3.0])), b * 3 ** (1 + b / 4), rtol=1e-10)


def test_range_selects_points_inclusively(exact_2d):
    fits = fit_file(exact_2d, "P_max", "system.spins", x_range=(2, 8))
    assert all(f.n == 3 and (f.x_min, f.x_max) == (2, 8) for f in fits)
    assert fits[0].params["alpha"] == pytest.approx(1.125, abs=1e-10)


def test_user_model_recovers_known_parameters(exact_2d):
    fits = fit_file(exact_2d, "E_max", "system.spins", model="a*x^b + c",
                    p0={"a": 1.0, "b": 1.0, "c": 0.0})  # fmt: skip
    for f in fits:
        assert f.residual_space == "y" and f.n == 5
        assert f.params == pytest.approx({"a": 2.5, "b": 0.8, "c": 1.2}, rel=1e-7)
        assert max(f.errors.values()) < 1e-6
    # the swept name itself may stand for x (underscored: a dotted name is no identifier)
    (f, *_) = fit_file(exact_2d, "E_max", "system.spins", model="a*system_spins^b + c")
    assert f.params == pytest.approx({"a": 2.5, "b": 0.8, "c": 1.2}, rel=1e-7)


def test_named_linear_and_exponential_models(tmp_path):
    def summary(spec):
        h = spec["parameters"]["h"]
        return {"E_max": 3.0 * h - 1.0, "P_max": 2.0 * np.exp(-0.7 * h)}

    path = synthetic_sweep(tmp_path / "h.nc", [("h", [0.5, 1.0, 1.5, 2.0, 3.0])], summary)
    (lin,) = fit_file(path, "E_max", "h", model="linear")
    assert lin.params == pytest.approx({"a": 3.0, "b": -1.0}, abs=1e-10)
    (exp,) = fit_file(path, "P_max", "h", model="exp")
    assert exp.params == pytest.approx({"a": 2.0, "b": -0.7}, rel=1e-9)


def test_points_without_a_value_are_left_out(tmp_path):
    def summary(spec):  # N_B = 3: an undefined summary (None → NaN in the file)
        return {"P_max": None if spins(spec) == 3 else 2.0 * spins(spec) ** 0.5}

    path = synthetic_sweep(tmp_path / "gap.nc", [("system.spins", [1, 2, 3, 4, 5])], summary)
    (f,) = fit_file(path, "P_max", "system.spins")
    assert f.n == 4 and f.dropped == 1 and f.params["alpha"] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "option", "fragment"),
    [
        ({"quantity": "P_maxx"}, "--quantity", "unknown quantity 'P_maxx'"),
        ({"quantity": "energy"}, "--quantity", "'energy' is a series over t"),
        ({"against": "N"}, "--against", "'N' is not a swept name"),
        ({"quantity": "tau"}, "--model", "a power law needs positive x and y"),
        ({"x_range": (20, None)}, "--range", "0 point(s) in the range [20, inf]"),
        ({"model": "a*x.real"}, "--model", "attribute access"),
        ({"model": "a*t"}, "--model", "'t' cannot be used here"),
        ({"model": "a*x^b", "p0": {"q": 1.0}}, "--p0", "q not in the model's parameters"),
        ({"p0": {"alpha": 1.0}}, "--p0", "closed form"),
        ({"model": "a*exp(b*x)", "p0": {"b": 1e3}}, "--model", "undefined at the initial guess"),
        ({"model": "a*x+b*x^2+c*x^3+d*x^4+e*x^5+f"}, "--model", "the fit needs at least 6"),
    ],
)
def test_bad_requests_raise_one_spec_error_naming_the_option(exact_2d, kwargs, option, fragment):
    args = {"quantity": "P_max", "against": "system.spins"} | kwargs
    with pytest.raises(SpecError) as err:
        fit_file(exact_2d, **args)
    assert err.value.field == option and fragment in str(err.value)
    assert "\n" not in str(err.value)
    if "known" in fragment or option == "--quantity":
        assert "P_max" in str(err.value)  # the error lists what the file does hold


def test_unknown_swept_name_lists_the_swept_names(exact_2d):
    with pytest.raises(SpecError, match=r"swept: system\.spins, B"):
        fit_file(exact_2d, "P_max", "N")


def test_a_single_run_cannot_be_fitted(tmp_path):
    with pytest.raises(SpecError, match="single run"):
        fit_file(tiny_run(tmp_path / "r.nc"), "P_max", "system.spins")


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, (None, None)), ("2:8", (2.0, 8.0)), ("2:", (2.0, None)), (":8", (None, 8.0))],
)
def test_parse_range(text, expected):
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["2", "a:b", "8:2", "nan:1"])
def test_parse_range_rejects(text):
    with pytest.raises(SpecError, match="--range"):
        parse_range(text)


def test_parse_p0():
    assert parse_p0("a=1, b=-2.5e-1") == {"a": 1.0, "b": -0.25}
    with pytest.raises(SpecError, match="--p0"):
        parse_p0("a=1,b")


def test_describe_rounds_the_value_to_the_error():
    assert describe(1.50123, 0.0031) == "1.5012 ± 0.0031"
    assert describe(2.0, 0.0) == "2 ± 0"
    assert describe(2.0, float("nan")) == "2 ± nan"


# --------------------------------------------------------------------------- the command


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_prints_a_row_per_slice_and_writes_json_and_plots(exact_2d, tmp_path):
    js, png, svg = tmp_path / "f.json", tmp_path / "f.png", tmp_path / "f.svg"
    r = invoke("fit", exact_2d, "-q", "P_max", "--against", "system.spins", "--json", js,
               "--plot", png)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if "1…16" in line]
    assert len(rows) == 3  # B = 0.5, 1, 2
    assert "1.12500" in rows[0] or "1.125" in rows[0]
    data = json.loads(js.read_text())
    assert data["source"] == str(exact_2d) and len(data["fits"]) == 3
    assert data["fits"][2]["where"] == {"B": 2.0}
    assert data["fits"][2]["params"]["alpha"] == pytest.approx(1.5, abs=1e-10)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = invoke("fit", exact_2d, "-q", "E_max", "--against", "system.spins", "--model",
               "a*x^b + c", "--p0", "a=1,b=1,c=0", "--plot", svg)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert b"<svg" in svg.read_bytes()[:500]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-q", "nope", "--against", "B"], "error: --quantity: unknown quantity 'nope'"),
        (["-q", "P_max", "--against", "g"], "error: --against: 'g' is not a swept name"),
        (["-q", "P_max", "--against", "B", "--range", "x"], "error: --range:"),
        (["-q", "P_max", "--against", "B", "--plot", "f.gif"], "error: --plot: unknown figure"),
        (["-q", "tau", "--against", "B"], "error: --model: tau vs B"),
    ],
)
def test_cli_errors_exit_2_with_one_line(exact_2d, tmp_path, args, fragment):
    r = invoke("fit", exact_2d, *args)
    assert r.exit_code == 2
    assert r.stderr.startswith(fragment) and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not list(tmp_path.iterdir())


def test_cli_missing_file(tmp_path):
    r = invoke("fit", tmp_path / "none.nc", "-q", "P_max", "--against", "B")
    assert r.exit_code == 2 and "none.nc: no such file" in r.stderr


# --------------------------------------------------------------------------- studies end to end


def test_peng_fig5_exponent_through_sweep_and_fit(tmp_path):
    """peng2021-fig5 fits rows of its P_max map (n = N, ``fit_window`` of ``peak_power``, the
    targets' certified simulate runs); the row N = 8 over N_B = 1..8 through ``qbattery sweep`` of
    examples/central_spin.toml (8 bath spins, all flipped: n = N) + fit gives the same α."""
    from sweepfiles import EXAMPLES

    from qbattery.reproduce.peng2021 import peak_power
    from qbattery.scaling import fit_window
    from qbattery.spec import load_spec
    from qbattery.sweep import sweep

    nbs = list(range(1, 9))
    out = sweep(
        load_spec(EXAMPLES / "central_spin.toml"), [("system.spins", nbs)], tmp_path / "p.nc"
    )
    (f,) = fit_file(tmp_path / "p.nc", "P_max", "system.spins")
    dedicated = [peak_power(nb, 8, 8).summary["P_max"] for nb in nbs]
    np.testing.assert_allclose(out["P_max"].values, dedicated, rtol=1e-12)
    row = fit_window(nbs, dedicated, 1, 8)
    assert f.params["alpha"] == pytest.approx(row.alpha, abs=1e-10)
    assert f.errors["alpha"] == pytest.approx(row.alpha_se, rel=1e-8)


def test_canzio_scaling_through_sweep_and_fit(tmp_path):
    """Canzio et al. Figs. 4-5, Tavis-Cummings with g/√N and all three noise channels (the red
    set): sweep + fit give the exponents that the canzio2024-fig4 and -fig5 targets compute for
    the same points and window (their rows "TC (0.15, 0.1, 0.1): ℰ_max ∝ N^s" and "τ ∝ N^s",
    ``canzio2024._exponent``, here over N = 3, 4, 6; the targets fit N ≥ 6 (ℰ_max) and N ≥ 4 (τ)
    of grids to N = 40, docs/reproduction.md: ℰ_max ∝ N^1.03, τ ∝ N^0.05 for this set)."""
    import copy

    import qbattery
    from qbattery.models.canzio import charger_cutoff
    from qbattery.reproduce import canzio2024 as cz
    from qbattery.sweep import sweep

    ns = [2, 3, 4, 6]

    def canzio_point(spec: dict) -> dict:
        # the family's other N-dependent fields, |α = √N⟩ and its cutoff (scan_spec's choices),
        # which one swept name cannot carry
        spec = copy.deepcopy(spec)
        n = spec["system"]["spins"]
        spec["initial"]["charger"] = {"coherent": float(np.sqrt(n))}
        spec["system"]["mode"]["cutoff"] = charger_cutoff("tc", "coherent", n)
        r = qbattery.simulate(spec)
        assert not r.warnings  # no truncation: the target's adaptive cutoff would not move
        return {"t": r.t, "series": r.series, "summary": r.summary, "info": r.info, "warnings": []}

    out = tmp_path / "canzio.nc"
    sweep(cz.scan_spec("tc", False, "red", ns[0]), [("system.spins", ns)], out,
          run_point=canzio_point)  # fmt: skip
    target = [cz.point("tc", False, "red", n) for n in ns]
    for quantity, key in (("ergotropy_max", "ergotropy_max"), ("tau_ergotropy", "tau")):
        (f,) = fit_file(out, quantity, "system.spins", x_range=(3, None))
        alpha, se = cz._exponent(ns, [p[key] for p in target], 3)
        assert f.n == 3 and f.params["alpha"] == pytest.approx(alpha, abs=1e-9)
        assert f.errors["alpha"] == pytest.approx(se, rel=1e-6)
