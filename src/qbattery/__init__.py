"""qbattery: quantum battery simulation and analysis."""
__version__ = "0.1.0"
