"""Named presets: ``preset = "..."`` in a spec fills every section an explicit one does not give.

A preset sizes itself from ``[system]`` when the spec gives it (e.g. ``spins``), so that
``preset = "dicke-oat"`` plus ``[system] spins = 12`` is a complete spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qbattery.models.canzio import canzio
from qbattery.models.central_spin import central_spin
from qbattery.models.dicke import dicke_oat, tavis_cummings
from qbattery.models.driven import driven_dressed


@dataclass(frozen=True)
class Preset:
    description: str
    build: Callable[..., dict]
    sizes: dict[str, str]  # builder argument <- [system] key

    def defaults(self, data: dict) -> dict:
        system = data.get("system", {}) if isinstance(data.get("system"), dict) else {}
        kwargs = {arg: system[key] for arg, key in self.sizes.items() if key in system}
        return self.build(**kwargs)


def _dicke(axis: str):
    return lambda **kw: dicke_oat(axis=axis, **kw)


PRESETS: dict[str, Preset] = {
    "canzio-dicke": Preset(
        "Canzio 2024 Dicke battery, local decay + dephasing + cavity loss (Eqs. 1, 3), g = g_c/2",
        lambda **kw: canzio(coupling="dicke", **kw),
        {"n_atoms": "spins"},
    ),
    "canzio-tc": Preset(
        "Canzio 2024 Tavis-Cummings battery, local decay + dephasing + cavity loss (Eqs. 2, 3)",
        lambda **kw: canzio(coupling="tc", **kw),
        {"n_atoms": "spins"},
    ),
    "central-spin": Preset(
        "Peng 2021 central-spin battery: B*Sz + h*Jz + A(S+J- + S-J+) + 2Δ SzJz",
        central_spin,
        {"n_battery": "spins", "n_bath": "bath_spins"},
    ),
    "dicke": Preset("Dicke battery, no matter interaction", _dicke("x"), {"n_atoms": "spins"}),
    "dicke-oat": Preset(
        "Yan 2026 Dicke battery with one-axis twisting (J/N) Sx^2",
        _dicke("x"),
        {"n_atoms": "spins"},
    ),
    "dicke-oat-y": Preset("as dicke-oat, twisting (J/N) Sy^2", _dicke("y"), {"n_atoms": "spins"}),
    "dicke-oat-z": Preset("as dicke-oat, twisting (J/N) Sz^2", _dicke("z"), {"n_atoms": "spins"}),
    "driven-dressed": Preset(
        "Pokhrel 2025 driven atoms, secular dressed-state master equation (Eq. 7): "
        "H_1 = Δ Sz − Ω_R Sx, γ_0, γ_± on S'_z, S'_±; energy in ω0 Sz",
        driven_dressed,
        {"n_atoms": "spins"},
    ),
    "tavis-cummings": Preset(
        "Tavis-Cummings battery (g/√N)(S+ a + S- a†)", tavis_cummings, {"n_atoms": "spins"}
    ),
}
