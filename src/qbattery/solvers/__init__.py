"""Solvers: each takes a :class:`~qbattery.problem.Problem` and returns an evolution.

An evolution has ``times``, ``info`` (a dict recorded in results), ``expect(op, t=None)`` (Re Tr[Oρ(t)]
on the grid, or at arbitrary times where ``can_evaluate_anywhere``) and ``battery_states()``
(chunks of reduced battery states). New solvers register themselves in :data:`SOLVERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from qbattery.spec import SERIES, SpecError

SOLVERS: dict[str, Callable] = {}


def register(name: str):
    def wrap(func: Callable) -> Callable:
        SOLVERS[name] = func
        return func

    return wrap


def choose_solver(problem) -> str:
    """The solver ``solver = "auto"`` picks: closed without noise; with noise the
    permutation-invariant one wherever it represents the problem (:func:`permutational_fits`),
    else Lindblad."""
    requested = problem.spec.run.solver
    if requested != "auto":
        return requested
    if not problem.is_open:
        return "closed"
    if problem.local_noise:
        return "permutational"
    return "permutational" if permutational_fits(problem) else "lindblad"


LOCAL_RATES = ("local_decay", "local_dephasing", "local_pumping")
# collapse operators the permutational solver evaluates in every spin-j block: the built-in
# collective channels (a custom [[noise.collapse]] stays with the Lindblad solver)
COLLECTIVE_CHANNELS = ("mode_loss", "collective_decay")
# series the permutational evolution provides: all but the mean-field Bloch vector
PERMUTATIONAL_SERIES = frozenset(SERIES) - {"u", "v", "w"}


def permutational_fits(problem) -> bool:
    """Whether the permutational solver represents an open problem without local noise: spins
    (collective operators only, so ρ stays in the block j = N/2 and the solver keeps that block
    alone) with a mode or no charger, only the built-in collective channels, and series it
    supports. Few-level atoms, bath spins and custom collapse operators go to Lindblad."""
    return (
        problem.battery.kind == "spins"
        and problem.charger.kind in ("mode", "none")
        and all(name in COLLECTIVE_CHANNELS for name, _, _ in problem.collapse)
        and set(problem.spec.output.series) <= PERMUTATIONAL_SERIES
    )


def solver_for_spec(spec) -> str:
    """The solver ``choose_solver`` will pick, from the spec alone (no operators built): a rate
    written as an expression counts as non-zero, so noise given as ``"gamma"`` with gamma = 0
    still reads as open here (only the resource estimate before the build uses this)."""
    if spec.run.solver != "auto":
        return spec.run.solver
    if any(_nonzero(getattr(spec.noise, name)) for name in LOCAL_RATES):
        return "permutational"
    if not spec.has_noise:
        return "closed"
    fits = (
        spec.system.spins is not None
        and spec.system.bath_spins is None
        and not spec.noise.collapse
        and set(spec.output.series) <= PERMUTATIONAL_SERIES
    )
    return "permutational" if fits else "lindblad"


def _nonzero(rate) -> bool:
    return not (rate == 0 or (isinstance(rate, str) and rate.strip() in ("0", "0.0")))


# where the built-in solvers live; a module registers its solver when imported
BUILTIN = {
    "closed": "qbattery.solvers.closed",
    "lindblad": "qbattery.solvers.lindblad",
    "meanfield": "qbattery.solvers.meanfield",
    "permutational": "qbattery.solvers.permutational",
}


def get_solver(name: str) -> Callable:
    """The registered solver ``name``, importing only its own module."""
    if name not in SOLVERS and name in BUILTIN:
        import importlib

        importlib.import_module(BUILTIN[name])
    if name not in SOLVERS:
        raise SpecError("run.solver", f"solver {name!r} is not available in this version")
    return SOLVERS[name]


def solve(problem):
    return get_solver(choose_solver(problem))(problem)
