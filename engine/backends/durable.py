"""durable_rules adapter: the only module that touches durable_rules.

Guards for the traps measured on this machine (shared/research/engines-bench.md and anchors.md §6):
- one fact at a time: no assert_facts/post batches, whose actions run later on a timer thread and lose
  findings. decide_batches asserts its facts into one session per ruleset (SESSION), each fact with an id of
  its own and retracted once its actions ran, and deletes the session before it returns: a new session per
  fact cost durable_rules about 0.3 us per rule of the ruleset (it allocates and clears state for every
  rule), more than half of its native time on the 32 rules. The warm-up and `outcomes` (explain) keep a
  session per fact, deleted at once; never more than one live session in a ruleset;
- no timer threads at all: no durable Host exists (rulesets are made and facts asserted through the native
  calls, durable_networks.py), so every action runs inside assert_fact;
- a warm-up fact that matches a rule is asserted first (delete_state after an unmatched first fact
  can abort the process);
- actions take one argument (two-argument actions are treated as async) and only record which rule
  matched; we take them from durable_rules' native action queue ourselves (`_run_actions`), so an
  action that raised would be an EngineError here, never an exception swallowed into session state;
- numbers cross as plain finite floats written without exponents (the C JSON parser rejects
  1e-07 and Infinity) and, past 2**63, with a point (an integer text is read by atoll, which saturates),
  encoded pairwise so that float rounding can never change a comparison (beyond float range, stand-ins in
  the same order); decide_batches writes whole columns at once (`_number_texts`: a Decimal as printed where
  atof reads its float from that) and sends to `encode_pair` exactly the rows whose texts could collide or
  leave float range;
- a rule's condition stays within durable_rules' 31 expression entries (compile.MAX_RULE_COST,
  checked when the rules are loaded), and a ruleset durable_rules cannot build is an EngineError;
- the rulesets are built once per rule-set content and process and shared by the backends of that
  content (durable_networks.py: durable_rules frees a ruleset only when told to); sharing is safe
  because each fact's session is deleted before the next fact is asserted, and rulesets durable_rules
  failed on are never handed out again;
- every comparison is guarded by $ex, because durable_rules treats a missing property as equal
  to a present one in some rule combinations (the findings rules, durable_findings.py, instead
  never write one operand of a comparison without the other);
- durable_rules tells a fact's properties apart by a 32-bit FNV-1a hash of the name alone: a layout with two
  names of one hash is refused (`_check_keys`).
What durable_rules decides: every leaf's truth and the rule's Kleene logic over them, from the operands the
operand stage computed. A subject whose `when` the operand stage already found false for every rule of a group
(RuleBatch.when) is not asserted at all: not applicable to any, it could give no decision.
`outcomes` (explain) uses the three-outcome ruleset below; `decide_batches` uses the findings
rulesets of durable_findings.py (one per group of rules, several subjects per fact), whose
rules match only findings. Each has its own warm-up.
"""
from __future__ import annotations

import collections
import itertools
import json
import math
import re
import weakref
from decimal import Decimal
from functools import partial
from json.encoder import encode_basestring
from operator import add, contains, eq, getitem, gt, is_, is_not, mod

from . import durable_networks as networks
from ..core.catalog import SUBJECT_SCOPES
from ..expr.semantics import compare
from .base import FIRED, UNKNOWN, EngineError
from .batch import Decision
from .durable_findings import clashing, comparison, outcome_tests, pack, plan_groups, ruleset_text, shared_right
from .durable_kleene import MAX_TERMS

SESSION = "s"  # decide_batches' session in every findings ruleset
_SHARED = '{"sid":"' + SESSION + '",'  # how its facts begin (the others' sessions are numbers)
MAX_PROPERTIES = 200  # durable_rules refuses facts with more than 255 properties (error 302)


# durable_rules' ruleset-creation error codes (src/rules/rules.h) that rule authors can reach
_CREATE_ERRORS = {
    "106": "规则总数超过 durable_rules 的上限",
    "107": "同一字段上的条件过多,超过 durable_rules 的上限",
    "108": "同一字段上的条件过多,超过 durable_rules 的上限",
    "113": "单条规则的条件过于复杂,超过 durable_rules 的上限(每条规则 31 项)",
}


def _guarded(op, left_key, right_key):
    return {"$and": [{"$ex": {left_key: 1}}, {"$ex": {right_key: 1}}, comparison(op, left_key, right_key)]}


def _rule_key(prefix: str, leaf, side: str) -> str:
    """A three-outcome rule's property of one leaf: side "t" (boolean), "l" or "r" (comparison)."""
    return f"{prefix}{leaf.index}{side}"


