"""A result file (``qbattery run -o x.nc|x.json``, ``qbattery sweep -o s.nc``) as labelled arrays,
for the commands that read results back (``qbattery fit``, ``qbattery plot``).

Everything is found by variable and dimension names, never by position, so files of every version
read alike: a sweep names its swept dimensions in the ``sweep_names`` attribute (dots become ``_``:
``system.spins`` → ``system_spins``); the time axis is the ``t`` dimension, or the last dimension
of a ``t`` variable when each point has its own time grid; *summary* quantities are the numeric
variables on swept dimensions only (0-d in a single run), *series* those along the time axis. A
single run whose summary is a JSON attribute (older files) or a JSON result gets its summary as
0-d variables. Axis labels come from the CF attributes ``long_name`` and ``units`` when present,
else from the names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qbattery.spec import SpecError

_NUMERIC = "biuf"  # dtype kinds of the variables that can be fitted and plotted


@dataclass
class ResultData:
    """One result file in memory: ``ds`` (an xarray Dataset), its swept dimensions (in the
    sweep's order), summary and series variable names, and the time dimension (None if none)."""

    path: Path
    ds: object
    sweep_dims: list[str]
    summary: list[str]
    series: list[str]
    time_dim: str | None

    @property
    def is_sweep(self) -> bool:
        return bool(self.sweep_dims)

    def dim(self, name: str, option: str) -> str:
        """The swept dimension a user means by ``name`` (``system.spins`` or ``system_spins``)."""
        for candidate in (name, name.replace(".", "_")):
            if candidate in self.sweep_dims:
                return candidate
        known = ", ".join(map(self.sweep_name, self.sweep_dims)) or "none: a single run"
        raise SpecError(
            option, f"{name!r} is not a swept name of {self.path.name} (swept: {known})"
        )

    def quantity(
        self, name: str, option: str, kinds: tuple[str, ...] = ("summary", "series")
    ) -> str:
        """``name`` if the file holds it as one of ``kinds``; else a one-line error listing them."""
        lists = {"summary": self.summary, "series": self.series}
        if any(name in lists[k] for k in kinds):
            return name
        for other in ("summary", "series"):
            if other not in kinds and name in lists[other]:
                raise SpecError(
                    option,
                    f"{name!r} is a {_kind(other)}, not usable here ({_listing(self, kinds)})",
                )
        raise SpecError(
            option, f"unknown quantity {name!r} in {self.path.name}; {_listing(self, kinds)}"
        )

    def coord(self, dim: str) -> np.ndarray:
        """The values of a swept dimension (0, 1, ... when the file has no coordinate for it)."""
        if dim in self.ds.coords:
            return np.asarray(self.ds[dim].values)
        return np.arange(self.ds.sizes[dim])

    def times(self, where: dict | None = None) -> np.ndarray:
        """The time grid of the point ``where`` ({dim: index}; shared grids ignore it)."""
        t = self.ds["t"]
        if t.ndim > 1:
            t = t.isel({d: i for d, i in (where or {}).items() if d in t.dims})
        return np.asarray(t.values, dtype=float)

    def label(self, name: str) -> str:
        """An axis label: ``long_name [units]`` from the CF attributes, else the name itself."""
        attrs = self.ds[name].attrs if name in self.ds.variables else {}
        text = str(attrs.get("long_name") or self.sweep_name(name))
        units = attrs.get("units")
        if units and str(units) != "1":
            text = f"{text} [{units}]"
        return mathtext(text)

    def sweep_name(self, dim: str) -> str:
        """The name the user swept (``system.spins``) for a dimension (``system_spins``)."""
        names = json.loads(self.ds.attrs.get("sweep_names", "[]")) if self.is_sweep else []
        return next((n for n in names if n.replace(".", "_") == dim), dim)

    def select(self, at: dict[str, float], option: str = "--at") -> dict[str, int]:
        """{dim: index} for the values ``at`` ({name: value}); a value must be on the grid."""
        out = {}
        for name, value in at.items():
            dim = self.dim(name, option)
            values = self.coord(dim)
            hit = np.flatnonzero(np.isclose(values.astype(float), value, rtol=1e-9, atol=1e-12))
            if not len(hit):
                shown = ", ".join(f"{v:g}" for v in values.astype(float))
                raise SpecError(option, f"{name}={value:g} is not on the grid ({name} = {shown})")
            out[dim] = int(hit[0])
        return out


def parse_at(items: list[str] | None, option: str = "--at") -> dict[str, float]:
    """``["N=4", "g=0.5"]`` → {"N": 4.0, "g": 0.5}."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not name.strip() or not np.isfinite(number):
            raise SpecError(option, f"expected NAME=value (a finite number), got {item!r}")
        out[name.strip()] = number
    return out


def open_result(path: str | Path) -> ResultData:
    """Read a result or sweep file (.nc or .json) into memory; a clear SpecError if it cannot."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        ds = _from_json(path)
    elif suffix in (".nc", ".h5", ".netcdf"):
        import xarray as xr

        try:
            with xr.open_dataset(path, engine="h5netcdf") as opened:
                ds = opened.load()
        except (OSError, ValueError, TypeError) as err:
            raise SpecError(str(path), f"not a readable NetCDF result ({err})") from None
        ds = _with_summary(ds)
    else:
        raise SpecError(str(path), f"unknown format {path.suffix!r}; use a .nc or .json result")
    return _describe(path, ds)


def _from_json(path: Path):
    import xarray as xr

    try:
        data = json.loads(path.read_text())
        t = np.asarray(data["t"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SpecError(str(path), f"not a qbattery JSON result ({err})") from None
    meta = {"t", "summary", "spec", "info", "warnings", "qbattery_version"}
    variables = {}
    for key, value in data.items():
        if key in meta or not isinstance(value, list):
            continue
        array = np.asarray(value)
        if array.dtype.kind in _NUMERIC and array.shape == t.shape:
            variables[key] = ("t", array.astype(float))
    variables.update(_summary_variables(data.get("summary") or {}))
    return xr.Dataset(variables, coords={"t": t})


def _summary_variables(summary: dict) -> dict:
    out = {}
    for key, value in summary.items():
        if value is None:
            out[key] = ((), np.nan)
        elif isinstance(value, bool | int | float):
            out[key] = ((), float(value))
    return out


def _with_summary(ds):
    """A single-run file whose summary is a JSON attribute: the summary as 0-d variables too."""
    if "sweep_names" in ds.attrs or "summary" not in ds.attrs:
        return ds
    try:
        summary = json.loads(ds.attrs["summary"])
    except (TypeError, ValueError):
        return ds
    missing = {k: v for k, v in _summary_variables(summary).items() if k not in ds.variables}
    return ds.assign(missing) if missing else ds


def _describe(path: Path, ds) -> ResultData:
    from qbattery.states import STATE_PREFIXES

    # kept quantum states ([output] states) are neither series nor summaries: left out here
    kept = [k for k in ds.variables if str(k).startswith(STATE_PREFIXES) or k == "state_t"]
    ds = ds.drop_vars(kept)
    time_dim = None
    if "t" in ds.dims:
        time_dim = "t"
    elif "t" in ds.variables and ds["t"].ndim >= 1:
        time_dim = ds["t"].dims[-1]
    if "sweep_names" in ds.attrs:
        try:
            names = json.loads(ds.attrs["sweep_names"])
        except (TypeError, ValueError):
            names = []
        dims = [n.replace(".", "_") for n in names if n.replace(".", "_") in ds.dims]
    else:
        dims = [d for d in ds.dims if d != time_dim and d in ds.coords]
    summary, series = [], []
    for name, var in ds.data_vars.items():
        if name == "t" or var.dtype.kind not in _NUMERIC:
            continue
        if time_dim is not None and time_dim in var.dims:
            series.append(str(name))
        elif set(var.dims) <= set(dims):
            summary.append(str(name))
    return ResultData(path, ds, dims, summary, series, time_dim)


def _kind(kind: str) -> str:
    return "summary quantity" if kind == "summary" else "series over t"


def _listing(data: ResultData, kinds: tuple[str, ...]) -> str:
    parts = []
    for kind in kinds:
        names = data.summary if kind == "summary" else data.series
        parts.append(f"{'summary quantities' if kind == 'summary' else 'series'}: "
                     f"{', '.join(names) or 'none'}")  # fmt: skip
    return "; ".join(parts)


_SCRIPT = re.compile(r"\S*[_^]\S*")


def mathtext(text: str) -> str:
    """``text`` safe for matplotlib: a word with ``_`` or ``^`` (``P_max``, ``E^2/hbar``) set as
    upright mathtext (``_`` shown literally, ``^`` a superscript); text with ``$`` is left alone."""
    if "$" in text:
        return text

    def word(m: re.Match) -> str:
        body = re.sub(r"([#%&{}])", r"\\\1", m.group()).replace("_", r"\_")
        return r"$\mathrm{" + body + "}$"

    return _SCRIPT.sub(word, text)
