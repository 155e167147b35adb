"""Cost of the permutation-invariant solver against N: wall time and peak memory, log-log.

Canzio et al.'s setup ((κ, γ_φ, γ_↓) = (0.15, 0.1, 0.1), g = g_c/2, t ∈ [0, 10] on 201 points),
each run in a fresh subprocess (peak RSS from getrusage) with one BLAS thread and one worker
process, so the numbers are per core:

* ``tc-fock``: Tavis-Cummings, Fock charger |N⟩, energy + ergotropy (one sector, k = 0);
* ``tc-coherent-E``: coherent charger |√N⟩, E_B(t) only (k = 0);
* ``tc-coherent``: coherent charger, energy + whole-battery ergotropy (sectors k = 0..N);
* ``dicke-coherent``: the Dicke coupling, coherent charger, energy + ergotropy (both parities).

Usage: ``python benchmarks/bench_canzio_scaling.py [--quick] [--limit SECONDS]``. A series stops
at the first N whose run exceeds ``--limit`` (default 900 s). Writes
benchmarks/results/canzio_scaling.json and docs/canzio_scaling.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SERIES = {
    "tc-fock": ("tc", "fock", ["energy", "ergotropy"], [10, 20, 40, 60, 80, 100]),
    "tc-coherent-E": ("tc", "coherent", ["energy"], [10, 20, 40, 60, 80, 100]),
    "tc-coherent": ("tc", "coherent", ["energy", "ergotropy"], [10, 20, 30, 40, 50]),
    "dicke-coherent": ("dicke", "coherent", ["energy", "ergotropy"], [4, 6, 8, 10, 12, 16, 20]),
}
QUICK = {name: (*v[:3], v[3][:2]) for name, v in SERIES.items()}

CHILD = r"""
import json, resource, sys, time
from threadpoolctl import threadpool_limits
import qbattery
from qbattery.models import canzio
coupling, charger, series, n = sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4])
spec = canzio(n, coupling=coupling, charger=charger, series=tuple(series))
spec["run"] = {"workers": 1}
with threadpool_limits(1):
    start = time.perf_counter()
    result = qbattery.simulate(spec)
    wall = time.perf_counter() - start
print(json.dumps({
    "N": n, "wall_s": wall, "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "cutoff": spec["system"]["mode"]["cutoff"], "sectors": len(result.info["sectors_integrated"]),
    "largest_sector": max(result.info["sector_sizes"]),
    "ergotropy_max": result.summary.get("ergotropy_max"), "E_max": result.summary["E_max"],
}))
"""


def run_case(coupling, charger, series, n, limit):
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, coupling, charger, ",".join(series), str(n)],
        capture_output=True, text=True, timeout=limit * 3,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"N": n, "error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def plot(data, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
    for name, rows in data["series"].items():
        ok = [r for r in rows if "wall_s" in r]
        if not ok:
            continue
        n = np.array([r["N"] for r in ok], dtype=float)
        wall = np.array([r["wall_s"] for r in ok])
        # local slope of the last two sizes: the cost law where the series stopped
        slope = np.log(wall[-1] / wall[-2]) / np.log(n[-1] / n[-2]) if len(n) > 1 else np.nan
        ax_t.loglog(n, wall, "o-", label=rf"{name} ($\propto N^{{{slope:.1f}}}$ at the end)")
        ax_m.loglog(n, [r["peak_MiB"] / 1024 for r in ok], "o-", label=name)
    ax_t.set_xlabel(r"$N$")
    ax_t.set_ylabel(r"wall time $t$ (s), one core")
    ax_m.set_xlabel(r"$N$")
    ax_m.set_ylabel(r"peak memory (GiB)")
    for ax in (ax_t, ax_m):
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks([4, 6, 10, 20, 40, 60, 100])
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    fig.legend(*ax_t.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle("permutational solver, Canzio et al. setup (t ≤ 10, 201 points)")
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--limit", type=float, default=900.0)
    parser.add_argument("--series", nargs="*", default=list(SERIES))
    parser.add_argument("--plot-only", action="store_true", help="redraw from the saved JSON")
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "results" / "canzio_scaling.json"
    if args.plot_only:
        plot(json.loads(out.read_text()), ROOT / "docs" / "canzio_scaling.png")
        return
    table = QUICK if args.quick else SERIES
    data = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "series": {},
    }
    for name in args.series:
        coupling, charger, series, sizes = table[name]
        rows = data["series"].setdefault(name, [])
        for n in sizes:
            row = run_case(coupling, charger, series, n, args.limit)
            rows.append(row)
            print(name, row, flush=True)
            if "error" in row or row["wall_s"] > args.limit:
                break
    data["load_after"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    plot(data, ROOT / "docs" / "canzio_scaling.png")
    print("wrote", out)


if __name__ == "__main__":
    main()
