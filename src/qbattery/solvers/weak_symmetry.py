"""Weak symmetry of a Lindblad problem: the blocks ρ_k, k = q(ket) − q(bra), that evolve apart.

When H conserves the excitation number q = N_ex (or only its parity) and every collapse operator
shifts q by a fixed amount s_L, the Liouvillian maps the entries ρ_ij with k = q_i − q_j into
entries with the same k (:func:`find_symmetry`). A :class:`Block` is made of cells ρ_ab (rows in
sector a, columns in sector b, a − b = k), each stored column-stacked; :class:`Sectors` finds the
cells ρ(0) fills or that jumps feed, builds each block's superoperator and its initial vector.
Shared by the Lindblad solver, its steady state and the permutation-invariant solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qbattery.operators.symmetry import excitation_number


def charge_shift(op: sp.spmatrix | None, labels: np.ndarray, modulus: int | None) -> int | None:
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
        if all(charge_shift(H, labels, modulus) == 0 for H in hams) and all(
            charge_shift(L, labels, modulus) is not None for L in jumps
        ):
            return name, labels, modulus
    return "none", np.zeros(problem.dim, dtype=int), None


@dataclass
class Block:
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


def compressed(terms):
    """Terms (A, B) of ρ ↦ AρB with A in CSC and B in CSR, the layouts
    :meth:`Sectors.superoperator` reads; terms already so are passed through, so a caller that
    builds many blocks converts once."""
    return [
        (
            A if A is None or A.format == "csc" else sp.csc_matrix(A),
            B if B is None or B.format == "csr" else sp.csr_matrix(B),
        )
        for A, B in terms
    ]


class Sectors:
    def __init__(self, labels: np.ndarray, modulus: int | None):
        self.labels, self.modulus = labels, modulus
        self.index = {int(v): np.flatnonzero(labels == v) for v in np.unique(labels)}

    def wrap(self, x: int) -> int:
        return x % self.modulus if self.modulus else x

    def block(self, k: int, cells: set[tuple[int, int]] | None = None) -> Block:
        """Block k, or only its given cells (a, b) (rows in sector a, columns in sector b)."""
        rows, cols = [], []
        for a, ia in self.index.items():
            b = self.wrap(a - k)  # the one column sector of row sector a in block k
            ib = self.index.get(b)
            if ib is not None and (cells is None or (a, b) in cells):
                rows.append(np.tile(ia, len(ib)))  # column stacking: i runs fastest
                cols.append(np.repeat(ib, len(ia)))
        mirrored = self.modulus is None and k > 0
        return Block(k, np.concatenate(rows), np.concatenate(cols), mirrored)

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

    def superoperator(self, block: Block, terms) -> sp.csr_matrix:
        """Σ over terms ρ ↦ AρB (A or B None: identity) restricted to the block, sparse.

        Built entry by entry without loops: (AρB)_ij gets A_ii'·ρ_i'j'·B_j'j from every stored
        A_ii' in column i' and B_j'j in row j'. The symmetry guarantees that (i, j) is in the block.
        """
        n, dim = block.size, len(self.labels)
        keys = block.rows * dim + block.cols
        order = np.argsort(keys)
        sorted_keys = keys[order]
        rows, cols, vals = [], [], []
        for A, B in compressed(terms):
            src, i, j, v = np.arange(n), block.rows, block.cols, np.ones(n, dtype=complex)
            if A is not None:
                i, a, p = _expand(A, i)
                src, j, v = src[p], j[p], v[p] * a
            if B is not None:
                j, b, p = _expand(B, j)
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

    def initial_vector(self, block: Block, initial) -> np.ndarray:
        y = np.zeros(block.size, dtype=complex)
        for w, psi in initial:
            y += w * psi[block.rows] * psi[block.cols].conj()
        return y


# --------------------------------------------------------------------------- generator
