"""Yan et al. (2026): the mean-field part — Figs. 3 and 4 and a mean-field-vs-exact check.

Model (the paper's Eq. 12, which the mean-field solver derives itself from Eq. 1 with the cavity
replaced by a classical drive along x):

    H = ω_a S_z + (J_k/N) S_k² + Ω_0 e^{−κt/2} S_x,     k = x, y, z,

from the mean-field ground state of H_B (r = (0, 0, −1) for |J_k| < ω_a), local decay γ Σ D[σ_-]
for Fig. 4. The derived equations are, for k = x,

    u̇ = −ω_a v − γu/2,   v̇ = ω_a u − J_x u w − Ω w − γv/2,   ẇ = J_x u v + Ω v − γ(w + 1),

i.e. Eq. 12 — the x torque in ẇ is J_x u v; Eq. 9's J_x w v is a misprint (checked in
``yan2026-fig3``'s rows and in tests/test_meanfield.py).

Energy and power, as the paper plots them: E = ω_a (w + 1) per spin length S (the bare-atom energy
ω_a ⟨S_z⟩ − ω_a ⟨S_z⟩_0 divided by S = N/2), P_avg = E/t, P_max = max_t E/t. The text defines
P_max at "the moment the battery first reaches its energy peak"; that value (E(τ)/τ at the first
maximum of E) is computed too and reported as P_first_peak.

Targets:

* ``yan2026-fig3`` — w(t) and P_max vs J_k (Ω = 0.5, 1.5), Bloch trajectories for J = ∓0.9,
  energy landscapes E(θ, φ) with projected trajectories.
* ``yan2026-fig4`` — w(t) with κ = γ = 0.1 against the ideal J = 0 battery, and P_max maps over the
  κ–γ plane (one vectorized RK4 over the whole grid) with the benchmark contours. The benchmark
  values 0.176 and 0.93 ω_a² do not follow from Eq. 12 with J = κ = γ = 0 (that gives 0.1620 and
  0.9044); :func:`benchmark_readings` computes the candidate definitions, and the only one that
  gives both printed numbers is Eq. 12 with the precession frequency 0.9 ω_a instead of ω_a
  (0.1759 and 0.9320) — see docs/reproduction.md (Yan, mean field).
* ``yan2026-mf-convergence`` — max_t |w_exact − w_MF| for growing N (closed, and with collective
  decay through the Lindblad solver when it is available).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from qbattery.plot_phase import bloch_sphere, energy_landscape, plot_landscape
from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.solvers.meanfield import derive, simulate_meanfield, sweep_grid

PAPER = "Yan et al., Spin-squeezing-enhanced charging for quantum Dicke batteries (2026)"
AXES = ("x", "y", "z")
OMEGAS = (0.5, 1.5)
N_MF = 1000  # any N gives the same classical equations; energies are divided by S = N/2
BENCHMARK_PAPER = {0.5: 0.176, 1.5: 0.93}
AXIS_COLORS = {"x": "tab:red", "y": "tab:blue", "z": "tab:green"}
F_MAX = 0.7246113537767085  # max_x (1 − cos x)/x, at x = 2.3311223704144226


def yan_spec(
    axis: str = "x",
    J: float = -0.9,
    Omega: float = 0.5,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    t_max: float = 20.0,
    points: int = 2001,
    n_atoms: int = N_MF,
    initial: str = "ground",
    dynamics: str | None = None,
    coupling: str = "Omega0*exp(-kappa*t/2)*Sx",
    rtol: float = 1e-10,
) -> dict:
    """Spec of Yan's driven battery (the mean-field setting of Figs. 3-4)."""
    ham = {"battery": f"omega_a*Sz + J/N*S{axis}^2", "coupling": coupling}
    if dynamics is not None:
        ham["dynamics"] = dynamics
    return {
        "system": {"spins": n_atoms},
        "parameters": {"omega_a": 1.0, "J": J, "Omega0": Omega, "kappa": kappa, "gamma": gamma},
        "hamiltonian": ham,
        "initial": {"battery": initial},
        "noise": {"local_decay": "gamma"},
        "time": {"t_max": t_max, "points": points},
        "run": {"solver": "meanfield", "rtol": rtol, "atol": rtol / 100},
        "output": {"series": ["energy", "power"]},
    }


