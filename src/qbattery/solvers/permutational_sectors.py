"""The permutation-invariant representation of one problem: blocks j, charges, sectors, generators.

A block is (spin-j irrep) ⊗ mode; q = (excited atoms) + (photons) labels every ket; a sector is the
set of entries ρ_ii' with q_i − q_i' = k (mod the symmetry) of every block. Its generator is one
sparse matrix: the collective terms entry by entry (:mod:`qbattery.solvers.lindblad`) and the local
jumps as shifts between neighbouring blocks (:mod:`qbattery.operators.permutational`). Propagation
and reductions are in :mod:`qbattery.solvers.permutational_propagate` and
:mod:`qbattery.solvers.permutational_reduce`, run by :mod:`qbattery.solvers.permutational`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from qbattery.operators import permutational as perm
from qbattery.solvers.lindblad import _generator_terms
from qbattery.solvers.weak_symmetry import Block, Sectors, charge_shift

# --------------------------------------------------------------------------- layout


@dataclass
class _Layout:
    """Blocks j (descending), their operators and the charge q of every ket (k, n) of a block."""

    n_spins: int
    cutoff: int
    js: list[float]
    blocks: list  # problem.spin_block(j)
    charges: list[np.ndarray]  # q of each ket index i = k·cutoff + n of block j
    symmetry: str  # "excitation_number" | "parity" | "none"
    modulus: int | None
    q_max: int | None  # states with a larger q stay empty (None: keep all)

    def wrap(self, x):
        return x % self.modulus if self.modulus else x


def _layout(problem) -> _Layout:
    n, nc = problem.battery.size, problem.charger.dim
    js = reachable_spins(n, [n / 2], problem.local_noise)
    blocks = [problem.spin_block(j) for j in js]
    charges = []  # excited atoms (N/2 + m = N/2 − j + k) plus photons
    for j in js:
        k = np.repeat(np.arange(round(2 * j) + 1), nc)
        charges.append(round(n / 2 - j) + k + np.tile(np.arange(nc), round(2 * j) + 1))
    symmetry, modulus, shifts = "none", None, None
    for name, mod in (("excitation_number", None), ("parity", 2)):
        found = _collapse_shifts(problem, blocks, charges, mod)
        if found is not None:
            symmetry, modulus, shifts = name, mod, found
            break
    if symmetry == "none":
        charges = [np.zeros_like(q) for q in charges]
    q_max = None
    if symmetry == "excitation_number" and max(shifts, default=0) <= 0:
        top = charges[0]
        q_max = int(max(top[np.abs(psi) > 0].max() for _, psi in problem.initial))
    return _Layout(n, nc, js, blocks, charges, symmetry, modulus, q_max)


def reachable_spins(n_spins: int, occupied, channels) -> list[float]:
    """The blocks j (descending) that ρ(t) can occupy: those ``occupied`` at t = 0 and those the
    local ``channels`` reach from them (their jumps move j by δ ∈ {−1, 0, +1} where the
    coefficient of :func:`~qbattery.operators.permutational.jump_coefficients` is non-zero for
    some entry). Collective terms (H, mode loss, collective decay, custom collective collapse
    operators) act inside a block: without local channels only the occupied blocks are kept."""
    allowed = set(perm.spins(n_spins))
    kept, todo = set(occupied), list(occupied)
    while todo:
        j = todo.pop()
        m = np.arange(round(2 * j) + 1) - j
        mm, mp = (x.ravel() for x in np.meshgrid(m, m, indexing="ij"))
        for name in channels:
            for delta, coef in perm.jump_coefficients(name, n_spins, j, mm, mp).items():
                jd = j + delta
                if jd in allowed and jd not in kept and np.any(coef):
                    kept.add(jd)
                    todo.append(jd)
    return sorted(kept, reverse=True)


def _collapse_shifts(problem, blocks, charges, modulus) -> list[int] | None:
    """Shifts of q by every channel if H conserves q (mod ``modulus``) in every block, else None."""
    shifts = [perm.SHIFT[name] for name in problem.local_noise]
    for block, q in zip(blocks, charges, strict=True):
        labels = q % modulus if modulus else q
        hams = [block.H_static] + [op for _, op in block.H_driven]
        if any(charge_shift(H, labels, modulus) != 0 for H in hams):
            return None
        for _, _, L in block.collapse:
            s = charge_shift(L, labels, modulus)
            if s is None:
                return None
            shifts.append(s)
    return shifts


# --------------------------------------------------------------------------- one sector


@dataclass
class _Sector:
    """Entries ρ_ii' with q_i − q_i' = k (mod the symmetry), block after block."""

    k: int
    mirrored: bool
    parts: list[Block]  # per block j: its entries (rows = ket i, cols = bra i')
    offsets: np.ndarray  # start of each block's entries in the sector vector

    @property
    def size(self) -> int:
        return int(self.offsets[-1])


def _sector(layout: _Layout, k: int) -> _Sector:
    parts = []
    for q in layout.charges:
        idx = np.arange(len(q)) if layout.q_max is None else np.flatnonzero(q <= layout.q_max)
        if (
            layout.modulus is None and layout.symmetry != "none"
        ):  # pair kets of q with bras of q − k
            order = idx[np.argsort(q[idx], kind="stable")]
            values, starts, counts = np.unique(q[order], return_index=True, return_counts=True)
            where = {int(v): (a, c) for v, a, c in zip(values, starts, counts, strict=True)}
            rows, cols = [], []
            for v, (a, c) in where.items():
                if v - k in where:
                    b, d = where[v - k]
                    rows.append(np.tile(order[a : a + c], d))
                    cols.append(np.repeat(order[b : b + d], c))
            rows = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
            cols = np.concatenate(cols) if cols else np.zeros(0, dtype=int)
        else:
            r, c = np.nonzero(layout.wrap(q[idx][:, None] - q[idx][None, :]) == k)
            rows, cols = idx[r], idx[c]
        parts.append(Block(k, rows, cols, False))
    offsets = np.cumsum([0] + [p.size for p in parts])
    return _Sector(k, layout.modulus is None and k > 0, parts, offsets)


def _local_terms(layout: _Layout, rates: dict[str, float], j: float, dim: int):
    """−½ Σ γ {Σ_i A^i†A^i, ·} of the local channels, as a diagonal added to K = −iH − ..."""
    m = np.repeat(np.arange(round(2 * j) + 1) - j, layout.cutoff)
    diag = sum(
        gamma * perm.anticommutator_diagonal(name, layout.n_spins, m)
        for name, gamma in rates.items()
    )
    return sp.diags(-0.5 * np.asarray(diag, dtype=complex) * np.ones(dim), format="csr")


def _generator(layout: _Layout, sector: _Sector, rates: dict[str, float], t: float | None):
    """The sector's generator as groups [(coefficient or None, sparse matrix)], like
    :func:`qbattery.solvers.lindblad._generator_terms`: the constant group first."""
    groups: list[list] = []
    for b, (j, block, part) in enumerate(zip(layout.js, layout.blocks, sector.parts, strict=True)):
        ns = SimpleNamespace(
            H_static=block.H_static, H_driven=block.H_driven, collapse=block.collapse
        )
        terms = _generator_terms(ns, t)
        K = terms[0][1][0][0] + _local_terms(layout, rates, j, block.dim)
        terms[0][1][0] = (K, None)
        terms[0][1][1] = (None, K.conj().T.tocsr())
        sectors = Sectors(layout.wrap(layout.charges[b]), layout.modulus)
        for g, (coef, pairs) in enumerate(terms):
            if g >= len(groups):
                groups.append([coef, []])
            if part.size:
                groups[g][1].append((b, b, sectors.superoperator(part, pairs)))
    groups[0][1] += _jumps(layout, sector, rates)
    return [(coef, _assembled(sector, pieces)) for coef, pieces in groups]


def _assembled(sector: _Sector, pieces: list) -> sp.csr_matrix:
    """One sparse matrix from pieces (a, b, M) placed at (block a's rows, block b's columns),
    row block by row block: each block's pieces summed in CSR and the blocks stacked, so the
    peak is about twice the result (one COO of everything and its conversion took ~5x: the
    assembly, not the propagation, set the memory of a large sector). Pieces are released as
    their row block is done."""
    n, offsets = sector.size, sector.offsets
    by_row: dict[int, list] = {}
    for a, b, M in pieces:
        by_row.setdefault(a, []).append((b, M))
    pieces.clear()
    blocks = []
    for a in range(len(offsets) - 1):
        height = int(offsets[a + 1] - offsets[a])
        total = sp.csr_matrix((height, n), dtype=complex)
        for b, M in by_row.pop(a, []):
            M = sp.csr_matrix(M)
            placed = sp.csr_matrix(
                (M.data, M.indices + offsets[b], M.indptr), shape=(height, n), copy=False
            )
            total = placed if total.nnz == 0 else total + placed
        blocks.append(total.astype(complex, copy=False))
    if not blocks:
        return sp.csr_matrix((n, n), dtype=complex)
    return sp.vstack(blocks, format="csr")


def _jumps(layout: _Layout, sector: _Sector, rates: dict[str, float]):
    """Σ_i A^i ρ A^i† between blocks: entry (k, n; k', n') of σ_j → (k + s + δ, n; k' + s + δ, n')
    of σ_{j+δ}, with the coefficients of :func:`qbattery.operators.permutational.jump_coefficients`."""
    nc, out = layout.cutoff, []
    keys = []
    for j, part in zip(layout.js, sector.parts, strict=True):
        dim = (round(2 * j) + 1) * nc
        key = part.rows * dim + part.cols
        order = np.argsort(key)
        keys.append((key[order], order, dim))
    index_of_j = {j: b for b, j in enumerate(layout.js)}
    for b, (j, part) in enumerate(zip(layout.js, sector.parts, strict=True)):
        if not part.size:
            continue
        k, n = np.divmod(part.rows, nc)
        kp, np_ = np.divmod(part.cols, nc)
        m, mp = k - j, kp - j
        for name, gamma in rates.items():
            s = perm.SHIFT[name]
            for delta, coef in perm.jump_coefficients(name, layout.n_spins, j, m, mp).items():
                jd = j + delta
                if jd not in index_of_j or not np.any(coef):
                    continue
                d = index_of_j[jd]
                two_jd = round(2 * jd)
                kd, kpd = np.rint(m + s + jd).astype(int), np.rint(mp + s + jd).astype(int)
                ok = (coef != 0) & (kd >= 0) & (kd <= two_jd) & (kpd >= 0) & (kpd <= two_jd)
                sorted_keys, order, dim = keys[d]
                key = (kd[ok] * nc + n[ok]) * dim + (kpd[ok] * nc + np_[ok])
                loc = np.minimum(np.searchsorted(sorted_keys, key), max(len(sorted_keys) - 1, 0))
                if len(sorted_keys) == 0 or not np.array_equal(sorted_keys[loc], key):
                    raise RuntimeError("a local jump leaves its symmetry sector")
                M = sp.coo_matrix(
                    (gamma * coef[ok], (order[loc], np.flatnonzero(ok))),
                    shape=(sector.parts[d].size, part.size),
                )
                out.append((d, b, M))
    return out


def _initial_vector(layout: _Layout, sector: _Sector, initial) -> np.ndarray:
    """ρ(0) lives in the symmetric block j = N/2 (the first one, always kept)."""
    y = np.zeros(sector.size, dtype=complex)
    part = sector.parts[0]
    for w, psi in initial:
        y[: part.size] += w * psi[part.rows] * psi[part.cols].conj()
    return y
