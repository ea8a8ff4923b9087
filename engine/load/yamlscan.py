"""A line scanner for the plain YAML that facts files are written in, several times faster than libyaml.

Most of the load time of a province's facts went into YAML nodes: libyaml events, PyYAML's
composer and resolver, then our builder, each a Python step per node. Facts files use a small,
regular part of YAML, so this module reads that part directly, one line at a time, with each
distinct line parsed once (by regular expressions) and remembered: a province's files repeat most
of their lines (`kind: 产出-数量`, `section: 三(二)1 数量指标 正文` ...).

It accepts ONLY:
- block mappings and block sequences nested by indentation (spaces), `- ` items, `- key: value`;
- keys made of word characters, `.` and `-`, followed by `:` and a space or the end of the line;
- plain scalars on one line without `: ` or ` #`, starting with no indicator character, whose type
  PyYAML's own resolver decides; of the non-text types only `-?digits`, `-?digits.digits`,
  booleans, null words and timestamps (kept as text, as yamlsrc does) are accepted;
- double-quoted scalars on one line without `\\` or `"` inside;
- flow sequences `[a, "b"]` and flow mappings `{k: v, k2: "w"}` of such scalars, on one line;
- blank lines, comment lines, comments after a value.

Anything else (tabs, CR, control or non-BMP characters, anchors, aliases, tags, `?`, block scalars,
single quotes, escapes, multi-line scalars, an empty value, indentless sequences, a duplicate key,
deep nesting, a document marker, any line it does not recognise) makes `scan` return None, and
yamlsrc reads the text as before, with all its diagnostics. tests/test_fast_load.py checks on
shipped, generated and mutated files that `scan` returns None or exactly what yamlsrc returns:
the same data and the same line and column of every value and key.

Positions are kept as the line of each value, per container (`tables`: id of each dict or list ->
its values' lines), next to the parsed lines (which hold the columns). yamlsrc's path-keyed `marks`
and `key_marks` are built from them only when something asks (a diagnostic, a test); the facts
builder reads the line of each field straight from the tables (`Document.value_lines`). So the
data of a ScannedDocument must not be changed before its marks are read.

Given a schema's `fastschema.Plan`, the scanner also checks each value against its property's compiled check as
it adds it (a line accepted once is not checked again where it repeats: the parsed line keeps the Plan that
accepted it), and each finished block's required keys; a document that passes is `checked`, and validate_document has nothing left to do (the
separate walk of every value was a fifth of the load stage's instructions).
"""
from __future__ import annotations

import re
import sys
from decimal import Decimal

import yaml

from .fastschema import Plan
from .yamldoc import MAX_DEPTH, MAX_DIGITS, Document

# in a line, any character outside printable BMP text (tab, CR, C0/C1 controls, NEL, BOM, LS/PS, surrogates,
# non-BMP) sends the whole text to yamlsrc: there libyaml and PyYAML differ or complain
_UNSAFE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
# indentation, an optional "- " item, an optional key followed by ":" and a space or the end of the line
_HEAD = re.compile(r"( *)(- +)?(?:([\w][\w.\-]*):(?= |$))?")
_SPACES = re.compile(r" *")
_QUOTED = re.compile(r'"([^"\\]*)"')
# a plain scalar in block context: no indicator first (a "-" only before a digit); then no ": ", " #" or
# ":" last, and no trailing spaces. Possessive, so that it stays linear on any line (no backtracking).
_PLAIN_TEXT = (r"""(?:-(?=[0-9])|[^\s\-?:,\[\]{}#&*!|>'"%@`=~])"""
               r"(?:[^ :#]|:(?=[^ ])|#|[ ]++(?=[^ #:]|:[^ ]))*+")
_TAIL = r"(?:[ ]*+$|[ ]++#.*$)"  # after a value: spaces, or a comment after a space
_END = re.compile(_TAIL)
# the usual line, in one match: [- ]key: "text" or [- ]key: plain
_KEY_LINE = re.compile(r'( *)(- +)?([\w][\w.\-]*): +(?:"([^"\\]*)"|(' + _PLAIN_TEXT + "))" + _TAIL)
_PLAIN = re.compile("(" + _PLAIN_TEXT + ")" + _TAIL)
# inside flow collections also no flow indicators, "?" or quotes
_FLOW_PLAIN = re.compile(r"(?:-(?=[0-9])|[^\s\-?:,\[\]{}#&*!|>'\"%@`=~])[^:#,?\[\]{}\"']*")
_FLOW_KEY = re.compile(r"([\w][\w.\-]*): +")
_FLOW_SEP = re.compile(r" *([,\]}])")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_TRUE = ("true", "yes", "on", "y")
# a digit or "-" first: PyYAML tries its float pattern before the others (checked, not assumed)
_FLOAT_FIRST = all(_RESOLVERS[ch][0][0].endswith(":float") and _RESOLVERS[ch][0][1].match(ch.replace("-", "-0") + ".50")
                   for ch in "-0123456789")