def bare_power(res) -> dict:
    """P_max (max_t E/t) and the first-peak power with E = ω_a(w + 1) (per S, ω_a = 1)."""
    t, w = res.t, res.w
    E = w - w[0]
    P = np.zeros_like(E)
    P[1:] = E[1:] / t[1:]
    i = int(np.argmax(P))
    out = {"P_max": float(P[i]), "t_P_max": float(t[i]), "w_max": float(w.max())}
    d = np.diff(E)
    peaks = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1
    if len(peaks):
        k = int(peaks[0])
        out.update(
            tau_first_peak=float(t[k]), P_first_peak=float(E[k] / t[k]), w_first_peak=float(w[k])
        )
    return out


def benchmark_readings(Omega: float, t_max: float = 30.0, points: int = 30001) -> dict:
    """The ideal (J = κ = γ = 0) benchmark under the candidate definitions, all in ω_a² units.

    Each reading is a spec run by the mean-field solver; E and P are per S unless stated.
    """
    S = N_MF / 2

    def run(**kw):
        return simulate_meanfield(yan_spec(J=0.0, Omega=Omega, t_max=t_max, points=points, **kw))

    plain = run()
    s = plain.summary
    out = {
        "Eq. 12, E = ω_a(w+1), max_t E/t (plain)": s["P_max"] / S,
        "Eq. 12, E = ω_a(w+1), E(τ)/τ at the first energy peak (the text's P_max)": s[
            "P_first_peak"
        ]
        / S,
        "Eq. 12, E per atom = ω_a(w+1)/2, max_t E/t": s["P_max"] / S / 2,
        "Eq. 12, max_t dE/dt (instantaneous power)": float(
            np.max(np.gradient(plain.energy, plain.t))
        )
        / S,
    }
    rwa = run(dynamics="Omega0*Sx")  # resonant rotating frame: the drive alone
    out["rotating frame (resonant RWA drive Ω S_x), max_t E/t"] = rwa.summary["P_max"] / S
    lab = run(coupling="2*Omega0*cos(omega_a*t)*Sx")  # cavity as 2Ω cos(ω_a t), no RWA
    out["lab frame drive 2Ω cos(ω_a t) S_x, E per atom, max_t E/t"] = lab.summary["P_max"] / S / 2
    slow = run(dynamics="0.9*omega_a*Sz + Omega0*Sx")  # precession 0.9 ω_a, energy ω_a(w+1)
    out["Eq. 12 with precession 0.9 ω_a (E = ω_a(w+1)), max_t E/t"] = slow.summary["P_max"] / S
    return out


def closed_form_benchmark(Omega: float, precession: float = 1.0) -> float:
    """max_t (w + 1)/t for J = κ = γ = 0: f_max Ω²/√(ω² + Ω²) (precession about (Ω, 0, ω))."""
    return F_MAX * Omega**2 / np.hypot(precession, Omega)


def fitted_precession(Omega: float, P: float) -> float:
    """The precession frequency ω for which closed_form_benchmark(Ω, ω) = P."""
    return float(np.sqrt((F_MAX * Omega**2 / P) ** 2 - Omega**2))


# --------------------------------------------------------------------------- Fig. 3


def _landscape_model(axis: str, J: float, Omega: float):
    return derive(yan_spec(axis, J, Omega, t_max=1.0, points=2))


