"""Mean-field (Bloch-vector) dynamics of a collective-spin battery, derived from the spec.

**What it treats.** A battery of N spins described by its collective spin S_k = Σσ_k/2 (S = N/2),
a generator that is a polynomial of degree ≤ 2 in S_x, S_y, S_z (fields, one-axis twisting
(J/N)S_k², S_x S_z, S_+S_-, ...), possibly with time-dependent coefficients (a classical drive
Ω_0 e^{−κt/2} S_x), and optionally a mode treated as a coherent amplitude α = ⟨a⟩ (ω_c a†a,
couplings linear in a, a† times a spin polynomial of degree ≤ 1, a², a†²). Noise: local decay
γ Σ_i D[σ_-^i], local dephasing γ_φ Σ_i D[σ_z^i], collective decay Γ D[S_-], any collapse operator
c + l·S linear in the spin, and mode loss κ D[a] (or any L ∝ a).

**How the equations are derived (automatically).** Every expression of the spec is evaluated with
spin matrices of the direct sum j = 3 ⊕ 5/2 ⊕ 2 (and a Fock space 0..6 for the mode) and
least-squares fitted onto the monomials {1, S_a, (S_aS_b + S_bS_a)/2} (× {1, a, a†, a†a, a², a†²}).
Several irreps make this basis linearly independent (a single irrep cannot tell S_x²+S_y²+S_z² from
the number j(j+1)) and make anything of degree > 2 leave a residual: such a Hamiltonian is rejected
with a :class:`SpecError` naming ``hamiltonian.<field>``. The fitted coefficients define the
classical (Weyl-symbol) energy H_cl(⟨S⟩, α) and the equations of motion are its Hamiltonian flow,

    d⟨S⟩/dt = (∂H_cl/∂⟨S⟩) × ⟨S⟩,      dα/dt = −i ∂H_cl/∂α* − (κ/2) α,

which is the exact Heisenberg equation i⟨[H, S]⟩ with every symmetrized second moment
⟨(S_aS_b + S_bS_a)/2⟩ factorized. (The commutator of a symmetrized product with S_c is again a
symmetrized product, so there is no ordering ambiguity in the Hamiltonian part; linear terms that
come from how the user ordered a product, e.g. S_+S_- = S_x² + S_y² + S_z, are kept exactly.)
With r = ⟨S⟩/S = (u, v, w):  ṙ = h × r, h = ∂H_cl/∂⟨S⟩. For H = ω_a S_z + (J_x/N) S_x² + Ω S_x
this is h = (Ω + J_x u, 0, ω_a) and

    u̇ = −ω_a v,   v̇ = ω_a u − J_x u w − Ω w,   ẇ = J_x u v + Ω v       (Yan et al. Eq. 12)

— the x-axis torque in ẇ is J_x u v, not the J_x w v of Yan's Eq. 9.

**Closure (``ordering``).** ``"classical"`` (default, the N → ∞ limit the papers use):
⟨S_aS_b⟩ → ⟨S_a⟩⟨S_b⟩ = S² r_a r_b, and dissipators as ⟨L†[S_c, L]⟩ → ⟨L†⟩⟨[S_c, L]⟩ (the
standard superradiance terms u̇ = ΓS w u, v̇ = ΓS w v, ẇ = −ΓS(u² + v²)). ``"product"``: the
moments of a product state of N identical atoms with Bloch vector r,
⟨S_aS_b⟩ = S(S−½) r_a r_b + (S/2) δ_ab + (i/2) S ε_abc r_c, which is exact at the instant for a spin
coherent state: the O(1/N) corrections (torques scaled by 1 − 1/(2S); the collective dissipator
keeps the ground state stationary and starts superradiance from the fully excited state; D[S_z]
dephases at Γ/2). Local decay and dephasing act on single atoms, so their terms
u̇ = −(γ/2 + 2γ_φ) u, v̇ = −(γ/2 + 2γ_φ) v, ẇ = −γ(w + 1) are exact in both closures.

**Initial state.** "down"/"up"/coherent_spin give r directly; "ground" minimizes the mean-field
battery energy on the sphere (a degenerate minimum is an error, as for the quantum ground state);
a Dicke state |k> gives r = (0, 0, 2k/N − 1). A Fock charger |n> is replaced by the coherent
amplitude α = √n (phase 0), a thermal one by α = 0 (both with a warning): mean field has no
phase-averaged or incoherent field.

Entry points: :func:`derive` (spec or Problem → :class:`MeanFieldModel`), :func:`integrate`,
:func:`simulate_meanfield` (→ :class:`qbattery.result.Result` with series u, v, w, energy, power),
:func:`sweep_grid` (many parameter points at once: one fixed-step RK4 on a (points × 3[+2]) state)
and the solver ``"meanfield"`` registered in :mod:`qbattery.solvers`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from qbattery import expr, metrics
from qbattery.operators import boson, spin
from qbattery.solvers import register
from qbattery.spec import Spec, SpecError, load_spec, validate_spec

# --------------------------------------------------------------------------- monomial basis

FIT_SPINS = (3.0, 2.5, 2.0)  # irreps of the fitting representation
FIT_CUTOFF = 7  # Fock states 0..6 for the mode ...
FIT_KEEP = 5  # ... of which 0..4 are compared (products of two mode operators are exact there)
FIT_TOL = 1e-9  # relative residual above which an expression is not of degree ≤ 2
HERMITIAN_TOL = 1e-9

SPIN_MONOMIALS = ("1", "Sx", "Sy", "Sz", "Sx^2", "Sy^2", "Sz^2", "{SxSy}", "{SxSz}", "{SySz}")
MODE_MONOMIALS = ("a", "ad", "ad a", "a^2", "ad^2")
MIXED_MONOMIALS = ("Sx a", "Sy a", "Sz a", "Sx ad", "Sy ad", "Sz ad")
MONOMIALS = SPIN_MONOMIALS + MODE_MONOMIALS + MIXED_MONOMIALS  # names of p[0..20]
N_SPIN, N_ALL = len(SPIN_MONOMIALS), len(MONOMIALS)
_PAIRS = ((0, 1), (0, 2), (1, 2))  # {SxSy}, {SxSz}, {SySz}

ORDERINGS = ("classical", "product")
BATTERY_SYMBOLS = {"Sx": "x", "Sy": "y", "Sz": "z", "Sp": "p", "Sm": "m"}
MODE_SYMBOLS = {"a": "a", "ad": "ad", "n": "n"}

_EPS = np.zeros((3, 3, 3))
for _i, _j, _k in itertools.permutations(range(3)):
    _EPS[_i, _j, _k] = np.linalg.det(np.eye(3)[[_i, _j, _k]])


class _Basis:
    """Matrices of the fitting representation and the pseudo-inverse of the monomial basis."""

    def __init__(self, with_mode: bool):
        blocks = [spin.spin_operators(j) for j in FIT_SPINS]
        s = {k: sp.block_diag([b[k] for b in blocks], format="csr") for k in "xyzpm"}
        ds = s["x"].shape[0]
        dm = FIT_CUTOFF if with_mode else 1
        eye_s = sp.identity(ds, dtype=complex, format="csr")
        eye_m = sp.identity(dm, dtype=complex, format="csr")
        self.dim = ds * dm
        self.symbols = {
            sym: sp.kron(s[k], eye_m, format="csr") for sym, k in BATTERY_SYMBOLS.items()
        }
        xyz = [s["x"], s["y"], s["z"]]
        spin_mats = [eye_s, *xyz, *(m @ m for m in xyz)]
        spin_mats += [(xyz[a] @ xyz[b] + xyz[b] @ xyz[a]) / 2 for a, b in _PAIRS]
        mats = [sp.kron(m, eye_m, format="csr") for m in spin_mats]
        if with_mode:
            m = boson.mode_operators(FIT_CUTOFF)
            self.symbols |= {
                sym: sp.kron(eye_s, m[k], format="csr") for sym, k in MODE_SYMBOLS.items()
            }
            a, ad = m["a"], m["ad"]
            mats += [sp.kron(eye_s, op, format="csr") for op in (a, ad, ad @ a, a @ a, ad @ ad)]
            mats += [sp.kron(op, a, format="csr") for op in xyz]
            mats += [sp.kron(op, ad, format="csr") for op in xyz]
        keep = np.arange(self.dim) % dm < (FIT_KEEP if with_mode else 1)
        self.keep = np.flatnonzero(keep)
        self.design = np.stack([self._restrict(m) for m in mats], axis=1)
        self.pinv = np.linalg.pinv(self.design)
        self.size = len(mats)

    def _restrict(self, m: sp.spmatrix) -> np.ndarray:
        return m.tocsr()[self.keep][:, self.keep].toarray().ravel()

    def fit(self, matrix: sp.spmatrix | None) -> tuple[np.ndarray, float]:
        """Coefficients on the monomials (length N_ALL) and the relative residual."""
        if matrix is None:  # the identity
            out = np.zeros(N_ALL, complex)
            out[0] = 1
            return out, 0.0
        target = self._restrict(matrix)
        coef = self.pinv @ target
        tiny = 1e-14 * max(1.0, np.abs(coef).max())  # fit noise, e.g. 1e-17j on a real term
        coef = np.where(abs(coef.real) < tiny, 0, coef.real) + 1j * np.where(
            abs(coef.imag) < tiny, 0, coef.imag
        )
        resid = np.linalg.norm(self.design @ coef - target) / max(1.0, np.linalg.norm(target))
        out = np.zeros(N_ALL, complex)
        out[: self.size] = coef
        return out, float(resid)


_BASES: dict[bool, _Basis] = {}


def _basis(with_mode: bool) -> _Basis:
    if with_mode not in _BASES:
        _BASES[with_mode] = _Basis(with_mode)
    return _BASES[with_mode]


def _quadratic(p: np.ndarray) -> np.ndarray:
    """The symmetric matrix Q with Σ (quadratic monomials) = Σ_ab Q_ab S_a S_b; p (..., N_ALL)."""
    Q = np.zeros((*p.shape[:-1], 3, 3), dtype=p.dtype)
    for a in range(3):
        Q[..., a, a] = p[..., 4 + a]
    for k, (a, b) in enumerate(_PAIRS):
        Q[..., a, b] = Q[..., b, a] = p[..., 7 + k] / 2
    return Q


def describe(p: np.ndarray, tol: float = 1e-12) -> str:
    """A polynomial's coefficient vector as text, e.g. ``1*Sz + 0.1125*Sx^2``."""
    parts = []
    for name, c in zip(MONOMIALS, np.asarray(p), strict=True):
        if abs(c) > tol:
            text = f"{c.real:.6g}" if abs(c.imag) <= tol else f"({c:.6g})"
            parts.append(f"{text}*{name}" if name != "1" else text)
    return " + ".join(parts) or "0"


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


