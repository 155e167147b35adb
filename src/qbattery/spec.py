"""Spec files: the TOML description of one charging protocol, validated with readable errors.

The structure is the public contract of ARCHITECTURE.md: ``[system] [parameters] [hamiltonian]
[initial] [noise] [time] [run] [output]``, plus an optional ``preset`` that fills in sections an
explicit section then overrides. Every error is a :class:`SpecError` whose ``field`` is the dotted
path of the offending entry (``hamiltonian.coupling``, ``time.points``, ...).

Numbers are finite and never booleans (``g = true`` is not 1); parameters may use each other in
any written order (a cycle is an error naming it); the value types of the initial states are
checked here, which states a system admits where the state is built (:mod:`qbattery.problem`).
"""

from __future__ import annotations

import copy
import math
import numbers
from pathlib import Path
from typing import Annotated, Any, Literal

import tomllib
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from qbattery import expr

SOLVERS = ("auto", "closed", "lindblad", "permutational", "meanfield")
SERIES = (
    "energy",
    "power",
    "ergotropy",
    "ergotropy_symmetric",
    "energy_std",
    "purity",
    "charger_energy",
    "interaction_energy",
    "switching_cost",  # −Tr[ρ(t) H_I], the cost of switching the coupling off (Canzio Eq. 5)
    "locked_energy",  # passive energy above the ground level: E_B − ergotropy
    "u",  # mean-field Bloch vector: <S_x>/S, <S_y>/S, <S_z>/S (solver = "meanfield")
    "v",
    "w",
)
# the series computed from the battery's reduced state ρ_B(t) (the others are expectations)
STATE_SERIES = frozenset({"ergotropy", "ergotropy_symmetric", "purity", "locked_energy"})
MAX_CUTOFF = 100_000
MAX_SPINS = 100_000


class SpecError(ValueError):
    """Invalid input; ``field`` names where in the spec it is (dotted path)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)

    def __reduce__(self):  # survive pickling (a sweep's worker processes raise it)
        return type(self), (self.field, self.message)


def _kind(value) -> str:
    """What a value is, in TOML's words (for messages)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, numbers.Integral):
        return f"the integer {value}" if abs(value) < 10**20 else "a huge integer"
    if value is None:
        return "nothing (None)"
    if isinstance(value, numbers.Real):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _finite(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"expected a number, got {_kind(value)}")
    try:
        x = float(value)
    except OverflowError:  # an integer of hundreds of digits
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"{x} is not a finite number")
    return x


def _scalar(value) -> float | str:
    """A number (finite, never a boolean) or an expression string, checked later."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"expected a number or an expression string, got {_kind(value)}")
    return _finite(value)


Scalar = Annotated[float | str, PlainValidator(_scalar)]


def _count(value, where: str, most: int) -> None:
    if isinstance(value, str):  # an expression over the parameters ("N"), checked when built
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= most:
        raise ValueError(f"{where} takes an integer 0..{most} or an expression, got {_kind(value)}")


def _amplitude(value) -> None:
    parts = value if isinstance(value, list) and len(value) == 2 else [value]
    try:
        for v in parts:
            _scalar(v)
    except ValueError as err:
        raise ValueError(f"coherent takes a number or [re, im]: {err}") from None


def _thermal(value) -> None:
    if isinstance(value, str):
        return
    try:
        nbar = _finite(value)
    except ValueError as err:
        raise ValueError(f"thermal takes a mean photon number: {err}") from None
    if not 0 <= nbar <= MAX_CUTOFF:
        raise ValueError(f"thermal takes a mean photon number 0..{MAX_CUTOFF}, got {nbar:g}")


def _angles(value) -> None:
    if not (isinstance(value, list) and len(value) == 2):
        raise ValueError("coherent_spin takes [theta, phi]")
    for v in value:
        try:
            _scalar(v)
        except ValueError as err:
            raise ValueError(f"coherent_spin: {err}") from None


def _names(value) -> None:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ValueError("atoms takes a list of level names")


# the value types of the tabled initial states; which states a system admits is checked where the
# state is built, with the system at hand
_STATE_VALUES = {
    "dicke": lambda v: _count(v, "dicke", MAX_SPINS),
    "fock": lambda v: _count(v, "fock", MAX_CUTOFF - 1),
    "coherent": _amplitude,
    "thermal": _thermal,
    "coherent_spin": _angles,
    "atoms": _names,
}


def _state(value):
    """A named state ("down", "vacuum", ...) or a one-entry table such as ``{ fock = 2 }``."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ValueError(
            f"expected a state name or a table such as {{ fock = 2 }}, got {_kind(value)}"
        )
    if len(value) == 1:
        ((key, entry),) = value.items()
        if key in _STATE_VALUES:
            _STATE_VALUES[key](entry)
    return value


