"""CF metadata for result files: units and long names of every series, summary key and coordinate.

qbattery works with ħ = 1 and no unit of its own: energies are in the unit E in which the spec's
parameters are written, times in ħ/E, rates in E/ħ and powers in E²/ħ (``UNITS_CONVENTION``,
docs/conventions.md). These unit strings are written as they are, not as UDUNITS units: E is
whatever the user chose. ``"1"`` marks a quantity that is dimensionless for certain.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from qbattery import __version__

ENERGY, TIME, RATE, POWER, ONE = "E", "hbar/E", "E/hbar", "E^2/hbar", "1"
UNITS_CONVENTION = (
    "hbar = 1; E is the energy unit in which the spec's parameters are written: energies in E, "
    "times in hbar/E, rates in E/hbar, powers in E^2/hbar; '1' = dimensionless"
)
CONVENTIONS = "CF-1.10"


class Meta(NamedTuple):
    """What a reader needs to label one quantity."""

    long_name: str
    units: str | None  # None: not known (a parameter), no units attribute is written
    description: str = ""


SERIES_META = {
    "energy": Meta("stored energy", ENERGY, "E_B(t) - E_B(0), E_B = Tr[H_B rho_B]"),
    "power": Meta("average charging power", POWER, "energy/t, 0 at t = 0"),
    "ergotropy": Meta("ergotropy", ENERGY, "extractable work over all unitaries of the battery"),
    "ergotropy_symmetric": Meta(
        "permutation-invariant ergotropy", ENERGY, "over unitaries that commute with permutations"
    ),
    "energy_std": Meta("battery energy standard deviation", ENERGY, "sqrt(<H_B^2> - <H_B>^2)"),
    "purity": Meta("battery purity", ONE, "Tr[rho_B^2]"),
    "charger_energy": Meta("charger energy change", ENERGY, "E_C(t) - E_C(0), E_C = Tr[H_C rho]"),
    "interaction_energy": Meta("interaction energy", ENERGY, "Tr[rho H_I]"),
    "switching_cost": Meta(
        "switching cost", ENERGY, "-Tr[rho H_I]: the cost of switching the coupling off"
    ),
    "locked_energy": Meta("locked energy", ENERGY, "E_B - ergotropy - ground energy of H_B"),
    "u": Meta("mean-field Bloch component u", ONE, "<S_x>/S"),
    "v": Meta("mean-field Bloch component v", ONE, "<S_y>/S"),
    "w": Meta("mean-field Bloch component w", ONE, "<S_z>/S"),
}

SUMMARY_META = {
    "t_E_max": Meta("time of the maximum stored energy", TIME),
    "E_max": Meta("maximum stored energy", ENERGY),
    "t_P_max": Meta("time of the maximum average power", TIME),
    "P_max": Meta("maximum average power", POWER, "max over t of E(t)/t"),
    "tau_first_peak": Meta("time of the first energy peak", TIME, "first local maximum of E(t)"),
    "E_first_peak": Meta("stored energy at the first peak", ENERGY),
    "P_first_peak": Meta("average power at the first energy peak", POWER),
    "ergotropy_max": Meta("maximum ergotropy", ENERGY),
    "tau_ergotropy": Meta("charging time (maximum ergotropy)", TIME),
    "energy_at_tau": Meta("stored energy at the charging time", ENERGY),
    "P_ergotropy_max": Meta("maximum ergotropy power", POWER, "max over t of ergotropy(t)/t"),
    "t_P_ergotropy_max": Meta("time of the maximum ergotropy power", TIME),
    "switching_cost_at_tau": Meta("switching cost at the charging time", ENERGY),
    "locked_energy_at_tau": Meta("locked energy at the charging time", ENERGY),
    "E_initial": Meta("initial battery energy", ENERGY, "Tr[H_B rho_B(0)]"),
    "E_capacity": Meta(
        "largest storable energy", ENERGY, "top level of H_B on the reachable states - E_initial"
    ),
    "t_power_bound": Meta(
        "time after which no average power exceeds P_max", TIME, "E_capacity / P_max"
    ),
    "P_max_is_global": Meta("P_max is the maximum over all t > 0", ONE, "1 = true"),
    "locked_energy_max": Meta("maximum locked energy", ENERGY),
    "locked_energy_bound": Meta(
        "locked energy bound", ENERGY, "2N/(N+2) omega_0, Canzio et al. Eq. 9"
    ),
    "locked_energy_bound_holds": Meta("locked energy within its bound", ONE, "1 = true"),
    "w_max": Meta("maximum mean-field w", ONE, "max over t of <S_z>/S"),
}

# sweep coordinates that are spec fields (dotted paths with "." → "_", as sweep.py names them)
SWEPT_META = {
    "system_spins": Meta("number of battery spins N", ONE),
    "system_atoms": Meta("number of battery atoms", ONE),
    "system_bath_spins": Meta("number of charger spins N_C", ONE),
    "system_mode_cutoff": Meta("Fock cutoff of the charger mode", ONE),
    "noise_mode_loss": Meta("mode loss rate", RATE, "rate of D[a]"),
    "noise_collective_decay": Meta("collective decay rate", RATE, "rate of D[S_-]"),
    "noise_local_decay": Meta("local decay rate", RATE, "rate of sum_i D[sigma_-^i]"),
    "noise_local_dephasing": Meta("local dephasing rate", RATE, "rate of sum_i D[sigma_z^i]"),
    "noise_local_pumping": Meta("local pumping rate", RATE, "rate of sum_i D[sigma_+^i]"),
    "initial_charger_fock": Meta("initial photon number", ONE),
    "initial_charger_coherent": Meta("initial coherent amplitude", ONE),
    "initial_charger_thermal": Meta("initial thermal photon number", ONE),
    "run_rtol": Meta("relative tolerance", ONE),
    "run_atol": Meta("absolute tolerance", ONE),
}

TIME_META = Meta("time", TIME)
METADATA: dict[str, Meta] = {"t": TIME_META, **SERIES_META, **SUMMARY_META, **SWEPT_META}

PARAMETER_NOTE = (
    "in the units the spec writes it in: an energy or rate in E (the same number as E/hbar), or "
    "dimensionless; qbattery cannot tell which, so no units attribute is written"
)


def metadata(name: str, spec: dict | None = None) -> Meta | None:
    """The metadata of ``name``: a known quantity, else a parameter of ``spec``, else None."""
    if name in METADATA:
        return METADATA[name]
    if name in ((spec or {}).get("parameters") or {}):
        return Meta(f"parameter {name}", None, PARAMETER_NOTE)
    return None


def annotate(ds, spec: dict):
    """Set ``units`` and ``long_name`` (and ``description`` where it helps) on every data variable
    and coordinate of ``ds`` that qbattery knows (an unknown one gets long_name = its name), and
    the dataset attributes Conventions, title, history, source, qbattery_version and
    units_convention. Attributes already present are kept (a caller may say more), except that
    history gains a line. Changes ``ds`` in place and returns it."""
    for name, variable in ds.variables.items():
        meta = metadata(str(name), spec)
        if meta is None:
            variable.attrs.setdefault("long_name", str(name))
            continue
        variable.attrs.setdefault("long_name", meta.long_name)
        if meta.units is not None:
            variable.attrs.setdefault("units", meta.units)
        if meta.description:
            variable.attrs.setdefault("description", meta.description)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = f"{stamp}: written by qbattery {__version__}"
    history = ds.attrs.get("history")
    ds.attrs["Conventions"] = CONVENTIONS
    ds.attrs.setdefault("title", title(spec))
    ds.attrs["history"] = f"{history}\n{line}" if history else line
    ds.attrs.setdefault("source", f"qbattery {__version__} simulation")
    ds.attrs["qbattery_version"] = __version__
    ds.attrs["units_convention"] = UNITS_CONVENTION
    return ds


def title(spec: dict) -> str:
    """A one-line description of the model: preset, battery and charger."""
    system = spec.get("system") or {}
    if system.get("spins") is not None:
        battery = f"{system['spins']} spins"
    elif system.get("atoms") is not None:
        battery = f"{system['atoms']} {len(system.get('levels') or [])}-level atoms"
    else:
        battery = "a battery"
    if system.get("mode") is not None:
        cutoff = (system["mode"] or {}).get("cutoff")
        charger = "a mode" + (f" (cutoff {cutoff})" if cutoff is not None else "")
    elif system.get("bath_spins") is not None:
        charger = f"{system['bath_spins']} charger spins"
    else:
        charger = None  # a classical drive, or the battery's own dynamics
    preset = f" ({spec['preset']})" if spec.get("preset") else ""
    by = f" charged by {charger}" if charger else " without a quantum charger"
    return f"qbattery: {battery}{by}{preset}"
