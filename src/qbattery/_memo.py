"""Values computed from an object, remembered for that very object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ByObject:
    """``memo.get(obj, compute)``: ``compute(obj)`` once per object passed, then the remembered
    value. Keyed by ``id`` with a reference kept, so the id cannot be reused by another object
    while the memo lives. For values that are costly and asked for again and again (refining a
    maximum evaluates H_B dozens of times); an object changed in place after its first use is
    not supported."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, Any]] = {}

    def get(self, obj, compute: Callable[[Any], Any]):
        seen = self._seen.get(id(obj))
        if seen is None or seen[0] is not obj:
            seen = self._seen[id(obj)] = (obj, compute(obj))
        return seen[1]
