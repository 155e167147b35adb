"""N spin-1/2 with LOCAL processes in the permutation-invariant basis.

A permutation-invariant operator on (C²)^⊗N ⊗ (mode) is ⊕_j A_j ⊗ 1_{d_j}: A_j acts on the spin-j
irrep (⊗ the mode) and is repeated on each of the d_j copies of that irrep (Schur–Weyl duality).
qbattery stores a permutation-invariant state as the **block states** σ_j = d_j·A_j, so that
Tr ρ = Σ_j Tr σ_j and ⟨O⟩ = Σ_j Tr[O_j σ_j] for a collective O = ⊕_j O_j ⊗ 1_{d_j}; the
eigenvalues of ρ are those of σ_j / d_j, each repeated d_j times.

Collective operators (anything written with S_x, S_y, S_z, S_±) act inside each block. A local
channel Σ_i D[A^i] splits into an anticommutator with Σ_i A^i†A^i, which is collective
(Σ_i σ_+^i σ_-^i = S_z + N/2, Σ_i σ_-^i σ_+^i = N/2 − S_z, Σ_i σ_z^i σ_z^i = N), and the jump
part Σ_i A^i ρ A^i†, which maps |j, m⟩⟨j, m'| into the blocks j − 1, j, j + 1 with m and m' shifted
by s (−1 for σ_-, 0 for σ_z, +1 for σ_+). Its coefficients (Chase & Geremia, PRA 78, 052101 (2008);
Shammah et al., PRA 98, 063815 (2018), Appendix) follow from coupling spin j of N − 1 atoms... with
one more spin-1/2 and averaging over which atom jumps; on block states σ_j they read, with
a_∓(j, m) = √((j ± m)(j ∓ m + 1)) the matrix elements of S_∓:

* σ_- (decay), into j:     (N/2 + 1) / (2j(j + 1)) · a_-(j, m) a_-(j, m')
  into j − 1: (N/2 + j + 1) / (2j(2j + 1)) · √((j + m)(j + m − 1)(j + m')(j + m' − 1))
  into j + 1: (N/2 − j) / (2(j + 1)(2j + 1)) · √((j − m + 1)(j − m + 2)(j − m' + 1)(j − m' + 2))
* σ_+ (pumping): the same with m → −m, m' → −m';
* σ_z (dephasing), into j: (N/2 + 1) / (j(j + 1)) · 2 m m'
  into j − 1: (N/2 + j + 1) / (j(2j + 1)) · 2√((j² − m²)(j² − m'²))
  into j + 1: (N/2 − j) / ((j + 1)(2j + 1)) · 2√(((j + 1)² − m²)((j + 1)² − m'²)).

Every coefficient is a float64 formula in j and m (no factorials), valid for N into the thousands;
the multiplicities d_j are kept as floats (they overflow int64 near N = 66). They are checked
against the full 2^N space in tests/test_permutational.py.
"""

from __future__ import annotations

from math import comb

import numpy as np

SHIFT = {"local_decay": -1, "local_dephasing": 0, "local_pumping": +1}


def spins(n_spins: int) -> list[float]:
    """Total spins j = N/2, N/2 − 1, ..., down to 0 or 1/2."""
    return [(n_spins - 2 * k) / 2 for k in range(n_spins // 2 + 1)]


def multiplicity(n_spins: int, j: float) -> float:
    """d_j, the number of copies of spin j in N spin-1/2, as a float (exact integers below)."""
    two_j = round(2 * j)
    if (n_spins - two_j) % 2 or not 0 <= two_j <= n_spins:
        return 0.0
    k = (n_spins - two_j) // 2
    return float(comb(n_spins, k) - (comb(n_spins, k - 1) if k else 0))


def _safe_ratio(num: np.ndarray, den: float) -> np.ndarray:
    return num / den if den != 0 else np.zeros_like(num)


def jump_coefficients(
    channel: str, n_spins: int, j: float, m: np.ndarray, mp: np.ndarray
) -> dict[int, np.ndarray]:
    """Coefficients of Σ_i A^i (|j,m⟩⟨j,m'|) A^i† on block states, by destination shift δ.

    ``m`` and ``mp`` are arrays of the ket and bra magnetic numbers of entries of σ_j; the result
    maps δ ∈ {−1, 0, +1} to the coefficient of the entry (m + s, m' + s) of σ_{j+δ}, s =
    :data:`SHIFT` [channel]. Entries whose destination does not exist get coefficient 0.
    """
    m = np.asarray(m, dtype=float)
    mp = np.asarray(mp, dtype=float)
    half = n_spins / 2
    if channel == "local_pumping":  # σ_+ is σ_- with m → −m
        m, mp = -m, -mp
        channel = "local_decay"
    if channel == "local_decay":

        def root(x):
            return np.sqrt(np.clip(x, 0, None))

        same = _safe_ratio(
            (half + 1) * root((j + m) * (j - m + 1) * (j + mp) * (j - mp + 1)), 2 * j * (j + 1)
        )
        down = _safe_ratio(
            (half + j + 1) * root((j + m) * (j + m - 1) * (j + mp) * (j + mp - 1)),
            2 * j * (2 * j + 1),
        )
        up = (half - j) * root((j - m + 1) * (j - m + 2) * (j - mp + 1) * (j - mp + 2))
        up = up / (2 * (j + 1) * (2 * j + 1))
        return {-1: down, 0: same, 1: up}
    if channel == "local_dephasing":
        same = _safe_ratio(2 * (half + 1) * m * mp, j * (j + 1))
        down = _safe_ratio(
            2 * (half + j + 1) * np.sqrt(np.clip((j * j - m * m) * (j * j - mp * mp), 0, None)),
            j * (2 * j + 1),
        )
        jj = (j + 1) ** 2
        up = 2 * (half - j) * np.sqrt(np.clip((jj - m * m) * (jj - mp * mp), 0, None))
        up = up / ((j + 1) * (2 * j + 1))
        return {-1: down, 0: same, 1: up}
    raise ValueError(f"unknown local channel {channel!r}")


def anticommutator_diagonal(channel: str, n_spins: int, m: np.ndarray) -> np.ndarray:
    """Diagonal of Σ_i A^i† A^i on |j, m⟩ (collective): S_z + N/2, N/2 − S_z, or N."""
    m = np.asarray(m, dtype=float)
    if channel == "local_decay":
        return m + n_spins / 2
    if channel == "local_pumping":
        return n_spins / 2 - m
    if channel == "local_dephasing":
        return np.full_like(m, float(n_spins))
    raise ValueError(f"unknown local channel {channel!r}")
