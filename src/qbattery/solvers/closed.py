"""Unitary evolution, sector by sector.

Each invariant block of H (see :func:`qbattery.operators.symmetry.sector_labels`) that ψ(0)
reaches with more than round-off weight takes the cheaper of two exact paths (planned by the cost
model of :mod:`qbattery.solvers.closed_plan`): diagonalized once, so that the state at every time
is c·e^{-iEt} in the eigenbasis, or, when d³ outgrows nnz·‖H‖·t_max, propagated along the grid
with Chebyshev expansions of e^{-iHΔt} (:mod:`qbattery.solvers.chebyshev`), producing the states
chunk by chunk instead of storing them. Both evaluate at any time (refining P_max).
Time-dependent Hamiltonians are integrated with an adaptive Runge–Kutta method.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qbattery._memo import ByObject
from qbattery._threads import blas_for
from qbattery.operators.boson import top_fock_projector
from qbattery.progress import report
from qbattery.solvers import register
from qbattery.solvers.chebyshev import GridSector
from qbattery.solvers.closed_plan import (
    CHUNK_BYTES,
    TIME_CHUNK,
    _fold_constant_drives,
    sector_plan,
    time_chunk,
)
from qbattery.spec import STATE_SERIES, Run, SpecError

# a step-by-step propagator (ODE, Chebyshev) takes ~ ||H|| t_max steps: past this, stop by name
MAX_PHASE = 1e8
ODE_RTOL, ODE_ATOL = 1e-10, 1e-12  # the closed solver's ODE tolerances, at the tightest


def _eigh(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition, in real arithmetic when H is real (3-4x faster than complex)."""
    with blas_for(len(H)):
        try:
            return np.linalg.eigh(H.real if not np.any(H.imag) else H)
        except np.linalg.LinAlgError:  # only ever seen for entries near the float range
            top = float(np.max(np.abs(H)))
            raise SpecError(
                "hamiltonian", f"cannot be diagonalized (matrix elements up to {top:.3g})"
            ) from None


