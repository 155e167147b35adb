"""Issue 8: every bad input stops with a SpecError naming its field (exit code 2 and one line from
the command line), outputs are checked before any work, and tolerances say what they do."""

import copy
import math
import pickle
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

import qbattery
from qbattery.cli import app
from qbattery.models import central_spin
from qbattery.spec import SpecError, load_spec, validate_spec
from qbattery.sweep import parse_over, sweep

BASE = {
    "system": {"spins": 2, "mode": {"cutoff": 6}},
    "parameters": {"w": 1.0, "g": 0.3},
    "hamiltonian": {"battery": "w*Sz", "charger": "w*n", "coupling": "g*(Sp*a + Sm*ad)"},
    "initial": {"battery": "down", "charger": {"fock": 2}},
    "time": {"t_max": 1.0, "points": 11},
}
SPEC_TOML = """
[system]
spins = 2
mode = { cutoff = 6 }
[parameters]
w = 1.0
g = 0.3
[hamiltonian]
battery = "w*Sz"
charger = "w*n"
coupling = "g*(Sp*a + Sm*ad)"
[initial]
battery = "down"
charger = { fock = 2 }
[time]
t_max = 1.0
points = 11
"""


def with_(path: str, value):
    spec = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = spec
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return spec


def spec_error(spec) -> SpecError:
    with pytest.raises(SpecError) as err:
        qbattery.simulate(spec)
    return err.value


def qbattery_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "qbattery.cli", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# --------------------------------------------------------------------------- files