@target(
    "yan2026-fig3",
    paper=PAPER,
    description="mean-field charging: w(t), P_max vs J_k, Bloch trajectories, energy landscapes",
)
def fig3(ctx: Context) -> TargetOutput:
    t_max = 20.0
    points = 801 if ctx.quick else 4001
    J_grid = np.round(np.linspace(-0.95, 0.95, 7 if ctx.quick else 39), 4)
    J_grid = np.unique(np.r_[J_grid, -0.9, 0.0, 0.9])  # the values the rows quote
    S = N_MF / 2
    runs: dict = {}
    cases = [(ax, J, Om) for Om in OMEGAS for ax in AXES for J in (-0.9, 0.9)]
    cases += [("x", 0.0, Om) for Om in OMEGAS]
    for ax, J, Om in ctx.progress(cases, "trajectories"):
        rtol = 1e-8 if ctx.quick else 1e-10
        res = simulate_meanfield(yan_spec(ax, J, Om, t_max=t_max, points=points, rtol=rtol))
        runs[(ax, J, Om)] = res
    sweeps: dict = {}
    for Om in OMEGAS:
        for ax in ctx.progress(AXES, f"P vs J, Omega = {Om}"):
            g = sweep_grid(
                yan_spec(ax, 0.0, Om, t_max=t_max),
                {"J": J_grid},
                t_max=t_max,
                dt=0.04 if ctx.quick else 0.01,
                energy="bare",
                check=0 if ctx.quick else 8,
            )
            sweeps[(ax, Om)] = g
    landscapes = {}
    for J in (-0.9, 0.9):
        for ax in AXES:
            model = _landscape_model(ax, J, 0.5)
            landscapes[(ax, J)] = energy_landscape(
                lambda th, ph, m=model: m.landscape(th, ph),
                *((61, 121) if ctx.quick else (121, 241)),
            )
    fig = _fig3_figure(runs, sweeps, landscapes, J_grid)
    data = {
        "J_grid": J_grid,
        "t": runs[("x", 0.0, 0.5)].t,
        "w": {f"{ax} J={J} Omega={Om}": r.w for (ax, J, Om), r in runs.items()},
        "P_max_vs_J": {f"{ax} Omega={Om}": g.P_max / S for (ax, Om), g in sweeps.items()},
        "P_first_peak_vs_J": {
            f"{ax} Omega={Om}": g.P_first_peak / S for (ax, Om), g in sweeps.items()
        },
        "dt_check": {f"{ax} Omega={Om}": g.info.get("dt_check") for (ax, Om), g in sweeps.items()},
        "energy": "E = omega_a (w + 1) per S = N/2; P_max = max_t E/t",
    }
    return TargetOutput(fig, data, _fig3_rows(runs, sweeps, J_grid))


def _torque_rows() -> list[Row]:
    """Eq. 9 vs Eq. 12: the x torque in ẇ from the automatically derived equations."""
    model = derive(yan_spec("x", -0.9, 0.5, t_max=1.0, points=2))
    r = np.array([[0.3, 0.4, -np.sqrt(0.75)]])
    u, v, w = r[0]
    wdot = model.derivative(0.0, r)[0, 2]
    torque = wdot - 0.5 * v
    J = -0.9
    return [
        Row(
            "x torque in dw/dt: (dw/dt - Omega v)/(J_x u v) at r=(0.3,0.4,-0.866)",
            "Eq. 12: 1 (J_x u v); Eq. 9: J_x w v",
            float(torque / (J * u * v)),
            f"derived from Eq. 1; (dw/dt - Omega v)/(J_x w v) = {torque / (J * w * v):.4f}: "
            "Eq. 12 is right, Eq. 9 misprints w for u",
        ),
        Row(
            "y torque in dw/dt: sign and factor (derived from (J_y/N) S_y^2)",
            "Eq. 9: -J_y w v",
            _y_torque(),
            "ours: dw/dt = Omega v - J_y u v (u, not w, as for x)",
        ),
    ]


def _y_torque() -> str:
    model = derive(yan_spec("y", -0.9, 0.5, t_max=1.0, points=2))
    r = np.array([[0.3, 0.4, -np.sqrt(0.75)]])
    u, v, w = r[0]
    torque = model.derivative(0.0, r)[0, 2] - 0.5 * v
    return f"-J_y u v (ratio {torque / (0.9 * u * v):.6f})"