def encode_pair(left, right):
    """Floats for durable_rules whose order is exactly the Decimals' order."""
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        fl, fr = float(left), float(right)
        if math.isfinite(fl) and math.isfinite(fr):
            if left == right:
                fr = fl
            elif left < right and not fl < fr:
                fr = math.nextafter(fl, math.inf)
            elif left > right and not fl > fr:
                fr = math.nextafter(fl, -math.inf)
        if not (math.isfinite(fl) and math.isfinite(fr)):
            # beyond float range (the C parser rejects Infinity): only the pair's order matters to the
            # comparison, so stand-ins in the same order keep durable_rules deciding it exactly
            return (0.0, 0.0) if left == right else (0.0, 1.0) if left < right else (1.0, 0.0)
        return fl, fr
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    # mixed or boolean operands: the checker allows them only for == and !=
    return (0, 0) if compare("==", left, right) else (0, 1)


def _json_value(value) -> str:
    if isinstance(value, float):  # the common cases first
        text = repr(value)
        return _fixed(text) if "e" in text else text
    if type(value) is str:
        return encode_basestring(value)  # what json.dumps(value, ensure_ascii=False) returns, without its set-up
    return json.dumps(value, ensure_ascii=False)


def _fixed(text: str) -> str:
    """A finite float's repr that has an exponent, written without one (the C parser rejects exponents) and
    with a point: a text without one is read by atoll, which saturates beyond 2**63 (1E+20 would equal 1E+21)."""
    text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def fact_json(fact: dict) -> str:
    return "{" + ",".join(json.dumps(k) + ":" + _json_value(v) for k, v in fact.items()) + "}"


def _pair_text(left_key: str, right_key: str, left, right) -> str:
    """One comparison leaf's members (leading commas) for a fact, or "" when an operand is unknown."""
    if left is None or right is None:
        return ""
    if type(left) is str and type(right) is str:
        return left_key + encode_basestring(left) + right_key + encode_basestring(right)
    if type(left) is Decimal and type(right) is Decimal:
        (left_text, right_text), inexact = _number_texts([left, right])
        if not inexact or ("n" not in (left_text, right_text) and _apart(left, right)):
            return left_key + left_text + right_key + right_text
    a, b = encode_pair(left, right)
    return left_key + _json_value(a) + right_key + _json_value(b)


def _apart(left: Decimal, right: Decimal) -> bool:
    """Whether durable_rules' floats of two Decimals compare as they do: float() rounds monotonically, so
    distinct floats keep the Decimals' order and equal Decimals give equal floats; only unequal Decimals
    rounded to one float do not."""
    return float(left) != float(right) or left == right


def _column_texts(slot_keys, column, is_bool: bool, known: "_OperandTexts", heads: list | None = None):
    """A leaf column as one string per subject (its members in its slot's keys, or ""). With `heads`, a shared
    right side (durable_findings.shared_right): its member is appended to heads, once, and the rows hold the left
    members alone; None where the rows known on both sides have unequal right operands or need `_pair_text`.

    Column-wise, to save Python per row: each step is one C-level pass over the column (look-ups of
    number texts, look-ups of string texts in `known`, concatenations); rows with an unknown operand are left
    out first, and a column where floats could collide or leave their range (`_operand_texts`) is written row
    by row by `_pair_text`, which every row's text equals."""
    if is_bool:
        (values,) = column
        tables = [{True: k + "true", False: k + "false", None: ""} for k in slot_keys[0]]
        try:
            return list(map(getitem, itertools.cycle(tables), values))
        except (KeyError, TypeError):  # not a bool (the checker makes this unreachable): as the rows say
            return _column_rows(slot_keys, column, True)
    lefts, rights = column
    count = len(lefts)
    left_types, right_types = known.types(lefts), known.types(rights)
    if left_types == _NONE or right_types == _NONE:
        return [""] * count
    types = left_types | right_types
    numeric = types <= _NUMBER
    if not (numeric or types <= _STRING):  # mixed or boolean operands (== and != only)
        return None if heads is not None else _column_rows(slot_keys, column, False)
    # members only for the rows whose operands are both known, in their slots' keys
    rows = range(count)
    if type(None) in left_types:
        rows = list(itertools.compress(rows, map(is_not, lefts, itertools.repeat(None))))
    if type(None) in right_types:
        rows = list(itertools.compress(rows, map(is_not, map(rights.__getitem__, rows), itertools.repeat(None))))
    out = [""] * count
    if not rows:
        return out
    texts = _operand_texts(list(map(lefts.__getitem__, rows)), list(map(rights.__getitem__, rows)), numeric, known,
                           heads is not None)
    if texts is None:  # a row for `_pair_text`, or an operand that cannot be looked up
        return None if heads is not None else _column_rows(slot_keys, column, False)
    left_texts, right_texts, constant = texts
    slot_of = list(map(mod, rows, itertools.repeat(len(slot_keys[0]))))
    left_keys, right_keys = (map(keys.__getitem__, slot_of) for keys in slot_keys)
    if heads is not None:
        heads.append(slot_keys[1][0] + right_texts)
        members = map(add, left_keys, left_texts)
    else:
        members = map(add, map(add, map(add, left_keys, left_texts), right_keys),
                      itertools.repeat(right_texts) if constant else right_texts)
    collections.deque(map(out.__setitem__, rows, members), 0)  # out[row] = member, without Python per row
    return out


