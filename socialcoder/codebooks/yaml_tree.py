"""Safe, bounded reading of a codebook YAML file into plain data with line numbers.

PyYAML is used only to *compose* the document into nodes; turning nodes into Python values is done
here so that every refusal can name its line and nothing dangerous is ever constructed:

* files over :data:`MAX_BYTES` are refused before parsing;
* anchors, aliases and tags (``&a``, ``*a``, ``!!python/object``) are refused where they appear, so
  alias bombs ("billion laughs") never expand;
* nesting deeper than :data:`MAX_DEPTH` is refused (no recursion blow-up);
* duplicate mapping keys, which PyYAML silently accepts, are refused;
* plain scalars are resolved with the YAML 1.2 core schema (``yes``/``no``/``on`` stay text, dates
  stay text), and numbers remember the text they were written as (``version: 1.0`` stays ``"1.0"``).

The result of :func:`compose_tree` is ``(data, lines)``: ``data`` is made of ``dict[str, ...]``,
``list``, ``str``, numbers (:class:`YamlInt`, :class:`YamlFloat`), ``bool`` and ``None``;
``lines`` maps a path such as ``("dimensions", 2, "scale")`` to the 1-based line where that field
(its key, for mapping entries) starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from socialcoder.errors import CodebookError

MAX_BYTES = 1_000_000
MAX_DEPTH = 12
_MAX_NUMBER_CHARS = 400

Path_ = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_FLOAT_SPECIAL = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class YamlInt(int):
    """An integer read from YAML; ``raw`` is the text it was written as."""

    raw: str

    def __new__(cls, value: int, raw: str) -> YamlInt:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj


class YamlFloat(float):
    """A float read from YAML; ``raw`` is the text it was written as."""

    raw: str

    def __new__(cls, value: float, raw: str) -> YamlFloat:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) YAML scalar under the YAML 1.2 core schema.

    Returns ``None``, ``bool``, :class:`YamlInt`, :class:`YamlFloat` or the text itself. Raises
    ``ValueError`` for a number too long to be meant as one.
    """
    if _NULL.match(text):
        return None
    if _BOOL_TRUE.match(text):
        return True
    if _BOOL_FALSE.match(text):
        return False
    is_int = bool(_INT.match(text))
    if is_int or _FLOAT.match(text) or _FLOAT_SPECIAL.match(text):
        if len(text) > _MAX_NUMBER_CHARS:
            raise ValueError(f"a number of {len(text)} characters is too long")
        if is_int:
            return YamlInt(int(text), text)
        return YamlFloat(float(text.lower().replace(".inf", "inf").replace(".nan", "nan")), text)
    return text


