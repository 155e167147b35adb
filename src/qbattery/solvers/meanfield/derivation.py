"""Deriving the mean-field model from a spec: per parameter point, then stacked into a batch.

:class:`_Deriver` fits every expression of the spec onto the monomial basis (caching on the values
of the parameters it uses), classifies the noise channels and prepares the initial state;
:func:`_assemble` stacks points that share one structure into a :class:`MeanFieldModel` and checks
that the generator is Hermitian. :func:`derive` (one point) and :func:`derive_many` (a batch) are
the entry points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qbattery import expr
from qbattery.solvers.meanfield.basis import (
    BATTERY_SYMBOLS,
    FIT_TOL,
    MODE_SYMBOLS,
    N_ALL,
    _basis,
    describe,
)
from qbattery.solvers.meanfield.ground import _ground_direction
from qbattery.solvers.meanfield.model import (
    ORDERINGS,
    MeanFieldModel,
    _Poly,
    _Slot,
    _stack_slots,
)
from qbattery.spec import Spec, SpecError, load_spec, validate_spec
from qbattery.values import count_value, parameter_values


def _as_spec(spec) -> Spec:
    from qbattery.problem import Problem

    if isinstance(spec, Problem):
        return spec.spec
    if isinstance(spec, str | Path):
        return load_spec(spec)
    return validate_spec(spec)


class _Deriver:
    """Builds the pieces of a model for one parameter point, caching on the values that matter."""

    def __init__(self, spec: Spec, ordering: str):
        if ordering not in ORDERINGS:
            raise ValueError(f"ordering must be one of {ORDERINGS}, got {ordering!r}")
        s = spec.system
        if s.spins is None:
            raise SpecError(
                "system.atoms", "the meanfield solver needs a battery of spins ('spins = N')"
            )
        if s.bath_spins is not None:
            raise SpecError(
                "system.bath_spins",
                "the meanfield solver treats a mode or a classical drive, not a spin bath",
            )
        self.spec = spec
        self.ordering = ordering
        self.has_mode = s.mode is not None
        self.basis = _basis(self.has_mode)
        self.cache: dict = {}
        self.parsed: dict = {}
        self._orders: dict = {}
        self._init_names = (
            set(self._parse(spec.hamiltonian.battery, "hamiltonian.battery").names)
            | _names_in(spec.initial.battery)
            | _names_in(spec.initial.charger)
        )

    # parameters ------------------------------------------------------------
    def params(self, override: dict | None = None) -> dict:
        """Parameter values (with the built-in N), ``override`` replacing entries by name."""
        if not hasattr(self, "_base"):
            self._base = parameter_values(self.spec)  # checks names once
        if not override:
            return dict(self._base)
        for k in override:
            if k not in self.spec.parameters:
                raise SpecError(f"parameters.{k}", "not a parameter of this spec")
        env = dict(self._base)
        dirty = set(override)
        for name, value in self.spec.parameters.items():  # later entries may use earlier ones
            if name in override:
                env[name] = complex(override[name])
                continue
            where = f"parameters.{name}"
            parsed = self._parse(value, where)
            if parsed.names & dirty:
                try:
                    env[name] = parsed.evaluate(env).constant()
                except expr.ExprError as err:
                    raise SpecError(where, str(err)) from None
                dirty.add(name)
        return env

    def _parse(self, text, where: str) -> expr.Expr:
        key = (where, text)
        if key not in self.parsed:
            try:
                self.parsed[key] = expr.parse(text)
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
        return self.parsed[key]

    def _cached(self, key_parts, params: dict, names, build):
        """build() once per distinct value of the parameters in ``names``."""
        order = self._orders.get(key_parts)
        if order is None:
            order = self._orders[key_parts] = tuple(sorted(n for n in names if n in params))
        key = (*key_parts, tuple(params[n] for n in order))
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    # Hamiltonian pieces -----------------------------------------------------
    def polynomial(self, text, where: str, params: dict, allowed: set | None):
        """(static p, [(Coef, p_k)]) of one expression, or raises SpecError(where)."""
        parsed = self._parse(text, where)
        ops = set(self.basis.symbols)
        if not self.has_mode and parsed.names & set(MODE_SYMBOLS):
            bad = sorted(parsed.names & set(MODE_SYMBOLS))
            raise SpecError(where, f"uses {', '.join(bad)}, but [system] has no mode")
        if allowed is not None:
            bad = sorted(n for n in parsed.names if n in ops and n not in allowed)
            if bad:
                raise SpecError(where, f"uses {', '.join(bad)}, which do not act on this subsystem")

        def build():
            env = dict(params) | self.basis.symbols
            try:
                value = parsed.evaluate(env)
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
            static = np.zeros(N_ALL, complex)
            driven = []
            const_terms = [(c, op) for c, op in value.terms if c.is_constant]
            if const_terms:
                mat = expr.OpSum(const_terms).matrix(self.basis.dim)
                static, resid = self.basis.fit(mat)
                self._check_degree(resid, where)
            for c, op in value.terms:
                if c.is_constant:
                    continue
                pk, resid = self.basis.fit(op)
                self._check_degree(resid, where)
                driven.append((c, pk))
            return static, driven

        return self._cached(("poly", where, text), params, parsed.names, build)

    def _check_degree(self, resid: float, where: str) -> None:
        if resid > FIT_TOL:
            what = "spin and mode operators" if self.has_mode else "the collective spin"
            raise SpecError(
                where,
                f"the meanfield solver needs a polynomial of degree <= 2 in {what} "
                f"(S_k, S_a S_b{', a, ad, n, S_k a' if self.has_mode else ''}); "
                f"this expression is not (fit residual {resid:.2g})",
            )

    # noise -----------------------------------------------------------------
    def rate(self, value, where: str, params: dict):
        parsed = self._parse(value, where)

        def build():
            try:
                coef = parsed.evaluate(dict(params)).scalar_coef()
            except expr.ExprError as err:
                raise SpecError(where, str(err)) from None
            if coef.is_constant and (coef.value.imag != 0 or coef.value.real < 0):
                raise SpecError(where, f"a rate must be real and >= 0, got {coef.value}")
            return coef

        return self._cached(("rate", where, str(value)), params, parsed.names, build)

    def collapse(self, text, where: str, params: dict):
        """('spin', l, c) for L = c + l·S, or ('mode', |c|²) for L = c·a."""
        static, driven = self.polynomial(text, where, params, None)
        if driven:
            raise SpecError(where, "a collapse operator must not depend on t")
        p = static
        tol = 1e-12 * max(1.0, np.abs(p).max())
        nz = set(np.flatnonzero(np.abs(p) > tol))
        if nz <= {0, 1, 2, 3}:
            return ("spin", p[1:4].copy(), complex(p[0]))
        if nz == {10}:
            return ("mode", abs(p[10]) ** 2)
        raise SpecError(
            where,
            "the meanfield solver takes collapse operators linear in the battery spin "
            "(c + lx*Sx + ly*Sy + lz*Sz, e.g. Sm) or proportional to a",
        )

    # initial state -----------------------------------------------------------
    def initial(self, params: dict, battery_static: np.ndarray, S: float):
        spec = self.spec
        choice = spec.initial.battery
        where = "initial.battery"
        warnings: list[str] = []
        if choice == "ground":
            r0 = _ground_direction(battery_static, S, self.ordering)
        elif choice == "down":
            r0 = np.array([0.0, 0.0, -1.0])
        elif choice == "up":
            r0 = np.array([0.0, 0.0, 1.0])
        elif isinstance(choice, dict) and set(choice) == {"coherent_spin"}:
            angles = choice["coherent_spin"]
            if not (isinstance(angles, list) and len(angles) == 2):
                raise SpecError(where, "coherent_spin takes [theta, phi]")
            th, ph = (self._number(a, params, where) for a in angles)
            r0 = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
        elif isinstance(choice, dict) and set(choice) == {"dicke"}:
            k = count_value(choice["dicke"], params, where)
            n = spec.system.spins
            if not 0 <= k <= n:
                raise SpecError(where, f"dicke takes an integer number of excitations 0..{n}")
            r0 = np.array([0.0, 0.0, 2 * k / n - 1])
            if 0 < k < n:
                warnings.append(
                    "a Dicke state has no transverse polarization: the mean field starts from "
                    f"r = (0, 0, {r0[2]:.4g}), a fixed point of every field along z"
                )
        else:
            raise SpecError(
                where, f"unknown initial battery state {choice!r} for the meanfield solver"
            )
        alpha0, more = self._charger(params)
        return r0, alpha0, warnings + more

    def _number(self, value, params: dict, where: str) -> float:
        try:
            return float(expr.evaluate(value, dict(params)).constant().real)
        except expr.ExprError as err:
            raise SpecError(where, str(err)) from None

    def _charger(self, params: dict) -> tuple[complex, list[str]]:
        choice = self.spec.initial.charger
        where = "initial.charger"
        if not self.has_mode:
            if choice not in (None, "vacuum", "none"):
                raise SpecError(where, "there is no charger in [system] to prepare")
            return 0j, []
        if choice is None:
            raise SpecError(where, "required field is missing")
        if choice == "vacuum":
            return 0j, []
        if isinstance(choice, dict) and set(choice) == {"fock"}:
            n = count_value(choice["fock"], params, where)  # a non-negative integer
            return complex(np.sqrt(n)), [
                f"mean field: the Fock charger |{n}> is replaced by the coherent amplitude "
                f"alpha = sqrt({n}) (phase 0)"
            ]
        if isinstance(choice, dict) and set(choice) == {"coherent"}:
            v = choice["coherent"]
            if isinstance(v, list) and len(v) == 2:
                return complex(*(self._number(x, params, where) for x in v)), []
            if isinstance(v, int | float | str) and not isinstance(v, bool):
                return complex(self._number(v, params, where)), []
            raise SpecError(where, "a coherent amplitude is a number or [re, im]")
        if isinstance(choice, dict) and set(choice) == {"thermal"}:
            return 0j, ["mean field: a thermal charger has <a> = 0 and drives nothing"]
        raise SpecError(where, f"unknown initial charger state {choice!r}")

    # one point ---------------------------------------------------------------
    def point(self, override: dict | None = None) -> dict:
        spec, h = self.spec, self.spec.hamiltonian
        params = self.params(override)
        bsyms, msyms = set(BATTERY_SYMBOLS), set(MODE_SYMBOLS)
        parts = {
            "battery": self.polynomial(h.battery, "hamiltonian.battery", params, bsyms),
            "charger": self.polynomial(h.charger, "hamiltonian.charger", params, msyms),
            "coupling": self.polynomial(h.coupling, "hamiltonian.coupling", params, None),
        }
        if parts["battery"][1]:
            raise SpecError("hamiltonian.battery", "the battery Hamiltonian must not depend on t")
        if h.dynamics is not None:
            gen = self.polynomial(h.dynamics, "hamiltonian.dynamics", params, None)
        else:
            key = ("generator", *(id(parts[k]) for k in ("battery", "charger", "coupling")))
            if key not in self.cache:
                self.cache[key] = (
                    sum(parts[k][0] for k in parts),
                    [d for k in ("battery", "charger", "coupling") for d in parts[k][1]],
                )
            gen = self.cache[key]
        S = spec.system.spins / 2
        noise = spec.noise
        rates = {}
        for name in ("local_decay", "local_dephasing"):
            rates[name] = self.rate(getattr(noise, name), f"noise.{name}", params)
        channels = []  # ("spin", rate, l, c) / ("mode", rate, weight)
        if self.has_mode:
            channels.append(("mode", self.rate(noise.mode_loss, "noise.mode_loss", params), 1.0))
        elif _nonzero(noise.mode_loss):
            raise SpecError("noise.mode_loss", "needs a, which this system does not have")
        lm = np.array([1.0, -1j, 0.0])  # S_- = S_x − i S_y
        channels.append(
            ("spin", self.rate(noise.collective_decay, "noise.collective_decay", params), lm, 0j)
        )
        for k, entry in enumerate(noise.collapse):
            where = f"noise.collapse.{k}"
            rate = self.rate(entry.rate, where + ".rate", params)
            kind = self.collapse(entry.operator, where + ".operator", params)
            if kind[0] == "mode" and not self.has_mode:
                raise SpecError(where + ".operator", "needs a, which this system does not have")
            channels.append((kind[0], rate, *kind[1:]))
        r0, alpha0, warnings = self._cached(
            ("initial",), params, self._init_names,
            lambda: self.initial(params, parts["battery"][0], S),
        )  # fmt: skip
        return {
            "S": S,
            "generator": gen,
            **parts,
            "rates": rates,
            "channels": channels,
            "r0": r0,
            "alpha0": alpha0,
            "warnings": warnings,
        }


def _nonzero(value) -> bool:
    return value not in (0, 0.0, "0", "0.0")


def _names_in(choice) -> set[str]:
    names: set[str] = set()
    values = choice.values() if isinstance(choice, dict) else [choice]
    for v in values:
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, str):
                try:
                    names |= expr.parse(item).names
                except expr.ExprError:
                    pass
    return names


def _assemble(points: list[dict], has_mode: bool, ordering: str) -> MeanFieldModel:
    """Stack per-point pieces (sharing one structure) into a batched model."""

    def poly(key: str) -> _Poly:
        static = np.stack([pt[key][0] for pt in points])
        slots = _stack_slots([pt[key][1] for pt in points])
        return _Poly(static, slots)

    def rate_slot(name: str) -> _Slot | None:
        coefs = [pt["rates"][name] for pt in points]
        if all(c.is_constant and c.value == 0 for c in coefs):
            return None
        return _stack_slots([[(c, np.ones(()))] for c in coefs])[0]

    spin_channels = []
    n_ch = len(points[0]["channels"])
    if any(len(pt["channels"]) != n_ch for pt in points):
        raise ValueError("the swept points do not share one structure (noise channels)")
    for k in range(n_ch):
        if points[0]["channels"][k][0] != "spin":
            continue
        entries = [pt["channels"][k] for pt in points]
        if all(e[1].is_constant and e[1].value == 0 for e in entries):
            continue
        slot = _stack_slots([[(e[1], np.ones(()))] for e in entries])[0]
        l = np.stack([e[2] for e in entries])
        c = np.array([e[3] for e in entries], dtype=complex)
        spin_channels.append((slot, l, c))
    # every L ∝ a adds rate·|c|² to the mode's loss: one combined coefficient per distinct input
    combined: dict = {}
    mode_coefs = []
    for pt in points:
        parts = [(e[1], float(e[2])) for e in pt["channels"] if e[0] == "mode"]
        key = tuple((id(c), w) for c, w in parts)
        if key not in combined:
            total = expr.Coef(0j)
            for c, w in parts:
                total = total + c * expr.Coef(complex(w))
            combined[key] = total
        mode_coefs.append(combined[key])
    mode_loss = None
    if has_mode and not all(c.is_constant and c.value == 0 for c in mode_coefs):
        mode_loss = _stack_slots([[(c, np.ones(()))] for c in mode_coefs])[0]
    warnings = []
    for pt in points:
        for w in pt["warnings"]:
            if w not in warnings:
                warnings.append(w)
    model = MeanFieldModel(
        S=np.array([pt["S"] for pt in points], dtype=float),
        has_mode=has_mode,
        generator=poly("generator"),
        battery=poly("battery"),
        charger=poly("charger"),
        coupling=poly("coupling"),
        spin_channels=spin_channels,
        local_decay=rate_slot("local_decay"),
        local_dephasing=rate_slot("local_dephasing"),
        mode_loss=mode_loss,
        r0=np.stack([pt["r0"] for pt in points]),
        alpha0=np.array([pt["alpha0"] for pt in points], dtype=complex),
        ordering=ordering,
        warnings=warnings,
    )
    _check_hermitian(model, points)
    p0 = points[0]
    model.descriptions = {
        "generator": describe(p0["generator"][0]),
        "generator_driven": [f"[{describe(pk)}]·c(t)" for _, pk in p0["generator"][1]],
        "battery": describe(p0["battery"][0]),
    }
    return model


HERMITIAN_TOL = 1e-9
_HERMITIAN_PAIRS = ((10, 11), (13, 14), (15, 18), (16, 19), (17, 20))


def _check_hermitian(model: MeanFieldModel, points: list[dict]) -> None:
    for t in (0.0, 0.37, 1.3):
        p = model.generator.at(t)
        real_part = np.r_[0:10, 12]
        bad = np.abs(p[:, real_part].imag).max()
        for a, b in _HERMITIAN_PAIRS:
            bad = max(bad, np.abs(p[:, a] - p[:, b].conj()).max())
        if bad > HERMITIAN_TOL * max(1.0, np.abs(p).max()):
            raise SpecError("hamiltonian", "the Hamiltonian is not Hermitian")


def derive(spec, *, ordering: str = "classical", override: dict | None = None) -> MeanFieldModel:
    """The mean-field model of a spec (dict, :class:`Spec`, TOML path or Problem); B = 1.

    ``override`` replaces parameter values (names of ``[parameters]``).
    """
    spec = _as_spec(spec)
    d = _Deriver(spec, ordering)
    return _assemble([d.point(override)], d.has_mode, ordering)


def derive_many(spec, points: list[dict], *, ordering: str = "classical") -> MeanFieldModel:
    """One batched model for many parameter points (each a dict of parameter overrides).

    Expressions are fitted once per distinct value of the parameters they use, so a 100 × 100
    grid over two parameters costs about 200 fits.
    """
    spec = _as_spec(spec)
    d = _Deriver(spec, ordering)
    return _assemble([d.point(p) for p in points], d.has_mode, ordering)
