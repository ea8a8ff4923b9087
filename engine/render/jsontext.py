"""`json.dumps(value, ensure_ascii=False, indent=2)`, written out faster, with arrays produced while written.

With `indent` set, the standard library encodes in pure-Python generators and holds every token of
the document before joining them: for a province's findings (about 200 MB of JSON at 100,000
projects) that took ten seconds and more than a gigabyte. `dumps` writes the same characters
(tests/test_fast_paths.py compares it with json.dumps) with plain recursion, and an `Items` array
is encoded item by item, each item joined as soon as it is written and then dropped.
"""
from __future__ import annotations

from json.encoder import encode_basestring  # the C one where available, as json.dumps(ensure_ascii=False) uses

_INFINITY = float("inf")


class Items:
    """A JSON array of `count` items that an iterable yields while the document is written."""

    def __init__(self, count: int, items):
        self.count = count
        self.items = items


class Encoded:
    """Items of an `Items` array already encoded at its item level and joined by `separator(level)` (text or
    UTF-8 bytes, for `dump`): what a parallel worker hands over for its share of a document."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _encode(value, level: int, out) -> None:
    # out: called with each piece of text in turn (a list's append, or dump's write)
    # the order of the checks is json.encoder's: bool before int, str subclasses as str ...
    if isinstance(value, str):
        out(encode_basestring(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out("[]")
            return
        inner = "\n" + "  " * (level + 1)
        out("[" + inner)
        for i, item in enumerate(value):
            if i:
                out("," + inner)
            _encode(item, level + 1, out)
        out("\n" + "  " * level + "]")
    elif isinstance(value, dict):
        if not value:
            out("{}")
            return
        inner = "\n" + "  " * (level + 1)
        first = True
        for key, item in value.items():
            out(("{" if first else ",") + inner + encode_basestring(_key(key)) + ": ")
            first = False
            _encode(item, level + 1, out)
        out("\n" + "  " * level + "}")
    elif isinstance(value, Items):
        if not value.count:
            out("[]")
            return
        inner = "\n" + "  " * (level + 1)
        out("[" + inner)
        for i, item in enumerate(value.items):
            if type(item) is Encoded:
                out("," + inner if i else "")
                out(item.data)
                continue
            piece: list = []
            _encode(item, level + 1, piece.append)
            out(("," + inner if i else "") + "".join(piece))
        out("\n" + "  " * level + "]")
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def separator(level: int) -> str:
    """What comes between two items of an array encoded at `level` (the array's own level + 1)."""
    return ",\n" + "  " * level


def encode(value, level: int) -> str:
    """The text of value as an item or value at `level`."""
    out: list = []
    _encode(value, level, out.append)
    return "".join(out)


def dump(value, write) -> None:
    """dumps(value), handed to write() piece by piece (Encoded items as they are) instead of joined."""
    _encode(value, 0, write)


def dumps(value) -> str:
    out: list = []
    _encode(value, 0, out.append)
    return "".join(out)
