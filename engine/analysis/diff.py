"""Compare findings: the same facts under two rule sets, or one department's findings in two years.

- Rule-change impact: findings keyed by (rule, department, year, project, subject); a finding present
  under both rule sets is "changed" when its severity, message or evidence differ.
- Year over year: findings matched by rule and project, the project followed across years only through
  what the facts declare (name, aliases, renamed_from; engine/construct/years.py), never by similarity. Findings
  about prose claims or commitments are matched by rule and project alone, since their ids are per report.
  A finding of the earlier year is resolved only when the later year's facts let its rule decide and it did
  not fire; where the rule could not be evaluated, or what it was about is gone from the facts (claims not
  transcribed, say), the finding is "no longer checkable" (unverifiable), never resolved.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..construct.years import find_project, predecessors
from ..core.findings import UNEVALUABLE, Finding
from ..core.model import Report, RuleSet
from ..run.subjects import subjects_of
from .rulechanges import added_removed_edited

CHANGE_FIELDS = ("severity", "message", "evidence")
# subject kinds whose label names the same thing in every year (indicator names); others match by rule + project
_STABLE_SUBJECTS = ("indicator",)


# ---- rule-change impact ------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    before: Finding
    after: Finding
    fields: tuple  # which of CHANGE_FIELDS differ


@dataclass(frozen=True)
class ParameterChange:
    name: str
    title: str
    before: tuple  # ((year, value), ...) under the old rules; () when the parameter is absent
    after: tuple


@dataclass(frozen=True)
class RuleImpact:
    old_label: str
    new_label: str
    added: tuple  # Finding, only under the new rules
    removed: tuple  # Finding, only under the old rules
    changed: tuple  # Changed
    unchanged: int
    rules_added: tuple  # rule ids
    rules_removed: tuple
    rules_edited: tuple  # rule ids whose definition differs
    parameters: tuple  # ParameterChange


def finding_key(finding: Finding) -> tuple:
    return (finding.rule, finding.department, finding.year, finding.project or "", finding.subject)


def _keyed(findings) -> dict:
    """Findings by key; a key seen twice (two indicators with one name) gets a running number."""
    out: dict = {}
    seen = Counter()
    for finding in sorted(findings, key=Finding.sort_key):
        key = finding_key(finding)
        seen[key] += 1
        out[key + (seen[key],)] = finding
    return out


def _differences(before: Finding, after: Finding) -> tuple:
    return tuple(name for name in CHANGE_FIELDS if getattr(before, name) != getattr(after, name))


def _rule_definition(rule) -> tuple:
    # locations are left out: the same rule read from another folder is the same rule
    return (rule.title, rule.family, rule.severity, rule.subject, rule.when, rule.condition, rule.message,
            rule.evidence, rule.citations, rule.effective_from, rule.effective_to)


def _parameter_values(parameter) -> tuple:
    return tuple((entry.year, entry.value) for entry in parameter.values) if parameter is not None else ()


def rule_impact(old, new, old_rules: RuleSet, new_rules: RuleSet, old_label: str, new_label: str) -> RuleImpact:
    """old/new: Evaluations of the same facts under old_rules and new_rules."""
    before, after = _keyed(old.findings), _keyed(new.findings)
    added = tuple(after[k] for k in after if k not in before)
    removed = tuple(before[k] for k in before if k not in after)
    common = before.keys() & after.keys()
    changed = [Changed(before[k], after[k], _differences(before[k], after[k])) for k in common]
    changed = [c for c in changed if c.fields]
    parameters = []
    for name in sorted(old_rules.parameters.keys() | new_rules.parameters.keys()):
        a, b = old_rules.parameters.get(name), new_rules.parameters.get(name)
        if _parameter_values(a) != _parameter_values(b):
            parameters.append(ParameterChange(name, (b or a).title, _parameter_values(a), _parameter_values(b)))
    return RuleImpact(
        old_label, new_label,
        tuple(sorted(added, key=Finding.sort_key)), tuple(sorted(removed, key=Finding.sort_key)),
        tuple(sorted(changed, key=lambda c: c.after.sort_key())), len(common) - len(changed),
        *added_removed_edited({r.id: _rule_definition(r) for r in old_rules.rules},
                              {r.id: _rule_definition(r) for r in new_rules.rules}),
        tuple(parameters))


# ---- year over year ---------------------------------------------------------------


@dataclass(frozen=True)
class Persisting:
    before: Finding
    after: Finding


@dataclass(frozen=True)
class DepartmentYears:
    department: str
    year_a: int
    year_b: int
    new: tuple  # Finding in year_b only
    resolved: tuple  # Finding in year_a only
    persisting: tuple  # Persisting
    renamed: tuple  # (name in year_a, name in year_b) for projects matched under another name
    # Finding in year_a that year_b cannot confirm or clear: the rule could not be evaluated there (data
    # missing), or year_b's facts no longer have what it was about (the claim, indicator or project)
    unverifiable: tuple = ()


@dataclass(frozen=True)
class YearDiff:
    year_a: int
    year_b: int
    departments: tuple  # DepartmentYears, by department
    only_a: tuple  # departments with a report in year_a only
    only_b: tuple


def _project_identity(name: str | None, report: Report, earlier: Report | None) -> str:
    """The project's name in the earlier year when the facts link it there, else its own name."""
    if name is None:
        return ""
    project = find_project(name, report)
    if project is None:
        return name
    if earlier is None:
        return project.name
    matches = predecessors(project, earlier)
    return matches[0].name if len(matches) == 1 else f"{project.name}@{report.year}"


def _match_key(finding: Finding, report: Report, earlier: Report | None) -> tuple:
    subject = finding.subject if finding.subject_kind in _STABLE_SUBJECTS else ""
    return (finding.rule, _project_identity(finding.project, report, earlier), subject)


