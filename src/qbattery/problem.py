"""Problem: a validated spec turned into operators, an initial state, noise and a time grid.

This is the hinge of the package: every solver takes a :class:`Problem` and returns an evolution
with the same small interface (see :mod:`qbattery.solvers`), and :mod:`qbattery.metrics` turns that
into figures of merit. The full space is battery ⊗ charger; a closed run whose generator keeps
the excitation number is built on the states of the charges ρ(0) occupies only
(:mod:`qbattery.operators.subspace`), and ``Problem.basis`` says which product states those are.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from qbattery import expr, initial_states, resources
from qbattery.initial_states import Factors
from qbattery.operators import boson, spin, subspace
from qbattery.problem_operators import (
    EmbeddedOperators,
    Env,
    battery_local,
    check_hermitian,
    noise_operators,
    spec_operator,
)
from qbattery.spec import Spec, SpecError, validate_spec
from qbattery.values import (
    BATTERY_SPIN_SYMBOLS,
    CHARGER_SPIN_SYMBOLS,
    MODE_SYMBOLS,  # noqa: F401 (re-exported: the names a spec may use)
    parameter_values,
)


@dataclass
class Space:
    """One factor of the product space: its dimension, operator symbols and state builders.

    The spaces of a spec's factors are remembered (:func:`_spin_space`, ...): many runs share
    them, so their operators must never be changed in place."""

    kind: str  # "spins" | "atoms" | "mode" | "bath_spins" | "none"
    dim: int
    operators: dict[str, sp.csr_matrix]
    size: int = 0  # number of spins / atoms / Fock cutoff
    levels: tuple[str, ...] = ()
    _columns: dict[str, sp.csc_matrix] = field(default_factory=dict, repr=False, compare=False)

    @property
    def spin_j(self) -> float:
        return self.size / 2

    def columns(self, name: str) -> sp.csc_matrix:
        """Operator ``name`` in CSC form (column access, for compressing onto a band), once."""
        if name not in self._columns:
            self._columns[name] = sp.csc_matrix(self.operators[name])
        return self._columns[name]


_SPIN_SYMBOLS = {"spins": BATTERY_SPIN_SYMBOLS, "bath_spins": CHARGER_SPIN_SYMBOLS}


@functools.lru_cache(maxsize=32)
def _spin_space(kind: str, n: int) -> Space:
    ops = spin.spin_operators(n / 2)
    return Space(kind, n + 1, {sym: ops[k] for sym, k in _SPIN_SYMBOLS[kind].items()}, size=n)


@functools.lru_cache(maxsize=16)
def _atom_space(n_atoms: int, levels: tuple[str, ...]) -> Space:
    d = len(levels)
    ops = {}
    for atom in range(n_atoms):
        for a, la in enumerate(levels):
            for b, lb in enumerate(levels):
                local = sp.csr_matrix(([1.0 + 0j], ([a], [b])), shape=(d, d))
                left = sp.identity(d**atom, format="csr")
                right = sp.identity(d ** (n_atoms - atom - 1), format="csr")
                ops[f"s{atom + 1}_{la}{lb}"] = sp.kron(sp.kron(left, local), right, format="csr")
    return Space("atoms", d**n_atoms, ops, size=n_atoms, levels=tuple(levels))


@functools.lru_cache(maxsize=32)
def _mode_space(cutoff: int) -> Space:
    return Space("mode", cutoff, boson.mode_operators(cutoff), size=cutoff)


@dataclass
class Problem:
    """Everything a solver needs, built from a spec by :func:`build_problem`."""

    spec: Spec
    params: dict[str, complex]
    battery: Space
    charger: Space
    times: np.ndarray
    H_battery_local: sp.csr_matrix  # on the battery factor alone
    H_battery: sp.csr_matrix  # embedded in the full space
    H_charger: sp.csr_matrix
    H_coupling: sp.csr_matrix
    H_static: sp.csr_matrix  # the generator's time-independent part
    H_driven: list[tuple[expr.Coef, sp.csr_matrix]]  # its time-dependent terms c(t)·O
    initial: list[tuple[float, np.ndarray]]  # pure components (weight, ψ) of ρ(0)
    collapse: list[
        tuple[str, expr.Coef, sp.csr_matrix]
    ]  # (name, rate(t), L), D[L] = LρL† − ½{L†L,ρ}
    local_noise: dict[str, expr.Coef] = field(default_factory=dict)  # LOCAL_CHANNELS: rate
    warnings: list[str] = field(default_factory=list)
    # positions in the battery ⊗ charger product basis of the states every operator and vector
    # above acts on (sorted); None: all of them
    basis: np.ndarray | None = None

    @property
    def dims(self) -> tuple[int, int]:
        """(battery, charger) dimensions of the product space."""
        return self.battery.dim, self.charger.dim

    @property
    def product_dim(self) -> int:
        return self.battery.dim * self.charger.dim

    @property
    def dim(self) -> int:
        """Dimension of the space the problem is built on (``basis`` or the product space)."""
        return self.product_dim if self.basis is None else len(self.basis)

    def on_basis(self, op: sp.spmatrix) -> sp.csr_matrix:
        """A product-space operator restricted to the problem's basis (its rows and columns)."""
        op = sp.csr_matrix(op)
        return op if self.basis is None else op[self.basis][:, self.basis]

    def battery_charger_matrices(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors on the problem's space (last axis) as (battery × charger columns) matrices M,
        so that ρ_B = M M† and the Schmidt values are M's singular values; the columns are the
        charger states the basis uses (all of them without a ``basis``), so nothing of the
        product space's size is formed for a sector."""
        b, c, columns = self._battery_charger_index
        out = np.zeros((*vectors.shape[:-1], self.battery.dim, columns), dtype=complex)
        out[..., b, c] = vectors
        return out

    @cached_property
    def _battery_charger_index(self) -> tuple[np.ndarray, np.ndarray, int]:
        basis = np.arange(self.dim) if self.basis is None else self.basis
        b, c = np.divmod(basis, self.charger.dim)
        used, c = np.unique(c, return_inverse=True)
        return b, c, len(used)

    def in_product_space(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors on the problem's space (last axis) as vectors of the product space."""
        if self.basis is None:
            return vectors
        out = np.zeros((*vectors.shape[:-1], self.product_dim), dtype=complex)
        out[..., self.basis] = vectors
        return out

    @property
    def is_time_dependent(self) -> bool:
        return bool(self.H_driven) or any(not c.is_constant for _, c, _ in self.collapse)

    @property
    def is_open(self) -> bool:
        return bool(self.collapse) or bool(self.local_noise)

    def hamiltonian(self, t: float) -> sp.csr_matrix:
        """The generator of the evolution at time t."""
        H = self.H_static
        for c, op in self.H_driven:
            H = H + c(t) * op
        return H

    @cached_property
    def battery_spin_blocks(self) -> list[tuple[float, np.ndarray]]:
        """H_B on one copy of each spin-j irrep, j = N/2, N/2 − 1, ... (dense matrices).

        H_B is a function of collective operators, so on N spin-1/2 it acts as the same matrix on
        every copy of the spin-j irrep. One evaluation over the direct sum ⊕_j of spin-j operators.
        """
        js = spin.spins_in(self.battery.size)
        per_j = [spin.spin_operators(j) for j in js]
        env = dict(self.params)
        for sym, k in BATTERY_SPIN_SYMBOLS.items():
            env[sym] = sp.block_diag([ops[k] for ops in per_j], format="csr")
        dims = [round(2 * j) + 1 for j in js]
        H = expr.evaluate(self.spec.hamiltonian.battery, env).matrix(sum(dims)).toarray()
        bounds = np.cumsum([0, *dims])
        return [(j, H[a:b, a:b]) for j, a, b in zip(js, bounds, bounds[1:], strict=False)]

    @cached_property
    def battery_spin_spectra(self) -> list[tuple[float, np.ndarray]]:
        """Eigenvalues of H_B on one copy of each spin-j irrep: its full 2^N spectrum is their
        union, each level repeated d_j times."""
        return [(j, np.linalg.eigvalsh(H)) for j, H in self.battery_spin_blocks]

    def spin_block(self, j: float) -> SpinBlock:
        """The operators of the spin-j irrep ⊗ charger (see :mod:`qbattery.operators.permutational`).

        Every collective expression of the spec is evaluated again with spin-j matrices, so a
        block sees exactly the Hamiltonian and collapse operators the spec writes."""
        if j not in self._blocks:
            self._blocks[j] = _spin_block(self, j)
        return self._blocks[j]

    @cached_property
    def _blocks(self) -> dict:
        return {}


@dataclass
class SpinBlock:
    """Operators on (spin-j irrep) ⊗ charger: the generator, its parts and the collapse operators."""

    j: float
    dim: int
    H_battery: sp.csr_matrix
    H_charger: sp.csr_matrix
    H_coupling: sp.csr_matrix
    H_static: sp.csr_matrix
    H_driven: list[tuple[expr.Coef, sp.csr_matrix]]
    collapse: list[tuple[str, expr.Coef, sp.csr_matrix]]
    Sz: sp.csr_matrix

    @property
    def is_time_dependent(self) -> bool:
        return bool(self.H_driven) or any(not c.is_constant for _, c, _ in self.collapse)


def _spin_block(problem: Problem, j: float) -> SpinBlock:
    spec, n = problem.spec, round(2 * j)
    battery = _spin_space("spins", n)
    env = Env(problem.params, EmbeddedOperators(battery, problem.charger))
    dim = battery.dim * problem.charger.dim
    h = spec.hamiltonian
    parts = {k: spec_operator(getattr(h, k), env, dim, f"hamiltonian.{k}") for k in PARTS}
    generator = parts["battery"] + parts["charger"] + parts["coupling"]
    if h.dynamics is not None:
        generator = spec_operator(h.dynamics, env, dim, "hamiltonian.dynamics")
    H_static, H_driven = generator.split(dim)
    collapse, _ = noise_operators(spec, env, dim)
    return SpinBlock(
        j, dim, *(parts[k].matrix(dim, 0.0) for k in PARTS), H_static, H_driven, collapse,
        env.operators["Sz"],
    )  # fmt: skip


PARTS = ("battery", "charger", "coupling")

# --------------------------------------------------------------------------- building


def build_problem(spec: Spec | dict, initial_state=None) -> Problem:
    """Turn a spec into a :class:`Problem`, raising :class:`SpecError` on any invalid entry.

    ``initial_state``: a QuTiP ket or density matrix of battery ⊗ charger that replaces the
    spec's ``[initial]`` (:func:`qbattery.interop.initial_components`).

    A closed run is built sector first: on the states of the charges ρ(0) occupies, when the
    generator maps them onto themselves (:mod:`qbattery.operators.subspace`); otherwise, and for open
    runs, on the whole product space.

    Sector-first problems are remembered (the last :data:`REMEMBERED` of them, within
    :data:`REMEMBERED_BYTES` of operators and states): a spec that differs from one of them
    only in ``[time]`` and ``[output]`` reuses its operators and initial state, on its own time
    grid (a search that reruns one point on a longer window or a finer grid builds it once)."""
    spec = validate_spec(spec)
    key = None if initial_state is not None else _build_key(spec)
    if key in _remembered:
        _remembered.move_to_end(key)
        return _on_grid(_remembered[key][0], spec)
    problem = _build(spec, initial_state)
    size = _held_bytes(problem)
    if key is not None and problem.basis is not None and size <= REMEMBERED_BYTES // 8:
        _remembered[key] = (problem, size)
        while len(_remembered) > REMEMBERED or _remembered_bytes() > REMEMBERED_BYTES:
            _remembered.popitem(last=False)
    return problem


REMEMBERED = 64
REMEMBERED_BYTES = 64 * 2**20
_remembered: OrderedDict[str, tuple[Problem, int]] = OrderedDict()


def _held_bytes(problem: Problem) -> int:
    """What a remembered problem keeps alive: its sparse operators and ρ(0)'s vectors."""
    ops = [problem.H_static, problem.H_battery, problem.H_charger, problem.H_coupling]
    ops += [op for _, op in problem.H_driven]
    entries = sum(op.nnz for op in ops) + sum(len(psi) for _, psi in problem.initial)
    return 16 * entries


def _remembered_bytes() -> int:
    return sum(size for _, size in _remembered.values())


def _build_key(spec: Spec) -> str:
    """Everything a Problem is built from: the spec but for its time grid and outputs."""
    return spec.model_dump_json(exclude={"time", "output"})


def _on_grid(problem: Problem, spec: Spec) -> Problem:
    """A remembered problem for ``spec``: the same operators and ρ(0) (shared, never changed
    in place), the spec's own time grid, and fresh per-run state (warnings, cached views)."""
    return dataclasses.replace(
        problem,
        spec=spec,
        times=np.linspace(0.0, spec.time.t_max, spec.time.points),
        initial=list(problem.initial),
        warnings=list(problem.warnings),
    )


def _build(spec: Spec, initial_state) -> Problem:
    s = spec.system
    params = parameter_values(spec)
    if s.spins is not None:
        battery = _spin_space("spins", s.spins)
    else:
        battery = _atom_space(s.atoms, tuple(s.levels))
    if s.mode is not None:
        charger = _mode_space(s.mode.cutoff)
    elif s.bath_spins is not None:
        charger = _spin_space("bath_spins", s.bath_spins)
    else:
        charger = Space("none", 1, {})
    factors = Factors(
        spec,
        params,
        battery,
        charger,
        battery_local(spec, params, battery, charger),
    )

    given = factored = occupied = None
    if initial_state is not None:
        given = _given_initial(initial_state, battery, charger)
        occupied = subspace.occupied_charges(battery, charger, [psi for _, psi in given])
    elif spec.initial.total is None:
        factored = initial_states.factored_components(factors)
        pairs = [(b, c) for _, b, c in factored]
        occupied = subspace.occupied_by_factors(battery, charger, pairs)
    problem = None
    reach = _reach(spec, battery, charger) if occupied is not None else None
    if reach is not None:
        band = subspace.band_for(battery, charger, occupied, reach)
        if band is not None:
            problem = _assemble(factors, band)
    if problem is None:
        if resources.operators_deferred(spec):  # check_spec left them to this point
            resources.check_product_space(spec)
        problem = _assemble(factors, None)
    problem.initial = _initial(problem, given, factored)
    if spec.initial.total is None and spec.initial.battery == "ground" and battery.kind == "spins":
        problem.warnings += initial_states.ground_outside_symmetric(factors)
    return problem


def _initial(problem: Problem, given, factored) -> list[tuple[float, np.ndarray]]:
    """ρ(0)'s components on the problem's space: a given state, the spec's product components
    (restricted to the basis straight from their factors), or the ground state of the whole
    generator (``initial.total = "ground"``)."""
    if given is not None:
        return given if problem.basis is None else _restricted(given, problem.basis)
    if factored is not None:
        if problem.basis is None:
            return initial_states.product_components(factored)
        return initial_states.restricted_components(factored, problem.basis, problem.charger.dim)
    if problem.H_driven:
        raise SpecError("initial.total", "the generator depends on t: no single ground state")
    return [(1.0, initial_states.ground_state(problem.H_static.toarray(), "initial.total"))]


def _given_initial(state, battery: Space, charger: Space) -> list[tuple[float, np.ndarray]]:
    from qbattery.interop import initial_components
    from qbattery.states import layout_for

    try:
        return initial_components(state, layout_for(battery, charger))
    except ValueError as err:
        raise SpecError("initial_state", str(err)) from None


def _reach(spec: Spec, battery: Space, charger: Space) -> int | None:
    """The most any term of the Hamiltonian changes N_ex by (:func:`qbattery.expr.degree`), or
    None where the run cannot be built sector first: noise is written (``spec.has_noise``: a
    rate written as an expression counts), a solver other than the closed one is asked for, or
    an expression does not parse (the product-space building names its field)."""
    if spec.has_noise or spec.run.solver not in ("auto", "closed"):
        return None
    h = spec.hamiltonian
    texts = [h.battery, h.charger, h.coupling] + [h.dynamics] * (h.dynamics is not None)
    shifts = subspace.charge_shifts(battery) | subspace.charge_shifts(charger)
    try:
        return max(expr.degree(text, shifts) for text in texts)
    except expr.ExprError:
        return None


def _restricted(initial: list, basis: np.ndarray) -> list[tuple[float, np.ndarray]]:
    return [(w, psi[basis]) for w, psi in initial]


def _assemble(factors: Factors, band: subspace.Band | None) -> Problem | None:
    """The operators of a Problem, on the product space (``band`` None) or on the kept states of
    a band; None when the generator, a part of it or a collapse operator connects the kept states
    to others (the band cannot be used)."""
    spec, battery, charger = factors.spec, factors.battery, factors.charger
    if band is None:
        operators = EmbeddedOperators(battery, charger)
        dim = battery.dim * charger.dim
    else:
        operators = subspace.BandOperators(battery, charger, band.index)
        dim = len(band.index)
    env = Env(factors.params, operators)
    bsyms, csyms = set(battery.operators), set(charger.operators)

    hb = spec_operator(spec.hamiltonian.battery, env, dim, "hamiltonian.battery", bsyms)
    if hb.is_time_dependent:
        raise SpecError("hamiltonian.battery", "the battery Hamiltonian must not depend on t")
    hc = spec_operator(spec.hamiltonian.charger, env, dim, "hamiltonian.charger", csyms)
    hi = spec_operator(spec.hamiltonian.coupling, env, dim, "hamiltonian.coupling")
    generator = hb + hc + hi
    if spec.hamiltonian.dynamics is not None:
        generator = spec_operator(spec.hamiltonian.dynamics, env, dim, "hamiltonian.dynamics")
    H_static, H_driven = generator.split(dim)
    parts = {}  # each part as a matrix (a driven part at t = 0), built once
    for name, part in (("battery", hb), ("charger", hc), ("coupling", hi)):
        parts[name] = part.matrix(dim, 0.0)
    collapse, local_noise = noise_operators(spec, env, dim)
    if band is not None:
        if collapse or local_noise:
            return None
        kept = [subspace.restrict(op, band.kept) for op in (H_static, *parts.values())]
        driven = [(c, subspace.restrict(op, band.kept)) for c, op in H_driven]
        if any(op is None for op in kept) or any(op is None for _, op in driven):
            return None  # something leaves the kept states: the product space it is
        H_static, H_driven = kept[0], driven
        parts = dict(zip(parts, kept[1:], strict=True))
    for name, part in (("battery", hb), ("charger", hc), ("coupling", hi)):
        if not part.is_time_dependent:
            check_hermitian(parts[name], f"hamiltonian.{name}")
    check_hermitian(H_static, "hamiltonian")
    return Problem(
        spec=spec,
        params=factors.params,
        battery=battery,
        charger=charger,
        times=np.linspace(0.0, spec.time.t_max, spec.time.points),
        H_battery_local=factors.H_battery_local,
        H_battery=parts["battery"],
        H_charger=parts["charger"],
        H_coupling=parts["coupling"],
        H_static=H_static,
        H_driven=H_driven,
        initial=[],
        collapse=collapse,
        local_noise=local_noise,
        basis=None if band is None else band.kept_index,
    )
