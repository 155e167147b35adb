"""Unitary evolution, sector by sector.

Each invariant block of H (see :func:`qbattery.operators.symmetry.sector_labels`) is diagonalized
once; the state at every time is then c·e^{-iEt} in the eigenbasis, so all time points (and any
later time, e.g. when refining P_max) cost one small matrix product. Blocks too large to
diagonalize are propagated on the time grid with Krylov ``expm_multiply``; time-dependent
Hamiltonians are integrated with an adaptive Runge–Kutta method.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from qbattery._threads import blas_for
from qbattery.operators.symmetry import sector_labels
from qbattery.solvers import register
from qbattery.spec import SpecError

DENSE_LIMIT = 4000  # largest block diagonalized densely
TIME_CHUNK = 512


def _fold_constant_drives(problem) -> tuple[sp.csr_matrix, list]:
    """Static H and the truly time-dependent terms: a coefficient that takes one bitwise-identical
    value on the whole grid (e.g. Ω exp(-κt/2) with κ = 0) is folded into the static part, so the
    run is diagonalized once instead of integrated."""
    H, driven = problem.H_static.tocsr(), []
    for c, op in problem.H_driven:
        values = np.broadcast_to(np.asarray(c(problem.times), dtype=complex), problem.times.shape)
        if np.all(values == values[0]):
            H = (H + values[0] * op).tocsr()
        else:
            driven.append((c, op))
    return H, driven


def _eigh(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition, in real arithmetic when H is real (3-4x faster than complex)."""
    with blas_for(len(H)):
        if not np.any(H.imag):
            return np.linalg.eigh(H.real)
        return np.linalg.eigh(H)


@dataclass
class _Block:
    """One sector's share of one pure component of ρ(0)."""

    weight: float
    component: int
    index: np.ndarray  # positions of the sector in the full space
    energies: np.ndarray | None = None  # eigen path
    vectors: np.ndarray | None = None
    coeffs: np.ndarray | None = None
    states: np.ndarray | None = None  # grid path: (T, d_s)

    def amplitudes(self, t: np.ndarray) -> np.ndarray:
        """Sector part of ψ(t) in the full basis, shape (len(t), d_s)."""
        phases = np.exp(-1j * np.outer(t, self.energies)) * self.coeffs
        return phases @ self.vectors.T


