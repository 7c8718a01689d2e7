"""The one YAML reader: plain data only, bounded in size, nesting and alias expansion.

Every YAML file labelaudit reads (schema, target, rules, lexicons, methods notes) goes
through :func:`load_yaml_file` or :func:`load_yaml_text`. They differ from
``yaml.safe_load`` where a hostile or careless file could hurt:

* **aliases** may not expand the document past :data:`MAX_NODES` nodes. A "billion
  laughs" file (nine levels of nine aliases each) is a few hundred bytes that PyYAML
  builds as shared lists; whoever walks the result then meets 9**9 strings. Here the
  expanded size is counted while the file is composed, so such a file is refused after
  reading it, in milliseconds;
* **nesting** deeper than :data:`MAX_DEPTH` is refused (PyYAML recurses per level and
  would die of a ``RecursionError``);
* **files** larger than :data:`MAX_BYTES` are refused before they are parsed;
* **one document** per file, **no tags** beyond plain data (``!!python/...`` and custom
  tags are refused, as with ``safe_load``), and a **key given twice** in one mapping is
  an error instead of the last one silently winning;
* **YAML 1.2 booleans:** only ``true``/``false`` are booleans, so label values
  ``[yes, no]`` and the country code ``NO`` stay strings.

Problems are raised as :class:`YamlError` with a message that says what to fix; callers
add the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: largest document, counting every node an alias repeats (the shipped lexicons: ~6,000)
MAX_NODES = 1_000_000
#: deepest nesting of sequences and mappings
MAX_DEPTH = 100
#: largest file read (a schema of 100,000 label values is about 2 MB)
MAX_BYTES = 32 * 2**20


_SYNTAX_FIX = "fix the YAML syntax at that line (indentation, colons, quotes)"


class YamlError(ValueError):
    """A YAML text that can't be read, or that exceeds a limit.

    The message says what is wrong, ``fix`` what to do, ``line`` where (1-based) if known.
    """

    def __init__(self, message: str, line: int | None = None, fix: str = _SYNTAX_FIX):
        self.line = line
        self.fix = fix
        super().__init__(message)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader counting each node's expanded size and the nesting depth as it composes."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._size: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded

    def compose_node(self, parent: Node | None, index: object) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = Composer.compose_node(self, parent, index)
            if id(node) not in self._size:  # the alias points into the node being built
                raise YamlError(
                    f"recursive alias *{event.anchor}: a node that contains itself",
                    _line(event),
                    "write the values out instead of the alias",
                )
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlError(
                f"nested more than {MAX_DEPTH} levels deep",
                _line(self.peek_event()),
                "flatten the structure",
            )
        try:
            node = Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1
        self._size[id(node)] = size = _expanded(node, self._size)
        if size > MAX_NODES:
            raise YamlError(
                f"its aliases expand to more than {MAX_NODES:,} nodes (an alias bomb?)",
                node.start_mark.line + 1,
                "write the values out; aliases may repeat a value, not multiply it",
            )
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:  # type: ignore[override]
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag not in _SPECIAL_KEYS:
                key = self.construct_object(key_node, deep=deep)
                try:
                    if key in seen:
                        raise YamlError(
                            f"key {key!r} is given twice in one mapping (lines "
                            f"{seen[key]} and {key_node.start_mark.line + 1})",
                            key_node.start_mark.line + 1,
                            "keep one of the two (YAML would silently use the last)",
                        )
                    seen[key] = key_node.start_mark.line + 1
                except TypeError:  # an unhashable key: construct_mapping says so below
                    pass
        return super().construct_mapping(node, deep=deep)


#: merge (``<<``) and value (``=``) keys: resolved by PyYAML's flattening, not constructed
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _expanded(node: Node, sizes: dict[int, int]) -> int:
    if isinstance(node, SequenceNode):
        return 1 + sum(sizes[id(child)] for child in node.value)
    if isinstance(node, MappingNode):
        return 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
    return 1


def _line(event: object) -> int | None:
    mark = getattr(event, "start_mark", None)
    return None if mark is None else mark.line + 1


# YAML 1.2 booleans: the 1.1 resolver also reads yes/no/on/off/y/n as booleans
_BoundedLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml_text(text: str) -> object:
    """Parse one YAML document within the limits above; raise :class:`YamlError`.

    Examples
    --------
    >>> load_yaml_text("values: [yes, no, NO]")
    {'values': ['yes', 'no', 'NO']}
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\\n" for p, c in zip("abcdef", "bcdefg")
    ... )
    >>> try:
    ...     load_yaml_text(bomb)
    ... except YamlError as exc:
    ...     print(exc)
    its aliases expand to more than 1,000,000 nodes (an alias bomb?)
    """
    if len(text) > MAX_BYTES:
        raise YamlError(f"larger than {MAX_BYTES // 2**20} MB", None, "split the file")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        raise _explained(exc) from None
    finally:
        loader.dispose()


def _explained(exc: yaml.YAMLError) -> YamlError:
    """PyYAML's error as a :class:`YamlError`: a tag, a second document, or syntax."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = None if mark is None else mark.line + 1
    text = f"{getattr(exc, 'context', '') or ''} {getattr(exc, 'problem', '') or ''}"
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in text:
        return YamlError(
            "uses a YAML tag labelaudit does not read",
            line,
            "remove the tag: plain mappings, lists, text and numbers only",
        )
    if isinstance(exc, yaml.composer.ComposerError) and "single document" in text:
        return YamlError(
            "holds more than one YAML document",
            line,
            "keep one document per file (no second '---')",
        )
    return YamlError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", line)


def load_yaml_file(path: Path) -> object:
    """Read and parse ``path`` (UTF-8) within the limits; raise :class:`YamlError`.

    A missing file, a folder, unreadable or non-UTF-8 bytes are :class:`YamlError` too,
    each with its own message.
    """
    path = Path(path)
    if path.is_dir():
        raise YamlError("it is a folder, not a file", None, "point the setting at the YAML file")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlError(
                f"it is {size / 2**20:.0f} MB, larger than {MAX_BYTES // 2**20} MB",
                None,
                "split the file",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise YamlError("file not found", None, "check the path") from None
    except OSError as exc:
        raise YamlError(f"{exc.strerror}", None, "check the path and its permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError("not UTF-8 text (a bad byte)", line, "re-save the file as UTF-8") from None
    return load_yaml_text(text.removeprefix("\ufeff"))


def describe(exc: YamlError) -> str:
    """The error with its line, for a message: ``not valid YAML ... (line 3)``."""
    return f"{exc}{'' if exc.line is None else f' (line {exc.line})'}"
