"""Local noise on N spins ⊗ a mode: the permutation-invariant solver, sector by sector.

The state is kept as block states σ_j on (spin-j irrep) ⊗ mode, j = N/2, N/2 − 1, ...
(:mod:`qbattery.operators.permutational`): O(N³·cutoff²) numbers instead of 4^N·cutoff². Every
collective term of the spec (Hamiltonian, mode loss, collective or custom collapse operators) acts
inside each block; local decay, dephasing and pumping add an anticommutator inside the block and
jumps into the blocks j ± 1.

**Sectors.** With q = (number of excited atoms) + (photon number), the Hamiltonian may conserve q
(Tavis–Cummings), its parity (Dicke) or neither; every channel shifts q by a fixed amount (local
decay and loss −1, dephasing 0, pumping +1). Then the entries of ρ with q(ket) − q(bra) = k form
an invariant sector, solved one at a time so that memory is one sector. For the excitation number
only k ≥ 0 is solved (sector −k is the conjugate of k); when no channel raises q, every state above
the initial maximum of q stays empty and is dropped exactly. E_B and every q-conserving observable
need k = 0 alone; the battery's reduced state needs sector k for its k-th off-diagonal, so the
sectors k = 1, 2, ... are added until two in a row change it by less than ``run.sector_tol``
(trace-norm bound), and the rule and the increments are reported in ``info``.

**Propagation.** Each sector's generator (:mod:`qbattery.solvers.permutational_sectors`) is one sparse matrix (the collective part entry by entry
as in :mod:`qbattery.solvers.lindblad`, the local jumps as shifts between neighbouring blocks);
its mean rotation is taken out exactly, and a time-independent generator on a uniform grid is
exponentiated by exact Taylor expansions (:func:`~qbattery.solvers.lindblad.taylor_chunks`), else
integrated with DOP853 at rtol/atol. States are never stored: each chunk of the trajectory is
reduced at once to the expectations and the battery's block states the results need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from qbattery._threads import single_blas_thread
from qbattery.operators import permutational as perm
from qbattery.operators.boson import truncation_warning
from qbattery.solvers import register
from qbattery.solvers.lindblad import TRACE_WARN, _shift, ode_chunks, taylor_chunks
from qbattery.solvers.permutational_sectors import (
    _generator,
    _initial_vector,
    _Layout,
    _layout,
    _Sector,
    _sector,
)
from qbattery.spec import SpecError

POSITIVITY_WARN = 1e-6
# peak RSS per sector entry, measured (2026-12-02) at TC N = 100: 21.0 GB for one sector of 19.1M
# entries, 7.7 GB for 6.8M (Fock): ~10 generator entries, its COO -> CSR assembly, a few states
BYTES_PER_ENTRY = 1150
PART_NAMES = ("battery", "battery_squared", "charger", "coupling")


# --------------------------------------------------------------------------- reductions


def _weights(operators: dict[str, list], b: int, rows, cols) -> sp.csr_matrix:
    """(operators × entries) sparse matrix of O_b[rows, cols], one operator per row."""
    return sp.vstack(
        [sp.csr_matrix(np.asarray(ops[b][rows, cols]).ravel()) for ops in operators.values()],
        format="csr",
    )


class _Reducer:
    """Maps a sector's entries to what results need: expectations of named operators and the
    battery's block states B_j = Tr_C σ_j (all blocks flattened into one vector)."""

    def __init__(self, layout: _Layout, sector: _Sector, operators: dict[str, list]):
        nc = layout.cutoff
        self.mirrored = sector.mirrored
        self.names = list(operators)
        weights, mirror = [], []
        rows, cols, mirror_rows = [], [], []
        self.battery_offsets = np.cumsum([0] + [(round(2 * j) + 1) ** 2 for j in layout.js])
        for b, (j, part) in enumerate(zip(layout.js, sector.parts, strict=True)):
            if not part.size:
                continue
            # Tr[Oσ] = Σ O_{i'i} σ_{ii'}; a mirrored sector adds Σ O_{ii'} conj(σ_{ii'})
            weights.append(_weights(operators, b, part.cols, part.rows))
            if sector.mirrored:
                mirror.append(_weights(operators, b, part.rows, part.cols))
            k, n = np.divmod(part.rows, nc)
            kp, np_ = np.divmod(part.cols, nc)
            same = np.flatnonzero(n == np_)
            dj = round(2 * j) + 1
            rows.append(self.battery_offsets[b] + k[same] * dj + kp[same])
            mirror_rows.append(self.battery_offsets[b] + kp[same] * dj + k[same])
            cols.append(same + sector.offsets[b])
        # sparse: most operators see only a few entries (diagonal ones the ket = bra entries)
        self.W = sp.hstack(weights, format="csr")
        self.Wm = sp.hstack(mirror, format="csr") if mirror else None
        shape = (int(self.battery_offsets[-1]), sector.size)
        r, c = np.concatenate(rows), np.concatenate(cols)
        self.P = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=shape)
        self.Pm = None
        if sector.mirrored:
            rm = np.concatenate(mirror_rows)
            self.Pm = sp.csr_matrix((np.ones(len(rm)), (rm, c)), shape=shape)
        stack = [self.W, self.P] + ([self.Wm.conj(), self.Pm] if sector.mirrored else [])
        self._stacked = sp.vstack(stack, format="csr")
        self._half = self.W.shape[0] + self.P.shape[0]

    def reduce(self, states: np.ndarray) -> np.ndarray:
        """[W s, P s, W_m s̄, conj(P_m s)] of a state s (or rows of states): real-linear in s,
        so it can be taken of every Taylor term (weights real) and finished by :meth:`split`."""
        out = self._stacked @ states.T  # one sparse product: W, P, conj(W_m), P_m stacked
        out[self._half :] = out[self._half :].conj()
        return out.T

    def split(self, reduced: np.ndarray, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(expectations, flattened battery blocks) of the states phase·s from reduce(s) rows:
        Tr[Oσ] = Σ O_{i'i} σ_{ii'}, and a mirrored sector adds its conjugate part."""
        half = len(self.names) + self.P.shape[0]
        out = reduced[:, :half] * phase[:, None]
        if self.mirrored:
            out = out + reduced[:, half:] * phase.conj()[:, None]
        return out[:, : len(self.names)].real, out[:, len(self.names) :]


# --------------------------------------------------------------------------- evolution


@dataclass
class PermutationalEvolution:
    """Expectations and battery block states of a permutation-invariant ρ(t) on the time grid."""

    problem: object
    times: np.ndarray
    js: list[float]
    multiplicities: np.ndarray
    parts: dict[str, np.ndarray]  # named expectation series
    battery_flat: np.ndarray  # (T, Σ_j (2j+1)²): B_j = Tr_C σ_j, flattened block after block
    info: dict = field(default_factory=dict)

    solver = "permutational"
    can_evaluate_anywhere = False

    @property
    def largest_block(self) -> int:
        return round(2 * self.js[0]) + 1

    def expect_part(self, name: str) -> np.ndarray:
        return self.parts[name]

    def expect(self, op, t=None):
        raise TypeError(
            "the permutational evolution evaluates the spec's own operators only (expect_part)"
        )

    def battery_blocks(self, t=None):
        """Yields (rows, [(j, d_j, B_j of shape (T, 2j+1, 2j+1))]) with B_j = Tr_C σ_j."""
        if t is not None:
            raise ValueError("this evolution is known on its time grid only")
        T = len(self.times)
        offsets = np.cumsum([0] + [(round(2 * j) + 1) ** 2 for j in self.js])
        blocks = []
        for j, d, a, b in zip(self.js, self.multiplicities, offsets[:-1], offsets[1:], strict=True):
            n = round(2 * j) + 1
            blocks.append((j, d, self.battery_flat[:, a:b].reshape(T, n, n)))
        yield slice(0, T), blocks


def _part_operators(layout: _Layout) -> dict[str, list]:
    ops: dict[str, list] = {name: [] for name in (*PART_NAMES, "top_fock", "trace")}
    nc = layout.cutoff
    for j, block in zip(layout.js, layout.blocks, strict=True):
        nj = round(2 * j) + 1
        ops["battery"].append(block.H_battery.tocsr())
        ops["battery_squared"].append((block.H_battery @ block.H_battery).tocsr())
        ops["charger"].append(block.H_charger.tocsr())
        ops["coupling"].append(block.H_coupling.tocsr())
        top = np.zeros(nc)
        top[-1] = 1.0
        ops["top_fock"].append(sp.kron(sp.identity(nj), sp.diags(top), format="csr"))
        ops["trace"].append(sp.identity(nj * nc, format="csr"))
    return ops


def _check_memory(problem, sector: _Sector) -> None:
    """One sector's generator and states, with the battery blocks on the grid, against the run's
    memory limit (:mod:`qbattery.resources`), before the generator is built."""
    from qbattery.resources import Part, check_parts, spec_parts

    what = (
        f"one sector of {sector.size:,} entries (its generator and a few states; the mode cutoff "
        "sets its size too)"
    )
    parts = spec_parts(problem.spec, "permutational")
    parts.append(Part(what, sector.size * BYTES_PER_ENTRY, "system.spins"))
    check_parts(parts, problem.spec, "permutational")


def _propagate(generator, y0: np.ndarray, times: np.ndarray, rtol: float, atol: float, reduce):
    """Yields (first row, reduce(states), phases) chunks of the sector's trajectory (row 0
    included): the states are e^{μ(t − t₀)} times the propagated ones, μ the generator's mean
    rotation, taken out exactly so that it costs no steps."""
    (_, L0), driven = generator[0], generator[1:]
    mu = 1j * L0.diagonal().imag.mean() if L0.shape[0] else 0.0
    L0 = (L0 - mu * sp.identity(L0.shape[0], format="csr")).tocsr()

    def phases(first, n):
        return np.exp(mu * (times[first : first + n] - times[0]))

    yield 0, reduce(y0)[None, :], phases(0, 1)
    uniform = len(times) > 2 and np.allclose(np.diff(times), times[1] - times[0], rtol=1e-12)
    if not driven and (uniform or len(times) == 2):
        norm = float(abs(L0).sum(axis=0).max()) if L0.nnz else 0.0
        for first, rows in taylor_chunks(L0, y0, times, norm, reduce):
            yield first, rows, phases(first, len(rows))
        return

    def rhs(x, v):
        out = L0 @ v
        for c, M in driven:
            out += complex(c(x)) * (M @ v)
        return out

    for first, chunk in ode_chunks("DOP853", rhs, y0, times, rtol, atol):
        yield first, reduce(chunk), phases(first, len(chunk))


def _flips_parity(layout: _Layout, wanted: set[str]) -> bool:
    """Whether a requested series needs the sector of odd q(ket) − q(bra) (the Dicke coupling)."""
    if not wanted & {"switching_cost", "interaction_energy"}:
        return False
    labels = layout.charges[0] % 2
    return _shift(layout.blocks[0].H_coupling, labels, 2) != 0


def _sector_order(layout: _Layout) -> list[int]:
    if layout.modulus is not None:
        return [0, 1]
    if layout.symmetry == "none":
        return [0]
    span = max(int(q.max()) for q in layout.charges)
    if layout.q_max is not None:
        span = min(span, layout.q_max)
    return list(range(span + 1))


@dataclass
class _SectorRun:
    """One sector's contribution: named expectations, battery blocks and its trace-norm bound."""

    k: int
    size: int
    parts: dict[str, np.ndarray]
    battery: np.ndarray
    bound: float
    method: str