State = Annotated[str | dict[str, Any], PlainValidator(_state)]


class _Section(BaseModel):
    # no NaN or infinity in any number field (t_max, rates, tolerances, limits, ...)
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


def _cutoff(value) -> int | str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"expected an integer or an expression, got {_kind(value)}")
    if not 1 <= value <= MAX_CUTOFF:
        raise ValueError(f"should be greater than or equal to 1 and at most {MAX_CUTOFF}")
    return int(value)


class Mode(_Section):
    # a number, or an expression over N and the parameters ("N + 8*sqrt(N) + 4"), which
    # validate_spec replaces by its value rounded up
    cutoff: Annotated[int | str, PlainValidator(_cutoff)]


class System(_Section):
    spins: int | None = Field(default=None, ge=1, le=MAX_SPINS)
    atoms: int | None = Field(default=None, ge=1, le=12)
    levels: list[str] | None = None
    mode: Mode | None = None
    bath_spins: int | None = Field(default=None, ge=1, le=MAX_SPINS)

    @model_validator(mode="after")
    def _one_battery_one_charger(self) -> System:
        if (self.spins is None) == (self.atoms is None):
            raise ValueError("give exactly one battery: 'spins = N' or 'atoms = K' with 'levels'")
        if self.atoms is not None and not self.levels:
            raise ValueError("'atoms' needs 'levels', e.g. levels = ['g', 'm', 'e']")
        if self.levels is not None and len(set(self.levels)) != len(self.levels):
            raise ValueError("level names must be distinct")
        if self.mode is not None and self.bath_spins is not None:
            raise ValueError("give at most one charger: 'mode' or 'bath_spins'")
        return self


class Hamiltonian(_Section):
    battery: Scalar
    charger: Scalar = "0"
    coupling: Scalar = "0"
    dynamics: Scalar | None = None


class Initial(_Section):
    battery: State = "ground"
    charger: State | None = None
    total: Literal["ground"] | None = None  # the ground state of the whole generator instead

    @model_validator(mode="after")
    def _total_alone(self) -> Initial:
        if self.total is not None and "battery" in self.model_fields_set:
            raise ValueError("give either 'total' or 'battery'/'charger', not both")
        if self.total is not None and self.charger is not None:
            raise ValueError("give either 'total' or 'battery'/'charger', not both")
        return self


class Collapse(_Section):
    rate: Scalar
    operator: str


class Noise(_Section):
    mode_loss: Scalar = 0.0
    local_decay: Scalar = 0.0
    local_dephasing: Scalar = 0.0
    local_pumping: Scalar = 0.0
    collective_decay: Scalar = 0.0
    collapse: list[Collapse] = Field(default_factory=list)


class Time(_Section):
    t_max: float = Field(gt=0, le=expr.MAX_MAGNITUDE)
    points: int = Field(default=401, ge=2, le=10_000_000)


class Run(_Section):
    solver: Literal[SOLVERS] = "auto"  # type: ignore[valid-type]
    rtol: float = Field(default=1e-8, gt=0, lt=1)
    atol: float = Field(default=1e-10, gt=0, lt=1)
    # permutational solver: coherence sectors k are added until the battery state changes by
    # less than this (trace norm) over the whole run
    sector_tol: float = Field(default=1e-7, gt=0, lt=1)
    # permutational solver: processes for its sectors (0 = one per core when sectors are large)
    workers: int = Field(default=0, ge=0, le=1024)
    # memory limit of one run in GiB (None: from the machine's available memory)
    max_memory: float | None = Field(default=None, gt=0)


