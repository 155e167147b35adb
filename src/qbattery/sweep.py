"""Parameter sweeps: a grid of specs run on any executor, resumable point by point.

``qbattery.sweep(spec, over=[("g", [0.1, 0.2]), ("N", [2, 4])], out="s.nc")`` (the module is
callable) or ``qbattery sweep SPEC --over g=0.1,0.2 --over N=2:4:2 -o s.nc``. A swept name is a
parameter, ``N`` (the battery size: ``system.spins`` or ``system.atoms``), ``N_C`` (the bath
size), ``cutoff`` (``system.mode.cutoff``) or any dotted spec path (``time.t_max``, ...).

Never lose or redo work:

* each finished (or failed) point is written to ``OUT.partial/KEY.json`` atomically before the
  next result is collected, so a killed sweep loses at most the points in flight, and its pool
  workers die with it (:mod:`qbattery.sweep_executors`);
* a point is its resolved spec (:mod:`qbattery.sweep_grid`): a rerun skips every point found in
  ``OUT.partial/`` or in a finished ``OUT``, whatever grid it was computed in, so an identical
  rerun computes nothing and an extended grid only the new points; failed points are retried;
* ``OUT.partial/manifest.json`` (written at the start) and the file's ``base_spec`` attribute hold
  the base spec: a sweep into them with a changed spec is refused, naming the dotted fields that
  differ, unless ``restart`` (``--restart``) discards the old points. Changing only the swept
  values is not a change of spec, but a grid that leaves out points already computed there is
  refused too (the file would lose them): extend it, write elsewhere, or ``--restart``.

A point that raises (a SpecError, a memory refusal for one N, ...) is recorded with its error and
the sweep goes on; the summary lists the failures (the CLI then exits 1).

The file (:func:`qbattery.sweep_store.assemble`): one coordinate per swept name (dots become
underscores: ``system_spins``), each summary quantity on the sweep dimensions, each series on
(sweep dims..., ``t``). When the time grid is swept (``time.t_max``, ``time.points``) the points
have different grids: series lie on (sweep dims..., ``step``) and ``t`` is a data variable on
(sweep dims..., ``step``), NaN past each point's own grid. Failed points are NaN. Attributes:
``base_spec``, ``sweep_names``, ``sweep_paths``, ``summary_keys``, ``series_keys``, ``layout``
(``t`` or ``step``), ``points`` (JSON list in grid order: each point's ``info``, ``warnings`` and
``error``) and ``failed`` (JSON list of the failed points' assignments and errors).
"""

from __future__ import annotations

import copy
import itertools
import sys
import types
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from qbattery.cf import annotate
from qbattery.result import atomic_write
from qbattery.spec import Spec, SpecError
from qbattery.sweep_executors import WorkerDied, dask_executor, describe, outcomes, trace
from qbattery.sweep_grid import (
    canonical,
    changed_fields,
    parse_over,
    point_key,
    point_spec,
    resolve_names,
    resolved,
)
from qbattery.sweep_grid import legacy_hash as spec_hash
from qbattery.sweep_store import PartialFolder, assemble, read_finished

__all__ = ["Plan", "WorkerDied", "dask_executor", "parse_over", "plan_sweep", "point_spec",
           "run_plan", "spec_hash", "sweep"]  # fmt: skip


def _run_point(spec: dict) -> dict:
    from qbattery.simulate import simulate

    result = simulate(spec)
    return {
        "t": result.t,
        "series": result.series,
        "summary": result.summary,
        "info": result.info,
        "warnings": result.warnings,
    }


@dataclass
class Plan:
    """A checked sweep: every point's spec and key, the points already done, what is left."""

    out: Path
    base: dict
    over: list[tuple[str, list]]
    paths: list[str]
    grid: list[dict]  # assignments (swept name -> value), grid order
    specs: list[dict]  # the point specs run_point receives
    resolved: list[dict]  # their validated form: the points' identities
    keys: list[str]  # point_key of each
    done: dict[str, dict]  # key -> record of a finished point
    partial: PartialFolder
    restart: bool  # discard the old points in OUT.partial/ when the run starts

    @property
    def todo(self) -> list[int]:
        return [k for k, key in enumerate(self.keys) if key not in self.done]


def plan_sweep(
    base: Spec | dict, over: Sequence[tuple[str, Sequence]], out: str | Path, restart: bool = False
) -> Plan:
    """Check the grid (every point validated before any work), read what is already on disk and
    refuse a changed spec (unless ``restart``); writes nothing."""
    out = Path(out)
    if out.suffix.lower() != ".nc":
        raise SpecError("output", "a sweep writes NetCDF: use -o OUT.nc")
    base_dict = base.as_written() if isinstance(base, Spec) else copy.deepcopy(base)
    base_dict.pop("qbattery_version", None)
    over = [(name, list(values)) for name, values in over]
    names = [n for n, _ in over]
    if len(set(names)) != len(names):
        raise SpecError("--over", "each name may be swept once")
    for name, values in over:
        if not values:
            raise SpecError("--over", f"{name}: no values")
        if len({repr(canonical(v)) for v in values}) != len(values):
            raise SpecError("--over", f"{name}: repeated values")
    base_resolved = resolved(base_dict)
    paths = resolve_names(base_resolved, names)
    grid = [dict(zip(names, v, strict=True)) for v in itertools.product(*(v for _, v in over))]
    specs = [point_spec(base_dict, dict(zip(paths, a.values(), strict=True))) for a in grid]
    points = [resolved(s) for s in specs]  # fail fast on a bad value, before any work
    partial = PartialFolder(out)
    done: dict[str, dict] = {}
    if not restart:
        finished = _check_unchanged(out, partial, base_resolved, paths)
        for record in [*(finished.records if finished else []), *partial.records(base_dict)]:
            if "error" not in record:  # a failed point is tried again
                done[point_key(record["spec"])] = record
    keys = [point_key(p) for p in points]
    outside = set(done) - set(keys)
    if outside:  # the new file would hold only this grid: those points would be lost
        raise SpecError(
            "--over",
            f"{out} already holds {len(outside)} computed point(s) outside this grid, which "
            "writing it would discard; extend the grid to include them, choose another output, "
            "or pass --restart (restart=True) to discard them",
        )
    return Plan(out, base_dict, over, paths, grid, specs, points, keys, done, partial, restart)


