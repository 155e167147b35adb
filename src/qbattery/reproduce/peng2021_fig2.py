"""Peng et al., PRA 103, 052220 (2021), Fig. 2: one battery spin (N_B = 1), N = 10, n = 5.

:func:`qbattery.simulate` on :func:`qbattery.models.central_spin` (series ΔE_B, P, ΔE_C, E_I;
summary E_max, τ_min, P_max refined between grid points) for the four panels, with the closed
forms Eqs. 12-13 and A6-A8 (:mod:`qbattery.analytic.central_spin`) drawn on top and compared on
the whole grid.
"""

from __future__ import annotations

import math

import numpy as np

from qbattery import simulate
from qbattery.analytic import central_spin as an
from qbattery.models import central_spin
from qbattery.reproduce import peng2021 as peng
from qbattery.reproduce.plotting import figure_legend, paper_hline, paper_point
from qbattery.reproduce.registry import Context, Row, TargetOutput, target

FIG2_PANELS = {
    "a": {"B": 1.0, "h": 1.0, "Delta": 0.0},
    "b": {"B": 1.0, "h": 1.0, "Delta": 5.0},
    "c": {"B": 5.0, "h": 1.0, "Delta": 0.0},
    "d": {"B": 5.0, "h": 1.0, "Delta": 5.0},
}
FIG2_N, FIG2_n, FIG2_A = 10, 5, 1.0


def _fig2_panel(B: float, h: float, Delta: float, points: int, N: int, n: int, A: float = 1.0):
    """simulate() for N_B = 1 over Ω_n t/2 ∈ [0, 2π], with Eqs. 12, A6-A8 on the same grid."""
    omega = float(an.rabi_frequency_n(n, N, B, h, A, Delta))
    spec = central_spin(
        1, N, B=B, h=h, A=A, Delta=Delta, flipped=n, t_max=4 * np.pi / omega, points=points,
        series=("energy", "power", "charger_energy", "interaction_energy"),
    )  # fmt: skip
    res = simulate(spec)
    t = np.asarray(res.t)
    exact = {
        "energy": an.single_spin_energy(t, n, N, B, h, A, Delta),  # Eq. 12
        "power": an.single_spin_power(t, n, N, B, h, A, Delta),  # Eq. 13
        "battery_absolute": an.single_spin_battery_energy(t, n, N, B, h, A, Delta),  # A6
        "charger_energy": an.single_spin_charger_energy(t, n, N, B, h, A, Delta)
        - an.single_spin_charger_energy(0.0, n, N, B, h, A, Delta),  # A7 − A7(0)
        "interaction_energy": an.single_spin_interaction_energy(t, n, N, B, h, A, Delta),  # A8
    }
    ours = {k: np.asarray(v) for k, v in res.series.items()}
    ours["battery_absolute"] = ours["energy"] + res.summary["E_initial"]
    dev = {k: float(np.max(np.abs(ours[k] - exact[k]))) for k in exact}
    return {
        "x": omega * t / 2,
        "t": t,
        "omega": omega,
        "ours": ours,
        "exact": exact,
        "deviation": dev,
        "summary": res.summary,
    }