def read_codebook_text(path: Path) -> str:
    """The text of a codebook file, refusing files over :data:`MAX_BYTES` and non-UTF-8 bytes."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CodebookError(_too_large(size), source=path)
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise CodebookError("is a folder, not a codebook file", source=path) from None
    except FileNotFoundError:
        raise CodebookError("no such codebook file", source=path) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CodebookError(f"cannot read the codebook: {reason}", source=path) from None
    if len(data) > MAX_BYTES:
        raise CodebookError(_too_large(len(data)), source=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CodebookError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8",
            source=path,
            line=line,
        ) from None


def _too_large(size: int) -> str:
    return (
        f"the codebook is too large ({size:,} bytes; at most {MAX_BYTES:,}); "
        "a codebook holds definitions, not data"
    )


class _BoundedComposer(yaml.SafeLoader):
    """A loader used only to compose nodes; refuses anchors, aliases, tags and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            raise _Refusal(
                f"YAML alias '*{event.anchor}' is not allowed in a codebook; write the text out",
                line,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise _Refusal(
                f"YAML anchor '&{event.anchor}' is not allowed in a codebook; write the text out",
                line,
            )
        tag = getattr(event, "tag", None)
        if isinstance(event, ScalarEvent | CollectionStartEvent) and tag not in (None, "!"):
            raise _Refusal(f"YAML tag '{tag}' is not allowed in a codebook", line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refusal(f"the YAML is nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Refusal(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def compose_tree(text: str, *, source: str) -> tuple[Any, dict[Path_, int]]:
    """Parse ``text`` into ``(data, lines)`` (see the module docstring) or raise CodebookError."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BYTES:
        raise CodebookError(_too_large(size), source=source)
    try:
        node = _compose_fast(text)
    except _UseSlow:
        node = _compose_slow(text, source)
    if node is None:
        raise CodebookError(
            "the codebook is empty; it needs name, version and dimensions", source=source, line=1
        )
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    data = _to_data(node, (), lines, source)
    return data, lines


class _UseSlow(Exception):
    """libyaml is not there, or the text is refused or not valid YAML."""


def _compose_fast(text: str) -> Node | None:
    """The document's node through libyaml (about 20 times faster than PyYAML's Python
    composer: a 10,000-dimension codebook in under a second instead of 12 s), after the same
    refusals as :class:`_BoundedComposer` made on libyaml's events. :class:`_UseSlow` when
    libyaml is not there or the text is refused or not valid YAML: the Python composer then
    says why, in its own words and with its own line numbers."""
    c_loader = getattr(yaml, "CSafeLoader", None)
    if not yaml.__with_libyaml__ or c_loader is None:
        raise _UseSlow
    depth = 0
    try:
        for event in yaml.parse(text, Loader=c_loader):
            if isinstance(event, AliasEvent):
                raise _UseSlow
            if isinstance(event, NodeEvent):
                tag = getattr(event, "tag", None)
                if event.anchor is not None or tag not in (None, "!") or depth + 1 > MAX_DEPTH:
                    raise _UseSlow
                if isinstance(event, CollectionStartEvent):
                    depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
        node: Node | None = yaml.compose(text, Loader=c_loader)
    except yaml.YAMLError:
        raise _UseSlow from None
    _plain_style_as_python(node)
    return node


def _plain_style_as_python(node: Node | None) -> None:
    """libyaml marks a plain scalar's style ``''``, PyYAML ``None`` (what :func:`_to_data`
    reads): make them one."""
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, ScalarNode):
            if n.style == "":
                n.style = None
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)


def _compose_slow(text: str, source: str) -> Node | None:
    """The document's node through PyYAML's Python composer, with every refusal and syntax
    error worded for the user."""
    loader: _BoundedComposer | None = None
    try:
        loader = _BoundedComposer(text)
        return loader.get_single_node()
    except _Refusal as exc:
        raise CodebookError(exc.message, source=source, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        raise CodebookError(_yaml_message(exc), source=source, line=_yaml_line(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise CodebookError(
            f"character U+{char:04X} is not allowed in YAML text", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise CodebookError(f"YAML syntax error: {exc}", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    context = exc.context or ""
    start, end = exc.context_mark, exc.problem_mark
    if context and start is not None and end is not None and start.line != end.line:
        context += f" (from line {start.line + 1})"
    parts = [p for p in (context, exc.problem) if p]
    return "YAML syntax error: " + ("; ".join(parts) if parts else "cannot parse")


def _yaml_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def format_path(path: Path_) -> str:
    """``("dimensions", 2, "values")`` -> ``"dimensions[2].values"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _to_data(node: Node, path: Path_, lines: dict[Path_, int], source: str) -> Any:
    if isinstance(node, ScalarNode):
        if node.style is not None:  # quoted or block scalar: always text
            return node.value
        try:
            return resolve_plain(node.value)
        except ValueError as exc:
            where = f"field '{format_path(path)}': " if path else ""
            line = node.start_mark.line + 1
            raise CodebookError(f"{where}{exc}", source=source, line=line) from None
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            items.append(_to_data(item, (*path, index), lines, source))
        return items
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = _to_data(key_node, path, {}, source) if isinstance(key_node, ScalarNode) else None
            if isinstance(key, YamlInt | YamlFloat):
                key = key.raw
            if not isinstance(key, str):
                raise CodebookError("a field name must be a plain word", source=source, line=line)
            if key in result:
                first = lines[(*path, key)]
                where = f" in {format_path(path)}" if path else ""
                raise CodebookError(
                    f"field '{key}' appears twice{where} (first on line {first})",
                    source=source,
                    line=line,
                )
            lines[(*path, key)] = line
            result[key] = _to_data(value_node, (*path, key), lines, source)
        return result
    raise CodebookError("unsupported YAML node", source=source, line=node.start_mark.line + 1)