# a parsed line: (indent of a key line or -1, key, kind, value, indent, item column, value column); kind 0:
# nothing after "key:" (a block follows), 1: scalar, 2: flow collection (value = (is_map, items, columns))
SKIP = (-3, None, 0, None, -3, None, 0)  # a blank or comment line
_BAD = (-4, None, 0, None, -4, None, 0)  # a line outside the subset
_SKIP = SKIP + (None,)  # in the line cache, each line has one more field (see scan)
_MAX_NESTING = MAX_DEPTH // 2  # far below yamlsrc's limit, which then never has to be reproduced here
_CACHE_LIMIT = 200_000

_lines: dict = {}  # line text -> parsed line (immutable), shared by every file of a run
_NOT_SCALAR = object()


def _scalar(text: str):
    """The value yamlsrc gives a plain scalar, or _NOT_SCALAR when this module is not sure of it."""
    resolvers = _RESOLVERS.get(text[0])
    if not resolvers:
        return sys.intern(text)
    if _FLOAT_FIRST and _DECIMAL.fullmatch(text):  # the resolver's float pattern takes these
        return Decimal(text) if len(text) - 1 - (text[0] == "-") <= MAX_DIGITS else _NOT_SCALAR
    for tag, regexp in resolvers:
        if regexp.match(text):
            break
    else:
        return sys.intern(text)
    if tag.endswith(":int"):
        if _INT.fullmatch(text) and len(text) - (text[0] == "-") <= MAX_DIGITS:
            return int(text)
    elif tag.endswith(":float"):
        if _DECIMAL.fullmatch(text) and len(text) - 1 - (text[0] == "-") <= MAX_DIGITS:
            return Decimal(text)
    elif tag.endswith(":bool"):
        return text.lower() in _TRUE
    elif tag.endswith(":null"):
        return None
    elif tag.endswith(":timestamp"):
        return sys.intern(text)
    return _NOT_SCALAR


def _flow_item(line: str, pos: int):
    """A scalar inside a flow collection at pos: (value, end) or None."""
    if line.startswith('"', pos):
        m = _QUOTED.match(line, pos)
        return (sys.intern(m.group(1)), m.end()) if m else None
    m = _FLOW_PLAIN.match(line, pos)
    if not m:
        return None
    text = m.group().rstrip(" ")
    value = _scalar(text) if text else _NOT_SCALAR
    return None if value is _NOT_SCALAR else (value, pos + len(text))


def _flow(line: str, pos: int):
    """`[...]` or `{...}` at pos, alone on the rest of the line: (is_map, items, columns) or None.

    items: values (sequence) or (key, value) pairs (mapping); columns: 1-based, of each value
    (sequence) or (key column, value column) pairs."""
    is_map = line[pos] == "{"
    close = "}" if is_map else "]"
    items, cols = [], []
    pos = _SPACES.match(line, pos + 1).end()
    if line.startswith(close, pos):
        end = pos + 1
    else:
        while True:
            if is_map:
                k = _FLOW_KEY.match(line, pos)
                if not k or any(k.group(1) == other for other, _ in items):
                    return None  # no key, or a duplicate one
                kcol, pos = pos + 1, k.end()
            got = _flow_item(line, pos)
            if got is None:
                return None
            value, after = got
            items.append((k.group(1), value) if is_map else value)
            cols.append((kcol, pos + 1) if is_map else pos + 1)
            sep = _FLOW_SEP.match(line, after)
            if not sep or sep.group(1) not in (",", close):
                return None
            if sep.group(1) == close:
                end = sep.end()
                break
            pos = _SPACES.match(line, sep.end()).end()
            if line.startswith(close, pos) or line.startswith(",", pos):
                return None  # a trailing or doubled comma: leave it to PyYAML
    if not _END.match(line, end):
        return None
    return is_map, tuple(items), tuple(cols)


def _parse(line: str):
    """One line -> SKIP, _BAD or its parsed form (0-based columns)."""
    if _UNSAFE.search(line) is not None:
        return _BAD
    m = _KEY_LINE.match(line)
    if m:
        indent, dash, key, quoted, plain = m.groups()
        if quoted is not None:
            value, vcol = sys.intern(quoted), m.start(4) - 1
        else:
            value, vcol = _scalar(plain), m.start(5)
            if value is _NOT_SCALAR:
                return _BAD
        ind = len(indent)
        if dash:
            return (-1, key, 1, value, ind, ind + len(dash), vcol)
        return (ind, key, 1, value, ind, None, vcol)
    return _parse_other(line)


