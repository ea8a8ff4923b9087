"""Link reports across years: each project to the same project last year, each commitment to the report it is due in.

Projects are matched only by what the facts say: the project name, its aliases, and `renamed_from` (the
names it had before). Nothing is matched by similarity; a name that matches nothing, or more than one
project, is an input error, so a typo never silently breaks (or invents) a link between years.

Runs after loading (engine/construct/facts.py), on every set of reports loaded together: a link exists only when
the other year's report is among the loaded facts.
"""
from __future__ import annotations

import re

from ..core.errors import Diagnostic, did_you_mean
from ..core.model import Commitment, CommitmentTarget, Project, Report, Sources

INCREASE, DECREASE = "增加", "压缩"
BUDGET_TILT = "预算倾斜"  # the commitment kind whose projects are listed by direction


def project_names(project: Project) -> set:
    return {project.name, *project.aliases}


def find_project(name: str | None, report: Report | None) -> Project | None:
    """The project a name refers to inside one report (by name or alias; names are unique per report)."""
    if name is None or report is None:
        return None
    return next((project for project in report.projects if name in project_names(project)), None)


def successors(project: Project, later: Report) -> list:
    """Projects of a later report that declare themselves the same as `project` (name, alias or renamed_from)."""
    names = project_names(project)
    return [p for p in later.projects if names & (project_names(p) | set(p.renamed_from))]


def predecessors(project: Project, earlier: Report) -> list:
    names = project_names(project) | set(project.renamed_from)
    return [p for p in earlier.projects if names & project_names(p)]


def due_year(report: Report, commitment: Commitment) -> int:
    return commitment.due_year if commitment.due_year is not None else report.year + 1


def link_years(reports) -> list:
    """Set Project.previous, Commitment.targets and Report.commitments_due; return the problems found."""
    by_key = {_key(r, r.year): r for r in reports}
    problems: list = []
    for report in reports:
        previous = by_key.get(_key(report, report.year - 1))
        if previous is not None:
            problems.extend(_link_projects(report, previous))
    for report in reports:
        for index, commitment in enumerate(report.commitments):
            problems.extend(_link_commitment(report, index, commitment, by_key))
    return problems


def _key(report: Report, year: int):
    """The department-year a report is linked by; a report whose unit's name is not printed links to nothing
    (two such reports are not known to be the same unit), so it gets a key of its own."""
    return (report.department, year) if report.department_printed else (id(report), year)


def _where(record, field: str, report: Report) -> tuple:
    """(file, line, column) of a field's value. Records keep the line only (FactSource); these checks run
    after the documents are gone, so the column is read off that line of the file, where the value starts."""
    source = record.sources.get(field)
    if source is None:
        return report.file, 1, 1
    return source.file, source.line, _value_column(source.file, source.line)


_VALUE_START = re.compile(r"[ ]*(?:-[ ]+)?(?:[^:#\n]+:[ ]+)?")


def _value_column(file: str, line: int) -> int:
    try:
        with open(file, encoding="utf-8-sig") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return _VALUE_START.match(text).end() + 1
    except (OSError, UnicodeDecodeError):
        pass
    return 1


