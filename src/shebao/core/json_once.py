"""One reading of a JSON object everywhere the project reads JSON: a key said twice is refused, never
the last one taken. Plain Python (the rule commands import it without Django)."""

from __future__ import annotations

import json  # noqa: F401  (the doctest's)
from typing import Any


class JsonDuplicateKey(ValueError):
    """A JSON object names ``key`` twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def json_object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``object_pairs_hook`` of every JSON the project reads (the API's bodies, exchange files, the rule
    commands' lines): an object as a dict, JsonDuplicateKey on a key said twice (review F5, review-input11
    F1 and F3: the last value won silently, so two readers of one text could read two different things).

    >>> json.loads('{"a": 1, "a": 2}', object_pairs_hook=json_object_once)
    Traceback (most recent call last):
    ...
    shebao.core.json_once.JsonDuplicateKey: a
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonDuplicateKey(key)
        out[key] = value
    return out
