"""Parameter sweeps: a grid of specs run on any executor, resumable point by point.

Each finished point is written to ``OUT.partial/`` (one small JSON file, atomically) before the
next result is collected, so a killed sweep loses at most the points in flight. Rerunning the same
command skips every point already on disk (in ``OUT.partial/`` or in a finished ``OUT.nc`` of the
same base spec), then assembles everything into one labelled NetCDF file: summaries on the sweep
dimensions, series on the sweep dimensions × t.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from qbattery.reproduce.registry import jsonable
from qbattery.result import atomic_write
from qbattery.spec import Spec, SpecError, validate_spec


def parse_over(text: str) -> tuple[str, list]:
    """``"g=0.1,0.2"`` → ("g", [0.1, 0.2]); ``"system.spins=2,4"`` addresses a spec field."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise SpecError("--over", f"expected NAME=v1,v2,..., got {text!r}")
    out = []
    for v in values.split(","):
        v = v.strip()
        try:
            number = float(v)
        except ValueError:
            raise SpecError("--over", f"{name}: {v!r} is not a number") from None
        if not np.isfinite(number):
            raise SpecError("--over", f"{name}: {v!r} is not a finite number")
        out.append(int(number) if number.is_integer() and "." not in v else number)
    if len(set(out)) != len(out):
        raise SpecError("--over", f"{name}: repeated values")
    return name, out


def point_spec(base: dict, assignment: dict) -> dict:
    """The base spec with one grid point's values put in (parameters, or dotted spec paths)."""
    spec = copy.deepcopy(base)
    for name, value in assignment.items():
        if "." in name:
            node = spec
            *parents, last = name.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = value
        else:
            spec.setdefault("parameters", {})[name] = value
    return spec


def _key(base_hash: str, assignment: dict) -> str:
    text = json.dumps([base_hash, sorted(assignment.items())], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def spec_hash(base: dict) -> str:
    return hashlib.sha256(json.dumps(base, sort_keys=True, default=str).encode()).hexdigest()[:16]


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


def sweep(
    base: Spec | dict,
    over: Sequence[tuple[str, list]],
    out: str | Path,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    run_point: Callable[[dict], dict] = _run_point,
):
    """Run ``base`` on the grid ``over`` and write ``out`` (.nc); returns the xarray Dataset.

    ``executor``: any ``concurrent.futures.Executor`` (a Dask or Ray one for a cluster); by default
    a process pool with ``workers`` processes (inline when ``workers == 1``).
    """
    out = Path(out)
    if out.suffix.lower() != ".nc":
        raise SpecError("output", "a sweep writes NetCDF: use -o OUT.nc")
    base_dict = base.to_dict() if isinstance(base, Spec) else copy.deepcopy(base)
    base_dict.pop("qbattery_version", None)
    names = [n for n, _ in over]
    if len(set(names)) != len(names):
        raise SpecError("--over", "each name may be swept once")
    grid = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*(v for _, v in over))
    ]
    # fail fast on a bad name or value, before any work
    _check_names(base_dict, names)
    for assignment in grid:
        validate_spec(point_spec(base_dict, assignment))
    h = spec_hash(base_dict)
    parts = out.with_name(out.name + ".partial")
    try:
        parts.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SpecError("output", f"{parts} cannot be created ({err.strerror or err})") from None
    done = _finished(out, parts, h)
    todo = [a for a in grid if _key(h, a) not in done]

    def store(assignment: dict, data: dict) -> None:
        record = {"base_hash": h, "assignment": assignment, **data}
        path = parts / f"{_key(h, assignment)}.json"
        atomic_write(path, lambda tmp: tmp.write_text(json.dumps(jsonable(record))))
        done[_key(h, assignment)] = json.loads(path.read_text())

    bar = progress or (lambda items, total: items)
    if todo and executor is None and workers <= 1:
        for assignment in bar(todo, len(todo)):
            store(assignment, run_point(point_spec(base_dict, assignment)))
    elif todo:
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(run_point, point_spec(base_dict, a)): a for a in todo}
            for future in bar(as_completed(futures), len(todo)):
                store(futures[future], future.result())
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    dataset = _assemble(base_dict, over, grid, done, h)
    atomic_write(out, lambda tmp: dataset.to_netcdf(tmp, engine="h5netcdf"))
    shutil.rmtree(parts, ignore_errors=True)
    return dataset


