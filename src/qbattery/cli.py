"""The ``qbattery`` command: run a spec, sweep it, reproduce the papers."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbattery.progress import LogProgress, make_progress  # noqa: F401  (LogProgress: public here too)

if TYPE_CHECKING:
    from qbattery.spec import SpecError

# Each command imports what it needs (numpy, scipy, pydantic, ...) when it runs, so that
# ``qbattery --help`` and the start of every command stay fast.

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate and analyse quantum batteries; reproduce the papers' figures.",
)
console = Console(stderr=True)
out = Console()


def progress_bar():
    """A live bar on stderr when it is a terminal; plain lines (:class:`LogProgress`) in a log."""
    return make_progress(console)


def _print_version(value: bool) -> None:
    if value:
        from qbattery import __version__

        out.print(f"qbattery {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Simulate and analyse quantum batteries; reproduce the papers' figures."""


def fail(message: str) -> None:
    """One line on stderr and exit code 2 (bad input)."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def fail_spec(spec: Path, err: SpecError) -> None:
    """A spec's error in one line: the file, then the field (a file error names the file)."""
    fail(f"{spec}: {err}" if err.field else str(err))


def check_writable(path: Path, option: str, directory: bool = False) -> None:
    """Exit 2 naming ``option`` unless ``path`` (a file, or a folder) can be written.

    Run before any work: an hour of computing must not end in a PermissionError. Missing folders
    are created, a probe file written and removed, and the folders created removed again."""
    folder = path if directory else path.parent
    if not directory and path.is_dir():
        fail(f"{option}: {path} is a directory")
    created: list[Path] = []
    try:
        for parent in reversed([folder, *folder.parents]):
            if not parent.exists():
                parent.mkdir()
                created.append(parent)
        fd, probe = tempfile.mkstemp(prefix=".qbattery-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        fail(f"{option}: {path} is not writable ({err.strerror or err})")
    finally:
        for made in reversed(created):
            try:
                made.rmdir()
            except OSError:  # someone else wrote there meanwhile: leave it
                break


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "—" if value is None else str(value)


@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="TOML spec file")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="out.json or out.nc")
    ] = None,
) -> None:
    """Run one charging protocol and print its summary."""
    from qbattery.simulate import simulate
    from qbattery.spec import SpecError, load_spec

    if output is not None and output.suffix.lower() not in (".json", ".nc"):
        fail(f"--output: unknown format {output.suffix!r}; use .json or .nc")
    try:
        parsed = load_spec(spec)
    except SpecError as err:
        fail_spec(spec, err)
    if output is not None:
        check_writable(output, "--output")
    try:
        with console.status("simulating…"):
            start = time.perf_counter()
            result = simulate(parsed)
            elapsed = time.perf_counter() - start
    except SpecError as err:
        fail_spec(spec, err)
    table = Table(title=f"{spec.name}  ({result.info.get('solver')}, {elapsed:.2f} s)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in result.summary.items():
        table.add_row(key, _fmt(value))
    out.print(table)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if output is not None:
        result.save(output)
        console.print(f"wrote {output}")


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="TOML spec file")],
    over: Annotated[list[str], typer.Option("--over", help="NAME=v1,v2,... (repeatable)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.nc")],
    workers: Annotated[int, typer.Option("--workers", min=1, help="parallel processes")] = 1,
) -> None:
    """Run a spec over a grid of parameter values; rerunning resumes where it stopped."""
    from qbattery.spec import SpecError, load_spec
    from qbattery.sweep import parse_over
    from qbattery.sweep import sweep as run_sweep

    try:
        base = load_spec(spec)
        grid = [parse_over(o) for o in over]
    except SpecError as err:
        fail_spec(spec, err)
    if output.suffix.lower() != ".nc":
        fail("--output: a sweep writes NetCDF: use -o OUT.nc")
    check_writable(output, "--output")
    try:
        with progress_bar() as bar:

            def track(items, total):
                task = bar.add_task("sweeping", total=total)
                for item in items:
                    yield item
                    bar.advance(task)

            dataset = run_sweep(base, grid, output, workers=workers, progress=track)
    except SpecError as err:
        fail_spec(spec, err)
    n = len(json.loads(dataset.attrs["points"]))
    console.print(f"wrote {output} ({n} points)")


@app.command()
def reproduce(
    targets: Annotated[list[str] | None, typer.Argument(help="targets (default: all)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the targets and exit")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("reproduced"),
    quick: Annotated[bool, typer.Option("--quick", help="smaller grids, same figures")] = False,
) -> None:
    """Regenerate the papers' figures and tables, with paper-vs-ours rows."""
    from qbattery.reproduce.registry import Context, load_all, write_output
    from qbattery.spec import SpecError

    registry = load_all()
    if list_:
        table = Table(title="reproduction targets")
        for col in ("target", "paper", "what"):
            table.add_column(col)
        for t in sorted(registry.values(), key=lambda t: t.name):
            table.add_row(t.name, t.paper, t.description)
        out.print(table)
        return
    names = targets or sorted(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        fail(f"unknown target(s) {', '.join(unknown)}; see 'qbattery reproduce --list'")
    check_writable(out_dir, "--out", directory=True)
    with progress_bar() as bar:

        def track(items, description=""):
            items = list(items)
            task = bar.add_task(f"  {description}", total=len(items))
            for item in items:
                yield item
                bar.advance(task)
            bar.remove_task(task)

        overall = bar.add_task("reproducing", total=len(names))
        for name in names:
            bar.update(overall, description=f"reproducing {name}")
            start = time.perf_counter()
            try:
                output = registry[name].func(Context(quick=quick, progress=track))
            except SpecError as err:
                fail(f"{name}: {err}")
            png, js = write_output(name, output, out_dir)
            bar.advance(overall)
            _print_rows(name, output.rows, time.perf_counter() - start, png)


def _print_rows(name: str, rows, seconds: float, png: Path) -> None:
    table = Table(title=f"{name}  ({seconds:.1f} s → {png})", title_justify="left")
    for col in ("quantity", "paper", "ours", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.quantity, _fmt(r.paper), _fmt(r.ours), r.note)
    out.print(table)


@app.command()
def presets() -> None:
    """List the model presets a spec can start from (preset = "...")."""
    from qbattery.models.presets import PRESETS

    table = Table(title="presets")
    table.add_column("preset")
    table.add_column("model")
    for name, p in PRESETS.items():
        table.add_row(name, p.description)
    out.print(table)


def main() -> None:
    try:
        app()
    except Exception as err:  # pragma: no cover - defensive; commands catch their own
        from qbattery.spec import SpecError

        if not isinstance(err, SpecError):
            raise
        console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
