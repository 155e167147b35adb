"""Lindblad master equation, sector by sector.

    dρ/dt = −i[H(t), ρ] + Σ_L rate_L(t)·D[L]ρ,    D[L]ρ = LρL† − ½{L†L, ρ}

(a rate multiplies the dissipator as written: QuTiP's collapse operator is √rate·L).

**Weak symmetry.** When H conserves the excitation number q = N_ex (or only its parity) and every
collapse operator shifts q by a fixed amount, the Liouvillian maps the entries ρ_ij with
k = q_i − q_j into entries with the same k: the blocks ρ_k evolve independently. Only the k present
in ρ(0) are integrated (a Fock charger with a Dicke battery lives in k = 0 alone), and for the
excitation number only k ≥ 0, since ρ_{−k} = ρ_k†. Block k is stored as the concatenation of its
cells ρ_{ab} (rows in sector a, columns in sector b, a − b = k), each column-stacked.

**Propagation.** A time-independent generator is exponentiated exactly on the uniform grid with
Krylov/Taylor ``expm_multiply`` (so the state is also available between grid points); a
time-dependent one is integrated with an adaptive Runge–Kutta method (DOP853) at the spec's
rtol/atol. Trace, positivity of the battery state and the population of the top Fock level are
monitored and reported in ``info`` (warnings in ``info["warnings"]``).

**Steady state.** :func:`steady_state` solves L ρ = 0 in the k = 0 block with one row replaced by
the trace (sparse LU); a singular system (condition estimate) means several steady states: it then
counts them from a dense SVD (small problems) and returns the state reached from ρ(0).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import LinearOperator, expm_multiply, onenormest, splu
from threadpoolctl import threadpool_limits

from qbattery.operators.symmetry import excitation_number
from qbattery.solvers import register
from qbattery.spec import SpecError

TIME_CHUNK = 512
DENSE_EXPM = 500  # largest block exponentiated densely (e^{LΔt} once, then steps)
ODE_METHOD = "DOP853"
TRUNCATION_WARN = 1e-6  # population of the top Fock level
TRACE_WARN = 1e-6
POSITIVITY_WARN = 1e-6
SINGULAR_CONDITION = 1e12  # condition estimate beyond which a linear system counts as singular
NULL_TOLERANCE = 1e-10  # singular values below this fraction of the largest span the kernel
DENSE_STEADY = 2500  # largest block whose kernel is counted with a dense SVD
RESOLVENT_SHIFT = 1e-9  # relative ε of the fallback ε(ε − L)^{-1}ρ(0) on large singular blocks


# --------------------------------------------------------------------------- sectors


def _shift(op: sp.spmatrix | None, labels: np.ndarray, modulus: int | None) -> int | None:
    """The fixed amount op shifts the charge by (label(row) − label(col)), or None if not fixed."""
    if op is None:
        return 0
    coo = sp.coo_matrix(op)
    mask = abs(coo.data) > 1e-14
    diff = labels[coo.row[mask]] - labels[coo.col[mask]]
    if modulus:
        diff = diff % modulus
    if diff.size == 0:
        return 0
    return int(diff[0]) if np.all(diff == diff[0]) else None


def find_symmetry(problem) -> tuple[str, np.ndarray, int | None]:
    """(name, charge of each basis state, modulus) of the finest weak symmetry the generator has.

    Tries the excitation number, then its parity: H(t) must conserve the charge and every collapse
    operator must shift it by a fixed amount. Returns ("none", zeros, None) when neither holds.
    """
    q = excitation_number(problem)
    hams = [problem.H_static] + [op for _, op in problem.H_driven]
    jumps = [L for _, _, L in problem.collapse]
    for name, modulus in (("excitation_number", None), ("parity", 2)):
        labels = q % modulus if modulus else q
        if all(_shift(H, labels, modulus) == 0 for H in hams) and all(
            _shift(L, labels, modulus) is not None for L in jumps
        ):
            return name, labels, modulus
    return "none", np.zeros(problem.dim, dtype=int), None


@dataclass
class _Block:
    """The entries ρ_ij with label(i) − label(j) = k: sector cells ρ_ab, each column-stacked."""

    k: int
    rows: np.ndarray  # i of every entry
    cols: np.ndarray  # j of every entry
    mirrored: bool  # ρ_{−k} = ρ_k† is implied and not stored

    @property
    def size(self) -> int:
        return len(self.rows)


def _expand(M: sp.spmatrix, index: np.ndarray):
    """For each position p in ``index``, the stored entries of row/column index[p] of compressed M.

    Returns (their minor indices, their values, p for each of them).
    """
    counts = np.diff(M.indptr)[index]
    starts = M.indptr[index] - (np.cumsum(counts) - counts)
    take = np.repeat(starts, counts) + np.arange(counts.sum())
    return M.indices[take], M.data[take], np.repeat(np.arange(len(index)), counts)


class _Sectors:
    def __init__(self, labels: np.ndarray, modulus: int | None):
        self.labels, self.modulus = labels, modulus
        self.index = {int(v): np.flatnonzero(labels == v) for v in np.unique(labels)}

    def wrap(self, x: int) -> int:
        return x % self.modulus if self.modulus else x

    def block(self, k: int, cells: set[tuple[int, int]] | None = None) -> _Block:
        """Block k, or only its given cells (a, b) (rows in sector a, columns in sector b)."""
        rows, cols = [], []
        for a, ia in self.index.items():
            for b, ib in self.index.items():
                if self.wrap(a - b) == k and (cells is None or (a, b) in cells):
                    rows.append(np.tile(ia, len(ib)))  # column stacking: i runs fastest
                    cols.append(np.repeat(ib, len(ia)))
        mirrored = self.modulus is None and k > 0
        return _Block(k, np.concatenate(rows), np.concatenate(cols), mirrored)

    def reachable(self, initial, shifts: set[int]) -> dict[int, set[tuple[int, int]]]:
        """Cells that ρ(0) fills or that jumps (shifting both labels by s) feed, grouped by k.

        Only k ≥ 0 for the excitation number (ρ_{−k} = ρ_k†). The rest stay zero for all times.
        """
        cells: set[tuple[int, int]] = set()
        for _, psi in initial:
            support = [int(a) for a in np.unique(self.labels[np.abs(psi) > 0])]
            cells |= {(a, b) for a in support for b in support}
        todo = list(cells)
        while todo:
            a, b = todo.pop()
            for s in shifts:
                new = (self.wrap(a + s), self.wrap(b + s))
                if new[0] in self.index and new[1] in self.index and new not in cells:
                    cells.add(new)
                    todo.append(new)
        out: dict[int, set[tuple[int, int]]] = {}
        for a, b in cells:
            k = self.wrap(a - b)
            if self.modulus is not None or k >= 0:
                out.setdefault(k, set()).add((a, b))
        return dict(sorted(out.items()))

    def superoperator(self, block: _Block, terms) -> sp.csr_matrix:
        """Σ over terms ρ ↦ AρB (A or B None: identity) restricted to the block, sparse.

        Built entry by entry without loops: (AρB)_ij gets A_ii'·ρ_i'j'·B_j'j from every stored
        A_ii' in column i' and B_j'j in row j'. The symmetry guarantees that (i, j) is in the block.
        """
        n, dim = block.size, len(self.labels)
        keys = block.rows * dim + block.cols
        order = np.argsort(keys)
        sorted_keys = keys[order]
        rows, cols, vals = [], [], []
        for A, B in terms:
            src, i, j, v = np.arange(n), block.rows, block.cols, np.ones(n, dtype=complex)
            if A is not None:
                i, a, p = _expand(sp.csc_matrix(A), i)
                src, j, v = src[p], j[p], v[p] * a
            if B is not None:
                j, b, p = _expand(sp.csr_matrix(B), j)
                src, i, v = src[p], i[p], v[p] * b
            key = i * dim + j
            loc = np.minimum(np.searchsorted(sorted_keys, key), max(n - 1, 0))
            if not np.array_equal(sorted_keys[loc], key):
                raise RuntimeError("a Liouvillian term leaves its symmetry block")
            rows.append(order[loc])
            cols.append(src)
            vals.append(v)
        data = np.concatenate(vals) if vals else np.zeros(0, dtype=complex)
        ij = (np.concatenate(rows), np.concatenate(cols)) if vals else ([], [])
        return sp.csr_matrix((data, ij), shape=(n, n))

    def initial_vector(self, block: _Block, initial) -> np.ndarray:
        y = np.zeros(block.size, dtype=complex)
        for w, psi in initial:
            y += w * psi[block.rows] * psi[block.cols].conj()
        return y


# --------------------------------------------------------------------------- generator


def _generator_terms(problem, t: float | None = None):
    """L(t)ρ = Σ_groups c(t)·Σ_(A,B) AρB, as [(c or None for 1, [(A, B), ...]), ...].

    The constant part is written with K = −iH − ½Σ rate·L†L: ρ ↦ Kρ + ρK† + Σ rate·LρL†.
    With ``t`` every coefficient is evaluated and a single constant group is returned.
    """
    H = problem.H_static.astype(complex)
    decay = sp.csr_matrix(H.shape, dtype=complex)
    jumps, groups = [], []
    for c, op in problem.H_driven:
        if t is None:
            groups.append((c, [(-1j * op, None), (None, 1j * op)]))
        else:
            H = H + complex(c(t)) * op
    for _, rate, L in problem.collapse:
        Ld = L.conj().T.tocsr()
        LdL = (Ld @ L).tocsr()
        if rate.is_constant or t is not None:
            gamma = complex(rate(t if t is not None else 0.0))
            decay = decay + gamma * LdL
            jumps.append((gamma * L, Ld))
        else:
            groups.append((rate, [(L, Ld), (-0.5 * LdL, None), (None, -0.5 * LdL)]))
    K = (-1j * H - 0.5 * decay).tocsr()
    return [(None, [(K, None), (None, K.conj().T.tocsr()), *jumps])] + groups


def liouvillian(problem, t: float | None = None) -> sp.csr_matrix:
    """The full Liouvillian as a sparse (D², D²) matrix, D = problem.dim.

    Column-stacking convention: vec(ρ)[i + D·j] = ρ_ij, so vec(AρB) = (Bᵀ ⊗ A) vec(ρ) and
    L = −i(I ⊗ H − Hᵀ ⊗ I) + Σ rate·(L* ⊗ L − ½ I ⊗ L†L − ½ (L†L)ᵀ ⊗ I).
    A time-dependent generator needs ``t``.
    """
    if t is None and problem.is_time_dependent:
        raise ValueError("the generator depends on t; pass the time t")
    sectors = _Sectors(np.zeros(problem.dim, dtype=int), None)
    ((_, terms),) = _generator_terms(problem, t)
    return sectors.superoperator(sectors.block(0), terms)


def _check_supported(problem) -> None:
    for name in problem.local_noise:
        raise SpecError(
            f"noise.{name}",
            "local noise on a spin ensemble needs the permutational solver (solver = 'auto'); "
            "for a few atoms write it as [[noise.collapse]] on an 'atoms' battery",
        )


# --------------------------------------------------------------------------- evolution


class LindbladEvolution:
    """ρ(t) block by block on the time grid; expectations, battery states and monitors."""

    solver = "lindblad"

    def __init__(self, problem, rtol: float = 1e-8, atol: float = 1e-10, method: str = "auto"):
        _check_supported(problem)
        self.problem = problem
        self.times = problem.times
        self.dims = problem.dims
        if method == "auto":
            method = "ODE" if problem.is_time_dependent else "expm"
        if method == "expm" and problem.is_time_dependent:
            raise ValueError("exact exponentiation needs a time-independent generator")
        self.method = ODE_METHOD if method == "ODE" else method
        symmetry, labels, modulus = find_symmetry(problem)
        self.sectors = _Sectors(labels, modulus)
        groups = _generator_terms(problem)
        self.blocks: list[_Block] = []
        self.generators: list[sp.csr_matrix] = []  # the constant part of each block's generator
        self.states: list[np.ndarray] = []  # (T, block size) for each block
        shifts = {_shift(L, labels, modulus) for _, _, L in problem.collapse} - {0}
        for k, cells in self.sectors.reachable(problem.initial, shifts).items():
            block = self.sectors.block(k, cells)
            parts = [(c, self.sectors.superoperator(block, terms)) for c, terms in groups]
            y0 = self.sectors.initial_vector(block, problem.initial)
            if self.method == "expm":
                states = self._exponentiate(parts[0][1], y0)
            else:
                states = self._integrate(parts, y0, rtol, atol)
            self.blocks.append(block)
            self.generators.append(parts[0][1])
            self.states.append(states)
        self.info: dict = {
            "solver": "lindblad",
            "method": self.method,
            "symmetry": symmetry,
            "sectors_integrated": [b.k for b in self.blocks],
            "block_sizes": [b.size for b in self.blocks],
            "liouvillian_dimension": problem.dim**2,
        }
        if self.method != "expm":
            self.info.update(rtol=rtol, atol=atol)
        self._monitor()

    # ----------------------------------------------------------------- propagation
    def _exponentiate(self, L: sp.csr_matrix, y0: np.ndarray) -> np.ndarray:
        """ρ_k on the uniform grid: dense e^{LΔt} stepped for small blocks, else expm_multiply."""
        t = self.times
        if L.shape[0] > DENSE_EXPM:
            return expm_multiply(L, y0, start=t[0], stop=t[-1], num=len(t), endpoint=True)
        with threadpool_limits(1):  # threaded BLAS loses on small blocks (ARCHITECTURE.md)
            step = la.expm(L.toarray() * (t[1] - t[0])) if len(t) > 1 else None
            out = np.empty((len(t), len(y0)), dtype=complex)
            out[0] = y0
            for n in range(1, len(t)):
                out[n] = step @ out[n - 1]
        return out

    def _integrate(self, parts, y0: np.ndarray, rtol: float, atol: float) -> np.ndarray:
        L0 = parts[0][1]
        # a uniform rotation of the block (e.g. e^{−iωkt} on resonance) is taken out exactly
        mu = 1j * L0.diagonal().imag.mean() if L0.shape[0] else 0.0
        L0 = (L0 - mu * sp.identity(L0.shape[0], format="csr")).tocsr()
        driven = parts[1:]

        def rhs(t, y):
            out = L0 @ y
            for c, M in driven:
                out += complex(c(t)) * (M @ y)
            return out

        t = self.times
        sol = solve_ivp(
            rhs, (t[0], t[-1]), y0, t_eval=t, method=self.method, rtol=rtol, atol=atol
        )  # fmt: skip
        if not sol.success:
            raise RuntimeError(f"time integration failed: {sol.message}")
        return (sol.y * np.exp(mu * t)).T

    # ----------------------------------------------------------------- evaluation
    @property
    def can_evaluate_anywhere(self) -> bool:
        return not self.problem.is_time_dependent

    def _states_at(self, t: np.ndarray | None, rows: slice) -> list[np.ndarray]:
        """Each block's entries at grid rows, or at times t (propagated from the grid point before)."""
        if t is None:
            return [s[rows] for s in self.states]
        if not self.can_evaluate_anywhere:
            raise ValueError("this evolution is known on its time grid only")
        t = np.asarray(t, dtype=float)
        before = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 1)
        out = []
        for L, states in zip(self.generators, self.states, strict=True):
            chunk = np.empty((len(t), states.shape[1]), dtype=complex)
            for m, (n, x) in enumerate(zip(before, t, strict=True)):
                dt = x - self.times[n]
                chunk[m] = states[n] if dt == 0 else expm_multiply(dt * L, states[n])
            out.append(chunk)
        return out

    def expect(self, op: sp.spmatrix, t: np.ndarray | None = None) -> np.ndarray:
        """Re Tr[O ρ(t)] on the grid (or at times ``t`` for a time-independent generator)."""
        op = sp.csr_matrix(op)
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        weights = [np.asarray(op[b.cols, b.rows]).ravel() for b in self.blocks]
        mirror = [
            np.asarray(op[b.rows, b.cols]).ravel() if b.mirrored else None for b in self.blocks
        ]
        out = np.zeros(len(times))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, start + TIME_CHUNK)
            chunk = self._states_at(None if t is None else times[rows], rows)
            for y, w, wm in zip(chunk, weights, mirror, strict=True):
                out[rows] += (y @ w).real
                if wm is not None:
                    out[rows] += (y.conj() @ wm).real
        return out

    def battery_states(self, t: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Reduced battery states ρ_B(t) = Tr_C ρ(t), in chunks: (grid rows, array (k, dB, dB))."""
        dB, dC = self.dims
        maps = []  # entries with equal charger index, summed into ρ_B[i // dC, j // dC]
        for b in self.blocks:
            keep = np.flatnonzero(b.rows % dC == b.cols % dC)
            flat = (b.rows[keep] // dC) * dB + b.cols[keep] // dC
            maps.append(sp.csr_matrix((np.ones(len(keep)), (flat, keep)), (dB * dB, b.size)))
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, min(start + TIME_CHUNK, len(times)))
            chunk = self._states_at(None if t is None else times[rows], rows)
            rho = np.zeros((rows.stop - rows.start, dB, dB), dtype=complex)
            for y, P, b in zip(chunk, maps, self.blocks, strict=True):
                part = (P @ y.T).T.reshape(-1, dB, dB)
                rho += part
                if b.mirrored:
                    rho += part.conj().transpose(0, 2, 1)
            yield rows, rho

    # ----------------------------------------------------------------- monitors
    def _monitor(self) -> None:
        """Trace drift, top Fock population and the battery state's smallest eigenvalue."""
        p = self.problem
        warnings: list[str] = []
        k0 = [b.k for b in self.blocks].index(0)  # ρ(0) always has a k = 0 block
        block, states = self.blocks[k0], self.states[k0]
        diag = block.rows == block.cols
        trace = states[:, diag].sum(axis=1).real
        error = float(np.max(np.abs(trace - trace[0])))
        self.info["trace_error"] = error
        if error > TRACE_WARN:
            warnings.append(f"the trace of ρ drifted by {error:.2e}; tighten rtol/atol")
        if p.charger.kind == "mode" and p.charger.dim > 1:
            cutoff = p.charger.dim
            top = diag & (block.rows % cutoff == cutoff - 1)
            pop = float(np.max(states[:, top].sum(axis=1).real))
            self.info["max_top_fock_population"] = pop
            if pop > TRUNCATION_WARN:
                warnings.append(
                    f"mode truncation: the top Fock level |{cutoff - 1}> holds up to {pop:.1e} "
                    f"of the population (> {TRUNCATION_WARN:g}), so results depend on the cutoff; "
                    f"use mode.cutoff = {int(np.ceil(1.5 * cutoff)) + 2} or more"
                )
        lowest = min(float(np.linalg.eigvalsh(rho).min()) for _, rho in self.battery_states())
        self.info["min_battery_eigenvalue"] = lowest
        if lowest < -POSITIVITY_WARN:
            warnings.append(
                f"the battery state lost positivity (smallest eigenvalue {lowest:.2e}); "
                "tighten rtol/atol or check that every rate is non-negative"
            )
        self.info["warnings"] = warnings


# --------------------------------------------------------------------------- steady state


@dataclass
class SteadyState:
    """A stationary state of the Lindblad generator and how it was found.

    ``unique`` is False when the generator has more than one stationary state (``dimension`` is
    then the number of independent stationary operators, or None when not counted); ``rho`` is
    then the state reached from ρ(0) (the long-time average of ρ(t)) in the k = 0 block.
    """

    rho: sp.csr_matrix  # full-space density matrix
    unique: bool
    dimension: int | None
    residual: float  # max |L ρ| entry
    method: str  # "lu" | "svd" | "resolvent"
    symmetry: str
    dims: tuple[int, int]
    warnings: list[str] = field(default_factory=list)

    def expect(self, op: sp.spmatrix) -> float:
        return float((sp.csr_matrix(op).multiply(self.rho.T)).sum().real)

    def battery_state(self) -> np.ndarray:
        dB, dC = self.dims
        return np.einsum("icjc->ij", self.rho.toarray().reshape(dB, dC, dB, dC))


def _factor(A: sp.spmatrix):
    """Sparse LU of A, or None when A is singular (exactly, or by its condition estimate)."""
    A = sp.csc_matrix(A)
    try:
        lu = splu(A)
    except RuntimeError:  # "Factor is exactly singular"
        return None
    n = A.shape[0]
    inverse = LinearOperator(
        (n, n), matvec=lu.solve, rmatvec=lambda x: lu.solve(x, trans="H"), dtype=complex
    )
    condition = onenormest(A) * onenormest(inverse) if n > 1 else 1.0
    return lu if np.isfinite(condition) and condition < SINGULAR_CONDITION else None


def _kernel(L: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Right and left null spaces (columns) of a small L from its dense SVD."""
    U, s, Vh = la.svd(L.toarray())
    null = s <= NULL_TOLERANCE * max(s[0], 1e-300)
    return Vh[null].conj().T, U[:, null]


def steady_state(problem, t: float | None = None) -> SteadyState:
    """Solve L ρ = 0 with Tr ρ = 1 (L at time ``t`` for a time-dependent generator).

    Robust on singular Liouvillians: the k = 0 block with one diagonal row replaced by the trace is
    factorized; if it is singular there are several steady states, counted with a dense SVD when
    the block is small (≤ DENSE_STEADY), and the one reached from ρ(0) is returned (the projection
    of ρ(0) on the kernel along the range of L; for large blocks approximated by ε(ε − L)^{-1}ρ(0)).
    Blocks k ≠ 0 are checked for stationary coherences between excitation-number sectors.
    """
    _check_supported(problem)
    if t is None and problem.is_time_dependent:
        raise ValueError("the generator depends on t; pass the time t for the steady state")
    symmetry, labels, modulus = find_symmetry(problem)
    sectors = _Sectors(labels, modulus)
    ((_, terms),) = _generator_terms(problem, t if t is not None else 0.0)
    block = sectors.block(0)
    L = sectors.superoperator(block, terms)
    n = block.size
    trace = (block.rows == block.cols).astype(complex)
    r = int(np.flatnonzero(trace)[0])
    A = sp.lil_matrix(L)
    A[r, :] = trace
    lu = _factor(A)
    warnings: list[str] = []
    if lu is not None:
        rho, dimension, method = lu.solve(np.eye(1, n, r).ravel().astype(complex)), 1, "lu"
    elif n <= DENSE_STEADY:
        R, Y = _kernel(L)
        y0 = sectors.initial_vector(block, problem.initial)
        rho = R @ np.linalg.solve(Y.conj().T @ R, Y.conj().T @ y0)
        dimension, method = R.shape[1], "svd"
    else:
        eps = RESOLVENT_SHIFT * onenormest(L)
        y0 = sectors.initial_vector(block, problem.initial)
        rho = eps * splu(sp.csc_matrix(eps * sp.identity(n) - L)).solve(y0)
        dimension, method = None, "resolvent"
    rho = rho / (trace @ rho)
    residual = float(np.max(np.abs(L @ rho))) if n else 0.0
    # stationary coherences between sectors (blocks k ≠ 0; k < 0 mirror k > 0)
    ks = {sectors.wrap(a - b) for a in sectors.index for b in sectors.index} - {0}
    for k in sorted(x for x in ks if modulus is not None or x > 0):
        other = sectors.block(k)
        Lk = sectors.superoperator(other, terms)
        if _factor(Lk) is None:
            count = _kernel(Lk)[0].shape[1] if other.size <= DENSE_STEADY else None
            copies = 2 if other.mirrored else 1
            dimension = None if count is None or dimension is None else dimension + copies * count
            warnings.append(f"stationary coherences between sectors differing by k = {k}")
            if dimension == 1:  # the SVD found nothing after all
                warnings.pop()
    unique = dimension == 1
    if not unique:
        found = "several" if dimension is None else str(dimension)
        warnings.insert(
            0,
            f"the steady state is not unique ({found} independent stationary "
            "operators); the state reached from the initial state is returned",
        )
    full = sp.csr_matrix((rho, (block.rows, block.cols)), shape=(problem.dim, problem.dim))
    return SteadyState(full, unique, dimension, residual, method, symmetry, problem.dims, warnings)


@register("lindblad")
def solve_lindblad(problem) -> LindbladEvolution:
    run = problem.spec.run
    return LindbladEvolution(problem, rtol=run.rtol, atol=run.atol)
