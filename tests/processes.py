"""Child processes of a test's subprocess, read from /proc (Linux): who is still running."""

from pathlib import Path


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:  # the task ended meanwhile
            pass
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper is dead: it holds no memory and runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