def _operand_texts(lefts: list, rights: list, numeric: bool, known, shared: bool = False):
    """(left texts, right texts or the one right text, whether it is one) of known operands, or None
    where a row needs `_pair_text` (a float collision or beyond float range) or cannot be looked up, or where a
    shared right side (durable_findings.shared_right) is not one value."""
    count = len(lefts)
    first = rights[0]
    # usually one parameter for the column; equal Decimals (1.0, 1.00) are one float, so the first's text stands
    # for them all (a shared side's rows are not the same object where the operand stage computed them)
    constant = (shared or rights[-1] is first) and rights.count(first) == count
    if shared and not constant:
        return None
    if not numeric:
        try:
            left_texts, right_texts = known.texts(lefts), known.texts([first] if constant else rights)
        except TypeError:  # unhashable (the checker makes this unreachable)
            return None
        return (left_texts, right_texts[0], True) if constant else (left_texts, right_texts, False)
    left_texts, left_inexact = known.numbers(lefts)
    right_texts, right_inexact = _number_texts([first]) if constant else known.numbers(rights)
    if left_inexact or right_inexact:  # only a float's text can collide or stand for what a float cannot hold
        if "n" in map(left_texts.__getitem__, left_inexact) or "n" in map(right_texts.__getitem__, right_inexact):
            return None
        # `_apart` at C speed, on the floats durable_rules reads from the texts (float() of a text is 0.25 us, of a
        # Decimal 0.35): only where they meet are the Decimals compared
        if constant:
            rows = range(count) if right_inexact else left_inexact
            floats, right = list(map(float, map(left_texts.__getitem__, rows))), float(right_texts[0])
            if right in floats and not all(lefts[row] == first for row, value in zip(rows, floats) if value == right):
                return None
        else:
            rows = sorted({*left_inexact, *right_inexact})
            meet = map(eq, *(map(float, map(texts.__getitem__, rows)) for texts in (left_texts, right_texts)))
            if not all(lefts[row] == rights[row] for row in itertools.compress(rows, meet)):
                return None
    return (left_texts, right_texts[0], True) if constant else (left_texts, right_texts, False)


def _column_template(slot_keys, column, is_bool: bool, known, heads: list | None = None):
    """A leaf column as format pieces per slot and values per row: ([piece per slot], [values], values per
    row), the pieces holding the keys (and a constant right operand), so that rows cost no concatenation.
    Columns with an unknown operand or a row for `_pair_text` are their members (`_column_texts`). With `heads`
    (a shared right side) as `_column_texts`: None where the side is not one value."""
    escape = lambda text: text.replace("%", "%%")  # noqa: E731
    if is_bool:
        (values,) = column
        try:
            texts = list(map(_BOOL_TEXTS.__getitem__, values))
        except (KeyError, TypeError):
            texts = None
        if texts is not None and "" not in texts:
            return [escape(key) + "%s" for key in slot_keys[0]], texts, 1
    else:
        lefts, rights = column
        types = known.types(lefts) | known.types(rights)
        texts = (_operand_texts(lefts, rights, types == {Decimal}, known, heads is not None)
                 if types in ({Decimal}, {str}) else None)
        if texts is not None:
            left_texts, right_texts, constant = texts
            if heads is not None:
                heads.append(slot_keys[1][0] + right_texts)
                return [escape(left) + "%s" for left in slot_keys[0]], left_texts, 1
            if constant:
                return ([escape(left) + "%s" + escape(right + right_texts) for left, right in zip(*slot_keys)],
                        left_texts, 1)
            return ([escape(left) + "%s" + escape(right) + "%s" for left, right in zip(*slot_keys)],
                    list(itertools.chain.from_iterable(zip(left_texts, right_texts))), 2)
    texts = _column_texts(slot_keys, column, is_bool, known, heads)
    return None if texts is None else (["%s"] * len(slot_keys[0]), texts, 1)


_BOOL_TEXTS = {True: "true", False: "false", None: ""}


class _OperandTexts:
    """JSON texts of string operands, each encoded once while the batches keep them alive (decide_batches);
    numbers are written column by column (`_number_texts`), and a column's number texts and types are made once
    per list: the operand stage shares a list between the leaves that read one expression (50,000 of the 239,000
    number rows at 10,000 projects with the 32 rules), and `_column_texts` looks again at `_column_template`'s."""

    def __init__(self):
        self.strings: dict = {}
        self.columns: dict = {}  # (id of a list, what) -> (the list, kept alive while its id is a key; the result)

    def _once(self, what, function, values: list):
        entry = self.columns.get((id(values), what))
        if entry is None or entry[0] is not values:
            entry = self.columns[(id(values), what)] = (values, function(values))
        return entry[1]

    def numbers(self, values: list) -> tuple:
        return self._once("numbers", _number_texts, values)

    def types(self, values: list) -> set:
        return self._once("types", _types, values)

    def texts(self, values: list) -> list:
        cache = self.strings
        texts = list(map(cache.get, values))
        if None in texts:
            missing = list(dict.fromkeys(itertools.compress(values, map(is_, texts, itertools.repeat(None)))))
            cache.update(zip(missing, map(encode_basestring, missing)))
            texts = list(map(cache.__getitem__, values))
        return texts