def _parse_other(line: str):
    head = _HEAD.match(line)
    indent, dash, key = head.groups()
    ind = len(indent)
    pos = _SPACES.match(line, head.end()).end()
    item = head.start(2) + len(dash) if dash else None
    fast = ind if item is None else -1
    if pos == len(line) or line.startswith("#", pos):
        if dash is None and key is None:
            return SKIP
        if key is None:
            return _BAD  # a bare "-" ("key:#" is no key: its ":" is followed by neither a space nor the end)
        return (fast, key, 0, None, ind, item, pos)
    if key is None and dash is None:
        return _BAD  # a scalar where a key or an item belongs
    ch = line[pos]
    if ch == '"':
        m = _QUOTED.match(line, pos)
        if not m or not _END.match(line, m.end()):
            return _BAD
        return (fast, key, 1, sys.intern(m.group(1)), ind, item, pos)
    if ch == "[" or ch == "{":
        flow = _flow(line, pos)
        return _BAD if flow is None else (fast, key, 2, flow, ind, item, pos)
    m = _PLAIN.match(line, pos)
    if not m:
        return _BAD
    value = _scalar(m.group(1))
    return _BAD if value is _NOT_SCALAR else (fast, key, 1, value, ind, item, pos)


def _container(flow, line_no: int, tables: dict):
    is_map, items, _ = flow
    if is_map:
        out = dict(items)
        tables[id(out)] = dict.fromkeys(out, line_no)
    else:
        out = list(items)
        tables[id(out)] = [line_no] * len(out)
    return out


def scan(text: str, display: str, plan=None) -> Document | None:
    """The document, or None when the text is not (certainly) in the subset this module reads.

    plan: a schema as fastschema.Plan checks it while the lines are read; the document's `checked` is that plan
    when every value and container passed (the schema check then has nothing left to do), else None."""
    cache = _lines
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    texts = text.split("\n")
    entries = list(map(cache.get, texts))
    i = -1
    find = entries.index
    while True:  # lines not seen before, found by C-level searches rather than a loop over every line
        try:
            i = find(None, i + 1)
        except ValueError:
            break
        line = texts[i]
        e = cache.get(line)  # the same new line earlier in this file
        if e is None:
            e = _parse(line)
            if e is _BAD:
                return None
            # and the Plan that last accepted the line (a list beside the tuple: no look-up, and no set of every
            # line each Plan accepted, whose look-ups missed the CPU's caches: +0.1 s at 10,000 projects)
            e = _SKIP if e is SKIP else e + ([None],)
            cache[line] = e
        entries[i] = e
    tables: dict = {}  # id of each container -> line of each value (dict by key, list by index)
    nested: dict = {}  # (id of mapping, key) -> line of the key, for values that are blocks below it
    stack: list = []  # open blocks, innermost last: (column, is_map, container, lines, plan)
    top_col = fast_col = -2  # fast_col: the open mapping's column when the next line may simply add a key
    top_map = False
    top = top_lines = None
    # the open block's Plan, None once something did not pass (a line it accepted last time is not checked
    # again); `opened`: the Plan of each block (in `blocks`) that checks something of the whole block
    node = None
    opened, blocks = [], []
    # (mapping, lines, key, key line, mapping column, plan of the value) after a "key:" ending its line; the
    # document itself is opened the same way, as the value of a key "" at column -1 in `holder` (whose `nested`
    # entry no look-up makes)
    holder, holder_lines = {}, {}
    pending = (holder, holder_lines, "", 0, -1, plan)
    sure = plan is not None
    for line_no, e in enumerate(entries, 1):
        fast, key, kind, value, ind, item, vcol, seen = e
        if fast != fast_col:  # not the common line (a key of the open mapping): find or open its block
            if ind < 0:
                if e is _SKIP:
                    continue
                return None
            if pending is not None:
                p_map, p_lines, p_key, p_line, p_col, p_plan = pending
                pending = None
                if ind <= p_col:
                    return None  # an empty value (null), or an indentless sequence
                top_map = item is None  # a block of "key: value" lines, else of "- " items
                top, top_lines = ({}, {}) if top_map else ([], [])
                p_map[p_key] = top
                p_lines[p_key] = line_no
                nested[id(p_map), p_key] = p_line
                tables[id(top)] = top_lines
                top_col = ind
                node = _entered(p_plan, top_map, top, opened, blocks)
                if node is None:
                    sure = False
                stack.append((ind, top_map, top, top_lines, node))
                if len(stack) > _MAX_NESTING:
                    return None
            elif top_col != ind:
                while top_col > ind and len(stack) > 1:
                    stack.pop()
                    top_col, top_map, top, top_lines, node = stack[-1]
                if top_col != ind:
                    return None  # indentation that matches no open block
                if not sure:
                    node = None
            if item is not None:
                if top_map:
                    return None  # "- " where a key belongs
                if key is None:
                    if kind == 1:
                        top.append(value)
                    elif kind == 2:
                        value = _container(value, line_no, tables)
                        top.append(value)
                    else:
                        return None
                    top_lines.append(line_no)
                    fast_col = -2
                    if node is not None and seen[0] is not node and not node.accepts(seen, None, value):
                        sure, node = False, None
                    continue
                new, new_lines = {}, {}
                top.append(new)
                top_lines.append(line_no)
                tables[id(new)] = new_lines
                top_col, top_map, top, top_lines = item, True, new, new_lines
                node = _entered(None if node is None else node.children, True, new, opened, blocks)
                if node is None:
                    sure = False
                stack.append((item, True, new, new_lines, node))
                if len(stack) > _MAX_NESTING:
                    return None
            elif not top_map:
                return None  # a key where "- " belongs
            fast_col = top_col
        if key in top:
            return None  # a duplicate key: yamlsrc names both lines
        if kind == 1:
            top[key] = value
            top_lines[key] = line_no
            if node is not None and seen[0] is not node and not node.accepts(seen, key, value):
                sure, node = False, None
        elif kind == 2:
            value = top[key] = _container(value, line_no, tables)
            top_lines[key] = line_no
            if node is not None and seen[0] is not node and not node.accepts(seen, key, value):
                sure, node = False, None
        else:
            top[key] = None
            pending = (top, top_lines, key, line_no, top_col, None if node is None else node.children.get(key))
            fast_col = -2
    if pending is not None:
        return None
    if sure:
        sure = all(map(Plan.finished, opened, blocks))
    return ScannedDocument(display, holder[""], (holder_lines[""], stack[0][0] + 1), entries, tables, nested,
                           plan if sure else None)