def _check_names(base: dict, names: list[str]) -> None:
    params = base.get("parameters", {})
    for name in names:
        if "." not in name and name not in params:
            raise SpecError(
                "--over",
                f"{name!r} is not a parameter of the spec (known: {', '.join(params) or 'none'})",
            )
        if name.startswith("time."):
            raise SpecError("--over", "the time grid cannot be swept (series share one t axis)")


def _finished(out: Path, parts: Path, h: str) -> dict[str, dict]:
    """Points already computed: in the partial folder, and in a finished file of the same spec."""
    done: dict[str, dict] = {}
    if out.exists():
        import xarray as xr

        with xr.open_dataset(out, engine="h5netcdf") as ds:
            if ds.attrs.get("base_hash") == h:
                for record in _records_from(ds):
                    done[_key(h, record["assignment"])] = record
    for path in parts.glob("*.json"):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue  # a torn file cannot exist (atomic writes), but never trust the disk
        if record.get("base_hash") == h:
            done[path.stem] = record
    return done


def _assemble(base: dict, over, grid: list[dict], done: dict, h: str):
    import xarray as xr

    names = [n for n, _ in over]
    shape = tuple(len(v) for _, v in over)
    coords = {n.replace(".", "_"): np.asarray(v) for n, v in over}
    dims = list(coords)
    records = [done[_key(h, a)] for a in grid]
    t = np.asarray(records[0]["t"])
    data = {}
    for key in records[0]["summary"]:
        values = [r["summary"].get(key) for r in records]
        data[key] = (
            dims,
            np.array([np.nan if v is None else v for v in values], float).reshape(shape),
        )
    for key in records[0]["series"]:
        stacked = np.array([r["series"][key] for r in records], float)
        data[key] = (dims + ["t"], stacked.reshape(shape + (len(t),)))
    points = [{"info": r.get("info", {}), "warnings": r.get("warnings", [])} for r in records]
    attrs = {
        "base_spec": json.dumps(base),
        "base_hash": h,
        "sweep_names": json.dumps(names),
        "summary_keys": json.dumps(list(records[0]["summary"])),
        "series_keys": json.dumps(list(records[0]["series"])),
        "points": json.dumps(jsonable(points)),  # info and warnings per point, in grid order
    }
    return xr.Dataset(data, coords={**coords, "t": t}, attrs=attrs)


def _records_from(ds) -> list[dict]:
    """The per-point records of a finished sweep file (to resume or extend it)."""
    names = json.loads(ds.attrs["sweep_names"])
    dims = [n.replace(".", "_") for n in names]
    summary_keys = json.loads(ds.attrs["summary_keys"])
    series_keys = json.loads(ds.attrs["series_keys"])
    points = json.loads(ds.attrs["points"])
    shape = tuple(ds.sizes[d] for d in dims)
    out = []
    for flat, index in enumerate(np.ndindex(shape)):
        sel = dict(zip(dims, index, strict=True))
        assignment = {n: ds[d].values[i].item() for n, d, i in zip(names, dims, index, strict=True)}
        summary = {}
        for k in summary_keys:
            v = float(ds[k].isel(sel).values)
            summary[k] = None if np.isnan(v) else v
        series = {k: ds[k].isel(sel).values.tolist() for k in series_keys}
        out.append({"assignment": assignment, "t": ds["t"].values.tolist(), "series": series,
                    "summary": summary, **points[flat]})  # fmt: skip
    return out