def test_spec_file_that_is_not_utf8_is_a_spec_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(SPEC_TOML.replace("w = 1.0", "# caf\xe9\nw = 1.0").encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(path)


def test_directory_given_as_spec_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(tmp_path)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_t_max_names_the_field(value):
    err = spec_error(with_("time.t_max", value))
    assert err.field == "time.t_max" and "finite" in err.message


@pytest.mark.parametrize(
    "path, value, field",
    [
        ("parameters.g", math.nan, "parameters.g"),
        ("parameters.g", math.inf, "parameters.g"),
        ("parameters.g", "inf", "parameters.g"),
        ("parameters.g", "1e309", "parameters.g"),
        ("noise.mode_loss", math.inf, "noise.mode_loss"),
        ("noise.local_decay", "nan", "noise.local_decay"),
        ("run.rtol", math.nan, "run.rtol"),
        ("hamiltonian.charger", "1e309", "hamiltonian.charger"),
        ("hamiltonian.charger", "exp(1000)", "hamiltonian.charger"),
        ("initial.charger", {"coherent": [math.nan, 0.0]}, "initial.charger"),
        ("initial.charger", {"thermal": math.inf}, "initial.charger"),
        ("initial.battery", {"coherent_spin": [math.nan, 0.0]}, "initial.battery"),
    ],
)
def test_non_finite_numbers_are_rejected_by_name(path, value, field):
    err = spec_error(with_(path, value))
    assert err.field == field and ("finite" in err.message or "overflow" in err.message)


@pytest.mark.parametrize(
    "path", ["parameters.g", "time.points", "time.t_max", "system.spins", "run.workers"]
)
def test_booleans_are_rejected_by_name_not_taken_as_one(path):
    err = spec_error(with_(path, True))
    assert err.field == path and "boolean" in err.message


def test_a_boolean_inside_an_initial_state_is_rejected():
    err = spec_error(with_("initial.charger", {"thermal": True}))
    assert err.field == "initial.charger.thermal"


def test_negative_rate_prints_as_a_real_number():
    err = spec_error(with_("noise.mode_loss", -0.1))
    assert err.field == "noise.mode_loss"
    assert err.message.endswith("got -0.1") and "j" not in err.message


# --------------------------------------------------------------------------- parameters


def test_parameters_may_use_ones_written_below_them():
    from qbattery.problem import build_problem

    problem = build_problem(with_("parameters", {"g": "2*h", "w": "h/2", "h": 0.5}))
    assert problem.params["g"] == pytest.approx(1.0) and problem.params["w"] == pytest.approx(0.25)


def test_spec_keeps_parameters_in_an_order_every_reader_can_evaluate():
    spec = with_("parameters", {"g": "2*h", "w": "h/2", "h": 0.5})
    assert list(validate_spec(spec).parameters) == ["h", "g", "w"]


def test_a_long_chain_of_parameters_written_backwards_resolves():
    from qbattery.problem import build_problem

    chain = {f"p{k}": f"p{k - 1} + 1" for k in range(1500, 0, -1)} | {"p0": 0.0}
    spec = with_("parameters", {**BASE["parameters"], **chain})
    assert build_problem(spec).params["p1500"] == pytest.approx(1500)


@pytest.mark.parametrize(
    "parameters, cycle",
    [({"a": "b", "b": "2*a"}, "cycle a -> b -> a"), ({"g": "g + 1"}, "cycle g -> g")],
)
def test_a_parameter_cycle_is_an_error_naming_the_cycle(parameters, cycle):
    err = spec_error(with_("parameters", {**BASE["parameters"], **parameters}))
    assert str(err) == f"parameters: {cycle}"


# --------------------------------------------------------------------------- relatives


@pytest.mark.parametrize(
    "path, value, field, fragment",
    [
        ("system", 3, "system", "expected a table"),
        ("noise", [1], "noise", "expected a table"),
        ("noise.thermal_loss", 0.1, "noise.thermal_loss", "unknown field"),
        ("noise.collapse", [{"rate": 0.1}], "noise.collapse.0.operator", "missing"),
        ("output.series", [], "output.series", "at least one"),
        ("output.series", "energy", "output.series", "expected an array"),
        ("system.mode.cutoff", -2, "system.mode.cutoff", "greater than"),
        ("time.points", 50.5, "time.points", "integer"),
        ("parameters.g", [1, 2], "parameters.g", "expected a number or an expression"),
        ("initial.battery", 3, "initial.battery", "state name"),
        ("initial.charger", {"coherent": 1000.0}, "initial.charger", "use cutoff >="),
        ("initial.charger", {"thermal": -1.0}, "initial.charger", "0..100000"),
        ("initial.charger", {"coherent": ["a", 0]}, "initial.charger", "unknown symbol 'a'"),
        ("initial.charger", {"coherent": [[1], 0]}, "initial.charger", "coherent takes"),
        ("preset", ["dicke"], "preset", "unknown preset"),
    ],
)
def test_relatives_of_the_reported_cases_name_the_field(path, value, field, fragment):
    err = spec_error(with_(path, value))
    assert err.field == field and fragment in err.message


def test_preset_sizes_are_checked_before_the_preset_builds():
    err = spec_error({"preset": "dicke", "system": {"spins": "many"}, "time": {"t_max": 1.0}})
    assert err.field == "system.spins"


def test_model_builder_rejects_infinite_t_max_before_any_work():
    with pytest.raises(ValueError) as err:
        central_spin(2, 3, t_max=math.inf)
    assert isinstance(err.value, SpecError) and err.value.field == "time.t_max"


def test_spec_error_survives_pickling_for_sweep_workers():
    err = pickle.loads(pickle.dumps(SpecError("time.points", "too many")))
    assert (err.field, err.message, str(err)) == (
        "time.points",
        "too many",
        "time.points: too many",
    )


def test_drive_that_overflows_on_the_grid_is_refused_quickly():
    spec = with_("hamiltonian.coupling", "exp(1000*t)*g*(Sp*a + Sm*ad)")
    start = time.perf_counter()
    assert spec_error(spec).field == "hamiltonian"
    spec["time"]["t_max"] = 0.5  # e^500: finite, but no integrator could follow it
    assert spec_error(spec).field == "hamiltonian"
    assert time.perf_counter() - start < 10


def test_sweep_rejects_non_finite_values():
    with pytest.raises(SpecError, match="not a finite number") as err:
        parse_over("g=0.1,nan")
    assert err.value.field == "--over"


def test_sweep_checks_every_point_before_running_any(tmp_path):
    calls = []

    def run_point(spec):
        calls.append(spec)
        raise AssertionError("a point ran before the grid was checked")

    with pytest.raises(SpecError) as err:
        sweep(BASE, [("system.mode.cutoff", [6, 0])], tmp_path / "s.nc", run_point=run_point)
    assert err.value.field == "system.mode.cutoff" and not calls


# --------------------------------------------------------------------------- tolerances


def test_closed_solver_says_its_tolerances_are_not_used():
    result = qbattery.simulate(BASE)
    assert result.info["tolerances"].startswith("exact: rtol/atol not used")
    assert not any("rtol" in w for w in result.warnings)


def test_closed_solver_warns_when_the_user_set_a_tolerance():
    result = qbattery.simulate(with_("run", {"rtol": 1e-4}))
    assert any(w.startswith("run.rtol: the closed solver is exact") for w in result.warnings)


def test_closed_ode_path_warns_that_a_looser_rtol_is_tightened():
    spec = with_("hamiltonian.coupling", "g*cos(t)*(Sp*a + Sm*ad)")
    spec["run"] = {"rtol": 1e-4}
    result = qbattery.simulate(spec)
    assert result.info["method"] == "ode" and result.info["rtol"] == 1e-10
    assert any("rtol = 1e-10, tighter than the 0.0001 asked" in w for w in result.warnings)


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    "case",
    ["not_utf8", "directory", "t_max_inf", "g_nan", "g_true", "g_below", "markup"],
)
def test_cli_bad_input_exits_2_with_one_line(case, tmp_path):
    path = tmp_path / "spec.toml"
    text = {
        "t_max_inf": SPEC_TOML.replace("t_max = 1.0", "t_max = inf"),
        "g_nan": SPEC_TOML.replace("g = 0.3", "g = nan"),
        "g_true": SPEC_TOML.replace("g = 0.3", "g = true"),
        "g_below": SPEC_TOML.replace("g = 0.3", 'g = "2*h"\nh = "g"'),
        "markup": SPEC_TOML.replace('battery = "w*Sz"', 'battery = "[bold] w*Sz"'),
    }.get(case, SPEC_TOML)
    if case == "not_utf8":
        path.write_bytes(text.replace("w = 1.0", "# \xe9\nw = 1.0").encode("latin-1"))
    elif case == "directory":
        path = tmp_path
    else:
        path.write_text(text)
    out = tmp_path / "out" / "r.json"
    proc = qbattery_cli("run", path, "-o", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
    fragment = {
        "t_max_inf": "time.t_max: inf is not a finite number",
        "g_nan": "parameters.g: nan is not a finite number",
        "g_true": "parameters.g: got a boolean",
        "g_below": "parameters: cycle g -> h -> g",
        "markup": "cannot parse '[bold] w*Sz'",
        "not_utf8": "is not UTF-8",
        "directory": "is a directory",
    }[case]
    assert fragment in proc.stderr


def _no_work(*args, **kwargs):
    raise AssertionError("computed before the output location was checked")


@pytest.fixture
def blocked(tmp_path):
    """An output location that cannot be created, even by root: under a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    return blocker / "sub"


def test_run_checks_its_output_before_simulating(tmp_path, blocked, monkeypatch):
    monkeypatch.setattr(sys.modules["qbattery.simulate"], "simulate", _no_work)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    result = CliRunner().invoke(app, ["run", str(spec), "-o", str(blocked / "r.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --output:") and "not writable" in result.stderr


def test_sweep_checks_its_output_before_sweeping(tmp_path, blocked, monkeypatch):
    monkeypatch.setattr("qbattery.sweep.sweep", _no_work)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    args = ["sweep", str(spec), "--over", "g=0.1,0.2", "-o", str(blocked / "s.nc")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stderr.startswith("error: --output:")


def test_reproduce_checks_its_output_folder_before_any_target(blocked, monkeypatch):
    from qbattery.reproduce import registry

    name = sorted(registry.load_all())[0]
    target = registry.TARGETS[name]
    monkeypatch.setitem(
        registry.TARGETS, name, registry.Target(name, target.paper, target.description, _no_work)
    )
    result = CliRunner().invoke(app, ["reproduce", name, "--out", str(blocked)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --out:") and "not writable" in result.stderr


def test_reproduce_reports_a_spec_error_of_a_target_in_one_line(tmp_path, monkeypatch):
    from qbattery.reproduce import registry

    def bad(ctx):
        raise SpecError("time.t_max", "inf is not a finite number")

    name = sorted(registry.load_all())[0]
    monkeypatch.setitem(registry.TARGETS, name, registry.Target(name, "p", "d", bad))
    result = CliRunner().invoke(app, ["reproduce", name, "--out", str(tmp_path / "d")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"{name}: time.t_max: inf" in result.stderr and not (tmp_path / "d").exists()


def test_output_check_leaves_nothing_behind(tmp_path, monkeypatch):
    def fails_late(spec, **_):  # `run` passes a progress callback too
        raise SpecError("hamiltonian.battery", "found late")

    monkeypatch.setattr(sys.modules["qbattery.simulate"], "simulate", fails_late)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    result = CliRunner().invoke(app, ["run", str(spec), "-o", str(tmp_path / "a" / "b" / "r.json")])
    assert result.exit_code == 2 and "found late" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_sweep_api_names_an_uncreatable_output(blocked):
    with pytest.raises(SpecError) as err:
        sweep(BASE, [("g", [0.1])], blocked / "s.nc", run_point=_no_work)
    assert err.value.field == "output"