# --------------------------------------------------------------------------- derivation


def _as_spec(spec) -> Spec:
    from qbattery.problem import Problem

    if isinstance(spec, Problem):
        return spec.spec
    if isinstance(spec, str | Path):
        return load_spec(spec)
    return validate_spec(spec)


class _Deriver:
    """Builds the pieces of a model for one parameter point, caching on the values that matter."""

    def __init__(self, spec: Spec, ordering: str):
        if ordering not in ORDERINGS:
            raise ValueError(f"ordering must be one of {ORDERINGS}, got {ordering!r}")
        s = spec.system
        if s.spins is None:
            raise SpecError(
                "system.atoms", "the meanfield solver needs a battery of spins ('spins = N')"
            )
        if s.bath_spins is not None:
            raise SpecError(
                "system.bath_spins",
                "the meanfield solver treats a mode or a classical drive, not a spin bath",
            )
        self.spec = spec
        self.ordering = ordering
        self.has_mode = s.mode is not None
        self.basis = _basis(self.has_mode)
        self.cache: dict = {}
        self.parsed: dict = {}
        self._orders: dict = {}
        self._init_names = (
            set(self._parse(spec.hamiltonian.battery, "hamiltonian.battery").names)
            | _names_in(spec.initial.battery)
            | _names_in(spec.initial.charger)
        )

    # parameters ------------------------------------------------------------
    def params(self, override: dict | None = None) -> dict:
        """Parameter values (with the built-in N), ``override`` replacing entries by name."""
        from qbattery.problem import _parameters

        if not hasattr(self, "_base"):
            self._base = _parameters(self.spec)  # checks names once
        if not override:
            return dict(self._base)
        for k in override:
            if k not in self.spec.parameters:
                raise SpecError(f"parameters.{k}", "not a parameter of this spec")
        env = dict(self._base)
        dirty = set(override)
        for name, value in self.spec.parameters.items():  # later entries may use earlier ones
            if name in override:
                env[name] = complex(override[name])
                continue
            where = f"parameters.{name}"
            parsed = self._parse(value, where)
            if parsed.names & dirty:
                try:
                    env[name] = parsed.evaluate(env).constant()
                except expr.ExprError as err:
                    raise SpecError(where, str(err)) from None
                dirty.add(name)
        return env

    def _parse(self, text, where: str) -> expr.Expr:
        key = (where, text)
        if key not in self.parsed:
            try:
                self.parsed[key] = expr.parse(text)
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
        return self.parsed[key]

    def _cached(self, key_parts, params: dict, names, build):
        """build() once per distinct value of the parameters in ``names``."""
        order = self._orders.get(key_parts)
        if order is None:
            order = self._orders[key_parts] = tuple(sorted(n for n in names if n in params))
        key = (*key_parts, tuple(params[n] for n in order))
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    # Hamiltonian pieces -----------------------------------------------------
    def polynomial(self, text, where: str, params: dict, allowed: set | None):
        """(static p, [(Coef, p_k)]) of one expression, or raises SpecError(where)."""
        parsed = self._parse(text, where)
        ops = set(self.basis.symbols)
        if not self.has_mode and parsed.names & set(MODE_SYMBOLS):
            bad = sorted(parsed.names & set(MODE_SYMBOLS))
            raise SpecError(where, f"uses {', '.join(bad)}, but [system] has no mode")
        if allowed is not None:
            bad = sorted(n for n in parsed.names if n in ops and n not in allowed)
            if bad:
                raise SpecError(where, f"uses {', '.join(bad)}, which do not act on this subsystem")

        def build():
            env = dict(params) | self.basis.symbols
            try:
                value = parsed.evaluate(env)
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
            static = np.zeros(N_ALL, complex)
            driven = []
            const_terms = [(c, op) for c, op in value.terms if c.is_constant]
            if const_terms:
                mat = expr.OpSum(const_terms).matrix(self.basis.dim)
                static, resid = self.basis.fit(mat)
                self._check_degree(resid, where)
            for c, op in value.terms:
                if c.is_constant:
                    continue
                pk, resid = self.basis.fit(op)
                self._check_degree(resid, where)
                driven.append((c, pk))
            return static, driven

        return self._cached(("poly", where, text), params, parsed.names, build)

    def _check_degree(self, resid: float, where: str) -> None:
        if resid > FIT_TOL:
            what = "spin and mode operators" if self.has_mode else "the collective spin"
            raise SpecError(
                where,
                f"the meanfield solver needs a polynomial of degree <= 2 in {what} "
                f"(S_k, S_a S_b{', a, ad, n, S_k a' if self.has_mode else ''}); "
                f"this expression is not (fit residual {resid:.2g})",
            )

    # noise -----------------------------------------------------------------
    def rate(self, value, where: str, params: dict):
        parsed = self._parse(value, where)

        def build():
            try:
                coef = parsed.evaluate(dict(params)).scalar_coef()
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
            if coef.is_constant and (coef.value.imag != 0 or coef.value.real < 0):
                raise SpecError(where, f"a rate must be real and >= 0, got {coef.value}")
            return coef

        return self._cached(("rate", where, str(value)), params, parsed.names, build)

    def collapse(self, text, where: str, params: dict):
        """('spin', l, c) for L = c + l·S, or ('mode', |c|²) for L = c·a."""
        static, driven = self.polynomial(text, where, params, None)
        if driven:
            raise SpecError(where, "a collapse operator must not depend on t")
        p = static
        tol = 1e-12 * max(1.0, np.abs(p).max())
        nz = set(np.flatnonzero(np.abs(p) > tol))
        if nz <= {0, 1, 2, 3}:
            return ("spin", p[1:4].copy(), complex(p[0]))
        if nz == {10}:
            return ("mode", abs(p[10]) ** 2)
        raise SpecError(
            where,
            "the meanfield solver takes collapse operators linear in the battery spin "
            "(c + lx*Sx + ly*Sy + lz*Sz, e.g. Sm) or proportional to a",
        )

    # initial state -----------------------------------------------------------
    def initial(self, params: dict, battery_static: np.ndarray, S: float):
        spec = self.spec
        choice = spec.initial.battery
        where = "initial.battery"
        warnings: list[str] = []
        if choice == "ground":
            r0 = _ground_direction(battery_static, S, self.ordering)
        elif choice == "down":
            r0 = np.array([0.0, 0.0, -1.0])
        elif choice == "up":
            r0 = np.array([0.0, 0.0, 1.0])
        elif isinstance(choice, dict) and set(choice) == {"coherent_spin"}:
            angles = choice["coherent_spin"]
            if not (isinstance(angles, list) and len(angles) == 2):
                raise SpecError(where, "coherent_spin takes [theta, phi]")
            th, ph = (self._number(a, params, where) for a in angles)
            r0 = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
        elif isinstance(choice, dict) and set(choice) == {"dicke"}:
            k = choice["dicke"]
            n = spec.system.spins
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= n:
                raise SpecError(where, f"dicke takes an integer number of excitations 0..{n}")
            r0 = np.array([0.0, 0.0, 2 * k / n - 1])
            if 0 < k < n:
                warnings.append(
                    "a Dicke state has no transverse polarization: the mean field starts from "
                    f"r = (0, 0, {r0[2]:.4g}), a fixed point of every field along z"
                )
        else:
            raise SpecError(
                where, f"unknown initial battery state {choice!r} for the meanfield solver"
            )
        alpha0, more = self._charger(params)
        return r0, alpha0, warnings + more

    def _number(self, value, params: dict, where: str) -> float:
        try:
            return float(expr.evaluate(value, dict(params)).constant().real)
        except expr.ExprError as err:
            raise SpecError(where, str(err)) from None

    def _charger(self, params: dict) -> tuple[complex, list[str]]:
        choice = self.spec.initial.charger
        where = "initial.charger"
        if not self.has_mode:
            if choice not in (None, "vacuum", "none"):
                raise SpecError(where, "there is no charger in [system] to prepare")
            return 0j, []
        if choice is None:
            raise SpecError(where, "required field is missing")
        if choice == "vacuum":
            return 0j, []
        if isinstance(choice, dict) and set(choice) == {"fock"}:
            n = choice["fock"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise SpecError(where, "fock takes a non-negative integer")
            return complex(np.sqrt(n)), [
                f"mean field: the Fock charger |{n}> is replaced by the coherent amplitude "
                f"alpha = sqrt({n}) (phase 0)"
            ]
        if isinstance(choice, dict) and set(choice) == {"coherent"}:
            v = choice["coherent"]
            if isinstance(v, list) and len(v) == 2:
                return complex(float(v[0]), float(v[1])), []
            if isinstance(v, int | float) and not isinstance(v, bool):
                return complex(v), []
            raise SpecError(where, "a coherent amplitude is a number or [re, im]")
        if isinstance(choice, dict) and set(choice) == {"thermal"}:
            return 0j, ["mean field: a thermal charger has <a> = 0 and drives nothing"]
        raise SpecError(where, f"unknown initial charger state {choice!r}")

    # one point ---------------------------------------------------------------
    def point(self, override: dict | None = None) -> dict:
        spec, h = self.spec, self.spec.hamiltonian
        params = self.params(override)
        bsyms, msyms = set(BATTERY_SYMBOLS), set(MODE_SYMBOLS)
        parts = {
            "battery": self.polynomial(h.battery, "hamiltonian.battery", params, bsyms),
            "charger": self.polynomial(h.charger, "hamiltonian.charger", params, msyms),
            "coupling": self.polynomial(h.coupling, "hamiltonian.coupling", params, None),
        }
        if parts["battery"][1]:
            raise SpecError("hamiltonian.battery", "the battery Hamiltonian must not depend on t")
        if h.dynamics is not None:
            gen = self.polynomial(h.dynamics, "hamiltonian.dynamics", params, None)
        else:
            key = ("generator", *(id(parts[k]) for k in ("battery", "charger", "coupling")))
            if key not in self.cache:
                self.cache[key] = (
                    sum(parts[k][0] for k in parts),
                    [d for k in ("battery", "charger", "coupling") for d in parts[k][1]],
                )
            gen = self.cache[key]
        S = spec.system.spins / 2
        noise = spec.noise
        rates = {}
        for name in ("local_decay", "local_dephasing"):
            rates[name] = self.rate(getattr(noise, name), f"noise.{name}", params)
        channels = []  # ("spin", rate, l, c) / ("mode", rate, weight)
        if self.has_mode:
            channels.append(("mode", self.rate(noise.mode_loss, "noise.mode_loss", params), 1.0))
        elif _nonzero(noise.mode_loss):
            raise SpecError("noise.mode_loss", "needs a, which this system does not have")
        lm = np.array([1.0, -1j, 0.0])  # S_- = S_x − i S_y
        channels.append(
            ("spin", self.rate(noise.collective_decay, "noise.collective_decay", params), lm, 0j)
        )
        for k, entry in enumerate(noise.collapse):
            where = f"noise.collapse.{k}"
            rate = self.rate(entry.rate, where + ".rate", params)
            kind = self.collapse(entry.operator, where + ".operator", params)
            if kind[0] == "mode" and not self.has_mode:
                raise SpecError(where + ".operator", "needs a, which this system does not have")
            channels.append((kind[0], rate, *kind[1:]))
        r0, alpha0, warnings = self._cached(
            ("initial",), params, self._init_names,
            lambda: self.initial(params, parts["battery"][0], S),
        )  # fmt: skip
        return {
            "S": S,
            "generator": gen,
            **parts,
            "rates": rates,
            "channels": channels,
            "r0": r0,
            "alpha0": alpha0,
            "warnings": warnings,
        }


def _nonzero(value) -> bool:
    return value not in (0, 0.0, "0", "0.0")


def _names_in(choice) -> set[str]:
    names: set[str] = set()
    values = choice.values() if isinstance(choice, dict) else [choice]
    for v in values:
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, str):
                try:
                    names |= expr.parse(item).names
                except expr.ExprError:
                    pass
    return names