def _fig3_rows(runs, sweeps, J_grid) -> list[Row]:
    S = N_MF / 2
    rows = _torque_rows()

    def P(ax, Om, J):
        i = int(np.argmin(abs(J_grid - J)))
        return float(sweeps[(ax, Om)].P_max[i] / S)

    for Om in OMEGAS:
        rows.append(Row(f"drive Omega (Fig. 3, Omega = {Om})", Om, Om, "parameter"))
    rows.append(Row("J_k used for trajectories and landscapes", "±0.9", "±0.9", "parameter"))
    w05 = bare_power(runs[("x", -0.9, 0.5)])["w_max"]
    w15 = bare_power(runs[("x", -0.9, 1.5)])["w_max"]
    rows.append(
        Row(
            "peak w, x-axis J = -0.9, Omega = 0.5 (Fig. 3a,e)",
            0.5,
            w05,
            "Eq. 12 conserves e = w + (J/2)u^2 + Omega u = -1, which caps w at about -0.05 here; "
            f"w ~ 0.5 is reached at Omega = 1.5 (ours {w15:.3f})",
        )
    )
    rows.append(
        Row(
            "peak w, ideal J = 0, Omega = 0.5",
            None,
            bare_power(runs[("x", 0.0, 0.5)])["w_max"],
            "(Omega²-1)/(Omega²+1) = -0.6",
        )
    )
    for Om in OMEGAS:
        p0 = P("x", Om, 0.0)
        checks = (  # (axis, J, the paper's claim, test of our ratio ρ = P/P(J=0))
            ("x", -0.9, "enhanced (x torque lowers the barrier)", lambda q: q["x-0.9"] > 1),
            ("y", -0.9, "suppressed (y torque raises the barrier)", lambda q: q["y-0.9"] < 1),
            ("z", -0.9, "suppressed (detuning)", lambda q: q["z-0.9"] < 1),
            ("x", 0.9, "suppressed (x torque raises the barrier)", lambda q: q["x+0.9"] < 1),
            (
                "y",
                0.9,
                "enhanced, above x (y torque lowers the barrier)",
                lambda q: q["y+0.9"] > q["x+0.9"],
            ),
            (
                "z",
                0.9,
                "unhelpful (no barrier regulation); intro: z suppresses for J > 0",
                lambda q: q["z+0.9"] <= 1,
            ),
        )
        q = {f"{a}{J:+.1f}": P(a, Om, J) / p0 for a, J, _, _ in checks}
        for ax, J, claim, test in checks:
            rows.append(
                Row(
                    f"P_max({ax}, J={J:+.1f}) / P_max(J=0), Omega = {Om}",
                    claim,
                    q[f"{ax}{J:+.1f}"],
                    f"{'agrees' if test(q) else 'DISAGREES'}; P_max = {P(ax, Om, J):.4f}, "
                    f"ideal {p0:.4f} (omega_a^2)",
                )
            )
    return rows


def _fig3_figure(runs, sweeps, landscapes, J_grid):
    import matplotlib.pyplot as plt

    S = N_MF / 2
    fig = plt.figure(figsize=(17, 16))
    gs = fig.add_gridspec(
        4, 12, height_ratios=(1, 1.35, 1, 1), hspace=0.38, wspace=0.9,
        left=0.04, right=0.98, top=0.94, bottom=0.04,
    )  # fmt: skip
    panels = {}
    for k, (label, Om) in enumerate((("a", 0.5), ("c", 1.5))):
        ax = fig.add_subplot(gs[0, 6 * k : 6 * k + 3])
        for axis in AXES:
            r = runs[(axis, -0.9, Om)]
            ax.plot(r.t, r.w, color=AXIS_COLORS[axis], label=f"$J_{axis}=-0.9$")
        r0 = runs[("x", 0.0, Om)]
        ax.plot(r0.t, r0.w, "k--", label="$J=0$")
        ax.set_xlabel(r"$\omega_a t$")
        ax.set_ylabel("$w$")
        ax.set_title(f"({label}) $\\Omega={Om}\\,\\omega_a$", fontsize=9)
        ax.legend(fontsize=7)
        panels[label] = ax
        bx = fig.add_subplot(gs[0, 6 * k + 3 : 6 * k + 6])
        for axis in AXES:
            g = sweeps[(axis, Om)]
            bx.plot(J_grid, g.P_max / S, "-o", ms=2.5, color=AXIS_COLORS[axis], label=f"$k={axis}$")
        bx.axvline(0, color="k", lw=0.5)
        bx.set_xlabel(r"$J_k/\omega_a$")
        bx.set_ylabel(r"$P_{\max}/\omega_a^2$")
        bx.set_title(f"({chr(ord(label) + 1)}) max$_t$ $P_{{avg}}$, $\\Omega={Om}$", fontsize=9)
        bx.legend(fontsize=7)
    for k, (label, J, Om) in enumerate(
        (("e", -0.9, 0.5), ("f", -0.9, 1.5), ("h", 0.9, 0.5), ("i", 0.9, 1.5))
    ):
        ax = fig.add_subplot(gs[1, 3 * k : 3 * k + 3], projection="3d")
        trajs = [np.c_[runs[(a, J, Om)].u, runs[(a, J, Om)].v, runs[(a, J, Om)].w] for a in AXES]
        bloch_sphere(
            ax, trajs, [f"$k={a}$" for a in AXES], [AXIS_COLORS[a] for a in AXES],
            title=f"({label}) $J_k={J:+.1f}$, $\\Omega={Om}$",
        )  # fmt: skip
    for row, (label, J) in enumerate((("g", -0.9), ("j", 0.9))):
        for k, axis in enumerate(AXES):
            ax = fig.add_subplot(gs[2 + row, 4 * k : 4 * k + 4])
            th, ph, E = landscapes[(axis, J)]
            r = runs[(axis, J, 0.5)]
            plot_landscape(
                ax, th, ph, E, [np.c_[r.u, r.v, r.w]], colors=["w"],
                title=f"({label}) {axis}-axis, $J={J:+.1f}$, $\\Omega=0.5$: $E(\\theta,\\phi)/S\\omega_a$",
                colorbar_label="",
            )  # fmt: skip
    fig.suptitle("Yan et al. 2026, Fig. 3 — mean-field charging (Eq. 12, derived from Eq. 1)")
    return fig


