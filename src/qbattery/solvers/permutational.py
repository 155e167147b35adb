"""Spins ⊗ a mode under local or collective noise: the permutation-invariant solver.

The state is kept as block states σ_j on (spin-j irrep) ⊗ mode, j = N/2, N/2 − 1, ...
(:mod:`qbattery.operators.permutational`): O(N³·cutoff²) numbers instead of 4^N·cutoff². Every
collective term of the spec (Hamiltonian, mode loss, collective or custom collapse operators) acts
inside each block; local decay, dephasing and pumping add an anticommutator inside the block and
jumps into the blocks j ± 1. Only the blocks ρ(t) can reach are kept
(:func:`~qbattery.solvers.permutational_sectors.reachable_spins`, ``info["kept_blocks"]``): ρ(0)
lives in j = N/2, so with collective noise alone that block is the whole state space, and
``solver = "auto"`` picks this solver for it (:func:`qbattery.solvers.permutational_fits`).

**Sectors.** With q = (number of excited atoms) + (photon number), the Hamiltonian may conserve q
(Tavis–Cummings), its parity (Dicke) or neither; every channel shifts q by a fixed amount (local
decay and loss −1, dephasing 0, pumping +1). Then the entries of ρ with q(ket) − q(bra) = k form
an invariant sector, solved one at a time so that memory is one sector. For the excitation number
only k ≥ 0 is solved (sector −k is the conjugate of k); when no channel raises q, every state above
the initial maximum of q stays empty and is dropped exactly. E_B and every q-conserving observable
need k = 0 alone; the battery's reduced state needs sector k for its k-th off-diagonal, so the
sectors k = 1, 2, ... are added until two in a row change it by less than ``run.sector_tol``
(trace-norm bound), and the rule and the increments are reported in ``info``.

**Propagation.** Each sector's generator (:mod:`qbattery.solvers.permutational_sectors`) is one
sparse matrix (the collective part entry by entry as in :mod:`qbattery.solvers.lindblad`, the local
jumps as shifts between neighbouring blocks). A sector that is its own conjugate (k = 0, and every
sector of the parity) holds a Hermitian part of ρ: it is propagated on its n real coordinates
(Re and Im above the diagonal, Re on it) with a real sparse generator (:class:`_RealForm`); a
mirrored sector has its mean rotation taken out exactly. A time-independent generator is
exponentiated by exact Taylor expansions, each of the full reach h‖L‖₁ = 10, with the grid points
inside read off its terms (:func:`_taylor`); a time-dependent one is integrated with DOP853 at
rtol/atol. States are never stored: each expansion is reduced at once to the expectations and the
battery's block states the results need (:mod:`qbattery.solvers.permutational_reduce`).
Without local noise and with a time-independent generator a few checkpoint states are kept, so
that E(t) is available between grid points (``can_evaluate_anywhere``: the summary's maxima are
refined, as with the Lindblad solver).
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
from qbattery.progress import report, share
from qbattery.solvers import register
from qbattery.solvers.lindblad import TRACE_WARN
from qbattery.solvers.permutational_propagate import (
    CHECKPOINT_BYTES,
    CHECKPOINTS,
    _Anywhere,
    _norm1,
    _propagate,
    _RealForm,
)
from qbattery.solvers.permutational_reduce import PART_NAMES, _part_operators, _Reducer
from qbattery.solvers.permutational_sectors import (
    _generator,
    _initial_vector,
    _Layout,
    _layout,
    _Sector,
    _sector,
)
from qbattery.solvers.taylor import TAYLOR_REACH
from qbattery.solvers.weak_symmetry import charge_shift
from qbattery.spec import STATE_SERIES, SpecError

POSITIVITY_WARN = 1e-6
# peak RSS per sector entry: ~10 generator entries and their assembly, a few states. With the
# assembly row block by row block (2026-12-03) TC Fock measured 915 B at N = 40 (194k entries)
# and 870 B at N = 60 (924k), against 1430 and 1350 B with the single COO assembly before, which
# measured 1100-1130 B at N = 100 (21.0 GB for 19.1M entries, 7.7 GB for 6.8M)
BYTES_PER_ENTRY = 950


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
    all_js: list[float] | None = None  # every j of N spins; those not in ``js`` stay empty
    anywhere: _Anywhere | None = None  # E(t) between grid points, where available

    solver = "permutational"

    @property
    def can_evaluate_anywhere(self) -> bool:
        return self.anywhere is not None

    @property
    def largest_block(self) -> int:
        return round(2 * self.js[0]) + 1

    def expect_part(self, name: str) -> np.ndarray:
        return self.parts[name]

    def expect(self, op, t=None):
        """Re Tr[Oρ(t)] of a charge-conserving operator O of the problem's space, at any times
        (the grid without ``t``): only without local noise, where ρ lives in the block j = N/2,
        and for a time-independent generator (``can_evaluate_anywhere``)."""
        if self.anywhere is None:
            raise TypeError(
                "the permutational evolution evaluates the spec's own operators only (expect_part)"
            )
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        return self.anywhere.expect(op, times)

    def battery_blocks(self, t=None, kept_only: bool = False):
        """Yields (rows, [(j, d_j, B_j of shape (T, 2j+1, 2j+1))]) with B_j = Tr_C σ_j, for every
        j of the N spins (blocks ρ(t) never reaches as zeros: the full spectrum of H_B still
        counts for the ergotropy), or for the integrated blocks only with ``kept_only``."""
        if t is not None:
            raise ValueError("this evolution is known on its time grid only")
        T = len(self.times)
        offsets = np.cumsum([0] + [(round(2 * j) + 1) ** 2 for j in self.js])
        stored = {}
        for j, d, a, b in zip(self.js, self.multiplicities, offsets[:-1], offsets[1:], strict=True):
            n = round(2 * j) + 1
            stored[j] = (j, d, self.battery_flat[:, a:b].reshape(T, n, n))
        js = self.js if kept_only or self.all_js is None else self.all_js
        n_spins = round(2 * self.js[0])
        blocks = [
            stored.get(j)
            or (j, perm.multiplicity(n_spins, j), np.zeros((T, round(2 * j) + 1, round(2 * j) + 1)))
            for j in js
        ]
        yield slice(0, T), blocks


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


def _flips_parity(layout: _Layout, wanted: set[str]) -> bool:
    """Whether a requested series needs the sector of odd q(ket) − q(bra) (the Dicke coupling)."""
    if not wanted & {"switching_cost", "interaction_energy"}:
        return False
    labels = layout.charges[0] % 2
    return charge_shift(layout.blocks[0].H_coupling, labels, 2) != 0


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
    anywhere: _Anywhere | None = None


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
    # a self-conjugate sector with a time-independent generator runs on its real coordinates
    form = None if sector.mirrored or len(generator) > 1 else _RealForm(layout, sector)
    reduce, keep, checkpoints, start = reducer.reduce, None, {}, y0
    if form is not None:
        Q = form.weights(reducer._stacked)
        Qr, Qi = Q.real.tocsr(), Q.imag.tocsr()

        def reduce(x):
            return Qr @ x + 1j * (Qi @ x)

        R = form.generator(generator)  # empties the list: the complex generator is freed
        generator, start = R, form.vector(y0)
        if k == 0 and _can_evaluate_anywhere(problem, layout):
            span = times[-1] - times[0]
            count = max(4, min(CHECKPOINTS, CHECKPOINT_BYTES // (8 * max(1, sector.size))))
            stride = max(1, -(-int(np.ceil(span * _norm1(R) / TAYLOR_REACH)) // count))
            calls = [0]

            def keep(t, y):
                if calls[0] % stride == 0:
                    checkpoints[t] = y.copy()
                calls[0] += 1

    parts = {name: np.zeros(T) for name in reducer.names}
    battery = np.zeros((T, int(reducer.battery_offsets[-1])), dtype=complex)
    increment = np.zeros(T)
    method = "dop853" if isinstance(generator, list) and len(generator) > 1 else "taylor"
    with single_blas_thread():
        chunks = _propagate(generator, start, times, run.rtol, run.atol, reduce, keep)
        for first, reduced, phase in chunks:
            rows = slice(first, first + len(reduced))
            values, battery[rows] = reducer.split(reduced, phase)
            for n, name in enumerate(reducer.names):
                parts[name][rows] = values[:, n]
            increment[rows] = np.sqrt((np.abs(battery[rows]) ** 2).sum(axis=1))
            report(rows.stop / T)
    anywhere = None
    if checkpoints:
        anywhere = _Anywhere(layout, sector, form, R, _norm1(R), times, checkpoints)
    # √(2j+1)·‖·‖_F bounds the trace norm of the sector's share of ρ_B
    bound = float(increment.max()) * np.sqrt(round(2 * layout.js[0]) + 1)
    return _SectorRun(k, sector.size, parts, battery, bound, method, anywhere)


def _can_evaluate_anywhere(problem, layout: _Layout) -> bool:
    """E(t) between grid points (refined maxima, like the Lindblad solver): a time-independent
    generator and the symmetric block alone, whose operators are the problem's own (no local
    noise)."""
    return len(layout.js) == 1 and not problem.local_noise


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
        for n, k in enumerate(ks):
            with share(n, len(ks)):  # progress: each sector an equal part of the run
                run = _run_sector(problem, layout, k)
            yield run
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spec = problem.spec.to_dict()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = [pool.submit(_worker_sector, spec, k) for k in ks]
        try:
            for n, future in enumerate(pending):
                run = future.result()
                report((n + 1) / len(ks))  # the workers' own loops cannot report here
                yield run
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
    need_state = bool(wanted & STATE_SERIES)
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
        "kept_blocks": [float(j) for j in layout.js],
        "blocks_total": len(perm.spins(layout.n_spins)),
        "local_rates": {name: float(c.value.real) for name, c in problem.local_noise.items()},
        "excitation_cap": layout.q_max,
        "workers": _workers(problem, layout, ks),
        "sectors_integrated": [],
        "sector_sizes": [],
        "sector_increments": [],
    }
    methods, small_in_a_row, anywhere = set(), 0, None
    for result in _sector_runs(problem, layout, ks):
        if result is None:
            continue  # an invariant sector that starts empty stays empty
        anywhere = anywhere or result.anywhere
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
    evolution = PermutationalEvolution(
        problem, times, js, mult, parts, battery, info, perm.spins(layout.n_spins), anywhere
    )
    if anywhere is not None:
        info["checkpoints"] = len(anywhere.checkpoints)
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
    _, blocks = next(evolution.battery_blocks(kept_only=True))
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
