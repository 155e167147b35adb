"""Collective spin operators in the Dicke basis, and spin states.

A spin-j block is indexed by the number of excitations k = 0, ..., 2j, so that J_z|k> = (k - j)|k>
("down" is k = 0). For N spin-1/2 in their symmetric manifold, j = N/2 and |k> is the Dicke state
with k excited atoms (Peng et al., Eq. 7). Operators follow S_k = Σ_i σ_k^i / 2, S_± = S_x ± i S_y.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln


@lru_cache(maxsize=64)
def _spin_ops(two_j: int) -> dict[str, sp.csr_matrix]:
    j = two_j / 2
    m = np.arange(two_j + 1) - j
    up = np.sqrt(j * (j + 1) - m[:-1] * (m[:-1] + 1))  # <k+1|J+|k>
    jp = sp.diags(up, -1, shape=(two_j + 1, two_j + 1), format="csr", dtype=complex)
    jm = jp.T.tocsr()
    jz = sp.diags(m.astype(complex), 0, format="csr")
    return {
        "z": jz,
        "p": jp,
        "m": jm,
        "x": ((jp + jm) / 2).tocsr(),
        "y": ((jp - jm) / 2j).tocsr(),
    }


def spin_operators(j: float) -> dict[str, sp.csr_matrix]:
    """J_z, J_+, J_-, J_x, J_y of spin ``j`` as sparse (2j+1)² matrices, keys 'z','p','m','x','y'."""
    two_j = round(2 * j)
    if two_j < 0 or abs(two_j - 2 * j) > 1e-12:
        raise ValueError(f"spin j must be a non-negative multiple of 1/2, got {j}")
    return {k: v.copy() for k, v in _spin_ops(two_j).items()}


def dicke_state(j: float, k: int) -> np.ndarray:
    """|j, m = -j + k>: the symmetric state with ``k`` excitations."""
    dim = round(2 * j) + 1
    if not 0 <= k < dim:
        raise ValueError(f"Dicke excitation number must be in 0..{dim - 1}, got {k}")
    psi = np.zeros(dim, dtype=complex)
    psi[k] = 1.0
    return psi


def coherent_spin_state(j: float, theta: float, phi: float) -> np.ndarray:
    """Spin-coherent state |θ, φ> pointing along (sinθ cosφ, sinθ sinφ, cosθ).

    θ = 0 is all atoms up (k = 2j), θ = π all down (k = 0). Amplitudes are computed in log space so
    that large j does not overflow: <k|θ,φ> = √C(2j,k) cos(θ/2)^k sin(θ/2)^(2j-k) e^{-i k φ}
    up to a global phase, so that <S_+> = j sinθ e^{iφ}.
    """
    n = round(2 * j)
    k = np.arange(n + 1)
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    with np.errstate(divide="ignore"):
        log_amp = 0.5 * (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))
        log_amp = log_amp + k * np.log(abs(c)) + (n - k) * np.log(abs(s))
    amp = np.exp(log_amp) * np.sign(c) ** k * np.sign(s) ** (n - k)
    psi = amp * np.exp(-1j * k * phi)
    return psi / np.linalg.norm(psi)


def irrep_multiplicity(n_spins: int, j: float) -> int:
    """d_j: how many times spin j occurs in N spin-1/2 (Shammah et al., PRA 98, 063815, Eq. 5)."""
    from math import comb

    two_j = round(2 * j)
    if (n_spins - two_j) % 2 or two_j > n_spins or two_j < 0:
        return 0
    k = (n_spins - two_j) // 2
    return comb(n_spins, k) - (comb(n_spins, k - 1) if k >= 1 else 0)


def spins_in(n_spins: int) -> list[float]:
    """The total spins j = N/2, N/2 - 1, ... (down to 0 or 1/2) of N spin-1/2."""
    return [(n_spins - 2 * k) / 2 for k in range(n_spins // 2 + 1)]