def _check_unchanged(out: Path, partial: PartialFolder, base: dict, paths: list[str]):
    """The finished file at ``out`` if it may be extended; a SpecError naming the fields that
    changed since the points on disk were computed."""
    manifest = partial.manifest()
    if manifest is not None:
        _refuse_changes(out, resolved(manifest["base_spec"]), manifest["sweep_paths"], base, paths)
    finished = read_finished(out)
    if finished is not None:
        try:
            _refuse_changes(out, resolved(finished.base), finished.paths, base, paths)
        except SpecError:
            if manifest is None:
                raise
            return None  # a restarted sweep (its manifest passed) replaces the old file
    return finished


def _refuse_changes(out: Path, old: dict, old_paths, new: dict, new_paths) -> None:
    changed = changed_fields(old, new, ignore={*old_paths, *new_paths})
    if changed:
        shown = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more" if changed[6:] else "")
        raise SpecError(
            shown,
            f"changed since the points in {out} were computed; pass --restart (restart=True) "
            "to discard them, or choose another output",
        )


def run_plan(
    plan: Plan,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    run_point: Callable[[dict], dict] = _run_point,
    log: Callable[[str], None] | None = None,
):
    """Compute what ``plan`` has left, write ``plan.out``; returns the xarray Dataset."""
    plan.partial.create(empty=plan.restart)  # only now: a refused sweep leaves nothing behind
    plan.partial.write_manifest(plan.base, [n for n, _ in plan.over], plan.paths)
    todo = plan.todo
    if len(todo) < len(plan.grid):
        _say(log, f"{len(plan.grid) - len(todo)} of {len(plan.grid)} points already done, "
                  f"computing {len(todo)}")  # fmt: skip
    failed: dict[str, dict] = {}

    def stored() -> Iterable[dict]:
        jobs = [(k, plan.specs[k]) for k in todo]
        for k, outcome in outcomes(jobs, run_point, executor, workers):
            record = {"spec": plan.resolved[k], "assignment": plan.grid[k]}
            if isinstance(outcome, Exception):
                record |= {"error": describe(outcome), "traceback": trace(outcome)}
                failed[plan.keys[k]] = plan.partial.store(record)
                _say(log, f"point {_label(plan.grid[k])} failed: {record['error']}")
            else:
                plan.done[plan.keys[k]] = plan.partial.store({**record, **outcome})
            yield plan.grid[k]

    for _ in (progress or (lambda items, total: items))(stored(), len(todo)):
        pass
    records = [plan.done.get(key) or failed[key] for key in plan.keys]
    dataset = assemble(plan.base, plan.over, plan.paths, records)
    annotate(dataset, resolved(plan.base))  # CF units and long names
    atomic_write(plan.out, lambda tmp: dataset.to_netcdf(tmp, engine="h5netcdf"))
    plan.partial.remove()
    if failed:
        lines = [f"  {_label(r['assignment'])}: {r['error']}" for r in failed.values()]
        message = (f"{len(failed)} of {len(plan.keys)} points failed (NaN in {plan.out}; a rerun "
                   "retries them):\n" + "\n".join(lines))  # fmt: skip
        if log is None:
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        else:
            log(message)
    return dataset


def sweep(
    base: Spec | dict,
    over: Sequence[tuple[str, Sequence]],
    out: str | Path,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    run_point: Callable[[dict], dict] = _run_point,
    restart: bool = False,
    log: Callable[[str], None] | None = None,
):
    """Run ``base`` on the grid ``over`` and write ``out`` (.nc); returns the xarray Dataset.

    ``executor``: any ``concurrent.futures.Executor`` (``client.get_executor()`` of a Dask
    cluster, ...); by default a process pool of ``workers`` processes (inline when
    ``workers == 1``). ``progress(items, total)`` wraps the iteration over finished points;
    ``log`` receives the lines for the user (points skipped, failures).
    """
    plan = plan_sweep(base, over, out, restart=restart)
    return run_plan(plan, executor, workers, progress, run_point, log)


def _label(assignment: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in assignment.items())


def _say(log: Callable[[str], None] | None, line: str) -> None:
    if log is not None:
        log(line)


class _CallableModule(types.ModuleType):
    """``qbattery.sweep(...)`` runs a sweep while ``qbattery.sweep.parse_over`` (and patching
    ``qbattery.sweep.sweep``) keep working: the package attribute is this module either way."""

    def __call__(self, *args, **kwargs):
        return self.sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
