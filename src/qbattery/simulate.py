"""spec → Problem → solver → series and summary → Result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from qbattery import __version__, expr, grid_checks, metrics, resources, solver_resources
from qbattery._threads import blas_for
from qbattery.operators import permutational as perm
from qbattery.operators import spin
from qbattery.operators.boson import top_fock_projector, truncation_warning
from qbattery.operators.symmetry import conserved_charges, excitation_number
from qbattery.problem import BATTERY_SPIN_SYMBOLS, Problem, build_problem
from qbattery.progress import reporting
from qbattery.result import Result
from qbattery.solvers import choose_solver, solve
from qbattery.spec import STATE_SERIES, Spec, SpecError, load_spec, validate_spec
from qbattery.states import collect_states

PART_MATRICES = {
    "battery": lambda p: p.H_battery,
    "battery_squared": lambda p: p.H_battery @ p.H_battery,
    "charger": lambda p: p.H_charger,
    "coupling": lambda p: p.H_coupling,
}


def simulate(
    spec: Spec | dict | str | Path,
    *,
    initial_state=None,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Run one charging protocol described by a spec (dict, :class:`Spec` or TOML path).

    ``initial_state``: a QuTiP ket or density matrix of battery ⊗ charger (dims as
    :func:`qbattery.to_qutip` gives them) that replaces the spec's ``[initial]``.

    ``progress``: called with the fraction (0..1, never decreasing) of the run's propagation
    done, from the solvers' time loops at chunk granularity (never per step; sectors run one
    after another share the range evenly), and with 1.0 at the end. It never changes a result.

    Memory is checked twice before it is allocated (:mod:`qbattery.resources`): from the spec
    alone, then from the solver's own layout; a run that would not fit stops with a
    :class:`SpecError` naming the field that sets its size."""
    if isinstance(spec, str | Path):
        spec = load_spec(spec)
    spec = validate_spec(spec)
    estimate = resources.check_spec(spec)
    if spec.run.solver == "meanfield":  # needs no quantum state space (N may be huge)
        if spec.output.states != "none":
            raise SpecError("output.states", "the mean-field solver keeps no quantum states")
        from qbattery.solvers.meanfield import simulate_meanfield

        result = simulate_meanfield(spec)
        result.info["resources"] = estimate.as_info()
        if progress is not None:
            progress(1.0)
        return result
    problem = build_problem(spec, initial_state)
    estimate = solver_resources.check_problem(problem, choose_solver(problem))
    with reporting(progress):  # the closed solver's Chebyshev sectors propagate in evaluate
        with blas_for(problem.dim):
            evolution = solve(problem)
        with blas_for(getattr(evolution, "largest_block", problem.dim)):
            result = evaluate(problem, evolution)
    result.info["resources"] = estimate.as_info()
    if progress is not None:
        progress(1.0)
    return result


def battery_levels(problem: Problem) -> tuple[np.ndarray, np.ndarray | None]:
    """Spectra for the passive state: (all unitaries on the battery, symmetric manifold only).

    For N spins kept in their symmetric manifold, all unitaries reach the whole 2^N space; only
    its lowest N+1 levels (with multiplicity) can pair with the N+1 eigenvalues of ρ_B
    (:func:`spin_battery_levels`, never the 2^N space itself).
    """
    local = np.linalg.eigvalsh(problem.H_battery_local.toarray())
    if problem.battery.kind != "spins":
        return local, None
    full = metrics.expand_levels(*spin_battery_levels(problem, problem.battery.dim))
    return full, local


BANDED_FROM = 400  # blocks at least this large (and narrow) are diagonalized in banded form


def battery_block_hamiltonian(problem: Problem, j: float) -> sp.csr_matrix:
    """H_B on one copy of the spin-j irrep (sparse): the spec's expression with spin-j matrices.

    H_B is a function of collective operators, so it acts as this same matrix on each of the
    d_j copies of spin j in N spin-1/2."""
    if j == problem.battery.size / 2:
        return problem.H_battery_local
    ops = spin.spin_operators(j)
    env = dict(problem.params) | {sym: ops[k] for sym, k in BATTERY_SPIN_SYMBOLS.items()}
    return expr.evaluate(problem.spec.hamiltonian.battery, env).matrix(round(2 * j) + 1)


