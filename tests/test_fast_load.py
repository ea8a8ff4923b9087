"""The fast load path (engine/load/yamlscan.py and the facts builder) changes nothing but speed.

The line scanner either declines a text (None) or returns exactly what yamlsrc returns today: the
same data (same types: int, Decimal with its printed precision, bool, None, str) and the same line
and column of every value and key. Checked on the shipped and generated facts, on thousands of
mutated files (edits, indentation, special characters, YAML 1.1 scalars of every form, quotes,
comments, flow collections), and on random documents from hypothesis. Whole `load_facts` results
(records with every source, and the diagnostics of invalid files) are compared with the scanner on
and off, and with the libyaml / pure-Python paths.
"""
from __future__ import annotations

import dataclasses
import random
import re
import shutil
import time
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.load.yamlsrc as Y
from bench.generate import generate
from engine import load_facts
from engine.core.errors import InputError
from engine.load.fastschema import compile_schema
from engine.load.validate import line_plan, schema
from engine.load.yamlscan import scan

from .conftest import FACTS, RULES

# 20 files of 4 projects: every shape of a generated report, at a fifth of the text of the default 20 per file
GENERATED = [text for _, text in generate(40, seed=23, years=(2023, 2024), per_department=4)]
SHIPPED = [p.read_text(encoding="utf-8") for p in sorted(FACTS.rglob("*.yaml"))]
BAD_INPUTS = sorted((Path(__file__).resolve().parent / "bad_inputs").rglob("*.yaml"))
# YAML 1.1 scalars of every kind the resolver knows, and texts that look like them
SCALARS = ["1", "-1", "+1", "0", "-0", "00", "007", "08", "0x1F", "0o17", "0b101", "1_000", "1,000", "1:30", "190:20:30",
           "1.5", "-1.50", "+1.5", "1.", ".5", "-.5", "1.5e3", "1.5e+3", "1e3", "1_0.5", "1:30.5", ".inf", "-.Inf", ".NaN",
           "12345678901234567890", "123456789012345678901", "1234567890.1234567890", "1234567890.12345678901",
           "yes", "No", "ON", "off", "True", "FALSE", "y", "n", "Y", "~", "null", "Null", "NULL", "nul",
           "2024-01-01", "2024-1-1", "2024-01-01 10:00:00", "2024-01-01t10:00:00z", "=", "<<", "<", "<<a",
           "a", "中文", "75%", "≥90%", "a b", "a  b", "a -b", "-a", "- a", "-", "--", "---", "...", "a...", "?", "? a",
           "a?", ":", "a:", "a:b", "a: b", "#", "a #c", "a#c", "a # c", " a", "a ", "'s'", "'s''t'", '"d"', '"d" #c',
           '"a\\"b"', '"\\u4e2d"', '"a\\nb"', '""', "''", "[a, b]", "[a,b]", "[ a , b ]", "[]", "[a, [b]]", "[a,]",
           "[a, , b]", "{a: 1}", "{a: 1, b: x}", "{a: 1, a: 2}", "{}", "{a:1}", "{a}", "[a: 1]", "{a: [1]}",
           "&x a", "*x", "!!str 1", "!x a", "|", "|-", ">", ">-", "%x", "@x", "`x", "a, b", "a]", "a}", "a{b}",
           "a\\b", "a'b", 'a"b', "x*y", "x&y", "x!y", "a | b", "a > b", "，", "：", "\u3000a", "a\u00a0", "\u00a0",
           "\ufeffa", "a\u2028b", "a\x85b", "a\tb", "\t", "😀", "a\rb"]
PIECES = [" ", "  ", "\n", ":", ": ", "- ", "'", '"', "#", " #", "[", "]", "{", "}", ",", "?", "|", ">", "-", "!", "%",
          "@", "`", "\\", "中", "\t", "\r\n", "\r", "...", "\n---\n", "~", "&a ", "*a", "<<: ", "\ufeff", "\x85",
          "\u2028", "\x07", "\n  - x\n", "k:\n", "- \n", "x: [1, {y: z}]\n"] + SCALARS


