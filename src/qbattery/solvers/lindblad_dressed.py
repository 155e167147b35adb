"""The Lindblad engine in the eigenbasis of H (the dressed basis), where a weak symmetry hides.

A strongly driven battery, e.g. Pokhrel & Gea-Banacloche's secular master equation (PRA 2025,
Eq. 7: H = Ω'J'_z with jumps J'_z, J'_±, the primes meaning the dressed axes), has no conserved
charge in the bare Dicke basis: H = Δ S_z − Ω_R S_x mixes every level, so the generator is one
block of (N + 1)² entries, and a stiff one (‖L‖₁ ∝ N Ω_P). In the eigenbasis of H every jump
shifts the dressed level by a fixed amount, so the coherence order k is a weak U(1) charge and
ρ splits into N + 1 blocks of at most N + 1 entries, each exponentiated exactly.

:func:`dressed_problem` finds that basis when the problem has no charger, a time-independent H
with a non-degenerate spectrum and a bare basis without such a charge, and every jump operator,
in the eigenbasis, has its entries on one diagonal (to round-off, which is dropped and recorded).
:class:`DressedEvolution` then runs :class:`~qbattery.solvers.lindblad.LindbladEvolution` there
and answers in the bare basis: expectations of bare operators O as Tr[(V†OV) ρ'], states as
V ρ' V†.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from qbattery._memo import ByObject
from qbattery.solvers.lindblad import LindbladEvolution
from qbattery.solvers.weak_symmetry import find_symmetry

#: Largest space diagonalized to look for the dressed basis (a dense eigh, once).
DRESSED_MAX_DIM = 2000
#: Entries of ρ from which the dressed basis pays even where the bare generator would be
#: exponentiated densely (``DENSE_EXPM``): Pokhrel's Eq. 7, CPU ms bare / dressed, measured
#: interleaved 2026-12-03: 40 / 39 at (N + 1)² = 121, 57 / 43 at 169, 122 / 50 at 289.
DRESSED_FROM = 128
#: Entries of a rotated jump operator below this fraction of its largest are round-off.
ROUND_OFF = 1e-12


def dressed_problem(problem):
    """(the problem in the eigenbasis of H, V, the largest round-off dropped from a jump) when
    its generator splits there, else None."""
    if problem.charger.dim != 1 or problem.H_driven or not problem.collapse:
        return None
    if problem.dim > DRESSED_MAX_DIM or problem.local_noise:
        return None
    if problem.dim**2 < DRESSED_FROM:
        return None  # one small dense e^{LΔt} in the bare basis is as cheap
    if any(not rate.is_constant for _, rate, _ in problem.collapse):
        return None
    if find_symmetry(problem)[0] == "excitation_number":
        return None  # the bare basis already splits as finely
    energies, V = np.linalg.eigh(problem.H_static.toarray())
    gaps = np.diff(energies)
    if gaps.size and gaps.min() <= 1e-9 * max(1.0, float(np.abs(energies).max())):
        return None  # degenerate: the eigenbasis is not unique, nor its pattern
    collapse, dropped = [], 0.0
    for name, rate, L in problem.collapse:
        jump = V.conj().T @ L.toarray() @ V
        scale = float(np.abs(jump).max())
        if scale == 0:
            collapse.append((name, rate, sp.csr_matrix(jump.shape, dtype=complex)))
            continue
        keep = np.abs(jump) > ROUND_OFF * scale
        rows, cols = np.nonzero(keep)
        if len(set((rows - cols).tolist())) > 1:
            return None  # this jump moves between dressed levels by more than one amount
        dropped = max(dropped, float(np.abs(jump[~keep]).max(initial=0.0)) / scale)
        collapse.append((name, rate, sp.csr_matrix(np.where(keep, jump, 0))))

    dressed = dataclasses.replace(
        problem,
        H_static=sp.diags(energies.astype(complex), format="csr"),
        H_battery=rotated(V, problem.H_battery),
        H_battery_local=rotated(V, problem.H_battery_local),
        H_charger=rotated(V, problem.H_charger),
        H_coupling=rotated(V, problem.H_coupling),
        initial=[(w, V.conj().T @ psi) for w, psi in problem.initial],
        collapse=collapse,
    )
    return dressed, V, dropped


def rotated(V: np.ndarray, op) -> sp.csr_matrix:
    """V†OV: a bare-basis operator in the dressed basis, without the entries at the rounding
    level of the product itself (|entry| ≤ d·ε·max): J_z, say, has three diagonals there, and
    its round-off elsewhere would make the engine read every coherence block."""
    dense = V.conj().T @ sp.csr_matrix(op).toarray() @ V
    scale = float(np.abs(dense).max(initial=0.0))
    dense[np.abs(dense) <= len(dense) * np.finfo(float).eps * scale] = 0
    return sp.csr_matrix(dense)


class DressedEvolution:
    """A :class:`LindbladEvolution` of the dressed problem, read in the bare basis."""

    solver = "lindblad"

    def __init__(self, problem, dressed, V: np.ndarray, dropped: float, rtol: float, atol: float):
        self.problem = problem
        self.inner = LindbladEvolution(dressed, rtol=rtol, atol=atol)
        self.V = V
        self.times = self.inner.times
        self.dims = self.inner.dims
        self.info = self.inner.info
        self.info["basis"] = "dressed (eigenbasis of H)"
        self.info["dressed_round_off"] = dropped
        self._rotations = ByObject()  # op -> V†OV

    @property
    def can_evaluate_anywhere(self) -> bool:
        return self.inner.can_evaluate_anywhere

    def _rotated(self, op) -> sp.csr_matrix:
        """V†OV, remembered for the object passed (as the bare engine remembers its weights)."""
        return self._rotations.get(op, lambda o: rotated(self.V, o))

    def expect(self, op, t=None) -> np.ndarray:
        """Re Tr[O ρ(t)] for a bare-basis operator O."""
        return self.inner.expect(self._rotated(op), t)

    def expect_derivatives(self, op, x: float):
        """(f, f', f'') of Re Tr[O ρ(t)] at one time for a bare-basis O (None where the inner
        evolution cannot answer)."""
        return self.inner.expect_derivatives(self._rotated(op), x)

    def battery_states(self, t=None):
        """ρ_B(t) in the bare basis (there is no charger: ρ_B is ρ)."""
        V = self.V
        for rows, rho in self.inner.battery_states(t):
            yield rows, V @ rho @ V.conj().T

    def full_states(self, rows: np.ndarray):
        V = self.V
        for rho in self.inner.full_states(rows):
            yield V @ rho @ V.conj().T
