"""Memory (and work) a run will need, estimated before anything large is allocated.

Two checks, each raising a :class:`~qbattery.spec.SpecError` that names the field setting the
size (``system.spins``, ``system.mode.cutoff``, ``time.points``, ...), the estimate and the limit:

* :func:`check_spec` — from the spec alone (dimensions, points, series, the solver ``auto`` would
  pick), before :func:`~qbattery.problem.build_problem` builds a single operator;
* :func:`qbattery.solver_resources.check_problem` — from the chosen solver's own layout (the
  closed solver's invariant sectors, the Lindblad solver's Liouvillian blocks), before the
  solver allocates. The permutation-invariant solver checks each sector it builds
  (:func:`check_parts`).

The limit is ``[run] max_memory`` (GiB), else 80 % of the memory available when the run starts.

An estimate is a list of :class:`Part` s; its peak is the sum of the parts held for the whole run
plus the largest transient one. The coefficients below were measured on this package's own
allocations (tracemalloc's peak, and the peak RSS of a fresh process for LAPACK's workspace, which
tracemalloc does not see); ``tests/test_resources.py`` keeps the estimate between 1/2 and 2.5
times the traced peak for each kind of run (measured: 0.95-1.45).
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbattery.spec import STATE_SERIES, SpecError

GiB = 2.0**30
COMPLEX = 16
REAL = 8
DEFAULT_FRACTION = 0.8  # of the available memory, when [run] max_memory is not given

# build_problem: bytes per basis state of the full space, per operator symbol written in the
# spec (each symbol's embedding, the products and sums built from it, the parts kept); measured
# 140 B/row for "Sz" alone, 760 for Sz/n/Sx(a + ad), 1000 for a Dicke battery with Sx², 1450 for
# 17 symbols (N = 3000, cutoff = 100)
ROW_BASE = 100
ROW_PER_SYMBOL = 120
EIGH_COPIES = 2.5  # a dense eigh holds the matrix, its eigenvectors and LAPACK's workspace
EIGH_WORK = 10.0  # flops per n³
SERIES_COPIES = 8  # float arrays of length T besides the requested series (t, E, P, parts, ...)
RHO_COPIES = 3.0  # a chunk of ρ_B(t), the einsum that builds it and eigvalsh's copy
MEANFIELD_BYTES_PER_POINT = 100  # traced: 65 B per grid point besides the series
OPERATOR_SYMBOL = re.compile(r"\b(S[xyzpm]|J[xyzpm]|ad|a|n|s\d+_\w+)\b")


@dataclass(frozen=True)
class Part:
    """One allocation: what it is, its size, the spec field that sets that size."""

    what: str
    nbytes: float
    field: str
    held: bool = False  # alive for the whole run (else: a transient of one step)
    work: float = 0.0  # floating-point operations, where they can be estimated


@dataclass
class Estimate:
    parts: list[Part] = field(default_factory=list)
    limit: float = math.inf
    limit_source: str = ""

    @property
    def peak(self) -> float:
        held = sum(p.nbytes for p in self.parts if p.held)
        return held + max((p.nbytes for p in self.parts if not p.held), default=0.0)

    @property
    def work(self) -> float:
        return sum(p.work for p in self.parts)

    def dominant(self) -> Part:
        return max(self.parts, key=lambda p: p.nbytes)

    def as_info(self) -> dict:
        top = self.dominant() if self.parts else None
        return {
            "memory_estimate_GiB": float(f"{self.peak / GiB:.4g}"),
            "memory_limit_GiB": float(f"{self.limit / GiB:.4g}") if self.limit < math.inf else None,
            "largest_allocation": top.what if top else None,
            "work_estimate_flop": float(f"{self.work:.3g}"),
        }


# --------------------------------------------------------------------------- the limit


_AVAILABLE: list = [-math.inf, None]  # (monotonic time, bytes) of the last reading
AVAILABLE_FRESH = 1.0  # seconds a reading is reused: a sweep's small points check twice each


def available_memory() -> float | None:
    """Bytes available now: MemAvailable, or less where a cgroup caps this process (read at most
    once every AVAILABLE_FRESH seconds)."""
    now = time.monotonic()
    if now - _AVAILABLE[0] > AVAILABLE_FRESH:
        _AVAILABLE[:] = [now, _read_available_memory()]
    return _AVAILABLE[1]


def _read_available_memory() -> float | None:
    values = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                values.append(float(line.split()[1]) * 1024)
    except OSError:
        pass
    for limit, usage in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            cap = Path(limit).read_text().strip()
            if cap.isdigit() and float(cap) < 2.0**60:
                values.append(float(cap) - float(Path(usage).read_text().strip()))
        except (OSError, ValueError):
            continue
    if not values:
        try:
            values.append(float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return None
    return max(min(values), 0.0)


def memory_limit(spec) -> tuple[float, str]:
    """(bytes, where the limit comes from)."""
    if spec.run.max_memory is not None:
        return spec.run.max_memory * GiB, f"[run] max_memory = {spec.run.max_memory:g} GiB"
    available = available_memory()
    if available is None:  # pragma: no cover - not POSIX
        return math.inf, "unknown machine memory"
    return (
        DEFAULT_FRACTION * available,
        f"{DEFAULT_FRACTION:.0%} of the {_size(available)} available; set [run] max_memory "
        "(GiB) to change it",
    )


def check_parts(parts: list[Part], spec, solver: str) -> Estimate:
    """Raise a SpecError naming the field of the largest part when the peak exceeds the limit."""
    limit, source = memory_limit(spec)
    estimate = Estimate(list(parts), limit, source)
    if estimate.parts and estimate.peak > limit:
        top = estimate.dominant()
        work = f" and about {estimate.work:.1e} floating-point operations" if estimate.work else ""
        raise SpecError(
            top.field,
            f"the {solver} solver would need about {_size(estimate.peak)} of memory{work}, "
            f"most of it for {top.what} ({_size(top.nbytes)}); the limit is {_size(limit)} "
            f"({source}); {_setting(spec, top.field)} sets that size",
        )
    return estimate


def _size(nbytes: float) -> str:
    gib = nbytes / GiB
    if gib >= 1000:
        return f"{gib:.3g} GiB" if gib >= 1e6 else f"{gib:,.0f} GiB"
    return f"{gib:.3g} GiB" if gib >= 0.1 else f"{nbytes / 2**20:.3g} MiB"


def _setting(spec, field_path: str) -> str:
    value = spec
    for key in field_path.split("."):
        value = getattr(value, key, None)
    name = field_path.split(".", 1)[-1] if field_path.startswith("system.") else field_path
    return f"{name} = {value}" if value is not None else field_path


# --------------------------------------------------------------------------- sizes from a spec


@dataclass(frozen=True)
class Sizes:
    """Dimensions of a spec's spaces and the fields that set them (no operator built)."""

    battery: int
    charger: int
    battery_field: str
    charger_field: str
    points: int

    @property
    def dim(self) -> int:
        return self.battery * self.charger

    @property
    def dim_field(self) -> str:
        """The factor of the full space that makes it large."""
        return self.charger_field if self.charger > self.battery else self.battery_field


