"""Lindblad master equation, sector by sector.

    dρ/dt = −i[H(t), ρ] + Σ_L rate_L(t)·D[L]ρ,    D[L]ρ = LρL† − ½{L†L, ρ}

(a rate multiplies the dissipator as written: QuTiP's collapse operator is √rate·L).

**Weak symmetry.** The entries ρ_ij with k = q_i − q_j evolve apart when H conserves the
excitation number q (or its parity) and every jump shifts q by a fixed amount; only the cells ρ(0)
fills or jumps feed are integrated (:mod:`qbattery.solvers.weak_symmetry`). A Fock charger with a
Dicke battery and only losses lives in the k = 0 cells with at most its initial number of
excitations. For the excitation number only k ≥ 0 is stored, since ρ_{−k} = ρ_k†.

**Propagation.** A time-independent generator on a uniform grid is exponentiated exactly: small
blocks with the dense propagator e^{LΔt}, computed once and stepped along the grid; larger blocks,
stacked into one block-diagonal system with each block's mean rotation taken out, by Taylor
expansions that each cover several grid points (the series is cut only where its rest is provably
below 2⁻⁵³ of the norm). A time-dependent generator or a non-uniform grid is integrated with an
adaptive Runge–Kutta method (DOP853) at the spec's rtol/atol. With a time-independent generator
the state is also available between grid points (a short Taylor expansion from the grid point
before). Trace, positivity of the battery state and the population of the top Fock level are
monitored and reported in ``info`` (warnings in ``info["warnings"]``).

The steady state is :mod:`qbattery.solvers.steady_state`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from qbattery._memo import ByObject
from qbattery._threads import single_blas_thread
from qbattery.operators.boson import truncation_warning
from qbattery.progress import report
from qbattery.solvers import register
from qbattery.solvers.taylor import _expm_vector, _taylor_grid, ode_chunks
from qbattery.solvers.weak_symmetry import (
    Block,
    Sectors,
    charge_shift,
    compressed,
    find_symmetry,
)
from qbattery.spec import SpecError

TIME_CHUNK = 512
STEP_POWERS = 16  # grid steps of a tiny block taken by one product (_exponentiate_dense)
POWERS_MAX = 32  # largest block stepped that way
DENSE_EXPM = 300  # largest block exponentiated densely (e^{LΔt} once, then steps)
# largest block whose eigenmodes serve evaluations between grid points: a complex eig costs
# ~25 d³ (1.2 ms at d = 25, 51 ms at d = 121 here), a short Taylor expansion from the grid
# point before a few sparse products per evaluation, and a summary asks for ~25 of them
MODES_MAX = 40
# eigenmodes of a small block serve evaluations between grid points only while their
# eigenvectors are this well conditioned (error ~ cond × 1e-16)
EIG_COND_MAX = 1e6
ODE_METHOD = "DOP853"
TRACE_WARN = 1e-6
POSITIVITY_WARN = 1e-6


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
    sectors = Sectors(np.zeros(problem.dim, dtype=int), None)
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
        """``method``: "auto" (exact exponentiation for a time-independent generator on a uniform
        grid, else DOP853), "expm" (exact exponentiation or an error) or a solve_ivp method."""
        _check_supported(problem)
        self.problem = problem
        self.times = problem.times
        self.dims = problem.dims
        t = self.times
        uniform = len(t) > 1 and np.allclose(np.diff(t), t[1] - t[0], rtol=1e-12, atol=0)
        if method == "auto" and (problem.is_time_dependent or not uniform):
            method = ODE_METHOD
        if method == "expm" and (problem.is_time_dependent or not uniform):
            raise ValueError(
                "exact exponentiation needs a time-independent generator and a uniform grid"
            )
        self.method = method
        symmetry, labels, modulus = find_symmetry(problem)
        self.sectors = Sectors(labels, modulus)
        groups = [(c, compressed(terms)) for c, terms in _generator_terms(problem)]
        shifts = {charge_shift(L, labels, modulus) for _, _, L in problem.collapse} - {0}
        self.blocks: list[Block] = []
        parts = []  # per block: [(coefficient or None, superoperator), ...]
        for k, cells in self.sectors.reachable(problem.initial, shifts).items():
            block = self.sectors.block(k, cells)
            self.blocks.append(block)
            parts.append([(c, self.sectors.superoperator(block, terms)) for c, terms in groups])
        self.generators = [p[0][1] for p in parts]  # the constant part of each block's generator
        y0 = [self.sectors.initial_vector(b, problem.initial) for b in self.blocks]
        self.states: list[np.ndarray] = [None] * len(self.blocks)  # (T, block size) each
        self._norms: dict[int, float] = {}  # ‖L_k‖₁, for evaluations between grid points
        self._weights_of = ByObject()  # op -> its block weights (_weights)
        self._modes: dict[int, tuple | None] = {}  # small blocks' eigenmodes (_eigenmodes)
        self._mode_coeffs: dict[tuple[int, int], np.ndarray] = {}  # (block, row): W⁻¹ρ_k(t_row)
        self._mode_weights: dict[tuple[int, int], tuple] = {}  # (block, id(w)): (w, Wᵀw, W^H wm)
        rest, used = [], set()
        for n, block in enumerate(self.blocks):
            if method in ("auto", "expm") and block.size <= DENSE_EXPM:
                self.states[n] = self._exponentiate_dense(self.generators[n], y0[n])
                used.add("expm")
            else:
                rest.append(n)
        if rest:
            together = self._propagate([parts[n] for n in rest], [y0[n] for n in rest], rtol, atol)
            for n, states in zip(rest, together, strict=True):
                self.states[n] = states
            used.add("taylor" if method in ("auto", "expm") else method)
        self.info: dict = {
            "solver": "lindblad",
            "method": "+".join(sorted(used)),
            "symmetry": symmetry,
            "sectors_integrated": [b.k for b in self.blocks],
            "block_sizes": [b.size for b in self.blocks],
            "liouvillian_dimension": problem.dim**2,
        }
        if used - {"expm", "taylor"}:
            self.info.update(rtol=rtol, atol=atol)
        self._monitor()

    # ----------------------------------------------------------------- propagation
    def _exponentiate_dense(self, L: sp.csr_matrix, y0: np.ndarray) -> np.ndarray:
        """ρ_k on the uniform grid by stepping with the dense propagator e^{LΔt}."""
        t = self.times
        out = np.empty((len(t), len(y0)), dtype=complex)
        out[0] = y0
        with single_blas_thread():  # threaded BLAS loses on small blocks (ARCHITECTURE.md)
            step = la.expm(L.toarray() * (t[1] - t[0]))
            # a tiny block: ρ(t_{n+m}) = e^{mLΔt} ρ(t_n) for m = 1..STEP_POWERS at once, one
            # product per STEP_POWERS grid points (the powers cost ~STEP_POWERS·d³, so only
            # where the Python-level product per point is the cost)
            per_product = STEP_POWERS if len(y0) <= POWERS_MAX else 1
            powers = step[None]
            while len(powers) < min(per_product, len(t) - 1):
                powers = np.concatenate([powers, powers @ powers[-1]])
            powers = powers.reshape(-1, len(y0))
            m = len(powers) // len(y0)
            for n in range(0, len(t) - 1, m):
                ahead = (powers @ out[n]).reshape(m, -1)
                count = min(m, len(t) - 1 - n)
                out[n + 1 : n + 1 + count] = ahead[:count]
        return out

    def _propagate(self, parts, y0, rtol: float, atol: float) -> list[np.ndarray]:
        """Several blocks as one block-diagonal system: Taylor expansions ("auto", "expm") or an
        ODE solver.

        Each block's mean rotation μ_k (the imaginary mean of its diagonal, e.g. −iωk on resonance)
        is taken out exactly, ρ_k(t) = e^{μ_k (t − t₀)} ρ̃_k(t), so that blocks far from k = 0 cost
        no more than k = 0 (and ‖L‖₁, which sets the Taylor steps, stays small).
        """
        t = self.times
        sizes = [p[0][1].shape[0] for p in parts]
        mus = np.array([1j * p[0][1].diagonal().imag.mean() for p in parts])
        owner = np.repeat(np.arange(len(parts)), sizes)  # block of every entry
        L0 = (sp.block_diag([p[0][1] for p in parts], format="csr") - sp.diags(mus[owner])).tocsr()
        driven = [
            (parts[0][g][0], sp.block_diag([p[g][1] for p in parts], format="csr"))
            for g in range(1, len(parts[0]))
        ]

        def rhs(x, v):
            out = L0 @ v
            for c, M in driven:
                out += complex(c(x)) * (M @ v)
            return out

        y = np.concatenate(y0)
        with single_blas_thread():  # vector work is memory bound; threads only contend
            if self.method in ("auto", "expm"):
                states = _taylor_grid(L0, y, t, float(abs(L0).sum(axis=0).max()))
            else:
                states = np.empty((len(t), len(y)), dtype=complex)
                states[0] = y
                jac = {"jac": L0} if self.method in ("BDF", "Radau") and not driven else {}
                for first, chunk in ode_chunks(self.method, rhs, y, t, rtol, atol, **jac):
                    states[first : first + len(chunk)] = chunk
                    report((first + len(chunk)) / len(t))
        blocks = np.split(states, np.cumsum(sizes)[:-1], axis=1)
        for mu, block in zip(mus, blocks, strict=True):
            block *= np.exp(mu * (t - t[0]))[:, None]
        return blocks

    # ----------------------------------------------------------------- evaluation
    @property
    def can_evaluate_anywhere(self) -> bool:
        return not self.problem.is_time_dependent

    def _states_at(self, t: np.ndarray | None, rows: slice, which: list[int]) -> list[np.ndarray]:
        """Entries of the blocks ``which`` at grid rows, or at times t (from the grid point before)."""
        if t is None:
            return [self.states[n][rows] for n in which]
        if not self.can_evaluate_anywhere:
            raise ValueError("this evolution is known on its time grid only")
        before = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 1)
        out = []
        for n in which:
            L, states = self.generators[n], self.states[n]
            if n not in self._norms:
                self._norms[n] = float(abs(L).sum(axis=0).max()) if L.nnz else 0.0
            chunk = np.empty((len(t), states.shape[1]), dtype=complex)
            modes = self._eigenmodes_or_none(n)
            for m, (i, x) in enumerate(zip(before, t, strict=True)):
                dt = x - self.times[i]
                if modes is not None:  # a small block: e^{LΔt} = W e^{ΛΔt} W⁻¹
                    W, W_inv, lam = modes
                    chunk[m] = W @ (np.exp(lam * dt) * (W_inv @ states[i]))
                else:
                    chunk[m] = _expm_vector(L, states[i], dt, self._norms[n])
            out.append(chunk)
        return out

    def _eigenmodes(self, n: int):
        """(W, W⁻¹, Λ) of a small block's generator, for evaluations between grid points, or
        None when its eigenvectors are too ill-conditioned (then Taylor series, exact)."""
        if n not in self._modes:
            with single_blas_thread():
                lam, W = la.eig(self.generators[n].toarray())
                W_inv = la.inv(W)
            # κ₁ = ‖W‖₁‖W⁻¹‖₁ from the inverse we need anyway (an SVD for κ₂ cost a third of eig)
            cond = np.linalg.norm(W, 1) * np.linalg.norm(W_inv, 1)
            self._modes[n] = (W, W_inv, lam) if cond < EIG_COND_MAX else None
        return self._modes[n]

    def _weights(self, op: sp.spmatrix) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The blocks O sees: O_ji for each stored ρ_ij, and O_ij for the mirrored ρ_ji;
        remembered for the object passed (refining a maximum asks for H_B again and again)."""

        def weights(o):
            csr, out = sp.csr_matrix(o), {}
            for n, b in enumerate(self.blocks):
                w = np.asarray(csr[b.cols, b.rows]).ravel()
                wm = np.asarray(csr[b.rows, b.cols]).ravel() if b.mirrored else np.zeros(0)
                if w.any() or wm.any():
                    out[n] = (w, wm)
            return out

        return self._weights_of.get(op, weights)

    def expect(self, op: sp.spmatrix, t: np.ndarray | None = None) -> np.ndarray:
        """Re Tr[O ρ(t)] on the grid (or at times ``t`` for a time-independent generator)."""
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        weights = self._weights(op)
        if t is not None and self.can_evaluate_anywhere:
            by_modes = self._expect_by_modes(weights, times)
            if by_modes is not None:
                return by_modes[0]
        out = np.zeros(len(times))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, start + TIME_CHUNK)
            chunk = self._states_at(None if t is None else times[rows], rows, list(weights))
            for y, (w, wm) in zip(chunk, weights.values(), strict=True):
                out[rows] += (y @ w).real
                if wm.size:
                    out[rows] += (y.conj() @ wm).real
        return out

    def expect_derivatives(self, op: sp.spmatrix, x: float) -> tuple[float, float, float] | None:
        """(f, f', f'') of f(t) = Re Tr[O ρ(t)] at one time (None when the generator depends on
        t), for the summary's Newton refinement: from the blocks' eigenmodes, f = Re Σ u·(e^{ΛΔt}
        c), each mode multiplied by λ and λ²; else f' and f'' are O's weights on Lρ and L²ρ."""
        if not self.can_evaluate_anywhere:
            return None
        weights = self._weights(op)
        t = np.array([float(x)])
        found = self._expect_by_modes(weights, t, orders=3)
        if found is not None:
            return float(found[0, 0]), float(found[1, 0]), float(found[2, 0])
        out = np.zeros(3)
        states = self._states_at(t, slice(None), list(weights))
        for (n, (w, wm)), y in zip(weights.items(), states, strict=True):
            L, v = self.generators[n], y[0]
            for order in range(3):
                out[order] += (v @ w).real + ((v.conj() @ wm).real if wm.size else 0.0)
                v = L @ v
        return float(out[0]), float(out[1]), float(out[2])

    def _expect_by_modes(
        self, weights: dict, times: np.ndarray, orders: int = 1
    ) -> np.ndarray | None:
        """Re Tr[O ρ(t)] between grid points when every block O sees has eigenmodes: with
        ρ_k(t) = W e^{ΛΔt} c, c = W⁻¹ρ_k(t_i), the weight w·ρ_k is (Wᵀw)·(e^{ΛΔt} c), O(d) per
        time instead of a d² product (refining a maximum evaluates E(t) some 30 times). Rows
        0..orders−1: the value and its time derivatives (each mode multiplied by λ^order)."""
        if any(self._eigenmodes_or_none(n) is None for n in weights):
            return None
        last = len(self.times) - 1
        before = np.clip(np.searchsorted(self.times, times, side="right") - 1, 0, last)
        dt = times - self.times[before]
        out = np.zeros((orders, len(times)))
        for n, (w, wm) in weights.items():
            W, W_inv, lam = self._modes[n]
            key = (n, id(w))
            if key not in self._mode_weights or self._mode_weights[key][0] is not w:
                self._mode_weights[key] = (w, W.T @ w, W.conj().T @ wm if wm.size else None)
            _, u, um = self._mode_weights[key]
            c = np.empty((len(times), len(lam)), dtype=complex)
            for m, i in enumerate(before):
                if (n, i) not in self._mode_coeffs:
                    self._mode_coeffs[(n, i)] = W_inv @ self.states[n][i]
                c[m] = self._mode_coeffs[(n, i)]
            c *= np.exp(np.outer(dt, lam))
            for order in range(orders):
                if order:
                    c *= lam
                out[order] += (c @ u).real
                if um is not None:
                    out[order] += (c.conj() @ um).real
        return out

    def _eigenmodes_or_none(self, n: int):
        return self._eigenmodes(n) if self.generators[n].shape[0] <= MODES_MAX else None

    def full_states(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        """The density matrix ρ(t) of the whole space at each grid row."""
        yield from self._density([states[rows] for states in self.states])

    def _density(self, chunk: list[np.ndarray]) -> np.ndarray:
        """ρ (rows, dim, dim) from the blocks' entries at those rows: each entry of ρ is stored
        in one block (or is the mirror of one)."""
        dim = self.problem.dim
        rho = np.zeros((len(chunk[0]), dim, dim), dtype=complex)
        for y, b in zip(chunk, self.blocks, strict=True):
            rho[:, b.rows, b.cols] = y
            if b.mirrored:
                rho[:, b.cols, b.rows] = y.conj()
        return rho

    def battery_states(self, t: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Reduced battery states ρ_B(t) = Tr_C ρ(t), in chunks: (grid rows, array (k, dB, dB))."""
        dB, dC = self.dims
        maps = []  # entries with equal charger index, summed into ρ_B[i // dC, j // dC]
        for b in self.blocks if dC > 1 else []:  # no charger: ρ_B is ρ (_density)
            keep = np.flatnonzero(b.rows % dC == b.cols % dC)
            flat = (b.rows[keep] // dC) * dB + b.cols[keep] // dC
            maps.append(sp.csr_matrix((np.ones(len(keep)), (flat, keep)), (dB * dB, b.size)))
        times = self.times if t is None else np.atleast_1d(np.asarray(t, dtype=float))
        for start in range(0, len(times), TIME_CHUNK):
            rows = slice(start, min(start + TIME_CHUNK, len(times)))
            chunk = self._states_at(
                None if t is None else times[rows], rows, list(range(len(self.blocks)))
            )
            if dC == 1:
                yield rows, self._density(chunk)
                continue
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
            warnings += truncation_warning(cutoff, pop)
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
    """The bare basis, or the eigenbasis of H where the generator splits only there
    (:mod:`qbattery.solvers.lindblad_dressed`: strongly driven atoms)."""
    from qbattery.solvers.lindblad_dressed import DressedEvolution, dressed_problem

    run = problem.spec.run
    found = dressed_problem(problem)
    if found is not None:
        return DressedEvolution(problem, *found, rtol=run.rtol, atol=run.atol)
    return LindbladEvolution(problem, rtol=run.rtol, atol=run.atol)
