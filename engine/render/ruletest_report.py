"""Rule-test results for CI: JSON (`perfaudit test --format json`) and JUnit XML (`--junit-xml FILE`).

Both carry, for each failure, the same lines the text output prints (failure_lines), so a CI page shows
what an auditor would see in the terminal."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from .ruletest_text import todo_line


def _dedented(lines: list) -> str:
    return "\n".join(line.strip() for line in lines)


def results_json(results, texts: list, skipped: int = 0, counts: dict | None = None,
                 coverage_report=(), parameters=()) -> str:
    """texts: ruletest_text.failure_texts of the results."""
    tests = [{
        "file": result.case.file, "line": result.case.line, "name": result.case.name,
        "rules": list(result.case.rules), "passed": result.passed,
        **({"todo": todo_line(result.case)} if result.case.todo else {}),
        "failures": [{"expectation": f.expectation.describe(), "file": f.expectation.file,
                      "line": f.expectation.line, "unwanted": f.unwanted, "detail": _dedented(lines)}
                     for f, lines in zip(result.failures, failures)],
    } for result, failures in zip(results, texts)]
    failed = sum(1 for r in results if not r.passed)
    document = {"tests": tests,
                "summary": {"passed": len(results) - failed, "failed": failed, "skipped": skipped}}
    if counts is not None:
        document["coverage"] = {
            "percent": str(counts["percent"]),
            **{kind: {"covered": counts[kind][0], "total": counts[kind][1]}
               for kind in ("rules", "branches", "parameter_values")},
            "untested_rules": [r.rule for r in coverage_report if not r.tests],
            "branch_gaps": [{"rule": r.rule, "part": leaf.part, "text": leaf.text, "made_true": leaf.made_true,
                             "made_false": leaf.made_false} for r in coverage_report for leaf in r.gaps],
            "untested_parameter_values": [{"name": p.name, "from_year": p.year}
                                          for p in parameters if not p.covered],
        }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def results_junit(results, texts: list) -> bytes:
    failed = sum(1 for r in results if not r.passed)
    suites = ET.Element("testsuites", name="perfaudit", tests=str(len(results)), failures=str(failed))
    suite = ET.SubElement(suites, "testsuite", name="perfaudit 规则测试", tests=str(len(results)),
                          failures=str(failed), errors="0", skipped="0")
    for result, failures in zip(results, texts):
        case = ET.SubElement(suite, "testcase", classname=result.case.file, name=result.case.name,
                             file=result.case.file, line=str(result.case.line))
        if result.case.todo:
            ET.SubElement(case, "failure", message=todo_line(result.case))
        for failure, lines in zip(result.failures, failures):
            verb = "不应出现" if failure.unwanted else "应当出现"
            ET.SubElement(case, "failure", message=f"{verb}: {failure.expectation.describe()}").text = _dedented(lines)
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
