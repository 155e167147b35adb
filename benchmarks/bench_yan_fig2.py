"""Yan et al. (2026) Fig. 2 sweep: qbattery's closed solver vs a straightforward QuTiP 5 code.

Same grid on both sides: J_k/ω_a in ``yan2026.FULL.couplings`` for k = x, y, z, N atoms, t on
[0, t_max] with ``points`` samples, the Fock cutoff qbattery settled on for each point (so both
solve the identical truncated model). Both run serially with one BLAS thread.

* qbattery, "target": what the reproduction target does per point (spec → Problem, one
  eigendecomposition of the parity sector |G>⊗|5> lives in, E(t) on the grid, refined first peak
  and max E/t, the top-Fock-level check);
* qbattery, "E(t) only": Problem + closed solver + E(t) on the grid (the like-for-like part);
* QuTiP: full product space (N+1)·cutoff, ``sesolve`` with ``e_ops=[H_B]``, default tolerances
  and tight ones (atol 1e-10, rtol 1e-8).

Usage: ``python benchmarks/bench_yan_fig2.py [--quick] [--out PATH]``; writes a Markdown
fragment (default benchmarks/results/performance_yan2026.md).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
import qutip as qt
import scipy
from threadpoolctl import threadpool_limits

import qbattery
from qbattery.models.dicke import dicke_oat
from qbattery.problem import build_problem
from qbattery.reproduce import yan2026 as yan
from qbattery.solvers.closed import solve_closed

TIGHT = {"atol": 1e-10, "rtol": 1e-8, "nsteps": 1_000_000}


def qutip_energy(axis, J, N, cutoff, tlist, options=None):
    """E(t) of Yan's Eq. 1 from |G>⊗|5>, written the way a QuTiP user would."""
    j = N / 2
    S = {k: qt.jmat(j, k) for k in "xyz"}
    a = qt.destroy(cutoff)
    Ib, Ic = qt.qeye(N + 1), qt.qeye(cutoff)
    HB = yan.OMEGA_A * S["z"] + (J / N) * S[axis] * S[axis]
    wc = yan.resonant_cavity(axis, J)
    H = (
        qt.tensor(HB, Ic)
        + wc * qt.tensor(Ib, a.dag() * a)
        + yan.G / np.sqrt(N) * qt.tensor(S["x"], a + a.dag())
    )
    psi0 = qt.tensor(HB.groundstate()[1], qt.basis(cutoff, yan.PHOTONS))
    res = qt.sesolve(H, psi0, tlist, e_ops=[qt.tensor(HB, Ic)], options=options or {})
    E = np.asarray(res.expect[0]).real
    return E - E[0]


def ours_energy_only(axis, J, N, cutoff, t_max, points):
    spec = dicke_oat(
        N,
        axis=axis,
        J=J,
        omega_c=yan.resonant_cavity(axis, J),
        g=yan.G,
        photons=yan.PHOTONS,
        cutoff=cutoff,
        t_max=t_max,
        points=points,
        series=("energy",),
    )
    problem = build_problem(spec)
    ev = solve_closed(problem)
    e = ev.expect(problem.H_battery)
    return e - e[0]


def timed(f, *args, **kw):
    w, c = time.perf_counter(), time.process_time()
    out = f(*args, **kw)
    return out, time.perf_counter() - w, time.process_time() - c