_PER_PROJECT = ("project", "indicator")


def _subjects_present(report: Report, earlier: Report) -> set:
    """What `report` has for a rule to judge, as _checkable looks it up: projects and indicators one by one
    (a project or indicator gone from the facts cannot be checked); claims and commitments only by kind,
    since a report that has claims but none about a project simply no longer says it."""
    return {(s.kind,) + ((_project_identity(s.project, report, earlier),
                          s.label if s.kind in _STABLE_SUBJECTS else "") if s.kind in _PER_PROJECT else ())
            for s in subjects_of(report)}


def _checkable(finding: Finding, key: tuple, present: set) -> bool:
    kind = finding.subject_kind
    return ((kind, key[1], key[2]) if kind in _PER_PROJECT else (kind,)) in present


def year_over_year(findings, reports, year_a: int, year_b: int) -> YearDiff:
    """Findings of the reports of year_a against those of year_b, department by department."""
    by_key = {(r.department, r.year): r for r in reports}
    departments_a = {d for d, y in by_key if y == year_a}
    departments_b = {d for d, y in by_key if y == year_b}
    out = []
    for department in sorted(departments_a & departments_b):
        report_a, report_b = by_key[(department, year_a)], by_key[(department, year_b)]
        groups_a, groups_b, unknown_b = defaultdict(list), defaultdict(list), defaultdict(int)
        for f in sorted(findings, key=Finding.sort_key):
            if f.department != department:
                continue
            if f.year == year_a and f.outcome != UNEVALUABLE:  # missing data in year_a was never a finding
                groups_a[_match_key(f, report_a, None)].append(f)
            elif f.year == year_b:
                key = _match_key(f, report_b, report_a)
                if f.outcome == UNEVALUABLE:
                    unknown_b[key] += 1
                else:
                    groups_b[key].append(f)
        present_b = _subjects_present(report_b, report_a)
        new, resolved, persisting, unverifiable = [], [], [], []
        for key in groups_a.keys() | groups_b.keys():
            a, b = groups_a.get(key, []), groups_b.get(key, [])
            persisting += [Persisting(x, y) for x, y in zip(a, b)]
            gone = a[len(b):]
            undecided = unknown_b.get(key, 0)
            unverifiable += gone[:undecided]
            for f in gone[undecided:]:
                (resolved if _checkable(f, key, present_b) else unverifiable).append(f)
            new += b[len(a):]
        renamed = sorted({(m[0].name, p.name) for p in report_b.projects for m in [predecessors(p, report_a)]
                          if len(m) == 1 and m[0].name != p.name})
        out.append(DepartmentYears(department, year_a, year_b, tuple(sorted(new, key=Finding.sort_key)),
                                   tuple(sorted(resolved, key=Finding.sort_key)),
                                   tuple(sorted(persisting, key=lambda p: p.after.sort_key())), tuple(renamed),
                                   tuple(sorted(unverifiable, key=Finding.sort_key))))
    return YearDiff(year_a, year_b, tuple(out), tuple(sorted(departments_a - departments_b)),
                    tuple(sorted(departments_b - departments_a)))


# ---- rules at a git revision --------------------------------------------------------

GIT_PREFIX = "git:"


def rules_from_git(spec: str, into) -> str:
    """`git:REV` (the rules/ folder at REV) or `git:REV:PATH`: extract it under `into`; return the folder.

    Nothing the user wrote reaches git as an option: the revision is resolved to a commit id first
    (`rev-parse --verify --end-of-options`), only that id is handed to `git archive`, and the path is a
    literal pathspec after `--` that must stay inside the repository.
    """
    import io
    import subprocess
    import tarfile
    from pathlib import Path, PurePosixPath

    from ..core.errors import Diagnostic, InputError

    rev, _, path = spec[len(GIT_PREFIX):].partition(":")
    path = path or "rules"

    def fail(message: str, suggestion: str = "") -> InputError:
        return InputError([Diagnostic(spec, 0, 0, "--rules", message, "git:修订版本(如 git:HEAD、git:HEAD~1)"
                                      "或 git:修订版本:规则目录", suggestion)])

    if not rev:
        raise fail("没有给出 git 修订版本")
    if rev.startswith("-"):
        raise fail(f"git 修订版本不能以 - 开头: {rev}", "写分支名、标签或提交号,如 git:HEAD~1")
    parts = PurePosixPath(path).parts
    if path.startswith(("-", "/")) or ".." in parts:
        raise fail(f"规则目录应为仓库内的相对路径,不以 - 或 / 开头、不含 ..: {path}", "如 git:HEAD:rules")
    path = str(PurePosixPath(*parts)) if parts else "."

    def git(*args: str, **options):
        return subprocess.run(["git", "--literal-pathspecs", *args], capture_output=True, check=False, **options)

    try:
        top = git("rev-parse", "--show-toplevel", text=True)
    except OSError as exc:
        raise fail(f"无法运行 git: {exc}") from None
    if top.returncode != 0:
        raise fail("当前目录不在 git 仓库中", "在规则所在的仓库目录下运行,或用两个规则目录代替 git:")
    root = top.stdout.strip()
    commit = git("-C", root, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}", text=True)
    if commit.returncode != 0:
        raise fail(f"无法从 git 取出 {rev}: 仓库中没有这个修订版本", "检查修订版本是否存在(git log)")
    archive = git("-C", root, "archive", "--format=tar", commit.stdout.strip(), "--", path)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip().splitlines()
        raise fail(f"无法从 git 取出 {rev} 的 {path}/: " + (message[-1] if message else "git archive 失败"),
                   "检查该版本中是否有这个目录(git ls-tree " + rev + ")")
    target = Path(into)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return str(target / path)
