"""spec → Problem → solver → series and summary → Result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from qbattery import __version__, metrics
from qbattery._threads import blas_for
from qbattery.operators.boson import truncation_warning
from qbattery.operators.symmetry import conserved_charges, excitation_number
from qbattery.problem import Problem, build_problem
from qbattery.result import Result
from qbattery.solvers import solve
from qbattery.spec import Spec, SpecError, load_spec, validate_spec

STATE_SERIES = {"ergotropy", "ergotropy_symmetric", "purity"}


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
    e_abs = evolution.expect(problem.H_battery)
    energy = e_abs - e_abs[0]
    series: dict[str, np.ndarray] = {}
    if "energy" in wanted:
        series["energy"] = energy
    if "power" in wanted:
        series["power"] = metrics.average_power(t, energy)
    if "energy_std" in wanted:
        second = evolution.expect(problem.H_battery @ problem.H_battery)
        series["energy_std"] = np.sqrt(np.clip(second - e_abs**2, 0, None))
    if "charger_energy" in wanted:
        ec = evolution.expect(problem.H_charger)
        series["charger_energy"] = ec - ec[0]
    if "interaction_energy" in wanted:
        series["interaction_energy"] = evolution.expect(problem.H_coupling)

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

    summary = metrics.summarize(t, energy, series.get("ergotropy"), energy_at)
    summary["E_initial"] = float(e_abs[0])
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
    full, symmetric = battery_levels(problem)
    if "ergotropy_symmetric" in wanted and symmetric is None:
        raise SpecError("output.series", "ergotropy_symmetric needs a battery of spins")
    if symmetric is not None and full[0] < symmetric[0] - 1e-9 * max(1, abs(full[0])):
        warnings.append(
            f"the battery Hamiltonian's ground energy {full[0]:.6g} lies outside the symmetric "
            f"manifold (its lowest level there is {symmetric[0]:.6g})"
        )
    H = problem.H_battery_local.toarray()
    T = len(evolution.times)
    out = {name: np.zeros(T) for name in wanted if name in STATE_SERIES}
    for rows, rho in evolution.battery_states():
        energies = np.einsum("ij,tji->t", H, rho).real
        pops = np.linalg.eigvalsh(rho)
        if "ergotropy" in out:
            out["ergotropy"][rows] = energies - metrics.passive_energy(pops, full)
        if "ergotropy_symmetric" in out:
            out["ergotropy_symmetric"][rows] = energies - metrics.passive_energy(pops, symmetric)
        if "purity" in out:
            out["purity"][rows] = np.einsum("tij,tji->t", rho, rho).real
    return out
