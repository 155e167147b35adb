"""Yan et al. (2026): mean field against exact dynamics for growing N, target
``yan2026-mf-convergence``.

max_t |w_exact − w_MF| and |ΔP_max| for growing N, with exponents fitted: Fig. 4's own model
(κ = γ = 0.1, local decay γ Σ_i D[σ_-^i], exact by the permutation-invariant solver, N ≤ 64), the
closed battery (N ≤ 512) and, labelled as not the paper's model, collective decay (0.3/N) D[S_-]
(Lindblad solver, N ≤ 128). Every run is a spec through :func:`qbattery.simulate`; mean field is
the same spec with ``solver = "meanfield"`` (Eq. 12, see
:mod:`qbattery.reproduce.yan2026_meanfield`).
"""

from __future__ import annotations

import time

import numpy as np

from qbattery.reproduce.registry import Context, Row, TargetOutput, target
from qbattery.reproduce.yan2026_meanfield import BENCHMARK_PAPER, OMEGAS, PAPER, yan_spec
from qbattery.scaling import fit_offset_power_law, fit_power_law
from qbattery.simulate import simulate
from qbattery.solvers.meanfield import simulate_meanfield

#: The settings compared with mean field: J_x = −0.9, from |↓…↓⟩ (the mean-field ground state),
#: over Fig. 4's power window t ≤ 20. "local" is the paper's Fig. 4 model (Eqs. 10-12).
CONVERGENCE_MODELS = {
    "local": "Fig. 4's model: kappa = gamma = 0.1, local decay gamma sum_i D[sigma_-^i]",
    "closed": "no noise, static drive Omega_0 S_x (Fig. 3's closed battery)",
    "collective": "NOT the paper's model: kappa = 0.1, collective decay (0.3/N) D[S_-]",
}
CONVERGENCE_TEX = {
    "local": r"local decay $\gamma\sum_i\mathcal{D}[\sigma_-^i]$, $\kappa=\gamma=0.1$ (Fig. 4)",
    "closed": r"closed, $\kappa=\gamma=0$",
    "collective": r"collective decay $(0.3/N)\mathcal{D}[S_-]$, $\kappa=0.1$ (not the paper's)",
}
EXACT_SOLVER = {"local": "permutational", "closed": "closed", "collective": "lindblad"}
CONVERGENCE_N = {  # (quick, full); the permutational solver's cost grows as ~N^4.5 here
    "local": ([4, 8, 16], [4, 6, 8, 12, 16, 24, 32, 48, 64]),
    "closed": ([4, 8, 16, 32], [4, 6, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512]),
    "collective": ([4, 8, 16], [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]),
}
KAPPA_FIG4 = GAMMA_FIG4 = 0.1
G_COLLECTIVE = 0.3
T_CONVERGENCE, POINTS_CONVERGENCE = 20.0, 401
FIT_FROM = 8  # the offset power law is fitted on N >= 8


def convergence_spec(model: str, n_atoms: int, Omega: float, solver: str | None = None) -> dict:
    """Spec of one mean-field-vs-exact run (``solver`` None: the exact solver of ``model``).

    H = ω_a S_z + (J_x/N) S_x² + Ω_0 e^{−κt/2} S_x with J_x = −0.9 from |↓…↓⟩, and the noise of
    ``model`` (see :data:`CONVERGENCE_MODELS`). The twisting is written in ``coupling`` (H is the
    same) so that the battery energy is ω_a S_z: the ``energy`` series of every solver, mean field
    included, is then ω_a S (w(t) − w(0)), and :func:`bloch_w` reads w from it.
    """
    if model not in CONVERGENCE_MODELS:
        raise ValueError(f"model must be one of {tuple(CONVERGENCE_MODELS)}, got {model!r}")
    closed = model == "closed"
    drive = "Omega0*Sx" if closed else "Omega0*exp(-kappa*t/2)*Sx"  # static: one diagonalization
    spec = yan_spec(
        "x", -0.9, Omega,
        kappa=0.0 if closed else KAPPA_FIG4,
        gamma=GAMMA_FIG4 if model == "local" else 0.0,
        t_max=T_CONVERGENCE, points=POINTS_CONVERGENCE, n_atoms=n_atoms, initial="down",
        coupling=f"J/N*Sx^2 + {drive}",
    )  # fmt: skip
    spec["hamiltonian"]["battery"] = "omega_a*Sz"
    spec["noise"] = {
        "local": {"local_decay": "gamma"},
        "closed": {},
        "collective": {"collective_decay": "G/N"},
    }[model]
    if model == "collective":
        spec["parameters"]["G"] = G_COLLECTIVE
    solver = solver or EXACT_SOLVER[model]
    spec["run"] = {"solver": solver}
    if solver != "closed":  # the closed solver is exact; DOP853 at 1e-10 costs ~10 % over 1e-8
        spec["run"] |= {"rtol": 1e-10, "atol": 1e-12}
    spec["output"] = {"series": ["energy"]}
    return spec


