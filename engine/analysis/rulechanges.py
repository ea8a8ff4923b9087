"""What `diff --rules` lists beside the findings: sources and rule tests that differ between the two rule
folders, and, with --as-year, the facts moved to a future year and the parameter values in force then."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..core.errors import Diagnostic, InputError


@dataclass(frozen=True)
class Changes:
    sources_added: tuple = ()  # source ids
    sources_removed: tuple = ()
    sources_edited: tuple = ()
    tests_added: tuple = ()  # "file: case name"
    tests_removed: tuple = ()
    tests_edited: tuple = ()
    as_year: int | None = None
    in_force: tuple = ()  # (name, title, (year, value) old or None, (year, value) new or None)


def added_removed_edited(old: dict, new: dict) -> tuple:
    return (tuple(sorted(new.keys() - old.keys())), tuple(sorted(old.keys() - new.keys())),
            tuple(sorted(k for k in old.keys() & new.keys() if old[k] != new[k])))


def test_cases(rules_dir) -> dict:
    """'file name: case name' -> the case as written, for every rule test under rules_dir/tests."""
    from ..load.yamlsrc import load_yaml_file

    cases = {}
    for path in sorted((Path(rules_dir) / "tests").glob("**/*.yaml")) if rules_dir else ():
        doc, _problems = load_yaml_file(path)
        for case in doc.data if doc is not None and isinstance(doc.data, list) else ():
            if isinstance(case, dict) and isinstance(case.get("name"), str):
                cases[f"{path.relative_to(Path(rules_dir) / 'tests')}: {case['name']}"] = repr(case)
    return cases


def _entry(ruleset, name: str, report):
    """The value of a parameter in force for `report` under `ruleset` (its year, jurisdictions, example)."""
    parameter = ruleset.parameters.get(name)
    entry = parameter.value_for(ruleset.scope_of(report)) if parameter is not None and report is not None else None
    return (entry.year, entry.value) if entry is not None else None


def rule_folder_changes(old_rules, new_rules, old_dir, new_dir, as_year: int | None = None, reports=()) -> Changes:
    """as_year: the values in force are shown for the first of `reports` (read as that year's): values depend
    on where a report is (rules/jurisdictions.yaml), so a preview is for the facts given."""
    sources = added_removed_edited(old_rules.sources, new_rules.sources)
    tests = added_removed_edited(test_cases(old_dir), test_cases(new_dir))
    in_force = ()
    if as_year is not None:
        report = reports[0] if reports else None
        in_force = tuple((name, (new_rules.parameters.get(name) or old_rules.parameters[name]).title,
                          _entry(old_rules, name, report), _entry(new_rules, name, report))
                         for name in sorted(old_rules.parameters.keys() | new_rules.parameters.keys()))
    return Changes(*sources, *tests, as_year, in_force)


def as_year(reports, year: int, shown: str) -> list:
    """The reports of one year, read as if they were `year`'s (to preview which parameter values take effect)."""
    years = sorted({r.year for r in reports})
    if len(years) != 1:
        raise InputError([Diagnostic(shown, 0, 0, "--as-year", f"事实中有 {'、'.join(map(str, years))} 年的报告",
                                     expected="只含一个年度的事实", suggestion="--as-year 只用于一个年度的事实")])
    return [replace(r, year=year) for r in reports]
