"""spec → Problem → solver → series and summary → Result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from qbattery import __version__, metrics
from qbattery._threads import blas_for
from qbattery.operators import permutational as perm
from qbattery.operators.boson import truncation_warning
from qbattery.operators.symmetry import conserved_charges, excitation_number
from qbattery.problem import Problem, build_problem
from qbattery.result import Result
from qbattery.solvers import solve
from qbattery.spec import Spec, SpecError, load_spec, validate_spec

STATE_SERIES = {"ergotropy", "ergotropy_symmetric", "purity", "locked_energy"}
PART_MATRICES = {
    "battery": lambda p: p.H_battery,
    "battery_squared": lambda p: p.H_battery @ p.H_battery,
    "charger": lambda p: p.H_charger,
    "coupling": lambda p: p.H_coupling,
}


def simulate(spec: Spec | dict | str | Path) -> Result:
    """Run one charging protocol described by a spec (dict, :class:`Spec` or TOML path)."""
    if isinstance(spec, str | Path):
        spec = load_spec(spec)
    spec = validate_spec(spec)
    if spec.run.solver == "meanfield":  # needs no quantum state space (N may be huge)
        from qbattery.solvers.meanfield import simulate_meanfield

        return simulate_meanfield(spec)
    problem = build_problem(spec)
    with blas_for(problem.dim):
        evolution = solve(problem)
    with blas_for(getattr(evolution, "largest_block", problem.dim)):
        return evaluate(problem, evolution)


def battery_levels(problem: Problem) -> tuple[np.ndarray, np.ndarray | None]:
    """Spectra for the passive state: (all unitaries on the battery, symmetric manifold only).

    For N spins kept in their symmetric manifold, all unitaries reach the whole 2^N space, whose
    spectrum (with multiplicities d_j) is built irrep by irrep; only its lowest N+1 levels matter.
    """
    local = np.linalg.eigvalsh(problem.H_battery_local.toarray())
    if problem.battery.kind != "spins":
        return local, None
    full = metrics.collective_spectrum(
        problem.battery_spin_spectra, problem.battery.size, problem.battery.dim
    )
    return full, local


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

    energy_at = None
    if getattr(evolution, "can_evaluate_anywhere", False):

        def energy_at(x):
            return evolution.expect(problem.H_battery, x) - e_abs[0]

    ergo = series.get("ergotropy")
    summary = metrics.summarize(t, energy, ergo, energy_at)
    summary.update(metrics.at_tau(summary, t, series, ["switching_cost", "locked_energy"]))
    summary["E_initial"] = float(e_abs[0])
    summary.update(_locked_energy_bound(problem, series))
    info = dict(evolution.info)
    info["conserved_charges"] = charges
    info["dimension"] = problem.dim
    resolved = spec.to_dict()
    resolved["qbattery_version"] = __version__
    return Result(t, {k: series[k] for k in wanted}, summary, resolved, info, warnings)


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
    top = np.zeros(cutoff)
    top[-1] = 1.0
    projector = sp.kron(sp.identity(problem.battery.dim), sp.diags(top), format="csr")
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
    n = problem.battery.size
    H_blocks = dict(problem.battery_spin_blocks)
    spectra = dict(problem.battery_spin_spectra)
    levels = np.concatenate(list(spectra.values()))
    level_counts = np.concatenate(
        [np.full(len(e), perm.multiplicity(n, j)) for j, e in spectra.items()]
    )
    ground = float(levels.min())
    if hasattr(evolution, "battery_blocks"):
        chunks = evolution.battery_blocks()
    else:  # the symmetric manifold j = N/2 only
        chunks = ((rows, [(n / 2, 1.0, rho)]) for rows, rho in evolution.battery_states())
        symmetric = spectra[n / 2]
        if ground < symmetric[0] - 1e-9 * max(1, abs(ground)):
            warnings.append(
                f"the battery Hamiltonian's ground energy {ground:.6g} lies outside the symmetric "
                f"manifold (its lowest level there is {symmetric[0]:.6g})"
            )
    T = len(evolution.times)
    out = {name: np.zeros(T) for name in wanted if name in STATE_SERIES}
    for rows, blocks in chunks:
        energy, eigs, counts, sym_passive, purity = 0.0, [], [], 0.0, 0.0
        for j, d, B in blocks:
            energy = energy + np.einsum("ij,tji->t", H_blocks[j], B).real
            mu = np.linalg.eigvalsh(B)
            eigs.append(mu / d)  # each eigenvalue of ρ_B occurs d_j times, with weight μ/d_j
            counts.append(np.full(mu.shape[1], d))
            sym_passive = sym_passive + np.sort(mu, axis=1)[:, ::-1] @ spectra[j]
            purity = purity + np.einsum("tij,tji->t", B, B).real / d
        passive = metrics.passive_energy_with_multiplicities(
            np.concatenate(eigs, axis=1), np.concatenate(counts), levels, level_counts
        )
        if "ergotropy" in out:
            out["ergotropy"][rows] = energy - passive
        if "ergotropy_symmetric" in out:
            out["ergotropy_symmetric"][rows] = energy - sym_passive
        if "locked_energy" in out:
            out["locked_energy"][rows] = passive - ground
        if "purity" in out:
            out["purity"][rows] = purity
    return out


def _locked_energy_bound(problem: Problem, series: dict) -> dict:
    """Canzio et al. Eq. 9: E_B − ergotropy ≤ 2N/(N+2)·ω_0 for a pure permutation-invariant ρ_B(0)
    (Eq. 7) and a permutation-invariant generator (Eq. 8), with H_B = ω_0 S_z + const.

    Reported only where those assumptions hold, with whether the run obeys it (App. B counts the
    state's rank as at most dim S = (N+2)²/4; a mixed block state repeated d_j times can exceed
    that, so the bound can fail under local noise: we report it, never enforce it)."""
    if problem.battery.kind != "spins" or "locked_energy" not in series:
        return {}
    if problem.spec.initial.total is not None or len(problem.initial) != 1:
        return {}  # ρ_B(0) not a pure battery state of a product ρ(0)
    n = problem.battery.size
    top = dict(problem.battery_spin_spectra)[n / 2]
    omega = (top[-1] - top[0]) / n if n else 0.0
    for j, e in problem.battery_spin_spectra:
        if not np.allclose(e - e[0], omega * np.arange(len(e)), atol=1e-9 * max(1, abs(omega))):
            return {}  # H_B is not ω_0 S_z + const
        if not np.isclose(e[0], top[0] + omega * (n / 2 - j), atol=1e-9 * max(1, abs(omega))):
            return {}
    bound = 2 * n / (n + 2) * abs(omega)
    locked = float(np.max(series["locked_energy"]))
    return {
        "locked_energy_max": locked,
        "locked_energy_bound": bound,
        "locked_energy_bound_holds": bool(locked <= bound * (1 + 1e-9)),
    }
