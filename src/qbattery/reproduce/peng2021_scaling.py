"""Peng et al., PRA 103, 052220 (2021): the scaling P_max ≈ β N_B^α, Figs. 3-4 and Table I.

Each (N_B, N) point is a certified :func:`qbattery.reproduce.peng2021.peak_power` run
(:func:`qbattery.simulate` on the central-spin sector, P_max refined between grid points and
``P_max_is_global``), plus the paper's grid (t ∈ [0, 10], 5001 points, the ``power`` series'
largest value) and, for the energy panels, a t ∈ [0, 10] run for E_max and the first energy peak.
The N → ∞ limit is the Tavis-Cummings model (Eq. 20, :func:`qbattery.models.tavis_cummings`).
Table I repeats every 10th point with a 10× finer grid on twice the certified window.
"""

from __future__ import annotations

import math
import os

import numpy as np

from qbattery.analytic import central_spin as an
from qbattery.reproduce import peng2021 as peng
from qbattery.reproduce.peng2021 import (
    COLORS,
    LARGE_N,
    LARGE_WINDOW,
    MARKERS,
    MAX_ENERGY,
    PAPER,
    PAPER_FIT,
    PAPER_TABLE1,
    PAPER_THERMO,
    SMALL_N,
    SMALL_WINDOW,
)
from qbattery.reproduce.plotting import figure_legend, paper_line, paper_point
from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.scaling import PowerLawFit, fit_window


def _bar(ctx: Context, description: str):
    return lambda items: ctx.progress(items, description)


# ================================================================================ Fig. 3


def _fit_rows(label: str, N: int, fit: PowerLawFit, grid_fit: PowerLawFit | None, window) -> list:
    a_p, b_p = PAPER_TABLE1[N]
    note = f"fit N_B ∈ [{window[0]}, {window[1]}], exact P_max (±{fit.alpha_se:.1e} fit s.e.)"
    if grid_fit is not None:
        note += (
            f"; paper's grid (t∈[0,10], 5001 pts, no refinement) gives α = {grid_fit.alpha:.4f}, "
            f"β = {grid_fit.beta:.4f}"
        )
    return [
        Row(f"{label} α, N = {N}", a_p, fit.alpha, note),
        Row(f"{label} β, N = {N}", b_p, fit.beta, note.split(" (±")[0]),
    ]


