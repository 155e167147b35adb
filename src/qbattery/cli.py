"""The ``qbattery`` command: run a spec, sweep it, reproduce the papers."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qbattery.spec import SpecError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate and analyse quantum batteries; reproduce the papers' figures.",
)
console = Console(stderr=True)
out = Console()


def fail(message: str) -> None:
    """One line on stderr and exit code 2 (bad input)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


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
    from qbattery.spec import load_spec

    if output is not None and output.suffix.lower() not in (".json", ".nc"):
        fail(f"output: unknown format {output.suffix!r}; use .json or .nc")
    try:
        parsed = load_spec(spec)
        with console.status("simulating…"):
            start = time.perf_counter()
            result = simulate(parsed)
            elapsed = time.perf_counter() - start
    except SpecError as err:
        fail(f"{spec}: {err}")
    table = Table(title=f"{spec.name}  ({result.info.get('solver')}, {elapsed:.2f} s)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in result.summary.items():
        table.add_row(key, _fmt(value))
    out.print(table)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}")
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
    from qbattery.spec import load_spec
    from qbattery.sweep import parse_over
    from qbattery.sweep import sweep as run_sweep

    try:
        base = load_spec(spec)
        grid = [parse_over(o) for o in over]
        with progress_bar() as bar:

            def track(items, total):
                task = bar.add_task("sweeping", total=total)
                for item in items:
                    yield item
                    bar.advance(task)

            dataset = run_sweep(base, grid, output, workers=workers, progress=track)
    except SpecError as err:
        fail(f"{spec}: {err}")
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
            output = registry[name].func(Context(quick=quick, progress=track))
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
    except SpecError as err:  # pragma: no cover - defensive; commands catch their own
        console.print(f"[bold red]error:[/] {err}")
        sys.exit(2)


if __name__ == "__main__":
    main()
