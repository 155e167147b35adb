"""Yan one-axis-twisting battery at large N: qbattery's closed solver vs QuTiP ``sesolve``.

H = ω_a S_z + J/N S_x² + ω_c a†a + g/√N S_x (a + a†), ω_c = Δ_x (resonant), J = −0.3, g = 0.08,
|G⟩ ⊗ |5⟩, Fock cutoff 40, t ∈ [0, 300] with 3001 points. qbattery: ``qbattery.simulate`` on the
spec (problem, solver, E(t), refined summary); QuTiP: ``sesolve`` on the full (N+1)·40 space with
rtol 1e-10, atol 1e-12 (N ≤ 200). Prints wall/CPU time, peak memory (tracemalloc of Python
allocations; ru_maxrss of the process at the end) and max |ΔE| against QuTiP.

Usage: ``python benchmarks/bench_closed_yan.py [--sizes 50 100 200 400 800] [--qutip-max 200]``
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

import numpy as np

import qbattery
from qbattery.models.dicke import dicke_oat
from qbattery.reproduce import yan2026 as yan

J, CUTOFF, T_MAX, POINTS = -0.3, 40, 300.0, 3001


def spec(n: int) -> dict:
    wc = yan.resonant_cavity("x", J)
    return dicke_oat(n, axis="x", J=J, omega_c=wc, g=yan.G, photons=yan.PHOTONS, cutoff=CUTOFF,
                     t_max=T_MAX, points=POINTS, series=("energy",))  # fmt: skip


def measured(f):
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    out = f()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, wall, cpu, peak


def ours(n: int):
    r = qbattery.simulate(spec(n))
    return r.energy, r.info


def qutip_energy(n: int):
    import qutip as qt

    j = n / 2
    Sx, Sz = qt.jmat(j, "x"), qt.jmat(j, "z")
    a = qt.destroy(CUTOFF)
    Ib, Ic = qt.qeye(n + 1), qt.qeye(CUTOFF)
    HB = yan.OMEGA_A * Sz + (J / n) * Sx * Sx
    H = (qt.tensor(HB, Ic) + yan.resonant_cavity("x", J) * qt.tensor(Ib, a.dag() * a)
         + yan.G / np.sqrt(n) * qt.tensor(Sx, a + a.dag()))  # fmt: skip
    psi0 = qt.tensor(HB.groundstate()[1], qt.basis(CUTOFF, yan.PHOTONS))
    tlist = np.linspace(0.0, T_MAX, POINTS)
    opts = {"rtol": 1e-10, "atol": 1e-12, "nsteps": 10**7}
    res = qt.sesolve(H, psi0, tlist, e_ops=[qt.tensor(HB, Ic)], options=opts)
    E = np.asarray(res.expect[0]).real
    return E - E[0]


def dropped(info: dict) -> str:
    return ", ".join(
        f"{d['size']} at weight {d['weight']:.1e}" for d in info.get("sectors_dropped", [])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400, 800])
    parser.add_argument("--qutip-max", type=int, default=200)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}  cpus: {os.cpu_count()}")
    print(f"{'N':>5} {'who':>8} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'max|dE|':>9}  method")
    for n in args.sizes:
        (e, info), wall, cpu, peak = measured(lambda n=n: ours(n))
        ref = None
        if n <= args.qutip_max:
            ref, qwall, qcpu, qpeak = measured(lambda n=n: qutip_energy(n))
        diff = f"{np.max(np.abs(e - ref)):9.1e}" if ref is not None else f"{'—':>9}"
        print(
            f"{n:>5} {'qbattery':>8} {wall:8.2f} {cpu:8.2f} {peak:9.1f} {diff}  "
            f"{info['method']}, dropped {dropped(info)}"
        )
        if ref is not None:
            print(
                f"{n:>5} {'qutip':>8} {qwall:8.2f} {qcpu:8.2f} {qpeak:9.1f} {'':>9}  "
                f"sesolve rtol 1e-10 atol 1e-12 (speed-up {qwall / wall:.1f}x)"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MiB; load now: {os.getloadavg()}")


if __name__ == "__main__":
    main()
