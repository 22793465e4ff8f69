"""Turn pydantic validation errors into located, one-line problems."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .problems import Path, Problem, format_path, show
from .safe_yaml import Located

_EXPECTED_TYPES = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "date_parsing": "a date like 2027-01-04",
    "date_type": "a date like 2027-01-04",
    "date_from_datetime_parsing": "a date like 2027-01-04",
    "date_from_datetime_inexact": "a date like 2027-01-04",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
_ID_PATTERN = "^[A-Za-z][A-Za-z0-9_.-]*$"
SUGGESTIONS = 200  # problems that get a did-you-mean: each compares a name with every one allowed, too slow for thousands


def did_you_mean(word: object, choices: list[str]) -> str:
    """A ``; did you mean 'x'?`` suffix, or nothing."""
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind Annotated, Optional and Union."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def model_fields_at(root: Any, loc: tuple) -> list[str]:
    """Field names of the model that pydantic's ``loc`` points into, from ``root`` (a model or a list or tuple of one)."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for ann in current:
            origin = typing.get_origin(ann)
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                if part in ann.model_fields:
                    nxt += _unwrap(ann.model_fields[part].annotation)
                elif "kind" in ann.model_fields or "type" in ann.model_fields:
                    tag_field = ann.model_fields.get("kind") or ann.model_fields.get("type")
                    if tag_field is not None and part in typing.get_args(tag_field.annotation):
                        nxt.append(ann)
            elif origin in (list, tuple) and isinstance(part, int):
                nxt += _unwrap(typing.get_args(ann)[0])
            elif origin is dict:
                nxt += _unwrap(typing.get_args(ann)[1])
        current = nxt or current
    models = [a for a in current if isinstance(a, type) and issubclass(a, BaseModel)]
    return sorted({name for m in models for name in m.model_fields})


def data_path(data: object, loc: tuple) -> Path:
    """Drop pydantic's union tags and ``[key]`` markers so ``loc`` walks the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(node, dict) and part not in node and part in (node.get("kind"), node.get("type")):
            continue
        path.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(path)


def describe(error: Mapping[str, Any], allowed: list[str], suggest: bool = True) -> str:
    """One sentence for one pydantic error, ending in ``(got X, expected Y)``; ``suggest`` adds a did-you-mean."""
    kind = error["type"]
    ctx = error.get("ctx", {})
    got = show(error.get("input"))
    if kind == "missing":
        return "missing required field (got nothing, expected a value)"
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        hint = did_you_mean(key, allowed) if suggest else ""
        return f"unknown key{hint} (got {show(key)}, expected one of: {', '.join(allowed)})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _EXPECTED_TYPES and "date" in kind and isinstance(error.get("input"), str):
        return f"not a valid date (got {got}, expected {_EXPECTED_TYPES[kind]})"
    if kind in _EXPECTED_TYPES:
        return f"wrong type (got {got}, expected {_EXPECTED_TYPES[kind]})"
    if kind == "finite_number":
        return f"not a finite number (got {got}, expected a finite number)"
    if kind == "invalid_key":
        return f"a key must be text (got {got}, expected text)"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"out of range (got {got}, expected a value {_BOUNDS[kind]} {bound})"
    if kind == "literal_error":
        hint = did_you_mean(error.get("input"), _literals(ctx["expected"])) if suggest else ""
        return f"not an allowed value{hint} (got {got}, expected {ctx['expected']})"
    if kind == "union_tag_invalid":
        tags = _literals(ctx["expected_tags"])
        hint = did_you_mean(ctx["tag"], tags) if suggest else ""
        return f"unknown {_tag(ctx)}{hint} (got {show(ctx['tag'])}, expected one of: {', '.join(tags)})"
    if kind == "union_tag_not_found":
        return f"missing required field (got nothing, expected a {_tag(ctx)})"
    if kind == "string_pattern_mismatch":
        wanted = "an id: a letter, then letters, digits, _ . or -" if ctx["pattern"] == _ID_PATTERN else f"text matching {ctx['pattern']}"
        return f"badly formed (got {got}, expected {wanted})"
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length", ctx.get("max_length"))
        which = "at least" if kind == "too_short" else "at most"
        actual = ctx.get("actual_length")
        got = f"{actual:,}" if actual is not None else f"more than {limit:,}"  # a mapping stops counting at the limit
        return f"{'too few' if kind == 'too_short' else 'too many'} items (got {got}, expected {which} {limit:,})"
    if kind == "string_too_short":
        return f"empty text (got {got}, expected some text)"
    if kind == "string_too_long":
        return f"text too long (got {len(str(error.get('input'))):,} characters, expected at most {ctx['max_length']:,})"
    return f"{error['msg']} (got {got})"


def _tag(ctx: dict[str, Any]) -> str:
    """The discriminator's field name, e.g. ``kind``, without pydantic's quotes."""
    return str(ctx["discriminator"]).strip("'\"")


def _literals(expected: str) -> list[str]:
    return [part.strip().strip("'\"") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def problems_from(exc: ValidationError, model: type[BaseModel], located: Located, file: str, note: str = "") -> list[Problem]:
    """Located problems for every error in ``exc`` (a did-you-mean for the first SUGGESTIONS: finding one costs)."""
    out = []
    fields: dict[tuple, list[str]] = {}  # the keys allowed where an unknown key is, by its place in the models
    for i, error in enumerate(exc.errors(include_url=False)):
        loc = tuple(error["loc"])
        path = data_path(located.data, loc)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path += (_tag(error["ctx"]),)  # report at the kind/type field itself
        is_key = error["type"] == "extra_forbidden" or "[key]" in loc
        line, column = located.where(path, key=is_key)
        allowed = []
        if error["type"] == "extra_forbidden":
            place = tuple(0 if isinstance(part, int) else part for part in loc[:-1])
            allowed = fields.get(place) or fields.setdefault(place, model_fields_at(model, loc[:-1]))
        out.append(Problem(file, line, column, format_path(path), describe(error, allowed, i < SUGGESTIONS) + note))
    return out
