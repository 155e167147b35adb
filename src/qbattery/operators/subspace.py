"""Sector-first building: the product states a closed run can reach, and operators built on them.

Every operator symbol of a spec changes the excitation number N_ex (battery excitations plus
charger excitations, :func:`product_charges`) by at most a fixed amount: S_z, J_z and n by 0,
S_±, S_x, S_y, J_±, a, a† by 1, an atom's |a><b| by the distance of its levels. A product term
of an expression of degree d (:func:`qbattery.expr.degree`) therefore never moves a state
further than d. So the compression P O P of every expression onto the states whose charge lies
in Q (the charges ρ(0) occupies) is exact when it is evaluated with operators compressed onto
the band of charges within d of Q: no intermediate state of a product leaves the band.

When the generator and its parts map the Q states onto themselves (checked on the band, where
every entry out of Q would show), the run never leaves them and the problem is built there:
for Peng's central-spin battery |0> ⊗ |n> that is min(N_B, n) + 1 states instead of
(N_B + 1)(N + 1). :func:`qbattery.problem.build_problem` falls back to the full product space
where the check fails (the Dicke coupling S_x(a + a†) mixes all charges of one parity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# build on a band only when its kept states are at most this share of the product space (else
# the sectors save little, and the closed solver splits the product space into them anyway)
KEPT_SHARE = 0.5


def factor_charges(space) -> np.ndarray:
    """Excitations of each basis state of one factor: k for spins (the Dicke index), the photon
    number for a mode, the sum of the level indices for few-level atoms (g = 0, next = 1, ...)."""
    if space.kind == "atoms":
        digits = np.unravel_index(np.arange(space.dim), (len(space.levels),) * space.size)
        return np.asarray(sum(digits), dtype=np.int64).reshape(space.dim)
    return np.arange(space.dim, dtype=np.int64)


def product_charges(battery, charger) -> np.ndarray:
    """N_ex in the battery ⊗ charger product basis (battery index major)."""
    return (factor_charges(battery)[:, None] + factor_charges(charger)[None, :]).ravel()


# the shift of each collective or mode symbol, by its last letter: z and n keep N_ex
_KEEPS = ("z", "n")


def charge_shifts(space) -> dict[str, int]:
    """The most each operator symbol of a factor changes N_ex by: 0 for S_z, J_z and n, 1 for
    the other spin and mode symbols, the largest level distance of an atom's |a><b|."""
    if space.kind != "atoms":
        return {name: int(not name.lower().endswith(_KEEPS)) for name in space.operators}
    shifts = {}
    q = factor_charges(space)
    for name, op in space.operators.items():
        coo = sp.coo_matrix(op)
        shifts[name] = int(np.max(np.abs(q[coo.row] - q[coo.col]))) if coo.nnz else 0
    return shifts


@dataclass
class Band:
    """The product states a run is built on: ``index`` (sorted positions in the product basis)
    holds the states whose charge is within ``reach`` of ``charges``; ``kept`` marks those whose
    charge is one of ``charges`` (the run's own states)."""

    index: np.ndarray
    kept: np.ndarray  # bool, per entry of index
    charges: tuple[int, ...]
    reach: int

    @property
    def kept_index(self) -> np.ndarray:
        return self.index[self.kept]


def occupied_charges(battery, charger, vectors: list[np.ndarray]) -> np.ndarray:
    """The charges product-basis ``vectors`` have weight in."""
    q = product_charges(battery, charger)
    return np.unique(np.concatenate([q[np.abs(v) > 0] for v in vectors]))


def occupied_by_factors(battery, charger, pairs: list[tuple[np.ndarray, np.ndarray]]):
    """The charges of product states ψ_B ⊗ ψ_C, from the factors (no product-space vector)."""
    qB, qC = factor_charges(battery), factor_charges(charger)
    sums = [np.add.outer(np.unique(qB[np.abs(b) > 0]), np.unique(qC[np.abs(c) > 0])).ravel()
            for b, c in pairs]  # fmt: skip
    return np.unique(np.concatenate(sums))


