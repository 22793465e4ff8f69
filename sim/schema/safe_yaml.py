"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: no tags, no anchors or aliases (so no alias
bombs), no duplicate keys, and no file over ``MAX_BYTES``.  Plain values are
read as YAML 1.2 does: only true and false are booleans, and numbers are
decimal (or 0x hex), so ``yes``, ``1_000``, ``017`` and ``1:00:00`` stay text
for the schema to reject instead of turning into True, 1000, 15 and 3600.
The result is plain Python data plus a map from each value's path to its line
and column.  Lines are counted as editors count them: a line ends at a line
feed or a carriage return only (YAML 1.1 readers also end one at U+0085,
U+2028 and U+2029, which shifted every later position).

The file is parsed by libyaml when PyYAML has it (some thirty times faster than
the pure-Python parser, which stays the fallback), and never past
``MAX_VALUES`` values: a file of that many holds far more than any scenario,
and reading a hostile 4 MB one in full would take minutes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml

from .problems import Path, Problem, format_path, show

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64  # nesting levels; deeper input would exhaust Python's recursion limit
MAX_VALUES = 100_000  # scalars (keys and values) in one file: 2,000 tasks with every field written take about 40,000
MAX_DIGITS = 18  # digits of a whole number: more than any count or amount a scenario holds, and than an int64
_BREAK = re.compile(r"\r\n?|\n")
_HIDDEN_BREAK = re.compile("[\u0085\u2028\u2029]")  # line ends to YAML 1.1, and to no editor
_OPEN = {yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken}
_CLOSE = {yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken}


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


class _Lines:
    """1-based (line, column) of a character offset, counting only line feeds and carriage returns as line ends."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


class _Reader:
    def __init__(self, file: str, text: str = ""):
        self.file = file
        self.lines = _Lines(text)
        self.problems: list[Problem] = []
        self.located = Located(None)
        self.refused = False  # a value the schema must not see (a number too long to be one)

    def problem(self, mark, path: Path, message: str) -> None:
        self.problems.append(Problem(self.file, *self.lines.at(mark.index), format_path(path), message))

    def build(self, node: yaml.Node, path: Path) -> object:
        self.located.values[path] = self.lines.at(node.start_mark.index)
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
                self.located.keys[path + (key,)] = self.lines.at(key_node.start_mark.index)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        value = _scalar(node)
        if isinstance(value, int) and not isinstance(value, bool) and len(node.value) > MAX_DIGITS and abs(value) >= 10 ** MAX_DIGITS:
            self.problem(node.start_mark, path, f"number too large (got {show(value)}, expected at most {MAX_DIGITS} digits)")
            self.refused = True
        return value


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
def _hidden_break(text: str, reader) -> str:
    """Where a syntax error may come from a line end that no editor shows ("" when the text has none)."""
    hidden = _HIDDEN_BREAK.search(text)
    if not hidden:
        return ""
    line, column = reader.lines.at(hidden.start())
    return (f"; line {line}, column {column} holds U+{ord(hidden.group()):04X}, which YAML reads as a line end and "
            "editors do not show: delete it, or put the whole text in double quotes")


_CONSTRUCTOR = _Loader("")
_FAST: type = _Loader  # PyYAML built without libyaml: the pure-Python parser, the same result, slower
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]  # present only when built with libyaml
except ImportError:
    pass
else:
    class _CFast(CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's parser with the YAML 1.2 resolvers above (only its events and nodes are used)."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FAST = _CFast


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
    reader = _Reader(file, text)
    starts = []  # marks of explicit document starts (---)
    depth = values = 0
    try:
        for token in yaml.scan(text, Loader=_FAST):
            kind = type(token)
            if kind is yaml.ScalarToken:
                values += 1
                if values > MAX_VALUES:
                    reader.problem(token.start_mark, (), f"too many values (got more than {MAX_VALUES:,} keys and values, "
                                   f"expected at most {MAX_VALUES:,}; a scenario of 2,000 tasks has about 40,000)")
                    return None, reader.problems
            elif kind in _OPEN:
                depth += 1
                if depth > MAX_DEPTH:
                    reader.problem(token.start_mark, (), f"nested too deeply (got more than {MAX_DEPTH} levels, expected at most {MAX_DEPTH})")
                    return None, reader.problems
            elif kind in _CLOSE:
                depth -= 1
            elif kind is yaml.DocumentStartToken:
                starts.append(token.start_mark)
            elif kind is yaml.TagToken:
                handle, suffix = token.value  # type: ignore[attr-defined]  # a TagToken's (handle, suffix)
                tag = f"!<{suffix}>" if handle is None else handle + suffix  # None: a verbatim tag
                reader.problem(token.start_mark, (), f"YAML tags are not allowed (got {show(tag)}, expected plain values)")
            elif isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                what = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                reader.problem(token.start_mark, (), f"YAML anchors and aliases are not allowed (got {what} {show(token.value)}, expected plain values)")
        if reader.problems:
            return None, reader.problems
        nodes = list(yaml.compose_all(text, Loader=_FAST))
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        line, column = reader.lines.at(exc.position)
        got = f"U+{exc.character:04X}" if isinstance(exc.character, int) else show(exc.character)
        return None, [Problem(file, line, column, "(document)", f"character not allowed in YAML (got {got}, expected printable text)")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or "unreadable YAML").strip()
        if what == "exceeded maximum nesting depth":  # libyaml reads ahead, and stops at 1,000 levels before the count above
            reader.problem(mark, (), f"nested too deeply (got more than 1,000 levels, expected at most {MAX_DEPTH})")
            return None, reader.problems
        if exc.context:
            opened = f" (opened at line {reader.lines.at(exc.context_mark.index)[0]})" if exc.context_mark and exc.context_mark is not mark else ""
            what = f"{exc.context.strip()}{opened}, {what}"
        what += _hidden_break(text, reader)
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
    return (None if reader.refused else reader.located), reader.problems
