"""Pokhrel & Gea-Banacloche (PRL 2025), *Large collective power enhancement in dissipative charging
of a quantum battery*: Figs. 1-4 and the N² power scaling.

N two-level atoms, driven (H_1 = Δ S_z − Ω_R S_x = Ω_P S'_z in the pump frame) and decaying
collectively; energy stored in H_0 = ω0 S_z, charge E = ⟨H_0⟩ + Nω0/2. The secular master
equation (Eq. 7) has rates γ_0 sin²θ D[S'_z], γ_− sin⁴(θ/2) D[S'_+], γ_+ cos⁴(θ/2) D[S'_−].

Three independent computations are used and compared:

* the **general Lindblad engine** on the spec of :func:`qbattery.models.driven.driven_dressed`
  (preset ``driven-dressed``: Eq. 7 as ``[[noise.collapse]]`` entries over S_x, S_y, S_z, S_±) and
  :func:`~qbattery.models.driven.driven_full` (the non-secular Eq. 5), for small N;
* the **band solver** :mod:`qbattery.solvers.dressed_rates` (Eq. 7 split into tridiagonal bands of
  the dressed Dicke basis), exact for every N up to 10⁴;
* the paper's **closed forms** :mod:`qbattery.analytic.driven` (Eqs. 8-12) and
  :mod:`qbattery.analytic.driven_dynamics` (Eqs. 14-19).

Which ergotropy. The paper's Eq. 10 pairs the N+1 populations with the N+1 symmetric levels:
it is the ergotropy over **symmetric** (permutation-invariant) unitaries, qbattery's
``ergotropy_symmetric``. Over **all** unitaries of the 2^N-dimensional battery (``ergotropy``)
the steady state holds more (e.g. at x = 1, ω0 N(N−1)/(2(N+1)) instead of 0). Both are shown.

Choices the paper leaves open: Ω_P in Fig. 2 ("Ω_R as shown") — we take Ω_P = 10 N γ_−
(Ω_P ≫ NΓ, as the text requires); in the P_av checks Ω_P ≈ 20 NΓ, tuned so that cos(Ω_P T) = 1 at
T = 2τ_90/(NΓ) (the worst phase of the transient oscillation, which the paper's bound covers); Fig. 4's range of N (we show 1..40 and large N).
Targets: ``pokhrel2025-fig1`` here (steady state); ``-fig2``, ``-fig3`` and ``-scaling`` in
:mod:`qbattery.reproduce.pokhrel2025_charging`; ``-fig4`` in
:mod:`qbattery.reproduce.pokhrel2025_discharge`. This module also holds what they share: the
paper's parameters, :func:`params` and :func:`engine_steady_state`.
Paper-vs-ours diagnoses: docs/notes_pokhrel.md and docs/reproduction.md (Pokhrel section).
"""

from __future__ import annotations

import numpy as np

from qbattery import metrics
from qbattery.analytic import driven as dr
from qbattery.models.driven import driven_dressed, driven_full
from qbattery.problem import build_problem
from qbattery.reproduce.plotting import (
    legends_below,
    panels_over_legends,
    paper_hline,
    paper_line,
    paper_point,
)
from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.simulate import battery_levels
from qbattery.solvers.steady_state import steady_state

PAPER = (
    "Pokhrel & Gea-Banacloche, Large collective power enhancement in dissipative charging of a "
    "quantum battery, PRL (2025)"
)
THETA = 1.87  # Figs. 2-4
R_FIGS = 10.0  # r = γ_+/γ_−, Figs. 2-4 (γ_0 = γ_−)
R_FIG1 = 0.1  # Fig. 1
FIG1_N = (2, 4)
FIG3_R = (1.0, 5.0, 10.0)
PAPER_TAU_BAND = 0.005  # "τ_90 = 2.973 ± 0.005"
FIG2_OMEGA_P_PER_N = 10.0  # Ω_P = 10 N γ_− in Fig. 2 (our choice)
SCALING_OMEGA_P_PER_NGAMMA = 20.0  # Ω_P = 20 NΓ in the P_av sweep (our choice)


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def params(theta: float = THETA, r: float = R_FIGS, omega_p: float = 0.0, gamma_0: float = 1.0):
    """Eq. 7 parameters in units of γ_− (γ_− = 1, ω0 = 1)."""
    return dr.DressedParams.from_ratio(theta, r, gamma_minus=1.0, gamma_0=gamma_0, omega_p=omega_p)


def _fmt_list(values, digits: int = 4) -> str:
    return ", ".join(f"{v:.{digits}g}" for v in values)