def band_for(battery, charger, occupied: np.ndarray, reach: int) -> Band | None:
    """The band of product states whose charge is within ``reach`` of an ``occupied`` charge, or
    None when the states of those charges are more than KEPT_SHARE of the product space. Built
    battery index by battery index from the charger's sorted charges: nothing of the product
    space's size is formed."""
    qB, qC = factor_charges(battery), factor_charges(charger)
    dB, dC = len(qB), len(qC)
    order = np.argsort(qC, kind="stable")
    sorted_q = qC[order]
    intervals: list[list[int]] = []  # [lo, hi] of charges, merged
    for c in sorted(int(x) for x in occupied):
        if intervals and c - reach <= intervals[-1][1] + 1:
            intervals[-1][1] = c + reach
        else:
            intervals.append([c - reach, c + reach])
    pieces = []
    for lo, hi in intervals:
        start = np.searchsorted(sorted_q, lo - qB, side="left")
        stop = np.searchsorted(sorted_q, hi - qB, side="right")
        count = stop - start
        offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        charger_index = order[np.repeat(start, count) + offsets]
        pieces.append(np.repeat(np.arange(dB), count) * dC + charger_index)
    index = np.sort(np.concatenate(pieces))
    kept = np.isin(qB[index // dC] + qC[index % dC], occupied)
    if np.count_nonzero(kept) > KEPT_SHARE * dB * dC:
        return None
    return Band(index, kept, tuple(int(c) for c in occupied), reach)


class BandOperators(Mapping):
    """Battery and charger operators compressed onto a band of product states (P (O ⊗ 1) P and
    P (1 ⊗ O) P), each built on first use straight from the factor's sparse matrix: no
    product-space operator is ever formed."""

    def __init__(self, battery, charger, index: np.ndarray):
        self._local = {k: (battery, True) for k in battery.operators}
        self._local |= {k: (charger, False) for k in charger.operators}
        self._index = index
        self._b, self._c = np.divmod(index, charger.dim)
        self._dC = charger.dim
        self._built: dict[str, sp.csr_matrix] = {}

    def __getitem__(self, name: str) -> sp.csr_matrix:
        if name not in self._built:
            space, on_battery = self._local[name]
            self._built[name] = self._compress(space.columns(name), on_battery).tocsr()
        return self._built[name]

    def _compress(self, op: sp.csc_matrix, on_battery: bool) -> sp.csc_matrix:
        own, other = (self._b, self._c) if on_battery else (self._c, self._b)
        start = op.indptr[own]
        count = op.indptr[own + 1] - start
        columns = np.repeat(np.arange(len(own)), count)
        offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        entries = np.repeat(start, count) + offsets
        rows = op.indices[entries]
        other_rep = np.repeat(other, count)
        target = rows * self._dC + other_rep if on_battery else other_rep * self._dC + rows
        position = np.searchsorted(self._index, target)
        position = np.minimum(position, len(self._index) - 1)
        inside = self._index[position] == target
        n = len(self._index)
        # entries come column by column: CSC arrays directly, no coordinate form
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(columns[inside], minlength=n), out=indptr[1:])
        return sp.csc_matrix((op.data[entries][inside], position[inside], indptr), shape=(n, n))

    def __iter__(self):
        return iter(self._local)

    def __len__(self) -> int:
        return len(self._local)


def restrict(op: sp.spmatrix, kept: np.ndarray) -> sp.csr_matrix | None:
    """The kept rows and columns of a band operator, or None when it has an entry between a kept
    state and one that is not (the kept states are then not invariant)."""
    op = op.tocsr()
    row = np.repeat(np.arange(op.shape[0]), np.diff(op.indptr))
    nonzero = op.data != 0
    row, col, data = row[nonzero], op.indices[nonzero], op.data[nonzero]
    rows_kept, cols_kept = kept[row], kept[col]
    if np.any(rows_kept != cols_kept):
        return None
    position = np.cumsum(kept) - 1
    n = int(position[-1]) + 1 if len(position) else 0
    both = rows_kept & cols_kept
    # rows stay in order and positions are increasing: the kept entries are already CSR
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(position[row[both]], minlength=n), out=indptr[1:])
    return sp.csr_matrix((data[both], position[col[both]], indptr), shape=(n, n))
