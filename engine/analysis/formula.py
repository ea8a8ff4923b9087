"""Show a compiled rule's expressions to people: Chinese labels instead of field paths, and the
value every sub-expression had, recorded by explain's run (expr/closures.py compile_recorded).

    执行率 = 全年执行 / 全年预算 = 111.85 / 170.35 = 65.66% < 预警线 70%

Labels come from the rule's own evidence labels where an operand is written exactly as an
evidence expression, otherwise from the catalog (field paths) and the parameter titles.
Nothing here decides anything: values are what the evaluator recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import groupby

from ..core.catalog import AMOUNT_MARK, RECORDS, SUBJECT_SCOPES, item_type
from ..core.findings import in_printed_unit
from ..expr import ast as A
from ..expr.ast import to_source
from ..expr.intervals import Interval
from .showing import MISSING, percent, plain_number, short, show

OP_TEXT = {"==": "==", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "属于", "not in": "不属于"}
_RATE_FIELDS = {("Budget", "rate"), ("Totals", "rate")}
_SAME_UNIT_CALLS = {"abs", "round", "unit", "coalesce", "span"}
_SAME_UNIT_AGGREGATES = {"first", "min", "max", "avg"}
_COLLECTION_KINDS = {"bands", "map", "list"}
_QUANTIFIERS = {"any": {True: "中至少有一项符合", False: "中没有一项符合"},
                "all": {True: "中每一项都符合", False: "中至少有一项不符合"}}
_ENTITIES = {"Report", "Project", "Indicator", "Claim", "Commitment", "CommitmentTarget", "Approval"}


@dataclass(frozen=True)
class Margin:
    """How far a numeric comparison is from flipping: left - right, and that as a share of the right side."""

    difference: Decimal
    relative: Decimal | None
    percentage_points: bool
    text: str
    amount: str = ""  # the difference as the sides show it: 25 个百分点, 215,457.6元 (a report's printed unit), 22.00


def _atomic(node) -> bool:
    return isinstance(node, (A.Path, A.Num, A.Str, A.Const))


def _without_span(node):
    """The expression with span(x) read as x: the precision ranges contradicts() compares are the evidence's values."""
    if isinstance(node, A.Call) and node.name == "span" and len(node.args) == 1:
        return _without_span(node.args[0])
    if isinstance(node, A.Binary):
        return replace(node, left=_without_span(node.left), right=_without_span(node.right))
    if isinstance(node, A.Comprehension):
        return replace(node, element=_without_span(node.element))
    return node


def _literal(node) -> bool:
    return isinstance(node, (A.Num, A.Str, A.Const)) or (isinstance(node, A.Unary) and _literal(node.operand))


class SourceTexts(dict):
    """Each node's to_source, printed once: printing a node prints its whole subtree, and a formula asks for the
    text of every node it names or labels, over and over (an explain run spent a third of its time there). One
    is shared by the formulas of an explain run; an entry keeps its node, so the id it is filed under stays
    that node's."""

    def __call__(self, node) -> str:
        entry = self.get(id(node))
        if entry is None or entry[0] is not node:
            entry = self[id(node)] = (node, to_source(node))
        return entry[1]