def _ground_direction(p: np.ndarray, S: float, ordering: str) -> np.ndarray:
    """argmin of the mean-field battery energy on the unit sphere; degenerate minima are an error."""
    lin = p[1:4].real
    Q = _quadratic(p[None])[0].real
    s2 = S**2 if ordering == "classical" else S * (S - 0.5)

    def energy(x):
        th, ph = x
        st, ct, sp_, cp = np.sin(th), np.cos(th), np.sin(ph), np.cos(ph)
        r = np.array([st * cp, st * sp_, ct])
        grad = lin + 2 * (s2 / S) * (Q @ r)  # ∂(E/S)/∂r
        d_th = np.array([ct * cp, ct * sp_, -st])
        d_ph = np.array([-st * sp_, st * cp, 0.0])
        return (S * lin @ r + s2 * r @ Q @ r) / S, np.array([grad @ d_th, grad @ d_ph])

    # the lowest points of a Fibonacci lattice, mutually apart, as starts for BFGS
    k = np.arange(2000) + 0.5
    th, ph = np.arccos(1 - 2 * k / len(k)), np.pi * (1 + 5**0.5) * k
    lattice = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=1)
    e_lattice = (S * lattice @ lin + s2 * np.einsum("na,ab,nb->n", lattice, Q, lattice)) / S
    starts: list[int] = []
    for i in np.argsort(e_lattice):
        if all(np.linalg.norm(lattice[i] - lattice[j]) > 0.3 for j in starts):
            starts.append(int(i))
        if len(starts) == 4:
            break
    found = []
    for i in starts:
        res = minimize(energy, [th[i], ph[i]], jac=True, method="BFGS", options={"gtol": 1e-12})
        a, b = res.x
        r = np.array([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.cos(a)])
        found.append((float(res.fun), r))
    # also the poles exactly (the angle parametrization is singular there)
    for r in (np.array([0.0, 0.0, -1.0]), np.array([0.0, 0.0, 1.0])):
        found.append((float((S * lin @ r + s2 * r @ Q @ r) / S), r))
    best = min(e for e, _ in found)
    scale = max(1.0, abs(best), np.abs(lin).max(), S * np.abs(Q).max())
    minima = [r for e, r in found if e <= best + 1e-9 * scale]
    r_best = minima[0]
    if any(np.linalg.norm(r - r_best) > 1e-4 for r in minima):
        others = [r for r in minima if np.linalg.norm(r - r_best) > 1e-4]
        raise SpecError(
            "initial.battery",
            "the mean-field ground state of the battery Hamiltonian is degenerate (minima at "
            f"r = {np.round(r_best, 4).tolist()} and {np.round(others[0], 4).tolist()}); "
            "give an explicit initial state, e.g. { coherent_spin = [theta, phi] }",
        )
    if abs(r_best[2] + 1) < 1e-7:  # snap to the pole
        r_best = np.array([0.0, 0.0, -1.0])
    elif abs(r_best[2] - 1) < 1e-7:
        r_best = np.array([0.0, 0.0, 1.0])
    return r_best / np.linalg.norm(r_best)