# --------------------------------------------------------------------------- Fig. 4


@target(
    "yan2026-fig4",
    paper=PAPER,
    description="dissipative mean field: w(t) at kappa = gamma = 0.1, P_max maps over kappa-gamma",
)
def fig4(ctx: Context) -> TargetOutput:
    S = N_MF / 2
    n_grid = 20 if ctx.quick else 100
    kappas = np.linspace(0.0, 2.0, n_grid)
    gammas = np.linspace(0.0, 1.0, n_grid)
    t_max = 20.0
    dt = 0.02 if ctx.quick else 0.01
    out_w, maps, timings, readings = {}, {}, {}, {}
    for Om in ctx.progress(OMEGAS, "w(t)"):
        out_w[("diss", Om)] = simulate_meanfield(
            yan_spec("x", -0.9, Om, 0.1, 0.1, t_max=30, points=3001)
        )
        out_w[("ideal", Om)] = simulate_meanfield(
            yan_spec("x", 0.0, Om, 0.0, 0.0, t_max=30, points=3001)
        )
    for Om in ctx.progress(OMEGAS, "kappa-gamma maps"):
        start = time.perf_counter()
        maps[Om] = sweep_grid(
            yan_spec("x", -0.9, Om, t_max=t_max),
            {"kappa": kappas, "gamma": gammas},
            t_max=t_max,
            dt=dt,
            energy="bare",
            check=0 if ctx.quick else 16,
        )
        timings[Om] = time.perf_counter() - start
    for Om in OMEGAS:
        readings[Om] = benchmark_readings(Om, points=3001 if ctx.quick else 30001)
    fig = _fig4_figure(out_w, maps, kappas, gammas, readings)
    data = {
        "kappa": kappas,
        "gamma": gammas,
        "t": out_w[("diss", 0.5)].t,
        "w": {f"{k} Omega={Om}": r.w for (k, Om), r in out_w.items()},
        "P_max_map": {f"Omega={Om}": m.P_max / S for Om, m in maps.items()},
        "P_first_peak_map": {f"Omega={Om}": m.P_first_peak / S for Om, m in maps.items()},
        "map_info": {f"Omega={Om}": m.info | {"seconds": timings[Om]} for Om, m in maps.items()},
        "benchmark_readings": {f"Omega={Om}": v for Om, v in readings.items()},
        "energy": "E = omega_a (w + 1) per S; P_max = max_t E/t; rows = kappa, columns = gamma",
    }
    return TargetOutput(fig, data, _fig4_rows(out_w, maps, kappas, gammas, readings, timings))