def _run_sector(problem, layout: _Layout, k: int) -> _SectorRun | None:
    """Build, propagate and reduce sector k (None when it starts, hence stays, empty)."""
    run, times = problem.spec.run, problem.times
    rates = {name: float(c.value.real) for name, c in problem.local_noise.items()}
    sector = _sector(layout, k)
    y0 = _initial_vector(layout, sector, problem.initial)
    if sector.size == 0 or not np.any(y0):
        return None
    _check_memory(problem, sector)
    T = len(times)
    generator = _generator(layout, sector, rates, None)
    reducer = _Reducer(layout, sector, _part_operators(layout))
    parts = {name: np.zeros(T) for name in reducer.names}
    battery = np.zeros((T, int(reducer.battery_offsets[-1])), dtype=complex)
    increment = np.zeros(T)
    with single_blas_thread():
        chunks = _propagate(generator, y0, times, run.rtol, run.atol, reducer.reduce)
        for first, reduced, phase in chunks:
            rows = slice(first, first + len(reduced))
            values, battery[rows] = reducer.split(reduced, phase)
            for n, name in enumerate(reducer.names):
                parts[name][rows] = values[:, n]
            increment[rows] = np.sqrt((np.abs(battery[rows]) ** 2).sum(axis=1))
    # √(2j+1)·‖·‖_F bounds the trace norm of the sector's share of ρ_B
    bound = float(increment.max()) * np.sqrt(round(2 * layout.js[0]) + 1)
    method = "taylor" if len(generator) == 1 else "dop853"
    return _SectorRun(k, sector.size, parts, battery, bound, method)


