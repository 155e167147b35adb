"""Fuzzing the public entry points (issue 8): generated specs, valid and malformed, each give a
Result or a SpecError whose field names a real spec path, within a time bound; never another
exception. From the command line, bad files exit 2 with one line and leave no file behind.

The CI profile runs a few hundred examples in well under a minute; ``pytest -m slow`` runs the
same properties with many more. Valid specs stay small (spins <= 4, cutoff <= 6, points <= 50,
t_max <= 5) so that every example runs in milliseconds; malformed sizes are always out of range,
never legal-but-huge (the resource guards are tested apart).
"""

import copy
import json
import math
import subprocess
import sys
import typing
import warnings
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import qbattery
from qbattery.result import Result
from qbattery.spec import SERIES, Spec, SpecError

CI = settings(
    max_examples=300,
    deadline=timedelta(seconds=5),
    derandomize=True,  # the same examples on every CI run: a failure is never a fluke
    database=None,  # no example database in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(CI, max_examples=3000, derandomize=False)  # new examples each run

# --------------------------------------------------------------------------- valid specs

small = st.floats(-2.0, 2.0, allow_nan=False).map(lambda x: round(x, 3))
rate = st.floats(0.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def valid_specs(draw) -> dict:
    """Small, legal specs over every kind of system, state, noise and solver."""
    spins = draw(st.integers(1, 4))
    charger = draw(st.sampled_from(["mode", "bath", "none"]))
    system: dict = {"spins": spins}
    params = {"w": draw(small), "g": draw(small), "k": draw(rate)}
    ham = {"battery": draw(st.sampled_from(["w*Sz", "w*Sz + 0.3*Sx^2/N", "Sz + k*Sx"]))}
    initial: dict = {"battery": draw(st.sampled_from(["down", "up", "ground", {"dicke": 1}]))}
    noise: dict = {}
    if charger == "mode":
        cutoff = draw(st.integers(1, 6))
        system["mode"] = {"cutoff": cutoff}
        ham["charger"] = "w*n"
        ham["coupling"] = draw(
            st.sampled_from(["g*(Sp*a + Sm*ad)", "g/sqrt(N)*Sx*(a + ad)", "g*cos(t)*Sx*(a + ad)"])
        )
        initial["charger"] = draw(
            st.sampled_from(
                ["vacuum", {"fock": min(2, cutoff - 1)}, {"coherent": 0.3}, {"thermal": 0.01}]
            )
        )
        if draw(st.booleans()):
            noise["mode_loss"] = "k"
    elif charger == "bath":
        bath = draw(st.integers(1, 3))
        system["bath_spins"] = bath
        ham["charger"] = "w*Jz"
        ham["coupling"] = "g*(Sp*Jm + Sm*Jp)"
        initial["charger"] = draw(st.sampled_from(["down", "up", {"dicke": bath}]))
    else:
        ham["dynamics"] = draw(st.sampled_from(["w*Sz + g*Sx", "w*Sz + g*cos(t)*Sx"]))
    local = draw(st.sampled_from([None, "local_decay", "local_dephasing", "local_pumping"]))
    if local and charger != "bath":  # local noise needs the permutational solver: no bath
        noise[local] = draw(rate)
    if draw(st.booleans()):
        noise["collective_decay"] = draw(rate)
    solvers = ["auto"] * 6 + ["lindblad"] * (not local) + ["closed"] * (not noise)
    solvers += ["permutational"] * (charger != "bath")
    solver = draw(st.sampled_from(solvers))
    if solver == "auto" and charger == "mode" and not noise and draw(st.integers(0, 9)) == 0:
        solver = "meanfield"  # the slowest per run: a few examples only
    series = draw(st.lists(st.sampled_from(SERIES[:10]), min_size=1, max_size=4, unique=True))
    if solver == "meanfield":
        series = ["energy", "power"]
    spec = {
        "system": system,
        "parameters": params,
        "hamiltonian": ham,
        "initial": initial,
        "noise": noise,
        "time": {"t_max": draw(st.floats(0.1, 5.0)), "points": draw(st.integers(2, 50))},
        "run": {"solver": solver},
        "output": {"series": series},
    }
    if draw(st.booleans()):  # parameters in an order where one uses another written below it
        spec["parameters"] = {"g2": "2*g", **params, "g": "w/2"}
    return spec


# --------------------------------------------------------------------------- malformed specs

HOSTILE_EXPRESSIONS = [
    "__import__('os').system('true')",
    "().__class__.__bases__[0]",
    "open('/etc/passwd')",
    "lambda: 1",
    "[x for x in ()]",
    "a.b",
    "Sx if t else Sz",
    "1e308*1e308",
    "10^400",
    "9" * 400,
    "2^2^2^2^2^2",
    "exp(1000)",
    "exp(exp(10))",
    "exp(1000*t)*Sx*(a + ad)",
    "1e309",
    "1e-400",
    "nan",
    "inf",
    "-inf*Sz",
    "1/0",
    "0^-1",
    "Sx^65",
    "Sx^-1",
    "Sx^0.5",
    "sqrt(Sx)",
    "Sz/Sx",
    "i*Sx",
    "Sx*a*Jz",
    "t^t",
    "N^N^N",
    "-" * 200 + "1",
    "(" * 300 + "1" + ")" * 300,
    "1" + "+1" * 2500,
    "",
    "   ",
    "w*",
    "g = 1",
    "\x00",
]
HOSTILE_NUMBERS = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e308, -1e101, 5e-324, 10**400]
BAD_TYPES = [True, False, None, [1, 2], {"x": 1}, "x", [], {}]
BAD_SIZES = [-1, 0, 2.5, 10**9, 10**400, "many", math.nan]
PATHS = {
    "size": ["system.spins", "system.bath_spins", "system.atoms", "system.mode.cutoff",
             "time.points", "run.workers"],
    "number": ["time.t_max", "run.rtol", "run.atol", "run.sector_tol", "run.max_memory",
               "initial.charger.thermal", "initial.charger.coherent"],
    "expression": ["parameters.g", "parameters.w", "parameters.new", "hamiltonian.battery",
                   "hamiltonian.charger", "hamiltonian.coupling", "hamiltonian.dynamics",
                   "noise.mode_loss", "noise.local_decay", "noise.collective_decay"],
    "section": ["system", "parameters", "hamiltonian", "initial", "noise", "time", "run",
                "output", "system.mode", "noise.collapse", "output.series", "system.levels",
                "initial.battery", "initial.charger", "run.solver", "preset", "bogus",
                "time.tmax", "noise.thermal"],
}  # fmt: skip
VALUES = {
    "size": st.sampled_from(BAD_SIZES + BAD_TYPES),
    "number": st.sampled_from(HOSTILE_NUMBERS + BAD_TYPES),
    "expression": st.sampled_from(HOSTILE_EXPRESSIONS + HOSTILE_NUMBERS + BAD_TYPES),
    "section": st.sampled_from(BAD_TYPES + [3, "dicke", ["energy", "fun"], {"spins": 2}]),
}


DELETE = object()


@st.composite
def mutation(draw) -> tuple[str, object]:
    kind = draw(st.sampled_from(sorted(PATHS)))
    path = draw(st.sampled_from(PATHS[kind]))
    value = draw(st.one_of(st.just(DELETE), VALUES[kind]))
    return path, value


def mutate(spec: dict, path: str, value) -> dict:
    spec = copy.deepcopy(spec)
    *parents, last = path.split(".")
    node = spec
    for p in parents:
        if not isinstance(node.get(p), dict) or p in ("battery", "charger"):
            node[p] = {}  # an initial state is one entry: {thermal = x} replaces {fock = 2}
        node = node[p]
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)
    return spec


