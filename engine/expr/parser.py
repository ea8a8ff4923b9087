"""Tokenizer and recursive-descent parser for rule expressions."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache, partial

from . import ast as A
from ..core.cjk import HALF_WIDTH

KEYWORDS = {"and", "or", "not", "in", "for", "if", "true", "false", "null"}
COMPREHENSION_FUNCS = {"sum", "count", "avg", "min", "max", "any", "all", "first", "list"}
MAX_LENGTH = 4000
MAX_DEPTH = 40  # nested parentheses, calls and lists while parsing
MAX_TREE_DEPTH = 100  # the finished tree, which the checker, evaluator and printer walk recursively
MAX_NUMBER_DIGITS = 20  # as for numbers in YAML: a longer literal would be rounded, or overflow a float
REGEX_HINT = "规则表达式不支持正则表达式和模糊匹配;请用 == 或 in [...] 比较完整的文字,或在事实文件中增加分类字段"
REGEX_WORDS = {"matches", "match", "like", "regex", "re", "search", "contains", "startswith", "endswith"}
# a character the tokenizer refuses gets the hint of its half-width form: every full-width one, and ≦ ≧
_HALF_WIDTH = HALF_WIDTH | {ord("≦"): "≤", ord("≧"): "≥"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>[0-9]+(?:\.[0-9]+)?%?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|“[^”]*”)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|[<>+\-*/()\[\],.]|[≤≥≠])
""", re.VERBOSE)

_NORMALISE = {"≤": "<=", "≥": ">=", "≠": "!="}


class ExprSyntaxError(Exception):
    def __init__(self, message: str, pos: int, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.suggestion = suggestion


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            char = text[pos]
            hint = ""
            if char.translate(_HALF_WIDTH) != char:
                hint = f"请使用半角符号,改为 “{char.translate(_HALF_WIDTH)}”"
            elif text.startswith("=~", pos) or char == "~":
                raise ExprSyntaxError("不支持正则匹配 “=~”", pos, REGEX_HINT)
            elif char == "=":
                hint = "比较相等请写 =="
            raise ExprSyntaxError(f"无法识别的字符 “{char}”", pos, hint)
        kind = match.lastgroup
        value = match.group()
        if kind == "op":
            value = _NORMALISE.get(value, value)
        if kind == "name" and value in KEYWORDS:
            kind = "kw"
        if kind == "num" and sum(ch.isdigit() for ch in value) > MAX_NUMBER_DIGITS:
            raise ExprSyntaxError(f"数字位数过多(上限 {MAX_NUMBER_DIGITS} 位)", pos)
        if kind != "ws":
            tokens.append((kind, value, pos))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


# Loading checks every expression and compiling builds it again, and each CLI test or rule-test case loads the
# same texts: an AST is immutable (frozen nodes), so one parse per text and process is shared. Bounded, so a
# process that loads many rule sets does not keep every tree.
@lru_cache(maxsize=4096)
def parse(text: str) -> A.Node:
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"表达式过长(上限 {MAX_LENGTH} 个字符)", 0)
    tokens = tokenize(text)
    parser = _Parser(tokens)
    node = parser.expression()
    kind, value, pos = parser.peek()
    if kind != "end":
        previous = tokens[parser.i - 1] if parser.i else None
        touching = previous is not None and previous[0] == "num" and previous[2] + len(previous[1]) == pos
        if touching and kind == "name" and re.fullmatch(r"[eE][0-9]*", value):
            raise ExprSyntaxError("不支持科学计数法", previous[2], "写成十进制数,如 1000 或 0.001")
        if touching and value == ",":
            raise ExprSyntaxError("数字中不能有千位分隔符", pos, "去掉逗号,如 1000")
        if kind == "name" and value.lower() in REGEX_WORDS:
            raise ExprSyntaxError(f"不支持 “{value}” 匹配", pos, REGEX_HINT)
        raise ExprSyntaxError(f"多余的内容 “{value}”", pos, "检查是否缺少 and / or 或运算符")
    _check_depth(node)
    return node


