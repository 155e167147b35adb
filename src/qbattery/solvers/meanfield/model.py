"""The batched mean-field model: time-dependent coefficients, polynomials, equations of motion.

:class:`MeanFieldModel` holds B parameter points at once (B = 1 usually): the generator, H_B, H_C,
H_I as polynomials on :data:`~qbattery.solvers.meanfield.basis.MONOMIALS`, the noise rates, the
initial state, and the closure (``ordering``); it evaluates expectations, the field h = ∂H_cl/∂⟨S⟩
and dy/dt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from qbattery.solvers.meanfield.basis import _EPS, _quadratic

ORDERINGS = ("classical", "product")

# --------------------------------------------------------------------------- time-dependent pieces


@dataclass
class _Slot:
    """One time-dependent coefficient per batch point: values = coefs[idx](t) · weight."""

    coefs: list  # unique expr.Coef objects
    idx: np.ndarray  # (B,) which coefficient each point uses
    weight: np.ndarray  # (B, ...) the array the coefficient multiplies

    def at(self, t: float) -> np.ndarray:
        vals = np.array([complex(np.asarray(c(t))) for c in self.coefs])
        return _expand(vals[self.idx], self.weight) * self.weight

    def table(self, grid: np.ndarray) -> np.ndarray:
        return np.stack(
            [np.broadcast_to(np.asarray(c(grid), complex), grid.shape) for c in self.coefs]
        )

    def from_table(self, table: np.ndarray, n: int) -> np.ndarray:
        return _expand(table[:, n][self.idx], self.weight) * self.weight


def _expand(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    return values.reshape(values.shape + (1,) * (like.ndim - 1))


def _stack_slots(per_point: list[list[tuple]]) -> list[_Slot]:
    """Per point: a list of (Coef, weight) in the same order → one _Slot per position."""
    if not per_point:
        return []
    count = len(per_point[0])
    if any(len(x) != count for x in per_point):
        raise ValueError("the swept points do not share one structure (number of driven terms)")
    slots = []
    for k in range(count):
        coefs, idx, seen = [], [], {}
        for point in per_point:
            c = point[k][0]
            if id(c) not in seen:
                seen[id(c)] = len(coefs)
                coefs.append(c)
            idx.append(seen[id(c)])
        weight = np.stack([np.asarray(point[k][1]) for point in per_point])
        slots.append(_Slot(coefs, np.array(idx), weight))
    return slots


@dataclass
class _Poly:
    """A polynomial with time-dependent pieces, per batch point: static (B, N_ALL) + slots."""

    static: np.ndarray
    slots: list[_Slot] = field(default_factory=list)

    def at(self, t: float) -> np.ndarray:
        out = self.static.copy()
        for s in self.slots:
            out = out + s.at(t)
        return out

    @property
    def is_time_dependent(self) -> bool:
        return bool(self.slots)


# --------------------------------------------------------------------------- the model


@dataclass
class MeanFieldModel:
    """Bloch-vector (and mode-amplitude) equations for B parameter points at once (B = 1 usually).

    State layout: y = (u, v, w[, Re α, Im α]) per point. Polynomials are coefficient vectors on
    :data:`MONOMIALS`.
    """

    S: np.ndarray  # (B,) spin length N/2
    has_mode: bool
    generator: _Poly
    battery: _Poly
    charger: _Poly
    coupling: _Poly
    spin_channels: list[tuple[_Slot, np.ndarray, np.ndarray]]  # (rate slot, l (B,3), c (B,))
    local_decay: _Slot | None
    local_dephasing: _Slot | None
    mode_loss: _Slot | None  # rate × |c|² summed over L ∝ a channels
    r0: np.ndarray  # (B, 3)
    alpha0: np.ndarray  # (B,) complex
    ordering: str = "classical"
    warnings: list[str] = field(default_factory=list)
    descriptions: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.S)

    @property
    def n_state(self) -> int:
        return 5 if self.has_mode else 3

    def y0(self) -> np.ndarray:
        y = np.zeros((self.size, self.n_state))
        y[:, :3] = self.r0
        if self.has_mode:
            y[:, 3], y[:, 4] = self.alpha0.real, self.alpha0.imag
        return y

    @cached_property
    def _scale2(self) -> np.ndarray:
        """The factor of r_a r_b in ⟨S_aS_b⟩: S² (classical) or S(S − 1/2) (product)."""
        S = self.S
        return S**2 if self.ordering == "classical" else S * (S - 0.5)

    # ----------------------------------------------------------------- energies
    def expectation(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """⟨polynomial⟩ in the factorized state y (..., n_state); p (B, N_ALL) → (..., B)."""
        r = y[..., :3]
        S = self.S
        out = p[:, 0] + S * np.einsum("ba,...ba->...b", p[:, 1:4], r)
        Q = _quadratic(p)
        out = out + self._scale2 * np.einsum("...ba,bac,...bc->...b", r, Q, r)
        if self.ordering == "product":
            out = out + S / 2 * np.trace(Q, axis1=-2, axis2=-1)
        if self.has_mode:
            al = y[..., 3] + 1j * y[..., 4]
            ac = al.conj()
            out = out + p[:, 10] * al + p[:, 11] * ac + p[:, 12] * abs(al) ** 2
            out = out + p[:, 13] * al**2 + p[:, 14] * ac**2
            out = out + S * al * np.einsum("ba,...ba->...b", p[:, 15:18], r)
            out = out + S * ac * np.einsum("ba,...ba->...b", p[:, 18:21], r)
        return out.real

    def battery_energy(self, y: np.ndarray) -> np.ndarray:
        return self.expectation(self.battery.static, y)

    # ----------------------------------------------------------------- equations of motion
    def field(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """h = ∂H_cl/∂⟨S⟩ (B, 3), so that ṙ = h × r."""
        r = y[:, :3]
        Q = _quadratic(p)
        h = p[:, 1:4] + 2 * (self._scale2 / self.S)[:, None] * np.einsum("bac,bc->ba", Q, r)
        if self.has_mode:
            al = (y[:, 3] + 1j * y[:, 4])[:, None]
            h = h + p[:, 15:18] * al + p[:, 18:21] * al.conj()
        return h.real

    def rhs(self, p: np.ndarray, rates: dict, y: np.ndarray) -> np.ndarray:
        """dy/dt for the generator coefficients p (B, N_ALL) and the noise rates at this time."""
        r = y[:, :3]
        S = self.S
        dy = np.zeros_like(y)
        dy[:, :3] = np.cross(self.field(p, y), r)
        for rate, l, c in rates["spin"]:
            dy[:, :3] += rate.real[:, None] * self._collapse(l, c, r)
        g = rates.get("local_decay")
        if g is not None:
            g = g.real
            dy[:, 0] -= g / 2 * r[:, 0]
            dy[:, 1] -= g / 2 * r[:, 1]
            dy[:, 2] -= g * (r[:, 2] + 1)
        d = rates.get("local_dephasing")
        if d is not None:
            dy[:, 0] -= 2 * d.real * r[:, 0]
            dy[:, 1] -= 2 * d.real * r[:, 1]
        if self.has_mode:
            al = y[:, 3] + 1j * y[:, 4]
            dal = p[:, 11] + p[:, 12] * al + 2 * p[:, 14] * al.conj()
            dal = -1j * (dal + S * np.einsum("ba,ba->b", p[:, 18:21], r))
            k = rates.get("mode_loss")
            if k is not None:
                dal = dal - k.real / 2 * al
            dy[:, 3], dy[:, 4] = dal.real, dal.imag
        return dy

    def _collapse(self, l: np.ndarray, c: np.ndarray, r: np.ndarray) -> np.ndarray:
        """ṙ from D[c + l·S] per unit rate: ½⟨L†[S, L] + [L†, S]L⟩ / S with the closure's moments."""
        S = self.S
        m = np.einsum("cad,ba->bcd", _EPS, l)  # [S_c, l·S] = i Σ_d m_cd S_d
        if self.ordering == "classical":
            M = (S**2)[:, None, None] * np.einsum("ba,bc->bac", r, r)
        else:
            M = (S * (S - 0.5))[:, None, None] * np.einsum("ba,bc->bac", r, r) + 0j
            M = M + (S / 2)[:, None, None] * np.eye(3)
            M = M + 0.5j * S[:, None, None] * np.einsum("ade,be->bad", _EPS, r)
        first = np.einsum("xb,xcd,xbd->xc", l.conj(), m, M)
        second = np.einsum("xcd,xb,xdb->xc", m.conj(), l, M)
        out = (0.5j * (first - second)).real / S[:, None]
        lxr = np.cross(l, r)
        return out - (c.conj()[:, None] * lxr).imag

    def rates_at(self, t: float) -> dict:
        out: dict = {"spin": [(s.at(t), l, c) for s, l, c in self.spin_channels]}
        for name in ("local_decay", "local_dephasing", "mode_loss"):
            slot = getattr(self, name)
            if slot is not None:
                out[name] = slot.at(t)
        return out

    def derivative(self, t: float, y: np.ndarray) -> np.ndarray:
        """dy/dt at time t for the state y (B, n_state)."""
        return self.rhs(self.generator.at(t), self.rates_at(t), y)

    # ----------------------------------------------------------------- landscapes
    def landscape(self, theta: np.ndarray, phi: np.ndarray, t: float = 0.0, point: int = 0):
        """Semiclassical energy per spin length, H_cl(S r(θ, φ))/S, of the generator at time t.

        The mode (if any) is held at its initial amplitude. Returns an array of the broadcast shape
        of ``theta`` and ``phi``.
        """
        theta, phi = np.broadcast_arrays(np.asarray(theta, float), np.asarray(phi, float))
        r = np.stack(
            [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1
        )
        y = np.zeros((*theta.shape, 1, self.n_state))
        y[..., 0, :3] = r
        if self.has_mode:
            y[..., 0, 3] = self.alpha0[point].real
            y[..., 0, 4] = self.alpha0[point].imag
        sub = self._subset([point])
        p = sub.generator.at(t)
        return sub.expectation(p, y)[..., 0] / sub.S[0]

    def _subset(self, index) -> MeanFieldModel:
        index = np.asarray(index)

        def poly(pl: _Poly) -> _Poly:
            return _Poly(pl.static[index], [_sub_slot(s, index) for s in pl.slots])

        return MeanFieldModel(
            S=self.S[index],
            has_mode=self.has_mode,
            generator=poly(self.generator),
            battery=poly(self.battery),
            charger=poly(self.charger),
            coupling=poly(self.coupling),
            spin_channels=[
                (_sub_slot(s, index), l[index], c[index]) for s, l, c in self.spin_channels
            ],
            local_decay=_sub_slot(self.local_decay, index),
            local_dephasing=_sub_slot(self.local_dephasing, index),
            mode_loss=_sub_slot(self.mode_loss, index),
            r0=self.r0[index],
            alpha0=self.alpha0[index],
            ordering=self.ordering,
            warnings=self.warnings,
            descriptions=self.descriptions,
        )


def _sub_slot(s: _Slot | None, index) -> _Slot | None:
    return None if s is None else _Slot(s.coefs, s.idx[index], s.weight[index])