def bloch_w(result) -> np.ndarray:
    """w(t) = ⟨S_z⟩/S from the energy series of a :func:`convergence_spec` run (any solver)."""
    p = result.spec["parameters"]
    S = result.spec["system"]["spins"] / 2
    return (result.series["energy"] + result.summary["E_initial"]) / (p["omega_a"] * S)


def p_max_per_spin(t: np.ndarray, w: np.ndarray) -> float:
    """max_t E/t with E = ω_a (w − w(0)) per S (ω_a = 1), on the grid."""
    return float(np.max((w[1:] - w[0]) / t[1:]))


def _verdict(p: float) -> str:
    return "1/N" if abs(p - 1) < abs(p - 0.5) else "1/sqrt(N)"


def _convergence_run(model: str, Omega: float, ns, ctx: Context) -> dict:
    """Exact and mean-field w(t) for every N; distances, P_max and timings."""
    exact, seconds, warnings = {}, {}, {}
    for N in ctx.progress(ns, f"{model}, Omega = {Omega}"):
        start = time.perf_counter()
        res = simulate(convergence_spec(model, N, Omega))
        seconds[N] = time.perf_counter() - start
        exact[N] = bloch_w(res)
        warnings[N] = list(res.warnings)
        t = res.t
    mf = bloch_w(simulate(convergence_spec(model, ns[-1], Omega, "meanfield")))
    product = {  # the 1/N-corrected closure (its equations depend on N)
        N: simulate_meanfield(convergence_spec(model, N, Omega, "meanfield"), ordering="product")
        for N in ns
    }
    product = {N: bloch_w(r) for N, r in product.items()}
    dist = [float(np.max(np.abs(exact[N] - mf))) for N in ns]
    P_mf = p_max_per_spin(t, mf)
    P = [p_max_per_spin(t, exact[N]) for N in ns]
    out = {
        "N": list(ns),
        "t": t,
        "w_exact": exact,
        "w_mf": mf,
        "distance": dist,
        "t_of_max_distance": [float(t[np.argmax(np.abs(exact[N] - mf))]) for N in ns],
        "distance_product_closure": [float(np.max(np.abs(exact[N] - product[N]))) for N in ns],
        "P_max_exact": P,
        "P_max_mf": P_mf,
        "P_max_error": [abs(p - P_mf) for p in P],
        "seconds": [seconds[N] for N in ns],
        "warnings": {N: w for N, w in warnings.items() if w},
        "slope_last4": fit_power_law(ns[-4:], dist[-4:]).alpha,
        "slope_last_pair": fit_power_law(ns[-2:], dist[-2:]).alpha,
        "P_slope_last4": fit_power_law(ns[-4:], [abs(p - P_mf) for p in P][-4:]).alpha,
    }
    big = [k for k, N in enumerate(ns) if N >= FIT_FROM]
    if len(big) >= 5:
        out["fit"] = fit_offset_power_law([ns[k] for k in big], [dist[k] for k in big])
    return out


@target(
    "yan2026-mf-convergence",
    paper=PAPER,
    description="mean field vs exact dynamics for growing N: Fig. 4's local decay, closed, collective",
)
def mf_convergence(ctx: Context) -> TargetOutput:
    runs = {
        (model, Om): _convergence_run(model, Om, CONVERGENCE_N[model][0 if ctx.quick else 1], ctx)
        for model in CONVERGENCE_MODELS
        for Om in OMEGAS
    }
    fig = _convergence_figure(runs)
    data = {
        "setting": "H = omega_a Sz + (-0.9/N) Sx^2 + Omega0 e^{-kappa t/2} Sx from |down...down>, "
        f"t <= {T_CONVERGENCE} ({POINTS_CONVERGENCE} points); w = <Sz>/S; distance = "
        "max_t |w_exact - w_MF| (classical closure, Eq. 12); P_max = max_t (w - w(0))/t",
        "models": CONVERGENCE_MODELS,
        "exact_solver": EXACT_SOLVER,
        "runs": {f"{m} Omega={Om}": r for (m, Om), r in runs.items()},
    }
    return TargetOutput(fig, data, _convergence_rows(runs))