def machine() -> str:
    lscpu = subprocess.run(["bash", "-c", "lscpu | head"], capture_output=True, text=True).stdout
    return lscpu.rstrip()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="N = 10, five J values")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/performance_yan2026.md"))
    p.add_argument("--no-tight", action="store_true", help="skip the tight-tolerance QuTiP run")
    args = p.parse_args()

    s = yan.FULL
    N, Js = s.n_atoms, list(s.couplings)
    if args.quick:
        N, Js = 10, [-0.9, -0.5, 0.0, 0.5, 0.9]
    t = np.linspace(0, s.t_max, s.points)
    load_before = os.getloadavg()
    totals = {k: [0.0, 0.0] for k in ("target", "eonly", "qutip", "qutip_tight")}
    err = {"qutip": 0.0, "qutip_tight": 0.0, "eonly": 0.0}
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for axis in yan.AXES:
            for J in Js:
                run, w, c = timed(
                    yan.exact_charging, axis, J, N, cutoff=s.cutoff, t_max=s.t_max, points=s.points
                )
                totals["target"][0] += w
                totals["target"][1] += c
                e1, w1, c1 = timed(ours_energy_only, axis, J, N, run.cutoff, s.t_max, s.points)
                totals["eonly"][0] += w1
                totals["eonly"][1] += c1
                err["eonly"] = max(err["eonly"], float(np.abs(e1 - run.energy).max()))
                eq, wq, cq = timed(qutip_energy, axis, J, N, run.cutoff, t)
                totals["qutip"][0] += wq
                totals["qutip"][1] += cq
                err["qutip"] = max(err["qutip"], float(np.abs(eq - run.energy).max()))
                line = [axis, J, run.cutoff, w, w1, wq]
                if not args.no_tight:
                    et, wt, ct = timed(qutip_energy, axis, J, N, run.cutoff, t, TIGHT)
                    totals["qutip_tight"][0] += wt
                    totals["qutip_tight"][1] += ct
                    err["qutip_tight"] = max(
                        err["qutip_tight"], float(np.abs(et - run.energy).max())
                    )
                    line.append(wt)
                rows.append(line)
                print(" ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in line))

        # a 10x longer window at one point: the eigen path does not care, the ODE does
        long_t = np.linspace(0, 10 * s.t_max, 10 * (s.points - 1) + 1)
        _, wl, _ = timed(ours_energy_only, "x", -0.5, N, 20, 10 * s.t_max, len(long_t))
        _, wlq, _ = timed(qutip_energy, "x", -0.5, N, 20, long_t)
    load_after = os.getloadavg()

    n_pts = len(rows)
    ratio = totals["qutip"][0] / totals["target"][0]
    ratio_e = totals["qutip"][0] / totals["eonly"][0]
    lines = [
        "# Performance: Yan et al. 2026, Fig. 2 sweep (qbattery vs QuTiP)",
        "",
        f"Generated by `benchmarks/bench_yan_fig2.py{' --quick' if args.quick else ''}` on "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}.",
        "",
        "Machine (`lscpu | head`), shared with other jobs while this ran:",
        "",
        "```",
        machine(),
        "```",
        "",
        f"nproc = {os.cpu_count()}; load average before/after: "
        f"{load_before[0]:.1f} / {load_after[0]:.1f} (so wall times include contention; CPU "
        "times are the steadier comparison). Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"qutip {qt.__version__}, qbattery {qbattery.__version__}. Serial, one BLAS thread.",
        "",
        f"Grid: N = {N}, J_k/ω_a ∈ {{{', '.join(f'{j:g}' for j in Js)}}} for k = x, y, z "
        f"({n_pts} points), t ∈ [0, {s.t_max:g}] with {s.points} samples, g = {yan.G}, "
        f"|G>⊗|{yan.PHOTONS}>, ω_c = Δ_k; Fock cutoff as settled by qbattery per point "
        f"({sorted({r[2] for r in rows})}).",
        "",
        "| implementation | wall [s] | CPU [s] | per point (wall) [s] | max abs(E − E_ours) |",
        "|---|---|---|---|---|",
        f"| qbattery, as the target runs it (refined maxima, cutoff check) | "
        f"{totals['target'][0]:.1f} | {totals['target'][1]:.1f} | "
        f"{totals['target'][0] / n_pts:.2f} | reference |",
        f"| qbattery, Problem + closed solver + E(t) only | {totals['eonly'][0]:.1f} | "
        f"{totals['eonly'][1]:.1f} | {totals['eonly'][0] / n_pts:.2f} | {err['eonly']:.1e} |",
        f"| QuTiP sesolve, default tolerances | {totals['qutip'][0]:.1f} | "
        f"{totals['qutip'][1]:.1f} | {totals['qutip'][0] / n_pts:.2f} | {err['qutip']:.1e} |",
    ]
    if not args.no_tight:
        lines.append(
            f"| QuTiP sesolve, atol 1e-10, rtol 1e-8 | {totals['qutip_tight'][0]:.1f} | "
            f"{totals['qutip_tight'][1]:.1f} | {totals['qutip_tight'][0] / n_pts:.2f} | "
            f"{err['qutip_tight']:.1e} |"
        )
    tight_ratio = (
        f", tight QuTiP / qbattery target = {totals['qutip_tight'][0] / totals['target'][0]:.2f}"
        if not args.no_tight
        else ""
    )
    lines += [
        "",
        f"Wall-time ratios: QuTiP (default) / qbattery target = {ratio:.2f}, QuTiP (default) / "
        f"qbattery E(t)-only = {ratio_e:.2f}{tight_ratio}.",
        "",
        f"Ten times longer window (t ≤ {10 * s.t_max:g}, {len(long_t)} samples, x, J = −0.5, "
        f"cutoff 20): qbattery E(t)-only {wl:.2f} s, QuTiP default {wlq:.2f} s "
        f"(ratio {wlq / wl:.1f}).",
        "",
        "Reading: qbattery propagates only the parity sector |G>⊗|5> lives in (dimension "
        "(N+1)·cutoff/2 ≈ 400-600), by the cheaper exact path its cost model picks: one real "
        "dense eigendecomposition, after which each output time is a (d × d) product "
        "independent of t_max, or Chebyshev expansions of exp(-iHΔt) along the grid (chosen at "
        "these sizes and this short window); QuTiP integrates the full (N+1)·cutoff space with "
        "an adaptive ODE whose cost grows with t_max. qbattery's result is exact to rounding "
        f"(QuTiP's default tolerances leave up to {err['qutip']:.0e}); the target's time includes "
        "its cutoff search (a first run at cutoff 20, raised by 8 until the top two Fock levels "
        "are empty), QuTiP's runs once at the cutoff the target settled on.",
        "",
        "Per point (axis, J, cutoff, qbattery target, qbattery E-only, QuTiP default"
        + (", QuTiP tight" if not args.no_tight else "")
        + ") wall seconds:",
        "",
        "```",
        *(" ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in r) for r in rows),
        "```",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines[12:24]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