def lowest_eigenvalues(H: sp.spmatrix, m: int | None = None) -> np.ndarray:
    """The m lowest eigenvalues of a Hermitian sparse H (all by default), in banded form when H
    is large and narrow (S_z, S_x², ...: O(n·w²) work and O(n·w) memory instead of O(n³), O(n²))."""
    n = H.shape[0]
    m = n if m is None else min(m, n)
    coo = sp.coo_matrix(sp.csr_matrix(H))
    coo.sum_duplicates()
    width = int(np.max(np.abs(coo.row - coo.col))) if coo.nnz else 0
    if width == 0:  # diagonal (H_B = B S_z on a sector, say): its entries are the levels
        return np.sort(H.diagonal().real)[:m]
    if n >= BANDED_FROM and width <= n // 8:
        keep = coo.row >= coo.col
        band = np.zeros((width + 1, n), dtype=complex)
        band[coo.row[keep] - coo.col[keep], coo.col[keep]] = coo.data[keep]
        band = band.real if not band.imag.any() else band
        return la.eig_banded(
            band, lower=True, eigvals_only=True, select="i", select_range=(0, m - 1)
        )
    dense = H.toarray()
    dense = dense.real if not dense.imag.any() else dense
    return la.eigvalsh(dense, subset_by_index=[0, m - 1])


