"""What an optimisation searches: the objective (a summary key), the box of varied names
(``g=0.1:1``, ``kappa=log:1e-3:1``, ``system.spins=int:2:6``) and the base spec, all checked
before any work; a :class:`Search` also gives the key its study is stored under."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qbattery.spec import Spec, SpecError, validate_spec
from qbattery.sweep_grid import point_spec, resolve_name

# summary keys of qbattery.simulate and the series each needs in [output] series
SUMMARY_KEYS: dict[str, tuple[str, ...]] = {
    "E_max": (),
    "t_E_max": (),
    "P_max": (),
    "t_P_max": (),
    "tau_first_peak": (),
    "E_first_peak": (),
    "P_first_peak": (),
    "E_initial": (),
    "ergotropy_max": ("ergotropy",),
    "tau_ergotropy": ("ergotropy",),
    "energy_at_tau": ("ergotropy",),
    "P_ergotropy_max": ("ergotropy",),
    "t_P_ergotropy_max": ("ergotropy",),
    "switching_cost_at_tau": ("ergotropy", "switching_cost"),
    "locked_energy_at_tau": ("ergotropy", "locked_energy"),
    "locked_energy_max": ("locked_energy",),  # reported where Canzio's bound applies
    "locked_energy_bound": ("locked_energy",),
    "w_max": (),  # mean-field solver only
}
KINDS = ("float", "log", "int")


@dataclass(frozen=True)
class Range:
    """One varied name's box: ``lo ≤ x ≤ hi``, sampled uniformly, log-uniformly or as integers."""

    lo: float
    hi: float
    kind: str = "float"

    def text(self) -> str:
        prefix = "" if self.kind == "float" else f"{self.kind}:"
        return f"{prefix}{self.lo:g}:{self.hi:g}"


def parse_vary(text: str) -> tuple[str, Range]:
    """``"g=0.1:1"``, ``"kappa=log:1e-3:1"``, ``"system.spins=int:2:6"`` → (name, Range)."""
    name, sep, body = text.partition("=")
    name = name.strip()
    if not sep or not name or not body.strip():
        raise SpecError("--vary", f"expected NAME=lo:hi (or log:lo:hi, int:lo:hi), got {text!r}")
    parts = [p.strip() for p in body.split(":")]
    kind = parts.pop(0) if parts[0] in KINDS else "float"
    if len(parts) != 2:
        raise SpecError("--vary", f"{name}: expected lo:hi, log:lo:hi or int:lo:hi, got {body!r}")
    bounds = []
    for p in parts:
        try:
            bounds.append(float(p))
        except ValueError:
            raise SpecError("--vary", f"{name}: {p!r} is not a number") from None
    return name, as_range(name, (*bounds, kind))


def as_range(name: str, value) -> Range:
    """A checked :class:`Range` from a Range, ``(lo, hi)``, ``(lo, hi, kind)`` or a text form."""
    if isinstance(value, str):
        return parse_vary(f"{name}={value}")[1]
    if isinstance(value, Range):
        lo, hi, kind = value.lo, value.hi, value.kind
    else:
        try:
            lo, hi, *rest = value
            kind = rest[0] if rest else "float"
        except (TypeError, ValueError):
            raise SpecError("--vary", f"{name}: expected (lo, hi) or (lo, hi, kind)") from None
    if kind not in KINDS:
        raise SpecError("--vary", f"{name}: unknown kind {kind!r}; use {', '.join(KINDS)}")
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise SpecError("--vary", f"{name}: bounds must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise SpecError("--vary", f"{name}: bounds must be finite")
    if not lo < hi:
        raise SpecError("--vary", f"{name}: expected lo < hi, got {lo:g}:{hi:g}")
    if kind == "log" and lo <= 0:
        raise SpecError("--vary", f"{name}: a log range needs lo > 0, got {lo:g}")
    if kind == "int":
        if not (lo.is_integer() and hi.is_integer()):
            raise SpecError("--vary", f"{name}: an int range needs integer bounds")
        return Range(int(lo), int(hi), kind)
    return Range(lo, hi, kind)


@dataclass
class Search:
    """A validated search: base spec, objective, direction and box (what the study is keyed by)."""

    base: dict
    objective: str
    maximize: bool
    space: dict[str, Range]

    @property
    def key(self) -> dict:
        """What a study is made for; the varied names' values in the base spec do not count."""
        masked = point_spec(self.base, self._paths(dict.fromkeys(self.space)))
        return {
            "spec": _digest(masked),
            "objective": self.objective,
            "direction": "maximize" if self.maximize else "minimize",
            "space": {n: self.space[n].text() for n in sorted(self.space)},
        }

    @property
    def study_name(self) -> str:
        return "qbattery-" + _digest(self.key)

    def point(self, params: Mapping) -> dict:
        """The spec of one trial."""
        return point_spec(self.base, self._paths(params))

    def _paths(self, params: Mapping) -> dict:
        """Varied names as spec paths: ``N`` → system.spins, ``cutoff``, parameters, ... (as a
        sweep names them, :func:`qbattery.sweep_grid.resolve_name`)."""
        return {resolve_name(self.base, name, "--vary"): v for name, v in params.items()}

    def distributions(self) -> dict:
        from optuna.distributions import FloatDistribution, IntDistribution

        return {
            name: IntDistribution(int(r.lo), int(r.hi))
            if r.kind == "int"
            else FloatDistribution(r.lo, r.hi, log=r.kind == "log")
            for name, r in self.space.items()
        }


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def prepare(spec: Spec | dict | str | Path, objective: str, vary: Mapping, maximize=True) -> Search:
    """Check everything before any work: the objective, every name, every range's ends."""
    if isinstance(spec, str | Path):
        from qbattery.spec import load_spec

        spec = load_spec(spec)
    base = validate_spec(spec).as_written()  # expressions of N kept: they follow a varied N
    base.pop("qbattery_version", None)
    option = "--maximize" if maximize else "--minimize"
    if objective not in SUMMARY_KEYS:
        raise SpecError(
            option, f"unknown summary quantity {objective!r}; known: {', '.join(SUMMARY_KEYS)}"
        )
    series = base.get("output", {}).get("series", [])
    missing = [s for s in SUMMARY_KEYS[objective] if s not in series]
    if missing:
        raise SpecError(option, f"{objective} needs {', '.join(missing)} in [output] series")
    if not vary:
        raise SpecError("--vary", "give at least one NAME=lo:hi to vary")
    space = {name: as_range(name, value) for name, value in vary.items()}
    paths = [resolve_name(base, name, "--vary") for name in space]  # a clear error if unknown
    if len(set(paths)) != len(paths):
        raise SpecError("--vary", "each spec field may be varied once (N is system.spins)")
    search = Search(base, objective, maximize, space)
    middle = {n: _middle(r) for n, r in space.items()}
    for name, r in space.items():  # each end, the other names in the middle of their ranges
        for end in (r.lo, r.hi):
            try:
                validate_spec(search.point({**middle, name: end}))
            except SpecError as err:
                raise SpecError("--vary", f"{name}={end:g}: {err}") from None
    return search


def _middle(r: Range):
    if r.kind == "int":
        return int((r.lo + r.hi) // 2)
    return math.sqrt(r.lo * r.hi) if r.kind == "log" else 0.5 * (r.lo + r.hi)
