"""A spec run with the mean-field equations as a :class:`~qbattery.result.Result`, and the
evolution interface of the solver ``"meanfield"`` (registered when this module is imported)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qbattery import grid_checks, metrics
from qbattery.solvers import register
from qbattery.solvers.meanfield.derivation import _as_spec, derive
from qbattery.solvers.meanfield.integration import Trajectory, integrate
from qbattery.solvers.meanfield.model import MeanFieldModel, _Poly
from qbattery.spec import SpecError


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
    fine = grid_checks.subdivide(traj.sol.sol.ts)
    grid = grid_checks.check_grid(
        times,
        grid_checks.curve_time_scale(fine, traj.energy_at(fine)),
        "from E(t) between the steps",
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