def _entered(plan, is_map: bool, block, opened: list, blocks: list):
    """The Plan that checks a block being opened: `plan` if it is one for a block of this kind (a mapping or a
    list), noted in `opened` beside the block when it checks something of the whole block; else None, and the
    document is checked as a whole after it is read."""
    if plan is None or plan.is_map is not is_map:
        return None
    if plan.finish:
        opened.append(plan)
        blocks.append(block)
    return plan


class ScannedDocument(Document):
    """A Document whose path-keyed marks are built on first use, from the parsed lines and the line of
    each value. Value lines are all the facts builder needs (`value_lines`), so valid documents never
    build them."""

    def __init__(self, file, data, root_mark, entries, tables, nested, checked):  # noqa: D107 - Document's fields
        self.file = file
        self.data = data
        self.checked = checked
        self._root_mark = root_mark
        self._entries = entries  # the parsed form of each line (index: line - 1)
        self._tables = tables
        self._nested = nested
        self._marks = self._key_marks = None

    @property
    def marks(self):
        if self._marks is None:
            self._build_marks()
        return self._marks

    @property
    def key_marks(self):
        if self._key_marks is None:
            self._build_marks()
        return self._key_marks

    def value_lines(self, path, node):
        return self._tables[id(node)]

    def _build_marks(self):
        marks = {(): self._root_mark}
        key_marks = {}
        entries, tables, nested = self._entries, self._tables, self._nested
        stack = [((), self.data)]
        while stack:
            path, node = stack.pop()
            lines = tables[id(node)]
            if type(node) is dict:
                for key, value in node.items():
                    child = path + (key,)
                    line = lines[key]
                    below = nested.get((id(node), key))
                    if below is not None:  # a block under "key:": it starts at its first line's indentation
                        _, _, _, _, ind, item, _, _ = entries[below - 1]
                        key_marks[child] = (below, (ind if item is None else item) + 1)
                        marks[child] = (line, entries[line - 1][4] + 1)
                        stack.append((child, value))
                        continue
                    _, _, kind, flow, ind, item, vcol, _ = entries[line - 1]
                    key_marks[child] = (line, (ind if item is None else item) + 1)
                    marks[child] = (line, vcol + 1)
                    if kind == 2:
                        _flow_marks(marks, key_marks, child, line, flow)
            else:
                for i, value in enumerate(node):
                    child = path + (i,)
                    line = lines[i]
                    _, key, kind, flow, ind, item, vcol, _ = entries[line - 1]
                    if key is not None:  # "- key: ...": a mapping starting at the key
                        marks[child] = (line, item + 1)
                        stack.append((child, value))
                    else:
                        marks[child] = (line, vcol + 1)
                        if kind == 2:
                            _flow_marks(marks, key_marks, child, line, flow)
        self._marks, self._key_marks = marks, key_marks


def _flow_marks(marks: dict, key_marks: dict, path, line: int, flow) -> None:
    is_map, items, cols = flow
    if is_map:
        for (key, _), (kcol, vcol) in zip(items, cols):
            marks[path + (key,)] = (line, vcol)
            key_marks[path + (key,)] = (line, kcol)
    else:
        for i, col in enumerate(cols):
            marks[path + (i,)] = (line, col)