_WORKER: dict = {}  # per worker process: the problem rebuilt from its spec


def _worker_sector(spec: dict, k: int) -> _SectorRun | None:
    from qbattery.problem import build_problem

    key = repr(spec)
    if key not in _WORKER:
        _WORKER.clear()
        problem = build_problem(spec)
        _WORKER[key] = (problem, _layout(problem))
    return _run_sector(*_WORKER[key], k)


def _workers(problem, layout: _Layout, ks: list[int]) -> int:
    """Processes for the sectors: one per core for several large sectors, never nested."""
    import multiprocessing

    requested = problem.spec.run.workers
    if requested == 1 or len(ks) < 2 or multiprocessing.parent_process() is not None:
        return 1
    if requested == 0:  # auto: only when a sector is large enough to pay for a process
        largest = sum(len(q) ** 2 for q in layout.charges) / max(1, len(ks))
        if largest < PARALLEL_MIN_ENTRIES:
            return 1
        return max(1, min(len(ks), len(os.sched_getaffinity(0))))
    return min(requested, len(ks))


PARALLEL_MIN_ENTRIES = 20_000


def _sector_runs(problem, layout: _Layout, ks: list[int]):
    """Yields the sector runs in the order of ``ks`` (serially or from a process pool); the
    caller may stop early, and the sectors still queued are then cancelled."""
    workers = _workers(problem, layout, ks)
    if workers == 1:
        for k in ks:
            yield _run_sector(problem, layout, k)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spec = problem.spec.to_dict()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = [pool.submit(_worker_sector, spec, k) for k in ks]
        try:
            for future in pending:
                yield future.result()
        finally:
            for future in pending:
                future.cancel()


