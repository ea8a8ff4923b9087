"""Expression syntax tree. Nodes are immutable and know how to print themselves."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Node:
    pos: int  # 0-based offset in the expression text, for error columns


@dataclass(frozen=True)
class Num(Node):
    value: Decimal
    text: str  # as written, e.g. "70%" or "0.70"


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Const(Node):
    value: object  # True, False or None


@dataclass(frozen=True)
class Path(Node):
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Comprehension(Node):
    """name(element for var in iterable if condition), e.g. sum(p.budget.executed for p in report.projects)."""

    name: str
    element: Node
    var: str
    iterable: Node
    condition: Node | None


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class Logic(Node):
    op: str  # and / or
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def precedence(node: Node) -> int:
    """How tightly the node binds: a child binding less tightly than its parent is printed in parentheses."""
    if isinstance(node, (Logic, Binary)):
        return _PRECEDENCE[node.op]
    return _PRECEDENCE[_OPERATOR_OF.get(type(node), "atom")]


_OPERATOR_OF = {Not: "not", Compare: "cmp", Unary: "neg"}


def _wrap(node: Node, minimum: int) -> str:
    text = to_source(node)
    return f"({text})" if precedence(node) < minimum else text


def to_source(node: Node) -> str:
    """Print an expression so that parse(to_source(e)) == e up to positions."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Str):
        return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(node, Const):
        return {True: "true", False: "false", None: "null"}[node.value]
    if isinstance(node, Path):
        return ".".join(node.parts)
    if isinstance(node, ListLit):
        return "[" + ", ".join(to_source(i) for i in node.items) + "]"
    if isinstance(node, Call):
        return f"{node.name}(" + ", ".join(to_source(a) for a in node.args) + ")"
    if isinstance(node, Comprehension):
        text = f"{node.name}({to_source(node.element)} for {node.var} in {_wrap(node.iterable, 5)}"
        if node.condition is not None:
            text += f" if {_wrap(node.condition, 2)}"
        return text + ")"
    if isinstance(node, (Unary, Not)):  # a prefix binding as tightly as the node itself
        return ("-" if isinstance(node, Unary) else "not ") + _wrap(node.operand, precedence(node))
    if isinstance(node, Binary):
        p = _PRECEDENCE[node.op]
        # left-associative: the right operand needs parentheses at equal precedence
        return f"{_wrap(node.left, p)} {node.op} {_wrap(node.right, p + 1)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, 5)} {node.op} {_wrap(node.right, 5)}"
    if isinstance(node, Logic):
        p = _PRECEDENCE[node.op]
        return f" {node.op} ".join(_wrap(i, p + 1) for i in node.items)
    raise TypeError(node)


def walk(node: Node):
    """Yield node and all its descendants."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple[Node, ...]:
    """The nodes held by the node's fields, in the order the fields are declared."""
    out = []
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, Node))
    return tuple(out)


def without_positions(node: Node) -> Node:
    """The tree with every position zeroed: two parses of the same expression compare equal."""
    changes = {"pos": 0}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            changes[f.name] = without_positions(value)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(without_positions(v) if isinstance(v, Node) else v for v in value)
    return dataclasses.replace(node, **changes)


_shapes: dict = {}  # node without positions -> its shape


def shape(node: Node) -> int:
    """An int per expression as written, positions aside: equal nodes, equal ints. Caches and memos key by it,
    because a frozen node hashes its whole tree again at every lookup (1 % of the evaluate stage of 10,000
    projects went to AST __hash__)."""
    return _shapes.setdefault(without_positions(node), len(_shapes))