def _fig4_rows(out_w, maps, kappas, gammas, readings, timings) -> list[Row]:
    S = N_MF / 2
    rows = [
        Row("kappa = gamma (Fig. 4a,c)", 0.1, 0.1, "parameter"),
        Row("J_x (Fig. 4)", -0.9, -0.9, "parameter"),
    ]
    for Om in OMEGAS:
        rd = readings[Om]
        plain = rd["Eq. 12, E = ω_a(w+1), max_t E/t (plain)"]
        rows.append(
            Row(
                f"ideal benchmark P_max, Omega = {Om} (J = kappa = gamma = 0)",
                BENCHMARK_PAPER[Om],
                plain,
                "Eq. 12, E = omega_a(w+1), max_t E/t; closed form 0.7246 Omega^2/sqrt(1+Omega^2)",
            )
        )
        for name, value in rd.items():
            if name.endswith("(plain)"):
                continue
            rows.append(
                Row(f"benchmark reading, Omega = {Om}: {name}", BENCHMARK_PAPER[Om], value, "")
            )
        lo = fitted_precession(Om, BENCHMARK_PAPER[Om] + 0.0005 * (1 if Om == 0.5 else 10))
        hi = fitted_precession(Om, BENCHMARK_PAPER[Om] - 0.0005 * (1 if Om == 0.5 else 10))
        rows.append(
            Row(
                f"precession frequency that reproduces the printed benchmark, Omega = {Om}",
                BENCHMARK_PAPER[Om],
                f"{fitted_precession(Om, BENCHMARK_PAPER[Om]):.4f} (rounding interval {lo:.4f}..{hi:.4f})",
                "both intervals contain 0.9 omega_a (= |J_x| = omega_a - kappa = omega_a - gamma of Fig. 4)",
            )
        )
        d = bare_power(out_w[("diss", Om)])
        i = bare_power(out_w[("ideal", Om)])
        rows.append(
            Row(
                f"dissipative J_x=-0.9 battery beats the ideal peak early, Omega = {Om} (Fig. 4a,c)",
                "yes",
                "yes" if d["w_first_peak"] > i["w_first_peak"] else "no",
                f"first peak of w: {d['w_first_peak']:.4f} vs ideal {i['w_first_peak']:.4f}",
            )
        )
        m = maps[Om]
        ik = int(np.argmin(abs(kappas - 0.1)))
        ig = int(np.argmin(abs(gammas - 0.1)))
        rows.append(
            Row(
                f"P_max at kappa = gamma = 0.1, J_x = -0.9, Omega = {Om} (Fig. 4b,d)",
                f"> {BENCHMARK_PAPER[Om]}",
                float(m.P_max[ik, ig] / S),
                f"grid point kappa = {kappas[ik]:.3f}, gamma = {gammas[ig]:.3f}",
            )
        )
        for bench, label in ((BENCHMARK_PAPER[Om], "paper's"), (plain, "our plain")):
            above = m.P_max / S > bench
            rows.append(
                Row(
                    f"fraction of the kappa-gamma map above the {label} benchmark {bench:.4g}, Omega = {Om}",
                    None,
                    float(above.mean()),
                    f"kappa in [0, {kappas[-1]}], gamma in [0, {gammas[-1]}]",
                )
            )
        rows.append(
            Row(
                f"kappa-gamma map time ({len(kappas)}x{len(gammas)} points), Omega = {Om}",
                None,
                f"{timings[Om]:.1f} s",
                f"RK4 dt = {m.info['dt']}, dt/2 check: {m.info.get('dt_check', 'skipped')}",
            )
        )
    return rows