# --------------------------------------------------------------------------- general engine


def engine_steady_state(
    n: int, theta: float, r: float, omega_p: float = 20.0, gamma_0: float = 1.0, full: bool = False
) -> dict:
    """Steady state of Eq. 7 (or Eq. 5, ``full``) from the general Lindblad engine.

    Returns the charge E = Tr[H_0 ρ] + Nω0/2 and the ergotropies over all and over symmetric
    unitaries (qbattery.metrics with the spectra of ``simulate.battery_levels``), and the state.
    """
    build = driven_full if full else driven_dressed
    problem = build_problem(build(n, theta=theta, omega_p=omega_p, r=r, gamma_0=gamma_0))
    ss = steady_state(problem)
    rho = ss.battery_state()
    H = problem.H_battery_local.toarray()
    e_abs = float(np.einsum("ij,ji->", H, rho).real)
    levels_all, levels_sym = battery_levels(problem)
    pops = np.linalg.eigvalsh(rho)
    return {
        "energy": e_abs + n / 2,
        "ergotropy_all": e_abs - metrics.passive_energy(pops, levels_all),
        "ergotropy_symmetric": e_abs - metrics.passive_energy(pops, levels_sym),
        "rho": rho,
        "unique": ss.unique,
        "residual": ss.residual,
    }


# --------------------------------------------------------------------------- Fig. 1


