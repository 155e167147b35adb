"""Results of one run and their files (JSON or NetCDF), written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbattery import __version__


@dataclass
class Result:
    """Time grid, series (also as attributes: ``result.energy``), summary, resolved spec, info."""

    t: np.ndarray
    series: dict[str, np.ndarray]
    summary: dict
    spec: dict
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __getattr__(self, name: str):
        series = self.__dict__.get("series", {})
        if name in series:
            return series[name]
        raise AttributeError(name)

    def to_dict(self) -> dict:
        return {
            "t": self.t.tolist(),
            **{k: np.asarray(v).tolist() for k, v in self.series.items()},
            "summary": self.summary,
            "spec": self.spec,
            "info": self.info,
            "warnings": self.warnings,
        }

    def to_dataset(self):
        import xarray as xr

        data = {k: ("t", np.asarray(v)) for k, v in self.series.items()}
        attrs = {
            "summary": json.dumps(self.summary),
            "spec": json.dumps(self.spec),
            "info": json.dumps(self.info),
            "warnings": json.dumps(self.warnings),
            "qbattery_version": __version__,
        }
        return xr.Dataset(data, coords={"t": self.t}, attrs=attrs)

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


def load_result(path: str | Path) -> Result:
    """Read a result written by :meth:`Result.save`."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text())
        meta = {"summary", "spec", "info", "warnings", "t"}
        series = {k: np.asarray(v) for k, v in data.items() if k not in meta}
        return Result(
            np.asarray(data["t"]), series, data["summary"], data["spec"], data.get("info", {}),
            data.get("warnings", []),
        )  # fmt: skip
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        series = {k: ds[k].values for k in ds.data_vars}
        a = ds.attrs
        return Result(
            ds["t"].values, series, json.loads(a["summary"]), json.loads(a["spec"]),
            json.loads(a.get("info", "{}")), json.loads(a.get("warnings", "[]")),
        )  # fmt: skip
