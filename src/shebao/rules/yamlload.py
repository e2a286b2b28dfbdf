"""Strict YAML for policy packs: dates stay strings, duplicate keys are refused, lines are kept.

Every mapping is loaded as a :class:`Located` dict that remembers its file and the line of each
key, so that a schema failure can name the file, the line and the reason (:class:`PackError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PackError(ValueError):
    """A policy pack, a decision table or the catalog is malformed: ``file:line: reason``."""

    def __init__(self, file: str | Path, line: int | None, reason: str) -> None:
        self.file = str(file)
        self.line = line
        self.reason = reason
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {reason}")


class Located(dict):  # type: ignore[type-arg]
    """A mapping from YAML that knows where it came from."""

    file: str = "?"
    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line)

    def error(self, reason: str, key: str | None = None) -> PackError:
        return PackError(self.file, self.line_of(key) if key is not None else self.line, reason)


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader without the timestamp resolver: ``2020-03-31`` stays the string it is."""

    file_name = "?"


# Copy the resolvers so that removing timestamps does not alter yaml.SafeLoader itself.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located()
    result.file = loader.file_name
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int)):
            raise PackError(loader.file_name, line, f"mapping key {key!r} must be a string")
        key = str(key)
        if key in result:
            raise PackError(
                loader.file_name, line, f"duplicate key {key!r} (first at line {result.key_lines[key]})"
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse one file strictly; syntax errors become :class:`PackError` with the line."""
    text = path.read_text(encoding="utf-8")
    loader = _StrictLoader(text)
    loader.file_name = str(path)
    try:
        return loader.get_single_data()
    except PackError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PackError(path, mark.line + 1 if mark else None, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PackError(path, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
