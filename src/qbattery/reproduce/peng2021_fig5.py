"""Peng et al., PRA 103, 052220 (2021), Fig. 5: ln P_max over N_B ∈ [1, 40] × N ∈ [1, 200], n = N.

Each of the 8000 points (504 with ``--quick``) is a certified
:func:`qbattery.reproduce.peng2021.peak_power` run: :func:`qbattery.simulate` on the sector of
|0> ⊗ |N> (min(N_B, N) + 1 states), P_max refined between grid points and ``P_max_is_global``.
"""

from __future__ import annotations

import numpy as np

from qbattery.analytic import central_spin as an
from qbattery.reproduce import peng2021 as peng
from qbattery.reproduce.plotting import paper_line
from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.scaling import fit_window


@target("peng2021-fig5", paper=peng.PAPER, description="log P_max over N_B ∈ [1, 40], N ∈ [1, 200]")
def fig5(ctx: Context) -> TargetOutput:
    plt = peng.pyplot()
    nbs = np.r_[1, 2:41:2] if ctx.quick else np.arange(1, 41)
    ns = np.unique(np.r_[1, 2, 5, 10:201:10]) if ctx.quick else np.arange(1, 201)
    P = np.zeros((len(ns), len(nbs)))
    for i in ctx.progress(range(len(ns)), "Fig. 5 rows"):
        N = int(ns[i])
        for j, nb in enumerate(nbs):
            P[i, j] = peng.peak_power(int(nb), N, N).summary["P_max"]
    fig, (ax, cut) = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    cs = ax.contourf(nbs, ns, np.log(P), levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, label=r"$\ln P_{\max}$")
    ax.plot([1, 40], [1, 40], "w--", lw=1)
    ax.text(30, 33, r"$N = N_B$", color="w", fontsize=9, rotation=8)
    ax.set_xlabel(r"$N_B$")
    ax.set_ylabel(r"$N$")
    ax.set_title(r"Fig. 5: $\ln P_{\max}$, $A = B = h = 1$, $\Delta = 0$, $n = N$, $m = 0$",
                 fontsize=10)  # fmt: skip
    # cuts of the map against the laws the text states (Sec. III C, Figs. 3-4)
    for N, col in ((1, "tab:red"), (5, "tab:green"), (int(ns.max()), "tab:blue")):
        i = int(np.flatnonzero(ns == N)[0])
        cut.loglog(nbs, P[i], "o", color=col, ms=4, mfc="none", label=f"ours, N = {N}")
    paper_line(cut, nbs, 0.72 * np.sqrt(nbs), label=r"paper: $0.72\sqrt{N_B}$ ($N = 1$)", zorder=3)
    i5 = int(np.flatnonzero(ns == 5)[0])
    x5 = nbs[nbs >= 20].astype(float)
    paper_line(cut, x5, P[i5][nbs == 20][0] * (x5 / 20) ** 0.5, ls=":", lw=1.6, zorder=3,
               label=r"paper: slope $\alpha = 1/2$ for $N < N_B$")  # fmt: skip
    top = int(np.flatnonzero(ns == ns.max())[0])
    cut.loglog(nbs, P[top][0] * nbs**1.5, ":", color="0.5", lw=1,
               label=r"slope $3/2$ (Fig. 4's $n = N_B$; here $n = N$)")  # fmt: skip
    cut.set_xlabel(r"$N_B$")
    cut.set_ylabel(r"$P_{\max}$  $(BA)$")
    cut.set_title("rows of the map (not a panel of the paper)", fontsize=10)
    cut.legend(fontsize=8, loc="upper left")

    def row_fit(N, lo, hi):
        i = int(np.flatnonzero(ns == N)[0])
        return fit_window(nbs, P[i], lo, hi)

    f1 = row_fit(1, 1, 40)
    f5 = row_fit(5, 20, 40)
    f_top = row_fit(int(ns.max()), 1, 40)
    rows = [
        Row("N_B range", "[1, 40]", f"[{nbs.min()}, {nbs.max()}]", ""),
        Row("N range", "[1, 200]", f"[{ns.min()}, {ns.max()}]", ""),
        Row(
            "N = 1: P_max ≈ 0.72 B A √N_B — prefactor (Sec. III C)",
            0.72,
            f1.beta,
            f"exact: max sin²x/x = {an.SIN2_OVER_X_MAX:.6f}",
        ),
        Row("N = 1: exponent α (lower bound)", 0.5, f1.alpha, "fit over N_B ∈ [1, 40]"),
        Row(
            "lower plane N < N_B: α → 1/2",
            0.5,
            f5.alpha,
            "N = 5, N_B ∈ [20, 40] (Fig. 3's regime)",
        ),
        Row(
            f"upper plane N ≫ N_B: slope, N = {int(ns.max())}",
            "3/2 (as Fig. 4)",
            f_top.alpha,
            "n = N here (Fig. 4 used n = N_B): the bath holds far more than the battery's "
            "capacity, so the slope stays well below 3/2 — as the paper itself cautions, "
            "Figs. 4 and 5 differ in their initial state",
        ),
    ]
    data = {"N_B": nbs, "N": ns, "P_max": P, "initial": "n = N"}
    return TargetOutput(figure=fig, data=data, rows=rows)
