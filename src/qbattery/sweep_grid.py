"""The grid of a sweep: ``--over`` values, what each swept name sets, and what a point *is*.

A point's identity is its resolved spec (the validated spec with the point's values put in), with
numbers in one canonical form: ``1`` and ``1.0`` are the same point, as are ``--over N=4`` and
``--over system.spins=4``. ``run.workers`` and ``run.max_memory`` say how a point is computed, not
what it is, so they are no part of its identity (raising the memory limit to let a refused point
run does not make the finished ones stale).
"""

from __future__ import annotations

import copy
import hashlib
import json
import numbers

import numpy as np

from qbattery.spec import SpecError, validate_spec

# spec entries that choose how a point is computed; its results do not depend on them
EXECUTION_FIELDS = ("run.workers", "run.max_memory")
# names a user may sweep besides the spec's own parameters and dotted paths
ALIASES = {"N": "the battery size", "N_C": "the bath size", "cutoff": "the mode's cutoff"}
_RANGE_FORMS = "start:stop:num (linear) or log:start:stop:num (geometric)"


def parse_over(text: str) -> tuple[str, list]:
    """``"g=0.1,0.2"`` → ("g", [0.1, 0.2]); ``"g=0:1:5"`` → 5 values from 0 to 1 inclusive (like
    numpy.linspace); ``"g=log:0.01:1:3"`` → [0.01, 0.1, 1.0] (like numpy.geomspace);
    ``"system.spins=2,4"`` addresses a spec field. Range values are rounded to 15 significant
    digits, so ``0:1:11`` gives 0.3 (not 0.30000000000000004) and shares its points with
    ``0:1:21`` and with a typed ``0.3``."""
    name, sep, values = text.partition("=")
    name, values = name.strip(), values.strip()
    if not sep or not name or not values:
        raise SpecError("--over", f"expected NAME=v1,v2,... or NAME={_RANGE_FORMS}, got {text!r}")
    if ":" in values:
        out = _parse_range(name, values)
    else:
        out = [_number(name, v.strip()) for v in values.split(",")]
    if len({canonical(v) for v in out}) != len(out):
        raise SpecError("--over", f"{name}: repeated values")
    return name, out


def _number(name: str, text: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise SpecError("--over", f"{name}: {text!r} is not a number") from None
    if not np.isfinite(number):
        raise SpecError("--over", f"{name}: {text!r} is not a finite number")
    return int(number) if number.is_integer() and _written_as_integer(text) else number


def _written_as_integer(text: str) -> bool:
    return not any(c in text.lower() for c in ".e")


def _parse_range(name: str, values: str) -> list:
    parts = [p.strip() for p in values.split(":")]
    geometric = parts[0].lower() == "log"
    if geometric:
        parts = parts[1:]
    if len(parts) != 3 or "," in values:
        raise SpecError("--over", f"{name}: expected {_RANGE_FORMS}, got {values!r}")
    start, stop = (_number(name, p) for p in parts[:2])
    try:
        num = int(parts[2])
    except ValueError:
        num = 0
    if num < 1:
        raise SpecError("--over", f"{name}: num must be a whole number >= 1, got {parts[2]!r}")
    if geometric:
        if start == 0 or stop == 0 or (start < 0) != (stop < 0):
            raise SpecError(
                "--over", f"{name}: log:start:stop:num needs start and stop of one sign, not 0"
            )
        raw = np.geomspace(start, stop, num)
    else:
        raw = np.linspace(start, stop, num)
    out = [float(f"{v:.15g}") for v in raw]
    if all(_written_as_integer(p) for p in parts[:2]) and all(v.is_integer() for v in out):
        return [int(v) for v in out]  # N=2:8:4 sets integer fields with integers
    return out


def resolve_name(base: dict, name: str, option: str = "--over") -> str:
    """The dotted spec path a swept name sets: a parameter, ``N`` (battery size), ``N_C`` (bath
    size), ``cutoff`` (the mode's), or a dotted path as written. ``base`` is a validated spec."""
    if "." in name:
        return name
    params = base.get("parameters", {})
    if name in params:
        return f"parameters.{name}"
    system = base.get("system", {})
    if name == "N":
        return "system.spins" if "spins" in system else "system.atoms"
    if name == "N_C" and "bath_spins" in system:
        return "system.bath_spins"
    if name == "cutoff" and "mode" in system:
        return "system.mode.cutoff"
    known = ", ".join(params) or "none"
    raise SpecError(
        option,
        f"{name!r} is not a parameter of the spec (known: {known}; also N, N_C with a bath, "
        "cutoff with a mode, or a dotted spec path such as time.t_max)",
    )


def legacy_path(name: str) -> str:
    """What a swept name set in files of qbattery 0.1 (no aliases): a parameter or a path."""
    return name if "." in name else f"parameters.{name}"


def resolve_names(base: dict, names: list[str]) -> list[str]:
    """Paths of ``names``, each swept once (``N`` and ``system.spins`` are the same field)."""
    paths = [resolve_name(base, n) for n in names]
    for k, path in enumerate(paths):
        if path in paths[:k]:
            first = names[paths.index(path)]
            same = "" if first == names[k] else f" ({first} and {names[k]} both set {path})"
            raise SpecError("--over", f"each name may be swept once{same}")
    return paths


def point_spec(base: dict, assignment: dict) -> dict:
    """The base spec with one grid point's values put in (parameters, or dotted spec paths)."""
    spec = copy.deepcopy(base)
    for name, value in assignment.items():
        path = name if "." in name else f"parameters.{name}"
        node = spec
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return spec


def canonical(value):
    """``value`` with every number a float (``1`` → 1.0, −0.0 → 0.0) and dict keys sorted."""
    if isinstance(value, dict):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value) + 0.0
    return value


def identity(spec: dict) -> dict:
    """What a resolved point spec is, execution settings and the package version left out."""
    out = copy.deepcopy(spec)
    out.pop("qbattery_version", None)
    for path in EXECUTION_FIELDS:
        _drop(out, path)
    return canonical(out)


def point_key(spec: dict) -> str:
    """A file name for the point ``spec`` (resolved): equal specs, equal keys."""
    text = json.dumps(identity(spec), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def resolved(spec: dict) -> dict:
    """The validated form of a point spec (preset merged, defaults filled)."""
    return validate_spec(spec).to_dict()


def changed_fields(old: dict, new: dict, ignore: set[str]) -> list[str]:
    """Dotted paths where two specs differ, skipping ``ignore`` (the swept paths) and below."""
    old, new = identity(old), identity(new)
    out: list[str] = []

    def walk(a, b, path: str) -> None:
        if path in ignore:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        elif a != b:
            out.append(path)

    walk(old, new, "")
    return out


def _drop(spec: dict, path: str) -> None:
    *parents, last = path.split(".")
    node = spec
    for p in parents:
        node = node.get(p)
        if not isinstance(node, dict):
            return
    node.pop(last, None)


def legacy_hash(base: dict) -> str:
    """The base-spec hash that named the partial records of qbattery 0.1."""
    return hashlib.sha256(json.dumps(base, sort_keys=True, default=str).encode()).hexdigest()[:16]