def solve_permutational(problem) -> PermutationalEvolution:
    """Evolve a spin battery with local noise in the permutation-invariant basis."""
    _check_supported(problem)
    layout = _layout(problem)
    run = problem.spec.run
    times = problem.times
    T, n_battery = len(times), sum((round(2 * j) + 1) ** 2 for j in layout.js)
    wanted = set(problem.spec.output.series)
    need_state = bool(wanted & {"ergotropy", "ergotropy_symmetric", "purity", "locked_energy"})
    parts = {name: np.zeros(T) for name in (*PART_NAMES, "top_fock", "trace")}
    battery = np.zeros((T, n_battery), dtype=complex)
    ks = _sector_order(layout)
    if not need_state and not (layout.modulus and _flips_parity(layout, wanted)):
        ks = ks[:1]  # q-conserving observables need k = 0 only
    elif layout.modulus is None:
        ks = ks[: layout.n_spins + 1]  # ρ_B's off-diagonals reach k = N at most
    info: dict = {
        "solver": "permutational",
        "symmetry": layout.symmetry,
        "blocks": len(layout.js),
        "local_rates": {name: float(c.value.real) for name, c in problem.local_noise.items()},
        "excitation_cap": layout.q_max,
        "workers": _workers(problem, layout, ks),
        "sectors_integrated": [],
        "sector_sizes": [],
        "sector_increments": [],
    }
    methods, small_in_a_row = set(), 0
    for result in _sector_runs(problem, layout, ks):
        if result is None:
            continue  # an invariant sector that starts empty stays empty
        for name, values in result.parts.items():
            parts[name] += values
        battery += result.battery
        methods.add(result.method)
        info["sectors_integrated"].append(result.k)
        info["sector_sizes"].append(result.size)
        info["sector_increments"].append(result.bound)
        if result.k > 0 and layout.modulus is None:
            small_in_a_row = small_in_a_row + 1 if result.bound < run.sector_tol else 0
            if small_in_a_row >= 2:
                break
    info["method"] = "+".join(sorted(methods))
    if "dop853" in methods:
        info.update(rtol=run.rtol, atol=run.atol)
    if layout.modulus is None and layout.symmetry != "none" and need_state:
        info["sector_rule"] = (
            f"sectors k = 0..{info['sectors_integrated'][-1]}: added until two in a row changed "
            f"the battery state by < {run.sector_tol:g} (trace norm)"
        )
    js = layout.js
    mult = np.array([perm.multiplicity(layout.n_spins, j) for j in js])
    evolution = PermutationalEvolution(problem, times, js, mult, parts, battery, info)
    _monitor(evolution, layout)
    return evolution


def _check_supported(problem) -> None:
    if problem.battery.kind != "spins":
        raise SpecError("run.solver", "the permutational solver needs a battery of spins")
    if problem.charger.kind not in ("mode", "none"):
        raise SpecError(
            "run.solver", "the permutational solver takes a mode (or no) charger, not bath spins"
        )