def _fmt(xs) -> str:
    return " ".join(f"{x:.3g}" for x in xs)


def _convergence_rows(runs) -> list[Row]:
    rows = [
        Row("gamma = kappa in the local-decay comparison (Fig. 4)", 0.1, GAMMA_FIG4, "parameter"),
        Row("J_x", -0.9, -0.9, "parameter"),
    ]
    for (model, Om), r in runs.items():
        ns = r["N"]
        where = f"{model}, Omega = {Om}, N = {ns[0]} .. {ns[-1]}"
        rows.append(
            Row(
                f"max_t |w_exact - w_MF| (t <= {T_CONVERGENCE:g}), {where}",
                None,
                _fmt(r["distance"]),
                f"{CONVERGENCE_MODELS[model]}; exact: {EXACT_SOLVER[model]} solver; slope over "
                f"the 4 largest N {r['slope_last4']:.2f}, over the last pair "
                f"{r['slope_last_pair']:.2f}",
            )
        )
        if "fit" in r:
            f = r["fit"]
            rows.append(
                Row(
                    f"asymptotic exponent p of max_t |w_exact - w_MF| = a (N + N0)^-p, {where}",
                    "expected 1 (1/N) or 0.5 (1/sqrt N)",
                    round(f["p"], 3),
                    f"p = {f['p']:.3f} ± {f['p_err']:.3f}, N0 = {f['N0']:.1f}, a = {f['a']:.3g} "
                    f"(fit on N >= {FIT_FROM}, max |log residual| {f['max_log_residual']:.1g}): "
                    f"{_verdict(f['p'])} holds",
                )
            )
        rows.append(
            Row(
                f"|P_max exact - P_max MF|, {where}",
                None,
                _fmt(r["P_max_error"]),
                f"P_max = max_t (w - w(0))/t on the grid; MF {r['P_max_mf']:.4f}; slope over the "
                f"4 largest N {r['P_slope_last4']:.2f}",
            )
        )
        rows.append(
            Row(
                f"same distance with the product closure (1/N-corrected MF), {where}",
                None,
                _fmt(r["distance_product_closure"]),
                "ordering='product': S^2 -> S(S-1/2) in the torques",
            )
        )
        if model == "local":
            bench = BENCHMARK_PAPER[Om]
            low = min(r["P_max_exact"])
            rows.append(
                Row(
                    f"exact finite-N P_max of the Fig. 4 battery above the ideal benchmark, "
                    f"Omega = {Om}",
                    f"> {bench}",
                    round(low, 4),
                    f"smallest exact P_max over N = {ns[0]} .. {ns[-1]} "
                    f"({'above' if low > bench else 'BELOW'} the paper's {bench} at every N); "
                    f"MF {r['P_max_mf']:.4f}",
                )
            )
            rows.append(
                Row(
                    f"permutational solver time at N = {ns[-1]}, Omega = {Om}",
                    None,
                    f"{r['seconds'][-1]:.1f} s",
                    "time-dependent drive: DOP853 on the whole permutation-invariant state",
                )
            )
    return rows


def _n_ticks(ax, ns, which: str = "x") -> None:
    """Plain integer ticks at (a subset of) the computed N on a log axis."""
    from matplotlib.ticker import NullFormatter, NullLocator

    ticks = ns if len(ns) <= 7 else [n for n in ns if n & (n - 1) == 0]  # powers of two
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())
    axis.set_ticks(ticks, [str(n) for n in ticks])