def reference(text):
    """What yamlsrc gives without the scanner: libyaml for clean documents, else the pure-Python path."""
    return Y.load_yaml_text(text, "f.yaml", fast=("libyaml",))


def pure_python(text):
    return Y.load_yaml_text(text, "f.yaml", fast=())


def assert_same(doc, text, paths=(reference, pure_python)):
    """doc (from the scanner) is exactly yamlsrc's document for text, on each of yamlsrc's paths given."""
    for other, problems in (path(text) for path in paths):
        assert problems == [], (repr(text[:300]), problems)
        assert doc.data == other.data and repr(doc.data) == repr(other.data), repr(text[:300])
        assert doc.marks == other.marks, repr(text[:300])
        assert doc.key_marks == other.key_marks, repr(text[:300])
        for path in list(other.marks)[:50]:
            assert doc.where(path) == other.where(path) and doc.key_where(path) == other.key_where(path)
            assert doc.line(path) == other.line(path)


def check(text, paths=(reference, pure_python)) -> bool:
    """True when the scanner took text (and agreed with yamlsrc on each of its paths given)."""
    doc = scan(text, "f.yaml")
    if doc is None:
        return False
    assert_same(doc, text, paths)
    return True


def test_the_scanner_takes_the_shipped_and_generated_files():
    # the fast path must be taken where it matters, or the benchmark measures nothing. The generated files repeat
    # one shape, so past the first four they are compared with libyaml only (whose agreement with the pure-Python
    # path on generated files test_fast_paths.py checks): the pure-Python path costs 0.15 s a file
    for i, text in enumerate(SHIPPED + GENERATED):
        doc = scan(text, "f.yaml")
        assert doc is not None, text[:200]
        assert_same(doc, text, (reference, pure_python) if i < len(SHIPPED) + 4 else (reference,))


def test_value_lines_are_the_lines_of_each_value():
    text = GENERATED[0]
    doc, ref = scan(text, "f.yaml"), reference(text)[0]
    stack = [((), doc.data)]
    while stack:
        path, node = stack.pop()
        lines = doc.value_lines(path, node)
        assert lines == ref.value_lines(path, node)
        children = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((path + (k,), v) for k, v in children if isinstance(v, (dict, list)))


def shortened(text, rng) -> str:
    """text with only one or two items of each top-level list (a file of 1,000 lines checks slowly)."""
    chunks, current = [], []
    for line in text.split("\n"):
        if line and not line.startswith((" ", "#")) and current:
            chunks.append(current)
            current = []
        current.append(line)
    chunks.append(current)
    out = []
    for chunk in chunks:
        starts = [i for i, line in enumerate(chunk) if line.startswith("  - ")]
        if len(starts) <= 2:
            out.extend(chunk)
            continue
        items = [chunk[a:b] for a, b in zip(starts, starts[1:] + [len(chunk)])]
        out.extend(chunk[:starts[0]])
        for k in sorted(rng.sample(range(len(items)), rng.randint(1, 2))):
            out.extend(items[k])
    return "\n".join(out)


