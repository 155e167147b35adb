"""Closed forms of the Dicke and Tavis-Cummings batteries with local noise of Canzio et al.

Reference
---------
F. Canzio, V. Cavina, M. Polini and V. Giovannetti, "Single-atom dissipation and dephasing in
Dicke and Tavis-Cummings quantum batteries" (2024)
(``/work/shared/papers/003_7edb2379e4213a69.txt``; equation numbers below refer to it). The model
(Eqs. 1-3) and its critical couplings (Eq. 6) are in :mod:`qbattery.models.canzio`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def locked_energy_bound(n_atoms: ArrayLike, omega_0: float = 1.0) -> np.ndarray:
    """Eq. 9 (App. B, Eq. B5): E_B(τ) − ℰ(τ) ≤ 2N/(N+2) ω_0 < 2ω_0, the locked energy of N atoms.

    Proved for a pure permutation-invariant initial battery state (Eq. 7) and a permutation-
    invariant generator (Eq. 8), counting the rank of ρ_B as at most dim S = (N+2)²/4; a mixed
    block state (local noise) can exceed it (docs/conventions.md; ``simulate`` reports whether a
    run obeys it, summary ``locked_energy_bound_holds``).
    """
    n = np.asarray(n_atoms, dtype=float)
    return 2 * n / (n + 2) * omega_0