@target("peng2021-fig3", paper=PAPER, description="E_max and P_max vs N_B ∈ [1, 80], N = 5, 10, 15")
def fig3(ctx: Context) -> TargetOutput:
    plt = peng.pyplot()
    nbs = np.arange(1, 81)  # every N_B, quick or not: the fits need the whole window
    e_nbs = np.unique(np.r_[1:21:2, 10, 20:81:10]) if ctx.quick else nbs
    res = {}
    for N in SMALL_N:
        res[N] = peng.sweep_N_B(
            N, nbs, "N", energy=e_nbs, paper_grid=True, progress=_bar(ctx, f"N = {N}")
        )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
    rows = []
    for N in SMALL_N:
        d = res[N]
        col, mk = COLORS[N], MARKERS[N]
        ok = np.isfinite(d["E_max"])
        ax1.plot(d["N_B"][ok], d["E_max"][ok], mk, color=col, ms=4, mfc="none")
        ax1.plot(d["N_B"][ok], d["E_first_peak"][ok], "-", color=col, lw=0.8)
        fit = peng.fit_law(d, SMALL_WINDOW)
        gfit = peng.fit_law(d, SMALL_WINDOW, "P_max_paper_grid")
        ax2.loglog(d["N_B"], d["P_max"], mk, color=col, ms=3, mfc="none", mew=0.7, label=f"N = {N}")
        x = np.array([1.0, SMALL_WINDOW[1]])
        ax2.loglog(x, fit(x), "--", color=col, lw=1.0, zorder=3)
        a_p, b_p = PAPER_TABLE1[N]
        xw = np.array(SMALL_WINDOW, dtype=float)
        paper_line(ax2, xw, b_p * xw**a_p, label=None, **PAPER_FIT)
        rows += _fit_rows("Fig. 3(b)", N, fit, gfit, SMALL_WINDOW)
        sat = d["E_max"][d["N_B"] == d["N_B"].max()][0]
        at_n = d["E_max"][d["N_B"] == N][0]
        rows.append(
            Row(
                f"Fig. 3(a) E_max at N_B = N = {N}",
                "≈ N_B (linear for N_B ≤ N)",
                float(at_n),
                f"max ΔE_B for t ≤ 10; first energy peak {d['E_first_peak'][d['N_B'] == N][0]:.4f}",
            )
        )
        rows.append(
            Row(
                f"Fig. 3(a) E_max at N_B = {int(d['N_B'].max())}, N = {N}",
                "saturates (≤ N)",
                float(sat),
                "max ΔE_B for t ≤ 10 (the paper's window, inferred); bounded by n = N",
            )
        )
    nb_lin = np.array([1.0, max(SMALL_N)])
    handles = ax2.get_legend_handles_labels()[0] + [
        ax1.plot([], [], "o", color="0.4", ms=4, mfc="none", label=MAX_ENERGY)[0],
        ax1.plot([], [], "-", color="0.4", lw=0.8, label="first energy peak")[0],
        ax2.plot([], [], "--", color="0.4", lw=1.0, label=r"our fit $\beta N_B^\alpha$")[0],
        paper_line(ax2, [], [], label=r"paper: Table I $\beta N_B^\alpha$", **PAPER_FIT),
        paper_line(ax1, nb_lin, nb_lin, label=r"paper: $E_{\max}\approx N_B$ ($N_B \leq N$)"),
        paper_point(ax1, 1, 1.0, label=r"paper: $E_{\max} = B$ at $N_B = 1$ (Eq. 16)"),
    ]
    ax1.set_xlabel(r"$N_B$")
    ax1.set_ylabel(r"$E_{\max}$  $(B)$")
    ax1.set_title("(a)", fontsize=10)
    ax2.set_xlabel(r"$N_B$")
    ax2.set_ylabel(r"$P_{\max}$  $(BA)$")
    ax2.set_title(r"(b)  fits over $N_B\in[20,80]$ (ours extended to $N_B = 1$)", fontsize=10)
    figure_legend(fig, handles, ncol=3)
    fig.suptitle(
        r"Peng et al. Fig. 3: $A = B = h = 1$, $\Delta = 0$, $n = N$, $m = 0$", fontsize=11
    )
    e1 = [float(res[N]["E_max"][res[N]["N_B"] == 1][0]) for N in SMALL_N]
    rows.append(
        Row("Fig. 3(a) E_max at N_B = 1 (Eq. 16: B)", 1.0, min(e1), "min over N = 5, 10, 15")
    )
    data = {str(N): res[N] | {"fit": peng.fit_law(res[N], SMALL_WINDOW).as_dict()} for N in SMALL_N}
    return TargetOutput(figure=fig, data=data, rows=rows)


# ================================================================================ Fig. 4


