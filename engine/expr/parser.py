"""Tokenizer and recursive-descent parser for rule expressions."""
from __future__ import annotations

import re
from decimal import Decimal

from . import ast as A

KEYWORDS = {"and", "or", "not", "in", "for", "if", "true", "false", "null"}
COMPREHENSION_FUNCS = {"sum", "count", "avg", "min", "max", "any", "all", "first", "list"}
MAX_LENGTH = 4000
MAX_DEPTH = 40

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
            if char in "＜＞＝（）":
                hint = "请使用半角符号"
            elif char == "=":
                hint = "比较相等请写 =="
            raise ExprSyntaxError(f"无法识别的字符 “{char}”", pos, hint)
        kind = match.lastgroup
        value = match.group()
        if kind == "op":
            value = _NORMALISE.get(value, value)
        if kind == "name" and value in KEYWORDS:
            kind = "kw"
        if kind != "ws":
            tokens.append((kind, value, pos))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


def parse(text: str) -> A.Node:
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"表达式过长(上限 {MAX_LENGTH} 个字符)", 0)
    parser = _Parser(tokenize(text))
    node = parser.expression()
    kind, value, pos = parser.peek()
    if kind != "end":
        raise ExprSyntaxError(f"多余的内容 “{value}”", pos, "检查是否缺少 and / or 或运算符")
    return node


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
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self):
        first = self.and_expr()
        items = [first]
        while self.at("kw", "or"):
            self.take()
            items.append(self.and_expr())
        return first if len(items) == 1 else A.Logic(first.pos, "or", tuple(items))

    def and_expr(self):
        first = self.not_expr()
        items = [first]
        while self.at("kw", "and"):
            self.take()
            items.append(self.not_expr())
        return first if len(items) == 1 else A.Logic(first.pos, "and", tuple(items))

    def not_expr(self):
        if self.at("kw", "not"):
            _, _, pos = self.take()
            return A.Not(pos, self.not_expr())
        return self.comparison()

    def comparison(self):
        left = self.additive()
        k, v, pos = self.peek()
        if k == "op" and v in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            op = v
        elif k == "kw" and v == "in":
            self.take()
            op = "in"
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
        node = self.multiplicative()
        while self.at("op", "+") or self.at("op", "-"):
            _, op, _ = self.take()
            node = A.Binary(node.pos, op, node, self.multiplicative())
        return node

    def multiplicative(self):
        node = self.unary()
        while self.at("op", "*") or self.at("op", "/"):
            _, op, _ = self.take()
            node = A.Binary(node.pos, op, node, self.unary())
        return node

    def unary(self):
        if self.at("op", "-"):
            _, _, pos = self.take()
            return A.Unary(pos, "-", self.unary())
        return self.primary()

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
            items = []
            if not self.at("op", "]"):
                items.append(self.expression())
                while self.at("op", ","):
                    self.take()
                    items.append(self.expression())
            self.expect("op", "]", "右方括号 ]")
            return A.ListLit(pos, tuple(items))
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
        args = [first]
        while self.at("op", ","):
            self.take()
            args.append(self.expression())
        self.expect("op", ")", "右括号 )")
        return A.Call(pos, name, tuple(args))