def mutations(texts, count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        text = shortened(rng.choice(texts), rng)
        for _ in range(rng.randint(1, 3)):
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            roll = rng.random()
            if roll < 0.35:  # replace a value (or a whole line's content) by a scalar of some other kind
                line = lines[i]
                head, sep, _ = line.partition(": ")
                lines[i] = head + ": " + rng.choice(SCALARS) if sep else line[:len(line) - len(line.lstrip())] + \
                    rng.choice(["- ", ""]) + rng.choice(SCALARS)
            elif roll < 0.55:  # change the indentation
                lines[i] = " " * rng.randint(0, 8) + lines[i].lstrip()
            elif roll < 0.65:  # drop, repeat or swap lines
                j = rng.randrange(len(lines))
                if rng.random() < 0.4:
                    del lines[i]
                elif rng.random() < 0.5:
                    lines.insert(i, lines[j])
                else:
                    lines[i], lines[j] = lines[j], lines[i]
            elif roll < 0.75:  # a comment somewhere
                lines[i] += rng.choice([" # c", "#c", "  #", " # a: b", " #[x"])
            else:  # a character or piece anywhere
                line = lines[i]
                pos = rng.randrange(len(line) + 1)
                if rng.random() < 0.7:
                    lines[i] = line[:pos] + rng.choice(PIECES) + line[pos:]
                else:
                    lines[i] = line[:pos] + line[pos + rng.randint(1, 4):]
            text = "\n".join(lines)
        yield text


@pytest.mark.parametrize("seed", range(6))
def test_the_scanner_agrees_with_yamlsrc_on_mutated_files(seed):
    taken = declined = 0
    for text in mutations(SHIPPED + GENERATED, 300, seed):  # 1,800 files over the six seeds
        if not text.strip():
            continue
        # every text the scanner takes is compared with yamlsrc's own path (libyaml, or the pure-Python path where
        # libyaml declines it); every fourth also with the pure-Python path where libyaml took it, which was four
        # fifths of this test's time (libyaml against the pure-Python path on mutated files: test_fast_paths.py)
        if check(text, (reference, pure_python) if taken % 4 == 0 else (reference,)):
            taken += 1
        else:
            declined += 1
    # both branches must be exercised, or the mutations test nothing
    assert taken > 45 and declined > 90, (taken, declined)


TEXTS = {"facts": SHIPPED + GENERATED, "rules": [p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*.yaml"))]}


@pytest.mark.parametrize("kind, seed", [("facts", 0), ("facts", 1), ("facts", 2), ("rules", 0)])
def test_a_document_the_scanner_checked_is_valid(kind, seed):
    # a document the scanner says it checked skips the schema check (validate_document), so it must be one the
    # compiled check (itself compared with jsonschema in test_fast_paths.py) says yes to. For facts it must also
    # say so of every valid one, or the load pays for both (a rules file may still be checked as a whole; rule tests,
    # written in nested flow collections, are not scanned)
    plan, compiled = line_plan(kind), compile_schema(schema(kind))
    assert plan is not None and compiled is not None
    counts = {True: 0, False: 0}
    for text in TEXTS[kind] + list(mutations(TEXTS[kind], 400, seed + 10)):
        doc = scan(text, "f.yaml", plan)
        if doc is not None:
            valid = compiled(doc.data)
            assert valid if doc.checked is plan else kind != "facts" or not valid, text[:300]
            counts[valid] += 1
    assert counts[True] > 20 and counts[False] > 20, counts
    if kind == "facts":  # a keyword of the whole mapping beyond its keys (the top's allOf: a null department)
        unnamed = re.sub(r"(?m)^department: .*$", "department: null", TEXTS[kind][-1], count=1)
        described = unnamed.replace("department: null", "department: null\ndepartment_described: 某单位", 1)
        assert [scan(text, "f.yaml", plan).checked is plan for text in (unnamed, described)] == [False, True]
    assert scan(TEXTS[kind][0], "f.yaml").checked is None  # no plan, nothing checked


@pytest.mark.parametrize("value", SCALARS)
def test_each_scalar_as_a_value_an_item_and_in_flow(value):
    for text in (f"k: {value}\nj: 1\n", f"k:\n  - {value}\n  - x\nj: 1\n", f"k: [{value}]\n", f"k: {{a: {value}}}\n",
                 f"- {value}\n", f"k:\n  - a: {value}\n    b: x\n", f"{value}: 1\n", f"k: {value} # c\n"):
        check(text)


@pytest.mark.parametrize("text", [
    "k: 1\tx\n", "k: |\n  t\n", "k: >\n  t\n", "k: 'a'\n", 'k: "a\\nb"\n', "k: &a 1\nj: *a\n", "k: !!str 1\n",
    "? k\n: v\n", "k:\nj: 1\n", "k:\n", "k: a\n  b\n", 'k: "a\n  b"\n', "k: 1\nk: 2\n", "k: [a,\n  b]\n",
    "k:\n- a\n", "\ufeffk: v\n", "k: v\r\n", "--- \nk: v\n", "k: v\n...\n", "%YAML 1.1\n---\nk: v\n", "- - a\n",
    "k: 1_000\n", "k: 0x10\n", "k: 1:30\n", "k: .inf\n", "k: 1.5e+3\n", "k:  # only a comment\n", "plain\n",
    "k: {a: 1, a: 2}\n", "k: [a, [b]]\n", "k: a: b\n", "  k: 1\nj: 2\n", "k:\n    a: 1\n   b: 2\n", "k: 😀\n",
])
def test_texts_outside_the_subset_are_declined(text):
    assert scan(text, "f.yaml") is None


@pytest.mark.parametrize("line", [
    "k: a" + " " * 200_000 + "b:", "k: " + "a " * 100_000 + ": x", 'k: "x"' + " " * 200_000 + "x", "- " + "a" * 200_000 + " b",
    "k: a" + " #" * 100_000 + ":", " " * 200_000 + "x", "k: [" + "a, " * 50_000 + "b" + " " * 50_000 + "]x",
    "k: a" + " " * 200_000, "- a:b" + ":b " * 60_000 + "#",
])
def test_the_scanner_is_linear_on_long_lines(line):
    # a regular expression that backtracks would take minutes on these (the first one took 13 s at 20,000 spaces)
    started = time.process_time()
    scan(line + "\nj: 1\n", "f.yaml")
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize("text", [
    "k: 1\n", "k: -1.50\n", "k: yes\nj: Off\nn: null\nm: NULL\n", "k: 2024-01-01\n", 'k: " a #b "\n', "k: [a, \"b c\", 1, 2.50]\n",
    "k: {a: 1, b: x y}\n", "k: []\nj: {}\n", "a:\n  - x\n  - y: 1\n    z:\n      - 2\n", "# c\n\nk: v # c\n  # deeper\nj: w\n",
    "  k: 1\n  j:\n    - a\n", "-  a: 1\n   b: 2\n- c\n", "k: 中文, 逗号[括号]{x}\n", "k: a*b&c!d\n", "k: a?b\n", "k: 1e3x\n", "k: a:b#c\n",
])
def test_texts_in_the_subset_are_taken(text):
    assert check(text), text


_KEYS = st.sampled_from(["a", "b", "name", "k1", "x_y", "y", "on", "2024", "中"])
_VALUES = st.sampled_from(SCALARS[:60] + ['"q"', '"a b"', "[a, 1]", "{a: 1}", "[]", "x y"])


@st.composite
def documents(draw, depth=0):
    """YAML text of a random block mapping or sequence, indented by random amounts."""
    indent = " " * draw(st.integers(0, 3)) if depth else ""
    step = draw(st.integers(1, 4))
    lines = []
    is_seq = draw(st.booleans()) and depth > 0
    for key in draw(st.lists(_KEYS, min_size=1, max_size=4)):
        head = indent + ("- " if is_seq else "") + (f"{key}:" if not is_seq or draw(st.booleans()) else "")
        if depth < 3 and head.endswith(":") and draw(st.integers(0, 3)) == 0:
            child = draw(documents(depth=depth + 1))
            lines.append(head + draw(st.sampled_from(["", " # c", "  "])))
            lines.extend(" " * (len(indent) + step) + line for line in child.split("\n") if line)
        else:
            lines.append(head + (" " if head else "") + draw(_VALUES))
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(st.sampled_from(["", "# c", "  # c", "   "])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_scanner_agrees_on_random_documents(text):
    if text.strip():
        check(text)


# ---- whole loads ---------------------------------------------------------------------


def dump(record):
    """A record with every field and every source, recursively (links between records by name only)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        out = [type(record).__name__]
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if f.name == "sources":
                out.append([(k, (type(v), v.file, v.line, v.section)) for k, v in value.items()])  # in order
            elif f.name in ("previous", "project", "followup_project") and dataclasses.is_dataclass(value):
                out.append((value.name, value.sources["name"].line))  # a link to another record
            elif f.name == "commitments_due":
                out.append([(r.year, c.id) for r, c in value])
            else:
                out.append(dump(value))
        return out
    if isinstance(record, list):
        return [dump(v) for v in record]
    return (type(record), repr(record))


def loaded(paths, scanner: bool, libyaml: bool = True):
    fast = ("scan",) * scanner + ("libyaml",) * libyaml
    try:
        return dump(load_facts(paths, fast=fast)), None
    except InputError as exc:
        return None, [d.render() for d in exc.diagnostics]


def write_generated(folder: Path, texts) -> None:
    for i, text in enumerate(texts):
        (folder / f"{i:03d}.yaml").write_text(text, encoding="utf-8")


def test_load_facts_is_the_same_with_and_without_the_scanner(tmp_path):
    write_generated(tmp_path, GENERATED[:6])
    for paths in ([FACTS], [tmp_path]):
        fast = loaded(paths, scanner=True)
        assert fast[0] is not None and fast == loaded(paths, scanner=False)
        assert fast == loaded(paths, scanner=False, libyaml=False)
        assert fast == loaded(paths, scanner=True), "a second load (warm caches) differs"


@pytest.mark.parametrize("seed", range(3))
def test_diagnostics_of_mutated_facts_are_the_same_with_and_without_the_scanner(tmp_path, seed):
    rng = random.Random(seed)
    texts = list(mutations(GENERATED[:8] + SHIPPED, 60, seed))
    shown = 0
    for i, text in enumerate(texts):
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / "a.yaml").write_text(text, encoding="utf-8")
        (folder / "b.yaml").write_text(rng.choice(GENERATED[8:]), encoding="utf-8")
        fast = loaded([folder], scanner=True)
        assert fast == loaded([folder], scanner=False), repr(text[:300])
        shown += fast[1] is not None
    assert shown > 10


def test_problems_found_while_building_records_are_reported_every_time(tmp_path):
    # the builder remembers texts that parsed cleanly; a bad one must be reported on every load
    text = GENERATED[0].replace('target: "≥95%"', 'target: "≥９５%"', 1).replace("  - name: ", "  - name:  ", 1)
    assert text != GENERATED[0]
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    first, second = loaded([tmp_path], scanner=True), loaded([tmp_path], scanner=True)
    assert first[1] and first == second == loaded([tmp_path], scanner=False)


@pytest.mark.parametrize("path", BAD_INPUTS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_bad_inputs_load_the_same_with_and_without_the_scanner(path, tmp_path):
    if path.stat().st_size > 1_000_000:
        pytest.skip("large generated case")
    target = tmp_path / path.name
    shutil.copyfile(path, target)
    assert loaded([target], scanner=True) == loaded([target], scanner=False)


@pytest.mark.parametrize("schema", [
    {"type": "string", "minLength": 2}, {"type": "string", "maxLength": 2, "pattern": "^a"},
    {"type": "string", "pattern": "b$", "title": "t"}, {"type": "number", "minimum": 0, "maximum": 10},
    {"type": "number", "minimum": Decimal("0.5")}, {"type": "number"}, {"type": "string", "minLength": 1.0},
])
def test_fused_scalar_schemas_agree_with_jsonschema(schema):
    check_fn = compile_schema(schema)
    assert check_fn is not None
    validator = jsonschema.Draft202012Validator(schema)
    for value in [None, True, False, 0, 1, -1, 10, 11, 0.5, 10.5, Decimal("0.4"), Decimal("10.00"),
                  "", "a", "ab", "abc", "b", "中文", [], {}, ["a"]]:
        assert check_fn(value) == validator.is_valid(value), (schema, value)