def _fig4_figure(out_w, maps, kappas, gammas, readings):
    import matplotlib.pyplot as plt

    S = N_MF / 2
    fig, axes = plt.subplots(2, 2, figsize=(12, 9.5))
    for col, Om in enumerate(OMEGAS):
        ax = axes[0, col]
        d, i = out_w[("diss", Om)], out_w[("ideal", Om)]
        ax.plot(d.t, d.w, "r-", label=r"$J_x=-0.9$, $\kappa=\gamma=0.1$")
        ax.plot(i.t, i.w, "k--", label=r"$J_x=\kappa=\gamma=0$")
        ax.set_xlabel(r"$\omega_a t$")
        ax.set_ylabel("$w$")
        ax.set_title(f"({'ac'[col]}) $\\Omega_0={Om}\\,\\omega_a$", fontsize=10)
        ax.legend(fontsize=8)
        bx = axes[1, col]
        P = maps[Om].P_max / S
        im = bx.pcolormesh(gammas, kappas, P, shading="auto", cmap="magma")
        fig.colorbar(im, ax=bx, label=r"$P_{\max}/\omega_a^2$")
        plain = readings[Om]["Eq. 12, E = ω_a(w+1), max_t E/t (plain)"]
        c1 = bx.contour(
            gammas, kappas, P, levels=[BENCHMARK_PAPER[Om]], colors="k", linestyles="--"
        )
        c2 = bx.contour(gammas, kappas, P, levels=[plain], colors="w", linestyles=":")
        bx.clabel(c1, fmt={BENCHMARK_PAPER[Om]: f"paper {BENCHMARK_PAPER[Om]}"}, fontsize=7)
        bx.clabel(c2, fmt={plain: f"Eq. 12 {plain:.3f}"}, fontsize=7)
        bx.set_xlabel(r"$\gamma/\omega_a$")
        bx.set_ylabel(r"$\kappa/\omega_a$")
        bx.set_title(f"({'bd'[col]}) $P_{{\\max}}$, $J_x=-0.9$, $\\Omega_0={Om}$", fontsize=10)
    fig.suptitle("Yan et al. 2026, Fig. 4 — dissipative mean field (Eq. 12)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- MF vs exact


def _exact_w(spec: dict) -> tuple[np.ndarray, np.ndarray, str]:
    """⟨S_z⟩/S of the exact (closed or Lindblad) dynamics of a spec."""
    from qbattery.problem import build_problem
    from qbattery.solvers import solve

    problem = build_problem(spec)
    evo = solve(problem)
    Sz = sp.kron(problem.battery.operators["Sz"], sp.identity(problem.charger.dim), format="csr")
    return evo.times, evo.expect(Sz) / (problem.battery.size / 2), evo.info.get("solver", "?")


def _lindblad_available() -> bool:
    from qbattery import solvers

    try:
        if hasattr(solvers, "get_solver"):
            solvers.get_solver("lindblad")
        else:  # older registry
            solvers._load_builtin_solvers()
    except Exception:  # noqa: BLE001  (any failure means: not available here)
        return False
    return "lindblad" in solvers.SOLVERS


def _fit_slope(ns, ds) -> float:
    return float(np.polyfit(np.log(ns), np.log(ds), 1)[0])


@target(
    "yan2026-mf-convergence",
    paper=PAPER,
    description="mean field vs exact quantum dynamics for growing N (closed and with decay)",
)
def mf_convergence(ctx: Context) -> TargetOutput:
    t_max, points = 10.0, 201
    closed_N = [4, 8, 16, 32] if ctx.quick else [4, 8, 16, 32, 64, 128, 256, 512]
    lind_N = [4, 8] if ctx.quick else [4, 8, 16, 24]
    cases = {"closed": {}, "lindblad": {}}
    mf, specs = {}, {}
    for Om in OMEGAS:
        # κ = 0 written as a static drive, so that the closed solver diagonalizes once
        static = {"t_max": t_max, "points": points, "initial": "down", "coupling": "Omega0*Sx"}
        mf[("closed", Om)] = simulate_meanfield(yan_spec("x", -0.9, Om, **static))
        for N in ctx.progress(closed_N, f"exact, Omega = {Om}"):
            spec = yan_spec("x", -0.9, Om, n_atoms=N, **static)
            spec["run"] = {"solver": "closed"}
            cases["closed"][(Om, N)] = _exact_w(spec)
            specs[("closed", Om, N)] = spec
    have_lindblad = _lindblad_available()
    noisy = {"kappa": 0.1, "G": 0.3}
    if have_lindblad:
        for Om in OMEGAS:
            base = yan_spec("x", -0.9, Om, kappa=0.1, t_max=t_max, points=points, initial="down")
            base["parameters"]["G"] = noisy["G"]
            base["noise"] = {"collective_decay": "G/N"}
            mf[("lindblad", Om)] = simulate_meanfield(base)
            for N in ctx.progress(lind_N, f"Lindblad, Omega = {Om}"):
                spec = yan_spec(
                    "x", -0.9, Om, kappa=0.1, t_max=t_max, points=points, n_atoms=N, initial="down"
                )
                spec["parameters"]["G"] = noisy["G"]
                spec["noise"] = {"collective_decay": "G/N"}
                spec["run"] = {"solver": "lindblad"}
                cases["lindblad"][(Om, N)] = _exact_w(spec)
                specs[("lindblad", Om, N)] = spec
    dist = {
        kind: {
            Om: [
                float(np.max(abs(v[1] - mf[(kind, Om)].w)))
                for (o, _), v in sorted(c.items())
                if o == Om
            ]
            for Om in OMEGAS
        }
        for kind, c in cases.items()
        if c
    }
    slopes = {  # over the four largest N (the small ones are not asymptotic yet)
        kind: {
            Om: _fit_slope((closed_N if kind == "closed" else lind_N)[-4:], d[-4:])
            for Om, d in v.items()
        }
        for kind, v in dist.items()
    }
    # the product closure (O(1/N) corrections, ⟨S_aS_b⟩ of N independent atoms) at each N
    dist_product = {
        kind: {
            Om: [
                float(
                    np.max(
                        abs(
                            cases[kind][(Om, N)][1]
                            - simulate_meanfield(specs[(kind, Om, N)], ordering="product").w
                        )
                    )
                )
                for N in (closed_N if kind == "closed" else lind_N)
            ]
            for Om in OMEGAS
        }
        for kind in dist
    }
    fig = _convergence_figure(cases, mf, dist, closed_N, lind_N)
    rows = []
    for kind, v in dist.items():
        ns = closed_N if kind == "closed" else lind_N
        for Om, d in v.items():
            rows.append(
                Row(
                    f"max_t |w_exact - w_MF|, {kind}, Omega = {Om}, N = {ns[0]} .. {ns[-1]}",
                    None,
                    " ".join(f"{x:.3g}" for x in d),
                    f"slope d log(dist)/d log N over the 4 largest N = {slopes[kind][Om]:.2f} "
                    f"(t <= {t_max})",
                )
            )
            rows.append(
                Row(
                    f"same with the product closure (1/N-corrected), {kind}, Omega = {Om}",
                    None,
                    " ".join(f"{x:.3g}" for x in dist_product[kind][Om]),
                    "ordering='product': S^2 -> S(S-1/2) in torques, exact collective-decay moments",
                )
            )
    if not have_lindblad:
        rows.append(
            Row("Lindblad comparison", None, "skipped", "the lindblad solver is not available")
        )
    data = {
        "closed_N": closed_N,
        "lindblad_N": lind_N if have_lindblad else [],
        "distance": {k: {str(o): d for o, d in v.items()} for k, v in dist.items()},
        "distance_product_closure": {
            k: {str(o): d for o, d in v.items()} for k, v in dist_product.items()
        },
        "slopes": {k: {str(o): s for o, s in v.items()} for k, v in slopes.items()},
        "setting": "H = Sz + (-0.9/N) Sx^2 + Omega0 e^{-kappa t/2} Sx from |down>; closed: kappa = 0; "
        "lindblad: kappa = 0.1 and collective decay (G/N) D[S-] with G = 0.3",
    }
    return TargetOutput(fig, data, rows)


def _convergence_figure(cases, mf, dist, closed_N, lind_N):
    import matplotlib.pyplot as plt

    kinds = [k for k in ("closed", "lindblad") if cases[k]]
    fig, axes = plt.subplots(len(kinds), 3, figsize=(15, 4.2 * len(kinds)), squeeze=False)
    for row, kind in enumerate(kinds):
        ns = closed_N if kind == "closed" else lind_N
        for col, Om in enumerate(OMEGAS):
            ax = axes[row, col]
            cmap = plt.get_cmap("viridis")
            for k, N in enumerate(ns):
                t, w, _ = cases[kind][(Om, N)]
                ax.plot(t, w, color=cmap(k / max(1, len(ns) - 1)), lw=1, label=f"N={N}")
            m = mf[(kind, Om)]
            ax.plot(m.t, m.w, "k--", lw=1.5, label="mean field")
            ax.set_xlabel(r"$\omega_a t$")
            ax.set_ylabel("$w$")
            ax.set_title(f"{kind}, $\\Omega={Om}$", fontsize=10)
            ax.legend(fontsize=7, ncol=2)
        ax = axes[row, 2]
        for Om in OMEGAS:
            ax.loglog(ns, dist[kind][Om], "o-", label=f"$\\Omega={Om}$")
        ref = np.array(ns, float)
        ax.loglog(ref, dist[kind][OMEGAS[0]][0] * ref[0] / ref, "k:", label=r"$\propto 1/N$")
        ax.set_xlabel("N")
        ax.set_ylabel(r"max$_t\,|w_{exact}-w_{MF}|$")
        ax.set_title(f"{kind}: distance to mean field", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle("Mean field vs exact dynamics (Yan et al. 2026 model, x-axis twisting J = -0.9)")
    fig.tight_layout()
    return fig
