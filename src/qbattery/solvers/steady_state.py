"""Steady states of the Lindblad generator, in the weak-symmetry blocks of
:mod:`qbattery.solvers.lindblad`.

:func:`steady_state` solves L ρ = 0 in the k = 0 block with one row replaced by the trace (sparse
LU). A singular system (by its condition estimate) means several steady states: they are counted
with a dense SVD of each connected part of the block, and the state reached from ρ(0) is returned.
Blocks k ≠ 0 are checked for stationary coherences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, onenormest, splu

from qbattery.operators.symmetry import sector_labels
from qbattery.solvers.lindblad import _check_supported, _generator_terms
from qbattery.solvers.weak_symmetry import Sectors, find_symmetry

SINGULAR_CONDITION = 1e12  # condition estimate beyond which a linear system counts as singular
NULL_TOLERANCE = 1e-10  # singular values below this fraction of the largest span the kernel
DENSE_STEADY = 2500  # largest connected part whose kernel is counted with a dense SVD
RESOLVENT_SHIFT = 1e-9  # relative ε of the fallback ε(ε − L)^{-1}ρ(0) on large singular blocks


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
    condition = abs(A).sum(axis=0).max() * onenormest(inverse) if n > 1 else 1.0
    return lu if np.isfinite(condition) and condition < SINGULAR_CONDITION else None


def _kernel(L: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Right and left null spaces (columns) of a small L from its dense SVD."""
    U, s, Vh = la.svd(L.toarray())
    null = s <= NULL_TOLERANCE * max(s[0], 1e-300)
    return Vh[null].conj().T, U[:, null]


def _stationary(L: sp.csr_matrix, y0: np.ndarray) -> tuple[np.ndarray, int | None, str]:
    """(projection of y0 on ker L along the range of L, dim ker L or None, method).

    L is split into its connected components first (decoupled parts are what usually makes the
    kernel larger than one); each is handled by a dense SVD when small, else by the resolvent
    ε(ε − L)^{-1} y0 → P_ker y0 as ε → 0 (the kernel is then not counted).
    """
    x = np.zeros(len(y0), dtype=complex)
    dimension: int | None = 0
    method = "svd"
    labels = sector_labels(L)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        Lc = L[idx][:, idx]
        if len(idx) <= DENSE_STEADY:
            R, Y = _kernel(Lc)
            if R.shape[1]:
                x[idx] = R @ np.linalg.solve(Y.conj().T @ R, Y.conj().T @ y0[idx])
                dimension = None if dimension is None else dimension + R.shape[1]
        elif _factor(Lc) is None:
            eps = RESOLVENT_SHIFT * abs(Lc).sum(axis=0).max()
            x[idx] = eps * splu(sp.csc_matrix(eps * sp.identity(len(idx)) - Lc)).solve(y0[idx])
            dimension, method = None, "resolvent"
    return x, dimension, method


def steady_state(problem, t: float | None = None, coherences: bool = True) -> SteadyState:
    """Solve L ρ = 0 with Tr ρ = 1 (L at time ``t`` for a time-dependent generator).

    Robust on singular Liouvillians: the k = 0 block with one diagonal row replaced by the trace is
    factorized (sparse LU); if that is singular there are several steady states, counted with a
    dense SVD of each connected part of the block (≤ DENSE_STEADY), and the one reached from ρ(0)
    is returned: the projection of ρ(0)'s k = 0 part on the kernel along the range of L, i.e. the
    long-time average of ρ(t). With ``coherences`` the blocks k ≠ 0 are checked (one sparse LU
    each) for stationary coherences between excitation-number sectors, which also make the steady
    state non-unique.
    """
    _check_supported(problem)
    if t is None and problem.is_time_dependent:
        raise ValueError("the generator depends on t; pass the time t for the steady state")
    symmetry, labels, modulus = find_symmetry(problem)
    sectors = Sectors(labels, modulus)
    ((_, terms),) = _generator_terms(problem, t if t is not None else 0.0)
    block = sectors.block(0)
    L = sectors.superoperator(block, terms)
    n = block.size
    trace = (block.rows == block.cols).astype(complex)
    r = int(np.flatnonzero(trace)[0])
    A = L.tolil()
    A[r, :] = trace
    lu = _factor(A)
    if lu is not None:
        rho, dimension, method = lu.solve(np.eye(1, n, r).ravel().astype(complex)), 1, "lu"
    else:
        y0 = sectors.initial_vector(block, problem.initial)
        rho, dimension, method = _stationary(L, y0)
    rho = rho / (trace @ rho)
    residual = float(np.max(np.abs(L @ rho)))
    warnings: list[str] = []
    ks = {sectors.wrap(a - b) for a in sectors.index for b in sectors.index} - {0}
    for k in sorted(x for x in ks if coherences and (modulus is not None or x > 0)):
        other = sectors.block(k)
        Lk = sectors.superoperator(other, terms)
        if _factor(Lk) is not None:
            continue
        _, count, _ = _stationary(Lk, np.zeros(other.size, dtype=complex))
        if count == 0:
            continue
        if count is None or dimension is None:
            dimension = None
        else:
            dimension += count * (2 if other.mirrored else 1)
        warnings.append(f"stationary coherences between sectors differing by k = {k}")
    unique = dimension == 1
    if not unique:
        found = "several" if dimension is None else str(dimension)
        warnings.insert(
            0,
            f"the steady state is not unique ({found} independent stationary operators); "
            "the state reached from the initial state is returned",
        )
    full = sp.csr_matrix((rho, (block.rows, block.cols)), shape=(problem.dim, problem.dim))
    return SteadyState(full, unique, dimension, residual, method, symmetry, problem.dims, warnings)
