"""How a closed run is laid out before anything is propagated: the static part of H and the
truly time-dependent terms (:func:`_fold_constant_drives`), the invariant sectors ψ(0) reaches
(:func:`sector_plan`), the cheaper exact path per sector by a cost model calibrated on the 2-core
machine (:func:`plan_sectors`), and the grid times per chunk of states (:func:`time_chunk`).

:mod:`qbattery.solvers.closed` follows the plan;
:func:`qbattery.solver_resources.closed_parts` reads the same plan to estimate a run's memory
before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qbattery.operators.symmetry import sector_labels
from qbattery.solvers.chebyshev import C_CALL, C_SPMV, C_VEC, gershgorin
from qbattery.spec import SpecError

# Per sector, the cheaper of two exact paths (cost model below, in seconds, calibrated on the
# 2-core development box with one BLAS thread, OpenBLAS, numpy 2 / scipy 1.1x):
# * eigen: real/complex eigh ~ C_EIGH·d³, then per expectation V†OV ~ C_GEMM·d³ and the phases
#   on the grid ~ C_PHASE·T·d² (measured 1.5e-10, 1.2e-10, 1.5e-10 s at d = 500-2000);
# * chebyshev: ~ (C_SPMV·nnz + C_VEC·d)·(terms), terms ≈ a·(t_max − t_0) + ~12 per grid point,
#   a the spectral half-width (measured 1.6e-9 s per stored entry for a complex sparse product
#   and ~3e-9 s per amplitude of vector work per term, N = 200 Dicke sector: 45 µs + 15 µs).
#   (C_SPMV, C_VEC, C_CALL are the per-term costs of :mod:`qbattery.solvers.chebyshev`).
# Eigen is kept for small sectors whatever the estimate: it evaluates anywhere at no cost.
C_EIGH, C_GEMM, C_PHASE = 1.5e-10, 1.2e-10, 1.5e-10
EXPECTED_OPS = 4  # expectations a run asks for (E_B, E_B², the top-Fock check, ρ_B)
ALWAYS_DENSE = 400  # sectors up to this size: eigen (a few ms), never propagated
DENSE_LIMIT = 12000  # largest block ever diagonalized densely (memory: 3 d² doubles)
WEIGHT_FLOOR = 1e-28  # a sector holding less of ‖ψ(0)‖² than this is dropped (round-off)
TIME_CHUNK = 512  # most grid times per chunk of full-space states ...
CHUNK_BYTES = 16 * 2**20  # ... and at most this much memory per chunk (states or ρ_B)


def eigen_cost(d: int, points: int, ops: int = EXPECTED_OPS) -> float:
    return C_EIGH * d**3 + ops * (C_GEMM * d**3 + C_PHASE * points * d * d)


def chebyshev_cost(d: int, nnz: int, half_width: float, span: float, points: int) -> float:
    terms = half_width * span + 12.0 * points
    return (C_SPMV * nnz + C_VEC * d + C_CALL) * terms


@dataclass
class SectorPlan:
    """How one invariant sector is treated: its size, share of ψ(0) and path."""

    label: int
    size: int
    nnz: int
    weights: list[float]  # ‖P_s ψ_k(0)‖² per pure component (0 where absent)
    method: str  # "eigen", "chebyshev" or "dropped"
    components: list[int]  # the components whose share is kept (above WEIGHT_FLOOR)


def plan_sectors(problem, H: sp.csr_matrix, labels: np.ndarray) -> list[SectorPlan]:
    """Sectors ψ(0) reaches, with their weights and the cheaper exact path (see the cost model);
    a sector whose weight is below WEIGHT_FLOOR of every component's norm is dropped."""
    times = problem.times
    span, points = float(times[-1] - times[0]), len(times)
    counts = np.bincount(labels)
    touched = np.unique(np.concatenate([labels[np.abs(psi) > 0] for _, psi in problem.initial]))
    norms = [float(np.vdot(psi, psi).real) for _, psi in problem.initial]
    weight = np.zeros((len(problem.initial), len(counts)))
    for k, (_, psi) in enumerate(problem.initial):
        weight[k] = np.bincount(labels, weights=np.abs(psi) ** 2, minlength=len(counts))
    plans = []
    rows = np.diff(H.indptr)
    nnz_per = np.bincount(labels, weights=rows, minlength=len(counts))
    half = None
    for label in touched:
        d, nnz = int(counts[label]), int(nnz_per[label])
        w = weight[:, label]
        kept = np.flatnonzero(w >= WEIGHT_FLOOR * np.asarray(norms)).tolist()
        if not kept:
            method = "dropped"
        elif d <= ALWAYS_DENSE:
            method = "eigen"
        else:
            if half is None:
                lo, hi = gershgorin(H)
                half = (hi - lo) / 2
            cheap = chebyshev_cost(d, nnz, half, span, points) < eigen_cost(d, points)
            method = "chebyshev" if cheap or d > DENSE_LIMIT else "eigen"
        plans.append(SectorPlan(int(label), d, nnz, w.tolist(), method, kept))
    return plans


def time_chunk(points: int, dim: int, components: int = 1, battery_dim: int = 1) -> int:
    """Grid times per chunk: at most TIME_CHUNK, and the full-space states (or the reduced battery
    states ρ_B) of one chunk within CHUNK_BYTES."""
    per_time = 16 * max(dim * components, 3 * battery_dim**2)
    return int(max(1, min(TIME_CHUNK, points, CHUNK_BYTES // per_time)))


def sector_plan(problem, H: sp.csr_matrix) -> tuple[np.ndarray, list[SectorPlan]]:
    """(sector labels of H, :func:`plan_sectors`): the memory check
    (:func:`qbattery.solver_resources.closed_parts`) and the solver both need them, so the labels
    are computed once per problem and H (the plan, which depends on ψ(0), each time)."""
    cached = problem.__dict__.get("_closed_sector_labels")
    if cached is None or cached[0] is not H:
        cached = problem.__dict__["_closed_sector_labels"] = (H, sector_labels(H))
    return cached[1], plan_sectors(problem, H, cached[1])


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
