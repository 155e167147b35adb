"""Exact propagation of dy/dt = L y along a time grid by Taylor series (and the ODE fallback),
shared by the Lindblad and the permutation-invariant solvers.

Each expansion covers a step h with h‖L‖₁ ≤ ``TAYLOR_REACH`` (rounding grows like e^{h‖L‖}·2⁻⁵³)
and is cut only where its rest is provably below 2⁻⁵³ of the norm; several grid points share an
expansion (θh for each), and the terms are summed as they come into two reused buffers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qbattery.progress import report

TAYLOR_REACH = 10.0  # largest h‖L‖₁ of one Taylor expansion (rounding grows like e^{h‖L‖}·2⁻⁵³)
TAYLOR_TERMS = 100  # never reached with h‖L‖₁ ≤ TAYLOR_REACH (10^100/100! < 1e-57)
TAYLOR_TOL = 2.0**-53


def norm1_bound(v: np.ndarray) -> float:
    """‖v‖₁ for a real vector, and Σ(|Re| + |Im|) ≥ ‖v‖₁ for a complex one, by BLAS ``?asum``:
    one pass and no temporary (``np.abs(v).sum()`` was 9x slower on a sector of 4M entries, and
    a Taylor expansion asks for it at every term past its reach). An upper bound is what the
    series' stopping test needs: it can only add a term, never cut one too early."""
    from scipy.linalg import blas

    if v.dtype == np.float64:
        return float(blas.dasum(v))
    if v.dtype == np.complex128:
        return float(blas.dzasum(v))
    return float(np.abs(v).sum())


def csr_apply(L: sp.csr_matrix):
    """``apply(x, out)``: out ← L x into a given buffer, through scipy's CSR kernel without the
    dispatch and the allocation of ``L @ x`` (the same arithmetic); ``L @ x`` for another format,
    where the kernel is missing or where the dtypes differ."""
    try:
        from scipy.sparse._sparsetools import csr_matvec
    except ImportError:  # pragma: no cover - scipy without the private kernels
        csr_matvec = None
    if not (sp.issparse(L) and L.format == "csr"):
        csr_matvec = None
    n_row, n_col = L.shape

    def apply(x, out):
        if csr_matvec is None or x.dtype != L.dtype or out.dtype != L.dtype:
            np.copyto(out, L @ x)
        else:
            out.fill(0)
            csr_matvec(n_row, n_col, L.indptr, L.indices, L.data, x, out)
        return out

    return apply


