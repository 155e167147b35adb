"""What results need from one sector of the permutation-invariant solver.

Part of :mod:`qbattery.solvers.permutational`: :class:`_Reducer` maps a sector's entries, or
every Taylor term of them, to the expectations of the spec's own operators
(:func:`_part_operators`: H_B, H_B², H_C, H_I, the top Fock level and the trace, block by block)
and to the battery's block states B_j = Tr_C σ_j, so that neither the time evolution nor the
steady state ever stores a full state.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qbattery.operators.boson import top_fock_projector
from qbattery.solvers.permutational_sectors import _Layout, _Sector

PART_NAMES = ("battery", "battery_squared", "charger", "coupling")


def _weights(operators: dict[str, list], b: int, rows, cols) -> sp.csr_matrix:
    """(operators × entries) sparse matrix of O_b[rows, cols], one operator per row."""
    return sp.vstack(
        [sp.csr_matrix(np.asarray(ops[b][rows, cols]).ravel()) for ops in operators.values()],
        format="csr",
    )


class _Reducer:
    """Maps a sector's entries to what results need: expectations of named operators and the
    battery's block states B_j = Tr_C σ_j (all blocks flattened into one vector)."""

    def __init__(self, layout: _Layout, sector: _Sector, operators: dict[str, list]):
        nc = layout.cutoff
        self.mirrored = sector.mirrored
        self.names = list(operators)
        weights, mirror = [], []
        rows, cols, mirror_rows = [], [], []
        self.battery_offsets = np.cumsum([0] + [(round(2 * j) + 1) ** 2 for j in layout.js])
        for b, (j, part) in enumerate(zip(layout.js, sector.parts, strict=True)):
            if not part.size:
                continue
            # Tr[Oσ] = Σ O_{i'i} σ_{ii'}; a mirrored sector adds Σ O_{ii'} conj(σ_{ii'})
            weights.append(_weights(operators, b, part.cols, part.rows))
            if sector.mirrored:
                mirror.append(_weights(operators, b, part.rows, part.cols))
            k, n = np.divmod(part.rows, nc)
            kp, np_ = np.divmod(part.cols, nc)
            same = np.flatnonzero(n == np_)
            dj = round(2 * j) + 1
            rows.append(self.battery_offsets[b] + k[same] * dj + kp[same])
            mirror_rows.append(self.battery_offsets[b] + kp[same] * dj + k[same])
            cols.append(same + sector.offsets[b])
        # sparse: most operators see only a few entries (diagonal ones the ket = bra entries)
        self.W = sp.hstack(weights, format="csr")
        self.Wm = sp.hstack(mirror, format="csr") if mirror else None
        shape = (int(self.battery_offsets[-1]), sector.size)
        r, c = np.concatenate(rows), np.concatenate(cols)
        self.P = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=shape)
        self.Pm = None
        if sector.mirrored:
            rm = np.concatenate(mirror_rows)
            self.Pm = sp.csr_matrix((np.ones(len(rm)), (rm, c)), shape=shape)
        stack = [self.W, self.P] + ([self.Wm.conj(), self.Pm] if sector.mirrored else [])
        self._stacked = sp.vstack(stack, format="csr")
        self._half = self.W.shape[0] + self.P.shape[0]

    def reduce(self, states: np.ndarray) -> np.ndarray:
        """[W s, P s, W_m s̄, conj(P_m s)] of a state s (or rows of states): real-linear in s,
        so it can be taken of every Taylor term (weights real) and finished by :meth:`split`."""
        out = self._stacked @ states.T  # one sparse product: W, P, conj(W_m), P_m stacked
        out[self._half :] = out[self._half :].conj()
        return out.T

    def split(self, reduced: np.ndarray, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(expectations, flattened battery blocks) of the states phase·s from reduce(s) rows:
        Tr[Oσ] = Σ O_{i'i} σ_{ii'}, and a mirrored sector adds its conjugate part."""
        half = len(self.names) + self.P.shape[0]
        out = reduced[:, :half] * phase[:, None]
        if self.mirrored:
            out = out + reduced[:, half:] * phase.conj()[:, None]
        return out[:, : len(self.names)].real, out[:, len(self.names) :]


def _part_operators(layout: _Layout) -> dict[str, list]:
    ops: dict[str, list] = {name: [] for name in (*PART_NAMES, "top_fock", "trace")}
    nc = layout.cutoff
    for j, block in zip(layout.js, layout.blocks, strict=True):
        nj = round(2 * j) + 1
        ops["battery"].append(block.H_battery.tocsr())
        ops["battery_squared"].append((block.H_battery @ block.H_battery).tocsr())
        ops["charger"].append(block.H_charger.tocsr())
        ops["coupling"].append(block.H_coupling.tocsr())
        ops["top_fock"].append(top_fock_projector(nj, nc))
        ops["trace"].append(sp.identity(nj * nc, format="csr"))
    return ops