def _assemble(points: list[dict], has_mode: bool, ordering: str) -> MeanFieldModel:
    """Stack per-point pieces (sharing one structure) into a batched model."""

    def poly(key: str) -> _Poly:
        static = np.stack([pt[key][0] for pt in points])
        slots = _stack_slots([pt[key][1] for pt in points])
        return _Poly(static, slots)

    def rate_slot(name: str) -> _Slot | None:
        coefs = [pt["rates"][name] for pt in points]
        if all(c.is_constant and c.value == 0 for c in coefs):
            return None
        return _stack_slots([[(c, np.ones(()))] for c in coefs])[0]

    spin_channels = []
    n_ch = len(points[0]["channels"])
    if any(len(pt["channels"]) != n_ch for pt in points):
        raise ValueError("the swept points do not share one structure (noise channels)")
    for k in range(n_ch):
        if points[0]["channels"][k][0] != "spin":
            continue
        entries = [pt["channels"][k] for pt in points]
        if all(e[1].is_constant and e[1].value == 0 for e in entries):
            continue
        slot = _stack_slots([[(e[1], np.ones(()))] for e in entries])[0]
        l = np.stack([e[2] for e in entries])
        c = np.array([e[3] for e in entries], dtype=complex)
        spin_channels.append((slot, l, c))
    # every L ∝ a adds rate·|c|² to the mode's loss: one combined coefficient per distinct input
    combined: dict = {}
    mode_coefs = []
    for pt in points:
        parts = [(e[1], float(e[2])) for e in pt["channels"] if e[0] == "mode"]
        key = tuple((id(c), w) for c, w in parts)
        if key not in combined:
            total = expr.Coef(0j)
            for c, w in parts:
                total = total + c * expr.Coef(complex(w))
            combined[key] = total
        mode_coefs.append(combined[key])
    mode_loss = None
    if has_mode and not all(c.is_constant and c.value == 0 for c in mode_coefs):
        mode_loss = _stack_slots([[(c, np.ones(()))] for c in mode_coefs])[0]
    warnings = []
    for pt in points:
        for w in pt["warnings"]:
            if w not in warnings:
                warnings.append(w)
    model = MeanFieldModel(
        S=np.array([pt["S"] for pt in points], dtype=float),
        has_mode=has_mode,
        generator=poly("generator"),
        battery=poly("battery"),
        charger=poly("charger"),
        coupling=poly("coupling"),
        spin_channels=spin_channels,
        local_decay=rate_slot("local_decay"),
        local_dephasing=rate_slot("local_dephasing"),
        mode_loss=mode_loss,
        r0=np.stack([pt["r0"] for pt in points]),
        alpha0=np.array([pt["alpha0"] for pt in points], dtype=complex),
        ordering=ordering,
        warnings=warnings,
    )
    _check_hermitian(model, points)
    p0 = points[0]
    model.descriptions = {
        "generator": describe(p0["generator"][0]),
        "generator_driven": [f"[{describe(pk)}]·c(t)" for _, pk in p0["generator"][1]],
        "battery": describe(p0["battery"][0]),
    }
    return model