def spin_battery_levels(problem: Problem, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The lowest ``count`` levels of H_B over all 2^N states of a spin battery, as (levels,
    multiplicities): never a 2^N-sized (or Σ_j(2j+1)-sized) object.

    H_B = f(S_z) (the expression uses no S_x, S_y, S_±): f(k − N/2) occurs C(N, k) times, read
    off the symmetric manifold's diagonal. Otherwise irrep by irrep, only the ⌈count/d_j⌉ lowest
    levels of each (:func:`qbattery.metrics.lowest_collective_levels`)."""
    n = problem.battery.size
    names = expr.parse(problem.spec.hamiltonian.battery).names
    if not names & (set(BATTERY_SPIN_SYMBOLS) - {"Sz"}):
        return metrics.sz_levels(problem.H_battery_local.diagonal().real, count)
    return metrics.lowest_collective_levels(
        lambda j, m: lowest_eigenvalues(battery_block_hamiltonian(problem, j), m), n, count
    )


def evaluate(problem: Problem, evolution) -> Result:
    """Series requested by the spec, their summary and the run's record."""
    spec = problem.spec
    wanted = list(spec.output.series)
    t = evolution.times

    def part(name: str) -> np.ndarray:
        if hasattr(evolution, "expect_part"):  # a solver that stores only the spec's own operators
            return evolution.expect_part(name)
        return evolution.expect(PART_MATRICES[name](problem))

    e_abs = part("battery")
    energy = e_abs - e_abs[0]
    series: dict[str, np.ndarray] = {}
    if "energy" in wanted:
        series["energy"] = energy
    if "power" in wanted:
        series["power"] = metrics.average_power(t, energy)
    if "energy_std" in wanted:
        series["energy_std"] = np.sqrt(np.clip(part("battery_squared") - e_abs**2, 0, None))
    if "charger_energy" in wanted:
        ec = part("charger")
        series["charger_energy"] = ec - ec[0]
    if {"interaction_energy", "switching_cost"} & set(wanted):
        coupling = part("coupling")
        series["interaction_energy"] = coupling
        series["switching_cost"] = -coupling  # δE_ON→OFF(t) = −Tr[ρ(t) H_I], Canzio Eq. 5

    charges = conserved_charges(problem)
    warnings = list(problem.warnings) + list(evolution.info.get("warnings", []))
    if problem.charger.kind == "mode" and "max_top_fock_population" not in evolution.info:
        warnings += _truncation_warnings(problem, evolution, charges)
    if STATE_SERIES & set(wanted):
        series.update(_state_series(problem, evolution, wanted, warnings))

    anywhere = getattr(evolution, "can_evaluate_anywhere", False)
    grid = grid_checks.check_grid(t, *time_scale(problem), refined=anywhere)
    if not grid.resolved:
        warnings.append(grid.warning(spec.time.t_max, len(t)))
    energy_at = slopes = None
    if anywhere and grid.resolved:

        def energy_at(x):
            return evolution.expect(problem.H_battery, x) - e_abs[0]

        if getattr(evolution, "expect_derivatives", None) is not None:

            def slopes(x):
                out = evolution.expect_derivatives(problem.H_battery, x)
                return None if out is None else (out[0] - e_abs[0], out[1], out[2])

    ergo = series.get("ergotropy")
    summary = metrics.summarize(t, energy, ergo, energy_at, slopes)
    summary.update(metrics.at_tau(summary, t, series, ["switching_cost", "locked_energy"]))
    summary["E_initial"] = float(e_abs[0])
    summary.update(_power_bound(problem, evolution, summary, float(e_abs[0])))
    summary.update(_locked_energy_bound(problem, series))
    info = dict(evolution.info)
    info["conserved_charges"] = charges
    info["dimension"] = problem.dim
    if problem.basis is not None:
        info["subspace"] = _subspace_info(problem)
    info["grid"] = grid.as_info() | {"summary_refined": energy_at is not None}
    resolved = spec.to_dict()
    resolved["qbattery_version"] = __version__
    states = collect_states(problem, evolution)
    return Result(t, {k: series[k] for k in wanted}, summary, resolved, info, warnings, states)


def _power_bound(problem: Problem, evolution, summary: dict, e_initial: float) -> dict:
    """The largest energy the battery can store and the time after which no average power can
    beat P_max: E(t) ≤ E_capacity = λ_max − E_B(0), λ_max the top level of H_B on the states the
    run can reach, so E(t)/t < P_max for t > E_capacity/P_max. P_max is the global maximum over
    all t > 0 when the window reaches that time (Peng et al., PRA 103, 052220, certify their
    maxima this way with the capacity B·min(N_B, n) of their sector).

    Reachable: the sector a problem is built on (``basis``), the battery factor as the problem
    writes it (the symmetric manifold for collective spins), or every spin-j block when local
    noise mixes them."""
    if hasattr(evolution, "battery_blocks"):
        top = max(float(levels.max()) for _, levels in problem.battery_spin_spectra)
    else:
        H = problem.H_battery_local if problem.basis is None else problem.H_battery
        top = -float(lowest_eigenvalues(-H, 1)[0])
    capacity = max(top - e_initial, 0.0)
    p_max = summary.get("P_max") or 0.0
    bound = capacity / p_max if p_max > 0 else None
    t_max = float(evolution.times[-1])
    return {
        "E_capacity": capacity,
        "t_power_bound": bound,
        "P_max_is_global": bool(bound is not None and t_max >= bound),
    }


def _subspace_info(problem: Problem) -> dict:
    """Where a sector-first problem lives (:mod:`qbattery.operators.subspace`)."""
    q = excitation_number(problem)
    return {
        "excitation_numbers": sorted(int(c) for c in np.unique(q)),
        "dimension": problem.dim,
        "product_dimension": problem.product_dim,
    }


def _truncation_warnings(problem: Problem, evolution, charges: list[str]) -> list[str]:
    """Warn when the mode's top Fock level is populated: the cutoff is then too small.

    Exception: when H conserves the excitation number and ρ(0) holds at most cutoff − 1
    excitations, the photon number can never reach the cutoff and the truncation is exact."""
    cutoff = problem.charger.dim
    if "excitation_number" in charges:
        q = excitation_number(problem)
        if max(q[np.abs(psi) > 0].max() for _, psi in problem.initial) < cutoff:
            evolution.info["truncation"] = "exact (excitation number conserved)"
            return []
    projector = problem.on_basis(top_fock_projector(problem.battery.dim, cutoff))
    pop = float(np.max(evolution.expect(projector)))
    evolution.info["max_top_fock_population"] = pop
    return truncation_warning(cutoff, pop)


def _state_series(problem: Problem, evolution, wanted: list[str], warnings: list[str]) -> dict:
    if problem.battery.kind == "spins":
        return _spin_state_series(problem, evolution, wanted, warnings)
    if "ergotropy_symmetric" in wanted:
        raise SpecError("output.series", "ergotropy_symmetric needs a battery of spins")
    H = problem.H_battery_local.toarray()
    levels = np.linalg.eigvalsh(H)
    T = len(evolution.times)
    out = {name: np.zeros(T) for name in wanted if name in STATE_SERIES}
    for rows, rho in evolution.battery_states():
        energies = np.einsum("ij,tji->t", H, rho).real
        passive = metrics.passive_energy(np.linalg.eigvalsh(rho), levels)
        if "ergotropy" in out:
            out["ergotropy"][rows] = energies - passive
        if "locked_energy" in out:
            out["locked_energy"][rows] = passive - levels[0]
        if "purity" in out:
            out["purity"][rows] = np.einsum("tij,tji->t", rho, rho).real
    return out


def _spin_state_series(problem: Problem, evolution, wanted, warnings) -> dict:
    """Ergotropy over all unitaries of the 2^N space (each block's eigenvalues counted d_j times
    against the full spectrum of H_B) and over permutation-invariant ones ⊕_j U_j ⊗ 1_{d_j}
    (each block against its own levels), from the battery's block states B_j = Tr_C σ_j."""
    if hasattr(evolution, "battery_blocks"):
        return _block_state_series(problem, evolution, wanted)
    # the symmetric manifold j = N/2 only: ρ_B has N + 1 eigenvalues, which pair with the N + 1
    # lowest of the 2^N levels
    H = problem.H_battery_local.toarray()
    full, symmetric = battery_levels(problem)
    ground = float(full[0])
    if ground < symmetric[0] - 1e-9 * max(1, abs(ground)):
        warnings.append(
            f"the battery Hamiltonian's ground energy {ground:.6g} lies outside the symmetric "
            f"manifold (its lowest level there is {symmetric[0]:.6g})"
        )
    T = len(evolution.times)
    out = {name: np.zeros(T) for name in wanted if name in STATE_SERIES}
    for rows, rho in evolution.battery_states():
        mu = np.linalg.eigvalsh(rho)
        energy = np.einsum("ij,tji->t", H, rho).real
        passive = metrics.passive_energy(mu, full)
        _store(out, rows, energy, passive, ground, mu[:, ::-1] @ symmetric, rho)
    return out


def _block_state_series(problem: Problem, evolution, wanted) -> dict:
    """The same from the block states B_j of every irrep (``battery_blocks``)."""
    n = problem.battery.size
    H_blocks, spectra = {}, {}
    T = len(evolution.times)
    out = {name: np.zeros(T) for name in wanted if name in STATE_SERIES}
    for rows, blocks in evolution.battery_blocks():
        for j, _, _ in blocks:
            if j not in H_blocks:
                H_blocks[j] = battery_block_hamiltonian(problem, j).toarray()
                spectra[j] = np.linalg.eigvalsh(H_blocks[j])
        levels = np.concatenate([spectra[j] for j, _, _ in blocks])
        level_counts = np.concatenate(
            [np.full(len(spectra[j]), perm.multiplicity(n, j)) for j, _, _ in blocks]
        )
        ground = float(levels.min())
        energy, eigs, counts, sym_passive, purity = 0.0, [], [], 0.0, 0.0
        for j, d, B in blocks:
            energy = energy + np.einsum("ij,tji->t", H_blocks[j], B).real
            mu = np.linalg.eigvalsh(B)
            eigs.append(mu / d)  # each eigenvalue of ρ_B occurs d_j times, with weight μ/d_j
            counts.append(np.full(mu.shape[1], d))
            sym_passive = sym_passive + mu[:, ::-1] @ spectra[j]
            purity = purity + np.einsum("tij,tji->t", B, B).real / d
        passive = metrics.passive_energy_with_multiplicities(
            np.concatenate(eigs, axis=1), np.concatenate(counts), levels, level_counts
        )
        _store(out, rows, energy, passive, ground, sym_passive, None, purity)
    return out


def _store(out, rows, energy, passive, ground, sym_passive, rho, purity=None) -> None:
    if "ergotropy" in out:
        out["ergotropy"][rows] = energy - passive
    if "ergotropy_symmetric" in out:
        out["ergotropy_symmetric"][rows] = energy - sym_passive
    if "locked_energy" in out:
        out["locked_energy"][rows] = passive - ground
    if "purity" in out:
        out["purity"][rows] = np.einsum("tij,tji->t", rho, rho).real if purity is None else purity


def _locked_energy_bound(problem: Problem, series: dict) -> dict:
    """Canzio et al. Eq. 9: E_B − ergotropy ≤ 2N/(N+2)·ω_0 for a pure permutation-invariant ρ_B(0)
    (Eq. 7) and a permutation-invariant generator (Eq. 8), with H_B = ω_0 S_z + const.

    Reported only where those assumptions hold, with whether the run obeys it (App. B counts the
    state's rank as at most dim S = (N+2)²/4; a mixed block state repeated d_j times can exceed
    that, so the bound can fail under local noise: we report it, never enforce it)."""
    if problem.battery.kind != "spins" or "locked_energy" not in series:
        return {}
    if len(problem.initial) != 1:
        return {}  # ρ(0) mixed
    m = problem.battery_charger_matrices(problem.initial[0][1])
    singular = np.linalg.svd(m, compute_uv=False)
    if np.sum(singular**2 > 1e-12 * singular[0] ** 2) > 1:
        return {}  # ρ_B(0) not pure: battery and charger entangled at t = 0
    n = problem.battery.size
    top = lowest_eigenvalues(problem.H_battery_local)
    omega = (top[-1] - top[0]) / n if n else 0.0
    tol = 1e-9 * max(1, abs(omega))
    if not np.allclose(top - top[0], omega * np.arange(len(top)), atol=tol):
        return {}  # H_B is not ω_0 S_z + const on the symmetric manifold
    if expr.parse(problem.spec.hamiltonian.battery).names & (set(BATTERY_SPIN_SYMBOLS) - {"Sz"}):
        for j in spin.spins_in(n)[1:]:  # f(S_z) linear on j = N/2 is linear on every j
            e = lowest_eigenvalues(battery_block_hamiltonian(problem, j))
            if not np.allclose(e - e[0], omega * np.arange(len(e)), atol=tol):
                return {}  # H_B is not ω_0 S_z + const
            if not np.isclose(e[0], top[0] + omega * (n / 2 - j), atol=tol):
                return {}
    bound = 2 * n / (n + 2) * abs(omega)
    locked = float(np.max(series["locked_energy"]))
    return {
        "locked_energy_max": locked,
        "locked_energy_bound": bound,
        "locked_energy_bound_holds": bool(locked <= bound * (1 + 1e-9)),
    }


# --------------------------------------------------------------------------- time grid


def time_scale(problem: Problem) -> tuple[float | None, str]:
    """τ = π/W, W the fastest relevant frequency of the run, and where it comes from.

    W adds up: the fastest frequency of E(t) from its time derivatives at t = 0
    (:func:`qbattery.grid_checks.derivative_frequency`, under H(0) with every drive at its largest
    amplitude on the grid, pure component by component), the drives' own frequencies
    (max |c'|/max |c| on a fine grid) and the rates (a collapse operator L at rate γ: γ|⟨[L, L†]⟩|,
    i.e. γN for S_− on N atoms, κ for a mode, plus 2γ·Var L for a Hermitian L such as a
    dephasing; a local channel: γ per atom, 2γ for dephasing). None: nothing moves."""
    times = problem.times
    components = sorted(problem.initial, key=lambda c: -c[0])[:COMPONENTS_CHECKED]
    components = [(w, psi) for w, psi in components if w >= 1e-6]
    H, drive_rate = problem.H_static, 0.0
    if problem.H_driven:
        fine = np.linspace(times[0], times[-1], min(max(16 * len(times), 4097), 1_000_001))
        for c, op in problem.H_driven:
            values = np.broadcast_to(np.asarray(c(fine), dtype=complex), fine.shape)
            amplitude = float(np.max(np.abs(values)))
            if amplitude == 0:
                continue
            H = H + amplitude * (op + op.getH()) / 2
            slope = np.max(np.abs(np.diff(values))) / (fine[1] - fine[0]) if len(fine) > 1 else 0
            drive_rate = max(drive_rate, float(slope) / amplitude)
    values, noise = 0.0, 0.0
    for w, psi in components:  # each pure component's E(t), weighted
        v, r = grid_checks.time_derivatives(H, problem.H_battery, psi)
        values, noise = values + w * v, noise + w * r
    frequency = grid_checks.derivative_frequency(values, noise) if components else 0.0
    rates = 0.0
    for _, rate, L in problem.collapse:
        gamma = float(np.max(np.abs(np.asarray(rate(times), dtype=complex))))
        hermitian = abs(L - L.getH()).max() < 1e-12 if L.nnz else True
        for _, psi in components:
            Lpsi, Ldpsi = L @ psi, L.getH() @ psi
            speed = abs(np.vdot(Ldpsi, Ldpsi).real - np.vdot(Lpsi, Lpsi).real)
            if hermitian:
                speed += 2 * max(np.vdot(Lpsi, Lpsi).real - np.vdot(psi, Lpsi).real ** 2, 0.0)
            rates = max(rates, gamma * speed)
    local = {"local_dephasing": 2.0}
    rates += sum(local.get(name, 1.0) * abs(c.value) for name, c in problem.local_noise.items())
    total = frequency + drive_rate + rates
    parts = ["the frequencies of E(t)"] if frequency else []
    parts += ["the drive"] if drive_rate else []
    parts += ["the rates"] if rates else []
    return (np.pi / total if total > 0 else None), " + ".join(parts)


COMPONENTS_CHECKED = 64  # pure components of ρ(0) whose E(t) is examined (largest weights)
