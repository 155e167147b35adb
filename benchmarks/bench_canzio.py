"""Canzio et al. (2024), Eq. 1-3: qbattery's permutational solver vs QuTiP + PIQS.

N two-level atoms with local decay γ_↓ Σ_i D[σ_-^i] and local dephasing γ_φ Σ_i D[σ_z^i], charged
by a lossy mode (κ D[a]) through the Dicke coupling (Eq. 1, 2g/√N J_x (a + a†)) or the
Tavis-Cummings one (Eq. 2, g/√N (J_+ a + J_- a†)); H_B = ω_0 (J_z + N/2), H_C = ω_c a†a,
ω_0 = ω_c = 1, κ = 0.15, γ_φ = γ_↓ = 0.1, g = g_c/2 (Eq. 6: g_c = √(ω_0 ω_c)/2 for Dicke,
√(ω_0 ω_c) for TC). Battery all down, charger in |α = √N> or |N>. E_B(t) on t ∈ [0, 10], 201
points, rtol 1e-8 / atol 1e-10 on both sides, on the same truncated model (same cutoff).

* QuTiP + PIQS, written the way a user would (the paper's Methods): the spins in PIQS's Dicke
  basis (``piqs.Dicke(N, hamiltonian=H_B, emission=γ_↓, dephasing=4 γ_φ)``: PIQS's dephasing term
  is (γ_D/2) L[σ_z/2] = (γ_D/4) D[σ_z]), ``piqs.jspin`` operators tensored with ``destroy(cutoff)``,
  the total Liouvillian assembled with ``super_tensor`` / ``spre`` / ``spost``, ``mesolve`` with
  ``e_ops = [H_B ⊗ 1]``. It gives no ergotropy.
* qbattery: ``qbattery.simulate(spec)`` with ``solver = "permutational"``, series energy and
  ergotropy, timed end to end from building the spec dict (imports excluded, reported apart).

Each side of each case runs in a fresh subprocess (serial, one BLAS thread) so that its peak
memory (``ru_maxrss``, which sees C allocations) is its own. QuTiP is not run where its
Liouvillian would exceed ``--qutip-limit-gb`` (estimate: (nds·cutoff)² rows × 16 non-zeros ×
20 bytes). A tight QuTiP run (rtol 1e-10, atol 1e-12) on the smallest QuTiP case is the accuracy
reference. ``--selfcheck`` checks the PIQS model against a brute-force 2^N ⊗ mode ``mesolve`` with
explicit local collapse operators (N = 3), and qbattery's spec against the PIQS model without
local noise (Lindblad solver).

Usage: ``python benchmarks/bench_canzio.py [--quick] [--cases a,b] [--tight CASE|none]
[--selfcheck] [--no-write] [--out PATH]``; writes a Markdown fragment (default
benchmarks/results/performance_canzio.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

OMEGA_0 = 1.0
OMEGA_C = 1.0
KAPPA = 0.15
GAMMA_PHI = 0.1
GAMMA_DOWN = 0.1
T_MAX = 10.0
POINTS = 201
RTOL, ATOL = 1e-8, 1e-10
TIGHT_RTOL, TIGHT_ATOL = 1e-10, 1e-12
TAIL = 1e-10  # coherent-state norm allowed beyond the cutoff (qbattery refuses more)
NNZ_PER_ROW = 16  # assumed for the QuTiP memory estimate (measured: 5-9 in the final L)
BYTES_PER_NNZ = 20  # complex128 value + int32 column index (qutip.core.data idxint)
DEFAULT_OUT = Path("benchmarks/results/performance_canzio.md")


def g_coupling(coupling: str) -> float:
    """g = g_c/2 with Canzio's Eq. 6."""
    g_c = np.sqrt(OMEGA_0 * OMEGA_C) / (2 if coupling == "dicke" else 1)
    return g_c / 2


def coherent_tail_cutoff(mean: float, tol: float = TAIL) -> int:
    """Smallest n with Σ_{k≥n} p_k < tol for the Poisson weights of |√mean>."""
    from scipy.stats import poisson

    n = np.arange(int(mean + 20 * np.sqrt(mean) + 40))
    return int(np.argmax(poisson.sf(n - 1, mean) < tol))


def coherent_cutoff(N: int, coupling: str, paper: bool = False) -> int:
    """Paper's Methods: 4m + 1 (if it holds the state to TAIL); else tail cutoff + margin.

    Margin: TC conserves the excitation number (local decay and loss only lower it), so the photon
    number never exceeds the initial one and 5 is plenty; Dicke's counter-rotating terms can add
    photons, so 10."""
    tail = coherent_tail_cutoff(N)
    if paper and 4 * N + 1 >= tail:
        return 4 * N + 1
    return tail + (5 if coupling == "tc" else 10)