_HERMITIAN_PAIRS = ((10, 11), (13, 14), (15, 18), (16, 19), (17, 20))


def _check_hermitian(model: MeanFieldModel, points: list[dict]) -> None:
    for t in (0.0, 0.37, 1.3):
        p = model.generator.at(t)
        real_part = np.r_[0:10, 12]
        bad = np.abs(p[:, real_part].imag).max()
        for a, b in _HERMITIAN_PAIRS:
            bad = max(bad, np.abs(p[:, a] - p[:, b].conj()).max())
        if bad > HERMITIAN_TOL * max(1.0, np.abs(p).max()):
            raise SpecError("hamiltonian", "the Hamiltonian is not Hermitian")


def derive(spec, *, ordering: str = "classical", override: dict | None = None) -> MeanFieldModel:
    """The mean-field model of a spec (dict, :class:`Spec`, TOML path or Problem); B = 1.

    ``override`` replaces parameter values (names of ``[parameters]``).
    """
    spec = _as_spec(spec)
    d = _Deriver(spec, ordering)
    return _assemble([d.point(override)], d.has_mode, ordering)


def derive_many(spec, points: list[dict], *, ordering: str = "classical") -> MeanFieldModel:
    """One batched model for many parameter points (each a dict of parameter overrides).

    Expressions are fitted once per distinct value of the parameters they use, so a 100 × 100
    grid over two parameters costs about 200 fits.
    """
    spec = _as_spec(spec)
    d = _Deriver(spec, ordering)
    return _assemble([d.point(p) for p in points], d.has_mode, ordering)


# --------------------------------------------------------------------------- integration


@dataclass
class Trajectory:
    """Mean-field solution of one point: t, r (T, 3), α (T,) or None, the dense solution."""

    t: np.ndarray
    r: np.ndarray
    alpha: np.ndarray | None
    model: MeanFieldModel
    sol: object = None
    info: dict = field(default_factory=dict)

    @property
    def u(self) -> np.ndarray:
        return self.r[:, 0]

    @property
    def v(self) -> np.ndarray:
        return self.r[:, 1]

    @property
    def w(self) -> np.ndarray:
        return self.r[:, 2]

    def state(self, t) -> np.ndarray:
        """y(t) (len(t), 1, n_state) from the dense output."""
        t = np.atleast_1d(np.asarray(t, float))
        return self.sol.sol(t).T[:, None, :]

    def energy_at(self, t) -> np.ndarray:
        """Battery energy ⟨H_B⟩(t) − ⟨H_B⟩(0) at arbitrary times."""
        e0 = self.model.battery_energy(self.model.y0())[0]
        return self.model.battery_energy(self.state(t))[:, 0] - e0


def integrate(
    model: MeanFieldModel, times: np.ndarray, *, rtol: float = 1e-9, atol: float = 1e-11
) -> Trajectory:
    """Adaptive DOP853 integration of a one-point model on ``times`` (with dense output)."""
    if model.size != 1:
        raise ValueError("integrate() takes a one-point model; use sweep_grid() for batches")
    times = np.asarray(times, float)
    n = model.n_state

    if model.has_mode:

        def f(t, y):
            return model.derivative(t, y.reshape(1, n)).ravel()

    else:
        fast = _FastSpin(model)

        def f(t, y):
            return fast.rhs(t, y.reshape(3, 1)).ravel()

    sol = solve_ivp(
        f, (times[0], times[-1]), model.y0().ravel(), method="DOP853", t_eval=times,
        dense_output=True, rtol=rtol, atol=atol,
    )  # fmt: skip
    if not sol.success:
        raise RuntimeError(f"mean-field integration failed: {sol.message}")
    y = sol.y.T
    alpha = y[:, 3] + 1j * y[:, 4] if model.has_mode else None
    info = {"method": "DOP853", "rtol": rtol, "atol": atol, "rhs_evaluations": int(sol.nfev)}
    return Trajectory(times, y[:, :3].copy(), alpha, model, sol, info)


