"""Conserved charges and the independent sectors they split a problem into.

Two views of the same structure:

* :func:`sector_labels` — the exact block structure of a set of operators: the connected components
  of the graph whose edges are their non-zero entries. For a closed system this is the finest
  split into invariant subspaces, found without knowing the symmetry (it recovers the excitation
  number of Tavis–Cummings and the central-spin flip-flop, and the parity of the Dicke coupling).
* :func:`conserved_charges` — which of the physical charges (total excitation number, its parity)
  commute with the generator, reported in results and used by the Lindblad engine for its
  k = N_ex(ket) − N_ex(bra) blocks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from qbattery.operators.subspace import factor_charges, product_charges


def sector_labels(*operators: sp.spmatrix, dim: int | None = None) -> np.ndarray:
    """Label of the invariant block each basis state belongs to (blocks of Σ|O|)."""
    dim = dim if dim is not None else operators[0].shape[0]
    rows, cols = [], []
    for op in operators:  # the non-zero entries of all of them, as one graph
        row, col, data = _entries(op)
        rows.append(row[data != 0])
        cols.append(col[data != 0])
    edges = np.ones(sum(len(r) for r in rows), dtype=bool)
    graph = sp.csr_matrix((edges, (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim))
    _, labels = connected_components(graph, directed=False)
    return labels


def _entries(op: sp.spmatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of a sparse matrix's stored entries, read off its CSR arrays."""
    op = op.tocsr()
    return np.repeat(np.arange(op.shape[0]), np.diff(op.indptr)), op.indices, op.data


def excitation_number(problem) -> np.ndarray:
    """Diagonal of N_ex = battery excitations + charger excitations on the problem's basis
    (:func:`qbattery.operators.subspace.product_charges`, restricted to ``problem.basis`` when it is set).

    Spins count excited atoms (k in the Dicke basis), a mode counts photons, few-level atoms count
    their level index (g = 0, next = 1, ...), which is the excitation number of a ladder.
    """
    basis = getattr(problem, "basis", None)
    if basis is None:
        return product_charges(problem.battery, problem.charger)
    b, c = np.divmod(basis, problem.charger.dim)
    return factor_charges(problem.battery)[b] + factor_charges(problem.charger)[c]


def _conserves(op: sp.spmatrix, charge: np.ndarray, modulus: int | None) -> bool:
    row, col, data = _entries(op)
    mask = abs(data) > 1e-14
    diff = charge[row[mask]] - charge[col[mask]]
    return bool(np.all(diff % modulus == 0)) if modulus else bool(np.all(diff == 0))


def conserved_charges(problem) -> list[str]:
    """The charges among 'excitation_number', 'parity' that the generator conserves."""
    q = excitation_number(problem)
    ops = [problem.H_static] + [op for _, op in problem.H_driven]
    found = []
    if all(_conserves(op, q, None) for op in ops):
        found.append("excitation_number")
    if all(_conserves(op, q, 2) for op in ops):
        found.append("parity")
    return found
