"""Spec validation: every wrong input names its field; presets fill sections; TOML loads."""

import copy

import numpy as np
import pytest

import qbattery
from qbattery.problem import build_problem
from qbattery.spec import SpecError, validate_spec

BASE = {
    "system": {"spins": 2, "mode": {"cutoff": 6}},
    "parameters": {"w": 1.0, "g": 0.3},
    "hamiltonian": {"battery": "w*Sz", "charger": "w*n", "coupling": "g*(Sp*a + Sm*ad)"},
    "initial": {"battery": "down", "charger": {"fock": 2}},
    "time": {"t_max": 1.0, "points": 11},
}


def with_(path: str, value):
    spec = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = spec
    for p in parents:
        node = node.setdefault(p, {})
    if value is None:
        node.pop(last)
    else:
        node[last] = value
    return spec


@pytest.mark.parametrize(
    "path, value, field, fragment",
    [
        ("time.points", 1, "time.points", "greater than or equal"),
        ("time.t_max", -1.0, "time.t_max", "greater than"),
        ("time.tmax", 3.0, "time.tmax", "unknown field"),
        ("system.spins", None, "system", "exactly one battery"),
        ("system.mode.cutoff", 0, "system.mode.cutoff", "greater than"),
        ("hamiltonian.battery", None, "hamiltonian.battery", "missing"),
        ("hamiltonian.coupling", "g*Sx*b", "hamiltonian.coupling", "unknown symbol 'b'"),
        ("hamiltonian.battery", "w*Sz + n", "hamiltonian.battery", "do not act on this subsystem"),
        ("hamiltonian.charger", "w*Sz", "hamiltonian.charger", "do not act on this subsystem"),
        ("hamiltonian.coupling", "i*g*Sx*a", "hamiltonian.coupling", "not Hermitian"),
        ("hamiltonian.battery", "w*Sz*cos(t)", "hamiltonian.battery", "must not depend on t"),
        ("parameters.N", 3.0, "parameters.N", "built-in"),
        ("parameters.Sx", 3.0, "parameters.Sx", "built-in"),
        ("parameters.bad", "w*Sx", "parameters.bad", "unknown symbol 'Sx'"),
        ("initial.charger", {"fock": 9}, "initial.charger", "cutoff >= 10"),
        ("initial.charger", {"coherent": 3.0}, "initial.charger", "use cutoff >="),
        ("initial.charger", {"thermal": 5.0}, "initial.charger", "use cutoff >="),
        ("initial.charger", {"photons": 2}, "initial.charger", "unknown initial charger"),
        ("initial.battery", {"dicke": 7}, "initial.battery", "0..2"),
        ("initial.battery", "excited", "initial.battery", "unknown initial battery"),
        ("noise.mode_loss", -0.1, "noise.mode_loss", ">= 0"),
        ("noise.collective_decay", "g*Sx", "noise.collective_decay", "contains an operator"),
        ("output.series", ["energy", "fun"], "output.series", "unknown series"),
        ("run.solver", "magic", "run.solver", "Input should be"),
        ("preset", "nope", "preset", "unknown preset"),
    ],
)
def test_bad_input_names_the_field(path, value, field, fragment):
    with pytest.raises(SpecError) as err:
        build_problem(with_(path, value))
    assert err.value.field == field
    assert fragment in err.value.message


def test_degenerate_ground_state_is_an_error():
    spec = with_("initial.battery", "ground")
    spec["hamiltonian"]["battery"] = "-w*Sz^2"  # Sz = ±1 degenerate for N = 2
    with pytest.raises(SpecError, match="degenerate") as err:
        build_problem(spec)
    assert err.value.field == "initial.battery"


def test_parameters_may_use_earlier_parameters_and_builtins():
    spec = with_("parameters", {"w": 1.0, "g": "0.5*w/sqrt(N)"})
    assert build_problem(spec).params["g"] == pytest.approx(0.5 / np.sqrt(2))


def test_preset_fills_sections_and_explicit_sections_win():
    spec = validate_spec(
        {"preset": "tavis-cummings", "system": {"spins": 3, "mode": {"cutoff": 9}},
         "initial": {"charger": {"coherent": 1.0}}, "time": {"t_max": 2.0}}
    )  # fmt: skip
    assert spec.system.spins == 3 and spec.system.mode.cutoff == 9
    assert spec.initial.charger == {"coherent": 1.0}  # replaced whole, not merged with fock
    assert spec.hamiltonian.coupling == "g/sqrt(N)*(Sp*a + Sm*ad)"
    assert spec.time.t_max == 2.0


def test_every_preset_runs():
    for name in qbattery.models.PRESETS:
        spec = {"preset": name, "system": {"spins": 2}, "time": {"t_max": 1.0, "points": 5}}
        if name == "central-spin":
            spec["system"]["bath_spins"] = 3
        result = qbattery.simulate(spec)
        assert np.isfinite(result.energy).all()


def test_load_spec_reports_toml_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[system\nspins = 2")
    with pytest.raises(SpecError, match="not valid TOML"):
        qbattery.load_spec(bad)
    with pytest.raises(SpecError, match="not found"):
        qbattery.load_spec(tmp_path / "missing.toml")


def test_resolved_spec_is_recorded_with_defaults_and_version():
    result = qbattery.simulate(BASE)
    assert result.spec["run"]["solver"] == "auto"
    assert result.spec["output"]["series"] == ["energy", "power", "ergotropy"]
    assert result.spec["qbattery_version"] == qbattery.__version__
    assert result.info["solver"] == "closed"
    assert "excitation_number" in result.info["conserved_charges"]
