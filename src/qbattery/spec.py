"""Spec files: the TOML description of one charging protocol, validated with readable errors.

The structure is the public contract of ARCHITECTURE.md: ``[system] [parameters] [hamiltonian]
[initial] [noise] [time] [run] [output]``, plus an optional ``preset`` that fills in sections an
explicit section then overrides. Every error is a :class:`SpecError` whose ``field`` is the dotted
path of the offending entry (``hamiltonian.coupling``, ``time.points``, ...).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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
Scalar = float | str  # a number, or an expression over the parameters


class SpecError(ValueError):
    """Invalid input; ``field`` names where in the spec it is (dotted path)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Mode(_Section):
    cutoff: int = Field(ge=1, le=100_000)


class System(_Section):
    spins: int | None = Field(default=None, ge=1, le=100_000)
    atoms: int | None = Field(default=None, ge=1, le=12)
    levels: list[str] | None = None
    mode: Mode | None = None
    bath_spins: int | None = Field(default=None, ge=1, le=100_000)

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
    battery: str | dict[str, Any] = "ground"
    charger: str | dict[str, Any] | None = None
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
    t_max: float = Field(gt=0)
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


class Output(_Section):
    series: list[str] = Field(default_factory=lambda: ["energy", "power", "ergotropy"])

    @field_validator("series")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SERIES]
        if unknown:
            raise ValueError(f"unknown series {unknown}; known: {', '.join(SERIES)}")
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

    def to_dict(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-after"))


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
        raise SpecError("", f"a spec must be a table/dict, got {type(data).__name__}")
    if "preset" in data:
        from qbattery.models import presets

        name = data["preset"]
        if name not in presets.PRESETS:
            known = ", ".join(sorted(presets.PRESETS))
            raise SpecError("preset", f"unknown preset {name!r}; known: {known}")
        data = _merge(presets.PRESETS[name].defaults(data), data)
    try:
        return Spec.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = _field_path(first["loc"])
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = "unknown field"
        elif first["type"] == "missing":
            msg = "required field is missing"
        raise SpecError(field, msg) from None


def load_spec(path: str | Path) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError("", f"spec file not found: {path}") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError("", f"{path} is not valid TOML: {err}") from None
    return validate_spec(data)