class Output(_Section):
    series: list[str] = Field(default_factory=lambda: ["energy", "power", "ergotropy"])
    # quantum states kept in the result (qbattery.states): none, the battery's reduced state, or
    # that and the full state, at state_times (nearest grid points; None = every grid point)
    states: Literal["none", "battery", "full"] = "none"
    state_times: list[float] | None = Field(default=None, min_length=1)

    @field_validator("series")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SERIES]
        if unknown:
            raise ValueError(f"unknown series {unknown}; known: {', '.join(SERIES)}")
        if not value:
            raise ValueError(f"give at least one series; known: {', '.join(SERIES)}")
        return value


class Spec(_Section):
    """A validated spec. ``raw`` (not a field) keeps what the user wrote."""

    preset: str | None = None
    system: System
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    hamiltonian: Hamiltonian
    initial: Initial = Field(default_factory=Initial)
    noise: Noise = Field(default_factory=Noise)
    time: Time
    run: Run = Field(default_factory=Run)
    output: Output = Field(default_factory=Output)

    @field_validator("parameters")
    @classmethod
    def _dependency_order(cls, value: dict) -> dict:
        """Parameters may use each other in any written order: keep them in an order where each
        follows the ones it uses, so that every reader can evaluate them front to back."""
        try:
            return {name: value[name] for name in expr.dependency_order(value)}
        except expr.ExprError as err:
            raise ValueError(str(err)) from None

    @property
    def has_noise(self) -> bool:
        rates = (
            self.noise.mode_loss,
            self.noise.local_decay,
            self.noise.local_dephasing,
            self.noise.local_pumping,
            self.noise.collective_decay,
        )
        return bool(self.noise.collapse) or any(r != 0 and r != "0" for r in rates)

    # the spec as written (a preset merged in), before expressions such as cutoff = "6*N" were
    # resolved: what a sweep or a search changes one field of
    _written: dict | None = PrivateAttr(default=None)

    def to_dict(self) -> dict:
        """The resolved spec: defaults filled in, expressions of sizes replaced by their values."""
        return self.model_dump(mode="json", exclude_none=True)

    def as_written(self) -> dict:
        """The spec as written (a preset merged in), expressions kept; :meth:`to_dict` for a
        spec that was not built by :func:`validate_spec`."""
        return copy.deepcopy(self._written) if self._written is not None else self.to_dict()


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-"))


