"""Open Dicke battery with collective noise: qbattery (solver = "auto") vs QuTiP ``mesolve``.

N two-level atoms charged by a lossy mode through the Dicke coupling, H = ω (S_z + N/2) + ω a†a
+ (2g/√N) S_x (a + a†), ω = 1, g = 0.5, with cavity loss κ D[a] (κ = 0.15) and collective
decay γ D[S_−] (γ = 0.1). Battery all down, charger in |α = √N> (cutoff: the smallest holding
all but 1e-10 of it, as qbattery requires). E_B(t) on t ∈ [0, 10], 201 points.

No local channel: ρ(t) stays in the symmetric block j = N/2, so both sides work on
(spin-N/2) ⊗ mode. qbattery's auto choice is the permutational solver restricted to that block
(exact Taylor exponentiation on the Hermitian half of one parity sector).

* QuTiP: the collective operators from ``qutip.jmat(N/2)`` tensored with ``destroy(cutoff)``,
  ``mesolve(H, ρ0, t, c_ops=[√κ a, √γ S_−], e_ops=[H_B])`` at rtol 1e-8 / atol 1e-10 (QuTiP's
  default adams integrator), as a user would write it.
* qbattery: ``qbattery.simulate(spec)``, series energy, from the spec dict (imports excluded).

Each side runs in a fresh subprocess (one BLAS thread) so that its peak RSS (``ru_maxrss``) is its
own; wall and CPU time of the run itself. max |ΔE| is between the two energy series.

Usage: ``python benchmarks/bench_open_dicke.py [--n 8,12] [--alone 20,30] [--no-qutip]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

OMEGA, G, KAPPA, GAMMA = 1.0, 0.5, 0.15, 0.1
T_MAX, POINTS = 10.0, 201
RTOL, ATOL = 1e-8, 1e-10


def cutoff(n: int) -> int:
    from qbattery.operators.boson import cutoff_for_coherent

    return cutoff_for_coherent(np.sqrt(n))


def spec(n: int) -> dict:
    return {
        "system": {"spins": n, "mode": {"cutoff": cutoff(n)}},
        "parameters": {"omega": OMEGA, "g": G},
        "hamiltonian": {
            "battery": "omega*(Sz + N/2)",
            "charger": "omega*n",
            "coupling": "g/sqrt(N)*2*Sx*(a + ad)",
        },
        "initial": {"battery": "down", "charger": {"coherent": float(np.sqrt(n))}},
        "noise": {"mode_loss": KAPPA, "collective_decay": GAMMA},
        "time": {"t_max": T_MAX, "points": POINTS},
        "run": {"solver": "auto", "rtol": RTOL, "atol": ATOL},
        "output": {"series": ["energy"]},
    }


def run_qbattery(n: int) -> dict:
    import qbattery

    s = spec(n)
    wall, cpu = time.perf_counter(), time.process_time()
    res = qbattery.simulate(s)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    info = {k: res.info.get(k) for k in ("solver", "kept_blocks", "sector_sizes", "method")}
    return {"wall": wall, "cpu": cpu, "energy": list(map(float, res.energy)), "info": info}


def run_qutip(n: int) -> dict:
    import qutip
    from scipy.special import gammaln

    nc, j = cutoff(n), n / 2
    wall, cpu = time.perf_counter(), time.process_time()
    sx, sz, sm = qutip.jmat(j, "x"), qutip.jmat(j, "z"), qutip.jmat(j, "-")
    a, one_s, one_c = qutip.destroy(nc), qutip.qeye(round(2 * j) + 1), qutip.qeye(nc)
    H_B = qutip.tensor(OMEGA * (sz + j * one_s), one_c)
    H = H_B + OMEGA * qutip.tensor(one_s, a.dag() * a)
    H += 2 * G / np.sqrt(n) * qutip.tensor(sx, a + a.dag())
    k = np.arange(nc)  # |α> truncated and renormalized, as qbattery builds it
    amps = np.exp(-n / 2 + k * np.log(np.sqrt(n)) - 0.5 * gammaln(k + 1))
    psi_c = qutip.Qobj(amps / np.linalg.norm(amps))
    psi0 = qutip.tensor(qutip.basis(round(2 * j) + 1, round(2 * j)), psi_c)  # m = −j: all down
    c_ops = [np.sqrt(KAPPA) * qutip.tensor(one_s, a), np.sqrt(GAMMA) * qutip.tensor(sm, one_c)]
    times = np.linspace(0, T_MAX, POINTS)
    out = qutip.mesolve(
        H, qutip.ket2dm(psi0), times, c_ops, e_ops=[H_B], options={"rtol": RTOL, "atol": ATOL}
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    e = np.real(np.asarray(out.expect[0]))
    return {"wall": wall, "cpu": cpu, "energy": list(map(float, e - e[0])), "info": {}}


def worker(side: str, n: int, path: str) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    result = (run_qbattery if side == "qbattery" else run_qutip)(n)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(path, "w") as f:
        json.dump(result, f)


def launch(side: str, n: int, timeout: float) -> dict | None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [sys.executable, __file__, "--worker", side, "--n", str(n), "--path", path]
    try:
        subprocess.run(cmd, check=True, env=env, timeout=timeout)
        with open(path) as f:
            return json.load(f)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        print(f"  {side} N = {n}: failed ({err})")
        return None
    finally:
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="8,12", help="N compared with QuTiP")
    parser.add_argument("--alone", default="20,30", help="N run by qbattery alone")
    parser.add_argument("--no-qutip", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--worker", choices=["qbattery", "qutip"])
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, int(args.n), args.path)
        return
    with open("/proc/loadavg") as f:
        print(f"load average before: {f.read().split()[:3]}")
    header = f"{'N':>3} {'cutoff':>6} {'side':>9} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8}"
    print(header + f" {'max|ΔE|':>9}  notes")
    compared = [int(x) for x in args.n.split(",") if x]
    alone = [int(x) for x in args.alone.split(",") if x]
    for n in compared + alone:
        ours = launch("qbattery", n, args.timeout)
        theirs = None
        if n in compared and not args.no_qutip:
            theirs = launch("qutip", n, args.timeout)
        delta = ""
        if ours and theirs:
            d = np.max(np.abs(np.array(ours["energy"]) - np.array(theirs["energy"])))
            delta = f"{d:.1e}"
        for side, r in (("qbattery", ours), ("qutip", theirs)):
            if r is None:
                continue
            note = json.dumps(r["info"]) if r["info"] else ""
            if side == "qutip" and ours:
                note = f"qbattery {r['wall'] / ours['wall']:.1f}x faster (wall)"
            print(
                f"{n:>3} {cutoff(n):>6} {side:>9} {r['wall']:>8.2f} {r['cpu']:>8.2f} "
                f"{r['rss_mb']:>8.0f} {delta if side == 'qutip' else '':>9}  {note}"
            )
    with open("/proc/loadavg") as f:
        print(f"load average after: {f.read().split()[:3]}")


if __name__ == "__main__":
    main()
