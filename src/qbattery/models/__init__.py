"""Builders of the literature's batteries (each returns a spec dict) and the named presets."""

from qbattery.models.central_spin import central_spin
from qbattery.models.dicke import dicke_oat, tavis_cummings
from qbattery.models.presets import PRESETS

__all__ = ["PRESETS", "central_spin", "dicke_oat", "tavis_cummings"]
