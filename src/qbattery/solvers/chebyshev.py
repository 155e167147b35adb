"""Chebyshev propagator for a large, sparse, time-independent Hermitian H.

e^{-iHΔt} = e^{-ibΔt} Σ_k (2 − δ_k0) (−i)^k J_k(aΔt) T_k(X), with X = (H − b)/a and the spectrum
of H inside [b − a, b + a] (Tal-Ezer & Kosloff 1984). The Bessel coefficients fall off
super-exponentially once k > aΔt, so the series is cut where their tail is below the step
tolerance; one step costs ~aΔt + O((aΔt)^{1/3}) + a few sparse products, each with the real
matrix when H is real (complex vectors are propagated as pairs of real columns).

The bounds come from a short Lanczos run, padded and clipped to the Gershgorin interval (which
always contains the spectrum); each step checks that the norm is conserved, so bounds that missed
part of the spectrum cannot go unnoticed.

:class:`GridSector` is one sector of the closed solver propagated this way along a time grid:
its states are made chunk by chunk from checkpoints, never stored whole.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp
from scipy.special import jv

try:  # the kernels behind csr @ vector, called in place (no temporaries per term)
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover
    _sparsetools = None

STEP_TOL = 1e-14  # tail of the Bessel series per step (a 3000-point run stays ≲ 1e-10)
MIN_TERMS = 8
PAD = 0.01  # Lanczos bounds padded by this fraction of the width (then clipped to Gershgorin)
BATCH = 32  # Chebyshev vectors combined into the outputs by one matrix product
MAX_WINDOW = 64  # most grid points reached from one expansion
# per-term costs (s) on the development box: sparse product per entry, vector work per amplitude,
# Python per term, and the combination per output amplitude and term (complex gemm)
C_SPMV, C_VEC, C_CALL, C_COMBINE = 1.6e-9, 3e-9, 5e-6, 4e-10


def gershgorin(H: sp.csr_matrix) -> tuple[float, float]:
    """An interval that contains the spectrum of the Hermitian H: centres H_ii, radii Σ_j≠i |H_ij|."""
    diag = H.diagonal().real
    radii = np.asarray(abs(H).sum(axis=1)).ravel() - np.abs(diag)
    return float(np.min(diag - radii)), float(np.max(diag + radii))


def spectral_bounds(H: sp.csr_matrix) -> tuple[float, float]:
    """[E_min, E_max] ⊇ spectrum: Lanczos extremes padded by PAD × width, within Gershgorin."""
    lo_g, hi_g = gershgorin(H)
    n = H.shape[0]
    if n < 64 or hi_g - lo_g == 0:
        return lo_g, hi_g
    from scipy.sparse.linalg import eigsh

    if not np.any(H.data.imag):
        H = H.real  # a real symmetric H: real Lanczos, ~2.5x faster
    try:
        rng = np.random.default_rng(0)
        v0 = rng.standard_normal(n)
        hi = float(eigsh(H, k=1, which="LA", tol=1e-6, v0=v0, ncv=24, maxiter=400)[0][0])
        lo = float(eigsh(H, k=1, which="SA", tol=1e-6, v0=v0, ncv=24, maxiter=400)[0][0])
    except Exception:  # no convergence: Gershgorin is always safe
        return lo_g, hi_g
    pad = PAD * (hi - lo) + 1e-12 * max(abs(hi), abs(lo), 1.0)
    return max(lo_g, lo - pad), min(hi_g, hi + pad)


@functools.lru_cache(maxsize=4096)
def _term_count_cached(z: float) -> int:
    return len(bessel_coefficients(z))


def _term_count(z: float) -> int:
    """Terms needed at argument z (cached on z rounded to 4 significant digits, rounded up)."""
    if z <= 0:
        return MIN_TERMS
    e = 10.0 ** (np.floor(np.log10(z)) - 3)
    return _term_count_cached(float(np.ceil(z / e) * e))


def bessel_coefficients(z: float, tol: float = STEP_TOL) -> np.ndarray:
    """c_k = (2 − δ_k0)(−i)^k J_k(z), cut where Σ_{k>K} |c_k| < tol."""
    kmax = int(z + 10 * max(z, 1.0) ** (1 / 3) + 40)
    k = np.arange(kmax + 1)
    mag = np.abs(jv(k, z)) * np.where(k == 0, 1.0, 2.0)
    tail = np.cumsum(mag[::-1])[::-1]  # tail[k] = Σ_{k' ≥ k} |c_k'|
    beyond = np.flatnonzero((tail < tol) & (k > z))
    K = int(beyond[0]) if len(beyond) else kmax
    K = max(K, MIN_TERMS)
    return (mag * (-1j) ** k * np.sign(jv(k, z)))[:K]


class ChebyshevPropagator:
    """ψ ↦ e^{-iHΔt}ψ for a Hermitian sparse H, on a block of state columns (d, m)."""

    def __init__(self, H: sp.spmatrix, bounds: tuple[float, float] | None = None):
        H = sp.csr_matrix(H)
        self.dim = H.shape[0]
        lo, hi = spectral_bounds(H) if bounds is None else bounds
        self.a = max((hi - lo) / 2, 1e-300)
        self.b = (hi + lo) / 2
        X = (H - self.b * sp.identity(self.dim, format="csr")) / self.a
        self.X = sp.csr_matrix(X, dtype=complex)  # complex × complex: the fastest product here
        self.X.sort_indices()
        self.nnz = self.X.nnz
        self._data2 = 2.0 * self.X.data
        self._windows: dict = {}
        self._combinations: dict = {}

    def window(self, dt: float, columns: int = 1) -> int:
        """How many grid points (spaced dt) one expansion should reach: fewer Bessel terms per
        point for a longer window, more combination work per term."""
        key = (round(float(dt), 13), columns)
        if key not in self._windows:
            best, best_cost = 1, np.inf
            m = 1
            while m <= MAX_WINDOW:
                K = _term_count(self.a * abs(dt) * m)
                per_term = C_SPMV * self.nnz * columns + C_VEC * self.dim * columns + C_CALL
                cost = (K * per_term + m * K * self.dim * columns * C_COMBINE) / m
                if cost < best_cost:
                    best, best_cost = m, cost
                m *= 2
            self._windows[key] = best
        return self._windows[key]

    def _combination(self, offsets: np.ndarray) -> np.ndarray:
        """C[j, k] = (2 − δ_k0)(−i)^k J_k(aτ_j) e^{-ibτ_j}; cached (a uniform grid repeats the
        same offsets up to round-off, which moves a window's end by < 1e-13)."""
        key = np.round(offsets, 13).tobytes()
        if key not in self._combinations:
            if len(self._combinations) > 64:
                self._combinations.clear()
            z = self.a * offsets
            k = np.arange(_term_count(float(np.max(np.abs(z)))))
            C = jv(k[None, :], z[:, None]) * np.where(k == 0, 1.0, 2.0) * (-1j) ** k
            self._combinations[key] = C * np.exp(-1j * self.b * offsets)[:, None]
        return self._combinations[key]

    def propagate(self, psi: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """e^{-iHτ_j}ψ for every offset τ_j (any sign), from one Chebyshev expansion:
        shape (len(offsets), *psi.shape)."""
        offsets = np.atleast_1d(np.asarray(offsets, dtype=float))
        shape = psi.shape
        v = np.ascontiguousarray(psi, dtype=complex).reshape(self.dim, -1)
        n, cols = len(offsets), v.shape[1]
        C = self._combination(offsets)
        K = C.shape[1]
        out = np.zeros((n, v.size), dtype=complex)
        buf = np.empty((min(BATCH, K), self.dim, cols), dtype=complex)
        buf[0] = v
        buf[1] = 0.0
        self._accumulate(v, buf[1], twice=False)
        filled, done, skip = 2, 0, 0  # rows in buf; coefficients combined; rows already combined
        for _ in range(2, K):
            if filled == len(buf):  # combine this batch; keep the last two for the recurrence
                out += C[:, done : done + filled - skip] @ buf[skip:filled].reshape(
                    filled - skip, -1
                )
                done += filled - skip
                buf[:2] = buf[filled - 2 : filled].copy()
                filled, skip = 2, 2
            nxt = buf[filled]
            np.negative(buf[filled - 2], out=nxt)  # T_{k+1} = 2X T_k − T_{k−1}
            self._accumulate(buf[filled - 1], nxt, twice=True)
            filled += 1
        out += C[:, done : done + filled - skip] @ buf[skip:filled].reshape(filled - skip, -1)
        norm_in = np.linalg.norm(v, axis=0)
        norm_out = np.linalg.norm(out.reshape(n, self.dim, cols), axis=1)
        drift = float(np.max(np.abs(norm_out - norm_in))) if n else 0.0
        if not drift <= 1e-8 * max(float(np.max(norm_in)), 1e-300):
            raise RuntimeError(
                f"Chebyshev step lost unitarity (norm drift {drift:.3g}): spectral bounds "
                f"[{self.b - self.a:.6g}, {self.b + self.a:.6g}] miss part of the spectrum"
            )
        return out.reshape(n, *shape)

    def _accumulate(self, x: np.ndarray, y: np.ndarray, twice: bool) -> None:
        """y += (2X if twice else X) @ x, in place (x, y of shape (d, m), C-contiguous)."""
        data = self._data2 if twice else self.X.data
        if _sparsetools is not None:
            d, m = x.shape
            if m == 1:
                _sparsetools.csr_matvec(d, d, self.X.indptr, self.X.indices, data, x, y)
            else:
                _sparsetools.csr_matvecs(d, d, m, self.X.indptr, self.X.indices, data, x, y)
        else:  # pragma: no cover - scipy without the private kernels
            y += (2.0 if twice else 1.0) * (self.X @ x)

    def step(self, psi: np.ndarray, dt: float) -> np.ndarray:
        """e^{-iHΔt}ψ for ψ of shape (d,) or (d, m)."""
        return psi.astype(complex) if dt == 0 else self.propagate(psi, [dt])[0]


CHECKPOINT_EVERY = 64  # a grid sector keeps ψ every this many grid points (for re-reads)


class GridSector:
    """A sector propagated with Chebyshev expansions along the grid: its states are produced
    chunk by chunk (never all at once), from the start or from a checkpoint kept every
    CHECKPOINT_EVERY grid points; off-grid times are one more expansion from the grid point
    before them."""

    def __init__(self, H: sp.csr_matrix, index: np.ndarray, times: np.ndarray):
        self.index, self.times = index, times
        self.propagator = ChebyshevPropagator(H)
        self.columns: list[np.ndarray] = []
        self._checkpoints: dict[int, np.ndarray] = {}
        self._last: tuple[int, int, np.ndarray] | None = None  # (start, stop, states)
        self._point: tuple[int, np.ndarray] | None = None  # one grid state, for off-grid reads

    def add(self, psi: np.ndarray) -> int:
        self.columns.append(np.asarray(psi, dtype=complex))
        return len(self.columns) - 1

    def finish(self) -> None:
        self._checkpoints[0] = np.stack(self.columns, axis=1)  # (d, m)

    def on_grid(self, start: int, stop: int) -> np.ndarray:
        """States at grid points start..stop-1, shape (stop − start, d, m)."""
        if self._last is not None and self._last[0] <= start and stop <= self._last[1]:
            s0 = self._last[0]
            return self._last[2][start - s0 : stop - s0]
        pos = max(c for c in self._checkpoints if c <= start)
        state = self._checkpoints[pos]
        out = np.empty((stop - start, *state.shape), dtype=complex)
        if pos == start:
            out[0] = state
        t, columns = self.times, state.shape[1]
        while pos < stop - 1:
            m = min(self.propagator.window(t[pos + 1] - t[pos], columns), stop - 1 - pos)
            states = self.propagator.propagate(state, t[pos + 1 : pos + 1 + m] - t[pos])
            for n in range(m):
                if (pos + 1 + n) % CHECKPOINT_EVERY == 0:
                    self._checkpoints.setdefault(pos + 1 + n, states[n].copy())
            lo = max(pos + 1, start)
            if lo <= pos + m:
                out[lo - start : pos + 1 + m - start] = states[lo - pos - 1 :]
            pos, state = pos + m, states[-1]
        self._last = (start, stop, out)
        return out

    def at(self, t: np.ndarray) -> np.ndarray:
        """States at arbitrary times, shape (len(t), d, m)."""
        out = []
        for x in t:
            i = int(
                np.clip(np.searchsorted(self.times, x, side="right") - 1, 0, len(self.times) - 1)
            )
            if self._point is None or self._point[0] != i:
                self._point = (i, self.on_grid(i, i + 1)[0].copy())
            out.append(self.propagator.step(self._point[1], x - self.times[i]))
        return np.array(out).reshape(len(t), *self._checkpoints[0].shape)