@target(
    "peng2021-fig4", paper=PAPER, description="E_max/N_B and P_max vs N_B ∈ [1, 50], N = 100-300"
)
def fig4(ctx: Context) -> TargetOutput:
    plt = peng.pyplot()
    nbs = np.arange(1, 51)  # every N_B, quick or not: the fits need the whole window
    e_nbs = np.unique(np.r_[1:6, 10:51:10]) if ctx.quick else nbs
    res = {}
    for N in LARGE_N:
        res[N] = peng.sweep_N_B(
            N, nbs, "N_B", energy=e_nbs, paper_grid=True, progress=_bar(ctx, f"N = {N}")
        )
    tc = peng.tc_limit(nbs)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
    rows = []
    for N in LARGE_N:
        d = res[N]
        col, mk = COLORS[N], MARKERS[N]
        ok = np.isfinite(d["E_max"])
        nb_ok = d["N_B"][ok]
        ax1.plot(nb_ok, d["E_max"][ok] / nb_ok, mk, color=col, ms=4, mfc="none")
        ax1.plot(nb_ok, d["E_first_peak"][ok] / nb_ok, "-", color=col, lw=0.8)
        fit = peng.fit_law(d, LARGE_WINDOW)
        gfit = peng.fit_law(d, LARGE_WINDOW, "P_max_paper_grid")
        ax2.loglog(d["N_B"], d["P_max"], mk, color=col, ms=3, mfc="none", mew=0.7, label=f"N = {N}")
        x = np.array(LARGE_WINDOW, dtype=float)
        ax2.loglog(x, fit(x), "--", color=col, lw=1.2)
        a_p, b_p = PAPER_TABLE1[N]
        xw = np.linspace(*LARGE_WINDOW, 50)
        paper_line(ax2, xw, b_p * xw**a_p, label=None, **PAPER_FIT)
        rows += _fit_rows("Fig. 4(b)", N, fit, gfit, LARGE_WINDOW)
        rows.append(
            Row(
                f"Fig. 4(a) E_max/N_B at N_B = {int(d['N_B'].max())}, N = {N}",
                "tends to saturate",
                float(d["E_max"][-1] / d["N_B"][-1]),
                f"max over t ≤ 10; first energy peak gives {d['E_first_peak'][-1] / d['N_B'][-1]:.4f}",
            )
        )
    x = nbs.astype(float)
    ax2.loglog(
        x,
        tc * math.sqrt(300),
        "-.",
        color="0.5",
        lw=1,
        label=r"$N\to\infty$ (TC), $\times\sqrt{300}$",
    )
    paper_line(ax2, x, an.tc_max_power_upper_bound(x, 300), ls=":", lw=1.4,
               label=r"paper: Eq. 31, $0.72\sqrt{N}N_B^{3/2}$, $N = 300$")  # fmt: skip
    fit300 = peng.fit_law(res[300], LARGE_WINDOW)
    rows.append(
        Row(
            "Fig. 4(b) 'numerical fitting indicates α ≈ 1.45'",
            1.45,
            fit300.alpha,
            "N = 300",
        )
    )
    for nb in (1, int(nbs.max())):
        d = res[300]
        rows.append(
            Row(
                f"t(P_max)·A√(N_B N) = 1.16 (Sec. III C), N = 300, N_B = {nb}",
                1.16,
                float(d["t_P_max"][d["N_B"] == nb][0] * math.sqrt(nb * 300)),
                "HP: x* = argmax sin²x/x = 1.165561 (exact for N_B = 1, n = 1); at N_B = 50 "
                "the spin nonlinearity of the battery delays the maximum",
            )
        )
    tcfit = fit_window(nbs, tc, *LARGE_WINDOW)
    rows.append(
        Row(
            "α for N → ∞ at N_B ∈ [1, 50] (n = N_B)",
            1.5,
            tcfit.alpha,
            "exact Tavis-Cummings limit (bath → boson, Eq. 20); paper: Eq. 31 'α → 3/2'. "
            "At t(P_max) ⟨b†b⟩ ≈ 0.85 N_B, outside the battery's HP regime",
        )
    )
    handles = ax2.get_legend_handles_labels()[0] + [
        ax1.plot([], [], "o", color="0.4", ms=4, mfc="none", label=MAX_ENERGY)[0],
        ax1.plot([], [], "-", color="0.4", lw=0.8, label="first energy peak")[0],
        ax2.plot([], [], "--", color="0.4", lw=1.2, label=r"our fit $\beta N_B^\alpha$")[0],
        paper_line(ax2, [], [], label=r"paper: Table I $\beta N_B^\alpha$", **PAPER_FIT),
    ]
    ax1.set_xlabel(r"$N_B$")
    ax1.set_ylabel(r"$E_{\max}/N_B$  $(B)$")
    ax1.set_title("(a)", fontsize=10)
    ax2.set_xlabel(r"$N_B$")
    ax2.set_ylabel(r"$P_{\max}$  $(BA)$")
    ax2.set_title(r"(b)  fits over $N_B\in[1,50]$", fontsize=10)
    figure_legend(fig, handles, ncol=4)
    fig.suptitle(
        r"Peng et al. Fig. 4: $A = B = h = 1$, $\Delta = 0$, $n = N_B$, $m = 0$", fontsize=11
    )
    data = {str(N): res[N] | {"fit": peng.fit_law(res[N], LARGE_WINDOW).as_dict()} for N in LARGE_N}
    data["tavis_cummings_limit"] = {"N_B": nbs, "P_max_over_sqrtN": tc, "fit": tcfit.as_dict()}
    return TargetOutput(figure=fig, data=data, rows=rows)


