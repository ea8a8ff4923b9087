"""The durable_rules rules and fact layout that `DurableBackend.decide_batches` uses: findings only.

Each compiled rule becomes durable rules whose match IS a finding (durable_kleene: one rule per
term of FIRED and of UNKNOWN), so durable_rules runs an action only for the ~2 % of (rule,
subject) pairs that are findings, instead of one per outcome. Encoding, per leaf of a subject:
- a comparison whose operands are both known writes both keys `<l>` and `<r>`, else neither: the
  left key's presence is the leaf being known. T is `l op $m r`, F is `l negop $m r`, U is
  `$nex l`. No `$ex` guard is needed: `r` is present whenever `l` is (the guard in the
  three-outcome rules protects against a lone key, which this encoding never writes);
- a boolean leaf writes `<t>`: true/false, or nothing when unknown (U is `$nex t`);
- a right side of literals and parameters alone (`shared_right`) is one key per fact, not per slot, written when
  any subject's leaf is known; a subject writes its `<l>` only where both its operands are known, so `<l>` present
  still means the leaf is known and its right key is there. Right sides that differ between a fact's subjects
  (never in a decide, whose reports share one scope) make each subject a fact of its own.
A fact holds `slots` subjects of one group of rules of one kind, each under an anchor key of its
slot: a `$nex` test only matches below the anchor of a subject that is in the fact. A rule not in
force has no keys, so its unknown terms match: the adapter drops those tags (no batch, no decision).
Terms are chains of single-property tests: the `$nex` tests first, then the positive ones (condition leaves
before `when` leaves). durable_rules decides a `$m` comparison only at the rule's end (its alpha node passes any
fact that has the key) and walks every property of the fact below each node it enters, while a `$nex` test
is one look-up that fails for a known leaf: put first, it keeps the unknown terms' chains from being entered at
all (measured: /tmp/oc decide 4.5 -> 2.6 s and 3.3 -> 2.0 s, two interleaved pairs, 10,000 projects).

durable_rules allocates state for every rule of a ruleset in every session (about 0.3 us a rule), so every
group has a ruleset of its own (and the facts of a decide share one session, durable.py). Its alpha network walks
every property of a fact for every node it visits, so slots are few where a group has many keys and terms
(ALPHA_WORK), and never more than durable_rules allows: its alpha stack of 64 nodes (error 303, STACK_BUDGET)
and 255 properties (error 302, FACT_PROPERTIES). Terms of one outcome share a durable rule as an `$or` (pack).
A rule whose terms are too many (durable_kleene.MAX_TERMS, or the backend's `max_terms`) gets its own group, one
subject per fact, with the three-outcome rules (fired / passed / not applicable; unknown when none matched).
"""
from __future__ import annotations

import json
import math
from functools import partial

from ..construct.compile import And, Leaf, Not, leaves_of
from ..core.catalog import SUBJECT_SCOPES
from ..expr import ast as A
from .base import FIRED, NOT_APPLICABLE, PASSED, UNKNOWN
from .durable_kleene import MAX_TERMS, T, U, finding_terms

FACT_PROPERTIES = 240  # of durable_rules' 255 (error 302), "sid" included
STACK_BUDGET = 60  # of durable_rules' MAX_STACK_SIZE 64 alpha nodes pending at once (error 303)
GROUP_PATH = 44  # a group's own worst case, leaving room for slots
MAX_SLOTS = 16  # more slots measured no faster (each anchor walks all the fact's properties)
# durable_rules' alpha network walks every property of a fact for every node it visits, so a fact's alpha work
# grows with (slots x properties) x (slots x alpha path): a group with many keys and terms gets fewer slots.
# slots <= sqrt(ALPHA_WORK / (properties x path)): 8,000 measured best of 2,000-30,000 and of 1-16 slots for all
# groups (decide 0.42 -> 0.37 s on the 32 rules, 5.3 -> 3.3 s on /tmp/oc, 10,000 projects), since facts share a session
ALPHA_WORK = 8000
MAX_RULE_EXPRESSIONS = 31  # durable_rules' expression entries per rule (error 113), as compile.MAX_RULE_COST
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NEG = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def comparison(op, left_key, right_key):
    if op == "==":
        return {left_key: {"$m": right_key}}
    return {_OPS[op]: {left_key: {"$m": right_key}}}


def shared_right(leaf: Leaf) -> bool:
    """Whether a comparison's right side reads no subject (literals, parameters, the year): one value for every
    subject of a decide, since a batch holds reports of one scope. Such a side is written once per fact under one
    key that every slot's rules compare with (19 % of the properties of the 32 rules' facts were these)."""
    return leaf.op is not None and leaf.right is not None and all(
        not isinstance(node, A.Comprehension) and (not isinstance(node, A.Path) or node.parts[0] in ("param", "year"))
        for node in A.walk(leaf.right))


