"""Many parameter points at once: one fixed-step RK4 on a (points × 3[+2]) state, reducing
E(t) to P_max, E_max and the first energy peak on the fly (:func:`run_grid`, :func:`sweep_grid`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from qbattery.solvers.meanfield.basis import _quadratic
from qbattery.solvers.meanfield.derivation import _as_spec, derive_many
from qbattery.solvers.meanfield.integration import _FastSpin
from qbattery.solvers.meanfield.model import MeanFieldModel


def _rk4_tables(model: MeanFieldModel, grid: np.ndarray):
    """Coefficient tables on the half-step grid for every slot of the generator and the noise."""
    gen = [s.table(grid) for s in model.generator.slots]
    spin = [s.table(grid) for s, _, _ in model.spin_channels]
    other = {
        name: getattr(model, name).table(grid)
        for name in ("local_decay", "local_dephasing", "mode_loss")
        if getattr(model, name) is not None
    }
    return gen, spin, other


def _rk4_coefficients(model: MeanFieldModel, tables, n: int):
    gen, spin, other = tables
    p = model.generator.static.copy()
    for s, tb in zip(model.generator.slots, gen, strict=True):
        p = p + s.from_table(tb, n)
    rates: dict = {
        "spin": [
            (s.from_table(tb, n), l, c)
            for (s, l, c), tb in zip(model.spin_channels, spin, strict=True)
        ]
    }
    for name, tb in other.items():
        rates[name] = getattr(model, name).from_table(tb, n)
    return p, rates


@dataclass
class GridResult:
    """Per point: P_max = max_t E/t and its time, E_max, the first energy peak and its E/τ."""

    P_max: np.ndarray
    t_P_max: np.ndarray
    E_max: np.ndarray
    t_E_max: np.ndarray
    P_first_peak: np.ndarray
    tau_first_peak: np.ndarray
    beyond_window: np.ndarray  # True where a larger E/t after t_max cannot be excluded
    info: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # optional: t and y on a coarse grid


def _parabola(t3: np.ndarray, f3: np.ndarray):
    """Vertex (t, f) of the parabola through three points per row; falls back to the middle."""
    t0, t1, t2 = t3.T
    f0, f1, f2 = f3.T
    den = (t0 - t1) * (t0 - t2) * (t1 - t2)
    with np.errstate(divide="ignore", invalid="ignore"):
        A = (t2 * (f1 - f0) + t1 * (f0 - f2) + t0 * (f2 - f1)) / den
        B = (t2**2 * (f0 - f1) + t1**2 * (f2 - f0) + t0**2 * (f1 - f2)) / den
        C = (t1 * t2 * (t1 - t2) * f0 + t2 * t0 * (t2 - t0) * f1 + t0 * t1 * (t0 - t1) * f2) / den
        tv = -B / (2 * A)
        fv = C - B**2 / (4 * A)
    ok = np.isfinite(tv) & (A < 0) & (tv >= t0) & (tv <= t2) & (fv >= f1)
    return np.where(ok, tv, t1), np.where(ok, fv, f1)


class _MaxTrack:
    """Running maximum of a sampled curve per point, with its two neighbours for a parabola."""

    def __init__(self, B: int):
        self.best = np.full(B, -np.inf)
        self.t3 = np.zeros((3, B))
        self.f3 = np.zeros((3, B))
        self.pending = np.zeros(B, bool)

    def update(self, hist_t: np.ndarray, hist_f: np.ndarray) -> None:
        """hist_* hold steps n-2, n-1, n; the newest sample is index 2."""
        # the right neighbour of last step's new maximum
        np.copyto(self.t3[2], hist_t[2], where=self.pending)
        np.copyto(self.f3[2], hist_f[2], where=self.pending)
        new = hist_f[2] > self.best
        np.copyto(self.best, hist_f[2], where=new)
        np.copyto(self.t3[0], hist_t[1], where=new)
        np.copyto(self.f3[0], hist_f[1], where=new)
        for row in (1, 2):  # row 2 is replaced at the next step (if there is one)
            np.copyto(self.t3[row], hist_t[2], where=new)
            np.copyto(self.f3[row], hist_f[2], where=new)
        self.pending = new

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        return _parabola(self.t3.T, self.f3.T)


def run_grid(
    model: MeanFieldModel,
    t_max: float,
    dt: float,
    *,
    energy: str = "battery",
    sample_every: int = 0,
) -> GridResult:
    """Fixed-step RK4 of all points at once, reducing E(t) on the fly (memory O(points)).

    ``energy``: ``"battery"`` (⟨H_B⟩ − ⟨H_B⟩(0)) or ``"bare"`` (the linear part of H_B only, e.g.
    ω_a S (w + 1) for H_B = ω_a S_z + (J/N) S_x²; Yan et al. plot this). Maxima are refined
    between steps by a parabola through three samples.
    """
    steps = int(np.ceil(t_max / dt - 1e-9))
    dt = t_max / steps
    grid = np.linspace(0, t_max, 2 * steps + 1)
    B = model.size
    if energy == "battery":
        p_e = model.battery.static
    elif energy == "bare":
        p_e = np.zeros_like(model.battery.static)
        p_e[:, 1:4] = model.battery.static[:, 1:4]
    else:
        raise ValueError("energy must be 'battery' or 'bare'")
    if model.has_mode:  # general path, (B, n_state) layout
        tables = _rk4_tables(model, grid)
        y = model.y0()

        def k(n2, yy):
            p, rates = _rk4_coefficients(model, tables, n2)
            return model.rhs(p, rates, yy)

        def e_of(yy):
            return model.expectation(p_e, yy)

        def as_rows(yy):
            return yy

    else:  # fast spin-only path, (3, B) layout
        fast = _FastSpin(model, grid)
        y = model.y0().T.copy()
        k = fast.rhs
        c0 = p_e[:, 0].real
        lin = model.S[:, None] * p_e[:, 1:4].real
        Q = _quadratic(p_e).real * model._scale2[:, None, None]
        quad = [(i, j, Q[:, i, j].copy()) for i in range(3) for j in range(3) if np.any(Q[:, i, j])]
        if model.ordering == "product":
            c0 = c0 + model.S / 2 * np.trace(_quadratic(p_e).real, axis1=1, axis2=2)

        def e_of(yy):
            out = c0 + lin[:, 0] * yy[0] + lin[:, 1] * yy[1] + lin[:, 2] * yy[2]
            for i, j, arr in quad:
                out = out + arr * yy[i] * yy[j]
            return out

        def as_rows(yy):
            return yy.T

    e0 = e_of(y)
    hist_t = np.zeros(3)
    hist_e = np.zeros((3, B))  # E at steps n-2, n-1, n (E(0) = 0)
    tracks = {name: _MaxTrack(B) for name in ("P", "E")}
    fp_found = np.zeros(B, bool)
    rising = np.zeros(B, bool)
    fp_tau = np.full(B, np.nan)
    fp_e = np.full(B, np.nan)
    samples_t, samples_y = ([0.0], [as_rows(y).copy()]) if sample_every else ([], [])

    for n in range(1, steps + 1):
        k1 = k(2 * n - 2, y)
        k2 = k(2 * n - 1, y + dt / 2 * k1)
        k3 = k(2 * n - 1, y + dt / 2 * k2)
        k4 = k(2 * n, y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = n * dt
        e = e_of(y) - e0
        hist_t = np.roll(hist_t, -1)
        hist_t[2] = t
        hist_e = np.roll(hist_e, -1, axis=0)
        hist_e[2] = e
        tracks["P"].update(hist_t, hist_e / np.where(hist_t > 0, hist_t, 1.0)[:, None])
        tracks["E"].update(hist_t, hist_e)
        # first local maximum of E (at step n-1)
        if n >= 2:
            tol = 1e-13 * np.maximum(1.0, np.abs(hist_e[1]))
            d1 = hist_e[1] - hist_e[0]
            d2 = hist_e[2] - hist_e[1]
            rising_now = rising | (d1 > tol)
            peak = ~fp_found & rising_now & (d2 < -tol)
            if peak.any():
                tv, ev = _parabola(np.broadcast_to(hist_t, (int(peak.sum()), 3)), hist_e[:, peak].T)
                fp_tau[peak], fp_e[peak] = tv, ev
                fp_found |= peak
            rising = rising_now
        if sample_every and n % sample_every == 0:
            samples_t.append(t)
            samples_y.append(as_rows(y).copy())

    tP, P = tracks["P"].result()
    tE, Emax = tracks["E"].result()
    bound = _energy_bound(model, p_e, e0)
    result = GridResult(
        P_max=P,
        t_P_max=tP,
        E_max=Emax,
        t_E_max=tE,
        P_first_peak=fp_e / fp_tau,
        tau_first_peak=fp_tau,
        beyond_window=bound / t_max > P,
        info={"method": "RK4", "dt": dt, "t_max": t_max, "steps": steps, "energy": energy},
    )
    if sample_every:
        result.samples = {"t": np.array(samples_t), "y": np.stack(samples_y)}
    return result


def _energy_bound(model: MeanFieldModel, p: np.ndarray, e0: np.ndarray) -> np.ndarray:
    """An upper bound of E(t) for |r| ≤ 1 (used to flag maxima that may lie after t_max)."""
    S = model.S
    lin = np.linalg.norm(p[:, 1:4].real, axis=1)
    Q = _quadratic(p).real
    q = np.abs(np.linalg.eigvalsh(Q)).max(axis=1) if Q.size else 0.0
    out = p[:, 0].real + S * lin + model._scale2 * q
    if model.ordering == "product":
        out = out + S / 2 * np.abs(np.trace(Q, axis1=1, axis2=2))
    return out - e0


def sweep_grid(
    spec,
    over: dict[str, np.ndarray],
    *,
    t_max: float | None = None,
    dt: float = 0.01,
    energy: str = "battery",
    ordering: str = "classical",
    check: int = 16,
) -> GridResult:
    """P_max etc. over the product grid of parameter values ``over`` (e.g. kappa × gamma).

    Returns arrays shaped like the grid (len(v1), len(v2), ...). ``check`` random points are
    rerun with dt/2 and the largest relative change of P_max is stored in ``info["dt_check"]``.
    """
    spec = _as_spec(spec)
    names = list(over)
    values = [np.asarray(over[n], float) for n in names]
    shape = tuple(len(v) for v in values)
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    model = derive_many(spec, points, ordering=ordering)
    t_max = spec.time.t_max if t_max is None else t_max
    res = run_grid(model, t_max, dt, energy=energy)
    if check:
        rng = np.random.default_rng(0)
        pick = rng.choice(model.size, size=min(check, model.size), replace=False)
        fine = run_grid(model._subset(pick), t_max, dt / 2, energy=energy)
        scale = np.maximum(np.abs(fine.P_max), 1e-300)
        res.info["dt_check"] = float(np.nanmax(np.abs(fine.P_max - res.P_max[pick]) / scale))
        res.info["dt_check_points"] = len(pick)
    for k in (
        "P_max",
        "t_P_max",
        "E_max",
        "t_E_max",
        "P_first_peak",
        "tau_first_peak",
        "beyond_window",
    ):
        setattr(res, k, getattr(res, k).reshape(shape))
    res.info["over"] = {n: v.tolist() for n, v in zip(names, values, strict=True)}
    return res