@target(
    "peng2021-fig2", paper=peng.PAPER, description="N_B = 1: ΔE_B, ΔE_C, E_I vs Ω_n t/2, 4 panels"
)
def fig2(ctx: Context) -> TargetOutput:
    plt = peng.pyplot()
    points = 201 if ctx.quick else 801
    panels = {}
    for key in ctx.progress(list(FIG2_PANELS), "Fig. 2 panels"):
        p = FIG2_PANELS[key]
        panels[key] = _fig2_panel(p["B"], p["h"], p["Delta"], points, FIG2_N, FIG2_n, FIG2_A)
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), sharex=True, layout="constrained")
    for ax, key in zip(axes.ravel(), FIG2_PANELS, strict=True):
        d, p = panels[key], FIG2_PANELS[key]
        x = d["x"]
        ax.axhline(0, color="0.85", lw=0.5)
        # line styles as in the paper's Fig. 2; the closed forms as sparse markers on top
        ax.plot(x, d["ours"]["energy"], "-", color="tab:blue", lw=2, label=r"$\Delta E_B$")
        ax.plot(x, d["ours"]["charger_energy"], "--", color="tab:red", lw=2, label=r"$\Delta E_C$")
        ax.plot(x, d["ours"]["interaction_energy"], "--", color="tab:green", lw=2, label=r"$E_I$")
        every = max(1, len(x) // 40)
        for name in ("energy", "charger_energy", "interaction_energy"):
            ax.plot(x[::every], d["exact"][name][::every], "o", color="k", ms=2.5, zorder=3)
        ax.set_title(
            rf"({key})  $B={p['B']:g},\ h={p['h']:g},\ \Delta={p['Delta']:g}$", fontsize=10
        )
        ax.set_ylabel(r"$\Delta E_B,\ \Delta E_C,\ E_I$  $(A)$")
    axes[0, 0].plot([], [], "o", color="k", ms=2.5, label="closed forms, Eqs. 12, A7, A8")
    # Eq. 16 at resonance: E_max = B at Ω_n τ_min/2 = π/2 (Ω_n = 2A√b)
    paper_point(axes[0, 0], np.pi / 2, FIG2_PANELS["a"]["B"],
                label=r"paper: $E_{\max}=B$ at $\tau_{\min}$ (Eq. 16)")  # fmt: skip
    for ax, key in ((axes[1, 0], "c"), (axes[1, 1], "d")):
        paper_hline(ax, FIG2_PANELS[key]["B"], label=r"paper: $|\Delta E_B| < B$ off resonance")
    for ax in axes[1]:
        ax.set_xlabel(r"$\Omega_n t/2$")
    figure_legend(fig, ncol=3)
    fig.suptitle(
        rf"Peng et al. Fig. 2: $N_B = 1$, $N = {FIG2_N}$, $n = {FIG2_n}$, $A = 1$ (colours: "
        "qbattery.simulate)",
        fontsize=11,
    )

    a, b, c, d = (panels[k] for k in "abcd")
    b_nn = float(an.b_coefficient(FIG2_N, FIG2_n))
    rows = [
        Row("(a) E_max = B (Eq. 16)", 1.0, a["summary"]["E_max"], "resonant: full transfer"),
        Row(
            "(a) τ_min = π/(2A√b_{N,n}) (Eq. 16)",
            float(an.resonant_tau_min(FIG2_n, FIG2_N)),
            a["summary"]["tau_first_peak"],
            "first energy peak, refined between grid points",
        ),
        Row(
            "(a) P_max ≈ 0.72 B A √b_{N,n} (Eq. 15)",
            0.72 * math.sqrt(b_nn),
            a["summary"]["P_max"],
            f"0.72 is max sin²x/x = {an.SIN2_OVER_X_MAX:.6f} rounded; with it Eq. 15 gives "
            f"{an.SIN2_OVER_X_MAX * math.sqrt(b_nn):.6f}",
        ),
        Row(
            "(a) t(P_max) = 1.16/(A√b_{N,n}) (Sec. III C)",
            1.16 / math.sqrt(b_nn),
            a["summary"]["t_P_max"],
            f"1.16 is argmax sin²x/x = {an.SIN2_OVER_X_ARGMAX:.6f} rounded",
        ),
        Row(
            "(a) E_I(t) ≡ 0",
            0.0,
            float(np.max(np.abs(a["ours"]["interaction_energy"]))),
            "max |E_I| over the run",
        ),
        Row(
            "(b) E_I(t) ≡ 0",
            0.0,
            float(np.max(np.abs(b["ours"]["interaction_energy"]))),
            "max |E_I|: Δ(N/2 − n) = 0 and B − h = 0 in Eq. A8",
        ),
        Row(
            "(b) energy totally transferred charger → battery",
            "ΔE_B = −ΔE_C",
            float(np.max(np.abs(b["ours"]["energy"] + b["ours"]["charger_energy"]))),
            "max |ΔE_B + ΔE_C|. Not E_max = B: Δ_n = −5 so E_max = 4b/Ω_n² = "
            f"{4 * b_nn / float(an.rabi_frequency_n(FIG2_n, FIG2_N, 1, 1, 1, 5)) ** 2:.6f} B "
            f"(ours {b['summary']['E_max']:.6f})",
        ),
        Row(
            "(c) |ΔE_B/B| < 1 (off resonance)",
            "< 1",
            float(np.max(c["ours"]["energy"]) / FIG2_PANELS["c"]["B"]),
            "max ΔE_B/B",
        ),
        Row(
            "(d) |ΔE_B/B| < 1 (off resonance)",
            "< 1",
            float(np.max(d["ours"]["energy"]) / FIG2_PANELS["d"]["B"]),
            "max ΔE_B/B",
        ),
        Row(
            "(c) E_I ≠ 0",
            "≠ 0",
            float(np.max(np.abs(c["ours"]["interaction_energy"]))),
            "max |E_I| = (B − h) max|P_↑|² (Eq. A8)",
        ),
        Row(
            "(d) E_I ≠ 0",
            "≠ 0",
            float(np.max(np.abs(d["ours"]["interaction_energy"]))),
            "max |E_I|",
        ),
    ]
    for key, pan in panels.items():
        rows.append(
            Row(
                f"({key}) max |simulate − Eqs. 12-13, A6-A8|",
                0.0,
                max(pan["deviation"].values()),
                "ΔE_B, P_B, E_B, ΔE_C, E_I on the whole grid (qbattery.simulate vs closed forms)",
            )
        )
    # τ_min = (π/2A)/((N+1)/2) for odd N and n = (N+1)/2 (text after Eq. 16)
    odd = _fig2_panel(1.0, 1.0, 0.0, 401, 11, 6)
    rows.append(
        Row(
            "τ_min = π/(2A)/((N+1)/2), N = 11, n = 6 (after Eq. 16)",
            math.pi / 2 / 6,
            odd["summary"]["tau_first_peak"],
            "b_{N,(N+1)/2} = ((N+1)/2)²",
        )
    )
    single = peng.peak_power(1, FIG2_N, FIG2_N).summary["P_max"]
    rows.append(
        Row(
            "N_B incoherent single-spin batteries: P_max ≈ 0.72 B A √N N_B (Sec. IV), per N_B √N",
            0.72,
            single / math.sqrt(FIG2_N),
            f"N = {FIG2_N}, n = N: b_{{N,N}} = N, so P_max(N_B = 1)/√N = max sin²x/x exactly",
        )
    )
    data = {
        key: {
            "params": FIG2_PANELS[key] | {"A": FIG2_A, "N": FIG2_N, "n": FIG2_n, "N_B": 1},
            "x": pan["x"],
            "t": pan["t"],
            "omega_n": pan["omega"],
            "energy": pan["ours"]["energy"],
            "charger_energy": pan["ours"]["charger_energy"],
            "interaction_energy": pan["ours"]["interaction_energy"],
            "energy_eq12": pan["exact"]["energy"],
            "charger_energy_eqA7": pan["exact"]["charger_energy"],
            "interaction_energy_eqA8": pan["exact"]["interaction_energy"],
            "max_deviation": pan["deviation"],
        }
        for key, pan in panels.items()
    }
    return TargetOutput(figure=fig, data=data, rows=rows)