def phases(t: np.ndarray, energies: np.ndarray, coeffs: np.ndarray | None = None) -> np.ndarray:
    """c·e^{-iE t} for every time (rows) and energy (columns); c = 1 without ``coeffs``.

    On a uniform grid t_k = t_0 + kΔ, as factors e^{-iE(t_0 + mBΔ)}·(c·e^{-iE nΔ}) with k = mB + n
    and B ≈ √T: 2√T rows of exponentials and T rows of products instead of T rows of
    exponentials (a complex exponential costs ~20 products); the phase differs from the direct
    one by the rounding of t_k, ~1e-16·|E|t, as it does between two ways of computing t_k."""
    t = np.asarray(t, dtype=float)
    T = len(t)
    c = 1.0 if coeffs is None else coeffs
    if T >= 16:
        step = (t[-1] - t[0]) / (T - 1)
        uniform = t[0] + step * np.arange(T)
        if np.max(np.abs(t - uniform)) <= 8 * np.finfo(float).eps * max(abs(t[0]), abs(t[-1])):
            block = math.isqrt(T - 1) + 1
            fine = c * np.exp(-1j * np.outer(step * np.arange(block), energies))
            starts = t[0] + step * block * np.arange(-(-T // block))
            coarse = np.exp(-1j * np.outer(starts, energies))
            return (coarse[:, None, :] * fine[None, :, :]).reshape(-1, len(energies))[:T]
    return c * np.exp(-1j * np.outer(t, energies))


def _quadratic_forms(phi: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Re φ_t†Oφ_t for each row φ_t of ``phi``: Re Σ conj(φ)·(Oφ) as one real dot product per
    row of the arrays' real views."""
    psi = np.ascontiguousarray(phi @ o.T)
    return np.einsum("ti,ti->t", np.ascontiguousarray(phi).view(float), psi.view(float))


@dataclass
class _Block:
    """One sector's share of one pure component of ρ(0)."""

    weight: float
    component: int
    index: np.ndarray  # positions of the sector in the full space
    energies: np.ndarray | None = None  # eigen path
    vectors: np.ndarray | None = None
    coeffs: np.ndarray | None = None
    states: np.ndarray | None = None  # ODE path: (T, d_s)
    sector: GridSector | None = None  # Chebyshev path
    column: int = 0

    def amplitudes(self, t: np.ndarray) -> np.ndarray:
        """Sector part of ψ(t) in the full basis, shape (len(t), d_s)."""
        return phases(t, self.energies, self.coeffs) @ self.vectors.T


class ClosedEvolution:
    """ψ_k(t) for each pure component of ρ(0); evaluates expectations and battery states."""

    solver = "closed"

    def __init__(self, problem, rtol: float = 1e-10, atol: float = 1e-12):
        self.problem = problem
        self.times = problem.times
        self.dims = problem.dims
        self.blocks: list[_Block] = []
        self._projection_cache: dict = {}
        self._sector_ops: dict = {}  # (operator key, sector) -> (H_s, O_s), for derivatives
        self._keyed_ops = ByObject()  # op -> (CSR form, content key)
        self._expect_cache: dict = {}
        self.info: dict = {"solver": "closed"}
        self.H, self.driven = _fold_constant_drives(problem)
        if self.driven:
            self._integrate(rtol, atol)
        else:
            self._diagonalize()

    # ----------------------------------------------------------------- construction
    def _diagonalize(self) -> None:
        H = self.H
        self.labels, plans = sector_plan(self.problem, H)
        eig_cache: dict[int, tuple] = {}
        grid: dict[int, GridSector] = {}
        for plan in plans:
            if plan.method == "dropped":
                continue
            index = np.flatnonzero(self.labels == plan.label)
            Hs = H[index][:, index]
            for comp in plan.components:  # shares of round-off weight are dropped
                w, psi = self.problem.initial[comp]
                block = _Block(w, comp, index)
                if plan.method == "eigen":
                    if plan.label not in eig_cache:
                        eig_cache[plan.label] = _eigh(Hs.toarray())
                    block.energies, block.vectors = eig_cache[plan.label]
                    block.coeffs = block.vectors.conj().T @ psi[index]
                else:  # Chebyshev terms grow with ||H|| t_max, as an integrator's steps do
                    if plan.label not in grid:
                        _check_phase(Hs, [], self.times)
                        grid[plan.label] = GridSector(Hs, index, self.times)
                    block.sector = grid[plan.label]
                    block.column = block.sector.add(psi[index])
                self.blocks.append(block)
        for sector in grid.values():
            sector.finish()
        self._grid_sectors = list(grid.values())
        used = [p for p in plans if p.method != "dropped"]
        methods = sorted({p.method for p in used})
        self.info["method"] = "+".join(methods)
        self.info["tolerances"] = (
            "exact: rtol/atol not used ("
            + ", ".join(
                {
                    "eigen": "eigen-decomposition of each sector",
                    "chebyshev": "Chebyshev series of exp(-iHΔt), tail < 1e-14 per expansion, "
                    "norm checked at every grid point",
                }[m]
                for m in methods
            )
            + ")"
        )
        self.info["sectors"] = len(np.unique(self.labels))
        self.info["sectors_used"] = [
            {"size": p.size, "method": p.method, "weight": float(sum(p.weights))} for p in used
        ]
        self.info["sectors_dropped"] = [
            {"size": p.size, "weight": float(sum(p.weights))} for p in plans if p not in used
        ]
        self.info["largest_sector_used"] = int(max(p.size for p in used))
        # the dense work done afterwards (eigenbasis products, ρ_B) is set by the eigen blocks
        self.largest_block = int(max([p.size for p in used if p.method == "eigen"], default=1))

    def _integrate(self, rtol: float, atol: float) -> None:
        from scipy.integrate import solve_ivp  # lazy: only driven problems integrate

        p = self.problem
        _check_phase(self.H, self.driven, self.times)
        H0 = (-1j * self.H).tocsr()
        driven = [(c, (-1j * op).tocsr()) for c, op in self.driven]

        def rhs(t, y):
            out = H0 @ y
            for c, op in driven:
                out += c(t) * (op @ y)
            return out

        self.labels = np.zeros(p.dim, dtype=int)
        index = np.arange(p.dim)
        for comp, (w, psi) in enumerate(p.initial):
            sol = solve_ivp(
                rhs, (self.times[0], self.times[-1]), psi, t_eval=self.times,
                method="DOP853", rtol=rtol, atol=atol,
            )  # fmt: skip
            if not sol.success:
                raise RuntimeError(f"time integration failed: {sol.message}")
            self.blocks.append(_Block(w, comp, index, states=sol.y.T))
            report((comp + 1) / len(p.initial))
        self.info.update(method="ode", rtol=rtol, atol=atol)
        self.info["tolerances"] = f"rtol = {rtol:g}, atol = {atol:g} (DOP853)"
        self.largest_block = p.dim

    # ----------------------------------------------------------------- evaluation
    @property
    def can_evaluate_anywhere(self) -> bool:
        return all(b.states is None for b in self.blocks)

    @property
    def _propagated(self) -> bool:
        return any(b.sector is not None for b in self.blocks)

    def _time_chunk(self, battery_dim: int = 1) -> int:
        components = len({b.component for b in self.blocks})
        return time_chunk(len(self.times), self.problem.dim, components, battery_dim)

    def _block_amplitudes(self, block: _Block, t: np.ndarray, rows: slice | None):
        if block.states is not None:
            return block.states[rows]
        if block.sector is not None:
            if rows is None:
                return block.sector.at(t)[:, :, block.column]
            return block.sector.on_grid(rows.start, rows.stop)[:, :, block.column]
        return block.amplitudes(t)

    def expect(self, op: sp.spmatrix, t: np.ndarray | None = None) -> np.ndarray:
        """Re Tr[O ρ(t)] on the grid (or at times ``t`` when ``can_evaluate_anywhere``).

        Sectors propagated along the grid are never stored whole: the first expectation on the
        grid evaluates, in the same pass, the operators a run asks for next (H_B, H_C, H_I, H_B²,
        the top Fock level), and later requests for them are read from that pass."""
        op, key = self._keyed(op)
        grid = t is None
        t = self.times if grid else np.atleast_1d(np.asarray(t, dtype=float))
        if grid and key in self._expect_cache:
            return self._expect_cache[key].copy()
        if self.can_evaluate_anywhere and not self._propagated:
            projected = self._projected(op, key)
            if projected is not None:
                return self._expect_in_eigenbasis(projected, t)
        ops, keys = [op], [key]
        if grid and self._propagated:
            for extra in self._anticipated():
                k = _op_key(extra)
                if k not in self._expect_cache and k not in keys:
                    ops.append(extra)
                    keys.append(k)
        out = self._expect_streaming(ops, t, grid)
        if grid:
            self._expect_cache.update(zip(keys, out, strict=True))
        return out[0].copy()

    def _anticipated(self) -> list[sp.csr_matrix]:
        """The operators :func:`qbattery.simulate.evaluate` asks for, built by the same functions
        (so that their content keys match)."""
        from qbattery.simulate import PART_MATRICES  # lazy: simulate imports the solvers

        p = self.problem
        names = ["battery", "charger", "coupling"]
        if "energy_std" in p.spec.output.series:
            names.append("battery_squared")
        ops = [PART_MATRICES[name](p) for name in names]
        if p.charger.kind == "mode":
            ops.append(p.on_basis(top_fock_projector(p.battery.dim, p.charger.dim)))
        return [sp.csr_matrix(o) for o in ops if o is not None and sp.csr_matrix(o).nnz]

    def _expect_streaming(self, ops: list, t: np.ndarray, grid: bool) -> np.ndarray:
        """Σ_k w_k ψ_k†Oψ_k from full-space states made chunk by chunk; only the rows and columns
        of O on the states' support (the sectors kept) enter."""
        support = np.unique(np.concatenate([b.index for b in self.blocks]))
        full = len(support) == self.problem.dim
        ops = [op if full else op[support][:, support] for op in ops]
        out = np.zeros((len(ops), len(t)))
        chunk = self._time_chunk()
        for start in range(0, len(t), chunk):
            rows = slice(start, min(start + chunk, len(t)))
            for w, psi in self._states_chunk(t[rows], rows if grid else None, support):
                for n, op in enumerate(ops):
                    out[n, rows] += w * np.einsum("ti,ti->t", psi.conj(), (op @ psi.T).T).real
            if grid:
                self._report_pass(rows, states=False)
        return out

    def _expect_in_eigenbasis(self, projected: list[np.ndarray], t: np.ndarray) -> np.ndarray:
        """Σ_blocks w·Re φ(t)†O'φ(t) with O' = V†OV and φ = c·e^{-iEt}: no full-space vectors."""
        out = np.zeros(len(t))
        for b, o in zip(self.blocks, projected, strict=True):
            chunk = max(TIME_CHUNK, CHUNK_BYTES // (32 * len(b.energies)))  # φ and Oφ
            for start in range(0, len(t), chunk):
                rows = slice(start, start + chunk)
                phi = phases(t[rows], b.energies, b.coeffs)
                out[rows] += b.weight * _quadratic_forms(phi, o)
        return out

    def expect_derivatives(self, op: sp.spmatrix, x: float) -> tuple[float, float, float] | None:
        """(f, f', f'') of f(t) = Re Tr[O ρ(t)] at one time (None on the ODE path, or where O
        couples sectors). With φ = ψ_s(t) a sector's share and χ = Hφ: f' = −2 Im χ†Oφ and
        f'' = 2 χ†Oχ − 2 Re (Hχ)†Oφ; in the eigenbasis H is E, on a Chebyshev sector φ is one
        expansion from the grid and H the sector's sparse matrix."""
        if not self.can_evaluate_anywhere:
            return None
        op, key = self._keyed(op)
        if self._propagated:
            return self._derivatives_in_sectors(op, key, x)
        projected = self._projected(op, key)
        if projected is None:
            return None
        f = d1 = d2 = 0.0
        for b, o in zip(self.blocks, projected, strict=True):
            phi = np.exp(-1j * x * b.energies) * b.coeffs
            chi = b.energies * phi
            o_phi = o @ phi
            f += b.weight * np.vdot(phi, o_phi).real
            d1 += -2 * b.weight * np.vdot(chi, o_phi).imag
            d2 += (
                2 * b.weight * (np.vdot(chi, o @ chi).real - np.vdot(b.energies * chi, o_phi).real)
            )
        return float(f), float(d1), float(d2)

    def _derivatives_in_sectors(self, op: sp.csr_matrix, key: tuple, x: float):
        """expect_derivatives with each sector's state in the product basis (any path)."""
        coo = op.tocoo()
        if not np.all(self.labels[coo.row] == self.labels[coo.col]):
            return None
        f = d1 = d2 = 0.0
        t = np.array([float(x)])
        for b in self.blocks:
            cache_key = (key, int(self.labels[b.index[0]]))
            if cache_key not in self._sector_ops:
                H_s = self.H[b.index][:, b.index].tocsr()
                self._sector_ops[cache_key] = (H_s, op[b.index][:, b.index].tocsr())
            H_s, o = self._sector_ops[cache_key]
            phi = self._block_amplitudes(b, t, None)[0]
            chi = H_s @ phi
            o_phi = o @ phi
            f += b.weight * np.vdot(phi, o_phi).real
            d1 += -2 * b.weight * np.vdot(chi, o_phi).imag
            d2 += 2 * b.weight * (np.vdot(chi, o @ chi).real - np.vdot(H_s @ chi, o_phi).real)
        return float(f), float(d1), float(d2)

    def _keyed(self, op: sp.spmatrix) -> tuple[sp.csr_matrix, tuple]:
        """(op as CSR, its content key), remembered for the object passed: hashing H_B at every
        evaluation of a refinement cost more than the evaluation."""

        def keyed(o):
            csr = sp.csr_matrix(o)
            return csr, _op_key(csr)

        return self._keyed_ops.get(op, keyed)

    def _projected(self, op: sp.csr_matrix, key: tuple) -> list[np.ndarray] | None:
        """V†O_sV per block, or None when O couples sectors; cached by content (refining a
        maximum asks for the same operator many times)."""
        if key not in self._projection_cache:
            coo = op.tocoo()
            if np.all(self.labels[coo.row] == self.labels[coo.col]):
                self._projection_cache[key] = [
                    b.vectors.conj().T @ (op[b.index][:, b.index] @ b.vectors) for b in self.blocks
                ]
            else:
                self._projection_cache[key] = None
        return self._projection_cache[key]

    def _states_chunk(
        self, t: np.ndarray, rows: slice | None, support: np.ndarray | None = None
    ) -> Iterator[tuple[float, np.ndarray]]:
        """Full-space ψ_k(t) for each pure component, shape (len(t), dim), or only its
        amplitudes on ``support`` (sorted positions that hold every block used)."""
        by_component: dict[int, list[_Block]] = {}
        for b in self.blocks:
            by_component.setdefault(b.component, []).append(b)
        dim = self.problem.dim if support is None else len(support)
        for blocks in by_component.values():
            psi = np.zeros((len(t), dim), dtype=complex)
            for b in blocks:
                where = b.index if support is None else np.searchsorted(support, b.index)
                psi[:, where] = self._block_amplitudes(b, t, rows)
            yield blocks[0].weight, psi

    def full_states(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        """The full state at each grid row: a ket when ρ(0) is pure, else Σ_k w_k|ψ_k⟩⟨ψ_k|."""
        p = self.problem
        components = [
            (w, p.in_product_space(psi)) for w, psi in self._states_chunk(self.times[rows], None)
        ]
        for m in range(len(rows)):
            if len(components) == 1:
                yield components[0][1][m]
            else:
                yield sum(w * np.outer(psi[m], psi[m].conj()) for w, psi in components)

    def battery_states(self, t: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Reduced battery states ρ_B(t), in chunks: (rows of the time grid, array (k, dB, dB));
        a chunk's full-space states and its ρ_B stay within CHUNK_BYTES."""
        grid = t is None
        t = self.times if grid else np.atleast_1d(np.asarray(t, dtype=float))
        dB = self.dims[0]
        chunk = self._time_chunk(dB)
        for start in range(0, len(t), chunk):
            rows = slice(start, min(start + chunk, len(t)))
            rho = np.zeros((rows.stop - rows.start, dB, dB), dtype=complex)
            for w, psi in self._states_chunk(t[rows], rows if grid else None):
                m = self.problem.battery_charger_matrices(psi)
                rho += w * np.einsum("tbc,tdc->tbd", m, m.conj())
            if grid:
                self._report_pass(rows, states=True)
            yield rows, rho

    def _report_pass(self, rows: slice, states: bool) -> None:
        """Progress of the Chebyshev sectors' passes along the grid (their step-by-step work):
        the expectations, then, when the run asks for battery states, the states, half each."""
        if self._propagated:
            done = rows.stop / len(self.times)
            two = bool(STATE_SERIES & set(self.problem.spec.output.series))
            report((states + done) / 2 if two else done)


def _op_key(op: sp.csr_matrix) -> tuple:
    """A content key for a sparse operator, independent of stored zeros and index order."""
    c = sp.csr_matrix(op, copy=True)
    c.sum_duplicates()
    c.eliminate_zeros()
    c.sort_indices()
    return (c.shape, hash(c.indptr.tobytes()), hash(c.indices.tobytes()), hash(c.data.tobytes()))


@register("closed")
def solve_closed(problem) -> ClosedEvolution:
    if problem.is_open:
        raise SpecError(
            "run.solver", "the closed solver cannot treat noise; use 'auto' or 'lindblad'"
        )
    run = problem.spec.run
    evolution = ClosedEvolution(problem, rtol=min(run.rtol, ODE_RTOL), atol=min(run.atol, ODE_ATOL))
    evolution.info["warnings"] = _tolerance_warnings(run, evolution.info)
    return evolution


def _check_phase(H: sp.csr_matrix, driven: list, times: np.ndarray) -> None:
    """Refuse a generator whose norm times t_max is beyond any step-by-step propagator (e.g. a
    drive exp(500 t)): a bound on ||H(t)|| from row sums, over the grid."""

    def row_sum(op):
        return float(abs(op).sum(axis=1).max()) if op.nnz else 0.0

    norm = np.full(len(times), row_sum(H))
    for c, op in driven:
        with np.errstate(all="ignore"):
            norm = norm + np.abs(np.broadcast_to(c(times), times.shape)) * row_sum(op)
    phase = float(norm.max() * (times[-1] - times[0]))
    if not phase <= MAX_PHASE:
        raise SpecError(
            "hamiltonian",
            f"the generator reaches ||H|| t_max ~ {phase:.3g} (over {MAX_PHASE:g}): "
            "no propagator can follow it step by step; rescale it or shorten time.t_max",
        )


def _tolerance_warnings(run, info: dict) -> list[str]:
    """Say when a tolerance the user changed has no effect: the eigen and Chebyshev paths are exact,
    and the ODE path never integrates looser than ODE_RTOL/ODE_ATOL."""
    changed = [k for k in ("rtol", "atol") if getattr(run, k) != Run.model_fields[k].default]
    if not changed:
        return []
    names = " and ".join(f"run.{k}" for k in changed)
    if info.get("method") != "ode":
        return [f"{names}: the closed solver is {info['tolerances']}"]
    used = {"rtol": info["rtol"], "atol": info["atol"]}
    looser = [k for k in changed if getattr(run, k) > used[k]]
    return [
        f"run.{k}: the closed solver integrates at {k} = {used[k]:g}, tighter than the "
        f"{getattr(run, k):g} asked"
        for k in looser
    ]