class _FastSpin:
    """A spin-only model reduced to a few vector operations, in a (3, B) layout.

    The generator becomes h(t, r) = a(t) + M(t) r with a = linear coefficients and
    M = 2 (⟨S_aS_b⟩ factor / S) Q, split into static and driven parts; only non-zero entries are
    touched. With a ``grid`` every time-dependent coefficient is tabulated once (fixed-step RK4,
    called with the index of the half-step); without, it is evaluated at the time given.
    """

    def __init__(self, model: MeanFieldModel, grid: np.ndarray | None = None):
        self.model = model
        self.grid = grid
        fac = 2 * model._scale2 / model.S
        self.static = self._reduce(model.generator.static, fac)
        self.driven = [
            (self._coef(slot), self._reduce(slot.weight, fac)) for slot in model.generator.slots
        ]
        self.rates = {
            name: self._coef(getattr(model, name), real=True)
            for name in ("local_decay", "local_dephasing")
            if getattr(model, name) is not None
        }
        self.channels = [(self._coef(slot, real=True), l, c) for slot, l, c in model.spin_channels]

    def _coef(self, slot: _Slot, real: bool = False):
        """A function key → (B,) coefficient values (key: half-step index or time)."""
        idx = slot.idx
        if all(c.is_constant for c in slot.coefs):
            vals = np.array([complex(c.value) for c in slot.coefs])[idx]
            vals = vals.real.copy() if real or not np.any(vals.imag) else vals
            return lambda key: vals
        if self.grid is not None:
            table = slot.table(self.grid).T.copy()  # (T, U)
            if real or not np.any(table.imag):
                table = table.real.copy()
            return lambda key: table[key][idx]

        def at(t):
            vals = np.array([complex(np.asarray(c(t))) for c in slot.coefs])[idx]
            return vals.real if real else vals

        return at

    @staticmethod
    def _reduce(p: np.ndarray, fac: np.ndarray):
        """Linear part [(axis, (B,) array)] and quadratic part [(a, b, (B,) array)]."""
        lin = p[:, 1:4]
        Q = _quadratic(p) * fac[:, None, None]
        real = not np.any(lin.imag) and not np.any(Q.imag)
        conv = np.real if real else (lambda x: x)
        a = [(i, conv(lin[:, i]).copy()) for i in range(3) if np.any(lin[:, i])]
        M = [
            (i, j, conv(Q[:, i, j]).copy())
            for i in range(3)
            for j in range(3)
            if np.any(Q[:, i, j])
        ]
        return a, M

    @staticmethod
    def _add(h, part, r, f=None):
        a, M = part
        if f is None:
            for i, arr in a:
                h[i] += arr
            for i, j, arr in M:
                h[i] += arr * r[j]
            return
        for i, arr in a:
            h[i] += (f * arr).real
        for i, j, arr in M:
            h[i] += (f * arr).real * r[j]

    def rhs(self, key, r: np.ndarray) -> np.ndarray:
        h = np.zeros_like(r)
        self._add(h, self.static, r)
        for coef, part in self.driven:
            self._add(h, part, r, coef(key))
        d = np.empty_like(r)
        d[0] = h[1] * r[2] - h[2] * r[1]
        d[1] = h[2] * r[0] - h[0] * r[2]
        d[2] = h[0] * r[1] - h[1] * r[0]
        for name, coef in self.rates.items():
            g = coef(key)
            if name == "local_decay":
                d[0] -= g / 2 * r[0]
                d[1] -= g / 2 * r[1]
                d[2] -= g * (r[2] + 1)
            else:
                d[0] -= 2 * g * r[0]
                d[1] -= 2 * g * r[1]
        for coef, l, c in self.channels:
            d += (coef(key)[:, None] * self.model._collapse(l, c, r.T)).T
        return d


def _rk4_tables(model: MeanFieldModel, grid: np.ndarray):
    """Coefficient tables on the half-step grid for every slot of the generator and the noise."""
    gen = [s.table(grid) for s in model.generator.slots]
    spin = [s.table(grid) for s, _, _ in model.spin_channels]
    other = {
        name: getattr(model, name).table(grid)
        for name in ("local_decay", "local_dephasing", "mode_loss")
        if getattr(model, name) is not None
    }
    return gen, spin, other


def _rk4_coefficients(model: MeanFieldModel, tables, n: int):
    gen, spin, other = tables
    p = model.generator.static.copy()
    for s, tb in zip(model.generator.slots, gen, strict=True):
        p = p + s.from_table(tb, n)
    rates: dict = {
        "spin": [
            (s.from_table(tb, n), l, c)
            for (s, l, c), tb in zip(model.spin_channels, spin, strict=True)
        ]
    }
    for name, tb in other.items():
        rates[name] = getattr(model, name).from_table(tb, n)
    return p, rates


@dataclass
class GridResult:
    """Per point: P_max = max_t E/t and its time, E_max, the first energy peak and its E/τ."""

    P_max: np.ndarray
    t_P_max: np.ndarray
    E_max: np.ndarray
    t_E_max: np.ndarray
    P_first_peak: np.ndarray
    tau_first_peak: np.ndarray
    beyond_window: np.ndarray  # True where a larger E/t after t_max cannot be excluded
    info: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # optional: t and y on a coarse grid


def _parabola(t3: np.ndarray, f3: np.ndarray):
    """Vertex (t, f) of the parabola through three points per row; falls back to the middle."""
    t0, t1, t2 = t3.T
    f0, f1, f2 = f3.T
    den = (t0 - t1) * (t0 - t2) * (t1 - t2)
    with np.errstate(divide="ignore", invalid="ignore"):
        A = (t2 * (f1 - f0) + t1 * (f0 - f2) + t0 * (f2 - f1)) / den
        B = (t2**2 * (f0 - f1) + t1**2 * (f2 - f0) + t0**2 * (f1 - f2)) / den
        C = (t1 * t2 * (t1 - t2) * f0 + t2 * t0 * (t2 - t0) * f1 + t0 * t1 * (t0 - t1) * f2) / den
        tv = -B / (2 * A)
        fv = C - B**2 / (4 * A)
    ok = np.isfinite(tv) & (A < 0) & (tv >= t0) & (tv <= t2) & (fv >= f1)
    return np.where(ok, tv, t1), np.where(ok, fv, f1)


class _MaxTrack:
    """Running maximum of a sampled curve per point, with its two neighbours for a parabola."""

    def __init__(self, B: int):
        self.best = np.full(B, -np.inf)
        self.t3 = np.zeros((3, B))
        self.f3 = np.zeros((3, B))
        self.pending = np.zeros(B, bool)

    def update(self, hist_t: np.ndarray, hist_f: np.ndarray) -> None:
        """hist_* hold steps n-2, n-1, n; the newest sample is index 2."""
        # the right neighbour of last step's new maximum
        np.copyto(self.t3[2], hist_t[2], where=self.pending)
        np.copyto(self.f3[2], hist_f[2], where=self.pending)
        new = hist_f[2] > self.best
        np.copyto(self.best, hist_f[2], where=new)
        np.copyto(self.t3[0], hist_t[1], where=new)
        np.copyto(self.f3[0], hist_f[1], where=new)
        for row in (1, 2):  # row 2 is replaced at the next step (if there is one)
            np.copyto(self.t3[row], hist_t[2], where=new)
            np.copyto(self.f3[row], hist_f[2], where=new)
        self.pending = new

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        return _parabola(self.t3.T, self.f3.T)


