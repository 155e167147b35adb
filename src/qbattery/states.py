"""Quantum states kept from a run (``[output] states``), with the layout that says how they are indexed.

A run keeps, at the times ``[output] state_times`` (each taken at the nearest point of the time grid;
default: every grid point), either the battery's reduced state ρ_B = Tr_C ρ (``states = "battery"``)
or that and the full state of battery ⊗ charger (``states = "full"``). How a matrix is indexed:

- a spin battery kept in its symmetric manifold (closed and Lindblad solvers): the spin j = N/2,
  index k = m + j (m ascending, k excitations);
- a spin battery in the permutation-invariant basis (permutational solver): one block B_j per total
  spin j, each indexed by m + j, with ρ_B = ⊕_j (B_j / d_j) ⊗ 1_{d_j} over the d_j copies of spin j
  (so Σ_j Tr B_j = 1; Canzio et al., PRA 2024, Eq. 5 and App. A), one :class:`BlockState`;
- few-level atoms: the product of the atoms' levels, atom 1 the most significant, levels in the
  order ``system.levels`` names them;
- the full state: battery ⊗ charger, the battery index the most significant; a mode by Fock number,
  a bath of spins by m + j. A full state is a ket when ρ is pure and the solver is closed, else a
  density matrix.

:mod:`qbattery.interop` maps all of these to QuTiP objects with correct dims.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np

STATE_CHOICES = ("none", "battery", "full")


@dataclass(frozen=True)
class Layout:
    """How the matrices of a run's states are indexed (see the module docstring)."""

    battery: str  # "spins" (symmetric manifold) | "spin_blocks" | "atoms" | "none"
    battery_dim: int  # of one matrix (for "spin_blocks": the symmetric block, N + 1)
    charger: str  # "mode" | "bath_spins" | "none"
    charger_dim: int
    n_spins: int = 0  # battery spins (0 for atoms)
    n_atoms: int = 0
    levels: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        return self.battery_dim * self.charger_dim

    def as_dict(self) -> dict:
        return {**self.__dict__, "levels": list(self.levels)}


@dataclass
class BlockState:
    """ρ_B in the permutation-invariant basis: ``blocks[j]`` = B_j (2j+1 × 2j+1, m ascending),
    ``multiplicities[j]`` = d_j; ρ_B = ⊕_j (B_j / d_j) ⊗ 1_{d_j}."""

    n_spins: int
    blocks: dict[float, np.ndarray]
    multiplicities: dict[float, float]

    def expect(self, block_operator) -> float:
        """Tr[O ρ_B] for a permutation-invariant O given as ``block_operator(j)`` (a matrix on
        the block j, as :func:`qbattery.operators.spin.spin_operators` gives)."""
        total = 0.0
        for j, B in self.blocks.items():
            total += np.trace(np.asarray(block_operator(j)) @ B).real
        return float(total)


@dataclass
class States:
    """The states a run kept: ``t`` (grid times), ``battery`` (one matrix, or one
    :class:`BlockState`, per time) and ``full`` (kets or density matrices, per time, or None)."""

    t: np.ndarray
    layout: Layout
    battery: list = field(default_factory=list)
    full: list | None = None

    def __len__(self) -> int:
        return len(self.t)


def state_rows(spec, times: np.ndarray) -> np.ndarray:
    """Grid rows of ``[output] state_times`` (nearest grid point each; all rows without it)."""
    from qbattery.spec import SpecError  # lazy: result files need no pydantic

    wanted = spec.output.state_times
    if wanted is None:
        return np.arange(len(times))
    t = np.asarray(wanted, dtype=float)
    bad = t[(t < 0) | (t > times[-1])]
    if bad.size:
        raise SpecError(
            "output.state_times", f"{bad[0]:g} lies outside the time grid [0, {times[-1]:g}]"
        )
    return np.unique(np.abs(times[None, :] - t[:, None]).argmin(axis=1))


def layout_of(problem) -> Layout:
    """The layout of ``problem``'s battery ⊗ charger (symmetric manifold for spins)."""
    return layout_for(problem.battery, problem.charger)


def layout_for(b, c) -> Layout:
    """The layout of a battery factor ``b`` ⊗ a charger factor ``c`` (:class:`~qbattery.problem.Space`)."""
    battery = {"spins": "spins", "atoms": "atoms"}.get(b.kind, "none")
    return Layout(
        battery=battery,
        battery_dim=b.dim,
        charger=c.kind,
        charger_dim=c.dim,
        n_spins=b.size if b.kind == "spins" else 0,
        n_atoms=b.size if b.kind == "atoms" else 0,
        levels=tuple(b.levels),
    )