def _types(values: list) -> set:
    return set(map(type, values))


PLAIN_LENGTH = 15  # str(Decimal) this long or shorter, without exponent, holds at most 15 significant digits


def _number_texts(values: list) -> tuple:
    """(the JSON number durable_rules reads as float(value) for each Decimal, the rows that can collide).

    A Decimal printed plainly in at most PLAIN_LENGTH characters is written as printed: C's atof (and atoll for
    an integer, compared as a double) reads float(value) from it, and two unequal such Decimals (at most 15
    significant digits, DBL_DIG) never round to one float, so they need no collision check. A longer one with a
    point below 1e19 (a rate computed by division: 28 digits) is written as printed too, since glibc's atof rounds
    correctly: no float() and repr() (1 us a row). Any other (an integer text is read by atoll, which saturates;
    an exponent; beyond float range) is written as its float (`_float_texts`, which may say "n"). The long ones
    can collide (`_apart`)."""
    texts = list(map(str, values))  # no cache: a first Decimal hash (0.4 us) costs more than str() (0.15 us)
    inexact = list(itertools.compress(range(len(texts)), map(gt, map(len, texts), itertools.repeat(PLAIN_LENGTH))))
    joined = "".join(texts)
    odd = set()
    if "E" in joined or "N" in joined or "I" in joined:  # an exponent, NaN or Infinity
        odd = {row for row, text in enumerate(texts) if "E" in text or "N" in text or "I" in text}
        inexact = sorted({*inexact, *odd})
    if inexact:
        points = map(str.find, map(texts.__getitem__, inexact), itertools.repeat("."))
        floated = [row for row, point in zip(inexact, points) if not 0 < point <= 20 or row in odd]
        for row, text in zip(floated, _float_texts(list(map(values.__getitem__, floated)))):
            texts[row] = text
    return texts, inexact


def _float_texts(values: list) -> list:
    """The JSON durable_rules reads for float(value) of each Decimal, with no exponent; "n" where the
    float is infinite, NaN or a zero that the Decimal is not (those need encode_pair's stand-ins)."""
    floats = list(map(float, values))
    texts = list(map(repr, floats))
    joined = "".join(texts)
    if "e" in joined or "n" in joined or 0.0 in floats:
        for row in itertools.compress(range(len(texts)), map(contains, texts, itertools.repeat("e"))):
            texts[row] = _fixed(texts[row])  # finite: "inf" and "nan" hold no "e"
        if "n" in joined:
            for row in itertools.compress(range(len(texts)), map(contains, texts, itertools.repeat("n"))):
                texts[row] = "n"
        for row in itertools.compress(range(len(texts)), map(eq, floats, itertools.repeat(0.0))):
            if values[row] != 0:  # below float range
                texts[row] = "n"
    return texts


_NONE = {type(None)}
_NUMBER = {Decimal, type(None)}
_STRING = {str, type(None)}


def _column_rows(slot_keys, column, is_bool: bool) -> list:
    """`_column_texts` one row at a time: for the columns it does not handle column-wise."""
    if is_bool:
        (values,) = column
        return ["" if v is None else (k + "true" if v else k + "false")
                for k, v in zip(itertools.cycle(slot_keys[0]), values)]
    return [_pair_text(left_key, right_key, left, right)
            for left_key, right_key, left, right in zip(itertools.cycle(slot_keys[0]), itertools.cycle(slot_keys[1]),
                                                        *column)]


def _encode_leaves(parts: list, leaves, rule_values) -> None:
    """Append one rule's leaf values as JSON members; an unknown value is left out (no key: no T/F match)."""
    for index, is_truth, key, right_key in leaves:
        pair = rule_values[index]
        if is_truth:
            if pair[0] is not None:
                parts.append(f",{key}{'true' if pair[0] else 'false'}")
        elif pair[0] is not None and pair[1] is not None:
            left, right = encode_pair(*pair)
            parts.append(f",{key}{_json_value(left)},{right_key}{_json_value(right)}")


