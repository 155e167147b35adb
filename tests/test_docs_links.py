"""Every relative link in README.md and docs/*.md resolves (issue 8, item 9).

Two kinds of references are checked:

* markdown links and images ``[text](path#anchor)``: the file must exist (relative to the file
  that links) and the anchor, if any, must be a heading of the target (GitHub's slugs);
* bare mentions of a markdown file (``notes_pokhrel.md``, ``docs/performance.md``), the way these
  docs usually refer to each other: the file must exist, relative to the mentioning file or to
  the repository root.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.I)
_MENTION = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.md)(?![\w/-])")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading: its text
    out = []
    for ch in text.lower():
        if ch in " -_" or unicodedata.category(ch)[0] in "LN":
            out.append("-" if ch == " " else ch)
    return "".join(out)


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a markdown file (repeated headings get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for line in _FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def _prose(path: Path) -> str:
    return _FENCE.sub("", path.read_text(encoding="utf-8"))


def links(path: Path) -> list[str]:
    return [m.group(1) for m in _LINK.finditer(_prose(path))]


def mentions(path: Path) -> list[str]:
    text = _URL.sub("", _LINK.sub("", _prose(path)))
    return sorted({m.group(1) for m in _MENTION.finditer(text)})


def _relative(target: str) -> bool:
    return not (target.startswith(("http:", "https:", "mailto:")) or _URL.match(target))


# ----------------------------------------------------------------------------- the parser


def test_slug_matches_github():
    assert slug("Performance: Peng et al. (2021) Table I") == "performance-peng-et-al-2021-table-i"
    assert slug("Lindblad engine (`qbattery.solvers.lindblad`)") == (
        "lindblad-engine-qbatterysolverslindblad"
    )
    assert slug("The benchmark riddle: 0.176 and 0.93") == "the-benchmark-riddle-0176-and-093"
    assert slug("Figs. 5–7 — thermal-state ergotropy") == "figs-57--thermal-state-ergotropy"


def test_link_and_mention_parsing(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text(
        "See [b](b.md#x), ![img](p.png) and `c.md`, docs/d.md, https://e.org/f.md.\n"
        "```\n[g](g.md) h.md\n```\n",
        encoding="utf-8",
    )
    assert links(doc) == ["b.md#x", "p.png"]
    assert mentions(doc) == ["c.md", "docs/d.md"]


# ----------------------------------------------------------------------------- the docs


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_markdown_links_resolve(doc):
    broken = []
    for target in links(doc):
        if not _relative(target):
            continue
        file, _, anchor = target.partition("#")
        dest = (doc.parent / file).resolve() if file else doc
        if not dest.exists():
            broken.append(
                f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}"
            )
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{doc.name}: " + "; ".join(broken)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_mentioned_markdown_files_exist(doc):
    missing = [
        name
        for name in mentions(doc)
        if not ((doc.parent / name).exists() or (ROOT / name).exists())
    ]
    assert not missing, f"{doc.name} mentions files that do not exist: {missing}"
