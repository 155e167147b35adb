"""Results of one run and their files (JSON or NetCDF), written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbattery import __version__
from qbattery.states import (
    States,
    state_variables,
    states_from_dataset,
    states_from_json,
    states_to_json,
)


@dataclass
class Result:
    """Time grid, series (also as attributes: ``result.energy``), summary, resolved spec, info."""

    t: np.ndarray
    series: dict[str, np.ndarray]
    summary: dict
    spec: dict
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    states: States | None = None  # kept quantum states ([output] states; qbattery.states)

    def __getattr__(self, name: str):
        series = self.__dict__.get("series", {})
        if name in series:
            return series[name]
        raise AttributeError(name)

    def to_dict(self) -> dict:
        return {
            "qbattery_version": __version__,
            "t": self.t.tolist(),
            **{k: np.asarray(v).tolist() for k, v in self.series.items()},
            "summary": self.summary,
            "spec": self.spec,
            "info": self.info,
            "warnings": self.warnings,
            **({} if self.states is None else {"states": states_to_json(self.states)}),
        }

    def to_dataset(self):
        """An xarray Dataset: the series on ``t``, each summary value a 0-d variable, the spec
        flattened into ``spec.*`` attributes (and exact, as JSON, in ``spec_json``), CF units and
        long names (:func:`qbattery.cf.annotate`)."""
        import xarray as xr

        from qbattery.cf import annotate

        data = {k: xr.Variable("t", np.asarray(v)) for k, v in self.series.items()}
        clash = sorted(set(self.summary) & {*data, "t"})
        if clash:
            raise ValueError(f"summary keys {clash} would overwrite series of the same name")
        data.update({k: _summary_variable(v) for k, v in self.summary.items()})
        attrs = {
            "summary_keys": json.dumps(list(self.summary)),
            "spec_json": json.dumps(self.spec),
            **flat_attributes(self.spec, "spec"),
            "info": json.dumps(self.info),
            "warnings": json.dumps(self.warnings),
            "source": f"qbattery {__version__}, solver {self.info.get('solver', 'unknown')}",
        }
        if self.states is not None:
            variables, more = state_variables(self.states)
            data.update(variables)
            attrs.update(more)
        return annotate(xr.Dataset(data, coords={"t": self.t}, attrs=attrs), self.spec)

    def save(self, path: str | Path) -> Path:
        """Write ``.json`` or ``.nc``; the file appears only once complete."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            atomic_write(path, lambda tmp: tmp.write_text(json.dumps(self.to_dict(), indent=1)))
        elif suffix in (".nc", ".h5", ".netcdf"):
            atomic_write(path, lambda tmp: self.to_dataset().to_netcdf(tmp, engine="h5netcdf"))
        else:
            raise ValueError(f"unknown output format {suffix!r}: use .json or .nc")
        return path


def atomic_write(path: Path, writer) -> None:
    """Call ``writer(tmp_path)`` then rename onto ``path``; on any error nothing is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def flat_attributes(tree: dict, prefix: str) -> dict:
    """A nested dict as NetCDF attributes: ``{prefix}.a.b = value`` for numbers and strings,
    booleans as "true"/"false", numeric lists as arrays, other lists as JSON; None is left out."""
    out: dict = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            out.update(flat_attributes(value, name))
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, int | float | str):
            out[name] = value
        elif isinstance(value, list) and value and all(_is_number(v) for v in value):
            out[name] = np.asarray(value)
        elif value is not None:
            out[name] = json.dumps(value)
    return out


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# a summary value that is None (undefined: e.g. no first energy peak) is NaN in NetCDF, marked so
UNDEFINED_COMMENT = "undefined for this run (null in the JSON result, None in Python)"


def _summary_variable(value):
    import xarray as xr

    if value is None:
        return xr.Variable((), np.nan, {"undefined": np.int8(1), "comment": UNDEFINED_COMMENT})
    if isinstance(value, bool | np.bool_):
        flags = {"flag_values": np.array([0, 1], np.int8), "flag_meanings": "false true"}
        return xr.Variable((), np.int8(value), {**flags, "qbattery_type": "bool"})
    if _is_number(value) or isinstance(value, np.number):
        return xr.Variable((), value)
    return xr.Variable((), json.dumps(value), {"qbattery_type": "json"})


def _summary_value(variable):
    kind = variable.attrs.get("qbattery_type")
    if variable.attrs.get("undefined"):
        return None
    if kind == "bool":
        return bool(variable.values)
    if kind == "json":
        return json.loads(str(variable.values))
    return variable.values.item()


def load_result(path: str | Path) -> Result:
    """Read a result written by :meth:`Result.save` (also NetCDF files of qbattery 0.1, whose
    summary and spec are JSON attributes)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text())
        meta = {"summary", "spec", "info", "warnings", "t", "qbattery_version", "states"}
        series = {k: np.asarray(v) for k, v in data.items() if k not in meta}
        states = states_from_json(data["states"]) if "states" in data else None
        return Result(
            np.asarray(data["t"]), series, data["summary"], data["spec"], data.get("info", {}),
            data.get("warnings", []), states,
        )  # fmt: skip
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        a = ds.attrs
        info, warnings = json.loads(a.get("info", "{}")), json.loads(a.get("warnings", "[]"))
        if "spec_json" not in a:  # the 0.1 layout: summary and spec as JSON attributes
            series = {k: ds[k].values for k in ds.data_vars}
            summary, spec = json.loads(a["summary"]), json.loads(a["spec"])
            return Result(ds["t"].values, series, summary, spec, info, warnings)
        keys = json.loads(a["summary_keys"])
        summary = {k: _summary_value(ds[k].variable) for k in keys}
        series = {k: ds[k].values for k in ds.data_vars if k not in summary and "t" in ds[k].dims}
        spec = json.loads(a["spec_json"])
        return Result(
            ds["t"].values, series, summary, spec, info, warnings, states_from_dataset(ds)
        )