class _Layout:
    """What DurableBackend derives from a program alone: groups, keys, the durable definitions and the
    tag of every durable rule name. Built once per program (`_layout_of`): about 40 ms for the shipped rules."""

    def __init__(self, program, max_terms: int):
        self.program, self.max_terms = program, max_terms
        self.groups: dict[str, list] = {}  # subject kind -> [(group name, [(rule_no, compiled)])]
        # subject kind -> per group: (group, its JSON prefix, [(rule id, [(leaf index, bool leaf?, key, key)])])
        self.fact_plans: dict = {}
        # (group name, rule position, leaf index) -> ([member prefix per slot], [right member prefix per slot])
        self.slot_keys: dict = {}
        self.shared: set = set()  # the (group name, rule position, leaf index) of shared right sides
        self.tags: dict = {"warmup": ("warmup", None)}  # durable rule name -> what its action records
        warmup = {"all": [{"m": {"g": "__warmup__"}}]}
        definition = {"warmup": warmup}
        for kind in SUBJECT_SCOPES:
            rules = [(rule_no, compiled) for rule_no, compiled in enumerate(program.rules)
                     if compiled.rule.subject == kind]
            runs = pack(rules, [2 * len(compiled.leaves) + 1 for _, compiled in rules], MAX_PROPERTIES)
            self.groups[kind] = [(f"{kind}#{n}", members) for n, members in enumerate(runs)]
            self.fact_plans[kind] = []
            # the three-outcome rules, for `outcomes` (explain: one subject, every outcome); each subject
            # is a fact of its own
            for group, members in self.groups[kind]:
                plan = []
                names = ["sid", "g"]  # the property names of the group's facts
                for rule_no, compiled in members:
                    key = partial(_rule_key, f"r{rule_no}_")
                    names += [key(leaf, side) for leaf in compiled.leaves
                              for side in (("t",) if leaf.op is None else ("l", "r"))]
                    plan.append((compiled.rule.id, [
                        (leaf.index, True, json.dumps(key(leaf, "t")) + ":", "") if leaf.op is None else
                        (leaf.index, False, json.dumps(key(leaf, "l")) + ":", json.dumps(key(leaf, "r")) + ":")
                        for leaf in compiled.leaves]))
                    selector = {"g": group}
                    for outcome, tests in outcome_tests(compiled, key, _guarded).items():
                        name = f"r{rule_no}_{outcome}"
                        definition[name] = {"all": [{"m": {"$and": [selector] + tests}}]}
                        self.tags[name] = (compiled.rule.id, outcome)
                self.fact_plans[kind].append((group, ',"g":' + json.dumps(group), plan))
                _check_keys(names)
        # the findings rules (decide_batches): one ruleset per group, because durable_rules allocates
        # state for every rule of a ruleset in every session, so a fact pays for every rule (~0.3 us each)
        self.finding_groups = plan_groups(program, max_terms)  # kind -> [durable_findings.Group]
        self.finding_plan: dict = {}  # id(CompiledRule) -> (Group, position in it)
        self.texts = {"": json.dumps(definition, ensure_ascii=False)}  # ruleset name suffix -> its definitions' text
        for kind_groups in self.finding_groups.values():
            for group in kind_groups:
                names = ["sid", "id"] + [group.prefix(slot) for slot in range(group.slots)]  # as above
                for position, (compiled, _, _) in enumerate(group.rules):
                    self.finding_plan[id(compiled)] = (group, position)
                    for leaf in compiled.leaves:
                        if shared_right(leaf):
                            self.shared.add((group.name, position, leaf.index))
                        sides = [[group.leaf_key(slot, position, leaf, side) for slot in range(group.slots)]
                                 for side in (("t",) if leaf.op is None else ("l", "r"))]
                        names += itertools.chain.from_iterable(sides)
                        self.slot_keys[(group.name, position, leaf.index)] = tuple(
                            [',"' + name + '":' for name in side] for side in sides)
                self.texts[f"_{group.name}"] = ruleset_text(group, warmup, self.tags.__setitem__)
                _check_keys(names)
        self.key = networks.key_of(self.texts)


def _check_keys(keys: list) -> None:
    clash = clashing(keys)
    if clash:  # never seen: the keys are short and few, but a clash would decide wrongly, not fail
        raise EngineError(f"durable_rules 无法区分事实中的属性名 {clash[0]}(散列值相同)")


_LAYOUTS_KEPT = 4  # as many as compile_rules keeps programs: tests and rule-test runs alternate rule sets
_layouts: list = []  # the _Layouts of the programs evaluated last, most recent last (each keeps its program alive)


def _layout_of(program, max_terms: int) -> _Layout:
    for layout in _layouts:
        if layout.program is program and layout.max_terms == max_terms:
            _layouts.remove(layout)
            break
    else:
        layout = _Layout(program, max_terms)
        del _layouts[:len(_layouts) - _LAYOUTS_KEPT + 1]
    _layouts.append(layout)
    return layout