def collect_states(problem, evolution) -> States | None:
    """The states ``[output] states`` asks for, taken from a finished evolution."""
    from qbattery.spec import SpecError

    choice = problem.spec.output.states
    if choice == "none":
        return None
    rows = state_rows(problem.spec, evolution.times)
    t = evolution.times[rows]
    layout = layout_of(problem)
    if hasattr(evolution, "battery_blocks"):
        layout = dataclasses.replace(layout, battery="spin_blocks")
        battery = _block_states(evolution, rows)
    elif hasattr(evolution, "battery_states"):
        battery = _grid_states(evolution.battery_states(), rows)
    else:
        raise SpecError("output.states", f"the {evolution.solver} solver keeps no quantum states")
    full = None
    if choice == "full":
        if not hasattr(evolution, "full_states"):
            raise SpecError(
                "output.states",
                f"the {evolution.solver} solver keeps no full states (it works in the "
                'permutation-invariant basis): use states = "battery", or solver = "lindblad"',
            )
        full = list(evolution.full_states(rows))
    return States(t=t, layout=layout, battery=battery, full=full)


def _grid_states(chunks, rows: np.ndarray) -> list[np.ndarray]:
    """The matrices at grid ``rows`` from (grid slice, stacked matrices) chunks."""
    out = []
    for grid_rows, chunk in chunks:
        start, stop = grid_rows.start or 0, grid_rows.stop
        out += [np.array(chunk[r - start]) for r in rows[(rows >= start) & (rows < stop)]]
    return out


def _block_states(evolution, rows: np.ndarray) -> list[BlockState]:
    n = round(2 * evolution.js[0])
    out = [BlockState(n, {}, {}) for _ in rows]
    for grid_rows, blocks in evolution.battery_blocks(kept_only=True):
        start = grid_rows.start or 0
        for j, d, B in blocks:
            for state, r in zip(out, rows, strict=True):
                state.blocks[j] = np.array(B[r - start])
                state.multiplicities[j] = float(d)
    return out


# ------------------------------------------------------------------- in result files
# NetCDF: a coordinate ``state_t``; ``battery_state`` (state_t, battery_row, battery_col), or
# one ``battery_block_<2j>`` (state_t, block_<2j>_row, block_<2j>_col) per total spin j with
# attributes j and multiplicity; ``full_state`` (state_t, full_row[, full_col]); complex values
# as a trailing dimension ``complex`` = (real, imaginary); the layout in ``states_layout`` (JSON).
STATE_PREFIXES = ("battery_state", "battery_block_", "full_state")


def state_variables(states: States) -> tuple[dict, dict]:
    """(xarray variables, dataset attributes) holding ``states``."""
    import xarray as xr

    def complex_var(dims, stack, attrs=None):
        a = np.asarray(stack)
        return xr.Variable((*dims, "complex"), np.stack([a.real, a.imag], axis=-1), attrs or {})

    out = {}
    if states.layout.battery == "spin_blocks":
        for j in states.battery[0].blocks:
            two_j = round(2 * j)
            name = f"block_{two_j}"
            out[f"battery_block_{two_j}"] = complex_var(
                ("state_t", f"{name}_row", f"{name}_col"),
                [s.blocks[j] for s in states.battery],
                {"j": j, "multiplicity": states.battery[0].multiplicities[j]},
            )
    else:
        out["battery_state"] = complex_var(
            ("state_t", "battery_row", "battery_col"), states.battery
        )
    if states.full is not None:
        dims = ("state_t", "full_row") + (("full_col",) if states.full[0].ndim == 2 else ())
        out["full_state"] = complex_var(dims, states.full)
    out["state_t"] = xr.Variable("state_t", states.t)
    return out, {"states_layout": json.dumps(states.layout.as_dict())}


def states_from_dataset(ds) -> States | None:
    """The :class:`States` a result file holds (None if it kept none)."""
    if "states_layout" not in ds.attrs:
        return None
    raw = json.loads(ds.attrs["states_layout"])
    layout = Layout(**{**raw, "levels": tuple(raw["levels"])})

    def complex_of(name):
        a = ds[name].values
        return a[..., 0] + 1j * a[..., 1]

    t = ds["state_t"].values
    if layout.battery == "spin_blocks":
        names = [k for k in ds.data_vars if k.startswith("battery_block_")]
        battery = [BlockState(layout.n_spins, {}, {}) for _ in t]
        for name in names:
            j, d = float(ds[name].attrs["j"]), float(ds[name].attrs["multiplicity"])
            for state, B in zip(battery, complex_of(name), strict=True):
                state.blocks[j], state.multiplicities[j] = B, d
    else:
        battery = list(complex_of("battery_state"))
    full = list(complex_of("full_state")) if "full_state" in ds else None
    return States(t=t, layout=layout, battery=battery, full=full)


def states_to_json(states: States) -> dict:
    """``states`` as JSON: complex numbers as [real, imaginary] pairs."""
    variables, attrs = state_variables(states)
    return {
        "layout": states.layout.as_dict(),
        **{k: {"dims": list(v.dims), "attrs": _plain(v.attrs), "data": v.values.tolist()}
           for k, v in variables.items()},
    }  # fmt: skip


def states_from_json(data: dict) -> States:
    import xarray as xr

    variables = {k: xr.Variable(v["dims"], np.asarray(v["data"]), v["attrs"])
                 for k, v in data.items() if k != "layout"}  # fmt: skip
    ds = xr.Dataset(variables, attrs={"states_layout": json.dumps(data["layout"])})
    return states_from_dataset(ds)


def _plain(attrs: dict) -> dict:
    return {k: v.item() if hasattr(v, "item") else v for k, v in attrs.items()}
