"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: no tags, no anchors or aliases (so no alias
bombs), no duplicate keys, and no file over ``MAX_BYTES``.  Plain values are
read as YAML 1.2 does: only true and false are booleans, and numbers are
decimal (or 0x hex), so ``yes``, ``1_000``, ``017`` and ``1:00:00`` stay text
for the schema to reject instead of turning into True, 1000, 15 and 3600.
The result is plain Python data plus a map from each value's path to its line
and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from .problems import Path, Problem, format_path, show

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64  # nesting levels; deeper input would exhaust Python's recursion limit
_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


@dataclass
class Located:
    """Parsed data with the 1-based (line, column) of each path's value and key."""

    data: object
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that exists."""
        path = tuple(path)
        while path:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


class _Reader:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.located = Located(None)

    def problem(self, mark, path: Path, message: str) -> None:
        self.problems.append(
            Problem(self.file, mark.line + 1, mark.column + 1, format_path(path), message)
        )

    def build(self, node: yaml.Node, path: Path) -> object:
        self.located.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(key_node.start_mark, path, "a key must be plain text (got a mapping or list, expected text)")
                    continue
                key = _scalar(key_node)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    key = str(key_node.value)
                if key in out:
                    first = self.located.keys[path + (key,)]
                    self.problem(
                        key_node.start_mark,
                        path + (key,),
                        f"duplicate key (got {show(key)} again, expected each key once; first at line {first[0]})",
                    )
                    continue
                self.located.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return _scalar(node)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's booleans and numbers."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"),
)
_CONSTRUCTOR = _Loader("")


def _scalar(node: yaml.ScalarNode) -> object:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError):
        return node.value  # e.g. 2027-02-30: left as text for the schema to reject
    finally:  # the constructor caches every node it sees; keep it from growing
        _CONSTRUCTOR.constructed_objects.clear()
        _CONSTRUCTOR.recursive_objects.clear()


def read_yaml(text: str | bytes, file: str) -> tuple[Located | None, list[Problem]]:
    """Parse ``text``; return the located data (None if unreadable) and problems."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_BYTES:
        return None, [
            Problem(file, 1, 1, "(document)", f"file too large (got {size} bytes, expected at most {MAX_BYTES})")
        ]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raw, at = exc.object, exc.start
            line_start = raw.rfind(b"\n", 0, at) + 1
            column = len(raw[line_start:at].decode("utf-8", "replace")) + 1
            return None, [Problem(file, raw.count(b"\n", 0, at) + 1, column, "(document)", f"not UTF-8 text (got byte {raw[at]:#x}, expected UTF-8)")]
    reader = _Reader(file)
    starts = []  # marks of explicit document starts (---)
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_Loader):
            depth += isinstance(token, _OPEN) - isinstance(token, _CLOSE)
            if depth > MAX_DEPTH:
                reader.problem(token.start_mark, (), f"nested too deeply (got more than {MAX_DEPTH} levels, expected at most {MAX_DEPTH})")
                return None, reader.problems
            if isinstance(token, yaml.DocumentStartToken):
                starts.append(token.start_mark)
            elif isinstance(token, yaml.TagToken):
                handle, suffix = token.value
                tag = f"!<{suffix}>" if handle is None else handle + suffix  # None: a verbatim tag
                reader.problem(token.start_mark, (), f"YAML tags are not allowed (got {show(tag)}, expected plain values)")
            elif isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                reader.problem(token.start_mark, (), f"YAML anchors and aliases are not allowed (got {kind} {show(token.value)}, expected plain values)")
        if reader.problems:
            return None, reader.problems
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        line, column = text.count("\n", 0, exc.position) + 1, exc.position - text.rfind("\n", 0, exc.position)
        got = f"U+{exc.character:04X}" if isinstance(exc.character, int) else show(exc.character)
        return None, [Problem(file, line, column, "(document)", f"character not allowed in YAML (got {got}, expected printable text)")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or "unreadable YAML").strip()
        if exc.context:
            opened = f" (opened at line {exc.context_mark.line + 1})" if exc.context_mark and exc.context_mark is not mark else ""
            what = f"{exc.context.strip()}{opened}, {what}"
        if mark is None:
            return None, [Problem(file, 1, 1, "(document)", f"YAML syntax error: {what} (expected well-formed YAML)")]
        reader.problem(mark, (), f"YAML syntax error: {what} (expected well-formed YAML)")
        return None, reader.problems
    if not nodes:
        return None, [Problem(file, 1, 1, "(document)", "empty file (got no YAML document, expected a mapping of scenario fields)")]
    if len(nodes) > 1:
        second = next((m for m in starts if m.index >= nodes[0].end_mark.index), nodes[1].start_mark)
        reader.problem(second, (), f"several YAML documents (got {len(nodes)}, expected exactly one)")
        return None, reader.problems
    reader.located.data = reader.build(nodes[0], ())
    return reader.located, reader.problems
