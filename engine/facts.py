"""Load stage for facts: facts/<year>/*.yaml -> validated Report records with provenance."""
from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

from .errors import Collector, Diagnostic, InputError
from .model import (Approval, Budget, Claim, Commitment, FactSource, Filter, Indicator, Project, Quantity,
                    Report, Score, Totals)
from .validate import validate_document
from .yamlsrc import Document, load_yaml_file, render_path
from .years import link_years

YAML_SUFFIXES = (".yaml", ".yml")
_QUANTITY = re.compile(r"^\s*(?P<op>≤|≥|<=|>=|<|>|=)?\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>.*?)\s*$")
_OP_ALIASES = {"≦": "≤", "≧": "≥", "＝": "=", "＜": "<", "＞": ">", "<=": "≤", ">=": "≥", "═": "="}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def expand_paths(paths, suffixes=YAML_SUFFIXES) -> tuple[list[Path], list[Diagnostic]]:
    """Files as given, folders expanded to their YAML files (sorted, so order never depends on the disk)."""
    files: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())
            if not found:
                problems.append(Diagnostic(str(raw), 0, 0, "", "目录中没有 YAML 文件"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Diagnostic(str(raw), 0, 0, "", "文件或目录不存在"))
    unique = sorted(set(p.resolve() for p in files))
    return unique, problems


def load_facts(paths) -> list[Report]:
    """Load every facts file under paths; raises InputError listing all problems."""
    collector = Collector()
    files, problems = expand_paths(paths)
    collector.extend(problems)
    reports: list[Report] = []
    for path in files:
        doc, problems = load_yaml_file(path, display_path(path))
        collector.extend(problems)
        if doc is None:
            continue
        schema_problems = validate_document(doc, "facts")
        if schema_problems:
            collector.extend(schema_problems)
            continue
        report = _Builder(doc, collector).report()
        reports.append(report)
    seen: dict = {}
    for report in reports:
        key = (report.department, report.year)
        if key in seen:
            collector.add(Diagnostic(report.file, 1, 1, "department",
                                     f"{report.department} {report.year} 年度的事实已在 {seen[key]} 中给出",
                                     suggestion="同一部门同一年度的事实只能放在一个文件里"))
        else:
            seen[key] = report.file
    reports = sorted(reports, key=lambda r: (r.year, r.department))
    collector.extend(link_years(reports))
    collector.raise_if_any()
    return reports


def parse_rate(text: str) -> Decimal:
    """"65.66%" -> Decimal("0.6566"), keeping the printed precision."""
    return Decimal(text.strip().rstrip("%")).scaleb(-2)


class _Builder:
    def __init__(self, doc: Document, collector: Collector):
        self.doc = doc
        self.collector = collector

    def src(self, path, section) -> FactSource:
        return FactSource(self.doc.file, self.doc.line(path), section)

    def fill(self, record, data: dict, path, section, fields, rates=()):
        for name in fields:
            if name in data:
                value = data[name]
                if name in rates and value is not None:
                    value = parse_rate(value)
                setattr(record, name, value)
                record.sources[name] = self.src(path + (name,), section)
        return record

    def name(self, value: str, path) -> str:
        if _INVISIBLE.search(value) or value != value.strip():
            line, col = self.doc.where(path)
            self.collector.add(Diagnostic(self.doc.file, line, col, render_path(path),
                                          f"名称 “{value}” 含有首尾空格或不可见字符(零宽空格等)",
                                          suggestion=f"改为 “{_INVISIBLE.sub('', value).strip()}”"))
        return value

    def report(self) -> Report:
        d = self.doc.data
        report = Report(department=self.name(d["department"], ("department",)), year=d["year"],
                        document=d["document"]["title"], file=self.doc.file)
        report.sources["department"] = self.src(("department",), "报告标题")
        report.sources["year"] = self.src(("year",), "报告标题")
        if "totals" in d:
            t = d["totals"]
            report.totals = self.fill(Totals(), t, ("totals",), t["section"],
                                      ("initial", "full_year", "executed", "rate"), rates=("rate",))
        report.projects = [self.project(p, ("projects", i)) for i, p in enumerate(d["projects"])]
        names = {}
        for i, project in enumerate(report.projects):
            for label in [project.name] + list(project.aliases):
                if label in names:
                    line, col = self.doc.where(("projects", i, "name"))
                    self.collector.add(Diagnostic(self.doc.file, line, col, f"projects[{i}].name",
                                                  f"项目名称 “{label}” 与第 {names[label] + 1} 个项目重复"))
                names[label] = i
        report.claims = [self.claim(c, ("claims", i), i) for i, c in enumerate(d.get("claims", []))]
        report.commitments = [self.commitment(c, ("commitments", i)) for i, c in enumerate(d.get("commitments", []))]
        ids = [c.id for c in report.claims] + [c.id for c in report.commitments]
        for dup in sorted({x for x in ids if ids.count(x) > 1}):
            self.collector.add(Diagnostic(self.doc.file, 1, 1, "claims", f"编号 “{dup}” 重复"))
        return report

    def project(self, p: dict, path) -> Project:
        project = Project(name=self.name(p["name"], path + ("name",)), aliases=list(p.get("aliases", [])))
        project.sources["name"] = self.src(path + ("name",), p["budget"]["section"])
        b = p["budget"]
        project.budget = self.fill(Budget(), b, path + ("budget",), b["section"],
                                   ("initial", "full_year", "executed", "rate"), rates=("rate",))
        if "explanation" in b:
            project.budget.explanation = b["explanation"]
            project.budget.sources["explanation"] = self.src(path + ("budget", "explanation"),
                                                             b.get("explanation_section", b["section"]))
        if "score" in p:
            s = p["score"]
            project.score = self.fill(Score(), s, path + ("score",), s["section"], ("total", "grade"))
        project.indicators = [self.indicator(x, path + ("indicators", i)) for i, x in enumerate(p.get("indicators", []))]
        if "departments_involved" in p:
            project.departments_involved = list(p["departments_involved"])
            project.sources["departments_involved"] = self.src(path + ("departments_involved",),
                                                               p.get("departments_section", p["budget"]["section"]))
        project.approvals = [self.approval(a, path + ("approvals", i)) for i, a in enumerate(p.get("approvals", []))]
        if "renamed_from" in p:
            project.renamed_from = [self.name(n, path + ("renamed_from", i)) for i, n in enumerate(p["renamed_from"])]
            project.sources["renamed_from"] = self.src(path + ("renamed_from",), p["budget"]["section"])
        return project

    def indicator(self, x: dict, path) -> Indicator:
        section = x["section"]
        kind = x["kind"]
        ind = Indicator(name=x["name"], kind=kind, category=kind.split("-")[0])
        for name in ("name", "kind", "category"):
            ind.sources[name] = self.src(path + (name if name != "category" else "kind",), section)
        for name in ("target", "actual"):
            if name in x:
                setattr(ind, name, self.quantity(x[name], path + (name,), section))
                ind.sources[name] = self.src(path + (name,), section)
        if "deviation_reason" in x:
            ind.deviation_reason = x["deviation_reason"]
            ind.sources["deviation_reason"] = self.src(path + ("deviation_reason",), section)
        if "includes_tasks_of" in x:
            ind.includes_tasks_of = list(x["includes_tasks_of"])
            ind.sources["includes_tasks_of"] = self.src(path + ("includes_tasks_of",), section)
        return ind

    def quantity(self, text: str, path, section) -> Quantity | None:
        normalised = text
        for alias, op in _OP_ALIASES.items():
            normalised = normalised.replace(alias, op)
        if normalised.translate(_FULLWIDTH) != normalised:
            line, col = self.doc.where(path)
            self.collector.add(Diagnostic(self.doc.file, line, col, render_path(path),
                                          f"数值 “{text}” 含有全角数字或全角 %",
                                          expected="半角数字,如 ≤102.5万元",
                                          suggestion=f"改为 “{normalised.translate(_FULLWIDTH)}”"))
            return None
        match = _QUANTITY.match(normalised)
        if not match:
            line, col = self.doc.where(path)
            self.collector.add(Diagnostic(self.doc.file, line, col, render_path(path),
                                          f"无法识别的指标值 “{text}”",
                                          expected="[比较符]数值[单位],如 ≤102.5万元、≥95%、100%、12.41万元"))
            return None
        op = match.group("op")
        if op in ("<=", ">="):
            op = {"<=": "≤", ">=": "≥"}[op]
        q = Quantity(op=op, value=Decimal(match.group("num")), unit=match.group("unit"), text=text)
        for name in ("op", "value", "unit", "text"):
            q.sources[name] = self.src(path, section)
        return q

    def approval(self, a: dict, path) -> Approval:
        approval = Approval(kind=a["kind"], counterpart=a["counterpart"], year=a["year"], document=a.get("document", ""))
        for name in ("kind", "counterpart", "year", "document"):
            approval.sources[name] = self.src(path + (name if name in a else "kind",), a["section"])
        return approval

    def claim(self, c: dict, path, order: int) -> Claim:
        section = c["section"]
        value = c["value"]
        unit = c.get("unit", "")
        if isinstance(value, str):
            value, unit = parse_rate(value), "%"
        claim = Claim(id=c["id"], order=order, text=c["text"], measure=c["measure"], value=value, unit=unit,
                      project=c.get("project"), topic=c.get("topic", ""), scope=c.get("scope", ""),
                      members=list(c.get("members", [])), complements=c.get("complements", ""))
        if "where" in c:
            w = c["where"]
            claim.where = Filter(field=w["field"], op=w["op"], value=w["value"])
            for name in ("field", "op", "value"):
                claim.where.sources[name] = self.src(path + ("where", name), section)
        for name in ("id", "text", "measure", "value", "unit", "project", "topic", "scope", "members", "complements"):
            claim.sources[name] = self.src(path + (name if name in c else "value",), section)
        claim.sources["order"] = self.src(path, section)
        return claim

    def commitment(self, c: dict, path) -> Commitment:
        item = Commitment(id=c["id"], text=c["text"], kind=c["kind"], project=c.get("project"),
                          due_year=c.get("due_year"), counterpart=c.get("counterpart"),
                          budget_increase=list(c.get("budget_increase", [])),
                          budget_decrease=list(c.get("budget_decrease", [])))
        for name in ("id", "text", "kind", "project", "due_year", "counterpart", "budget_increase", "budget_decrease"):
            item.sources[name] = self.src(path + (name if name in c else "kind",), c["section"])
        return item