def run_grid(
    model: MeanFieldModel,
    t_max: float,
    dt: float,
    *,
    energy: str = "battery",
    sample_every: int = 0,
) -> GridResult:
    """Fixed-step RK4 of all points at once, reducing E(t) on the fly (memory O(points)).

    ``energy``: ``"battery"`` (⟨H_B⟩ − ⟨H_B⟩(0)) or ``"bare"`` (the linear part of H_B only, e.g.
    ω_a S (w + 1) for H_B = ω_a S_z + (J/N) S_x²; Yan et al. plot this). Maxima are refined
    between steps by a parabola through three samples.
    """
    steps = int(np.ceil(t_max / dt - 1e-9))
    dt = t_max / steps
    grid = np.linspace(0, t_max, 2 * steps + 1)
    B = model.size
    if energy == "battery":
        p_e = model.battery.static
    elif energy == "bare":
        p_e = np.zeros_like(model.battery.static)
        p_e[:, 1:4] = model.battery.static[:, 1:4]
    else:
        raise ValueError("energy must be 'battery' or 'bare'")
    if model.has_mode:  # general path, (B, n_state) layout
        tables = _rk4_tables(model, grid)
        y = model.y0()

        def k(n2, yy):
            p, rates = _rk4_coefficients(model, tables, n2)
            return model.rhs(p, rates, yy)

        def e_of(yy):
            return model.expectation(p_e, yy)

        def as_rows(yy):
            return yy

    else:  # fast spin-only path, (3, B) layout
        fast = _FastSpin(model, grid)
        y = model.y0().T.copy()
        k = fast.rhs
        c0 = p_e[:, 0].real
        lin = model.S[:, None] * p_e[:, 1:4].real
        Q = _quadratic(p_e).real * model._scale2[:, None, None]
        quad = [(i, j, Q[:, i, j].copy()) for i in range(3) for j in range(3) if np.any(Q[:, i, j])]
        if model.ordering == "product":
            c0 = c0 + model.S / 2 * np.trace(_quadratic(p_e).real, axis1=1, axis2=2)

        def e_of(yy):
            out = c0 + lin[:, 0] * yy[0] + lin[:, 1] * yy[1] + lin[:, 2] * yy[2]
            for i, j, arr in quad:
                out = out + arr * yy[i] * yy[j]
            return out

        def as_rows(yy):
            return yy.T

    e0 = e_of(y)
    hist_t = np.zeros(3)
    hist_e = np.zeros((3, B))  # E at steps n-2, n-1, n (E(0) = 0)
    tracks = {name: _MaxTrack(B) for name in ("P", "E")}
    fp_found = np.zeros(B, bool)
    rising = np.zeros(B, bool)
    fp_tau = np.full(B, np.nan)
    fp_e = np.full(B, np.nan)
    samples_t, samples_y = ([0.0], [as_rows(y).copy()]) if sample_every else ([], [])

    for n in range(1, steps + 1):
        k1 = k(2 * n - 2, y)
        k2 = k(2 * n - 1, y + dt / 2 * k1)
        k3 = k(2 * n - 1, y + dt / 2 * k2)
        k4 = k(2 * n, y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = n * dt
        e = e_of(y) - e0
        hist_t = np.roll(hist_t, -1)
        hist_t[2] = t
        hist_e = np.roll(hist_e, -1, axis=0)
        hist_e[2] = e
        tracks["P"].update(hist_t, hist_e / np.where(hist_t > 0, hist_t, 1.0)[:, None])
        tracks["E"].update(hist_t, hist_e)
        # first local maximum of E (at step n-1)
        if n >= 2:
            tol = 1e-13 * np.maximum(1.0, np.abs(hist_e[1]))
            d1 = hist_e[1] - hist_e[0]
            d2 = hist_e[2] - hist_e[1]
            rising_now = rising | (d1 > tol)
            peak = ~fp_found & rising_now & (d2 < -tol)
            if peak.any():
                tv, ev = _parabola(np.broadcast_to(hist_t, (int(peak.sum()), 3)), hist_e[:, peak].T)
                fp_tau[peak], fp_e[peak] = tv, ev
                fp_found |= peak
            rising = rising_now
        if sample_every and n % sample_every == 0:
            samples_t.append(t)
            samples_y.append(as_rows(y).copy())

    tP, P = tracks["P"].result()
    tE, Emax = tracks["E"].result()
    bound = _energy_bound(model, p_e, e0)
    result = GridResult(
        P_max=P,
        t_P_max=tP,
        E_max=Emax,
        t_E_max=tE,
        P_first_peak=fp_e / fp_tau,
        tau_first_peak=fp_tau,
        beyond_window=bound / t_max > P,
        info={"method": "RK4", "dt": dt, "t_max": t_max, "steps": steps, "energy": energy},
    )
    if sample_every:
        result.samples = {"t": np.array(samples_t), "y": np.stack(samples_y)}
    return result


def _energy_bound(model: MeanFieldModel, p: np.ndarray, e0: np.ndarray) -> np.ndarray:
    """An upper bound of E(t) for |r| ≤ 1 (used to flag maxima that may lie after t_max)."""
    S = model.S
    lin = np.linalg.norm(p[:, 1:4].real, axis=1)
    Q = _quadratic(p).real
    q = np.abs(np.linalg.eigvalsh(Q)).max(axis=1) if Q.size else 0.0
    out = p[:, 0].real + S * lin + model._scale2 * q
    if model.ordering == "product":
        out = out + S / 2 * np.abs(np.trace(Q, axis1=1, axis2=2))
    return out - e0


def sweep_grid(
    spec,
    over: dict[str, np.ndarray],
    *,
    t_max: float | None = None,
    dt: float = 0.01,
    energy: str = "battery",
    ordering: str = "classical",
    check: int = 16,
) -> GridResult:
    """P_max etc. over the product grid of parameter values ``over`` (e.g. kappa × gamma).

    Returns arrays shaped like the grid (len(v1), len(v2), ...). ``check`` random points are
    rerun with dt/2 and the largest relative change of P_max is stored in ``info["dt_check"]``.
    """
    spec = _as_spec(spec)
    names = list(over)
    values = [np.asarray(over[n], float) for n in names]
    shape = tuple(len(v) for v in values)
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    model = derive_many(spec, points, ordering=ordering)
    t_max = spec.time.t_max if t_max is None else t_max
    res = run_grid(model, t_max, dt, energy=energy)
    if check:
        rng = np.random.default_rng(0)
        pick = rng.choice(model.size, size=min(check, model.size), replace=False)
        fine = run_grid(model._subset(pick), t_max, dt / 2, energy=energy)
        scale = np.maximum(np.abs(fine.P_max), 1e-300)
        res.info["dt_check"] = float(np.nanmax(np.abs(fine.P_max - res.P_max[pick]) / scale))
        res.info["dt_check_points"] = len(pick)
    for k in (
        "P_max",
        "t_P_max",
        "E_max",
        "t_E_max",
        "P_first_peak",
        "tau_first_peak",
        "beyond_window",
    ):
        setattr(res, k, getattr(res, k).reshape(shape))
    res.info["over"] = {n: v.tolist() for n, v in zip(names, values, strict=True)}
    return res


# --------------------------------------------------------------------------- results


def simulate_meanfield(spec, *, ordering: str = "classical"):
    """Run a spec with the mean-field equations → :class:`qbattery.result.Result`.

    Series: ``u``, ``v``, ``w`` (r = ⟨S⟩/S), ``energy`` (⟨H_B⟩ − ⟨H_B⟩(0) in the mean field),
    ``power`` (energy/t), and ``charger_energy`` / ``interaction_energy`` when asked for. Series
    that need the quantum state (ergotropy, purity, energy_std) are left out with a warning.
    Accepts a spec dict, :class:`Spec`, TOML path or a built :class:`~qbattery.problem.Problem`
    (passing the spec avoids building the quantum operators, which mean field does not need).
    """
    from qbattery import __version__
    from qbattery.result import Result

    spec = _as_spec(spec)
    model = derive(spec, ordering=ordering)
    times = np.linspace(0.0, spec.time.t_max, spec.time.points)
    traj = integrate(model, times, rtol=spec.run.rtol, atol=spec.run.atol)
    y = np.concatenate([traj.r, _alpha_cols(traj)], axis=1)[:, None, :]
    e_abs = model.battery_energy(y)[:, 0]
    energy = e_abs - e_abs[0]
    series: dict[str, np.ndarray] = {"u": traj.u, "v": traj.v, "w": traj.w}
    wanted = list(spec.output.series)
    warnings = list(model.warnings)
    series["energy"] = energy
    series["power"] = metrics.average_power(times, energy)
    for name, poly in (("charger_energy", model.charger), ("interaction_energy", model.coupling)):
        if name in wanted:
            vals = _poly_expectation(model, poly, times, y)
            series[name] = vals - vals[0] if name == "charger_energy" else vals
    missing = [s for s in wanted if s not in series]
    if missing:
        warnings.append(
            f"series {', '.join(missing)} need the quantum state and are not available from the "
            "meanfield solver; left out"
        )
    # the grid must resolve E(t): its time scale from the dense output between the ODE's steps
    fine = metrics.subdivide(traj.sol.sol.ts)
    grid = metrics.check_grid(
        times, metrics.curve_time_scale(fine, traj.energy_at(fine)), "from E(t) between the steps"
    )
    if not grid.resolved:
        warnings.append(grid.warning(spec.time.t_max, len(times)))
    summary = metrics.summarize(times, energy, None, traj.energy_at if grid.resolved else None)
    summary["E_initial"] = float(e_abs[0])
    summary["w_max"] = float(traj.w.max())
    info = {
        "solver": "meanfield",
        "ordering": ordering,
        "S": float(model.S[0]),
        "generator": model.descriptions.get("generator"),
        "generator_driven": model.descriptions.get("generator_driven"),
        **traj.info,
        "grid": grid.as_info() | {"summary_refined": grid.resolved},
    }
    resolved = spec.to_dict()
    resolved["qbattery_version"] = __version__
    order = ["u", "v", "w", "energy", "power"]
    order += [s for s in wanted if s in series and s not in order]
    return Result(times, {k: series[k] for k in order}, summary, resolved, info, warnings)


def _poly_expectation(model: MeanFieldModel, poly: _Poly, times: np.ndarray, y: np.ndarray):
    """⟨poly(t)⟩ along a one-point trajectory y (T, 1, n_state)."""
    if not poly.is_time_dependent:
        return model.expectation(poly.static, y)[:, 0]
    return np.array([model.expectation(poly.at(t), y[i])[0] for i, t in enumerate(times)])


def _alpha_cols(traj: Trajectory) -> np.ndarray:
    if traj.alpha is None:
        return np.zeros((len(traj.t), 0))
    return np.stack([traj.alpha.real, traj.alpha.imag], axis=1)


class MeanFieldEvolution:
    """The evolution interface of :mod:`qbattery.solvers` for a mean-field run.

    ``expect`` knows the problem's own H_B, H_C and H_I (as the mean-field expectation); the
    density-matrix parts of the interface (``battery_states``) do not exist in mean field.
    """

    can_evaluate_anywhere = True

    def __init__(self, problem, ordering: str = "classical"):
        spec = problem.spec
        self.problem = problem
        self.model = derive(spec, ordering=ordering)
        self.times = problem.times
        self.traj = integrate(self.model, self.times, rtol=spec.run.rtol, atol=spec.run.atol)
        self.info = {"solver": "meanfield", "ordering": ordering, **self.traj.info}
        self.largest_block = 1

    def _poly_for(self, op):
        p = self.problem
        for candidate, poly in (
            (p.H_battery, self.model.battery),
            (p.H_charger, self.model.charger),
            (p.H_coupling, self.model.coupling),
        ):
            if op is candidate or _same_matrix(op, candidate):
                return poly
        raise SpecError(
            "output.series",
            "the meanfield solver gives expectations of the battery, charger and coupling "
            "Hamiltonians only",
        )

    def expect(self, op, t=None) -> np.ndarray:
        poly = self._poly_for(op)
        t = self.times if t is None else np.atleast_1d(np.asarray(t, float))
        return _poly_expectation(self.model, poly, t, self.traj.state(t))

    def battery_states(self, t=None):
        raise SpecError(
            "output.series",
            "ergotropy and purity need the battery's density matrix, which the meanfield solver "
            "does not have",
        )


def _same_matrix(a, b) -> bool:
    if getattr(a, "shape", None) != getattr(b, "shape", None):
        return False
    diff = sp.csr_matrix(a) - sp.csr_matrix(b)
    return diff.nnz == 0 or float(abs(diff).max()) == 0.0


@register("meanfield")
def solve_meanfield(problem) -> MeanFieldEvolution:
    return MeanFieldEvolution(problem)