def sizes(spec) -> Sizes:
    s = spec.system
    if s.spins is not None:
        battery, bfield = s.spins + 1, "system.spins"
    else:
        battery, bfield = len(s.levels) ** s.atoms, "system.atoms"
    if s.mode is not None:
        charger, cfield = s.mode.cutoff, "system.mode.cutoff"
    elif s.bath_spins is not None:
        charger, cfield = s.bath_spins + 1, "system.bath_spins"
    else:
        charger, cfield = 1, bfield
    return Sizes(battery, charger, bfield, cfield, spec.time.points)


def _larger(*candidates: tuple[str, float]) -> str:
    return max(candidates, key=lambda c: c[1])[0]


def operator_symbols(spec) -> int:
    """How many operator symbols the spec's expressions write (each costs a full-space matrix)."""
    h = spec.hamiltonian
    texts = [h.battery, h.charger, h.coupling, h.dynamics]
    texts += [c.operator for c in spec.noise.collapse]
    return sum(len(OPERATOR_SYMBOL.findall(str(x))) for x in texts if x is not None)


def spin_block_sums(n: int, power: int) -> float:
    """Σ_j (2j+1)^power over the irreps j = N/2, N/2 − 1, ... of N spin-1/2 (as a float)."""
    dims = n + 1 - 2 * np.arange(n // 2 + 1, dtype=float)
    return float(np.sum(dims**power))


def _kept_state_parts(spec, solver: str, T: int, dB: float, dim: float) -> list[Part]:
    """The states ``[output] states`` keeps in the result (qbattery.states), held to the end."""
    choice = spec.output.states
    if choice == "none":
        return []
    times = T if spec.output.state_times is None else len(spec.output.state_times)
    field = "output.state_times"
    if solver == "permutational":
        per_time = spin_block_sums(spec.system.spins or 0, 2)
    else:
        per_time = dB**2
    parts = [Part(f"the kept battery states ({times:,} × {int(per_time):,} complex)",
                  times * per_time * COMPLEX, field, held=True)]  # fmt: skip
    if choice == "full":
        full = dim if solver == "closed" else dim**2  # kets of a pure closed run, else ρ
        parts.append(Part(f"the kept full states ({times:,} × {int(full):,} complex)",
                          times * full * COMPLEX, field, held=True))  # fmt: skip
    return parts


def spec_parts(spec, solver: str, operator_dim: int | None = None) -> list[Part]:
    """Parts known from the spec alone: the grid and series, build_problem's operators and
    dense ground states, and the reduced battery states the ergotropy needs.

    ``operator_dim``: the dimension the operators are built in (default the product space's;
    0 leaves them out, for a closed run that :func:`qbattery.problem.build_problem` builds on a
    sector and checks again, with :func:`check_product_space`, if it falls back)."""
    z = sizes(spec)
    T, dB, dim = z.points, float(z.battery), float(z.dim)
    operator_dim = dim if operator_dim is None else float(operator_dim)
    wanted = set(spec.output.series)
    parts = [
        Part(
            f"the time grid and the series ({T:,} points)",
            T * REAL * (len(wanted) + SERIES_COPIES),
            "time.points",
            held=True,
        )
    ]
    if solver == "meanfield":
        parts.append(
            Part(f"the mean-field trajectory ({T:,} points)", T * MEANFIELD_BYTES_PER_POINT,
                 "time.points", held=True)
        )  # fmt: skip
        return parts
    per_row = ROW_BASE + ROW_PER_SYMBOL * max(operator_symbols(spec), 1)
    if operator_dim:
        where = "full-space" if operator_dim == dim else "sector"
        parts.append(
            Part(f"the {where} operators ({int(operator_dim):,} states)", operator_dim * per_row,
                 z.dim_field, True)
        )  # fmt: skip
    if spec.system.atoms is not None:
        count = spec.system.atoms * len(spec.system.levels) ** 2
        parts.append(Part(f"the atoms' {count} level operators", count * dB * 32, z.battery_field))
    if spec.initial.total == "ground":
        parts.append(_eigh(dim, "the ground state of the whole generator", z.dim_field))
    elif spec.initial.battery == "ground":
        parts.append(_eigh(dB, "the ground state of the battery Hamiltonian", z.battery_field))
        # (the check that this is the 2^N ground state works irrep by irrep, on the few lowest
        # levels of each spin-j block: nothing of size Σ_j (2j+1))
    parts += _kept_state_parts(spec, solver, T, dB, dim)
    state = bool(wanted & STATE_SERIES)
    chunk = min(512, T)  # TIME_CHUNK of the Lindblad solver
    if solver == "closed" and state:  # the closed solver caps a chunk's ρ_B in memory
        from qbattery.solvers.closed_plan import time_chunk

        chunk = time_chunk(T, int(dim), 1, int(dB))
    if solver == "permutational":
        n = spec.system.spins or 0
        blocks = spin_block_sums(n, 2)
        rows = spin_block_sums(n, 1) * z.charger
        parts.append(Part(f"the operators of every spin-j block ({int(rows):,} states)",
                          rows * per_row, z.battery_field, held=True))  # fmt: skip
        parts.append(
            Part(
                f"the battery's block states on the grid (3 × {T:,} times × {int(blocks):,}: "
                "the sum, one sector's share, a chunk of its reductions)",
                3 * T * blocks * COMPLEX,
                _larger(("time.points", T), (z.battery_field, blocks)),
                held=True,
            )
        )
        if state:
            parts.append(
                Part(f"the eigenvalues of the largest block state ({T:,} × {int(dB):,}²)",
                     RHO_COPIES * T * dB**2 * COMPLEX, _larger(("time.points", T),
                     (z.battery_field, dB**2)))
            )  # fmt: skip
    elif state:
        parts.append(
            Part(
                f"the reduced battery states ρ_B ({chunk} times × {int(dB):,}² complex per chunk)",
                RHO_COPIES * chunk * dB**2 * COMPLEX,
                z.battery_field,
                work=EIGH_WORK * T * dB**3,
            )
        )
        if solver == "closed":
            parts.append(
                Part(f"the full-space states ({chunk} times × {int(dim):,} per chunk)",
                     2 * chunk * dim * COMPLEX, z.dim_field)
            )  # fmt: skip
    return parts


def _eigh(n: float, what: str, field_path: str) -> Part:
    return Part(
        f"{what} (a dense {int(n):,}² eigendecomposition)",
        EIGH_COPIES * COMPLEX * n**2,
        field_path,
        work=EIGH_WORK * n**3,
    )


def check_spec(spec) -> Estimate:
    """Stop a run whose spec alone shows it cannot fit, before any operator is built."""
    from qbattery.solvers import solver_for_spec

    solver = solver_for_spec(spec)
    deferred = operators_deferred(spec)
    return check_parts(spec_parts(spec, solver, 0 if deferred else None), spec, solver)


def operators_deferred(spec) -> bool:
    """Whether :func:`check_spec` leaves the operators out: a closed run without noise from a
    product state, which :func:`qbattery.problem.build_problem` may build on a sector; it calls
    :func:`check_product_space` before it builds such a run on the product space instead."""
    from qbattery.solvers import solver_for_spec

    closed = solver_for_spec(spec) == "closed"
    return closed and spec.initial.total is None and not spec.has_noise


def check_product_space(spec) -> Estimate:
    """The check of :func:`check_spec` with the operators on the whole product space."""
    from qbattery.solvers import solver_for_spec

    solver = solver_for_spec(spec)
    return check_parts(spec_parts(spec, solver), spec, solver)