def _check_depth(root: A.Node) -> None:
    """Iteratively, so that a 2,000-term sum is an error message rather than a RecursionError."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise ExprSyntaxError(f"表达式嵌套过深(上限 {MAX_TREE_DEPTH} 层;很长的连加、连乘、连续 not 也算)",
                                  node.pos, "拆成几条规则,或把一部分写成证据(evidence)")
        stack.extend((child, depth + 1) for child in A.children(node))


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self, offset=0):
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind, value=None, offset=0):
        k, v, _ = self.peek(offset)
        return k == kind and (value is None or v == value)

    def expect(self, kind, value, what):
        k, v, pos = self.peek()
        if k != kind or v != value:
            found = v or "表达式结尾"
            raise ExprSyntaxError(f"此处需要 {what},却是 “{found}”", pos)
        return self.take()

    def expression(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprSyntaxError(f"表达式嵌套过深(上限 {MAX_DEPTH} 层)", self.peek()[2])
        try:
            negated = partial(self.prefixed, "kw", "not", self.comparison, A.Not)  # comparisons after any number of not
            return self.logic("or", partial(self.logic, "and", negated))
        finally:
            self.depth -= 1

    def logic(self, op, operand):
        """Operands read by `operand` joined by `op` (or / and): one is itself, more are a Logic node."""
        first = operand()
        items = [first]
        while self.at("kw", op):
            self.take()
            items.append(operand())
        return first if len(items) == 1 else A.Logic(first.pos, op, tuple(items))

    def prefixed(self, kind, word, operand, node_class, *fields):
        """`operand` after any number of the prefix `word`, each making a node_class(pos, *fields, node).
        A loop, not recursion: "not not not ..." or "- - - ..." must not exhaust the Python stack."""
        positions = []
        while self.at(kind, word):
            positions.append(self.take()[2])
        node = operand()
        for pos in reversed(positions):
            node = node_class(pos, *fields, node)
        return node

    def comparison(self):
        left = self.additive()
        k, v, pos = self.peek()
        if (k == "op" and v in ("==", "!=", "<", "<=", ">", ">=")) or (k == "kw" and v == "in"):
            self.take()
            op = v
        elif k == "kw" and v == "not" and self.at("kw", "in", 1):
            self.take()
            self.take()
            op = "not in"
        else:
            return left
        right = self.additive()
        k2, v2, pos2 = self.peek()
        if k2 == "op" and v2 in ("==", "!=", "<", "<=", ">", ">="):
            raise ExprSyntaxError("比较不能连写(如 a < b < c)", pos2, "改写为 a < b and b < c")
        return A.Compare(left.pos, op, left, right)

    def additive(self):
        """Sums of products of primaries with any number of minus signs."""
        unary = partial(self.prefixed, "op", "-", self.primary, A.Unary, "-")
        return self.binary(("+", "-"), partial(self.binary, ("*", "/"), unary))

    def binary(self, ops, operand):
        """Operands read by `operand` joined left to right by the operators `ops` (+ - or * /)."""
        node = operand()
        while self.at("op") and self.peek()[1] in ops:
            _, op, _ = self.take()
            node = A.Binary(node.pos, op, node, operand())
        return node

    def primary(self):
        kind, value, pos = self.peek()
        if kind == "num":
            self.take()
            if value.endswith("%"):
                return A.Num(pos, Decimal(value[:-1]).scaleb(-2), value)
            return A.Num(pos, Decimal(value), value)
        if kind == "str":
            self.take()
            body = value[1:-1]
            if value[0] != "“":
                body = re.sub(r"\\(.)", r"\1", body)
            return A.Str(pos, body)
        if kind == "kw" and value in ("true", "false", "null"):
            self.take()
            return A.Const(pos, {"true": True, "false": False, "null": None}[value])
        if kind == "op" and value == "(":
            self.take()
            node = self.expression()
            self.expect("op", ")", "右括号 )")
            return node
        if kind == "op" and value == "[":
            self.take()
            items = [] if self.at("op", "]") else [self.expression()]
            return A.ListLit(pos, self.more(items, "]", "右方括号 ]"))
        if kind == "name":
            self.take()
            if self.at("op", "("):
                return self.call(value, pos)
            parts = [value]
            while self.at("op", "."):
                self.take()
                k, v, p = self.peek()
                if k not in ("name", "kw"):
                    raise ExprSyntaxError("“.” 后面需要字段名", p)
                self.take()
                parts.append(v)
            return A.Path(pos, tuple(parts))
        found = value or "表达式结尾"
        raise ExprSyntaxError(f"此处需要一个值(数字、字段、函数),却是 “{found}”", pos)

    def call(self, name, pos):
        self.expect("op", "(", "左括号 (")
        if self.at("op", ")"):
            self.take()
            return A.Call(pos, name, ())
        first = self.expression()
        if self.at("kw", "for"):
            self.take()
            k, var, p = self.take()
            if k != "name":
                raise ExprSyntaxError("for 后面需要一个变量名", p)
            self.expect("kw", "in", "in")
            iterable = self.additive()
            condition = None
            if self.at("kw", "if"):
                self.take()
                condition = self.expression()
            self.expect("op", ")", "右括号 )")
            return A.Comprehension(pos, name, first, var, iterable, condition)
        return A.Call(pos, name, self.more([first], ")", "右括号 )"))

    def more(self, items, close, what):
        """The items, and every `, expression` after them, up to the closing bracket."""
        while self.at("op", ","):
            self.take()
            items.append(self.expression())
        self.expect("op", close, what)
        return tuple(items)
