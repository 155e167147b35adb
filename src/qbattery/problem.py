"""Problem: a validated spec turned into operators, an initial state, noise and a time grid.

This is the hinge of the package: every solver takes a :class:`Problem` and returns an evolution
with the same small interface (see :mod:`qbattery.solvers`), and :mod:`qbattery.metrics` turns that
into figures of merit. The full space is battery ⊗ charger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from qbattery import expr
from qbattery.operators import boson, spin
from qbattery.operators.boson import TruncationError
from qbattery.spec import Spec, SpecError, validate_spec

BATTERY_SPIN_SYMBOLS = {"Sx": "x", "Sy": "y", "Sz": "z", "Sp": "p", "Sm": "m"}
CHARGER_SPIN_SYMBOLS = {"Jx": "x", "Jy": "y", "Jz": "z", "Jp": "p", "Jm": "m"}
MODE_SYMBOLS = ("a", "ad", "n")
DEGENERACY_TOLERANCE = 1e-9


@dataclass
class Space:
    """One factor of the product space: its dimension, operator symbols and state builders."""

    kind: str  # "spins" | "atoms" | "mode" | "bath_spins" | "none"
    dim: int
    operators: dict[str, sp.csr_matrix]
    size: int = 0  # number of spins / atoms / Fock cutoff
    levels: tuple[str, ...] = ()

    @property
    def spin_j(self) -> float:
        return self.size / 2


def _spin_space(kind: str, n: int, symbols: dict[str, str]) -> Space:
    ops = spin.spin_operators(n / 2)
    return Space(kind, n + 1, {sym: ops[k] for sym, k in symbols.items()}, size=n)


def _atom_space(n_atoms: int, levels: list[str]) -> Space:
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

    @property
    def dims(self) -> tuple[int, int]:
        return self.battery.dim, self.charger.dim

    @property
    def dim(self) -> int:
        return self.battery.dim * self.charger.dim

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
    battery = _spin_space("spins", n, BATTERY_SPIN_SYMBOLS)
    env = _Env(problem.params, _EmbeddedOperators(battery, problem.charger))
    dim = battery.dim * problem.charger.dim
    h = spec.hamiltonian
    parts = {k: _operator(getattr(h, k), env, dim, f"hamiltonian.{k}") for k in PARTS}
    generator = parts["battery"] + parts["charger"] + parts["coupling"]
    if h.dynamics is not None:
        generator = _operator(h.dynamics, env, dim, "hamiltonian.dynamics")
    H_static, H_driven = generator.split(dim)
    collapse, _ = _noise(spec, env, dim, env._ops)
    return SpinBlock(
        j, dim, *(parts[k].matrix(dim, 0.0) for k in PARTS), H_static, H_driven, collapse,
        env._ops["Sz"],
    )  # fmt: skip


PARTS = ("battery", "charger", "coupling")

# --------------------------------------------------------------------------- building


def _builtins(spec: Spec) -> dict[str, float]:
    s = spec.system
    out = {"N": float(s.spins if s.spins is not None else s.atoms)}
    if s.bath_spins is not None:
        out["N_C"] = float(s.bath_spins)
    return out


def parameter_values(spec: Spec) -> dict[str, complex]:
    """The parameters' values, front to back: the validated Spec keeps them in an order where
    each follows the ones it uses (:func:`qbattery.expr.dependency_order`), whatever was written."""
    env: dict[str, complex] = _builtins(spec)
    reserved = set(env) | expr.RESERVED | set(BATTERY_SPIN_SYMBOLS) | set(CHARGER_SPIN_SYMBOLS)
    reserved |= set(MODE_SYMBOLS)
    for name, value in spec.parameters.items():
        where = f"parameters.{name}"
        if not name.isidentifier():
            raise SpecError(where, "a parameter name must be an identifier")
        if name in reserved or (name.startswith("s") and "_" in name and name[1].isdigit()):
            raise SpecError(where, f"{name!r} is a built-in symbol and cannot be a parameter")
        env[name] = constant_value(value, env, where)
    return env


def constant_value(value, env: dict, where: str) -> complex:
    try:
        out = expr.evaluate(value, env).constant()
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if not np.isfinite(out):
        raise SpecError(where, "value is not finite")
    return out


class _EmbeddedOperators(Mapping):
    """Battery and charger operators in the full space, each built on first use (a spec uses a
    few of them; building all costs more than the rest of a small run)."""

    def __init__(self, battery: Space, charger: Space):
        self._local = {k: (v, True) for k, v in battery.operators.items()}
        self._local |= {k: (v, False) for k, v in charger.operators.items()}
        self._dims = (battery.dim, charger.dim)
        self._built: dict[str, sp.csr_matrix] = {}

    def __getitem__(self, name: str) -> sp.csr_matrix:
        if name not in self._built:
            op, on_battery = self._local[name]
            eye = sp.identity(self._dims[1] if on_battery else self._dims[0], format="csr")
            pair = (op, eye) if on_battery else (eye, op)
            self._built[name] = sp.kron(*pair, format="csr")
        return self._built[name]

    def __iter__(self):
        return iter(self._local)

    def __len__(self) -> int:
        return len(self._local)


class _Env(Mapping):
    """Parameters, then operators: the names an expression may use."""

    def __init__(self, params: dict, operators: Mapping):
        self._params, self._ops = params, operators

    def __getitem__(self, name: str):
        return self._params[name] if name in self._params else self._ops[name]

    def __iter__(self):
        yield from self._params
        yield from self._ops

    def __len__(self) -> int:
        return len(self._params) + len(self._ops)


def _operator(text, env: dict, dim: int, where: str, allowed: set[str] | None = None):
    try:
        parsed = expr.parse(text)
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if allowed is not None:
        bad = sorted(
            n for n in parsed.names if n in env and sp.issparse(env[n]) and n not in allowed
        )
        if bad:
            raise SpecError(where, f"uses {', '.join(bad)}, which do not act on this subsystem")
    try:
        return parsed.evaluate(env)
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None


def build_problem(spec: Spec | dict) -> Problem:
    """Turn a spec into a :class:`Problem`, raising :class:`SpecError` on any invalid entry."""
    spec = validate_spec(spec)
    s = spec.system
    params = parameter_values(spec)

    if s.spins is not None:
        battery = _spin_space("spins", s.spins, BATTERY_SPIN_SYMBOLS)
    else:
        battery = _atom_space(s.atoms, s.levels)
    if s.mode is not None:
        charger = _mode_space(s.mode.cutoff)
    elif s.bath_spins is not None:
        charger = _spin_space("bath_spins", s.bath_spins, CHARGER_SPIN_SYMBOLS)
    else:
        charger = Space("none", 1, {})

    dB, dC = battery.dim, charger.dim
    full_ops = _EmbeddedOperators(battery, charger)
    env = _Env(params, full_ops)
    dim = dB * dC
    bsyms, csyms = set(battery.operators), set(charger.operators)

    hb = _operator(spec.hamiltonian.battery, env, dim, "hamiltonian.battery", bsyms)
    if hb.is_time_dependent:
        raise SpecError("hamiltonian.battery", "the battery Hamiltonian must not depend on t")
    hc = _operator(spec.hamiltonian.charger, env, dim, "hamiltonian.charger", csyms)
    hi = _operator(spec.hamiltonian.coupling, env, dim, "hamiltonian.coupling")
    generator = hb + hc + hi
    if spec.hamiltonian.dynamics is not None:
        generator = _operator(spec.hamiltonian.dynamics, env, dim, "hamiltonian.dynamics")
    H_static, H_driven = generator.split(dim)
    parts = {}  # each part as a matrix (a driven part at t = 0), built once
    for name, part in (("battery", hb), ("charger", hc), ("coupling", hi)):
        parts[name] = part.matrix(dim, 0.0)
        if not part.is_time_dependent:
            _check_hermitian(parts[name], f"hamiltonian.{name}")
    _check_hermitian(H_static, "hamiltonian")

    local_env = dict(params) | battery.operators
    H_battery_local = _operator(spec.hamiltonian.battery, local_env, dB, "hamiltonian.battery")
    times = np.linspace(0.0, spec.time.t_max, spec.time.points)
    problem = Problem(
        spec=spec,
        params=params,
        battery=battery,
        charger=charger,
        times=times,
        H_battery_local=H_battery_local.matrix(dB),
        H_battery=parts["battery"],
        H_charger=parts["charger"],
        H_coupling=parts["coupling"],
        H_static=H_static,
        H_driven=H_driven,
        initial=[],
        collapse=[],
    )
    problem.initial = _initial_state(problem)
    if spec.initial.total is None and spec.initial.battery == "ground" and battery.kind == "spins":
        problem.warnings += _ground_outside_symmetric(problem)
    problem.collapse, problem.local_noise = _noise(spec, env, dim, full_ops)
    return problem


def _check_hermitian(H: sp.spmatrix, where: str) -> None:
    diff = abs(H - H.getH())
    if diff.nnz and diff.max() > 1e-10 * max(1.0, abs(H).max()):
        raise SpecError(where, "the Hamiltonian is not Hermitian")


# --------------------------------------------------------------------------- initial states


def _initial_state(problem: Problem) -> list[tuple[float, np.ndarray]]:
    spec = problem.spec
    if spec.initial.total == "ground":
        if problem.H_driven:
            raise SpecError("initial.total", "the generator depends on t: no single ground state")
        return [(1.0, _ground_state(problem.H_static.toarray(), "initial.total"))]
    battery = _battery_state(problem, spec.initial.battery)
    components = _charger_components(problem.charger, spec.initial.charger, problem)
    return [(w, np.kron(battery, psi)) for w, psi in components]


def _battery_state(problem: Problem, choice) -> np.ndarray:
    space, where = problem.battery, "initial.battery"
    if choice == "ground":
        return _ground_state(problem.H_battery_local.toarray(), where)
    if space.kind == "spins":
        j = space.spin_j
        if choice == "down":
            return spin.dicke_state(j, 0)
        if choice == "up":
            return spin.dicke_state(j, space.size)
        if isinstance(choice, dict) and set(choice) == {"dicke"}:
            return _spin_dicke(
                j, count_value(choice["dicke"], problem.params, f"{where}.dicke"), where
            )
        if isinstance(choice, dict) and set(choice) == {"coherent_spin"}:
            angles = choice["coherent_spin"]
            if not (isinstance(angles, list) and len(angles) == 2):
                raise SpecError(where, "coherent_spin takes [theta, phi]")
            return spin.coherent_spin_state(j, *_numbers(angles, problem, where))
    if space.kind == "atoms" and isinstance(choice, dict) and set(choice) == {"atoms"}:
        return _atom_product_state(space, choice["atoms"], where)
    if space.kind == "atoms" and choice in ("down", "up"):
        index = 0 if choice == "down" else len(space.levels) - 1
        return _atom_product_state(space, [space.levels[index]] * space.size, where)
    raise SpecError(where, f"unknown initial battery state {choice!r} for a {space.kind} battery")


def _numbers(values, problem: Problem, where: str) -> list[float]:
    return [constant_value(v, problem.params, where).real for v in values]


def _spin_dicke(j: float, k, where: str) -> np.ndarray:
    if not isinstance(k, int) or isinstance(k, bool):
        raise SpecError(where, "dicke takes an integer number of excitations")
    try:
        return spin.dicke_state(j, k)
    except ValueError as err:
        raise SpecError(where, str(err)) from None


def _atom_product_state(space: Space, names, where: str) -> np.ndarray:
    if not isinstance(names, list) or len(names) != space.size:
        raise SpecError(where, f"atoms takes a list of {space.size} level names")
    psi = np.ones(1, dtype=complex)
    for name in names:
        if name not in space.levels:
            raise SpecError(where, f"unknown level {name!r}; levels are {list(space.levels)}")
        local = np.zeros(len(space.levels), dtype=complex)
        local[space.levels.index(name)] = 1
        psi = np.kron(psi, local)
    return psi


def _ground_state(H: np.ndarray, where: str) -> np.ndarray:
    w, v = np.linalg.eigh(H)
    if len(w) > 1 and w[1] - w[0] < DEGENERACY_TOLERANCE * max(1.0, abs(w[0])):
        raise SpecError(
            where,
            f"the ground state of the battery Hamiltonian is degenerate "
            f"(E0 = {w[0]:.6g}, E1 = {w[1]:.6g}); give an explicit initial state",
        )
    psi = v[:, 0]
    return psi * np.exp(-1j * np.angle(psi[np.argmax(abs(psi))]))  # fix the global phase


def _ground_outside_symmetric(problem: Problem) -> list[str]:
    """Warn when the symmetric ground state is not the unique ground state of all 2^N states.

    The two lowest 2^N levels come irrep by irrep (only the few lowest levels of each spin-j
    block, :func:`qbattery.simulate.spin_battery_levels`): no Σ_j (2j+1)-sized matrix."""
    from qbattery.metrics import expand_levels
    from qbattery.simulate import lowest_eigenvalues, spin_battery_levels

    full = expand_levels(*spin_battery_levels(problem, 2))[:2]
    sym = float(lowest_eigenvalues(problem.H_battery_local, 1)[0])
    tol = DEGENERACY_TOLERANCE * max(1.0, abs(sym))
    if full[0] < sym - tol:
        return [
            f"initial.battery: the ground energy of H_B over all 2^N states ({full[0]:.6g}) lies "
            f"outside the symmetric manifold; 'ground' uses the symmetric one ({sym:.6g})"
        ]
    if len(full) > 1 and full[1] - full[0] < tol:
        return [
            "initial.battery: the ground level of H_B is degenerate over all 2^N states (copies in "
            "other spin-j irreps); 'ground' uses the symmetric one"
        ]
    return []


def _charger_components(space: Space, choice, problem: Problem) -> list[tuple[float, np.ndarray]]:
    where = "initial.charger"
    if space.kind == "none":
        if choice not in (None, "vacuum", "none"):
            raise SpecError(where, "there is no charger in [system] to prepare")
        return [(1.0, np.ones(1, dtype=complex))]
    if choice is None:
        raise SpecError(where, "required field is missing")
    if space.kind == "mode":
        try:
            if choice == "vacuum":
                return [(1.0, boson.fock_state(space.dim, 0))]
            if isinstance(choice, dict) and set(choice) == {"fock"}:
                n = count_value(choice["fock"], problem.params, f"{where}.fock")
                return [(1.0, boson.fock_state(space.dim, n))]
            if isinstance(choice, dict) and set(choice) == {"coherent"}:
                alpha = _complex(choice["coherent"], problem, where)
                return [(1.0, boson.coherent_state(space.dim, alpha))]
            if isinstance(choice, dict) and set(choice) == {"thermal"}:
                nbar = _numbers([choice["thermal"]], problem, f"{where}.thermal")[0]
                if nbar < 0:
                    raise SpecError(f"{where}.thermal", f"a mean photon number >= 0, got {nbar:g}")
                p = boson.thermal_populations(space.dim, nbar)
                return [(float(pn), boson.fock_state(space.dim, n)) for n, pn in enumerate(p) if pn]
        except TruncationError as err:
            raise SpecError(where, str(err)) from None
    if space.kind == "bath_spins":
        j = space.spin_j
        if choice == "down":
            return [(1.0, spin.dicke_state(j, 0))]
        if choice == "up":
            return [(1.0, spin.dicke_state(j, space.size))]
        if isinstance(choice, dict) and set(choice) == {"dicke"}:
            k = count_value(choice["dicke"], problem.params, f"{where}.dicke")
            return [(1.0, _spin_dicke(j, k, where))]
    raise SpecError(where, f"unknown initial charger state {choice!r} for a {space.kind} charger")


def _complex(value, problem: Problem, where: str) -> complex:
    """A coherent amplitude: a number, an expression ("sqrt(N)") or [re, im] of either."""
    if isinstance(value, list) and len(value) == 2:
        re, im = _numbers(value, problem, where)
        return complex(re, im)
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return constant_value(value, problem.params, where)
    raise SpecError(where, "a coherent amplitude is a number or [re, im]")


def count_value(value, params: dict, where: str) -> int:
    """A number of excitations: an integer, or an expression with an integer value ("N") over
    the parameters ``params`` (:func:`parameter_values`)."""
    if isinstance(value, str):
        x = constant_value(value, params, where)
        n = round(x.real)
        if x.imag or abs(x.real - n) > 1e-9 * max(1.0, abs(x.real)) or n < 0:
            raise SpecError(where, f"{value!r} = {x.real:g} is not a non-negative integer")
        return n
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SpecError(where, "takes a non-negative integer")
    return value


# --------------------------------------------------------------------------- noise

LOCAL_CHANNELS = ("local_decay", "local_dephasing", "local_pumping")
_MODE_CHANNELS = {"mode_loss": "a"}
_COLLECTIVE_CHANNELS = {"collective_decay": "Sm"}


def _noise(spec: Spec, env: dict, dim: int, full_ops: dict):
    collapse, local = [], {}
    noise = spec.noise
    for name in ("mode_loss", "collective_decay", *LOCAL_CHANNELS):
        where = f"noise.{name}"
        rate = _rate(getattr(noise, name), env, where)
        if rate is None:
            continue
        if name in LOCAL_CHANNELS:
            if spec.system.spins is None:
                raise SpecError(where, "local noise is defined for a battery of spins")
            if not rate.is_constant:
                raise SpecError(where, "a local rate must not depend on t")
            local[name] = rate
            continue
        symbol = {**_MODE_CHANNELS, **_COLLECTIVE_CHANNELS}[name]
        if symbol not in full_ops:
            raise SpecError(where, f"needs {symbol}, which this system does not have")
        collapse.append((name, rate, full_ops[symbol]))
    for k, entry in enumerate(noise.collapse):
        where = f"noise.collapse.{k}"
        rate = _rate(entry.rate, env, where + ".rate")
        op = _operator(entry.operator, env, dim, where + ".operator")
        if op.is_time_dependent:
            raise SpecError(where + ".operator", "a collapse operator must not depend on t")
        if rate is not None:
            collapse.append((f"collapse[{k}]", rate, op.matrix(dim)))
    return collapse, local


def _rate(value, env: dict, where: str) -> expr.Coef | None:
    try:
        coef = expr.evaluate(value, env).scalar_coef()
    except expr.ExprError as err:
        raise SpecError(where, str(err)) from None
    if coef.is_constant:
        if coef.value.imag != 0 or coef.value.real < 0:
            got = expr.format_number(coef.value)
            raise SpecError(where, f"a rate must be real and >= 0, got {got}")
        if coef.value == 0:
            return None
    return coef
