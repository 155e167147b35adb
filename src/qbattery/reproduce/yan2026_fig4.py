"""Yan et al. (2026), Fig. 4: the dissipative mean field (Eqs. 10-12), target ``yan2026-fig4``.

w(t) at J_x = −0.9, κ = γ = 0.1 against the ideal J = κ = γ = 0 battery, and P_max maps over the
κ–γ plane (:func:`qbattery.solvers.meanfield.sweep_grid`: one vectorized RK4 over the whole grid)
with the paper's benchmark contours (0.176, 0.93 ω_a²). Those do not follow from Eq. 12 with
J = κ = γ = 0 (0.1620 and 0.9044); :func:`benchmark_readings` runs the candidate definitions, and
the only one that gives both printed numbers is Eq. 12 with the precession 0.9 ω_a instead of ω_a
(:mod:`qbattery.analytic.bloch_precession`). Energies as in
:mod:`qbattery.reproduce.yan2026_meanfield`: E = ω_a (w + 1) per S, P_max = max_t E/t.
"""

from __future__ import annotations

import time

import numpy as np

from qbattery.analytic.bloch_precession import precession_for_max_power
from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.reproduce.yan2026_meanfield import (
    BENCHMARK_PAPER,
    N_MF,
    OMEGAS,
    PAPER,
    bare_power,
    yan_spec,
)
from qbattery.solvers.meanfield import simulate_meanfield, sweep_grid


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
        lo = precession_for_max_power(Om, BENCHMARK_PAPER[Om] + 0.0005 * (1 if Om == 0.5 else 10))
        hi = precession_for_max_power(Om, BENCHMARK_PAPER[Om] - 0.0005 * (1 if Om == 0.5 else 10))
        rows.append(
            Row(
                f"precession frequency that reproduces the printed benchmark, Omega = {Om}",
                BENCHMARK_PAPER[Om],
                f"{precession_for_max_power(Om, BENCHMARK_PAPER[Om]):.4f} (rounding interval {lo:.4f}..{hi:.4f})",
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
    """Fig. 4: (a, c) w(t), (b, d) P_max maps with the paper's benchmark contour (paper style) and
    ours from Eq. 12; one legend below the panels."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from qbattery.reproduce.plotting import PAPER_LINE, figure_legend

    S = N_MF / 2
    ours = dict(colors="tab:cyan", linestyles=":", linewidths=1.6)
    paper = dict(colors=PAPER_LINE["color"], linestyles=[PAPER_LINE["ls"]], linewidths=1.4)
    setting = dict(ls="none", marker="o", ms=6, mfc="w", mec="k")
    fig, axes = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")
    for col, Om in enumerate(OMEGAS):
        ax = axes[0, col]
        d, i = out_w[("diss", Om)], out_w[("ideal", Om)]
        ax.plot(d.t, d.w, "r-")
        ax.plot(i.t, i.w, "k--")
        ax.set_xlabel(r"$\omega_a t$")
        ax.set_ylabel(r"$w=\langle S_z\rangle/S$")
        ax.set_title(f"({'ac'[col]}) $w(t)$, $\\Omega_0={Om}\\,\\omega_a$", fontsize=10)
        bx = axes[1, col]
        P = maps[Om].P_max / S
        im = bx.pcolormesh(gammas, kappas, P, shading="auto", cmap="magma")
        fig.colorbar(im, ax=bx, label=r"$P_{\max}/\omega_a^2$")
        bench = BENCHMARK_PAPER[Om]
        plain = readings[Om]["Eq. 12, E = ω_a(w+1), max_t E/t (plain)"]
        c_paper = bx.contour(gammas, kappas, P, levels=[bench], **paper)
        c_ours = bx.contour(gammas, kappas, P, levels=[plain], **ours)
        bx.clabel(c_paper, fmt={bench: f"paper {bench}"}, fontsize=7)
        bx.clabel(c_ours, fmt={plain: f"Eq. 12 {plain:.3f}"}, fontsize=7)
        bx.plot(0.1, 0.1, **setting)  # the setting of (a, c)
        bx.set_xlabel(r"$\gamma/\omega_a$")
        bx.set_ylabel(r"$\kappa/\omega_a$")
        bx.set_title(
            f"({'bd'[col]}) $P_{{\\max}}$, $J_x=-0.9\\,\\omega_a$, $\\Omega_0={Om}\\,\\omega_a$",
            fontsize=10,
        )
    plains = "$, $".join(
        f"{readings[Om]['Eq. 12, E = ω_a(w+1), max_t E/t (plain)']:.3f}" for Om in OMEGAS
    )
    handles = [
        Line2D([], [], color="r", label=r"$J_x=-0.9\,\omega_a$, $\kappa=\gamma=0.1\,\omega_a$"),
        Line2D([], [], color="k", ls="--", label=r"ideal $J_x=\kappa=\gamma=0$"),
        Line2D([], [], **setting, label=r"$\kappa=\gamma=0.1\,\omega_a$ of (a, c)"),
        Line2D([], [], color=PAPER_LINE["color"], ls=PAPER_LINE["ls"], lw=paper["linewidths"],
               label=r"paper: ideal benchmark $P_{\max}=0.176$, $0.93\,\omega_a^2$"),
        Line2D([], [], color=ours["colors"], ls=":", lw=ours["linewidths"],
               label=f"ours: Eq. 12 ideal benchmark ${plains}\\,\\omega_a^2$"),
    ]  # fmt: skip
    figure_legend(fig, handles, ncol=3, fontsize=9)
    fig.suptitle("Yan et al. 2026, Fig. 4 — dissipative mean field (Eq. 12)")
    return fig
