"""Solvers: each takes a :class:`~qbattery.problem.Problem` and returns an evolution.

An evolution has ``times``, ``info`` (a dict recorded in results), ``expect(op, t=None)`` (Re Tr[Oρ(t)]
on the grid, or at arbitrary times where ``can_evaluate_anywhere``) and ``battery_states()``
(chunks of reduced battery states). New solvers register themselves in :data:`SOLVERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from qbattery.spec import SpecError

SOLVERS: dict[str, Callable] = {}


def register(name: str):
    def wrap(func: Callable) -> Callable:
        SOLVERS[name] = func
        return func

    return wrap


def choose_solver(problem) -> str:
    """The solver ``solver = "auto"`` picks: closed without noise, Lindblad with it."""
    requested = problem.spec.run.solver
    if requested != "auto":
        return requested
    if not problem.is_open:
        return "closed"
    if problem.local_noise:
        return "permutational"
    return "lindblad"


LOCAL_RATES = ("local_decay", "local_dephasing", "local_pumping")


def solver_for_spec(spec) -> str:
    """The solver ``choose_solver`` will pick, from the spec alone (no operators built): a rate
    written as an expression counts as non-zero, so noise given as ``"gamma"`` with gamma = 0
    still reads as open here (only the resource estimate before the build uses this)."""
    if spec.run.solver != "auto":
        return spec.run.solver
    if any(_nonzero(getattr(spec.noise, name)) for name in LOCAL_RATES):
        return "permutational"
    return "lindblad" if spec.has_noise else "closed"


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