@st.composite
def malformed_specs(draw) -> dict:
    spec = draw(valid_specs())
    for path, value in draw(st.lists(mutation(), min_size=1, max_size=3)):
        spec = mutate(spec, path, value)
    return spec


# --------------------------------------------------------------------------- the property


def _model(annotation) -> type[BaseModel] | None:
    """The section model an annotation holds (through Optional, list[...], Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model(arg)
        if found is not None:
            return found
    return None


def names_a_spec_path(field: str, spec: dict) -> bool:
    """A field of the spec's schema, or an entry the spec itself wrote (a parameter's name, an
    unknown key, a collapse entry's index)."""
    model: type[BaseModel] | None = Spec
    node = spec
    for part in field.split("."):
        if model is not None and part in model.model_fields:
            model = _model(model.model_fields[part].annotation)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            pass  # an entry of a list of sections: same model
        elif isinstance(node, dict) and part in node:
            model = None
        else:
            return False
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = None
    return True


def result_or_named_spec_error(spec: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numerical warnings are not what is tested here
        try:
            result = qbattery.simulate(spec)
        except SpecError as err:
            assert err.field, f"SpecError without a field: {err}"
            assert names_a_spec_path(err.field, spec), f"{err.field!r} is not a spec path: {err}"
            return
    assert isinstance(result, Result) and len(result.t) == result.spec["time"]["points"]


@CI
@given(valid_specs())
def test_valid_specs_give_a_result_or_a_named_spec_error(spec):
    result_or_named_spec_error(spec)


@CI
@given(malformed_specs())
def test_malformed_specs_give_a_named_spec_error(spec):
    result_or_named_spec_error(spec)


@pytest.mark.slow
@SLOW
@given(st.one_of(valid_specs(), malformed_specs()))
def test_many_specs_give_a_result_or_a_named_spec_error(spec):
    result_or_named_spec_error(spec)


# --------------------------------------------------------------------------- the command line


def to_toml(spec: dict) -> str:
    """A TOML file of a (possibly malformed) spec: top-level scalars first, then [tables]."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if math.isnan(v) else ("inf" if v == math.inf else repr(v))
        if isinstance(v, int | str):
            return json.dumps(v) if isinstance(v, str) else str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"

    lines = [f"{k} = {value(v)}" for k, v in spec.items() if not isinstance(v, dict)]
    for k, v in spec.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{json.dumps(kk)} = {value(x)}" for kk, x in v.items()]
    return "\n".join(lines) + "\n"


def _has_none(v) -> bool:
    if isinstance(v, dict):
        return any(_has_none(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_none(x) for x in v)
    return v is None


def _is_bad(spec: dict) -> bool:
    try:
        qbattery.validate_spec(spec)
        from qbattery.problem import build_problem

        build_problem(spec)
    except SpecError:
        return True
    return False


@settings(CI, max_examples=6, deadline=None)
@given(malformed_specs())
def test_bad_spec_files_exit_2_with_one_line_and_no_output(tmp_path_factory, spec):
    assume(not _has_none(spec) and _is_bad(spec))  # TOML has no null
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "bad.toml"
    path.write_text(to_toml(spec))
    out = folder / "out" / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "qbattery.cli", "run", str(path), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["bad.toml"]