@target(
    "pokhrel2025-fig1",
    paper=PAPER,
    description="steady-state ergotropy per atom vs θ (N = 2, 4, r = 0.1): Eq. 10 vs the engine",
)
def fig1(ctx: Context) -> TargetOutput:
    r = R_FIG1
    theta = np.linspace(0.004, np.pi - 0.004, 400 if ctx.quick else 1200)
    x = dr.x_parameter(theta, r)
    th1 = float(dr.theta_x_equal_one(r))
    curves: dict = {}
    for n in (*FIG1_N, 10, 100):
        curves[n] = {
            "energy": dr.steady_state_energy(n, theta, x) / n,
            "symmetric": dr.steady_state_ergotropy(n, theta, x, unitaries="symmetric") / n,
            "all": dr.steady_state_ergotropy(n, theta, x, unitaries="all") / n,
        }
    with np.errstate(all="ignore"):
        eq10 = {n: dr.ergotropy_per_atom_eq10(n, theta, x) for n in FIG1_N}
    large = dr.ergotropy_per_atom_large_n(theta, x)

    # the general Lindblad engine (preset driven-dressed) at a few angles, incl. x = 1
    thetas_engine = np.array(
        sorted({*np.linspace(0.25, np.pi - 0.25, 5 if ctx.quick else 13), th1})
    )
    engine: dict = {}
    for n in ctx.progress(FIG1_N, "engine steady states"):
        rows = [engine_steady_state(n, th, r) for th in thetas_engine]
        engine[n] = {k: np.array([s[k] for s in rows]) / n for k in
                     ("energy", "ergotropy_symmetric", "ergotropy_all")}  # fmt: skip
    errors = {}
    for n in FIG1_N:
        xe = dr.x_parameter(thetas_engine, r)
        ok = np.abs(xe - 1) > 1e-6
        with np.errstate(all="ignore"):
            e10 = dr.ergotropy_per_atom_eq10(n, thetas_engine[ok], xe[ok])
        errors[n] = {
            "eq10_vs_engine_symmetric": float(
                np.abs(e10 - engine[n]["ergotropy_symmetric"][ok]).max()
            ),
            "eq10_minus_engine_all_min": float((engine[n]["ergotropy_all"][ok] - e10).min()),
            "eq9_vs_engine": float(
                np.abs(dr.steady_state_energy(n, thetas_engine, xe) / n - engine[n]["energy"]).max()
            ),
        }

    # numbers for the rows
    left, right = x > 1, x < 1
    peak = {
        (n, kind, side): float(curves[n][kind][mask].max())
        for n in FIG1_N
        for kind in ("symmetric", "all")
        for side, mask in (("x<1", right), ("x>1", left))
    }
    at_one = {n: engine[n] for n in FIG1_N}
    i1 = int(np.argmin(np.abs(thetas_engine - th1)))
    n_big = 10**5
    big_th = np.linspace(0.004, np.pi - 0.004, 4000)
    big_x = dr.x_parameter(big_th, r)
    big_r = dr.steady_state_ergotropy(n_big, big_th, big_x) / n_big
    big_e = dr.steady_state_energy(n_big, big_th, big_x) / n_big
    away = np.abs(big_x - 1) > 0.05
    sup = {k: dr.steady_state_ergotropy_sup(r, 10**k) for k in (4, 6, 8)}
    sup_r1 = dr.steady_state_ergotropy_sup(1.0, 10**8)

    rows = [
        Row(
            "which ergotropy Eq. 10 is",
            "passive state on the N+1 symmetric levels",
            "symmetric unitaries",
            "Eq. 10 = qbattery ergotropy_symmetric; over all unitaries "
            "(ergotropy) the value is larger for every N >= 2",
        ),  # fmt: skip
    ]
    for n in FIG1_N:
        rows += [
            Row(
                f"Eq. 10 vs engine steady state, N={n} (max |ΔR/N|)",
                0.0,
                errors[n]["eq10_vs_engine_symmetric"],
                f"general Lindblad engine on the driven-dressed spec, {len(thetas_engine)} angles;"
                f" Eq. 9 energy max |ΔE/N| = {errors[n]['eq9_vs_engine']:.1e}",
            ),  # fmt: skip
            Row(
                f"R/N at x = 1, N={n} (symmetric)",
                0.0,
                float(at_one[n]["ergotropy_symmetric"][i1]),
                "Fig. 1 caption: 'the ergotropy always goes to zero for x = 1' ✔ (symmetric)",
            ),
            Row(
                f"R/N at x = 1, N={n} (all unitaries)",
                0.0,
                float(at_one[n]["ergotropy_all"][i1]),
                f"✘ for all unitaries: (N−1)/(2(N+1)) = {(n - 1) / (2 * (n + 1)):.4f}; the "
                "caption holds only for symmetric unitaries",
            ),  # fmt: skip
            Row(
                f"max R/N on the x<1 side, N={n} (symmetric | all)",
                "plot",
                f"{peak[(n, 'symmetric', 'x<1')]:.4f} | {peak[(n, 'all', 'x<1')]:.4f}",
                "r = 0.1",
            ),
            Row(
                f"max R/N on the x>1 side, N={n} (symmetric | all)",
                "plot",
                f"{peak[(n, 'symmetric', 'x>1')]:.4f} | {peak[(n, 'all', 'x>1')]:.4f}",
                "'for r < 1 it is clearly advantageous to operate with x < 1' ✔",
            ),
        ]
    ok_x = (np.abs(x - 1) > 1e-3) & (curves[2]["symmetric"] > 1e-4)
    superext = bool(
        np.all(curves[4]["symmetric"][ok_x] > curves[2]["symmetric"][ok_x])
        and np.all(curves[4]["all"][ok_x] > curves[2]["all"][ok_x])
    )
    rows += [
        Row("ergotropy superextensive for N = 2 → 4", "yes", "yes" if superext else "no",
            "R/N larger at N = 4 at every θ with x ≠ 1 (and R > 1e-4), both definitions"),
        Row("x<1 bound 1/(1+√r), r = 0.1 (Eq. 11)", 1 / (1 + np.sqrt(r)), sup[8][0],
            "sup over θ of R_sym/N at N = 10⁸ (N = 10⁴, 10⁶: "
            f"{sup[4][0]:.5f}, {sup[6][0]:.5f}; reached as x → 1⁻, deficit ∝ N^-1/2)"),
        Row("x>1 bound 1/(1+1/√r), r = 0.1 (Eq. 12)", 1 / (1 + 1 / np.sqrt(r)), sup[8][1],
            f"sup at N = 10⁸ (N = 10⁴, 10⁶: {sup[4][1]:.5f}, {sup[6][1]:.5f})"),
        Row("r = 1: max ergotropy per atom (both sides)", 0.5, f"{sup_r1[0]:.5f} | {sup_r1[1]:.5f}",
            "N = 10⁸"),
        Row("large N: R = ⟨H_0⟩ + Nω0/2 (Eqs. 11-12)", 0.0,
            float(np.abs(big_r - big_e)[away].max()),
            "max over θ of |R − E|/N at N = 10⁵, |x − 1| > 0.05 (O(1/N))"),
        Row("large N: R/N → cos²(θ/2) (x<1), sin²(θ/2) (x>1)", 0.0,
            float(np.abs(big_r - dr.ergotropy_per_atom_large_n(big_th, big_x))[away].max()),
            "max |R/N − Eqs. 11-12| at N = 10⁵, |x − 1| > 0.05"),
    ]  # fmt: skip

    plt = _plt()
    fig, ax, below = panels_over_legends(plt, 3, (15, 6.2), legend_height=0.32)
    colors = {2: "C0", 4: "C3", 10: "C2", 100: "C4"}
    a = ax[0]
    for n in FIG1_N:
        a.plot(theta, curves[n]["symmetric"], color=colors[n], lw=2,
               label=f"N = {n}, symmetric unitaries (the paper's)")  # fmt: skip
        a.plot(theta, curves[n]["all"], color=colors[n], lw=1.2, ls="--",
               label=f"N = {n}, all unitaries")  # fmt: skip
        a.plot(theta, eq10[n], color="k", lw=0.7, ls=":")
        a.plot(thetas_engine, engine[n]["ergotropy_symmetric"], "o", color=colors[n], ms=5,
               mfc="none")  # fmt: skip
        a.plot(thetas_engine, engine[n]["ergotropy_all"], "s", color=colors[n], ms=4, mfc="none")
    a.plot([], [], "k:", lw=0.7, label="Eq. 10 as printed")
    a.plot([], [], "ko", mfc="none", label="Lindblad engine (preset): symmetric (o) / all (□)")
    paper_point(a, th1, 0.0, label=r"paper: $R = 0$ at $x = 1$ (caption)", clip_on=False)
    a.axvline(th1, color="0.6", lw=0.8)
    a.text(th1, 0.5, " x = 1", color="0.4", fontsize=8)
    a.set(xlabel=r"$\theta$", ylabel=r"$R/(N\hbar\omega_0)$", xlim=(0, np.pi), ylim=(0, None),
          title="(a) Fig. 1: ergotropy per atom, r = 0.1")  # fmt: skip
    a = ax[1]
    for n in (*FIG1_N, 100):
        a.plot(theta, curves[n]["energy"], color=colors[n], lw=1.5, label=f"E/N, N = {n} (Eq. 9)")
        a.plot(theta, curves[n]["symmetric"], color=colors[n], lw=1, ls="--")
    a.plot([], [], "k--", lw=1, label=r"$R_{\mathrm{sym}}/N$")
    a.plot(theta, large, "k", lw=0.8, ls=":", label=r"$N\to\infty$ (Eqs. 11-12)")
    lo, hi = theta < th1, theta > th1  # x > 1 | x < 1
    paper_line(a, theta[hi], np.full(hi.sum(), 1 / (1 + np.sqrt(r))),
               label=r"paper: bounds $1/(1+\sqrt{r})$ ($x<1$), $1/(1+1/\sqrt{r})$ ($x>1$)")  # fmt: skip
    paper_line(a, theta[lo], np.full(lo.sum(), 1 / (1 + 1 / np.sqrt(r))), label=None)
    a.axvline(th1, color="0.6", lw=0.8)
    a.set(xlabel=r"$\theta$", ylabel=r"$E/N,\ R/N$  $(\hbar\omega_0)$", xlim=(0, np.pi),
          ylim=(0, 1), title="(b) steady energy and ergotropy")  # fmt: skip
    a = ax[2]
    ns = np.unique(np.round(np.logspace(0, 4, 60)).astype(int))
    for th, c in ((0.8, "C0"), (1.4, "C3")):
        xx = float(dr.x_parameter(th, r))
        for kind, ls in (("symmetric", "-"), ("all", "--")):
            rr = dr.steady_state_ergotropy(ns, th, xx, unitaries=kind) / ns
            a.plot(ns, rr, color=c, ls=ls, label=rf"$\theta = {th}$ ($x = {xx:.3g}$), {kind}")
        paper_hline(a, float(dr.ergotropy_per_atom_large_n(th, xx)),
                    label=r"paper: $N\to\infty$ limit (Eqs. 11-12)" if th == 0.8 else None)  # fmt: skip
    a.set(xscale="log", xlabel=r"$N$", ylabel=r"$R/(N\hbar\omega_0)$",
          title="(c) superextensive → extensive, r = 0.1")  # fmt: skip
    legends_below(ax, below, fontsize=8)
    data = {
        "r": r,
        "theta": theta,
        "x": x,
        "theta_x_equal_one": th1,
        "closed_form": {f"N={n}": {k: v for k, v in curves[n].items()} for n in curves},
        "eq10_printed": {f"N={n}": eq10[n] for n in FIG1_N},
        "large_n": large,
        "engine": {"theta": thetas_engine, **{f"N={n}": engine[n] for n in FIG1_N}},
        "engine_errors": {f"N={n}": errors[n] for n in FIG1_N},
    }
    return TargetOutput(figure=fig, data=data, rows=rows)
