"""Multi-parameter optimisation of a summary quantity, resumable like a sweep.

``optimize(spec, objective="E_max", vary={"g": (0.1, 1.0)})`` searches the box of the varied
parameters (spec parameters or dotted spec paths, as in a sweep) for the best value of one key
of :attr:`qbattery.Result.summary`.

Why optuna: it brings a seeded, model-based sampler for mixed float / log / integer boxes (TPE)
and a crash-safe trial store (SQLite through SQLAlchemy), which is the machinery a resumable
search needs and which we should not write by hand; ``scipy.optimize`` has neither a store nor
a way to resume. TPE rather than GP or CMA-ES: optuna's GP sampler needs PyTorch and CMA-ES the
``cmaes`` package (extra heavy dependencies), and CMA-ES needs far more trials than the tens
a simulation budget allows.

How it runs: this process is the only one that talks to the store (asks the sampler for a
point, records the outcome) while worker processes only simulate. optuna advises against
SQLite with several writing processes (lock contention); with a single writer SQLite is safe,
the count of trials is exact (``trials`` is the total, never overshot by racing workers), and
the simulations, which dominate the cost, still run in parallel. Each point is sampled with a
seed derived from ``seed`` and the number of trials before it, so a killed and resumed search
(one worker) samples what an uninterrupted one would have.

The parts: :mod:`qbattery.optimize_space` (objective, box, checks), :mod:`qbattery.optimize_store`
(the SQLite study, its lock, recovery after a kill), :mod:`qbattery.optimize_plot` (the figure).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from qbattery import optimize_store as store
from qbattery.optimize_space import SUMMARY_KEYS, Range, Search, parse_vary, prepare
from qbattery.spec import Spec, SpecError
from qbattery.sweep_executors import die_with_parent

__all__ = ["SUMMARY_KEYS", "OptimizeResult", "Range", "Search", "evaluate_point", "optimize",
           "parse_vary", "prepare", "run_search"]  # fmt: skip

# --------------------------------------------------------------------------- one trial


def evaluate_point(spec: dict, objective: str) -> dict:
    """Simulate one point: ``{"value", "error", "summary", "warnings"}``; never raises, so a
    point that fails is a failed trial with its message, not a crashed search."""
    from qbattery.simulate import simulate

    try:
        result = simulate(spec)
    except SpecError as err:
        return {"value": None, "error": str(err)}
    except Exception as err:  # noqa: BLE001 - any failure of a point is that trial's outcome
        return {"value": None, "error": f"{type(err).__name__}: {err}"}
    summary = {k: v for k, v in result.summary.items() if isinstance(v, int | float | None)}
    value = summary.get(objective)
    error = None
    if objective not in summary:
        error = f"the summary has no {objective} here (it has {', '.join(summary)})"
    elif value is None or not math.isfinite(value):
        error, value = f"{objective} is {value} at this point", None
    return {"value": value, "error": error, "summary": summary, "warnings": result.warnings}


# --------------------------------------------------------------------------- the study


@dataclass
class OptimizeResult:
    """The best point and every trial of the study (``trials``: one dict per row)."""

    objective: str
    maximize: bool
    best_value: float | None
    best_params: dict
    best_trial: int | None
    trials: list[dict]
    study_name: str
    storage: str | None
    space: dict[str, str]
    new_trials: int = 0

    def counts(self) -> dict[str, int]:
        out = {"complete": 0, "failed": 0, "interrupted": 0}
        for row in self.trials:
            out[row["state"]] = out.get(row["state"], 0) + 1
        return out

    def to_dict(self) -> dict:
        return {**asdict(self), "counts": self.counts()}


def optimize(
    spec: Spec | dict | str | Path,
    objective: str = "ergotropy_max",
    vary: Mapping | None = None,
    maximize: bool = True,
    trials: int = 50,
    storage: str | Path | None = None,
    seed: int | None = None,
    workers: int = 1,
    restart: bool = False,
    progress: Callable[[int, int, float | None], None] | None = None,
    evaluate: Callable[[dict, str], dict] = evaluate_point,
) -> OptimizeResult:
    """Search ``vary`` (name → (lo, hi) | (lo, hi, "log" | "int") | "lo:hi") for the best
    ``objective`` of ``qbattery.simulate(spec).summary``.

    ``storage``: an SQLite file (``.db``) that keeps the study; rerunning with the same spec,
    objective and space continues it (``trials`` is the total), a different one is refused
    unless ``restart``. ``None`` keeps the study in memory. ``progress(done, total, best)`` is
    called after every finished trial (and once at the start)."""
    search = prepare(spec, objective, vary or {}, maximize)
    return run_search(search, trials, storage, seed, workers, restart, progress, evaluate)


def run_search(
    search: Search,
    trials: int = 50,
    storage: str | Path | None = None,
    seed: int | None = None,
    workers: int = 1,
    restart: bool = False,
    progress: Callable[[int, int, float | None], None] | None = None,
    evaluate: Callable[[dict, str], dict] = evaluate_point,
) -> OptimizeResult:
    """Run a :func:`prepare`-d search to ``trials`` counted trials (see :func:`optimize`)."""
    if trials < 1:
        raise SpecError("--trials", "must be at least 1")
    if workers < 1:
        raise SpecError("--workers", "must be at least 1")
    with store.open_study(search, storage, restart) as opened:
        study = opened.study
        store.recover_interrupted(study)
        done = len(store.counted(study))
        new = _run_trials(search, study, done, trials, workers, seed, evaluate, progress)
        return _result(search, study, opened.path, new)


def _sampler(seed: int | None, index: int):
    """TPE seeded per point: the index-th point of a study is drawn from its own stream, so
    a resumed search draws what an uninterrupted one would have."""
    import warnings

    import numpy as np
    from optuna.samplers import TPESampler

    if seed is not None:
        seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna's ExperimentalWarning for constant_liar
        return TPESampler(seed=seed, constant_liar=True)


def _run_trials(search, study, done, total, workers, seed, evaluate, progress) -> int:
    """Ask, evaluate and tell trials until ``total`` count (``done`` do already), ``workers``
    at a time; returns how many finished. Trials in flight when this stops early are
    interrupted and queued again. Counts and the best value are kept here, not re-read from
    the store after every trial (each read of an SQLite study costs milliseconds)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    distributions = search.distributions()
    remaining = max(0, total - done)
    finished = 0
    best = _best_value(study, search)
    in_flight: dict = {}  # future (or None inline) -> trial
    report = progress or (lambda *_: None)
    report(done, total, best)

    def ask():
        study.sampler = _sampler(seed, done + finished + len(in_flight))
        return study.ask(fixed_distributions=distributions)

    def tell(trial, outcome: dict) -> None:
        nonlocal finished, best
        for key in ("summary", "warnings", "error"):
            if outcome.get(key):
                trial.set_user_attr(key, outcome[key])
        if outcome.get("error") is None:
            value = study.tell(trial, outcome["value"]).value
            better = max if search.maximize else min
            best = value if best is None else better(best, value)
        else:
            from optuna.trial import TrialState

            study.tell(trial, state=TrialState.FAIL)
        finished += 1
        report(done + finished, total, best)

    pool = None
    try:
        if workers == 1:
            for _ in range(remaining):
                trial = ask()
                in_flight[None] = trial
                tell(trial, evaluate(search.point(trial.params), search.objective))
                del in_flight[None]
            return finished
        import multiprocessing

        def new_pool():
            return ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),  # direct children, no fork
                initializer=die_with_parent,  # no worker outlives a killed search
                initargs=(os.getpid(),),
            )

        pool = new_pool()
        asked = 0
        while asked < remaining or in_flight:
            while asked < remaining and len(in_flight) < workers:
                trial = ask()
                future = pool.submit(evaluate, search.point(trial.params), search.objective)
                in_flight[future] = trial
                asked += 1
            ready, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in ready:
                trial = in_flight.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    # a worker died (out of memory?): which point killed it is unknown, so
                    # every point in flight fails (queued again, the culprit would loop)
                    error = "a worker process died while this point ran (out of memory?)"
                    outcome = {"value": None, "error": error}
                tell(trial, outcome)
            if getattr(pool, "_broken", False):
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
        return finished
    finally:
        for trial in in_flight.values():
            store.interrupt(study, trial.number, trial._trial_id, trial.params)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _best_value(study, search: Search) -> float | None:
    from optuna.trial import TrialState

    values = [t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    if not values:
        return None
    return max(values) if search.maximize else min(values)


def _result(search: Search, study, path: Path | None, new: int) -> OptimizeResult:
    from optuna.trial import TrialState

    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.COMPLETE:
            state = "complete"
        elif t.state == TrialState.FAIL:
            state = "interrupted" if t.user_attrs.get("interrupted") else "failed"
        else:
            continue  # waiting: a queued retry that this run did not reach
        seconds = None
        if t.datetime_start and t.datetime_complete:
            seconds = (t.datetime_complete - t.datetime_start).total_seconds()
        rows.append({"number": t.number, "state": state, "value": t.value,
                     "params": dict(t.params), "error": t.user_attrs.get("error"),
                     "seconds": seconds})  # fmt: skip
    complete = [r for r in rows if r["state"] == "complete"]
    best = None
    if complete:
        pick = max if search.maximize else min
        best = pick(complete, key=lambda r: r["value"])
    return OptimizeResult(
        objective=search.objective,
        maximize=search.maximize,
        best_value=None if best is None else best["value"],
        best_params={} if best is None else best["params"],
        best_trial=None if best is None else best["number"],
        trials=rows,
        study_name=search.study_name,
        storage=None if path is None else str(path),
        space={n: r.text() for n, r in search.space.items()},
        new_trials=new,
    )


def default_storage(spec_path: Path) -> Path:
    """``examples/x.toml`` → ``examples/x.optimize.db``."""
    return spec_path.with_name(spec_path.stem + ".optimize.db")