def fnv1a(key: str) -> int:
    """durable_rules' hash of a property name (src/rules/json.c getStringAndHash, FNV-1a over the bytes): the only
    thing that tells two properties of a fact apart."""
    value = 0x811C9DC5
    for byte in key.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def clashing(keys) -> list:
    """Property names of one fact that durable_rules would take for one another (equal FNV-1a hashes)."""
    seen: dict = {}
    return [key for key in sorted(set(keys)) if seen.setdefault(fnv1a(key), key) != key]


class Group:
    """Rules of one kind decided together; `slots` subjects per fact."""

    def __init__(self, name: str, three_outcome: bool):
        self.name = name  # in every durable rule name of the group: no '"', no '.'
        self.three_outcome = three_outcome
        self.rules: list = []  # (compiled, fired terms, unknown terms)
        self.slots = 1
        self.codes: dict = {}  # (rule position, leaf index, side) -> letters, in the order first asked

    @staticmethod
    def prefix(slot: int) -> str:
        """The start of a slot's keys (its anchor is the prefix alone) and durable rule names: the slot's number,
        which nothing else in a ruleset's text starts with. Keys are short (a fact's property names were 64 % of
        its bytes, and durable_rules parses and hashes each): the slot's number and letters."""
        return str(slot)

    def leaf_key(self, slot: int, position: int, leaf: Leaf, side: str) -> str:
        code = self.codes.get((position, leaf.index, side))
        if code is None:
            number, code = len(self.codes), ""
            while True:  # a, b, ..., z, ba, bb, ...
                number, digit = divmod(number, 26)
                code = chr(ord("a") + digit) + code
                if not number:
                    break
            self.codes[(position, leaf.index, side)] = code
        if side == "r" and shared_right(leaf):  # no slot prefix: ruleset_text leaves it as it is in every slot
            return "p" + code
        return self.prefix(slot) + code

    def properties(self) -> int:
        """Keys one subject can write: anchor, 1 per boolean leaf or comparison, 1 more for a right side not shared."""
        return 1 + sum(2 - (leaf.op is None or shared_right(leaf)) for compiled, _, _ in self.rules
                       for leaf in compiled.leaves)

    def shared(self) -> int:
        """Keys a fact writes once for all its subjects (shared_right)."""
        return sum(map(shared_right, (leaf for compiled, _, _ in self.rules for leaf in compiled.leaves)))


def pack(items: list, costs: list, limit: int, base: int = 0) -> list:
    """Items in consecutive runs, each as long as `base` plus its items' costs stays within `limit`."""
    out, current, total = [], [], base
    for item, cost in zip(items, costs):
        if current and total + cost > limit:
            out.append(current)
            current, total = [], base
        current.append(item)
        total += cost
    if current:
        out.append(current)
    return out


def _chain(compiled, term: dict) -> list:
    """The term's atoms, ordered: $nex tests, then positive tests (condition, then when); the module says why."""
    in_when = {leaf.index for leaf in leaves_of(compiled.when)} if compiled.when is not None else set()
    return sorted(term.items(), key=lambda atom: (atom[1] != U, atom[0] in in_when, atom[0]))


def _stack_path(group: Group) -> int:
    """Worst case of alpha nodes pending at once below one anchor. durable_rules pops a node and
    pushes every child that matches; a bound that assumed chains share their equal `$m` tests was
    overflowed at half of 64 (hypothesis found it), so every term's chain may be pending at once:
    one node per term, plus the longest chain and the `$or` forward node it ends in."""
    terms = [term for _, fired, unknown in group.rules for term in fired + unknown]
    return len(terms) + max((len(term) for term in terms), default=0) + 1


def _added(group: Group, rule: tuple, path_limit: int = GROUP_PATH) -> bool:
    """Whether the group still fits a fact (its keys and alpha stack) with the rule (compiled, fired, unknown)
    added: if so the rule stays in it."""
    group.rules.append(rule)
    if group.properties() + group.shared() <= FACT_PROPERTIES - 1 and _stack_path(group) <= path_limit:
        return True
    group.rules.pop()
    return False


def plan_groups(program, max_terms: int = MAX_TERMS) -> dict:
    """kind -> [Group], the rules of every kind in program order; a rule of more than max_terms terms alone."""
    groups: dict = {}
    for kind_no, kind in enumerate(SUBJECT_SCOPES):
        letter = chr(ord("A") + kind_no)
        groups[kind] = []
        current = None
        for compiled in program.rules:
            if compiled.rule.subject != kind:
                continue
            terms = finding_terms(compiled, max_terms)
            if terms is not None and (current is None or not _added(current, (compiled, *terms))):
                current = Group(f"{letter}{len(groups[kind])}", False)
                # alone, a rule may take the alpha stack but for one slot's anchor: still one fact for several
                # subjects and an action only for a finding, where the three-outcome rules run one for every subject
                if _added(current, (compiled, *terms), STACK_BUDGET - 1):
                    groups[kind].append(current)
                else:
                    terms = None
            if terms is None:
                alone = Group(f"{letter}{len(groups[kind])}", True)
                alone.rules.append((compiled, [], []))
                groups[kind].append(alone)
                current = None
        for group in groups[kind]:
            if not group.three_outcome:
                path = _stack_path(group)
                group.slots = max(1, min(MAX_SLOTS, (FACT_PROPERTIES - 1 - group.shared()) // group.properties(),
                                         STACK_BUDGET - path,
                                         round(math.sqrt(ALPHA_WORK / (group.properties() * path)))))
    return groups