def _monitor(evolution: PermutationalEvolution, layout: _Layout) -> None:
    info, parts = evolution.info, evolution.parts
    warnings = []
    trace = parts.pop("trace")
    error = float(np.max(np.abs(trace - trace[0])))
    info["trace_error"] = error
    if error > TRACE_WARN:
        warnings.append(f"the trace of ρ drifted by {error:.2e}; tighten rtol/atol")
    top = parts.pop("top_fock")
    info["max_top_fock_population"] = float(top.max())
    if layout.q_max is not None and layout.q_max < layout.cutoff:
        # no channel raises q and ρ(0) holds at most q_max < cutoff excitations
        info["truncation"] = "exact (excitation number conserved, never above its start)"
    else:
        warnings += truncation_warning(layout.cutoff, float(top.max()))
    _, blocks = next(evolution.battery_blocks())
    lowest = min(float(np.linalg.eigvalsh(B).min()) for _, _, B in blocks if B.size)
    info["min_battery_eigenvalue"] = lowest
    if lowest < -POSITIVITY_WARN:
        warnings.append(f"the battery state lost positivity (smallest eigenvalue {lowest:.2e})")
    info["warnings"] = warnings


# --------------------------------------------------------------------------- steady state


DENSE_SOLVE = 2500  # largest system solved densely


def _solve(A: sp.csc_matrix, b: np.ndarray) -> np.ndarray:
    """A x = b: dense LU when small; else GMRES with an incomplete-LU preconditioner (SuperLU's
    complete factorization fills these Liouvillians in badly: seconds already at n = 2000)."""
    from scipy.sparse.linalg import LinearOperator, gmres, spilu

    if A.shape[0] <= DENSE_SOLVE:
        return np.linalg.solve(A.toarray(), b)
    ilu = spilu(A, drop_tol=1e-8, fill_factor=30)
    M = LinearOperator(A.shape, ilu.solve, dtype=complex)
    x, status = gmres(A, b, M=M, rtol=1e-13, atol=0.0, restart=200, maxiter=200)
    if status != 0 or np.max(np.abs(A @ x - b)) > 1e-9 * max(1.0, np.abs(b).max()):
        try:
            x = splu(A).solve(b)
        except RuntimeError as err:
            raise RuntimeError(f"the steady state is not unique or not found: {err}") from None
    return x


@dataclass
class PermutationalSteadyState:
    """The stationary state in the k = 0 sector: named expectations and battery block states."""

    parts: dict[str, float]
    js: list[float]
    blocks: list[np.ndarray]  # B_j = Tr_C σ_j
    residual: float

    def expect_part(self, name: str) -> float:
        return self.parts[name]


def steady_state(problem) -> PermutationalSteadyState:
    """Solve L ρ = 0, Tr ρ = 1 in the k = 0 sector (sparse LU with one row replaced by the trace).

    With the excitation number conserved and no raising channel, only the states up to the
    initial maximum of q are kept, so the result is the state reached from ρ(0)."""
    layout = _layout(problem)
    rates = {name: float(c.value.real) for name, c in problem.local_noise.items()}
    sector = _sector(layout, 0)
    ((_, L),) = _generator(layout, sector, rates, 0.0)
    operators = _part_operators(layout)
    reducer = _Reducer(layout, sector, operators)
    trace = reducer.W[reducer.names.index("trace")].toarray().ravel().astype(complex)
    # Pin ρ_rr = 1 at the all-down vacuum entry (populated in every steady state met here) and
    # drop its row and column: the rest stays sparse, unlike a dense trace row (fill-in).
    r = int(np.flatnonzero((sector.parts[0].rows == 0) & (sector.parts[0].cols == 0))[0])
    keep = np.flatnonzero(np.arange(sector.size) != r)
    L = L.tocsc()
    rest = _solve(L[keep][:, keep].tocsc(), -L[keep][:, [r]].toarray().ravel())
    rho = np.insert(rest, r, 1.0)
    rho = rho / (trace @ rho)
    residual = float(np.max(np.abs(L @ rho)))
    values, flat = (row[0] for row in reducer.split(reducer.reduce(rho[None, :]), np.ones(1)))
    offsets = reducer.battery_offsets
    blocks = [
        flat[a:b].reshape(round(2 * j) + 1, -1)
        for j, a, b in zip(layout.js, offsets[:-1], offsets[1:], strict=True)
    ]
    return PermutationalSteadyState(
        dict(zip(reducer.names, values, strict=True)), layout.js, blocks, residual
    )


register("permutational")(solve_permutational)