def _taylor_sums(
    L: sp.spmatrix,
    y: np.ndarray,
    h: float,
    norm: float,
    fractions: np.ndarray,
    reduce=None,
    apply=None,
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, e^{hL} y): Σ_m θ^m (hL)^m y / m! = e^{θhL} y for each θ in ``fractions`` (rows;
    the last θ must be 1), or ``reduce`` of each when given.

    The series is cut at the first m > 2h‖L‖₁ (``norm`` = ‖L‖₁) whose term has ‖·‖₁ ≤ 2⁻⁵³‖y‖₁:
    each further term is then at most half the one before, so the rest is smaller than that term
    (θ ≤ 1 only shrinks it). The terms are summed as they come: memory is the output plus two
    vectors, whatever the number of terms. ``reduce`` must be real-linear (the weights θ^m h^m/m!
    are real), e.g. a few expectation values: the rows then cost a short vector per term instead
    of a full state per row and term, and only the state at θ = 1 is summed in full. ``apply``
    (from :func:`csr_apply`, built here when not given) multiplies by L into one of two reused
    work vectors.
    """
    fractions = np.asarray(fractions, dtype=float)
    limit, small = 2 * norm * abs(h), TAYLOR_TOL * np.abs(y).sum()
    image = reduce or (lambda v: v)
    out = np.repeat(image(y)[None, :], len(fractions), axis=0)
    end = y.copy() if reduce else out[-1]
    apply = apply or csr_apply(L)
    term = np.array(y, dtype=np.result_type(L.dtype, y.dtype))
    spare = np.empty_like(term)
    weight = np.ones_like(fractions)
    for m in range(1, TAYLOR_TERMS):
        term, spare = apply(term, spare), term
        term *= h / m
        weight = weight * fractions
        if reduce:
            end += term
        if len(fractions) == 1:
            out[0] += weight[0] * image(term)
        else:
            out += weight[:, None] * image(term)
        if m > limit and norm1_bound(term) <= small:
            break
    return out, end


def _expm_vector(L: sp.spmatrix, y: np.ndarray, dt: float, norm: float) -> np.ndarray:
    """e^{L·dt} y by Taylor expansions with h‖L‖₁ ≤ TAYLOR_REACH (``norm`` = ‖L‖₁)."""
    steps = int(np.ceil(norm * abs(dt) / TAYLOR_REACH))
    for _ in range(steps):
        y = _taylor_sums(L, y, dt / steps, norm, [1.0])[1]
    return y


def taylor_chunks(L: sp.spmatrix, y: np.ndarray, times: np.ndarray, norm: float, reduce=None):
    """e^{L(t − t₀)} y on a uniform grid, exact to double precision, in chunks (first row, states),
    or (first row, reduce(states)) with a real-linear ``reduce`` (see :func:`_taylor_sums`).

    One expansion e^{Lh} y = Σ_m (hL)^m y/m! covers ``per`` grid intervals, with h‖L‖₁ ≤
    TAYLOR_REACH (or an interval takes ``sub`` expansions). The grid points inside it are the same
    terms weighted by θ^m, θ = the fraction of h reached. The chunks cover rows 1, 2, ... in order
    (row 0 is y itself); only one chunk is alive at a time, so a caller that reduces each chunk
    never holds the whole trajectory.
    """
    last, x = len(times) - 1, (times[1] - times[0]) * norm
    sub = max(1, int(np.ceil(x / TAYLOR_REACH)))
    per = max(1, int(TAYLOR_REACH // x)) if x > 0 else last
    done = 0
    while done < last:
        n = min(per, last - done)
        h = (times[done + n] - times[done]) / sub
        for _ in range(sub - 1):
            y = _taylor_sums(L, y, h, norm, [1.0])[1]
        chunk, y = _taylor_sums(L, y, h, norm, np.arange(1, n + 1) / n, reduce)
        yield done + 1, chunk
        done += n


def ode_chunks(method: str, rhs, y: np.ndarray, times: np.ndarray, rtol: float, atol: float, **kw):
    """The solution of y' = rhs(t, y) on ``times`` by a scipy ODE method, in chunks (first row,
    states) like :func:`taylor_chunks`. The solver is stepped by hand and its dense output read
    only at the grid points each step passes: solve_ivp's (entry, time) copies cost as much as
    the steps."""
    import scipy.integrate  # lazy: only the ODE path needs it

    solver = getattr(scipy.integrate, method)(
        rhs, times[0], y, times[-1], rtol=rtol, atol=atol, **kw
    )
    done = 1  # grid points written
    while done < len(times):
        message = solver.step()
        if solver.status == "failed":
            raise RuntimeError(f"time integration failed: {message}")
        upto = np.searchsorted(times, solver.t, side="right")
        if upto > done:
            yield done, solver.dense_output()(times[done:upto]).T
            done = upto


def _taylor_grid(L: sp.spmatrix, y: np.ndarray, times: np.ndarray, norm: float) -> np.ndarray:
    """e^{L(t − t₀)} y on a uniform grid (one row per time): :func:`taylor_chunks` collected."""
    out = np.empty((len(times), len(y)), dtype=complex)
    out[0] = y
    for first, chunk in taylor_chunks(L, y, times, norm):
        out[first : first + len(chunk)] = chunk
        report((first + len(chunk)) / len(times))
    return out
