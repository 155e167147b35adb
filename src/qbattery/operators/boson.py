"""A bosonic mode truncated to Fock states 0..cutoff-1, its states, and truncation checks."""

from __future__ import annotations

import sys
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln, pdtr, pdtrik

from qbattery.expr import format_number

TRUNCATION_TOLERANCE = 1e-10
TOP_LEVEL_WARN = 1e-6  # population of the top Fock level that makes results cutoff-dependent


class TruncationError(ValueError):
    """A state does not fit in the mode's cutoff; the message names a cutoff that suffices."""


@lru_cache(maxsize=32)
def _mode_ops(cutoff: int) -> dict[str, sp.csr_matrix]:
    a = sp.diags(np.sqrt(np.arange(1, cutoff)).astype(complex), 1, format="csr")
    return {"a": a, "ad": a.T.tocsr(), "n": sp.diags(np.arange(cutoff) + 0j, 0, format="csr")}


def mode_operators(cutoff: int) -> dict[str, sp.csr_matrix]:
    """a, a† and n = a†a on the truncated Fock space, keys 'a', 'ad', 'n'."""
    if cutoff < 1:
        raise ValueError(f"mode cutoff must be >= 1, got {cutoff}")
    return {k: v.copy() for k, v in _mode_ops(cutoff).items()}


def fock_state(cutoff: int, n: int) -> np.ndarray:
    if not 0 <= n < cutoff:
        raise TruncationError(f"Fock state |{n}> needs cutoff >= {n + 1} (cutoff is {cutoff})")
    psi = np.zeros(cutoff, dtype=complex)
    psi[n] = 1
    return psi


def coherent_amplitudes(alpha: complex, size: int) -> np.ndarray:
    """<n|α> for n < size (untruncated Poisson amplitudes, computed in log space)."""
    n = np.arange(size)
    if alpha == 0:
        return (n == 0).astype(complex)
    r = np.abs(np.complex128(alpha))
    with np.errstate(over="ignore"):  # |α|² = inf: every amplitude below the cutoff is 0
        log_abs = -(r**2) / 2 + n * np.log(r) - 0.5 * gammaln(n + 1)
    return np.exp(log_abs) * np.exp(1j * n * np.angle(alpha))


def cutoff_for_coherent(alpha: complex, tol: float = TRUNCATION_TOLERANCE) -> int:
    """Smallest cutoff whose Fock space holds all but ``tol`` of |α>'s norm: the photon number
    is Poisson with mean |α|², so this is its inverse survival function at ``tol`` (plus one).
    No array of size |α|² is built; an |α| too large for any cutoff gives ``sys.maxsize``."""
    with np.errstate(over="ignore"):
        mean = np.abs(np.complex128(alpha)) ** 2
    if mean == 0:
        return 1
    k = _poisson_isf(tol, mean)
    return int(k) + 1 if np.isfinite(k) and k < sys.maxsize else sys.maxsize


def _poisson_isf(q: float, mu: float) -> float:
    """``scipy.stats.poisson.isf(q, mu)`` for scalars, to the same float, from
    :mod:`scipy.special` alone (importing :mod:`scipy.stats` costs about half a second): the
    smallest k with P(X > k) <= q, via the inverse of the CDF at 1 - q."""
    if not mu >= 0:
        return np.nan
    if q == 1:
        return -1.0
    if q == 0:
        return np.inf
    if not 0 < q < 1:
        return np.nan
    p = 1.0 - q
    k = np.ceil(pdtrik(p, mu))
    below = np.maximum(k - 1, 0)
    return float(below if pdtr(below, mu) >= p else k)


def coherent_state(cutoff: int, alpha: complex) -> np.ndarray:
    """|α> truncated to the cutoff and renormalized; raises when more than 1e-10 of it is lost."""
    amps = coherent_amplitudes(alpha, cutoff)
    lost = 1 - np.sum(abs(amps) ** 2)
    if lost > TRUNCATION_TOLERANCE:
        need = cutoff_for_coherent(alpha)
        hint = f"use cutoff >= {need}" if need < sys.maxsize else "no cutoff holds it"
        raise TruncationError(
            f"coherent state alpha={format_number(alpha)} loses {lost:.2e} of its norm at cutoff "
            f"{cutoff}; {hint}"
        )
    return amps / np.linalg.norm(amps)


def cutoff_for_thermal(nbar: float, tol: float = TRUNCATION_TOLERANCE) -> int:
    """Smallest cutoff holding all but ``tol`` of a thermal state's population."""
    if nbar <= 0:
        return 1
    q = nbar / (1 + nbar)
    return int(np.ceil(np.log(tol) / np.log(q)))


def thermal_populations(cutoff: int, nbar: float) -> np.ndarray:
    """Bose–Einstein populations p_n = nbar^n/(1+nbar)^(n+1), truncated and renormalized."""
    if nbar < 0:
        raise ValueError(f"thermal occupation must be >= 0, got {nbar}")
    n = np.arange(cutoff)
    p = (n == 0).astype(float) if nbar == 0 else (nbar / (1 + nbar)) ** n / (1 + nbar)
    lost = 1 - p.sum()
    if lost > TRUNCATION_TOLERANCE:
        raise TruncationError(
            f"thermal state nbar={nbar} loses {lost:.2e} of its population at cutoff {cutoff}; "
            f"use cutoff >= {cutoff_for_thermal(nbar)}"
        )
    return p / p.sum()


def top_fock_projector(other_dim: int, cutoff: int) -> sp.csr_matrix:
    """1_other ⊗ |cutoff − 1⟩⟨cutoff − 1|: the population of the mode's top Fock level, which
    says whether the cutoff truncates the dynamics (:func:`truncation_warning`)."""
    top = np.zeros(cutoff)
    top[-1] = 1.0
    return sp.kron(sp.identity(other_dim), sp.diags(top), format="csr")


def truncation_warning(cutoff: int, top_population: float) -> list[str]:
    """A warning naming a larger cutoff when the top Fock level held ``top_population``."""
    if top_population <= TOP_LEVEL_WARN:
        return []
    return [
        f"mode truncation: the top Fock level |{cutoff - 1}> holds up to {top_population:.1e} of "
        f"the population (> {TOP_LEVEL_WARN:g}), so results depend on the cutoff; "
        f"use mode.cutoff = {int(np.ceil(1.5 * cutoff)) + 2} or more"
    ]