class DurableBackend:
    """Decides on durable_rules; the rulesets are shared with other backends of the same rules
    (durable_networks), so `close()` it (evaluate, explain and the workers do) and do not use it after."""

    name = "durable_rules"

    def __init__(self, program, max_terms: int = MAX_TERMS):
        """max_terms: a rule with more durable rules than this for an outcome is decided the three-outcome way."""
        from durable import engine as durable_engine

        self._observed = durable_engine.MessageObservedException
        self._native = durable_engine.durable_rules_engine
        layout = _layout_of(program, max_terms)
        self.groups, self.finding_groups = layout.groups, layout.finding_groups
        self._plans, self._slot_keys, self._finding_plan = layout.fact_plans, layout.slot_keys, layout.finding_plan
        self._shared = layout.shared
        self.fired: list = []
        self.failures: list = []
        self._tags, self._actions = layout.tags, {}  # durable rule name -> action, made at its first match
        self._sid = itertools.count()
        self._live: set = set()  # the rulesets in which SESSION exists (decide_batches deletes it before returning)
        try:
            network, fresh = networks.acquire(layout.key, layout.texts)
        except Exception as exc:  # the C extension raises a bare `error` carrying a code
            code = str(exc).rsplit(" ", 1)[-1]
            why = _CREATE_ERRORS.get(code, "")
            raise EngineError(f"durable_rules 无法建立规则网络({why or '未知原因'}): {exc};"
                              "可改用 --backend python") from exc
        self._network = network
        self._release = weakref.finalize(self, networks.release, network)  # also when it is dropped unclosed
        self._ruleset = network.handles[""]  # the three-outcome rules (outcomes)
        self.findings_rulesets = {suffix[1:]: handle for suffix, handle in network.handles.items() if suffix}
        if fresh:
            try:
                self._assert({"g": "__warmup__"})
                for ruleset in self.findings_rulesets.values():  # every ruleset has the trap the warm-up avoids
                    sid = str(next(self._sid))
                    self._assert_text(sid, '{"sid":"' + sid + '","g":"__warmup__"}', ruleset)
            except BaseException:
                self.close()
                raise
            self.fired.clear()

    def _action(self, tag):
        fired, failures = self.fired, self.failures

        def action(c):  # exactly one parameter: two would make durable_rules treat it as async
            try:
                fired.append(tag)
            except BaseException as exc:  # durable_rules would swallow it; we keep it
                failures.append(exc)

        return action

    def _assert(self, fact: dict):
        sid = str(next(self._sid))
        self._assert_text(sid, fact_json({"sid": sid, **fact}))

    def _assert_text(self, sid: str, text: str, ruleset=None):
        """Assert one fact (a JSON object carrying `sid`) into a ruleset (a native handle; default the
        three-outcome rules), run the actions of the rules it matched, delete its session. A fact of the
        shared session (text starting with `_SHARED`, `sid` its "id") is retracted instead, if it was stored.

        The actions are taken from durable_rules' native queue one by one, in this thread, the way
        `Ruleset.do_actions` does, minus the per-action session state round trip (JSON decode, Closure,
        update_state) that we never use: our actions only record which rule matched. Result codes as
        `Ruleset._handle_result` reads them: 1 not handled (no rule matched), 2 observed (a session that
        exists already), 3 deferred.
        """
        if ruleset is None:
            ruleset = self._ruleset
        shared = text.startswith(_SHARED)
        session = SESSION if shared else sid
        if shared:
            self._live.add(ruleset)
        try:
            result = self._native.assert_fact(ruleset, text)
            if result[0] == 2:
                raise self._observed(text)
            if result[0] != 1:
                if result[0] != 0:
                    raise EngineError(f"durable_rules deferred a fact (code {result[0]}); sessions must never overlap")
                self._run_actions(result[1], ruleset)
                if shared:  # stored (code 1: no rule's alpha path reached, nothing stored)
                    self._retract(ruleset, sid)
        except EngineError:
            self._delete_quietly(session, ruleset)
            raise
        except Exception as exc:
            # a rejected fact left no session (error 309 on delete): the rejection is the news
            self._delete_quietly(session, ruleset)
            raise EngineError(f"durable_rules rejected a fact: {type(exc).__name__}: {exc}") from exc
        if not shared:
            self._end_session(ruleset, sid)
        if self.failures:
            raise EngineError(f"an action failed inside durable_rules: {self.failures[0]!r}")

    def _delete_state(self, ruleset, sid: str) -> None:
        self._native.delete_state(ruleset, sid)

    def _end_session(self, ruleset, sid: str) -> None:
        try:
            self._delete_state(ruleset, sid)
        except Exception as exc:
            networks.discard(self._network)
            raise EngineError(f"durable_rules could not delete a session: {type(exc).__name__}: {exc}") from exc

    def _retract(self, ruleset, fact_id: str) -> None:
        try:
            result = self._native.retract_fact(ruleset, '{"sid":"' + SESSION + '","id":"' + fact_id + '"}')
        except Exception as exc:
            raise EngineError(f"durable_rules could not retract a fact: {type(exc).__name__}: {exc}") from exc
        if result[0] != 0:
            raise EngineError(f"durable_rules retracted a fact with code {result[0]}")

    def _end_sessions(self) -> None:
        """Delete SESSION wherever it exists, so that the rulesets are left without sessions (other backends
        share them)."""
        while self._live:
            self._end_session(self._live.pop(), SESSION)

    def _run_actions(self, state_offset: int, handle):
        native, actions = self._native, self._actions
        started = native.start_action_for_state(handle, state_offset)
        message = started[1] if started else None
        while message is not None:
            name = message[2:message.index('"', 2)]  # serialised by durable_rules as {"<rule name>":{...}}
            try:
                action = actions.get(name)
                if action is None:
                    action = actions[name] = self._action(self._tags[name])
                action(self)
            except Exception as exc:  # durable_rules would have swallowed it into the session state
                raise EngineError(f"durable_rules 中的动作抛出了异常: {type(exc).__name__}: {exc}") from exc
            message = native.complete_and_start_action(handle, state_offset)

    def _delete_quietly(self, sid: str, ruleset):
        """After a failed fact: its session goes, and so do these rulesets once this backend is done with
        them (a later backend gets new ones rather than rulesets durable_rules failed on)."""
        networks.discard(self._network)
        if sid == SESSION:
            self._live.discard(ruleset)
        try:
            self._delete_state(ruleset, sid)
        except Exception:  # noqa: BLE001
            pass

    def _check_open(self) -> None:
        # after close() the rulesets may have been deleted: asserting into them would crash in C
        if not self._release.alive:
            raise EngineError("durable_rules backend used after close()")

    def outcomes(self, subject, items) -> dict:
        self._check_open()
        values = {compiled.rule.id: leaf_values for compiled, leaf_values in items}
        out = {}
        for group, group_json, members in self._plans[subject.kind]:
            present = []
            parts = [group_json]
            for rule_id, leaves in members:
                rule_values = values.get(rule_id)
                if rule_values is None:
                    continue
                present.append(rule_id)
                _encode_leaves(parts, leaves, rule_values)
            if not present:
                continue
            sid = str(next(self._sid))
            self.fired.clear()
            self._assert_text(sid, '{"sid":"' + sid + '"' + "".join(parts) + "}")
            seen: dict = {}
            for rule_id, outcome in self.fired:
                if seen.setdefault(rule_id, outcome) != outcome:
                    raise EngineError(f"durable_rules gave {rule_id} two outcomes: {seen[rule_id]}, {outcome}")
            for rule_id in present:
                out[rule_id] = seen.get(rule_id, UNKNOWN)
        return out

    def decide_batches(self, batches) -> list:
        """[RuleBatch] -> [Decision] for every subject a rule fired on or cannot evaluate.

        The batches of one kind share their subjects; each group of their rules (durable_findings)
        is decided on facts of `group.slots` consecutive subjects, the findings ruleset's actions
        naming the findings. Decisions come in (batch, row) order, as the Python backend's."""
        self._check_open()
        by_group: dict = {}  # (id of the batches' subjects, group) -> {position in the group: batch index}
        for b, batch in enumerate(batches):
            group, position = self._finding_plan[id(batch.compiled)]
            by_group.setdefault((id(batch.subjects), group), {})[position] = b
        decided: dict = {}
        known = _OperandTexts()
        try:
            for (_, group), present in by_group.items():
                count = len(batches[next(iter(present.values()))].subjects)
                if count:
                    self._decide_group(group, present, batches, count, decided, known)
        finally:
            self._end_sessions()
        return [Decision(b, row, outcome) for (b, row), outcome in sorted(decided.items())]

    def _decide_group(self, group, present: dict, batches, count: int, decided: dict, known) -> None:
        slots = group.slots
        anchors = [f',"{group.prefix(slot)}":1' for slot in range(slots)]
        columns = []  # (pieces, values, values per row)
        heads = []  # the members of shared right sides (durable_findings.shared_right), once per fact
        leaves = [((group.name, position, leaf.index), batches[b].columns[leaf.index], leaf)
                  for position, b in present.items() for leaf in batches[b].compiled.leaves]
        kept = range(count)  # the subjects asserted, by their row in the batches
        whens = [batches[b].when for b in present.values()]
        if None not in whens:
            # a subject whose `when` the operand stage found false for every rule of the group (as the batches say)
            # is not applicable to any: no fact (40 % of the 32 rules' claims; 30-100 % of some /tmp/oc groups)
            kept = list(itertools.compress(kept, map(any, zip(*(map(is_not, when, itertools.repeat(False))
                                                                 for when in whens)))))
            if not kept:
                return
            if len(kept) < count:
                taken: dict = {}  # id of a column's list -> its rows (a list may serve several leaves)
                for side in {id(side): side for _, column, _ in leaves for side in column}.values():
                    taken[id(side)] = list(map(side.__getitem__, kept))
                leaves = [(name, tuple(taken[id(side)] for side in column), leaf) for name, column, leaf in leaves]
                count = len(kept)
        for name, column, leaf in leaves:
            template = _column_template(self._slot_keys[name], column, leaf.op is None, known,
                                        heads if name in self._shared else None)
            if template is None:  # a shared right side that differs between subjects: each a fact of its own
                heads = None
                break
            columns.append(template)
        fired, sid_counter, assert_text = self.fired, self._sid, self._assert_text
        ruleset = self.findings_rulesets[group.name]
        three_outcome = group.three_outcome
        if heads is None:
            rows = [_column_rows(self._slot_keys[name], column, leaf.op is None) for name, column, leaf in leaves]
            bodies = None
        else:
            head = "".join(heads)
            # every whole fact in one join (C speed, no Python per fact), split at "\0" (no key or JSON text holds
            # one: encode_basestring escapes it): a fact's text pieces and values alternate, each put in place for
            # all facts by one extended-slice assignment (about 180 for the 32 rules' project group); a join, not
            # the pieces' format, which cost twice as much
            whole = count // slots
            texts = ["".join(anchors) + head]  # a fact's text between two values
            for token in re.split("(%%|%s)", "".join("".join(pieces) for pieces, _, _ in columns)):
                if token == "%s":
                    texts.append("")
                else:
                    texts[-1] += "%" if token == "%%" else token
            texts[-1] += "\0"
            stride = 2 * len(texts) - 1
            flat = [None] * (whole * stride)
            for k, text in enumerate(texts):
                flat[2 * k::stride] = [text] * whole
            k = 1
            for _, values, width in columns:
                for n in range(slots * width):
                    flat[k::stride] = values[n:whole * slots * width:slots * width]
                    k += 2
            bodies = iter("".join(flat).split("\0")[:whole])
            if count % slots:
                tail, subjects = count - count % slots, count % slots
                bodies = itertools.chain(bodies, ["".join(anchors[:subjects]) + head + "".join(
                    "".join(pieces[:subjects]) for pieces, _, _ in columns) % tuple(itertools.chain.from_iterable(
                        values[tail * width:] for _, values, width in columns))])
        for start in range(0, count, slots):
            end = min(start + slots, count)
            fired.clear()
            if bodies is None:
                self._one_by_one(group, [anchors[slot] + "".join(texts[row] for texts in rows)
                                         for slot, row in enumerate(range(start, end))])
            else:
                body = next(bodies)
                fact_id = str(next(sid_counter))
                try:
                    assert_text(fact_id, _SHARED + '"id":"' + fact_id + '"' + body + "}", ruleset)
                except EngineError as error:
                    if "error code: 303" not in str(error) or end - start == 1:
                        raise
                    # durable_rules' alpha stack (64 nodes) overflowed on this many subjects at once: decide
                    # them one per fact, in slot 0's keys
                    fired.clear()
                    self._one_by_one(group, [
                        anchors[slot] + head + "".join(pieces[slot] % tuple(values[row * width:(row + 1) * width])
                                                       for pieces, values, width in columns)
                        for slot, row in enumerate(range(start, end))])
            if three_outcome:
                self._three_outcome_decisions(fired, present, kept[start:end], decided)
                continue
            for slot, position, outcome in fired:
                b = present.get(position)
                if b is None:  # a rule not in force this year: its $nex tests saw no keys
                    continue
                if decided.setdefault((b, kept[start + slot]), outcome) != outcome:
                    raise EngineError(f"durable_rules gave {batches[b].compiled.rule.id} two outcomes: "
                                      f"{decided[(b, kept[start + slot])]}, {outcome}")

    def _one_by_one(self, group, texts: list) -> None:
        """Assert each subject of a fact alone, given its members per slot (keys renamed to slot 0); `fired`
        gets its tags as slot numbers of the original fact."""
        first = group.prefix(0)
        for slot, members in enumerate(texts):
            text = members.replace(f',"{group.prefix(slot)}', f',"{first}')
            before = len(self.fired)
            fact_id = str(next(self._sid))
            ruleset = self.findings_rulesets[group.name]
            self._assert_text(fact_id, _SHARED + '"id":"' + fact_id + '"' + text + "}", ruleset)
            self.fired[before:] = [(slot, position, outcome) for _, position, outcome in self.fired[before:]]

    @staticmethod
    def _three_outcome_decisions(fired, present: dict, rows, decided: dict) -> None:
        """Decisions of one fact of a three-outcome group, whose slots hold the subjects of `rows`."""
        seen: dict = {}
        for slot, position, outcome in fired:
            if seen.setdefault((slot, position), outcome) != outcome:
                raise EngineError(f"durable_rules gave a rule two outcomes: {seen[(slot, position)]}, {outcome}")
        for position, b in present.items():
            for slot, row in enumerate(rows):
                outcome = seen.get((slot, position), UNKNOWN)
                if outcome in (FIRED, UNKNOWN):
                    decided[(b, row)] = outcome

    def close(self):
        self._release()
