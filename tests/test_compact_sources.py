"""Records keep where each field came from compactly (issue 17, "Cheaper records"; docs/performance.md).

A record's `sources` holds each field's line and makes the FactSource when it is asked for; loading used to make
58 FactSources per generated project, about half of the objects a project's records hold."""
from __future__ import annotations

import gc
import pickle

import pytest

from bench.generate import write_corpus
from engine import load_facts
from engine.core.model import NO_SOURCES, FactSource, Record, Sources

PROJECTS = 60  # three departments of 20, in two years: commitments linked across them


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compact")
    write_corpus(folder, PROJECTS, years=(2023, 2024))
    return folder


def records(value):
    """Every record reachable from value, once each (previous-year links are not followed)."""
    seen, stack = {}, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Record) and id(item) not in seen:
            seen[id(item)] = item
            stack.extend(getattr(item, name) for name in type(item).__slots__ if name not in ("previous",))
    return list(seen.values())


def fact_sources():
    return sum(type(o) is FactSource for o in gc.get_objects())


def test_loading_makes_no_fact_source_and_few_objects(corpus):
    load_facts([corpus])  # the loader's parse caches (quantities, rates, names) filled
    gc.collect()
    before_sources, before = fact_sources(), len(gc.get_objects())
    reports = load_facts([corpus])
    gc.collect()
    projects = sum(len(r.projects) for r in reports)
    assert projects == 2 * PROJECTS
    # a FactSource only where a field's section is not its record's (a budget's explanation printed in the
    # prose, a project's 涉及部门): 20 for these 120 projects, where 58 per project were made before
    assert fact_sources() - before_sources < projects / 4
    # 118 objects the garbage collector tracks per generated project before (58 of them FactSources), 60 after
    assert (len(gc.get_objects()) - before) / projects < 70


def test_sources_read_as_before_and_survive_pickling(corpus):
    reports = load_facts([corpus])
    files = {report.file for report in reports}
    every = records(reports)
    fields = 0
    for record in every:
        sources = record.sources
        for name, source in sources.items():
            fields += 1
            assert type(source) is FactSource and source.file in files and source.line > 0
            assert sources[name] is source and sources.get(name) is source and name in sources
        assert sources.get("no such field") is None and "no such field" not in sources
    assert fields > 20 * len(every) // 10  # most records cite several fields
    project = reports[-1].projects[0]
    indicator = project.indicators[0]
    assert project.sources["name"].section == project.budget.sources["executed"].section
    # a quantity's parts cite the cell it was read from, and nothing else
    assert indicator.target.sources["value"] is indicator.sources["target"]
    assert set(indicator.target.sources) == {"op", "value", "unit", "text", "low"}
    assert indicator.target.sources.get("kind") is None
    again = pickle.loads(pickle.dumps(reports, protocol=pickle.HIGHEST_PROTOCOL))
    assert [dict(r.sources.items()) for r in records(again)] == [dict(r.sources.items()) for r in every]


def test_sources_are_read_only():
    # the records that were not read from a file share one empty Sources: written into, it would cite for all
    with pytest.raises(TypeError):
        Record().sources["x"] = FactSource("f.yaml", 1, "表")
    assert Record().sources is NO_SOURCES and not NO_SOURCES
    sources = Sources.of("f.yaml", "表", {"a": 3})
    assert sources["a"] == FactSource("f.yaml", 3, "表") and sources.items() == [("a", sources["a"])]
    assert sources.get("b", 4) == 4 and "b" not in sources  # a default is not taken for a line
