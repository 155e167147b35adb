"""Phase-space pictures of mean-field (Bloch-vector) dynamics.

* :func:`bloch_sphere` — trajectories r(t) = (u, v, w) on a 3D Bloch sphere (Yan et al. 2026,
  Figs. 3e,f,h,i).
* :func:`energy_landscape` / :func:`plot_landscape` — the semiclassical energy E(θ, φ) = H_cl/S of
  a generator on the sphere, r = (sinθ cosφ, sinθ sinφ, cosθ), as a map with trajectories
  projected onto (φ, θ) (Figs. 3g,j). Without noise a trajectory runs along one contour of the
  landscape of its own (static) generator.

All functions draw on axes the caller provides and return them, so they compose into any figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def angles(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(θ, φ) of Bloch vectors r (..., 3); φ in [0, 2π), NaN on the poles."""
    r = np.asarray(r, float)
    norm = np.linalg.norm(r, axis=-1)
    theta = np.arccos(np.clip(r[..., 2] / np.where(norm > 0, norm, 1), -1, 1))
    phi = np.mod(np.arctan2(r[..., 1], r[..., 0]), 2 * np.pi)
    at_pole = np.hypot(r[..., 0], r[..., 1]) <= 1e-9 * np.maximum(norm, 1e-300)
    return theta, np.where(at_pole, np.nan, phi)  # φ is undefined on the poles


def _sphere(ax, alpha: float = 0.08, grid: bool = True) -> None:
    u = np.linspace(0, 2 * np.pi, 60)
    v = np.linspace(0, np.pi, 30)
    x = np.outer(np.cos(u), np.sin(v))
    y = np.outer(np.sin(u), np.sin(v))
    z = np.outer(np.ones_like(u), np.cos(v))
    ax.plot_surface(x, y, z, color="lightsteelblue", alpha=alpha, linewidth=0, shade=False)
    if grid:
        t = np.linspace(0, 2 * np.pi, 120)
        ax.plot(np.cos(t), np.sin(t), 0 * t, color="grey", lw=0.5, alpha=0.6)  # equator
        ax.plot(np.cos(t), 0 * t, np.sin(t), color="grey", lw=0.5, alpha=0.4)
        ax.plot(0 * t, np.cos(t), np.sin(t), color="grey", lw=0.5, alpha=0.4)
    for vec, name in (((1.25, 0, 0), "x"), ((0, 1.25, 0), "y"), ((0, 0, 1.25), "z")):
        ax.plot([0, vec[0]], [0, vec[1]], [0, vec[2]], color="k", lw=0.6)
        ax.text(*vec, name, fontsize=8)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_zlim(-1, 1)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()


def bloch_sphere(
    ax,
    trajectories: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    colors: Sequence | None = None,
    *,
    title: str | None = None,
    elev: float = 20.0,
    azim: float = -60.0,
    lw: float = 1.2,
):
    """Draw Bloch-vector trajectories (each (T, 3)) on a 3D sphere; start ○, end ●."""
    _sphere(ax)
    labels = labels or [None] * len(trajectories)
    for k, r in enumerate(trajectories):
        r = np.asarray(r, float)
        color = None if colors is None else colors[k]
        (line,) = ax.plot(r[:, 0], r[:, 1], r[:, 2], lw=lw, color=color, label=labels[k])
        c = line.get_color()
        ax.scatter(*r[0], color=c, s=14, facecolors="none")
        ax.scatter(*r[-1], color=c, s=14)
    ax.view_init(elev=elev, azim=azim)
    if title:
        ax.set_title(title, fontsize=9)
    if any(labels):
        ax.legend(fontsize=7, loc="upper left")
    return ax


def energy_landscape(
    energy: Callable[[np.ndarray, np.ndarray], np.ndarray],
    n_theta: int = 121,
    n_phi: int = 241,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(θ, φ, E) on a grid θ ∈ [0, π], φ ∈ [0, 2π]; ``energy(θ, φ)`` is vectorized.

    For a mean-field model use ``model.landscape`` (H_cl/S of its generator at a time t).
    """
    theta = np.linspace(0, np.pi, n_theta)
    phi = np.linspace(0, 2 * np.pi, n_phi)
    TH, PH = np.meshgrid(theta, phi, indexing="ij")
    return theta, phi, np.asarray(energy(TH, PH))


def _split_wraps(phi: np.ndarray, theta: np.ndarray):
    """Cut a projected trajectory where φ wraps around 2π, so no line crosses the map."""
    jumps = np.flatnonzero(np.abs(np.diff(phi)) > np.pi) + 1
    return zip(np.split(phi, jumps), np.split(theta, jumps), strict=True)


def plot_landscape(
    ax,
    theta: np.ndarray,
    phi: np.ndarray,
    E: np.ndarray,
    trajectories: Sequence[np.ndarray] = (),
    labels: Sequence[str] | None = None,
    colors: Sequence | None = None,
    *,
    levels: int = 24,
    cmap: str = "viridis",
    title: str | None = None,
    colorbar: bool = True,
    colorbar_label: str = r"$E/(S\,\omega_a)$",
):
    """Map of E(θ, φ) (x: φ/π, y: θ/π) with trajectories (each (T, 3)) projected onto it.

    θ = 0 (charged, w = 1) is at the top and θ = π (empty, w = −1) at the bottom, so charging
    climbs the map.
    """
    im = ax.contourf(phi / np.pi, theta / np.pi, E, levels=levels, cmap=cmap)
    ax.contour(phi / np.pi, theta / np.pi, E, levels=levels, colors="k", linewidths=0.25, alpha=0.5)
    labels = labels or [None] * len(trajectories)
    for k, r in enumerate(trajectories):
        th, ph = angles(np.asarray(r))
        color = "w" if colors is None else colors[k]
        first = True
        for p_seg, t_seg in _split_wraps(ph, th):
            ax.plot(
                p_seg / np.pi,
                t_seg / np.pi,
                color=color,
                lw=1.4,
                label=labels[k] if first else None,
            )
            first = False
    ax.set_xlim(0, 2)
    ax.set_ylim(1, 0)
    ax.set_xlabel(r"$\phi/\pi$")
    ax.set_ylabel(r"$\theta/\pi$")
    if title:
        ax.set_title(title, fontsize=9)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.85, pad=0.02, label=colorbar_label)
    if any(labels):
        ax.legend(fontsize=7, loc="lower right")
    return ax
