"""Difficulty presets: overlays deep-merged onto the base scenario.

Mappings merge key by key; lists of mappings with ``id`` merge item by item
(an overlay item with a new id is appended, and one without an id, or with an
id the overlay already gave, is left out and reported); anything else is replaced.  Each
merged value keeps the file position it came from, so problems in a preset are
reported at the overlay's own lines.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from .problems import Path
from .safe_yaml import Located

DIFFICULTIES = ("easy", "standard", "hard")
NO_ID = "an item without an id (got none, expected the id of the item to change, or a new id to add one)"


def _move(located: Located, out: Located, src: Path, dst: Path) -> None:
    """Copy the positions of the subtree at ``src`` to ``dst`` in ``out``, dropping stale ones below ``dst``."""
    n, m = len(src), len(dst)
    for table_in, table_out in ((located.values, out.values), (located.keys, out.keys)):
        for path in [p for p in table_out if len(p) > m and p[:m] == dst]:
            del table_out[path]
        for path, pos in table_in.items():
            if path[:n] == src:
                table_out[dst + path[n:]] = pos


def _merge(base: object, over: object, bpath: Path, opath: Path, located: Located, out: Located, unmerged: list[tuple[Path, str]]) -> object:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            if key in base:
                merged[key] = _merge(base[key], value, bpath + (key,), opath + (key,), located, out, unmerged)
            else:
                merged[key] = value
                _move(located, out, opath + (key,), bpath + (key,))
        return merged
    if _by_id(base) and isinstance(over, list) and all(isinstance(i, dict) for i in over):
        items: list[object] = list(base)
        index = {item["id"]: i for i, item in enumerate(base)}
        seen: set[str] = set()
        for j, item in enumerate(over):
            ident = item.get("id")
            if not isinstance(ident, str):
                unmerged.append((opath + (j,), NO_ID))
                continue
            if ident in seen:
                unmerged.append((opath + (j, "id"), f"the same id twice in one preset list (got {ident!r} again, expected each id once)"))
                continue
            seen.add(ident)
            if ident in index:
                i = index[ident]
                items[i] = _merge(base[i], item, bpath + (i,), opath + (j,), located, out, unmerged)
            else:
                _move(located, out, opath + (j,), bpath + (len(items),))
                items.append(item)
        return items
    _move(located, out, opath, bpath)
    return over


def _by_id(value: object) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(value, list) and all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in value)


def apply_preset(located: Located, name: str) -> tuple[Located, list[tuple[Path, str]]]:
    """The scenario with preset ``name`` merged in and ``difficulty`` removed, and the preset's list items that
    were left out (no ``id`` to merge by, or an id given twice), each with its path and why."""
    data = located.data
    assert isinstance(data, dict)
    base = {k: v for k, v in data.items() if k != "difficulty"}
    presets = data.get("difficulty") or {}
    out = Located(None, dict(located.values), dict(located.keys))
    overlay = presets.get(name) if isinstance(presets, dict) else None
    unmerged: list[tuple[Path, str]] = []
    out.data = _merge(base, overlay, (), ("difficulty", name), located, out, unmerged) if isinstance(overlay, dict) else base
    return out, unmerged
