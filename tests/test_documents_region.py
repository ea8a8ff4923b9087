"""Where a unit is (省/市/县) is rarely printed on its form; the auditor gives it on import, it is written to the
facts as the auditor's (a comment on each line), and local rules then apply: 四川's 90% explanation line
judges example 12 only once its region is given."""
from __future__ import annotations

import yaml

from engine.cli import cli

from . import documents_examples as E
from . import documents_forms as F
from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "facts" / "2024" / "12-mingshan-linye-gaige-zijin.yaml"
NAMES = ["--department", "雅安市名山区林业局", "--project-name", "2024年林业改革发展资金"]


def imported(runner, tmp_path, *region):
    path = tmp_path / "form.html"
    F.WRITERS["html"](path, E.forms(E.load(EXAMPLE)))
    out = tmp_path / "facts"
    result = runner.invoke(cli, ["import", str(path), *NAMES, *region, "-o", str(out)])
    assert result.exit_code == 0, result.output
    [written] = out.rglob("*.yaml")
    return written


def fired(runner, path) -> set:
    result = runner.invoke(cli, ["evaluate", str(path), "--backend", "python", "--format", "json",
                                 "--rules", str(ROOT / "tests" / "fixtures" / "rules")])
    assert result.exit_code in (0, 1), result.output
    return {f["rule"] for f in yaml.safe_load(result.output)["findings"] if f["outcome"] == "fired"}


def test_the_region_given_is_written_as_the_auditors_and_local_rules_apply(runner, tmp_path):
    written = imported(runner, tmp_path, "--province", "四川省", "--city", "雅安市", "--county", "名山区")
    text = written.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["region"] == {"province": "四川省", "city": "雅安市", "county": "名山区"}
    assert "  province: 四川省  # 审计人员用 --province/--city/--county 给出" in text
    assert "execution.explanation-missing" in fired(runner, written)


def test_without_a_region_the_provincial_rule_does_not_judge_the_report(runner, tmp_path):
    written = imported(runner, tmp_path)
    assert "region" not in yaml.safe_load(written.read_text(encoding="utf-8"))
    assert "execution.explanation-missing" not in fired(runner, written)


def test_the_template_refuses_a_region_option(runner, tmp_path):
    template = tmp_path / "t.csv"
    template.write_text("项目名称,年初预算数\n甲,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(template), "--province", "四川省", "--year", "2024"])
    assert result.exit_code == 2 and "--province" in result.output and "Traceback" not in result.output
