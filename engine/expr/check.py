"""Static type check of an expression against the fact catalog and the parameters."""
from __future__ import annotations

from dataclasses import dataclass

from . import ast as A
from ..core.catalog import ANY, BOOL, FIGURE, INTERVAL, NUM, RECORDS, STR, item_type, list_of
from ..core.errors import did_you_mean
from .functions import FUNCTIONS, ROUND_PLACES
from .parser import COMPREHENSION_FUNCS, REGEX_HINT, REGEX_WORDS


@dataclass
class TypeProblem:
    pos: int
    message: str
    suggestion: str = ""


class Checker:
    """Infers the type of each node; collects every problem instead of stopping at the first."""

    def __init__(self, scope: dict[str, str], parameters: dict[str, str]):
        self.scope = dict(scope)
        self.parameters = parameters  # name -> type
        self.problems: list[TypeProblem] = []
        self.params_used: set[str] = set()

    def fail(self, node, message, suggestion=""):
        self.problems.append(TypeProblem(node.pos, message, suggestion))
        return ANY

    def check(self, node: A.Node) -> str:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    def _num(self, node):
        return NUM

    def _str(self, node):
        return STR

    def _const(self, node):
        return BOOL if isinstance(node.value, bool) else ANY

    def _listlit(self, node):
        types = {self.check(i) for i in node.items} - {ANY}
        if len(types) > 1:
            return self.fail(node, "列表中的元素类型不一致")
        return list_of(types.pop() if types else ANY)

    def _path(self, node):
        head, rest = node.parts[0], node.parts[1:]
        if head == "param":
            if not rest:
                return self.fail(node, "param 后面需要参数名,如 param.exec_warning_line")
            name = rest[0]
            if name not in self.parameters:
                return self.fail(node, f"未定义的参数 “{name}”", did_you_mean(name, self.parameters))
            self.params_used.add(name)
            if len(rest) > 1:
                return self.fail(node, f"参数 “{name}” 没有子字段")
            return self.parameters[name]
        if head == "year":
            if rest:
                return self.fail(node, "year 没有子字段")
            return NUM
        if head not in self.scope:
            return self.fail(node, f"此处不能使用 “{head}”", did_you_mean(head, list(self.scope) + ["param", "year"])
                             or "可用的名称: " + ", ".join(sorted(self.scope)))
        current = self.scope[head]
        for part in rest:
            fields = RECORDS.get(current)
            if fields is None:
                return self.fail(node, f"“{'.'.join(node.parts)}”: {current} 类型没有字段 “{part}”")
            if part not in fields:
                return self.fail(node, f"未知字段 “{part}”(在 {'.'.join(node.parts)} 中)", did_you_mean(part, fields))
            current = fields[part][0]
        return current

    def _call(self, node):
        if node.name in COMPREHENSION_FUNCS:
            return self.fail(node, f"{node.name}() 需要写成 {node.name}(表达式 for 变量 in 列表)")
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            hint = REGEX_HINT if node.name.lower() in REGEX_WORDS else ""
            return self.fail(node, f"未知函数 “{node.name}”",
                             hint or did_you_mean(node.name, list(FUNCTIONS) + list(COMPREHENSION_FUNCS)))
        arg_types, result, _ = spec
        if len(node.args) != len(arg_types):
            return self.fail(node, f"{node.name}() 需要 {len(arg_types)} 个参数,实际 {len(node.args)} 个")
        actual = [self.check(a) for a in node.args]
        for arg, want, got in zip(node.args, arg_types, actual):
            if not _compatible(want, got):
                self.fail(arg, f"{node.name}() 的参数类型应为 {want},实际为 {got}")
        if node.name == "round":
            self._round_places(node.args[1])
        if result == "T":
            return actual[0]
        if result == "E":  # a decision table's result type: table[num] -> num
            return actual[0][6:-1] if actual[0].startswith("table[") else ANY
        if result == "T2":
            return actual[1] if actual[1] != ANY else actual[2]
        return result

    def _round_places(self, arg):
        value = arg.value if isinstance(arg, A.Num) else None
        if value is None or value != value.to_integral_value() or int(value) not in ROUND_PLACES:
            self.fail(arg, f"round() 的小数位应直接写成 {ROUND_PLACES.start} 到 {ROUND_PLACES.stop - 1} 之间的整数",
                      "如 round(x, 2);小数位不能来自数据或参数")

    def _comprehension(self, node):
        if node.name not in COMPREHENSION_FUNCS:
            return self.fail(node, f"“{node.name}” 不支持 for 写法", did_you_mean(node.name, COMPREHENSION_FUNCS))
        iterable = self.check(node.iterable)
        element_type = item_type(iterable) if iterable != ANY else ANY
        if element_type is None:
            return self.fail(node.iterable, f"for ... in 后面需要一个列表,实际为 {iterable}")
        outer = self.scope
        self.scope = {**outer, node.var: element_type}
        try:
            if node.condition is not None:
                cond = self.check(node.condition)
                if cond not in (BOOL, ANY):
                    self.fail(node.condition, "if 后面需要一个条件(真/假)")
            element = self.check(node.element)
        finally:
            self.scope = outer
        if node.name in ("sum", "avg") and element == INTERVAL:
            return INTERVAL
        if node.name in ("sum", "avg", "min", "max") and element not in (NUM, ANY):
            self.fail(node.element, f"{node.name}() 需要数值,实际为 {element}")
        if node.name in ("any", "all"):
            if element not in (BOOL, ANY):
                self.fail(node.element, f"{node.name}() 需要条件(真/假),实际为 {element}")
            return BOOL
        return {"first": element, "list": list_of(element)}.get(node.name, NUM)  # count, sum, avg, min, max: NUM

    def _unary(self, node):
        t = self.check(node.operand)
        if t not in (NUM, ANY, INTERVAL):
            return self.fail(node, f"负号只能用于数值,实际为 {t}")
        return t if t == INTERVAL else NUM

    def _binary(self, node):
        left, right = self.check(node.left), self.check(node.right)
        for side, t in ((node.left, left), (node.right, right)):
            if t not in (NUM, ANY, INTERVAL):
                self.fail(side, f"运算 {node.op} 需要数值,实际为 {t}")
        return INTERVAL if INTERVAL in (left, right) else NUM  # a number in interval arithmetic stands for itself

    def _compare(self, node):
        left, right = self.check(node.left), self.check(node.right)
        if node.op in ("in", "not in"):
            element = item_type(right)
            if right != "map" and right != ANY and element is None:
                self.fail(node.right, f"in 后面需要列表或词表,实际为 {right}")
            elif element not in (None, ANY) and left not in (ANY, element):
                self.fail(node, f"不能在 {right} 中查找 {left}")
            return BOOL
        if ANY in (left, right):
            return BOOL
        if node.op in ("<", "<=", ">", ">=") and (left != NUM or right != NUM):
            return self.fail(node, f"大小比较需要两个数值,实际为 {left} 和 {right}")
        if left != right:
            return self.fail(node, f"不能比较 {left} 与 {right}")
        if left not in (NUM, STR, BOOL):
            return self.fail(node, f"不能比较 {left} 类型的值")
        return BOOL

    def _logic(self, node):
        for item in node.items:
            t = self.check(item)
            if t not in (BOOL, ANY):
                self.fail(item, f"{node.op} 两边需要条件(真/假),实际为 {t}")
        return BOOL

    def _not(self, node):
        t = self.check(node.operand)
        if t not in (BOOL, ANY):
            self.fail(node, f"not 后面需要条件(真/假),实际为 {t}")
        return BOOL


def _compatible(want: str, got: str) -> bool:
    if ANY in (want, got):
        return True
    if want in ("list", "table"):
        return got.startswith(want + "[")
    if want == FIGURE:
        return got in (NUM, INTERVAL)
    return want == got