def _link_projects(report: Report, previous: Report) -> list:
    problems = []
    known = sorted({n for p in previous.projects for n in project_names(p)})
    claimed: dict = {}  # id(previous project) -> current project names that claim it
    for i, project in enumerate(report.projects):
        matches = predecessors(project, previous)
        if project.renamed_from and not matches:
            # a declared rename that links to nothing is a typo; names from older years may stay in the list
            names = "、".join(f"“{n}”" for n in project.renamed_from)
            hints = [did_you_mean(n, known) for n in project.renamed_from]
            problems.append(Diagnostic(
                *_where(project, "renamed_from", report), f"projects[{i}].renamed_from",
                f"原项目名称 {names} 在 {previous.year} 年报告中找不到({previous.file})",
                f"{previous.year} 年报告中的项目名称或曾用名", " ".join(h for h in hints if h)))
        if len(matches) > 1:
            problems.append(Diagnostic(
                *_where(project, "name", report), f"projects[{i}].name",
                f"项目 “{project.name}” 同时对应 {previous.year} 年的多个项目: " + "、".join(p.name for p in matches),
                "一个项目至多对应上年一个项目", "检查名称、aliases 和 renamed_from,删去不属于本项目的名称"))
        elif matches:
            project.previous = matches[0]
            claimed.setdefault(id(matches[0]), (matches[0], []))[1].append(project.name)
    for old, names in claimed.values():
        if len(names) > 1:
            problems.append(Diagnostic(
                *_where(old, "name", previous), "renamed_from",
                f"{previous.year} 年的项目 “{old.name}” 在 {report.year} 年对应多个项目: " + "、".join(names),
                "上年一个项目至多对应本年一个项目",
                "项目拆分时,只在延续原项目的那一个项目上写原名称(aliases 或 renamed_from)"))
    return problems


def _targets_of(commitment: Commitment) -> list:
    named = [] if commitment.project is None else [("project", commitment.project, "")]
    return (named + [("budget_increase", name, INCREASE) for name in commitment.budget_increase]
            + [("budget_decrease", name, DECREASE) for name in commitment.budget_decrease])


def _link_commitment(report: Report, index: int, commitment: Commitment, by_key: dict) -> list:
    path = f"commitments[{index}]"
    due = due_year(report, commitment)
    if due <= report.year:
        return [Diagnostic(*_where(commitment, "due_year", report), path + ".due_year",
                           f"承诺完成年度 {due} 不晚于报告年度 {report.year}", f"{report.year + 1} 或更晚的年份")]
    problems = []
    if commitment.kind == BUDGET_TILT and not (commitment.budget_increase or commitment.budget_decrease):
        problems.append(Diagnostic(*_where(commitment, "kind", report), path, f"“{BUDGET_TILT}”类承诺没有写明涉及哪些项目",
                                   "budget_increase(承诺增加预算的项目)或 budget_decrease(承诺压缩预算的项目)",
                                   "按报告原文列出项目,如 budget_decrease: [项目名称]"))
    known = sorted({n for p in report.projects for n in project_names(p)})
    followup = by_key.get(_key(report, due))
    seen: dict = {}
    targets = []
    for field, name, direction in _targets_of(commitment):
        project = find_project(name, report)
        if project is None:
            problems.append(Diagnostic(*_where(commitment, field, report), f"{path}.{field}",
                                       f"承诺所列项目 “{name}” 不是本报告中的项目", "本报告项目的名称或曾用名",
                                       did_you_mean(name, known)))
            continue
        if id(project) in seen:
            problems.append(Diagnostic(*_where(commitment, field, report), f"{path}.{field}",
                                       f"承诺重复列出项目 “{project.name}”(“{seen[id(project)]}”与“{name}”)",
                                       "每个项目只列一次", "同一项目不能既增加又压缩预算"))
            continue
        seen[id(project)] = name
        source = commitment.sources[field]
        target = CommitmentTarget(Sources.of(source.file, source.section, {"name": source, "direction": source}),
                                  name=name, direction=direction, project=project,
                                  followup_project=_carried_to(project, report, due, by_key))
        targets.append(target)
    commitment.targets = targets
    if followup is not None and not problems:
        followup.commitments_due.append((report, commitment))
    return problems


def _carried_to(project: Project, report: Report, due: int, by_key: dict) -> Project | None:
    """The same project in the due year's report, followed year by year through the reports loaded in between."""
    current, year = project, report.year
    for later_year in range(report.year + 1, due + 1):
        later = by_key.get(_key(report, later_year))
        if later is None:
            continue  # a year not loaded: the next loaded report is matched from the last known name
        found = successors(current, later)
        if len(found) != 1:
            return None
        current, year = found[0], later_year
    return current if year == due else None