# ================================================================================ Table I


#: Points per job of the Table I sweeps (jobs run on ``workers`` processes).
TABLE1_CHUNK = 12


def table1_data(
    quick: bool = False,
    progress=None,
    reference_every: int | None = None,
    workers: int | None = None,
) -> dict:
    """Everything Table I needs: the six sweeps (fit windows only), fits, checks.

    The convergence check repeats every ``reference_every``-th point of each window (and both
    ends) with a 10× finer grid on twice the certified window (``reference_peak_power``); default
    10 (quick: 25); ``reference_every=1`` checks all 333 points (the benchmark and ``pytest -m
    slow`` do). The points run in jobs of TABLE1_CHUNK on ``workers`` processes (default: up to
    2, the cores there are); every point is its own simulate, so the numbers do not depend on
    how they are split.
    """
    if reference_every is None:
        reference_every = 25 if quick else 10
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    jobs = []
    for N in SMALL_N + LARGE_N:
        window = SMALL_WINDOW if N in SMALL_N else LARGE_WINDOW
        nbs = np.arange(window[0], window[1] + 1)
        idx = np.unique(np.r_[np.arange(0, len(nbs), reference_every), len(nbs) - 1])
        checked = set(nbs[idx].tolist())
        for chunk in np.array_split(nbs, -(-len(nbs) // TABLE1_CHUNK)):
            jobs.append((N, chunk, [int(nb) for nb in chunk if nb in checked]))
    tc_nbs = np.arange(LARGE_WINDOW[0], LARGE_WINDOW[1] + 1)
    tc_jobs = np.array_split(tc_nbs, -(-len(tc_nbs) // TABLE1_CHUNK))
    calls = [(_table1_job, job) for job in jobs] + [(peng.tc_limit, (c,)) for c in tc_jobs]
    results = _run_jobs(calls, workers, progress)
    out: dict = {"fits": {}, "grid_fits": {}, "sweeps": {}}
    for N in SMALL_N + LARGE_N:
        parts = [r for job, r in zip(jobs, results, strict=False) if job[0] == N]
        d = _joined([sweep for sweep, _ in parts])
        refs = {nb: p for _, r in parts for nb, p in r.items()}
        d["P_max_reference"] = np.array([refs.get(int(nb), np.nan) for nb in d["N_B"]])
        out["sweeps"][N] = d
        window = SMALL_WINDOW if N in SMALL_N else LARGE_WINDOW
        out["fits"][N] = peng.fit_law(d, window)
        out["grid_fits"][N] = peng.fit_law(d, window, "P_max_paper_grid")
    # convergence: the same maxima from much finer runs (10× grid, 2× certified window)
    worst_rel, worst_da, worst_db, checked_points = 0.0, 0.0, 0.0, 0
    for N, d in out["sweeps"].items():
        nbs, ref = d["N_B"], d["P_max_reference"]
        idx = np.flatnonzero(np.isfinite(ref))
        worst_rel = max(worst_rel, float(np.max(np.abs(ref[idx] / d["P_max"][idx] - 1))))
        checked_points += len(idx)
        if len(idx) == len(nbs):
            rfit = fit_window(nbs, ref)
            worst_da = max(worst_da, abs(rfit.alpha - out["fits"][N].alpha))
            worst_db = max(worst_db, abs(rfit.beta / out["fits"][N].beta - 1))
    full = reference_every == 1
    out["reference_max_rel"] = worst_rel
    out["reference_points"] = checked_points
    out["alpha_bound"] = max(
        peng.alpha_error_bound(out["fits"][N], out["sweeps"][N]["N_B"], worst_rel)
        for N in out["fits"]
    )
    out["reference_dalpha"] = worst_da if full else None
    out["reference_dbeta_rel"] = worst_db if full else None
    # what the engine built: the sector of |0> ⊗ |n>, and how many runs the certificate took
    sweeps = out["sweeps"].values()
    out["largest_sector"] = int(max(d["dimension"].max() for d in sweeps))
    out["largest_product"] = int(max(((d["N_B"] + 1) * (d["N"] + 1)).max() for d in sweeps))
    out["rerun_points"] = int(sum((d["runs"] > 1).sum() for d in sweeps))
    # Eq. 31 and the exact N → ∞ limit (Tavis-Cummings) on the Fig. 4 window
    tc = np.concatenate(results[len(jobs) :])
    out["tc_limit"] = {"N_B": tc_nbs, "P_max_over_sqrtN": tc, "fit": fit_window(tc_nbs, tc)}
    out["eq31_fits"] = {
        N: fit_window(tc_nbs, an.tc_max_power_upper_bound(tc_nbs, N)) for N in LARGE_N
    }
    return out


def _table1_job(N: int, N_B_values: np.ndarray, checked: list[int]) -> tuple[dict, dict]:
    """One chunk of a Table I sweep, and the convergence check of its ``checked`` points."""
    d = peng.sweep_N_B(N, N_B_values, "N" if N in SMALL_N else "N_B", paper_grid=True)
    refs = {}
    for nb in checked:
        i = int(np.flatnonzero(d["N_B"] == nb)[0])
        n = N if N in SMALL_N else nb
        refs[nb] = peng.reference_peak_power(nb, N, n, float(d["window"][i]))
    return d, refs


def _joined(parts: list[dict]) -> dict:
    """Sweep chunks (dicts of per-point arrays and scalars) as one sweep."""
    return {
        k: np.concatenate([p[k] for p in parts]) if np.ndim(v) else v for k, v in parts[0].items()
    }


def _run_jobs(calls: list, workers: int, progress=None) -> list:
    """``[f(*args) for f, args in calls]``, on ``workers`` processes when more than one (they
    end with this process, :func:`qbattery.sweep_executors.local_pool`), in order."""
    ticks = range(len(calls)) if progress is None else progress(range(len(calls)))
    if workers <= 1:
        return [calls[i][0](*calls[i][1]) for i in ticks]
    from qbattery.sweep_executors import local_pool

    with local_pool(workers) as pool:
        futures = [pool.submit(f, *args) for f, args in calls]
        return [futures[i].result() for i in ticks]


@target("peng2021-table1", paper=PAPER, description="scaling exponents α and prefactors β")
def table1(ctx: Context) -> TargetOutput:
    plt = peng.pyplot()
    d = table1_data(quick=ctx.quick, progress=_bar(ctx, "Table I sweeps"))
    conv = (
        f"P_max converged: a 10×-finer-grid, 2×-window simulate "
        f"recomputation ({d['reference_points']} of 333 points) differs by ≤ {d['reference_max_rel']:.1e} "
        f"relative, so |δα| ≤ {d['alpha_bound']:.1e}"
    )
    if d["reference_dalpha"] is not None:
        conv += (
            f" (refit: |δα| = {d['reference_dalpha']:.1e}, |δβ/β| = {d['reference_dbeta_rel']:.1e})"
        )
    rows = []
    for N in SMALL_N + LARGE_N:
        fit, gfit = d["fits"][N], d["grid_fits"][N]
        a_p, b_p = PAPER_TABLE1[N]
        window = SMALL_WINDOW if N in SMALL_N else LARGE_WINDOW
        init = "n = N" if N in SMALL_N else "n = N_B"
        rows.append(
            Row(
                f"α, N = {N}",
                a_p,
                fit.alpha,
                f"N_B ∈ [{window[0]}, {window[1]}], {init}, exact P_max; fit s.e. "
                f"{fit.alpha_se:.1e}. Paper's grid (t ∈ [0,10], 5001 pts): {gfit.alpha:.4f}. {conv}",
            )
        )
        rows.append(
            Row(
                f"β, N = {N}",
                b_p,
                fit.beta,
                f"exact P_max; paper's grid (t ∈ [0,10], 5001 pts, no refinement): {gfit.beta:.4f}",
            )
        )
    for N in LARGE_N:
        a_p, b_p = PAPER_THERMO[N]
        e31 = d["eq31_fits"][N]
        rows.append(
            Row(
                f"α thermodynamic limit (Eq. 31), N = {N}",
                a_p,
                e31.alpha,
                "Eq. 31 (P = 0.7246 √N N_B^{3/2}) fitted over N_B ∈ [1, 50]. The exact model at "
                f"N → ∞ gives {d['tc_limit']['fit'].alpha:.4f} on that window (row below)",
            )
        )
        rows.append(
            Row(
                f"β thermodynamic limit (Eq. 31), N = {N}",
                b_p,
                e31.beta,
                f"max sin²x/x √N = {an.SIN2_OVER_X_MAX:.6f}√N; the paper rounds the constant to "
                f"0.72 (0.72√{N} = {0.72 * math.sqrt(N):.4f})",
            )
        )
    tcf = d["tc_limit"]["fit"]
    rows.append(
        Row(
            "α, exact N → ∞ limit (Tavis-Cummings), N_B ∈ [1, 50], n = N_B",
            1.5,
            tcf.alpha,
            "the bath as a boson (Eq. 20) keeps the battery's spin nonlinearity that Eq. 22 drops",
        )
    )
    rows.append(
        Row(
            "β/√N, exact N → ∞ limit, N_B ∈ [1, 50], n = N_B",
            0.72,
            tcf.beta,
            "Eq. 31 prefactor vs the exact limit's fit",
        )
    )
    rows.append(
        Row(
            "simulate's problem per point: the sector |m, n − m> of |0> ⊗ |n> (largest, states)",
            None,
            d["largest_sector"],
            f"of up to (N_B + 1)(N + 1) = {d['largest_product']} product states "
            f"(info['subspace']); every P_max certified (P_max_is_global), "
            f"{d['rerun_points']} of 333 points needed a second run",
        )
    )
    # the table, laid out like the paper's
    fig, ax = plt.subplots(figsize=(11, 2.3))
    ax.axis("off")
    cols = [str(N) for N in SMALL_N + LARGE_N] + [str(N) for N in LARGE_N]
    cells = [
        [f"{PAPER_TABLE1[N][0]:.4f}" for N in SMALL_N + LARGE_N]
        + [f"{PAPER_THERMO[N][0]:.1f}" for N in LARGE_N],
        [f"{d['fits'][N].alpha:.4f}" for N in SMALL_N + LARGE_N]
        + [f"{d['eq31_fits'][N].alpha:.1f} ({tcf.alpha:.3f})" for N in LARGE_N],
        [f"{PAPER_TABLE1[N][1]:.4f}" for N in SMALL_N + LARGE_N]
        + [f"{PAPER_THERMO[N][1]:.4f}" for N in LARGE_N],
        [f"{d['fits'][N].beta:.4f}" for N in SMALL_N + LARGE_N]
        + [f"{d['eq31_fits'][N].beta:.4f}" for N in LARGE_N],
        [f"{d['grid_fits'][N].alpha:.4f} / {d['grid_fits'][N].beta:.4f}" for N in SMALL_N + LARGE_N]
        + ["", "", ""],
    ]
    labels = ["α paper", "α ours", "β paper", "β ours", "paper grid α / β"]
    tab = ax.table(cellText=cells, rowLabels=labels, colLabels=cols, loc="center", cellLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.scale(1, 1.4)
    ax.set_title(
        "Peng et al. Table I — lower bound (N = 5, 10, 15) | upper bound (N = 100, 200, 300) | "
        "thermodynamic limit (Eq. 31; in brackets: exact N → ∞)",
        fontsize=9,
    )
    fig.subplots_adjust(left=0.12, right=0.98, top=0.85, bottom=0.05)
    data = {
        "fits": {str(N): f.as_dict() for N, f in d["fits"].items()},
        "paper_grid_fits": {str(N): f.as_dict() for N, f in d["grid_fits"].items()},
        "sweeps": {str(N): s for N, s in d["sweeps"].items()},
        "eq31_fits": {str(N): f.as_dict() for N, f in d["eq31_fits"].items()},
        "tavis_cummings_limit": {
            "N_B": d["tc_limit"]["N_B"],
            "P_max_over_sqrtN": d["tc_limit"]["P_max_over_sqrtN"],
            "fit": tcf.as_dict(),
        },
        "convergence": {
            "reference_max_rel": d["reference_max_rel"],
            "alpha_bound": d["alpha_bound"],
            "reference_dalpha": d["reference_dalpha"],
            "reference_dbeta_rel": d["reference_dbeta_rel"],
            "largest_sector": d["largest_sector"],
            "rerun_points": d["rerun_points"],
        },
    }
    return TargetOutput(figure=fig, data=data, rows=rows)