def _atom(leaf: Leaf, key, state: str) -> dict:
    """One single-property test of a leaf's state; U is its (left) key's absence."""
    if state == U:
        return {"$nex": {key(leaf, "t" if leaf.op is None else "l"): 1}}
    return nested(leaf, state == T, key)


def nested(tree, want_true: bool, key, compare=comparison) -> dict:
    """The three-outcome encoding: T or F of a tree as nested $and/$or over single tests, the leaf's
    properties named by key(leaf, side) (side "t", "l" or "r") and compared by `compare`."""
    if isinstance(tree, Leaf):
        if tree.op is None:
            return {key(tree, "t"): want_true}
        return compare(tree.op if want_true else _NEG[tree.op], key(tree, "l"), key(tree, "r"))
    if isinstance(tree, Not):
        return nested(tree.item, not want_true, key, compare)
    parts = [nested(i, want_true, key, compare) for i in tree.items]
    conjunction = isinstance(tree, And) == want_true
    return {"$and": parts} if conjunction else {"$or": parts}


def outcome_tests(compiled, key, compare=comparison) -> dict:
    """The three-outcome rules' tests: outcome -> [test], for fired, passed and (with a `when`) not applicable;
    unknown is none of them matching."""
    when_t = [nested(compiled.when, True, key, compare)] if compiled.when is not None else []
    tests = {FIRED: when_t + [nested(compiled.condition, True, key, compare)],
             PASSED: when_t + [nested(compiled.condition, False, key, compare)]}
    if compiled.when is not None:
        tests[NOT_APPLICABLE] = [nested(compiled.when, False, key, compare)]
    return tests


def rule_definitions(group: Group) -> tuple[dict, list]:
    """Slot 0's durable rules: name -> definition (without an action), and [(name, rule position, outcome)].
    The other slots' rules are the same with the slot's prefix (ruleset_text)."""
    out, tags = {}, []
    head = {group.prefix(0): 1}
    for position, (compiled, fired, unknown) in enumerate(group.rules):
        base = f"{group.prefix(0)}{group.name}_{position}_"
        key = partial(group.leaf_key, 0, position)
        if group.three_outcome:
            for n, (outcome, parts) in enumerate(outcome_tests(compiled, key).items()):
                out[f"{base}o{n}"] = {"all": [{"m": {"$and": [head] + parts}}]}
                tags.append((f"{base}o{n}", position, outcome))
            continue
        for letter, outcome, terms in (("f", FIRED, fired), ("u", UNKNOWN, unknown)):
            # terms grouped into durable rules [anchor, $or of terms] within the expression limit: 4 for the
            # rule (2 for its $and, 2 for the $or), 2 for each term of more than one test
            costs = [2 if len(term) > 1 else 0 for term in terms]
            for n, chunk in enumerate(pack(terms, costs, MAX_RULE_EXPRESSIONS, 4)):
                chains = [[_atom(compiled.leaves[leaf], key, state) for leaf, state in _chain(compiled, term)]
                          for term in chunk]
                if len(chains) == 1:
                    test = [head] + chains[0]
                else:
                    test = [head, {"$or": [atoms[0] if len(atoms) == 1 else {"$and": atoms} for atoms in chains]}]
                out[f"{base}{letter}{n}"] = {"all": [{"m": {"$and": test}}]}
                tags.append((f"{base}{letter}{n}", position, outcome))
    return out, tags


def ruleset_text(group: Group, warmup: dict, register) -> str:
    """The JSON text of a group's ruleset: the warm-up rule, then every slot's rules in slot order, as
    json.dumps of that dict would write it; `register(name, tag)` is told every rule's tag.

    Every key, anchor and rule name of slot 0 starts with its prefix (`"0`, no other string of the text does),
    so each slot's rules are slot 0's text with its own prefix: one encoding, not `slots`."""
    rules, tags = rule_definitions(group)
    first = json.dumps(rules, ensure_ascii=False)[1:-1]
    parts = [json.dumps({"warmup": warmup}, ensure_ascii=False)[1:-1]]
    for slot in range(group.slots if first else 0):  # no rules (none can fire nor be unknown): the warm-up alone
        prefix = group.prefix(slot)
        parts.append(first.replace(f'"{group.prefix(0)}', f'"{prefix}'))
        for name, position, outcome in tags:
            register(prefix + name[len(group.prefix(0)):], (slot, position, outcome))
    return "{" + ", ".join(parts) + "}"