_MESSAGES = {  # pydantic's wording for a Python programmer -> a spec writer's
    "extra_forbidden": lambda e: "unknown field",
    "missing": lambda e: "required field is missing",
    "model_type": lambda e: f"expected a table ([section] or {{ ... }}), got {_kind(e['input'])}",
    "model_attributes_type": lambda e: f"expected a table, got {_kind(e['input'])}",
    "dict_type": lambda e: f"expected a table, got {_kind(e['input'])}",
    "list_type": lambda e: f"expected an array [...], got {_kind(e['input'])}",
    "string_type": lambda e: f"expected a string, got {_kind(e['input'])}",
    "int_type": lambda e: f"expected an integer, got {_kind(e['input'])}",
    "int_parsing": lambda e: f"expected an integer, got {_kind(e['input'])}",
    "float_type": lambda e: f"expected a number, got {_kind(e['input'])}",
    "float_parsing": lambda e: f"expected a number, got {_kind(e['input'])}",
    "finite_number": lambda e: f"{e['input']} is not a finite number",
}
_COMPARISONS = {
    "greater_than": ("greater than", "gt"),
    "greater_than_equal": ("greater than or equal to", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("less than or equal to", "le"),
}


def _message(error: dict) -> str:
    code = error["type"]
    if code in _COMPARISONS:
        relation, key = _COMPARISONS[code]
        limit = error["ctx"][key]
        shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
        return f"should be {relation} {shown}, got {_kind(error['input'])}"
    if code in _MESSAGES:
        return _MESSAGES[code](error)
    return error["msg"].removeprefix("Value error, ")


def _reject_booleans(value, path: tuple = ()) -> None:
    """No spec entry is a boolean: ``g = true`` is a slip, never the number 1."""
    if isinstance(value, bool):
        raise SpecError(_field_path(path), "got a boolean: no spec entry takes true/false")
    if isinstance(value, dict):
        for key, entry in value.items():
            _reject_booleans(entry, (*path, key))
    elif isinstance(value, list | tuple):
        for k, entry in enumerate(value):
            _reject_booleans(entry, (*path, k))


def _with_preset(data: dict) -> dict:
    """The preset's spec, overridden by the sections ``data`` gives."""
    from qbattery.models import presets

    name = data["preset"]
    if not isinstance(name, str) or name not in presets.PRESETS:
        known = ", ".join(sorted(presets.PRESETS))
        raise SpecError("preset", f"unknown preset {name!r}; known: {known}")
    preset = presets.PRESETS[name]
    system = data.get("system", {})
    if isinstance(system, dict):  # the sizes a preset builds from, checked before it uses them
        for key in preset.sizes.values():
            size = system.get(key, 1)
            if not isinstance(size, numbers.Integral) or not 1 <= size <= MAX_SPINS:
                raise SpecError(
                    f"system.{key}", f"expected an integer 1..{MAX_SPINS}, got {_kind(size)}"
                )
    try:
        defaults = preset.defaults(data)
    except ValueError as err:
        raise SpecError("preset", f"{name}: {err}") from None
    return _merge(defaults, data)


def _merge(base: dict, override: dict) -> dict:
    """Sections of ``override`` replace ``base``'s entries key by key; an entry (a state, a mode,
    a list of collapse operators) is replaced whole, never mixed with the preset's."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
    return out


def validate_spec(data: dict | Spec) -> Spec:
    """Resolve a preset (if any) and validate; raises :class:`SpecError` naming the field."""
    if isinstance(data, Spec):
        return data
    if not isinstance(data, dict):
        raise SpecError("", f"a spec must be a table/dict, got {_kind(data)}")
    _reject_booleans(data)
    if "preset" in data:
        data = _with_preset(data)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as err:
        raise _spec_error(err) from None
    spec._written = copy.deepcopy(data)
    if spec.system.mode is not None and isinstance(spec.system.mode.cutoff, str):
        spec.system.mode.cutoff = _cutoff_value(spec)
    return spec


def _cutoff_value(spec: Spec) -> int:
    """The cutoff a ``cutoff = "expr"`` asks for (N, N_C and the parameters known), rounded up:
    ``"N + 8*sqrt(N) + 4"`` holds a coherent charger |α = √N⟩ to 1e-6 of its norm up to N = 40."""
    # the parameters as every solver sees them
    from qbattery.values import constant_value, parameter_values

    where, text = "system.mode.cutoff", spec.system.mode.cutoff
    value = constant_value(text, parameter_values(spec), where)
    if value.imag:
        raise SpecError(where, f"{text!r} = {value} is not a real number")
    n = round(value.real)
    if abs(value.real - n) > 1e-9 * max(1.0, abs(value.real)):
        n = math.ceil(value.real)
    if not 1 <= n <= MAX_CUTOFF:
        raise SpecError(where, f"{text!r} = {n} is outside 1..{MAX_CUTOFF}")
    return n


def _spec_error(err: ValidationError, section: tuple = ()) -> SpecError:
    """pydantic's first error as a :class:`SpecError` on the spec path."""
    first = err.errors()[0]
    return SpecError(_field_path((*section, *first["loc"])), _message(first))


def time_grid(t_max: float, points: int) -> dict:
    """The ``[time]`` table of a model builder, checked now (a builder is called from Python,
    and ``t_max = inf`` must stop here, by name, not deep inside a solver)."""
    _reject_booleans({"t_max": t_max, "points": points}, ("time",))
    try:
        Time.model_validate({"t_max": t_max, "points": points})
    except ValidationError as err:
        raise _spec_error(err, ("time",)) from None
    return {"t_max": t_max, "points": points}


def load_spec(path: str | Path) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("", f"spec file not found: {path}") from None
    except IsADirectoryError:
        raise SpecError("", f"{path} is a directory, not a spec file") from None
    except UnicodeDecodeError as err:
        raise SpecError(
            "", f"{path} is not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None
    except OSError as err:
        raise SpecError("", f"cannot read {path}: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError("", f"{path} is not valid TOML: {err}") from None
    return validate_spec(data)