class ClosedEvolution:
    """ψ_k(t) for each pure component of ρ(0); evaluates expectations and battery states."""

    solver = "closed"

    def __init__(self, problem, rtol: float = 1e-10, atol: float = 1e-12):
        self.problem = problem
        self.times = problem.times
        self.dims = problem.dims
        self.blocks: list[_Block] = []
        self._projection_cache: dict = {}
        self.info: dict = {"solver": "closed"}
        self.H, self.driven = _fold_constant_drives(problem)
        if self.driven:
            self._integrate(rtol, atol)
        else:
            self._diagonalize()

    # ----------------------------------------------------------------- construction
    def _diagonalize(self) -> None:
        H = self.H
        self.labels = sector_labels(H)
        eig_cache: dict[int, tuple] = {}
        sizes = []
        for comp, (w, psi) in enumerate(self.problem.initial):
            for label in np.unique(self.labels[np.abs(psi) > 0]):
                index = np.flatnonzero(self.labels == label)
                block = _Block(w, comp, index)
                Hs = H[index][:, index]
                if len(index) <= DENSE_LIMIT:
                    if label not in eig_cache:
                        eig_cache[label] = _eigh(Hs.toarray())
                    block.energies, block.vectors = eig_cache[label]
                    block.coeffs = block.vectors.conj().T @ psi[index]
                else:
                    block.states = expm_multiply(
                        -1j * Hs,
                        psi[index],
                        start=self.times[0],
                        stop=self.times[-1],
                        num=len(self.times),
                        endpoint=True,
                    )
                sizes.append(len(index))
                self.blocks.append(block)
        self.info.update(method="eigen" if max(sizes) <= DENSE_LIMIT else "krylov")
        self.info["sectors"] = len(np.unique(self.labels))
        self.info["largest_sector_used"] = self.largest_block = int(max(sizes))

    def _integrate(self, rtol: float, atol: float) -> None:
        p = self.problem
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
        self.info.update(method="ode", rtol=rtol, atol=atol)
        self.largest_block = p.dim

    # ----------------------------------------------------------------- evaluation
    @property
    def can_evaluate_anywhere(self) -> bool:
        return all(b.states is None for b in self.blocks)

    def _block_amplitudes(self, block: _Block, t: np.ndarray, rows: slice | None):
        if block.states is not None:
            return block.states[rows]
        return block.amplitudes(t)

    def expect(self, op: sp.spmatrix, t: np.ndarray | None = None) -> np.ndarray:
        """Re Tr[O ρ(t)] on the grid (or at times ``t`` when the eigen path allows)."""
        op = sp.csr_matrix(op)
        grid = t is None
        t = self.times if grid else np.atleast_1d(np.asarray(t, dtype=float))
        projected = self._projected(op) if self.can_evaluate_anywhere else None
        if projected is not None:
            return self._expect_in_eigenbasis(projected, t)
        out = np.zeros(len(t))
        for start in range(0, len(t), TIME_CHUNK):
            rows = slice(start, start + TIME_CHUNK)
            for psi_w in self._states_chunk(t[rows], rows if grid else None):
                w, psi = psi_w
                out[rows] += w * np.einsum("ti,ti->t", psi.conj(), (op @ psi.T).T).real
        return out

    def _expect_in_eigenbasis(self, projected: list[np.ndarray], t: np.ndarray) -> np.ndarray:
        """Σ_blocks w·Re φ(t)†O'φ(t) with O' = V†OV and φ = c·e^{-iEt}: no full-space vectors."""
        out = np.zeros(len(t))
        for b, o in zip(self.blocks, projected, strict=True):
            for start in range(0, len(t), TIME_CHUNK):
                rows = slice(start, start + TIME_CHUNK)
                phi = np.exp(-1j * np.outer(t[rows], b.energies)) * b.coeffs
                out[rows] += b.weight * np.einsum("ti,ti->t", phi.conj(), phi @ o.T).real
        return out

    def _projected(self, op: sp.csr_matrix) -> list[np.ndarray] | None:
        """V†O_sV per block, or None when O couples sectors; cached by content (refining a
        maximum asks for the same operator many times)."""
        key = (op.shape, op.nnz, hash(op.data.tobytes()), hash(op.indices.tobytes()))
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
        self, t: np.ndarray, rows: slice | None
    ) -> Iterator[tuple[float, np.ndarray]]:
        """Full-space ψ_k(t) for each pure component, shape (len(t), dim)."""
        by_component: dict[int, list[_Block]] = {}
        for b in self.blocks:
            by_component.setdefault(b.component, []).append(b)
        for blocks in by_component.values():
            psi = np.zeros((len(t), self.problem.dim), dtype=complex)
            for b in blocks:
                psi[:, b.index] = self._block_amplitudes(b, t, rows)
            yield blocks[0].weight, psi

    def battery_states(self, t: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Reduced battery states ρ_B(t), in chunks: (rows of the time grid, array (k, dB, dB))."""
        grid = t is None
        t = self.times if grid else np.atleast_1d(np.asarray(t, dtype=float))
        dB, dC = self.dims
        for start in range(0, len(t), TIME_CHUNK):
            rows = slice(start, min(start + TIME_CHUNK, len(t)))
            rho = np.zeros((rows.stop - rows.start, dB, dB), dtype=complex)
            for w, psi in self._states_chunk(t[rows], rows if grid else None):
                m = psi.reshape(-1, dB, dC)
                rho += w * np.einsum("tbc,tdc->tbd", m, m.conj())
            yield rows, rho


@register("closed")
def solve_closed(problem) -> ClosedEvolution:
    if problem.is_open:
        raise SpecError(
            "run.solver", "the closed solver cannot treat noise; use 'auto' or 'lindblad'"
        )
    run = problem.spec.run
    return ClosedEvolution(problem, rtol=min(run.rtol, 1e-10), atol=min(run.atol, 1e-12))
