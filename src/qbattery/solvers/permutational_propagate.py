"""Propagation of one permutation-invariant sector (:mod:`qbattery.solvers.permutational`).

A self-conjugate sector runs on its real coordinates (:class:`_RealForm`); a time-independent
generator is exponentiated by exact Taylor expansions of reach h‖L‖₁ = TAYLOR_REACH with the grid
points read off their terms (:func:`_taylor`), a time-dependent one by DOP853 (:func:`_propagate`);
:class:`_Anywhere` keeps a few checkpoint states so E(t) can be evaluated between grid points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from qbattery.solvers.permutational_sectors import _Layout, _Sector
from qbattery.solvers.taylor import (
    TAYLOR_REACH,
    TAYLOR_TERMS,
    TAYLOR_TOL,
    _taylor_sums,
    csr_apply,
    norm1_bound,
    ode_chunks,
)


class _RealForm:
    """A self-conjugate sector (with each entry ρ_ii' its partner ρ_i'i = conj(ρ_ii')) as n real
    coordinates: Re and Im of the entries with i < i', Re of the diagonal ones. The generator
    maps Hermitian to Hermitian, so it is a real sparse matrix on them: half the bytes and a
    quarter of the flops of the complex one per product."""

    def __init__(self, layout: _Layout, sector: _Sector):
        n = sector.size
        partner = np.empty(n, dtype=np.int64)
        for b, part in enumerate(sector.parts):
            if not part.size:
                continue
            dim = (round(2 * layout.js[b]) + 1) * layout.cutoff
            key = part.rows * dim + part.cols
            order = np.argsort(key)
            loc = np.searchsorted(key[order], part.cols * dim + part.rows)
            partner[sector.offsets[b] : sector.offsets[b + 1]] = order[loc] + sector.offsets[b]
        rows = np.concatenate([p.rows for p in sector.parts])
        cols = np.concatenate([p.cols for p in sector.parts])
        upper, diag = np.flatnonzero(rows < cols), np.flatnonzero(rows == cols)
        # coordinates: Re of every upper entry, Im of every upper entry, Re of the diagonal
        self.entry = np.concatenate([upper, upper, diag])  # full entry each coordinate reads
        self.imag = np.concatenate([np.zeros(len(upper), bool), np.ones(len(upper), bool),
                                    np.zeros(len(diag), bool)])  # fmt: skip
        re_of = np.full(n, -1)
        im_of = np.full(n, -1)
        re_of[upper] = np.arange(len(upper))
        im_of[upper] = len(upper) + np.arange(len(upper))
        re_of[diag] = 2 * len(upper) + np.arange(len(diag))
        lower = np.flatnonzero(rows > cols)
        # v_e = x_re + i x_im (upper), x_re − i x_im (lower, from its partner), x_re (diagonal)
        u_rows = np.concatenate([upper, upper, lower, lower, diag])
        u_cols = np.concatenate([re_of[upper], im_of[upper], re_of[partner[lower]],
                                 im_of[partner[lower]], re_of[diag]])  # fmt: skip
        u_vals = np.concatenate([np.ones(len(upper)), 1j * np.ones(len(upper)),
                                 np.ones(len(lower)), -1j * np.ones(len(lower)),
                                 np.ones(len(diag))])  # fmt: skip
        self.U = sp.csr_matrix((u_vals, (u_rows, u_cols)), shape=(n, n))
        self.size = n

    def generator(self, groups: list) -> sp.csr_matrix:
        """The real generator R of a one-group generator ``[(None, L)]``, which it empties so
        that L is freed once its rows are gathered (a large sector's peak is this assembly):
        row c of (L U) read at coordinate c's entry, its real or imaginary part, taken from the
        CSR product as it is (no COO copy of it)."""
        ((_, L),) = groups
        groups.clear()
        rows = L[self.entry]
        del L
        M = (rows @ self.U).tocsr()
        del rows
        imag_rows = np.repeat(self.imag, np.diff(M.indptr))
        data = np.where(imag_rows, M.data.imag, M.data.real)
        del imag_rows
        R = sp.csr_matrix((data, M.indices, M.indptr), shape=M.shape)
        R.eliminate_zeros()
        return R

    def vector(self, y: np.ndarray) -> np.ndarray:
        v = y[self.entry]
        return np.where(self.imag, v.imag, v.real)

    def weights(self, W: sp.spmatrix) -> sp.csr_matrix:
        """W acting on the full entries, as (complex) weights on the real coordinates."""
        return (sp.csr_matrix(W) @ self.U).tocsr()


def _taylor(L, y, times: np.ndarray, norm: float, reduce, keep=None):
    """Chunks (first row, reduce(states)) of e^{L(t − t₀)} y on a grid, exact to double precision
    like :func:`qbattery.solvers.taylor.taylor_chunks`, but each expansion spans the full reach
    h‖L‖₁ = TAYLOR_REACH from wherever the previous one ended, not a whole number of grid
    intervals: the grid points inside are read off its terms (weights θ^m). ``keep(t, state)``
    sees the state at the start of every expansion (checkpoints for evaluations between grid
    points). The grid need not be uniform."""
    h, apply = _reach(times, norm), csr_apply(L)
    a, row, last = float(times[0]), 1, len(times) - 1
    while row <= last:
        if keep is not None:
            keep(a, y)
        end = a + h
        if end >= times[-1] - 1e-12 * h:
            end = float(times[-1])
        upto = int(np.searchsorted(times, end + 1e-12 * h, side="right"))
        fractions = (times[row:upto] - a) / (end - a)
        if len(fractions):
            chunk, y = _taylor_sums(L, y, end - a, norm, fractions, reduce, apply)
            yield row, chunk
        else:
            y = _taylor_sums(L, y, end - a, norm, [1.0], None, apply)[1]
        row, a = upto, end


def _reach(times: np.ndarray, norm: float) -> float:
    """The time one Taylor expansion covers: h‖L‖₁ = TAYLOR_REACH, at most the whole window."""
    span = float(times[-1] - times[0])
    return span if norm * span <= TAYLOR_REACH else TAYLOR_REACH / norm


def _norm1(L: sp.spmatrix) -> float:
    return float(abs(L).sum(axis=0).max()) if L.nnz else 0.0


# states kept per run for evaluations between grid points: at most 32 and 256 MB (at least 4)
CHECKPOINTS, CHECKPOINT_BYTES = 32, 256 * 2**20


@dataclass
class _Anywhere:
    """What E(t) between grid points needs: sector 0's real generator, its norm, checkpoint
    states (real coordinates, at the start of some expansions of the run) and the map to full
    entries. A requested t is reached from the checkpoint before it by expansions of the run's
    own length, and read off the terms of the last one (a polynomial in t, cached)."""

    layout: _Layout
    sector: _Sector
    form: _RealForm
    R: sp.csr_matrix
    norm: float
    times: np.ndarray
    checkpoints: dict[float, np.ndarray]
    _cache: dict = field(default_factory=dict)
    _weights: dict = field(default_factory=dict)

    def expect(self, op, t: np.ndarray) -> np.ndarray:
        op = sp.csr_matrix(op)
        name = (op.data.tobytes(), op.indices.tobytes(), op.indptr.tobytes())
        if name not in self._weights:
            self._weights.clear()
            self._weights[name] = self._operator_weights(op)
        w = self._weights[name]
        h = _reach(self.times, self.norm)
        starts = np.array(sorted(self.checkpoints))
        apply = csr_apply(self.R)
        out = np.empty(len(t))
        for i, x in enumerate(np.asarray(t, dtype=float)):
            c = float(starts[max(0, np.searchsorted(starts, x, side="right") - 1)])
            s = max(0, int((x - c) // h))
            key = (c, s, name)
            if key not in self._cache:
                if len(self._cache) > 16:
                    self._cache.clear()
                self._cache[key] = self._terms(apply, c, s, h, w)
            out[i] = np.polynomial.polynomial.polyval((x - c - s * h) / h, self._cache[key])
        return out

    def _operator_weights(self, op: sp.csr_matrix) -> np.ndarray:
        """Tr[Oρ] = w·x on the real coordinates x of sector 0 (O must conserve the charge)."""
        coo = op.tocoo()
        q = self.layout.wrap(self.layout.charges[0])
        big = np.abs(coo.data) > 1e-14
        if np.any(self.layout.wrap(q[coo.row[big]] - q[coo.col[big]]) != 0):
            raise ValueError("evaluations between grid points take charge-conserving operators")
        part = self.sector.parts[0]
        w = self.form.weights(sp.csr_matrix(np.asarray(op[part.cols, part.rows]).ravel()))
        return w.toarray().ravel()

    def _terms(self, apply, c: float, s: int, h: float, w: np.ndarray) -> np.ndarray:
        """Re w·(hL)^m y(c + s·h)/m!, m = 0, 1, ...: E(c + (s + θ)h) = Σ_m θ^m c_m."""
        y = self.checkpoints[c]
        for _ in range(s):
            y = _taylor_sums(self.R, y, h, self.norm, [1.0], None, apply)[1]
        terms, term, spare = [float((w @ y).real)], y.copy(), np.empty_like(y)
        limit, small = 2 * self.norm * h, TAYLOR_TOL * np.abs(y).sum()
        for m in range(1, TAYLOR_TERMS):
            term, spare = apply(term, spare), term
            term *= h / m
            terms.append(float((w @ term).real))
            if m > limit and norm1_bound(term) <= small:
                break
        return np.array(terms)


def _propagate(generator, y0: np.ndarray, times: np.ndarray, rtol: float, atol: float, reduce,
               keep=None):  # fmt: skip
    """Yields (first row, reduce(states), phases) chunks of the sector's trajectory (row 0
    included): the states are e^{μ(t − t₀)} times the propagated ones, μ the generator's mean
    rotation, taken out exactly so that it costs no steps. ``generator`` may also be a real
    sparse matrix R of a sector's real coordinates (:class:`_RealForm`, μ = 0) with ``y0``
    those coordinates: it is exponentiated on them, and ``reduce`` takes them."""
    if sp.issparse(generator):
        yield 0, reduce(y0)[None, :], np.ones(1)
        for first, rows in _taylor(generator, y0, times, _norm1(generator), reduce, keep):
            yield first, rows, np.ones(len(rows))
        return
    (_, L0), driven = generator[0], generator[1:]
    taylor = not driven
    mu = 1j * L0.diagonal().imag.mean() if L0.shape[0] else 0.0
    L0 = (L0 - mu * sp.identity(L0.shape[0], format="csr")).tocsr()

    def phases(first, n):
        return np.exp(mu * (times[first : first + n] - times[0]))

    yield 0, reduce(y0)[None, :], phases(0, 1)
    if taylor:
        for first, rows in _taylor(L0, y0, times, _norm1(L0), reduce):
            yield first, rows, phases(first, len(rows))
        return

    def rhs(x, v):
        out = L0 @ v
        for c, M in driven:
            out += complex(c(x)) * (M @ v)
        return out

    for first, chunk in ode_chunks("DOP853", rhs, y0, times, rtol, atol):
        yield first, reduce(chunk), phases(first, len(chunk))
