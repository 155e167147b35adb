"""Builders of the literature's batteries (each returns a spec dict) and the named presets."""

from qbattery.models.canzio import canzio
from qbattery.models.central_spin import central_spin
from qbattery.models.dicke import dicke_oat, dicke_oat_drive, tavis_cummings
from qbattery.models.driven import collective_discharge, driven_dressed, driven_full
from qbattery.models.presets import PRESETS
from qbattery.models.zhang import zhang_cavity, zhang_drive, zhang_three_level

__all__ = [
    "PRESETS",
    "canzio",
    "central_spin",
    "collective_discharge",
    "dicke_oat",
    "dicke_oat_drive",
    "driven_dressed",
    "driven_full",
    "tavis_cummings",
    "zhang_cavity",
    "zhang_drive",
    "zhang_three_level",
]