def _convergence_figure(runs):
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from qbattery.reproduce.plotting import paper_hline

    models = list(CONVERGENCE_MODELS)
    fig = plt.figure(figsize=(20, 4.4 * len(models)), layout="constrained")
    grid = fig.add_gridspec(len(models), 4)
    cmap = plt.get_cmap("viridis")
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    colors = {OMEGAS[0]: "tab:blue", OMEGAS[1]: "tab:red"}
    for row, model in enumerate(models):
        ns = runs[(model, OMEGAS[0])]["N"]
        norm = LogNorm(ns[0], ns[-1])
        w_axes = [fig.add_subplot(grid[row, col]) for col in range(2)]
        for ax, Om in zip(w_axes, OMEGAS, strict=True):
            r = runs[(model, Om)]
            for N in ns:
                ax.plot(r["t"], r["w_exact"][N], color=cmap(norm(N)), lw=1)
            ax.plot(r["t"], r["w_mf"], "k--", lw=1.6)
            ax.set_xlabel(r"$\omega_a t$")
            ax.set_ylabel(r"$w=\langle S_z\rangle/S$")
            ax.set_title(
                f"({next(letters)}) {CONVERGENCE_TEX[model]}, $\\Omega_0={Om}\\,\\omega_a$\n"
                "exact (colour: $N$), mean field (black dashed)",
                fontsize=9,
            )
        bar = fig.colorbar(
            plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=w_axes, label="$N$ (exact)", pad=0.01
        )
        _n_ticks(bar.ax, ns, "y")
        ax = fig.add_subplot(grid[row, 2])
        lo, hi = np.inf, 0.0
        for Om in OMEGAS:
            r = runs[(model, Om)]
            d = np.asarray(r["distance"])
            lo, hi = min(lo, d.min()), max(hi, d.max())
            label = f"$\\Omega_0={Om}$"
            if "fit" in r:
                f = r["fit"]
                nn = np.geomspace(FIT_FROM, ns[-1], 100)
                ax.loglog(nn, f["a"] * (nn + f["N0"]) ** -f["p"], color=colors[Om], lw=0.8)
                label += f", fit $p={f['p']:.2f}$"
            ax.loglog(ns, d, "o", color=colors[Om], ms=4, label=label)
        ref = np.geomspace(ns[0], ns[-1], 50)
        d0 = runs[(model, OMEGAS[1])]["distance"][-1]
        ax.loglog(ref, d0 * ns[-1] / ref, "k:", lw=1, label=r"$\propto 1/N$")
        ax.loglog(ref, d0 * np.sqrt(ns[-1] / ref), color="0.5", ls="-.", lw=1,
                  label=r"$\propto 1/\sqrt{N}$")  # fmt: skip
        ax.set_ylim(lo / 12, hi * 2.5)
        _n_ticks(ax, ns)
        ax.set_xlabel("$N$")
        ax.set_ylabel(r"$\max_t\,|w_{\rm exact}-w_{\rm MF}|$")
        ax.set_title(
            f"({next(letters)}) distance to mean field, $\\omega_a t\\leq {T_CONVERGENCE:g}$\n"
            + (r"lines: fits $a\,(N+N_0)^{-p}$ on $N\geq 8$" if "fit" in r else ""),
            fontsize=9,
        )
        ax.legend(fontsize=7, loc="lower left")
        sub = grid[row, 3].subgridspec(2, 1)
        for k, Om in enumerate(OMEGAS):
            ax = fig.add_subplot(sub[k])
            r = runs[(model, Om)]
            ax.semilogx(ns, r["P_max_exact"], "o-", color=colors[Om], ms=4, label="exact")
            ax.axhline(r["P_max_mf"], color=colors[Om], ls="--", lw=1,
                       label=f"mean field {r['P_max_mf']:.3f}")  # fmt: skip
            if model == "local":
                bench = BENCHMARK_PAPER[Om]
                paper_hline(ax, bench, label=f"paper: ideal ($J=\\kappa=\\gamma=0$) {bench}")
            _n_ticks(ax, ns)
            ax.set_xlabel("$N$")
            ax.set_ylabel(r"$P_{\max}/\omega_a^2$")
            ax.set_title(
                f"({next(letters)}) $P_{{\\max}}=\\max_t E/t$ per $S$, $\\Omega_0={Om}$",
                fontsize=9,
            )
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(
        "Mean field (Eq. 12) vs exact dynamics, Yan et al. 2026 model ($J_x=-0.9$, from "
        r"$|{\downarrow\cdots\downarrow}\rangle$); top row: the paper's Fig. 4 model"
    )
    return fig
