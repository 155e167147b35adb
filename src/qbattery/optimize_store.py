"""The store of an optimisation: one optuna study per SQLite file, held by one search at a time.

SQLite through optuna's RDBStorage (SQLAlchemy): crash-safe commits and a file a user can copy.
optuna advises against SQLite with several writing processes (lock contention), so only the
search's own process writes (see :mod:`qbattery.optimize`). An exclusive ``flock`` on the file
keeps a second search off it, so a trial found RUNNING when a search starts was left by a
killed one: it is marked failed (``interrupted``, not counted) and its point queued again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qbattery.spec import SpecError

DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass
class OpenStudy:
    """An open optuna study and its file (None in memory)."""

    study: object
    path: Path | None


@contextlib.contextmanager
def open_study(search, storage, restart: bool) -> Iterator[OpenStudy]:
    """The study of ``search`` (a :class:`qbattery.optimize.Search`) in ``storage`` (an
    SQLite path, or None for memory), created or resumed; refused if the file holds another."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if storage is None:
        store = optuna.storages.InMemoryStorage()
        path = None
    else:
        path = Path(str(storage).removeprefix("sqlite:///"))
        if path.suffix.lower() not in DB_SUFFIXES:
            raise SpecError("--output", f"a study is an SQLite file: use -o NAME.db, got {path}")
    with contextlib.ExitStack() as stack:
        if path is not None:
            stack.enter_context(_exclusive(path))
            store = _sqlite(path)
            stack.callback(store.engine.dispose)
        names = optuna.get_all_study_names(store)
        if restart:
            for name in names:
                optuna.delete_study(study_name=name, storage=store)
        elif names and search.study_name not in names:
            other = optuna.load_study(study_name=names[0], storage=store)
            raise SpecError("--output", _what_changed(path, other.user_attrs.get("key"), search))
        study = optuna.create_study(
            storage=store,
            study_name=search.study_name,
            direction="maximize" if search.maximize else "minimize",
            load_if_exists=True,
        )
        study.set_user_attr("key", search.key)
        yield OpenStudy(study, path)


@contextlib.contextmanager
def _exclusive(path: Path):
    """Hold an exclusive flock on the study file (SQLite itself uses fcntl locks, which are
    independent of flock on Linux): one search per file, released even by a SIGKILL."""
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")  # noqa: SIM115 - held for the whole search
    except OSError as err:
        raise SpecError("--output", f"{path} cannot be opened ({err.strerror or err})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SpecError("--output", f"{path} is in use by another optimize run") from None
        yield
    finally:
        handle.close()


def _sqlite(path: Path):
    import optuna
    import sqlalchemy.exc
    from sqlalchemy import event

    try:
        store = optuna.storages.RDBStorage(f"sqlite:///{path}")
    except (sqlalchemy.exc.DatabaseError, RuntimeError) as err:
        raise SpecError("--output", f"{path} is not an optuna study database ({err})") from None

    # a write-ahead log without an fsync per commit: half the cost of a trial's bookkeeping,
    # and still safe when the process is killed (only an OS crash can lose the last commits)
    @event.listens_for(store.engine, "connect")
    def _fast_commits(connection, _record) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    store.engine.dispose()  # connections opened from now on get the pragmas
    return store


def _what_changed(path, old: dict | None, search) -> str:
    if not old:
        return f"{path} holds a study not made by qbattery optimize; use another -o or --restart"
    new = search.key
    changes = []
    if old.get("spec") != new["spec"]:
        changes.append("the spec")
    if (old.get("objective"), old.get("direction")) != (new["objective"], new["direction"]):
        was = f"{old.get('direction')} {old.get('objective')}"
        changes.append(f"the objective (was {was}, now {new['direction']} {new['objective']})")
    if old.get("space") != new["space"]:
        was = " ".join(f"{n}={v}" for n, v in (old.get("space") or {}).items())
        changes.append(f"the search space (was {was})")
    return (
        f"{path} holds a study of another search: {', '.join(changes) or 'its key'} changed; "
        "rerun with --restart to discard it, or use another -o"
    )


def counted(study) -> list:
    """The trials that count toward the total: complete ones and points that failed."""
    from optuna.trial import TrialState

    finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL))
    return [t for t in finished if not t.user_attrs.get("interrupted")]


def recover_interrupted(study) -> None:
    """Trials left RUNNING by a killed search (we hold the file's lock, so no one else runs
    them): mark them failed and interrupted, and queue their points again."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        interrupt(study, t.number, t._trial_id, t.params)


def interrupt(study, number: int, trial_id: int, params: dict) -> None:
    """Fail a trial that did not finish (not counted) and queue its point, if it had one."""
    from optuna.trial import TrialState

    if study._storage.get_trial(trial_id).state != TrialState.RUNNING:
        return  # it was told before the search stopped
    study._storage.set_trial_user_attr(trial_id, "interrupted", True)
    study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
    if params:
        study.enqueue_trial(params, user_attrs={"retry_of": number})
