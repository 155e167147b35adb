"""The monomial basis of the mean-field equations and the fit of an operator onto it.

An expression of the spec is evaluated with spin matrices of j = 3 ⊕ 5/2 ⊕ 2 (× Fock 0..6 for a
mode) and least-squares fitted onto the monomials :data:`MONOMIALS` = {1, S_a, (S_aS_b + S_bS_a)/2}
(× {1, a, a†, a†a, a², a†²}); a polynomial is its coefficient vector p on them (length
:data:`N_ALL`). A residual above :data:`FIT_TOL` means degree > 2.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from qbattery.operators import boson, spin

FIT_SPINS = (3.0, 2.5, 2.0)  # irreps of the fitting representation
FIT_CUTOFF = 7  # Fock states 0..6 for the mode ...
FIT_KEEP = 5  # ... of which 0..4 are compared (products of two mode operators are exact there)
FIT_TOL = 1e-9  # relative residual above which an expression is not of degree ≤ 2

SPIN_MONOMIALS = ("1", "Sx", "Sy", "Sz", "Sx^2", "Sy^2", "Sz^2", "{SxSy}", "{SxSz}", "{SySz}")
MODE_MONOMIALS = ("a", "ad", "ad a", "a^2", "ad^2")
MIXED_MONOMIALS = ("Sx a", "Sy a", "Sz a", "Sx ad", "Sy ad", "Sz ad")
MONOMIALS = SPIN_MONOMIALS + MODE_MONOMIALS + MIXED_MONOMIALS  # names of p[0..20]
N_ALL = len(MONOMIALS)
_PAIRS = ((0, 1), (0, 2), (1, 2))  # {SxSy}, {SxSz}, {SySz}

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