class Formula:
    """Renders expressions of one rule evaluated on one subject."""

    def __init__(self, subject_kind: str, parameters: dict, evidence, values: dict, money_unit: str = "万元",
                 sources: "SourceTexts | None" = None):
        self.source = SourceTexts() if sources is None else sources
        self.env = dict(SUBJECT_SCOPES[subject_kind])
        self.money_unit = money_unit  # the report's: the plain view shows its amounts as it printed them
        self.parameters = parameters  # name -> model.Parameter
        self.values = values  # id(node) -> value, from closures.compile_recorded
        self.names: dict = {}
        for label, node in evidence:
            self.names.setdefault(self.source(node), label)
        for label, node in evidence:  # evidence shown rounded, round(X, 2), names the X a condition compares
            if isinstance(node, A.Call) and node.name == "round" and node.args:
                self.names.setdefault(self.source(node.args[0]), label)

    # ---- types -------------------------------------------------------------------
    def _path_type(self, parts, env):
        current = env.get(parts[0])
        for part in parts[1:]:
            fields = RECORDS.get(current) if current else None
            if not fields or part not in fields:
                return None
            current = fields[part][0]
        return current

    def _param(self, node):
        if isinstance(node, A.Path) and node.parts[0] == "param" and len(node.parts) == 2:
            return self.parameters.get(node.parts[1])
        return None

    def is_ratio(self, node, env=None) -> bool:
        """Whether a value is a ratio (shown as a percentage): execution rates, ratio parameters,
        and one amount divided by another."""
        env = env or self.env
        if isinstance(node, A.Path):
            param = self._param(node)
            if param is not None:
                return param.kind == "ratio"
            return len(node.parts) > 1 and (self._path_type(node.parts[:-1], env), node.parts[-1]) in _RATE_FIELDS
        if isinstance(node, A.Num):
            return node.text.endswith("%")
        if isinstance(node, A.Unary):
            return self.is_ratio(node.operand, env)
        if isinstance(node, A.Binary):
            if node.op == "/":
                return self.is_ratio(node.left, env) if _literal(node.right) else not _literal(node.left)
            # + and -, or any other operator with a number on one side: a ratio when a side is one
            kept = node.op in "+-" or _literal(node.left) or _literal(node.right)
            return kept and (self.is_ratio(node.left, env) or self.is_ratio(node.right, env))
        if isinstance(node, A.Call):
            if node.name in _SAME_UNIT_CALLS and node.args:
                return self.is_ratio(node.args[0], env)
            return node.name == "choose" and len(node.args) == 3 and (
                self.is_ratio(node.args[1], env) or self.is_ratio(node.args[2], env))
        if isinstance(node, A.Comprehension) and node.name in _SAME_UNIT_AGGREGATES:
            return self.is_ratio(node.element, self._inner_env(node, env))
        return False

    def is_amount(self, node, env=None) -> bool:
        """Whether a value is an amount of money (held in 万元): a field labelled (万元), or sums, differences and
        same-unit functions of amounts."""
        env = env or self.env
        if isinstance(node, A.Path):
            if self._param(node) is not None or len(node.parts) < 2:
                return False
            fields = RECORDS.get(self._path_type(node.parts[:-1], env)) or {}
            field = fields.get(node.parts[-1])
            return field is not None and field[1].endswith(AMOUNT_MARK)
        if isinstance(node, A.Unary):
            return self.is_amount(node.operand, env)
        if isinstance(node, A.Binary) and node.op in "+-":
            return self.is_amount(node.left, env) and self.is_amount(node.right, env)
        if isinstance(node, A.Call) and node.name in _SAME_UNIT_CALLS and node.args:
            return self.is_amount(node.args[0], env)
        if isinstance(node, A.Comprehension) and node.name in _SAME_UNIT_AGGREGATES | {"sum"}:
            return self.is_amount(node.element, self._inner_env(node, env))
        return False

    def _in_printed_unit(self, node, raw) -> str:
        """An amount as the report printed it (215,457.6元) when it printed another unit than 万元; else ""."""
        if self.money_unit == "万元" or not isinstance(raw, Decimal) or not self.is_amount(node):
            return ""
        return in_printed_unit(raw, self.money_unit)

    def _inner_env(self, node: A.Comprehension, env):
        iterable = self._path_type(node.iterable.parts, env) if isinstance(node.iterable, A.Path) else None
        return {**env, node.var: item_type(iterable) if iterable else None}

    # ---- the three views of an expression ----------------------------------------
    def label(self, node, env=None, top=False) -> str:
        """The expression with Chinese labels: 全年执行 / 全年预算."""
        env = env or self.env
        own = self.names.get(self.source(node))
        if own and not top and env is self.env:
            return own
        if isinstance(node, A.Path):
            return self._path_label(node, env)
        if _atomic(node) or isinstance(node, A.ListLit):
            return self._literal_text(node, False)
        if isinstance(node, A.Call):
            return f"{node.name}(" + ", ".join(self.label(a, env) for a in node.args) + ")"
        if isinstance(node, A.Comprehension):
            inner = self._inner_env(node, env)
            text = f"{node.name}({self.label(node.element, inner)} for {node.var} in {self.label(node.iterable, env)}"
            if node.condition is not None:
                text += f" if {self.label(node.condition, inner)}"
            return text + ")"
        return self._structure(node, lambda child: self.label(child, env))

    def substituted(self, node, pct=False, top=False) -> str:
        """The expression with values in place of fields: 111.85 / 170.35."""
        own = self.names.get(self.source(node))
        if isinstance(node, (A.Num, A.Str, A.Const, A.ListLit)):
            return self._literal_text(node, pct)
        param = self._param(node)
        if param is not None and param.kind in _COLLECTION_KINDS:
            return self.label(node)  # the table itself is listed under 参数
        if isinstance(node, (A.Path, A.Comprehension)) or (own and not top):
            return self.value(node, pct or self.is_ratio(node))
        if isinstance(node, A.Call):
            args = []
            for i, arg in enumerate(node.args):
                same = (node.name in _SAME_UNIT_CALLS and i == 0) or (node.name == "choose" and i > 0)
                text = self.substituted(arg, (pct and same) or self.is_ratio(arg))
                if node.name == "contradicts" and isinstance(self.raw(arg), Interval):
                    # the range a computation allows is what the verdict rests on: show it, not only the formula
                    shown = self.value(arg, pct or self.is_ratio(arg))
                    text = text if text == shown else f"{text} = {shown}"
                args.append(text)
            return f"{node.name}(" + ", ".join(args) + ")"
        if isinstance(node, A.Binary):
            keep = node.op in "+-" or (node.op == "/" and _literal(node.right))
            return self._structure(node, lambda child: self.substituted(
                child, (pct and keep and not (node.op == "/" and child is node.right)) or self.is_ratio(child)))
        if isinstance(node, A.Unary):
            return "-" + _wrap(node.operand, self.substituted(node.operand, pct), node, False)
        return self._structure(node, lambda child: self.substituted(child, self.is_ratio(child)))

    def value(self, node, pct=False) -> str:
        raw = self.values.get(id(node), MISSING)
        return (not pct and self._in_printed_unit(node, raw)) or show(raw, pct)

    def raw(self, node):
        return self.values.get(id(node))

    # ---- operands and leaves -----------------------------------------------------
    def operand(self, node, pct=False) -> str:
        """One side of a comparison: `label value`, or `名称 = 公式 = 代入 = 结果` for a computation."""
        pct = pct or self.is_ratio(node)
        if _atomic(node):
            if not isinstance(node, A.Path):
                return self._literal_text(node, pct)
            param = self._param(node)
            if param is not None and param.kind in _COLLECTION_KINDS:
                return self.label(node)
            return f"{self.label(node)} {self.value(node, pct)}"
        parts = [self.names.get(self.source(node)), self.label(node, top=True), self.substituted(node, pct, top=True),
                 self.value(node, pct)]
        return " = ".join(part for part, _ in groupby(filter(None, parts)))  # each step once

    def comparison(self, node: A.Compare) -> str:
        pct = node.op not in ("in", "not in") and (self.is_ratio(node.left) or self.is_ratio(node.right))
        left = self.operand(node.left, pct)
        right = self.operand(node.right, pct)
        if not _atomic(node.right) and " = " in right:
            right = f"({right})"
        return f"{left} {OP_TEXT[node.op]} {right}"

    def leaf_line(self, node) -> str:
        return self.comparison(node) if isinstance(node, A.Compare) else self.operand(node)

    # ---- plain lines (explain's default view) ------------------------------------
    def _plain_side(self, node, pct: bool) -> str:
        """`名称 值` in the report's formats, no formula: 执行率 65.66%, 全年预算 170.35."""
        if _literal(node):
            return self._literal_text(node, pct)
        param = self._param(node)
        if param is not None and param.kind in _COLLECTION_KINDS:
            return param.title
        raw = self.raw(node)
        value = self.value(node, pct) if pct or not isinstance(raw, Decimal) else \
            self._in_printed_unit(node, raw) or plain_number(raw)
        name = param.title if param is not None else self._side_name(node)
        return f"{name} {value}" if name else value

    def _quantity_name(self, node) -> str:
        """indicator.actual.value is named by the evidence that shows indicator.actual.text (实际完成值 100)."""
        if isinstance(node, A.Path) and len(node.parts) > 2 and node.parts[-1] in ("value", "low"):
            return self.names.get(".".join(node.parts[:-1]) + ".text", "")
        return ""

    def _plain_name(self, node) -> str:
        """A name for a computed side that has no evidence label: its label when that reads as words,
        `甲 与 乙 之差` for abs(甲 - 乙), else none (the value stands alone)."""
        if isinstance(node, A.Call) and node.name == "abs" and len(node.args) == 1 \
                and isinstance(node.args[0], A.Binary) and node.args[0].op == "-":
            inner = node.args[0]
            return f"{self.label(inner.left)} 与 {self.label(inner.right)} 之差"
        branch = self._taken(node)
        if branch is not None:  # named by the branch taken
            return self._side_name(branch)
        if isinstance(node, A.Call) and node.name in ("wan", "to_wan") and node.args:
            return self._side_name(node.args[0])  # the same amount, in 万元
        if isinstance(node, A.Call) and node.name == "len" and len(node.args) == 1:
            named = self._side_name(node.args[0])
            return f"{named}的个数" if named else ""
        if isinstance(node, A.Binary) and node.op == "/":
            left, right = self._side_name(node.left), self._side_name(node.right)
            if left and right:  # 实际完成值 / 年度指标值
                return f"{left} / {right}"
        text = self.label(node).replace(" * ", " × ")
        return text if "(" not in text and len(text) <= 16 else ""

    def _taken(self, node):
        """The branch a choose(条件, 甲, 乙) took, or None (not a choose, or its condition unknown)."""
        if not (isinstance(node, A.Call) and node.name == "choose" and len(node.args) == 3):
            return None
        pick = self.raw(node.args[0])
        return node.args[1] if pick is True else node.args[2] if pick is False else None

    def _side_name(self, node) -> str:
        return self.names.get(self.source(node)) or self._quantity_name(node) or self._plain_name(node)

    def plain_line(self, node) -> str:
        """A leaf's node for people: the values and how they compare, without functions or intermediate sums."""
        branch = self._taken(node)
        if isinstance(branch, A.Compare) and id(branch) in self.values:  # the comparison taken decided
            return self.plain_line(branch)
        if isinstance(node, A.Comprehension) and node.name in _QUANTIFIERS:
            return self._plain_quantifier(node)
        if isinstance(node, A.Call) and node.name == "coalesce" and len(node.args) == 2:
            if self.raw(node.args[0]) is not None:
                return self.plain_line(node.args[0])  # the value itself decided, not the default
            return f"{self.plain_line(node.args[0])}(无法判断,按“{self.value(node.args[1])}”算)"
        if isinstance(node, A.Call) and node.name == "listed" and len(node.args) == 2:
            return f"{self._plain_side(node.args[1], False)} 在 {self._plain_side(node.args[0], False)} 之列"
        if isinstance(node, A.Compare):
            pct = node.op not in ("in", "not in") and (self.is_ratio(node.left) or self.is_ratio(node.right))
            return f"{self._plain_side(node.left, pct)} {OP_TEXT[node.op]} {self._plain_side(node.right, pct)}"
        if isinstance(node, A.Call) and node.name == "present" and node.args:
            return f"{self._plain_side(node.args[0], self.is_ratio(node.args[0]))} 已填写"
        if isinstance(node, A.Call) and node.name == "has" and len(node.args) == 2:
            return f"{self._plain_side(node.args[1], False)} 在{self._plain_side(node.args[0], False)}中"
        if isinstance(node, A.Call) and node.name == "contradicts" and len(node.args) == 2:
            return self._plain_contradiction(*node.args)
        return self._plain_side(node, self.is_ratio(node))

    def _plain_quantifier(self, node) -> str:
        """any(...)/all(...) over a list for people: what the list is and whether some / every item qualifies (the
        test itself is in --detail): 资金来源分项(其中) 中没有一项符合."""
        where = self.names.get(self.source(node)) or self.label(node.iterable)
        words = _QUANTIFIERS[node.name].get(self.raw(node), "中有的项无法判断")
        return f"{where} {words}"

    def _plain_contradiction(self, printed, computed) -> str:
        """contradicts(印出的值, 算得的范围) for people: 报告执行率 86.19% 与 按金额计算 [86.18%, 86.18%] 不符."""
        pct = self.is_ratio(printed) or self.is_ratio(computed)
        bare = self.source(_without_span(computed))
        name = self.names.get(self.source(computed)) or self.names.get(bare) or self._plain_name(_without_span(computed))
        shown = self.value(computed, pct)
        return f"{self._plain_side(printed, pct)} 与 {name + ' ' if name else ''}{shown} 不符"

    def plain_margin(self, margin: Margin | None) -> str:
        """The margin without 左边/右边 when a side has no short name."""
        if margin is None:
            return ""
        names = margin.text.split("(相当于")[0]
        if not any(word in names for word in ("左边", "右边", "(")):
            return margin.text
        if margin.difference == 0:
            return "两边相等"
        return f"相差 {margin.amount}"

    def margin(self, node) -> Margin | None:
        if not isinstance(node, A.Compare) or node.op in ("in", "not in"):
            return None
        left, right = self.raw(node.left), self.raw(node.right)
        if not (isinstance(left, Decimal) and isinstance(right, Decimal)):
            return None
        pct = self.is_ratio(node.left) or self.is_ratio(node.right)
        difference = left - right
        relative = abs(difference) / abs(right) if right != 0 else None
        lname, rname = self._short_name(node.left, pct, "左边"), self._short_name(node.right, pct, "右边")
        shown = "" if pct or not self.is_amount(node.left) else self._in_printed_unit(node.right, abs(difference))
        amount = (format(short(abs(difference).scaleb(2), 2), "f") + " 个百分点") if pct \
            else shown or plain_number(abs(difference))  # 52.800000 - 30.800000: 22.00, as the amounts show
        if difference == 0:
            text = f"{lname} 与 {rname} 相等"
        else:
            text = f"{lname} 比 {rname} {'高' if difference > 0 else '低'} {amount}"
            if relative is not None and relative <= 10:  # beyond that the share says nothing
                text += f"(相当于 {rname} 的 {percent(relative)})"
        return Margin(difference, relative, pct, text, amount)

    def _short_name(self, node, pct, side: str) -> str:
        if _literal(node):
            return self._literal_text(node, pct)
        name = self.names.get(self.source(node)) or self.label(node)
        return name if len(name) <= 12 and " " not in name else side

    # ---- helpers -----------------------------------------------------------------
    def _path_label(self, node: A.Path, env) -> str:
        head, rest = node.parts[0], node.parts[1:]
        if head == "param":
            param = self._param(node)
            return param.title if param is not None else self.source(node)
        if head == "year":
            return "年度"
        fields, current = [], env.get(head)  # (type, label) of each field the path passes through
        for part in rest:
            fields.append(RECORDS.get(current, {}).get(part))
            if fields[-1] is None:
                return self.source(node)
            current = fields[-1][0]
        if not fields:
            return self.source(node)
        label = fields[-1][1]
        if self.money_unit != "万元":  # its amounts are shown with their unit (215,457.6元)
            label = label.removesuffix(AMOUNT_MARK)
        # the other records passed through: project.previous.budget.full_year is 上年同一项目的全年预算, not the
        # project's own 全年预算
        label = "".join(hop + "的" for kind, hop in fields[:-1] if kind in _ENTITIES) + label
        # a comprehension variable keeps its name, so c.口径 and 口径 stay apart
        return label if head in self.env else f"{head}.{label}"

    def _literal_text(self, node, pct) -> str:
        if isinstance(node, A.Num):
            return percent(node.value) if pct and not node.text.endswith("%") else node.text
        if isinstance(node, A.Str):
            return f"“{node.value}”"
        if isinstance(node, A.Const):
            return {True: "是", False: "否", None: "空"}[node.value]
        if isinstance(node, A.ListLit):
            return "[" + "、".join(self._literal_text(i, pct) if _atomic(i) else self.source(i) for i in node.items) + "]"
        if isinstance(node, A.Unary):
            return "-" + self._literal_text(node.operand, pct)
        return self.source(node)

    def _structure(self, node, child_text) -> str:
        if isinstance(node, A.Binary):
            return (f"{_wrap(node.left, child_text(node.left), node, False)} {node.op} "
                    f"{_wrap(node.right, child_text(node.right), node, True)}")
        if isinstance(node, A.Unary):
            return "-" + _wrap(node.operand, child_text(node.operand), node, False)
        if isinstance(node, A.Compare):
            return f"{child_text(node.left)} {OP_TEXT[node.op]} {child_text(node.right)}"
        if isinstance(node, A.Logic):
            return f" {node.op} ".join(_wrap(i, child_text(i), node, False) for i in node.items)
        if isinstance(node, A.Not):
            return "not " + _wrap(node.operand, child_text(node.operand), node, False)
        return self.source(node)


def _wrap(child, text: str, parent, is_right: bool) -> str:
    """Parenthesise a sub-expression where precedence needs it; a label or a value (no spaces) never does."""
    if " " not in text:
        return text
    mine, theirs = A.precedence(child), A.precedence(parent)
    if isinstance(parent, A.Logic) and isinstance(child, A.Logic):
        return f"({text})"
    return f"({text})" if mine < theirs or (is_right and mine == theirs) else text
