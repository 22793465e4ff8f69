"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: no tags, no anchors or aliases (so no alias
bombs), no duplicate keys, and no file over ``MAX_BYTES``.  The result is plain
Python data plus a map from each value's path to its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .problems import Path, Problem, format_path, show

MAX_BYTES = 4 * 1024 * 1024


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
        return _scalar(node)


_CONSTRUCTOR = yaml.SafeLoader("")


def _scalar(node: yaml.ScalarNode) -> object:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError):
        return node.value  # e.g. 2027-02-30: left as text for the schema to reject


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
            return None, [Problem(file, 1, 1, "(document)", f"not UTF-8 text (got byte {exc.object[exc.start]:#x} at offset {exc.start}, expected UTF-8)")]
    reader = _Reader(file)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.TagToken):
                reader.problem(token.start_mark, (), f"YAML tags are not allowed (got {show(token.value[0] + token.value[1])}, expected plain values)")
            elif isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                reader.problem(token.start_mark, (), f"YAML anchors and aliases are not allowed (got {kind} {show(token.value)}, expected plain values)")
        if reader.problems:
            return None, reader.problems
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or "unreadable YAML").strip()
        if exc.context:
            what = f"{exc.context.strip()}, {what}"
        reader.problem(mark, (), f"YAML syntax error: {what} (expected well-formed YAML)")
        return None, reader.problems
    if len(nodes) != 1:
        return None, [Problem(file, 1, 1, "(document)", f"expected exactly one YAML document (got {len(nodes)})")]
    reader.located.data = reader.build(nodes[0], ())
    return reader.located, reader.problems