@dataclass(frozen=True)
class Case:
    name: str
    coupling: str  # "tc" (Eq. 2) or "dicke" (Eq. 1)
    N: int
    charger: str  # "coherent" (|√N>) or "fock" (|N>)
    cutoff: int
    why: str  # how the cutoff was chosen

    @property
    def label(self) -> str:
        c = "TC" if self.coupling == "tc" else "Dicke"
        s = "|√N⟩" if self.charger == "coherent" else "|N⟩"
        return f"{c}, {s}, N = {self.N}, cutoff {self.cutoff}"

    @property
    def nds(self) -> int:
        return (self.N // 2 + 1) ** 2 if self.N % 2 == 0 else (self.N + 1) * (self.N + 3) // 4

    @property
    def qutip_bytes(self) -> float:
        rows = (self.nds * self.cutoff) ** 2
        return rows * NNZ_PER_ROW * BYTES_PER_NNZ


def _coh(name, coupling, N, paper=False):
    C = coherent_cutoff(N, coupling, paper)
    tail = coherent_tail_cutoff(N)
    why = (
        f"4N+1 (paper's Methods; tail cutoff {tail})"
        if paper and C == 4 * N + 1
        else f"tail < {TAIL:g} at {tail}, + {C - tail}"
    )
    return Case(name, coupling, N, "coherent", C, why)


def _fock(name, N):
    why = "N+1 (TC: excitation number never exceeds N)"
    return Case(name, "tc", N, "fock", N + 1, why)


CASES = {
    c.name: c
    for c in [
        # --quick: smoke test
        _coh("tc_coh_4", "tc", 4),
        _coh("dicke_coh_4", "dicke", 4),
        _fock("tc_fock_4", 4),
        # small real cases (opt-in with --cases)
        _coh("tc_coh_6", "tc", 6),
        _coh("dicke_coh_6", "dicke", 6),
        # the paper's setup, and a Fock charger with every noise on
        _coh("tc_coh_10", "tc", 10, paper=True),
        _coh("dicke_coh_10", "dicke", 10, paper=True),
        _fock("tc_fock_20", 20),
        # qbattery only (QuTiP's Liouvillian would not fit)
        _fock("tc_fock_100", 100),
        _coh("tc_coh_20", "tc", 20),
        _coh("tc_coh_40", "tc", 40),
        _coh("dicke_coh_20", "dicke", 20),
    ]
}
QUICK = ["tc_coh_4", "dicke_coh_4", "tc_fock_4"]
DEFAULT = [
    "tc_coh_10",
    "dicke_coh_10",
    "tc_fock_20",
    "tc_fock_100",
    "tc_coh_20",
    "tc_coh_40",
    "dicke_coh_20",
]


# --------------------------------------------------------------------------- QuTiP + PIQS side


def qutip_model(case: Case, local: bool = True):
    """(Liouvillian, ρ0, [H_B ⊗ 1, 1 ⊗ n]) in PIQS's Dicke basis ⊗ truncated mode."""
    import qutip as qt
    from qutip import piqs

    N, C = case.N, case.cutoff
    nds = piqs.num_dicke_states(N)
    jx, _, jz = piqs.jspin(N, basis="dicke")
    jp = piqs.jspin(N, "+", basis="dicke")
    jm = piqs.jspin(N, "-", basis="dicke")
    Is, Ic = qt.qeye(nds), qt.qeye(C)
    a = qt.destroy(C)
    HB = OMEGA_0 * (jz + N / 2 * Is)
    spins = piqs.Dicke(
        N,
        hamiltonian=HB,
        emission=GAMMA_DOWN if local else 0.0,
        dephasing=4 * GAMMA_PHI if local else 0.0,  # PIQS: (γ_D/4) D[σ_z]
    )
    L_spins = spins.liouvillian()
    L_mode = qt.liouvillian(OMEGA_C * a.dag() * a, [np.sqrt(KAPPA) * a])
    g = g_coupling(case.coupling)
    if case.coupling == "dicke":
        H_int = 2 * g / np.sqrt(N) * qt.tensor(jx, a + a.dag())
    else:
        H_int = g / np.sqrt(N) * (qt.tensor(jp, a) + qt.tensor(jm, a.dag()))
    L = (
        qt.super_tensor(L_spins, qt.to_super(Ic))
        + qt.super_tensor(qt.to_super(Is), L_mode)
        - 1j * qt.spre(H_int)
        + 1j * qt.spost(H_int)
    )
    if case.charger == "coherent":
        psi_c = qt.coherent(C, np.sqrt(N), method="analytic").unit()  # truncated |α>, as qbattery
    else:
        psi_c = qt.basis(C, N)
    rho0 = qt.tensor(piqs.dicke(N, N / 2, -N / 2), qt.ket2dm(psi_c))  # all down
    return L, rho0, [qt.tensor(HB, Ic), qt.tensor(Is, a.dag() * a)]


def run_qutip(case: Case, rtol: float, atol: float) -> dict:
    import qutip as qt

    tlist = np.linspace(0, T_MAX, POINTS)
    w, c = time.perf_counter(), time.process_time()
    L, rho0, e_ops = qutip_model(case)
    w_build, c_build = time.perf_counter() - w, time.process_time() - c
    opts = {"rtol": rtol, "atol": atol, "nsteps": 1_000_000, "progress_bar": False}
    opts |= {"store_states": False, "store_final_state": False}
    res = qt.mesolve(L, rho0, tlist, e_ops=e_ops[:1], options=opts)
    energy = np.asarray(res.expect[0]).real
    m = L.data.as_scipy()
    return {
        "wall": time.perf_counter() - w,
        "cpu": time.process_time() - c,
        "build_wall": w_build,
        "build_cpu": c_build,
        "rows": int(m.shape[0]),
        "nnz": int(m.nnz),
        "method": str(res.stats.get("method", "?")),
        "arrays": {"energy": energy},
    }


# ------------------------------------------------------------------------------ qbattery side


def qbattery_spec(
    case: Case,
    rtol: float = RTOL,
    atol: float = ATOL,
    local: bool = True,
    workers: int | None = None,
) -> dict:
    N = case.N
    coupling = "2*g/sqrt(N)*Sx*(a + ad)" if case.coupling == "dicke" else "g/sqrt(N)*(Sp*a + Sm*ad)"
    charger = {"coherent": float(np.sqrt(N))} if case.charger == "coherent" else {"fock": N}
    noise = {"mode_loss": "kappa"}
    if local:
        noise |= {"local_dephasing": "gamma_phi", "local_decay": "gamma_down"}
    run = {"solver": "permutational" if local else "lindblad", "rtol": rtol, "atol": atol}
    if workers is not None:
        run["workers"] = workers  # default: qbattery's own choice (a process per core if large)
    return {
        "system": {"spins": N, "mode": {"cutoff": case.cutoff}},
        "parameters": {
            "omega_0": OMEGA_0,
            "omega_c": OMEGA_C,
            "g": g_coupling(case.coupling),
            "kappa": KAPPA,
            "gamma_phi": GAMMA_PHI,
            "gamma_down": GAMMA_DOWN,
        },
        "hamiltonian": {
            "battery": "omega_0*(Sz + N/2)",
            "charger": "omega_c*n",
            "coupling": coupling,
        },
        "initial": {"battery": "down", "charger": charger},
        "noise": noise,
        "time": {"t_max": T_MAX, "points": POINTS},
        "run": run,
        "output": {"series": ["energy", "ergotropy"]},
    }


def run_qbattery(case: Case, rtol: float, atol: float, workers: int | None = None) -> dict:
    import qbattery

    w, c = time.perf_counter(), time.process_time()
    try:
        res = qbattery.simulate(qbattery_spec(case, rtol, atol, workers=workers))
    except Exception as err:  # the solver may not exist yet
        return {
            "error": f"{type(err).__name__}: {err}"[:300],
            "wall": time.perf_counter() - w,
        }
    info = {k: v for k, v in res.info.items() if isinstance(v, int | float | str)}
    if isinstance(res.info.get("sectors_integrated"), list):
        info["sectors"] = len(res.info["sectors_integrated"])
    return {
        "wall": time.perf_counter() - w,
        "cpu": time.process_time() - c,
        "warnings": list(res.warnings),
        "info": info,
        "arrays": {k: np.asarray(res.series[k]) for k in ("energy", "ergotropy")},
    }


# ------------------------------------------------------------------------------ worker process


def worker(side: str, name: str, outdir: Path, mem_limit_gb: float, workers: int | None) -> None:
    """One side of one case in this (fresh) process; writes JSON + NPZ, peak RSS included.

    qbattery's permutational solver may fork a process pool for its sectors: their CPU time is
    added to ``cpu`` (RUSAGE_CHILDREN, reaped when the pool closes), and the largest one's peak
    RSS is reported as ``children_peak_rss_mb``."""
    from threadpoolctl import threadpool_limits

    if mem_limit_gb > 0:  # address space: a run that would not fit fails with MemoryError
        limit = int(mem_limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    case = CASES[name]
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    w = time.perf_counter()
    if side.startswith("qutip"):
        import qutip  # noqa: F401
        from qutip import piqs  # noqa: F401
    else:
        import qbattery  # noqa: F401
    import_wall = time.perf_counter() - w
    rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with threadpool_limits(limits=1, user_api="blas"):
        if side == "qutip":
            out = run_qutip(case, RTOL, ATOL)
        elif side == "qutip_tight":
            out = run_qutip(case, TIGHT_RTOL, TIGHT_ATOL)
        else:
            out = run_qbattery(case, RTOL, ATOL, workers)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_children"] = children.ru_utime + children.ru_stime
    if "cpu" in out:
        out["cpu"] += out["cpu_children"]
    out["children_peak_rss_mb"] = children.ru_maxrss / 1024
    out["import_wall"] = import_wall
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["start_rss_mb"] = rss_start / 1024
    out["imports_rss_mb"] = rss_imports / 1024
    arrays = out.pop("arrays", {})
    np.savez(outdir / f"{name}.{side}.npz", **arrays)
    (outdir / f"{name}.{side}.json").write_text(json.dumps(out))


def load_result(outdir: Path, name: str, side: str) -> dict:
    js = outdir / f"{name}.{side}.json"
    out = json.loads(js.read_text())
    with np.load(outdir / f"{name}.{side}.npz") as z:
        out["arrays"] = {k: z[k] for k in z.files}
    return out


def spawn(side: str, case: Case, outdir: Path, opts: argparse.Namespace) -> dict:
    """Run one side of one case in a fresh process (or reuse its files with ``--reuse``)."""
    js = outdir / f"{case.name}.{side}.json"
    if opts.reuse and js.exists():
        out = load_result(outdir, case.name, side)
        stamp = datetime.datetime.fromtimestamp(js.stat().st_mtime).isoformat(timespec="minutes")
        out["reused"] = stamp
        return out
    js.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update({k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    cmd = [sys.executable, __file__, "--worker", side, "--case", case.name, "--dir", str(outdir)]
    cmd += ["--mem-limit-gb", str(opts.mem_limit_gb)]
    if opts.qbattery_workers is not None:
        cmd += ["--qbattery-workers", str(opts.qbattery_workers)]
    w = time.perf_counter()
    # own session, so that a timeout also ends the solver's pool processes
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return {"error": f"timeout after {opts.timeout:g} s"}
    if proc.returncode != 0 or not js.exists():
        tail = (stderr or stdout).strip().splitlines()[-3:]
        return {"error": f"worker rc {proc.returncode}: {' | '.join(tail)}"[:400]}
    out = load_result(outdir, case.name, side)
    out["process_wall"] = time.perf_counter() - w
    return out


# ---------------------------------------------------------------------------------- self-check


def brute_force(case: Case, tlist, rtol, atol, ergotropy: bool = False):
    """E_B(t), <n>(t) [, ergotropy(t)] in the full 2^N ⊗ mode space, explicit local collapse ops.

    The ergotropy is E_B − Σ_k r_k ε_k with ρ_B's eigenvalues r_k (descending) against the 2^N
    levels ε_k of H_B (ascending): all unitaries on the N atoms."""
    import qutip as qt

    N, C = case.N, case.cutoff

    def site(op, i, mode=True):
        return qt.tensor([op if k == i else qt.qeye(2) for k in range(N)] + [qt.qeye(C)] * mode)

    sm = [site(qt.sigmam(), i) for i in range(N)]  # qutip: basis(2, 1) is down
    sz = [site(qt.sigmaz(), i) for i in range(N)]
    a = qt.tensor([qt.qeye(2)] * N + [qt.destroy(C)])
    Jz, Jm = sum(sz) / 2, sum(sm)
    Jp, Jx = Jm.dag(), (Jm + Jm.dag()) / 2
    HB = OMEGA_0 * (Jz + N / 2)
    g = g_coupling(case.coupling)
    if case.coupling == "dicke":
        H_int = 2 * g / np.sqrt(N) * Jx * (a + a.dag())
    else:
        H_int = g / np.sqrt(N) * (Jp * a + Jm * a.dag())
    H = HB + OMEGA_C * a.dag() * a + H_int
    c_ops = [np.sqrt(GAMMA_DOWN) * s for s in sm] + [np.sqrt(GAMMA_PHI) * s for s in sz]
    c_ops.append(np.sqrt(KAPPA) * a)
    if case.charger == "coherent":
        psi_c = qt.coherent(C, np.sqrt(N), method="analytic").unit()
    else:
        psi_c = qt.basis(C, N)
    psi0 = qt.tensor([qt.basis(2, 1)] * N + [psi_c])
    opts = {"rtol": rtol, "atol": atol, "nsteps": 1_000_000, "progress_bar": False}
    if not ergotropy:
        r = qt.mesolve(H, psi0, tlist, c_ops=c_ops, e_ops=[HB, a.dag() * a], options=opts)
        return np.asarray(r.expect[0]).real, np.asarray(r.expect[1]).real
    opts["store_states"] = True
    r = qt.mesolve(H, psi0, tlist, c_ops=c_ops, options=opts)
    HB_local = OMEGA_0 * (sum(site(qt.sigmaz(), i, False) for i in range(N)) / 2 + N / 2)
    levels = np.sort(np.linalg.eigvalsh(HB_local.full()))
    energy, erg = [], []
    for rho in r.states:
        rb = rho.ptrace(list(range(N))).full()
        e = float(np.real(np.trace(rb @ HB_local.full())))
        energy.append(e)
        erg.append(e - np.sort(np.linalg.eigvalsh(rb))[::-1] @ levels)
    return np.array(energy), None, np.array(erg)


def selfcheck() -> bool:
    import qutip as qt

    tlist = np.linspace(0, T_MAX, POINTS)
    tight = {"rtol": TIGHT_RTOL, "atol": TIGHT_ATOL, "nsteps": 1_000_000, "progress_bar": False}
    ok = True
    print("1. PIQS model vs brute force 2^N ⊗ mode (explicit σ_-^i, σ_z^i, a), tight tolerances:")
    for coupling in ("tc", "dicke"):
        case = _coh(f"{coupling}_coh_3", coupling, 3)
        L, rho0, e_ops = qutip_model(case)
        r = qt.mesolve(L, rho0, tlist, e_ops=e_ops, options=tight)
        e_p, n_p = (np.asarray(x).real for x in r.expect)
        e_b, n_b = brute_force(case, tlist, TIGHT_RTOL, TIGHT_ATOL)
        de, dn = np.abs(e_p - e_b).max(), np.abs(n_p - n_b).max()
        good = de < 1e-6 and dn < 1e-6
        ok &= good
        print(
            f"   {case.label}: max|ΔE_B| = {de:.1e}, max|Δ<n>| = {dn:.1e} "
            f"(E_B max {e_b.max():.4f}, end {e_b[-1]:.4f}) {'ok' if good else 'FAIL'}"
        )
    try:
        import qbattery
    except ImportError as err:
        print(f"qbattery checks skipped ({err})")
        return ok
    print("2. qbattery spec (mode loss only, Lindblad solver) vs the PIQS model, no local noise:")
    for coupling in ("tc", "dicke"):
        case = _coh(f"{coupling}_coh_4", coupling, 4)
        try:
            res = qbattery.simulate(qbattery_spec(case, TIGHT_RTOL, TIGHT_ATOL, local=False))
            e_q = np.asarray(res.energy)
        except Exception as err:
            print(f"   {case.label}: qbattery failed ({type(err).__name__}: {err})")
            ok = False
            continue
        L, rho0, e_ops = qutip_model(case, local=False)
        e_p = np.asarray(qt.mesolve(L, rho0, tlist, e_ops=e_ops[:1], options=tight).expect[0])
        de = np.abs(e_q - e_p.real).max()
        good = de < 1e-6
        ok &= good
        print(f"   {case.label}: max|ΔE_B| = {de:.1e} {'ok' if good else 'FAIL'}")
    print("3. qbattery permutational (rtol 1e-10) vs brute force: energy and ergotropy:")
    for case in (_fock("tc_fock_3", 3), _coh("tc_coh_3", "tc", 3), _coh("dicke_coh_3", "dicke", 3)):
        e_b, _, w_b = brute_force(case, tlist, TIGHT_RTOL, TIGHT_ATOL, ergotropy=True)
        try:
            res = qbattery.simulate(qbattery_spec(case, TIGHT_RTOL, TIGHT_ATOL))
        except Exception as err:
            print(f"   {case.label}: qbattery not available ({type(err).__name__}: {err})")
            ok = False
            continue
        de = np.abs(np.asarray(res.energy) - e_b).max()
        dw = np.abs(np.asarray(res.ergotropy) - w_b).max()
        good = de < 1e-7 and dw < 1e-7
        ok &= good
        print(
            f"   {case.label}: max|ΔE_B| = {de:.1e}, max|Δergotropy| = {dw:.1e} (brute-force "
            f"ergotropy max {w_b.max():.4f}, qbattery {np.max(res.ergotropy):.4f}) "
            f"{'ok' if good else 'FAIL'}"
        )
    return ok


# ------------------------------------------------------------------------------------ report


def machine_lines(started: str, load_before, load_after) -> list[str]:
    import qutip as qt
    import scipy

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        import qbattery

        qb = qbattery.__version__
    except ImportError:
        qb = "?"
    return [
        f"* date (start): {started}; platform: {platform.platform()}",
        f"* CPU: {cpu}; `nproc` {os.cpu_count()}; memory {mem}",
        f"* load average before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)} (shared machine: wall times include "
        "contention, CPU times are the steadier comparison)",
        f"* Python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, qutip {qt.__version__} (PIQS: qutip.piqs), qbattery {qb}",
        "* serial, one BLAS thread (threadpoolctl), each side of each case in a fresh process",
    ]


def fmt_s(r: dict | None) -> str:
    if r is None or "cpu" not in r:
        return "—"
    return f"{r['wall']:.3g} (CPU {r['cpu']:.3g})"


def fmt_mb(r: dict | None) -> str:
    if r is None or "peak_rss_mb" not in r:
        return "—"
    child = r.get("children_peak_rss_mb", 0.0)
    if child > 1:  # a process pool: its processes ran at the same time as this one
        return f"{r['peak_rss_mb']:.0f} + pool ≤ {child:.0f} each"
    return f"{r['peak_rss_mb']:.0f}"


def max_diff(a: dict | None, b: dict | None, key: str = "energy") -> float | None:
    try:
        return float(np.abs(a["arrays"][key] - b["arrays"][key]).max())
    except (TypeError, KeyError, ValueError):
        return None


def physical(energy: np.ndarray, N: int) -> str:
    """Sanity of E_B(t): starts at 0, stays in [0, N ω_0]."""
    bad = []
    if abs(energy[0]) > 1e-9:
        bad.append(f"E_B(0) = {energy[0]:.2e}")
    if energy.min() < -1e-7:
        bad.append(f"min E_B = {energy.min():.2e}")
    if energy.max() > N * OMEGA_0 + 1e-7:
        bad.append(f"max E_B = {energy.max():.3g} > N")
    return "" if not bad else "UNPHYSICAL: " + ", ".join(bad)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke test: N = 4 only")
    p.add_argument("--cases", help=f"comma-separated, from: {', '.join(CASES)}")
    p.add_argument(
        "--tight",
        default="auto",
        help="case for the tight QuTiP reference: 'auto' (smallest QuTiP case run), a name, 'none'",
    )
    p.add_argument("--qutip-limit-gb", type=float, default=6.0)
    p.add_argument("--timeout", type=float, default=None, help="seconds per worker process")
    p.add_argument(
        "--mem-limit-gb", type=float, default=16.0, help="address-space limit per worker (0: none)"
    )
    p.add_argument("--no-qutip", action="store_true", help="qbattery side only")
    p.add_argument(
        "--qbattery-workers",
        type=int,
        default=None,
        help="run.workers in the qbattery spec (default: qbattery's choice; 1: one process)",
    )
    p.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="keep each side's JSON/NPZ here (default: a temporary folder)",
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="with --results-dir: take a side/case from its files there instead of running it",
    )
    p.add_argument("--selfcheck", action="store_true", help="PIQS model vs brute force, N = 3")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--case", help=argparse.SUPPRESS)
    p.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker:
        worker(args.worker, args.case, args.dir, args.mem_limit_gb, args.qbattery_workers)
        return
    if args.selfcheck:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            sys.exit(0 if selfcheck() else 1)

    names = QUICK if args.quick else DEFAULT
    if args.cases:
        names = [n.strip() for n in args.cases.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        p.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    cases = [CASES[n] for n in names]
    limit = args.qutip_limit_gb * 1e9
    run_q = {c.name: c.qutip_bytes <= limit and not args.no_qutip for c in cases}
    tight = None
    if args.tight == "auto":
        small = [c for c in cases if run_q[c.name]]
        tight = min(small, key=lambda c: c.qutip_bytes).name if small else None
    elif args.tight != "none" and not args.no_qutip:
        if args.tight not in CASES:
            p.error(f"unknown tight case {args.tight!r}")
        tight = args.tight
        if tight not in names:
            cases.append(CASES[tight])
            run_q[tight] = True

    started = datetime.datetime.now().isoformat(timespec="seconds")
    load_before = os.getloadavg()
    results = {}
    if args.reuse and args.results_dir is None:
        p.error("--reuse needs --results-dir")
    with tempfile.TemporaryDirectory(prefix="bench_canzio.") as tmp:
        outdir = args.results_dir or Path(tmp)
        outdir.mkdir(parents=True, exist_ok=True)
        for case in cases:
            est = case.qutip_bytes / 1e9
            print(
                f"\n== {case.name}: {case.label} (cutoff: {case.why}); nds = {case.nds}, "
                f"Liouvillian {(case.nds * case.cutoff) ** 2:,} rows, QuTiP estimate "
                f"{est:.2g} GB" + ("" if est * 1e9 <= limit else " -> not run: memory"),
                flush=True,
            )
            r = {"qbattery": spawn("qbattery", case, outdir, args)}
            print(f"   qbattery: {r['qbattery'].get('error') or fmt_s(r['qbattery'])}", flush=True)
            if run_q[case.name]:
                r["qutip"] = spawn("qutip", case, outdir, args)
                q = r["qutip"]
                msg = q.get("error") or (
                    f"{fmt_s(q)}, build {q['build_wall']:.3g} s, {q['nnz']:,} nnz "
                    f"({q['nnz'] / q['rows']:.1f}/row), peak {fmt_mb(q)} MB; "
                    f"E_B max {q['arrays']['energy'].max():.4f}, end "
                    f"{q['arrays']['energy'][-1]:.4f} {physical(q['arrays']['energy'], case.N)}"
                )
                print(f"   QuTiP+PIQS: {msg}", flush=True)
            if case.name == tight:
                r["tight"] = spawn("qutip_tight", case, outdir, args)
                d = max_diff(r.get("qutip"), r["tight"])
                print(
                    f"   QuTiP tight: {r['tight'].get('error') or fmt_s(r['tight'])}; "
                    f"max|E_default - E_tight| = {d if d is None else f'{d:.1e}'}",
                    flush=True,
                )
            results[case.name] = r
    load_after = os.getloadavg()

    rows = [
        "| problem | qbattery s | QuTiP+PIQS s | ratio (CPU) | peak RSS MB qbattery / QuTiP "
        "| max abs ΔE | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        r = results[case.name]
        qb, qt_ = r["qbattery"], r.get("qutip")
        notes = []
        if "error" in qb:
            qb_cell = f"qbattery: not available ({qb['error']})"
        else:
            qb_cell = fmt_s(qb)
            erg = qb["arrays"].get("ergotropy")
            if erg is not None and erg.size:
                notes.append(f"qbattery max ergotropy {erg.max():.4g}")
            notes.append(f"max E_B {qb['arrays']['energy'].max():.4g}")
            nw = qb.get("info", {}).get("workers", 1)
            if nw > 1:
                notes.append(f"qbattery ran {nw} pool processes (their CPU is included)")
            if "reused" in qb:
                notes.append(f"qbattery row reused from a run of {qb['reused']}")
            notes += [f"warning: {w}" for w in qb.get("warnings", [])]
            notes.append(physical(qb["arrays"]["energy"], case.N))
        if not run_q[case.name] and case.qutip_bytes <= limit:
            qt_cell = "not run (--no-qutip)"
        elif not run_q[case.name]:
            qt_cell = f"not run: memory (estimate {case.qutip_bytes / 1e9:.2g} GB)"
        elif "error" in qt_:
            qt_cell = f"failed ({qt_['error']})"
        else:
            qt_cell = fmt_s(qt_)
            notes.append("QuTiP+PIQS: no ergotropy")
            if "reused" in qt_:
                notes.append(f"QuTiP row reused from a run of {qt_['reused']}")
            notes.append(
                f"QuTiP build {qt_['build_wall']:.2g} s, L {qt_['nnz']:,} nnz "
                f"({qt_['nnz'] / qt_['rows']:.1f}/row)"
            )
            if "error" in qb:
                notes.append(f"QuTiP max E_B {qt_['arrays']['energy'].max():.4g}")
            notes.append(physical(qt_["arrays"]["energy"], case.N))
        ratio = "—"
        if qt_ and "cpu" in qt_ and "cpu" in qb:
            ratio = f"{qt_['cpu'] / qb['cpu']:.3g}×"
        d = max_diff(qb, qt_)
        dcell = "—" if d is None else f"{d:.1e}"
        if "tight" in r:
            dt = max_diff(qb, r["tight"])
            dq = max_diff(qt_, r["tight"])
            if "cpu" in r["tight"]:
                notes.append(f"QuTiP tight (rtol 1e-10, atol 1e-12) {fmt_s(r['tight'])}")
            if dq is not None:
                dcell += f"; QuTiP vs tight {dq:.1e}"
            if dt is not None:
                dcell += f"; qbattery vs tight {dt:.1e}"
        mem = f"{fmt_mb(qb)} / {fmt_mb(qt_) if run_q[case.name] else '—'}"
        note = "; ".join(n for n in notes if n)
        cells = [case.label, qb_cell, qt_cell, ratio, mem, dcell, note]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")

    base = {}
    for side, who in (("qbattery", "qbattery"), ("qutip", "QuTiP")):
        mb = [
            r[side]["imports_rss_mb"]
            for r in results.values()
            if "imports_rss_mb" in r.get(side, {})
        ]
        if mb:
            base[who] = min(mb)
    baseline = ", ".join(f"{k} {v:.0f} MB" for k, v in base.items()) or "—"
    imp = [results[c.name]["qbattery"].get("import_wall") for c in cases]
    imp = [x for x in imp if x is not None]
    lines = [
        "# Performance: Canzio et al. (2024), local decay and dephasing "
        "(qbattery permutational vs QuTiP + PIQS)",
        "",
        "Generated by `"
        + " ".join(["python benchmarks/bench_canzio.py", *sys.argv[1:]])
        + "` — re-run it to refresh.",
        "",
        "### Machine",
        "",
        *machine_lines(started, load_before, load_after),
        "",
        "### Problem",
        "",
        "Canzio et al., Eq. 1-3: H_B = ω_0 (J_z + N/2), H_C = ω_c a†a, Dicke coupling "
        "2g/√N J_x (a + a†) or TC g/√N (J_+ a + J_- a†), κ D[a] + Σ_i (γ_↓ D[σ_-^i] + γ_φ "
        f"D[σ_z^i]); ω_0 = ω_c = 1, κ = {KAPPA}, γ_φ = {GAMMA_PHI}, γ_↓ = {GAMMA_DOWN}, g = g_c/2 "
        f"(Eq. 6: {g_coupling('dicke')} Dicke, {g_coupling('tc')} TC). Battery all down, charger "
        f"|√N⟩ or |N⟩ (same truncated state on both sides). E_B(t) on t ∈ [0, {T_MAX:g}], "
        f"{POINTS} points, rtol {RTOL:g}, atol {ATOL:g} on both sides.",
        "",
        '* **qbattery**: `qbattery.simulate(spec)`, `solver = "permutational"`, series energy '
        "and ergotropy; wall/CPU from building the spec dict to the Result (the import of "
        f"qbattery, {min(imp):.2g}-{max(imp):.2g} s, is not included)."
        if imp
        else '* **qbattery**: `qbattery.simulate(spec)`, `solver = "permutational"`.',
        "* **QuTiP + PIQS** (the paper's Methods): spins in PIQS's Dicke basis, `piqs.Dicke(N, "
        "hamiltonian=H_B, emission=γ_↓, dephasing=4γ_φ)` (PIQS's dephasing is (γ_D/4) D[σ_z]), "
        "`piqs.jspin` ⊗ `destroy(cutoff)`, Liouvillian from `super_tensor`/`spre`/`spost`, "
        "`mesolve` (default method) with `e_ops = [H_B ⊗ 1]`; wall/CPU include building the "
        "Liouvillian. It gives no ergotropy. Not run where the estimate (nds·cutoff)² rows × "
        f"{NNZ_PER_ROW} nnz × {BYTES_PER_NNZ} B exceeds {args.qutip_limit_gb:g} GB.",
        "* Cells: wall s (CPU s); ratio = QuTiP CPU / qbattery CPU; peak RSS = `ru_maxrss` of "
        "each side's own process, imports included (after the imports alone: " + baseline + ").",
        "* PIQS builds its Lindbladian coefficients in single precision (`cdef float` in "
        "`qutip/piqs/_piqs.pyx`): against a brute-force 2^N ⊗ mode `mesolve` with explicit "
        "local collapse operators (`--selfcheck`, N = 3) the QuTiP + PIQS model is off by "
        "~2e-8 in E_B, so a max abs ΔE of order 1e-8 is PIQS's floor, not qbattery's error.",
        "",
        *rows,
        "",
        "Cutoffs: "
        + "; ".join(f"{c.name} {c.cutoff} ({c.why})" for c in cases)
        + f". Tight QuTiP reference on: {tight or 'none'}.",
        "",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
