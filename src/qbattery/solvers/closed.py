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
from qbattery.spec import Run, SpecError

DENSE_LIMIT = 4000  # largest block diagonalized densely
TIME_CHUNK = 512
# a step-by-step propagator (ODE, Krylov) takes ~ ||H|| t_max steps: past this, stop by name
MAX_PHASE = 1e8
ODE_RTOL, ODE_ATOL = 1e-10, 1e-12  # the closed solver's ODE tolerances, at the tightest


def _fold_constant_drives(problem) -> tuple[sp.csr_matrix, list]:
    """Static H and the truly time-dependent terms: a coefficient that takes one bitwise-identical
    value on the whole grid (e.g. Ω exp(-κt/2) with κ = 0) is folded into the static part, so the
    run is diagonalized once instead of integrated."""
    H, driven = problem.H_static.tocsr(), []
    for c, op in problem.H_driven:
        with np.errstate(all="ignore"):  # an overflow is reported below, by name
            values = np.asarray(c(problem.times), dtype=complex)
        values = np.broadcast_to(values, problem.times.shape)
        bad = ~np.isfinite(values)
        if bad.any():
            t = problem.times[np.argmax(bad)]
            raise SpecError(
                "hamiltonian", f"a time-dependent coefficient is not finite at t = {t:.6g}"
            )
        if np.all(values == values[0]):
            H = (H + values[0] * op).tocsr()
        else:
            driven.append((c, op))
    return H, driven


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
                else:  # Krylov steps grow with ||H|| t_max, as an integrator's do
                    _check_phase(Hs, [], self.times)
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
        self.info["tolerances"] = "exact: rtol/atol not used" + (
            " (eigen-decomposition of each sector)"
            if max(sizes) <= DENSE_LIMIT
            else " (Krylov expm_multiply to double precision)"
        )
        self.info["sectors"] = len(np.unique(self.labels))
        self.info["largest_sector_used"] = self.largest_block = int(max(sizes))

    def _integrate(self, rtol: float, atol: float) -> None:
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
        self.info.update(method="ode", rtol=rtol, atol=atol)
        self.info["tolerances"] = f"rtol = {rtol:g}, atol = {atol:g} (DOP853)"
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
    """Say when a tolerance the user changed has no effect: the eigen and Krylov paths are exact,
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
