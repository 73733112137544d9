"""Text a client may send but nothing may store (issue 14): NUL characters and lone surrogates.

JSON can carry ``\\u0000`` and ``\\ud800``, a form or a query string ``%00``. PostgreSQL refuses NUL
in text, UTF-8 has no encoding for a lone surrogate, so either would fail deep inside a request (a
500) — they are refused at the edge instead, naming the field, by :func:`text_errors`. Where the
refused value must still be recorded (a failed login's username in the audit log, a throttle key),
:func:`printable` writes the offending characters as escapes.
"""

import re
from collections.abc import Iterator
from typing import Any

#: A NUL or any UTF-16 surrogate code point (a str holds one only when it came from a lone escape).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: The deepest nesting of arrays and objects a request body may have (issue 14: 50 000 ``[`` crashed).
MAX_DEPTH = 32

UNSTORABLE_MESSAGE = "contains a character that cannot be stored (NUL or a lone surrogate) (含有无法保存的字符)"


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def printable(text: str) -> str:
    """``text`` with each NUL and lone surrogate written as ``\\uXXXX``, so it can be stored and read."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class TooDeep(ValueError):
    """A value nested deeper than :data:`MAX_DEPTH`."""


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in ``value`` (keys included) with its field path, depth first, without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            yield where, item
            continue
        if depth >= MAX_DEPTH and isinstance(item, dict | list):
            raise TooDeep(f"nested deeper than {MAX_DEPTH} levels at {where or 'the top'}")
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not storable(key):
                    yield printable(child_path), key
                stack.append((child, printable(child_path), depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((child, f"{where}.{index}" if where else str(index), depth + 1))


def text_errors(value: Any, path: str = "") -> dict[str, list[str]]:
    """Field path → message for every string in ``value`` that cannot be stored; raises :class:`TooDeep`."""
    return {where: [UNSTORABLE_MESSAGE] for where, text in _walk(value, path) if not storable(text)}
