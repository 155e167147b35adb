"""Lindblad master equation, sector by sector.

    dρ/dt = −i[H(t), ρ] + Σ_L rate_L(t)·D[L]ρ,    D[L]ρ = LρL† − ½{L†L, ρ}

(a rate multiplies the dissipator as written: QuTiP's collapse operator is √rate·L).

**Weak symmetry.** When H conserves the excitation number q = N_ex (or only its parity) and every
collapse operator shifts q by a fixed amount, the Liouvillian maps the entries ρ_ij with
k = q_i − q_j into entries with the same k: the blocks ρ_k evolve independently. Only the k present
in ρ(0) are integrated (a Fock charger with a Dicke battery lives in k = 0 alone), and for the
excitation number only k ≥ 0, since ρ_{−k} = ρ_k†. Block k is stored as the concatenation of its
cells ρ_{ab} (rows in sector a, columns in sector b, a − b = k), each column-stacked.

**Propagation.** A time-independent generator is exponentiated exactly on the uniform grid with
Krylov/Taylor ``expm_multiply`` (so the state is also available between grid points); a
time-dependent one is integrated with an adaptive Runge–Kutta method (DOP853) at the spec's
rtol/atol. Trace, positivity of the battery state and the population of the top Fock level are
monitored and reported in ``info`` (warnings in ``info["warnings"]``).

**Steady state.** :func:`steady_state` solves L ρ = 0 in the k = 0 block with one row replaced by
the trace (sparse LU); a singular system (condition estimate) means several steady states: it then
counts them from a dense SVD (small problems) and returns the state reached from ρ(0).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from qbattery.operators.symmetry import excitation_number
from qbattery.solvers import register
from qbattery.spec import SpecError

TIME_CHUNK = 512
ODE_METHOD = "DOP853"
TRUNCATION_WARN = 1e-6  # population of the top Fock level
TRACE_WARN = 1e-6
POSITIVITY_WARN = 1e-6
SINGULAR_CONDITION = 1e12  # condition estimate beyond which a linear system counts as singular
NULL_TOLERANCE = 1e-10  # singular values below this fraction of the largest span the kernel
DENSE_STEADY = 2500  # largest block whose kernel is counted with a dense SVD
RESOLVENT_SHIFT = 1e-9  # relative ε of the fallback ε(ε − L)^{-1}ρ(0) on large singular blocks


# --------------------------------------------------------------------------- sectors


def _shift(op: sp.spmatrix | None, labels: np.ndarray, modulus: int | None) -> int | None:
    """The fixed amount op shifts the charge by (label(row) − label(col)), or None if not fixed."""
    if op is None:
        return 0
    coo = sp.coo_matrix(op)
    mask = abs(coo.data) > 1e-14
    diff = labels[coo.row[mask]] - labels[coo.col[mask]]
    if modulus:
        diff = diff % modulus
    if diff.size == 0:
        return 0
    return int(diff[0]) if np.all(diff == diff[0]) else None


def find_symmetry(problem) -> tuple[str, np.ndarray, int | None]:
    """(name, charge of each basis state, modulus) of the finest weak symmetry the generator has.

    Tries the excitation number, then its parity: H(t) must conserve the charge and every collapse
    operator must shift it by a fixed amount. Returns ("none", zeros, None) when neither holds.
    """
    q = excitation_number(problem)
    hams = [problem.H_static] + [op for _, op in problem.H_driven]
    jumps = [L for _, _, L in problem.collapse]
    for name, modulus in (("excitation_number", None), ("parity", 2)):
        labels = q % modulus if modulus else q
        if all(_shift(H, labels, modulus) == 0 for H in hams) and all(
            _shift(L, labels, modulus) is not None for L in jumps
        ):
            return name, labels, modulus
    return "none", np.zeros(problem.dim, dtype=int), None


@dataclass
class _Block:
    """The entries ρ_ij with label(i) − label(j) = k, as cells ρ_ab stacked one after another."""

    k: int
    offsets: dict[tuple[int, int], int]  # cell (a, b) -> start of its column-stacked entries
    rows: np.ndarray  # i of every entry
    cols: np.ndarray  # j of every entry
    mirrored: bool  # ρ_{−k} = ρ_k† is implied and not stored

    @property
    def size(self) -> int:
        return len(self.rows)


class _Sectors:
    def __init__(self, labels: np.ndarray, modulus: int | None):
        self.labels, self.modulus = labels, modulus
        self.index = {int(v): np.flatnonzero(labels == v) for v in np.unique(labels)}

    def wrap(self, x: int) -> int:
        return x % self.modulus if self.modulus else x

    def block(self, k: int) -> _Block:
        offsets, rows, cols, start = {}, [], [], 0
        for a, ia in self.index.items():
            for b, ib in self.index.items():
                if self.wrap(a - b) != k:
                    continue
                offsets[(a, b)] = start
                rows.append(np.tile(ia, len(ib)))  # column stacking: i runs fastest
                cols.append(np.repeat(ib, len(ia)))
                start += len(ia) * len(ib)
        mirrored = self.modulus is None and k > 0 and len(self.index) > 1
        return _Block(k, offsets, np.concatenate(rows), np.concatenate(cols), mirrored)

    def present(self, initial) -> list[int]:
        """The k whose block ρ(0) fills (k ≥ 0 only for the excitation number)."""
        ks: set[int] = set()
        for _, psi in initial:
            support = np.unique(self.labels[np.abs(psi) > 0])
            ks |= {self.wrap(int(a - b)) for a in support for b in support}
        return sorted(k for k in ks if self.modulus is not None or k >= 0)

    def superoperator(self, block: _Block, terms) -> sp.csr_matrix:
        """Σ over terms ρ ↦ AρB (A or B None: identity) restricted to the block, sparse."""
        n = block.size
        rows, cols, vals = [], [], []
        for A, B in terms:
            sA, sB = _shift(A, self.labels, self.modulus), _shift(B, self.labels, self.modulus)
            for (a, b), off in block.offsets.items():
                target = (self.wrap(a + sA), self.wrap(b - sB))
                if target not in block.offsets:
                    continue
                ia, ib = self.index[a], self.index[b]
                ta, tb = self.index[target[0]], self.index[target[1]]
                left = sp.identity(len(ia), format="csr") if A is None else A[ta][:, ia]
                right = sp.identity(len(ib), format="csr") if B is None else B[ib][:, tb]
                if left.nnz == 0 or right.nnz == 0:
                    continue
                m = sp.kron(right.T, left, format="coo")
                rows.append(m.row + block.offsets[target])
                cols.append(m.col + off)
                vals.append(m.data)
        if not vals:
            return sp.csr_matrix((n, n), dtype=complex)
        data = np.concatenate(vals).astype(complex)
        return sp.csr_matrix((data, (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))

    def initial_vector(self, block: _Block, initial) -> np.ndarray:
        y = np.zeros(block.size, dtype=complex)
        for w, psi in initial:
            y += w * psi[block.rows] * psi[block.cols].conj()
        return y


# --------------------------------------------------------------------------- generator


def _generator_terms(problem, t: float | None = None):
    """L(t)ρ = Σ_groups c(t)·Σ_(A,B) AρB, as [(c or None for 1, [(A, B), ...]), ...].

    The constant part is written with K = −iH − ½Σ rate·L†L: ρ ↦ Kρ + ρK† + Σ rate·LρL†.
    With ``t`` every coefficient is evaluated and a single constant group is returned.
    """
    H = problem.H_static.astype(complex)
    decay = sp.csr_matrix(H.shape, dtype=complex)
    jumps, groups = [], []
    for c, op in problem.H_driven:
        if t is None:
            groups.append((c, [(-1j * op, None), (None, 1j * op)]))
        else:
            H = H + complex(c(t)) * op
    for _, rate, L in problem.collapse:
        Ld = L.conj().T.tocsr()
        LdL = (Ld @ L).tocsr()
        if rate.is_constant or t is not None:
            gamma = complex(rate(t if t is not None else 0.0))
            decay = decay + gamma * LdL
            jumps.append((gamma * L, Ld))
        else:
            groups.append((rate, [(L, Ld), (-0.5 * LdL, None), (None, -0.5 * LdL)]))
    K = (-1j * H - 0.5 * decay).tocsr()
    return [(None, [(K, None), (None, K.conj().T.tocsr()), *jumps])] + groups


def liouvillian(problem, t: float | None = None) -> sp.csr_matrix:
    """The full Liouvillian as a sparse (D², D²) matrix, D = problem.dim.

    Column-stacking convention: vec(ρ)[i + D·j] = ρ_ij, so vec(AρB) = (Bᵀ ⊗ A) vec(ρ) and
    L = −i(I ⊗ H − Hᵀ ⊗ I) + Σ rate·(L* ⊗ L − ½ I ⊗ L†L − ½ (L†L)ᵀ ⊗ I).
    A time-dependent generator needs ``t``.
    """
    if t is None and problem.is_time_dependent:
        raise ValueError("the generator depends on t; pass the time t")
    sectors = _Sectors(np.zeros(problem.dim, dtype=int), None)
    ((_, terms),) = _generator_terms(problem, t)
    return sectors.superoperator(sectors.block(0), terms)


def _check_supported(problem) -> None:
    for name in problem.local_noise:
        raise SpecError(
            f"noise.{name}",
            "local noise on a spin ensemble needs the permutational solver (solver = 'auto'); "
            "for a few atoms write it as [[noise.collapse]] on an 'atoms' battery",
        )


# --------------------------------------------------------------------------- evolution


class LindbladEvolution:
    """ρ(t) block by block on the time grid; expectations, battery states and monitors."""

    solver = "lindblad"

    def __init__(self, problem, rtol: float = 1e-8, atol: float = 1e-10, method: str = "auto"):
        _check_supported(problem)
        self.problem = problem
        self.times = problem.times
        self.dims = problem.dims
        if method == "auto":
            method = "ODE" if problem.is_time_dependent else "expm"
        if method == "expm" and problem.is_time_dependent:
            raise ValueError("exact exponentiation needs a time-independent generator")
        self.method = ODE_METHOD if method == "ODE" else method
        symmetry, labels, modulus = find_symmetry(problem)
        self.sectors = _Sectors(labels, modulus)
        groups = _generator_terms(problem)
        self.blocks: list[_Block] = []
        self.generators: list[sp.csr_matrix] = []  # the constant part of each block's generator
        self.states: list[np.ndarray] = []  # (T, block size) for each block
        for k in self.sectors.present(problem.initial):
            block = self.sectors.block(k)
            parts = [(c, self.sectors.superoperator(block, terms)) for c, terms in groups]
            y0 = self.sectors.initial_vector(block, problem.initial)
            if self.method == "expm":
                states = self._exponentiate(parts[0][1], y0)
            else:
                states = self._integrate(parts, y0, rtol, atol)
            self.blocks.append(block)
            self.generators.append(parts[0][1])
            self.states.append(states)
        self.info: dict = {
            "solver": "lindblad",
            "method": self.method,
            "symmetry": symmetry,
            "sectors_integrated": [b.k for b in self.blocks],
            "block_sizes": [b.size for b in self.blocks],
            "liouvillian_dimension": problem.dim**2,
        }
        if self.method != "expm":
            self.info.update(rtol=rtol, atol=atol)
        self._monitor()

    # ----------------------------------------------------------------- propagation
    def _exponentiate(self, L: sp.csr_matrix, y0: np.ndarray) -> np.ndarray:
        t = self.times
        return expm_multiply(L, y0, start=t[0], stop=t[-1], num=len(t), endpoint=True)

    def _integrate(self, parts, y0: np.ndarray, rtol: float, atol: float) -> np.ndarray:
        L0 = parts[0][1]
        # a uniform rotation of the block (e.g. e^{−iωkt} on resonance) is taken out exactly
        mu = 1j * L0.diagonal().imag.mean() if L0.shape[0] else 0.0
        L0 = (L0 - mu * sp.identity(L0.shape[0], format="csr")).tocsr()
        driven = parts[1:]

        def rhs(t, y):
            out = L0 @ y
            for c, M in driven:
                out += complex(c(t)) * (M @ y)
            return out

        t = self.times
        sol = solve_ivp(
            rhs, (t[0], t[-1]), y0, t_eval=t, method=self.method, rtol=rtol, atol=atol
        )  # fmt: skip
        if not sol.success:
            raise RuntimeError(f"time integration failed: {sol.message}")
        return (sol.y * np.exp(mu * t)).T

    # ----------------------------------------------------------------- evaluation
    @property
    def can_evaluate_anywhere(self) -> bool:
        return not self.problem.is_time_dependent

    def _states_at(self, t: np.ndarray | None, rows: slice) -> list[np.ndarray]:
        """Each block's entries at grid rows, or at times t (propagated from the grid point before)."""
        if t is None:
            return [s[rows] for s in self.states]
        if not self.can_evaluate_anywhere:
            raise ValueError("this evolution is known on its time grid only")
        t = np.asarray(t, dtype=float)
        before = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 1)
        out = []
        for L, states in zip(self.generators, self.states, strict=True):
            chunk = np.empty((len(t), states.shape[1]), dtype=complex)
            for m, (n, x) in enumerate(zip(before, t, strict=True)):
                dt = x - self.times[n]
                chunk[m] = states[n] if dt == 0 else expm_multiply(dt * L, states[n])
            out.append(chunk)
        return out

    def expect(self, op: sp.spmatrix, t: np.ndarray | None = None) -> np.ndarray:
        """Re Tr[O ρ(t)] on the grid (or at times ``t`` for a time-independent generator)."""
        op = sp.csr_matrix(op)
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        weights = [np.asarray(op[b.cols, b.rows]).ravel() for b in self.blocks]
        mirror = [
            np.asarray(op[b.rows, b.cols]).ravel() if b.mirrored else None for b in self.blocks
        ]
        out = np.zeros(len(times))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, start + TIME_CHUNK)
            chunk = self._states_at(None if t is None else times[rows], rows)
            for y, w, wm in zip(chunk, weights, mirror, strict=True):
                out[rows] += (y @ w).real
                if wm is not None:
                    out[rows] += (y.conj() @ wm).real
        return out

    def battery_states(self, t: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Reduced battery states ρ_B(t) = Tr_C ρ(t), in chunks: (grid rows, array (k, dB, dB))."""
        dB, dC = self.dims
        maps = []  # entries with equal charger index, summed into ρ_B[i // dC, j // dC]
        for b in self.blocks:
            keep = np.flatnonzero(b.rows % dC == b.cols % dC)
            flat = (b.rows[keep] // dC) * dB + b.cols[keep] // dC
            maps.append(sp.csr_matrix((np.ones(len(keep)), (flat, keep)), (dB * dB, b.size)))
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, min(start + TIME_CHUNK, len(times)))
            chunk = self._states_at(None if t is None else times[rows], rows)
            rho = np.zeros((rows.stop - rows.start, dB, dB), dtype=complex)
            for y, P, b in zip(chunk, maps, self.blocks, strict=True):
                part = (P @ y.T).T.reshape(-1, dB, dB)
                rho += part
                if b.mirrored:
                    rho += part.conj().transpose(0, 2, 1)
            yield rows, rho

    # ----------------------------------------------------------------- monitors
    def _monitor(self) -> None:
        """Trace drift, top Fock population and the battery state's smallest eigenvalue."""
        p = self.problem
        warnings: list[str] = []
        k0 = [b.k for b in self.blocks].index(0)  # ρ(0) always has a k = 0 block
        block, states = self.blocks[k0], self.states[k0]
        diag = block.rows == block.cols
        trace = states[:, diag].sum(axis=1).real
        error = float(np.max(np.abs(trace - trace[0])))
        self.info["trace_error"] = error
        if error > TRACE_WARN:
            warnings.append(f"the trace of ρ drifted by {error:.2e}; tighten rtol/atol")
        if p.charger.kind == "mode" and p.charger.dim > 1:
            cutoff = p.charger.dim
            top = diag & (block.rows % cutoff == cutoff - 1)
            pop = float(np.max(states[:, top].sum(axis=1).real))
            self.info["max_top_fock_population"] = pop
            if pop > TRUNCATION_WARN:
                warnings.append(
                    f"mode truncation: the top Fock level |{cutoff - 1}> holds up to {pop:.1e} "
                    f"of the population (> {TRUNCATION_WARN:g}), so results depend on the cutoff; "
                    f"use mode.cutoff = {int(np.ceil(1.5 * cutoff)) + 2} or more"
                )
        lowest = min(float(np.linalg.eigvalsh(rho).min()) for _, rho in self.battery_states())
        self.info["min_battery_eigenvalue"] = lowest
        if lowest < -POSITIVITY_WARN:
            warnings.append(
                f"the battery state lost positivity (smallest eigenvalue {lowest:.2e}); "
                "tighten rtol/atol or check that every rate is non-negative"
            )
        self.info["warnings"] = warnings


@register("lindblad")
def solve_lindblad(problem) -> LindbladEvolution:
    run = problem.spec.run
    return LindbladEvolution(problem, rtol=run.rtol, atol=run.atol)
