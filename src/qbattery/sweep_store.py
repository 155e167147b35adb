"""Where a sweep's points live: ``OUT.partial/`` while it runs, ``OUT.nc`` once it is finished.

A record is one point: ``spec`` (its resolved spec, which is its identity), ``assignment`` (the
swept names and values) and either the results (``t``, ``series``, ``summary``, ``info``,
``warnings``) or ``error`` (and ``traceback``) when the point failed. Records of qbattery 0.1
(partial files named by a hash of the base spec, sweep files without ``sweep_paths``) are read
too, so a sweep started by that version resumes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qbattery.reproduce.registry import jsonable
from qbattery.result import atomic_write
from qbattery.spec import SpecError
from qbattery.sweep_grid import legacy_hash, legacy_path, point_key, point_spec, resolved

FORMAT = 2  # 1: qbattery 0.1 (no manifest, no per-point spec, no errors)
MANIFEST = "manifest.json"
_REPLACE = "pass --restart to discard it, or choose another output"


class PartialFolder:
    """``OUT.partial/``: ``manifest.json`` (the base spec, written at the start) and one
    ``KEY.json`` per finished or failed point, each written atomically."""

    def __init__(self, out: Path):
        self.path = out.with_name(out.name + ".partial")

    def create(self, empty: bool = False) -> None:
        try:
            if empty and self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SpecError(
                "output", f"{self.path} cannot be created ({err.strerror or err})"
            ) from None

    def manifest(self) -> dict | None:
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def write_manifest(self, base: dict, names: list[str], paths: list[str]) -> None:
        data = {"format": FORMAT, "base_spec": base, "sweep_names": names, "sweep_paths": paths}
        atomic_write(self.path / MANIFEST, lambda tmp: tmp.write_text(json.dumps(jsonable(data))))

    def records(self, base: dict) -> Iterator[dict]:
        """Every record on disk; those of qbattery 0.1 only when they belong to ``base``."""
        old_hash = legacy_hash(base)
        for path in sorted(self.path.glob("*.json")):
            if path.name == MANIFEST or path.name.startswith("."):  # .NAME.*: a torn temp file
                continue
            try:
                record = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue  # atomic writes leave no torn record, but never trust the disk
            if "spec" not in record:
                if record.get("base_hash") != old_hash:
                    continue
                paths = {legacy_path(n): v for n, v in record["assignment"].items()}
                record["spec"] = resolved(point_spec(base, paths))
            yield record

    def store(self, record: dict) -> dict:
        """Write ``record`` and return it as it reads back (JSON numbers, exactly)."""
        text = json.dumps(jsonable(record))
        path = self.path / f"{point_key(record['spec'])}.json"
        atomic_write(path, lambda tmp: tmp.write_text(text))
        return json.loads(text)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@dataclass
class FinishedFile:
    """A sweep file already at OUT: its base spec, swept paths and per-point records."""

    base: dict
    paths: list[str]
    records: list[dict]


def read_finished(out: Path) -> FinishedFile | None:
    """The sweep in ``out`` (None when there is none); a file that is not one is refused."""
    if not out.exists():
        return None
    import xarray as xr

    try:
        with xr.open_dataset(out, engine="h5netcdf") as ds:
            ds.load()
    except Exception as err:  # h5py, xarray and the OS each raise their own kind
        raise SpecError("output", f"{out} exists and cannot be read ({err}); {_REPLACE}") from None
    if "base_spec" not in ds.attrs or "sweep_names" not in ds.attrs:
        raise SpecError("output", f"{out} exists and is not a qbattery sweep; {_REPLACE}")
    base = json.loads(ds.attrs["base_spec"])
    names = json.loads(ds.attrs["sweep_names"])
    paths = json.loads(ds.attrs.get("sweep_paths", "null")) or [legacy_path(n) for n in names]
    try:
        records = _records_from(ds, base, names, paths)
    except SpecError as err:
        message = f"{out} holds a point this version refuses ({err}); {_REPLACE}"
        raise SpecError("output", message) from None
    return FinishedFile(base, paths, records)


def _records_from(ds, base: dict, names: list[str], paths: list[str]) -> list[dict]:
    dims = [n.replace(".", "_") for n in names]
    summary_keys = json.loads(ds.attrs["summary_keys"])
    series_keys = json.loads(ds.attrs["series_keys"])
    points = json.loads(ds.attrs["points"])
    per_point_t = ds.attrs.get("layout") == "step"
    arrays = {k: ds[k].values for k in [*summary_keys, *series_keys]}
    coords = [ds[d].values for d in dims]
    t_all = ds["t"].values if "t" in ds.variables else None
    shape = tuple(len(c) for c in coords)
    out = []
    for flat, index in enumerate(np.ndindex(shape)):
        values = [c[i].item() for c, i in zip(coords, index, strict=True)]
        record = {
            "assignment": dict(zip(names, values, strict=True)),
            "spec": resolved(point_spec(base, dict(zip(paths, values, strict=True)))),
            **points[flat],
        }
        if "error" not in record:
            t = t_all[index] if per_point_t else t_all
            n = int(np.count_nonzero(~np.isnan(t)))  # padding after a point's own grid is NaN
            summary = {k: arrays[k][index].item() for k in summary_keys}
            record["summary"] = {k: None if np.isnan(v) else v for k, v in summary.items()}
            record["series"] = {k: arrays[k][index][:n].tolist() for k in series_keys}
            record["t"] = t[:n].tolist()
        out.append(record)
    return out


def assemble(base: dict, over: list[tuple[str, list]], paths: list[str], records: list[dict]):
    """One labelled Dataset from the records of every grid point (in grid order).

    Summaries on the sweep dimensions; series on the sweep dimensions × ``t`` when every point
    has the same time grid, else (``time.*`` swept) on the sweep dimensions × ``step``, with a
    data variable ``t`` on the same dimensions (NaN past a point's own grid). Failed points are
    NaN, their errors in the ``points`` attribute."""
    import xarray as xr

    names = [n for n, _ in over]
    shape = tuple(len(v) for _, v in over)
    coords = {n.replace(".", "_"): np.asarray(v) for n, v in over}
    dims = list(coords)
    ok = [r for r in records if "error" not in r]
    summary_keys = list(dict.fromkeys(k for r in ok for k in r["summary"]))
    series_keys = list(dict.fromkeys(k for r in ok for k in r["series"]))
    data = {}
    for key in summary_keys:
        values = [r.get("summary", {}).get(key) for r in records]
        data[key] = (dims, _floats(values).reshape(shape))
    times = [np.asarray(r["t"], float) for r in ok]
    same_t = all(np.array_equal(t, times[0]) for t in times)
    per_point_t = any(p.startswith("time.") for p in paths) or not same_t
    if ok and not per_point_t:
        coords["t"] = times[0]
        for key in series_keys:
            rows = [r.get("series", {}).get(key, ()) for r in records]
            data[key] = (dims + ["t"], _padded(rows, len(times[0])).reshape(shape + (-1,)))
    elif ok:
        steps = max(len(t) for t in times)
        ts = [r.get("t", ()) for r in records]
        data["t"] = (dims + ["step"], _padded(ts, steps).reshape(shape + (steps,)))
        for key in series_keys:
            rows = [r.get("series", {}).get(key, ()) for r in records]
            data[key] = (dims + ["step"], _padded(rows, steps).reshape(shape + (steps,)))
    points = []
    for r in records:
        point = {"info": r.get("info", {}), "warnings": r.get("warnings", [])}
        if "error" in r:
            point["error"] = r["error"]
        points.append(point)
    failed = [{"assignment": r["assignment"], "error": r["error"]} for r in records if "error" in r]
    attrs = {
        "format": FORMAT,
        "base_spec": json.dumps(jsonable(base)),
        "base_hash": legacy_hash(base),  # what qbattery 0.1 compares: it can resume this file
        "sweep_names": json.dumps(names),
        "sweep_paths": json.dumps(paths),
        "summary_keys": json.dumps(summary_keys),
        "series_keys": json.dumps(series_keys),
        "layout": "step" if per_point_t else "t",
        "points": json.dumps(jsonable(points)),  # info, warnings (and error) per point, grid order
        "failed": json.dumps(jsonable(failed)),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], float)


def _padded(rows: list, length: int) -> np.ndarray:
    """Rows of unequal length (a failed point has none) as one array, NaN after each row."""
    out = np.full((len(rows), length), np.nan)
    for k, row in enumerate(rows):
        out[k, : len(row)] = _floats(list(row))
    return out
