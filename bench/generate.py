"""Deterministic synthetic self-evaluation reports in the real facts format (facts/<year>/<department>.yaml).

Used by bench/run.py and by tests that need many departments. The same (projects, seed, years)
always gives the same files, byte for byte. Each department has about 20 projects, each with a
budget block (分值 10, scored by its execution rate), half of them with funding rows, and 6 indicators
whose 分值 add up to 100 with the budget's and whose scores follow what was done; totals, prose claims
and commitments. Everything adds up except for the defects planted at the rates in DEFECTS (about
1.3 findings per project with the shipped rules; docs/performance.md, "The generated corpus").

    python bench/generate.py --projects 1000 --out /tmp/facts
"""
from __future__ import annotations

import argparse
import random
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

PROJECTS_PER_DEPARTMENT = 20
INDICATORS_PER_PROJECT = 6
CENT = Decimal("0.01")

BUREAUS = ("城市管理局", "教育局", "卫生健康委员会", "交通运输局", "农业农村局", "民政局", "文化旅游局",
           "生态环境分局", "水利局", "住房和城乡建设局", "市场监督管理局", "人力资源和社会保障局")
PROJECT_NAMES = ("智慧城管", "文明创建", "垃圾分类", "城管进社区", "执法车辆维护", "农村环境卫生", "执法人员培训",
                 "市政道路养护", "路灯照明维护", "园林绿化管护", "公厕运营维护", "环卫保洁外包", "违建治理",
                 "户外广告整治", "渣土运输监管", "数字化平台运维", "餐厨垃圾处理", "排水设施维护", "桥梁检测",
                 "城市防汛", "老旧小区改造", "背街小巷整治", "农贸市场提升", "停车秩序管理", "燃气安全检查",
                 "河道保洁", "绿道建设", "便民服务点运营", "犬类管理", "夜市规范管理", "校园周边整治",
                 "建筑垃圾消纳", "城市家具维护", "数字档案建设", "应急物资储备", "志愿服务补助", "乡村公路养护",
                 "饮水安全巩固", "公共文化服务", "社区养老服务")
OTHER_DEPARTMENTS = ("宣传部", "住建局", "交通局", "公安分局", "街道办")
GRADE_WORDS = {"优": ("优", "优秀"), "良": ("良", "良好"), "中": ("中", "合格", "中等"), "差": ("差", "不合格")}
LOWER = {"优": "良", "良": "中", "中": "差", "差": "差"}
UNKNOWN_GRADE_WORDS = ("较好", "基本合格", "A")

# The form's 分值: budget execution 10, then the six indicators below (产出 50 = 20 + 15 + 10 + 5, 效益 30,
# 满意度 10), 100 in all, as on the 天长市 form (rules/jurisdictions.yaml tianchang).
WEIGHTS = (10, 20, 15, 10, 5, 30, 10)
INDICATORS = (("投入金额", "产出-数量", "三(二)1 数量指标 正文"), ("验收合格率", "产出-质量", "三(二)1 质量指标 正文"),
              ("完成及时率", "产出-时效", "三(二)1 时效指标 正文"), ("成本控制", "产出-成本", "三(二)1 成本指标 正文"),
              ("群众投诉处理率", "效益-社会效益", "三(二)2 效益指标 正文"),
              ("公众满意度", "满意度-服务对象满意度", "三(二)3 满意度指标 正文"))
TEMPLATE_PROMPT = "结合自评情况,说明项目自评总分(200字以内)"

# Planted defects: the chance of each, per project unless said otherwise. Everything else in a generated
# report is consistent (scores in proportion to what was done and adding up to the total, 分值 adding up to
# 100, funding rows adding up to the budget, units that fit the names), so that the findings per project
# stay near the published examples' (docs/performance.md, "The generated corpus").
DEFECTS = {
    # execution-rate, funding
    "below_warning_line": 0.05, "over_budget": 0.01, "rate_typo": 0.03,
    "explanation_missing": 0.2,  # of the projects below the explanation line
    "adjustment_reason_missing": 0.2,  # of the 20% adjusted budgets
    "funding_parts": 0.05,  # of the half of projects with funding rows
    # scoring, grading (per indicator where it says so)
    "budget_score": 0.05, "weights": 0.01, "total_vs_sum": 0.02, "grade_band": 0.05, "grade_word": 0.01,
    "full_marks_missed": 0.1, "not_proportional": 0.1,  # per indicator that missed its target
    "deducted_although_met": 0.05,  # per 完成及时率 indicator printed 100% against 100%
    "above_weight": 0.003, "deduction_without_reason": 0.1,  # per indicator; per deducted indicator
    # indicator-review (per indicator of the kind concerned)
    "target_above_budget": 0.05, "target_not_number": 0.02, "cost_not_amount": 0.03, "degenerate_bound": 0.03,
    "actual_not_measured": 0.02, "name_unit": 0.02, "includes_other": 0.02,
    # missing values, prose, cross-department
    "blank_actual": 0.001, "template_prompt": 0.01, "completed_claimed": 0.1,  # of projects not all met
    "no_approval": 0.15,  # of the 5% of projects with other departments involved
    # department level: totals and claims
    "totals": 0.05, "claim": 0.05,
}


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pct(numerator: Decimal, denominator: Decimal, places: str = "0.01") -> str:
    """A rate as printed in reports: 65.66%."""
    return f"{(numerator / denominator * 100).quantize(Decimal(places), rounding=ROUND_HALF_UP)}%"


def band(score: Decimal) -> str:
    if score >= 90:
        return "优"
    if score >= 80:
        return "良"
    if score >= 60:
        return "中"
    return "差"


def q(text: str) -> str:
    """A YAML double-quoted scalar (our names never need escapes beyond these two)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Department:
    def __init__(self, rng: random.Random, name: str, year: int, n_projects: int):
        self.rng = rng
        self.name = name
        self.year = year
        self.n = n_projects
        self.lines: list[str] = []

    def emit(self, text: str = "") -> None:
        self.lines.append(text)

    def project_names(self) -> list[str]:
        # the same projects every year (drawn per department, not per year), so that years link up
        if self.n <= len(PROJECT_NAMES):
            return random.Random(f"names/{self.name}").sample(PROJECT_NAMES, self.n)
        return [f"{PROJECT_NAMES[i % len(PROJECT_NAMES)]}{i // len(PROJECT_NAMES) + 1}" for i in range(self.n)]

    def budget(self):
        rng = self.rng
        full_year = money(rng.uniform(5, 500))
        adjusted = rng.random() < 0.2
        initial = money(full_year * Decimal(rng.uniform(0.8, 1.1))) if adjusted else full_year
        roll = rng.random()
        if roll < DEFECTS["below_warning_line"]:
            ratio = rng.uniform(0.30, 0.6999)
        elif roll < DEFECTS["below_warning_line"] + 0.10:
            ratio = rng.uniform(0.70, 0.8999)  # below the explanation line
        elif roll < 0.40:
            ratio = 1.0
        elif roll < 0.40 + DEFECTS["over_budget"]:
            ratio = rng.uniform(1.001, 1.10)
        else:
            ratio = rng.uniform(0.90, 0.9999)
        executed = full_year if ratio == 1.0 else money(full_year * Decimal(ratio))
        rate = pct(executed, full_year)
        if rng.random() < DEFECTS["rate_typo"]:
            rate = pct(executed + money(rng.uniform(1, 5)), full_year)
        return initial, full_year, executed, rate

    def funding(self, initial: Decimal, full_year: Decimal, executed: Decimal) -> None:
        """The 其中 rows: this year's appropriation and last year's carry-over, adding up to the totals."""
        rng = self.rng
        share = Decimal(rng.randint(60, 95)) / 100
        first = [money(initial * share), money(full_year * share), min(money(executed * share), money(full_year * share))]
        second = [initial - first[0], full_year - first[1], executed - first[2]]
        if rng.random() < DEFECTS["funding_parts"]:
            second[2] += money(rng.uniform(0.5, 3))
        self.emit("      funding:")
        for source, row, (a, f, e) in (("其中:当年财政拨款", 1, first), ("上年结转资金", 2, second)):
            self.emit(f"        - source: {source}")
            self.emit(f"          section: 二(一) 表 资金来源 第{row}行")
            self.emit(f"          initial: {a}")
            self.emit(f"          full_year: {f}")
            self.emit(f"          executed: {e}")
            if f > 0:
                self.emit(f"          rate: {q(pct(e, f))}")

    def project(self, i: int, name: str, stats: dict) -> None:
        rng = self.rng
        initial, full_year, executed, rate = self.budget()
        stats["initial"] += initial
        stats["full_year"] += full_year
        stats["executed"] += executed
        self.emit(f"  - name: {name}")
        self.emit(f"    aliases: [{name}项目]")
        self.emit("    budget:")
        self.emit(f"      section: 二(一) 表 第{i + 1}行")
        self.emit(f"      initial: {initial}")
        self.emit(f"      full_year: {full_year}")
        self.emit(f"      executed: {executed}")
        self.emit(f"      rate: {q(rate)}")
        if executed < full_year * Decimal("0.9") and rng.random() > DEFECTS["explanation_missing"]:
            self.emit("      explanation: 受项目进度影响,部分资金未能按期支付")
            self.emit("      explanation_section: 三(三)3 正文")
        if initial != full_year and rng.random() > DEFECTS["adjustment_reason_missing"]:
            self.emit("      adjustment_reason: 年中根据工作任务调整预算")
        budget_weight = WEIGHTS[0]
        budget_score = min(money(budget_weight * executed / full_year), budget_weight)
        if executed < full_year and rng.random() < DEFECTS["budget_score"]:
            budget_score = budget_weight
        self.emit(f"      weight: {budget_weight}")
        self.emit(f"      score: {budget_score}")
        if rng.random() < 0.5:
            self.funding(initial, full_year, executed)
        stats["rates"].append((name, executed, full_year))
        weights = list(WEIGHTS[1:])
        if rng.random() < DEFECTS["weights"]:
            weights[-1] += 5  # 满意度 15: the weights add up to 105
        indicators = [self.indicator(k, weights[k], full_year, executed) for k in range(INDICATORS_PER_PROJECT)]
        score = budget_score + sum(s for _, s, _ in indicators if s is not None)
        if rng.random() < DEFECTS["total_vs_sum"]:
            score += Decimal(rng.randint(1, 5)) * (1 if rng.random() < 0.5 else -1)
        correct = band(score)
        roll = rng.random()
        if roll < DEFECTS["grade_band"]:
            grade = rng.choice(GRADE_WORDS[LOWER[correct]]) if correct != "差" else "良好"
        elif roll < DEFECTS["grade_band"] + DEFECTS["grade_word"]:
            grade = rng.choice(UNKNOWN_GRADE_WORDS)
        else:
            grade = rng.choice(GRADE_WORDS[correct])
        stats["scores"].append(score)
        self.emit("    score:")
        self.emit(f"      section: 三(一) 表 第{i + 1}行")
        self.emit(f"      total: {score}")
        self.emit(f"      grade: {grade}")
        all_met = all(met for _, _, met in indicators) and executed >= full_year * Decimal("0.9")
        self.emit("    goals:")
        self.emit("      section: 三(一) 表 年度总体目标")
        self.emit(f"      expected: 按计划完成{name}年度任务")
        if rng.random() < DEFECTS["template_prompt"]:
            self.emit(f"      actual: {q(TEMPLATE_PROMPT)}")
        elif all_met or rng.random() < DEFECTS["completed_claimed"]:
            self.emit("      actual: 全面完成年度目标")
        else:
            self.emit("      actual: 基本完成年度目标,部分指标存在偏差")
        self.emit("    indicators:")
        for lines, _, _ in indicators:
            self.lines.extend(lines)
        if rng.random() < 0.05:
            other = rng.choice(OTHER_DEPARTMENTS)
            self.emit(f"    departments_involved: [{other}]")
            self.emit("    departments_section: 四(一)3 正文")
            if rng.random() < 1 - DEFECTS["no_approval"]:
                year = self.year if rng.random() < 0.9 else self.year + 1
                self.emit("    approvals:")
                self.emit(f"      - {{kind: 协同备忘录, counterpart: {other}, year: {year}, section: 四(二)3 正文}}")
            else:
                self.emit("    approvals: []")

    def indicator(self, k: int, weight: int, full_year: Decimal, executed: Decimal):
        """(YAML lines, score, target met) of one indicator: 分值 `weight`, scored in proportion to what was done."""
        rng = self.rng
        name, kind, section = INDICATORS[k]
        op, unit = "≥", "%"
        extra = []
        if k == 0:  # 投入金额: at most the budget
            op, unit = "≤", "万元"
            target = full_year
            if rng.random() < DEFECTS["target_above_budget"]:
                target = money(full_year * Decimal(rng.uniform(1.05, 1.3)))
            actual = executed
        elif k == 1:
            target, actual = Decimal(95), Decimal(rng.randint(90, 100))
        elif k == 2:
            op, target, actual = "", Decimal(100), Decimal(rng.randint(90, 100))
        elif k == 3:  # 成本控制: spent at most the target
            op, unit = "≤", "万元"
            target = money(full_year * Decimal(rng.uniform(0.5, 0.99)))
            actual = money(target * Decimal(rng.uniform(0.8, 1.02)))
        elif k == 4:
            target, actual = Decimal(90), Decimal(rng.randint(85, 100))
            if rng.random() < DEFECTS["name_unit"]:
                name, unit, target, actual = "服务群众人数", "人次", Decimal(1000), Decimal(rng.randint(1000, 1500))
            if rng.random() < DEFECTS["includes_other"]:
                extra.append(f"        includes_tasks_of: [{rng.choice(OTHER_DEPARTMENTS)}]")
        else:
            target, actual = Decimal(90), Decimal(rng.randint(88, 100))
        met = actual <= target if op == "≤" else actual >= target
        if met:
            score = Decimal(weight)
        else:  # in proportion, cut to one decimal as the forms print it
            ratio = target / actual if op == "≤" else actual / target
            score = (weight * ratio).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        target_text = f"{op}{target.normalize():f}{unit}"
        actual_text = f"{actual.normalize():f}{unit}"
        roll = rng.random()
        if k == 0 and roll < DEFECTS["target_not_number"]:
            target_text = "按计划完成"
        elif k == 3 and roll < DEFECTS["cost_not_amount"]:
            target_text = "控制在预算内"
        elif k == 1 and roll < DEFECTS["degenerate_bound"]:
            target_text, met, score = "≥100%", actual >= 100, Decimal(weight)
        elif k == 2 and roll < DEFECTS["actual_not_measured"]:
            actual_text = "基本完成"
        roll = rng.random()
        if met and actual_text == target_text and roll < DEFECTS["deducted_although_met"]:
            score = Decimal(weight - 1)
        elif not met and roll < DEFECTS["full_marks_missed"]:
            score = Decimal(weight)
        elif not met and roll < DEFECTS["full_marks_missed"] + DEFECTS["not_proportional"]:
            score = Decimal(weight) / 2
        elif roll > 1 - DEFECTS["above_weight"]:
            score = Decimal(weight + 1)
        blank = rng.random() < DEFECTS["blank_actual"]
        lines = [f"      - name: {name}", f"        kind: {kind}", f"        section: {section}",
                 f"        target: {q(target_text)}",
                 "        actual: null" if blank else f"        actual: {q(actual_text)}",
                 f"        weight: {weight}", f"        score: {score}"]
        if score < weight:
            reason = "无" if rng.random() < DEFECTS["deduction_without_reason"] else "部分子项目未按期完成"
            lines.append(f"        deviation_reason: {reason}")
        return lines + extra, score, met

    def claims(self, stats: dict) -> None:
        rng = self.rng

        def off(value: Decimal, chance: float = DEFECTS["claim"]) -> Decimal:
            return value + money(rng.uniform(1, 20)) if rng.random() < chance else value

        def fine() -> bool:
            return rng.random() > DEFECTS["claim"]

        count = self.n if fine() else self.n - 1
        high = sum(1 for s in stats["scores"] if s >= 90)
        avg = (sum(stats["scores"]) / len(stats["scores"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        name, executed, full_year = rng.choice(stats["rates"])
        overall = pct(stats["executed"], stats["full_year"])
        if not fine():
            overall = pct(stats["executed"] + 10, stats["full_year"])
        deviating = sum(1 for _, e, f in stats["rates"] if e < f)
        claims = [
            ("c01", "一(一) 正文", f"统筹推进{count}个项目实施", "项目个数", str(count), "个", {}),
            ("c02", "二(一) 正文", "部门预算总额", "预算总额", str(off(stats["full_year"])), "万元", {}),
            ("c03", "二(一) 正文", "全年实际执行额", "执行总额", str(off(stats["executed"])), "万元", {}),
            ("c04", "二(一) 正文", "总体执行率", "总体执行率", q(overall), None, {}),
            ("c05", "三(一) 正文", "项目平均自评分", "平均得分", str(avg if fine() else avg + 2), "分", {}),
            ("c06", "三(一) 正文", "得分在90分以上的项目", "项目个数",
             str(high if fine() else high + 1), "个", {"where": "{field: 得分, op: \">=\", value: 90}"}),
            ("c07", "一(一) 正文", "部分指标存在偏差的项目", "项目个数", str(deviating), "个",
             {"topic": "指标存在偏差的项目"}),
            ("c08", "三(一) 正文", "存在指标偏差的项目", "项目个数",
             str(deviating if fine() else deviating + 1), "个", {"topic": "指标存在偏差的项目"}),
            ("c09", "三(三)2 正文", f"{name}执行率", "项目执行率",
             q(pct(executed, full_year) if fine() else pct(executed + 3, full_year)), None,
             {"project": name}),
            ("c10", "三(二)1 数量指标 正文", f"{name}投入", "项目执行", str(executed),
             "万元" if fine() else "元", {"project": name}),
        ]
        if rng.random() < DEFECTS["claim"]:
            claims.append(("c11", "三(二)3 满意度指标 正文", "所有项目服务对象满意度均达100%", "满意度", q("100%"), None,
                           {"scope": "全部"}))
            claims.append(("c12", "三(二)3 满意度指标 正文", f"{name}满意度达98%", "满意度", q("98%"), None,
                           {"project": name}))
        self.emit("claims:")
        for cid, section, text, measure, value, unit, extra in claims:
            self.emit(f"  - id: {cid}")
            self.emit(f"    section: {section}")
            self.emit(f"    text: {q(text)}")
            self.emit(f"    measure: {measure}")
            self.emit(f"    value: {value}")
            if unit:
                self.emit(f"    unit: {unit}")
            for key, val in extra.items():
                self.emit(f"    {key}: {val}")

    def render(self) -> str:
        rng = self.rng
        self.emit(f"# {self.name} {self.year} 年度部门绩效自评报告(合成数据,bench/generate.py)")
        self.emit(f"department: {self.name}")
        self.emit(f"year: {self.year}")
        self.emit(f"region: {{province: {REGION['province']}, city: {REGION['city']}}}")
        self.emit("unit: 万元")
        self.emit("document:")
        self.emit(f"  title: {self.name}{self.year}年度部门绩效自评报告")
        self.emit("  example: true")
        body_start = len(self.lines)
        stats = {"initial": Decimal(0), "full_year": Decimal(0), "executed": Decimal(0), "scores": [], "rates": []}
        self.emit("projects:")
        for i, name in enumerate(self.project_names()):
            self.project(i, name, stats)
        projects = self.lines[body_start:]
        del self.lines[body_start:]
        executed = stats["executed"] if rng.random() > DEFECTS["totals"] else stats["executed"] + money(rng.uniform(1, 30))
        self.emit("totals:")
        self.emit("  section: 二(一) 表 合计行")
        self.emit(f"  initial: {stats['initial'] if rng.random() > DEFECTS['totals'] else stats['initial'] + 1}")
        self.emit(f"  full_year: {stats['full_year']}")
        self.emit(f"  executed: {executed}")
        self.emit(f"  rate: {q(pct(executed, stats['full_year'], '0.1'))}")
        self.lines.extend(projects)
        self.claims(stats)
        self.emit("commitments:")
        self.emit("  - id: k01")
        self.emit("    section: 四(二)2 正文")
        self.emit("    text: 对执行率低于70%的项目启动预警")
        self.emit("    kind: 执行率预警")
        self.emit(f"    due_year: {self.year + 1}")
        return "\n".join(self.lines) + "\n"


# Where every generated department is. No shipped jurisdiction covers it, so a benchmark or a test that
# wants the local packs' rules to run on generated reports widens them with `widen_jurisdictions`, as an
# auditor would (rules/jurisdictions.yaml).
REGION = {"province": "样本省", "city": "样本市"}


def widen_jurisdictions(rules_dir, into) -> Path:
    """A copy of `rules_dir` in `into` whose every local pack also covers the generated reports' city."""
    import shutil

    target = Path(into)
    shutil.copytree(rules_dir, target, ignore=shutil.ignore_patterns("tests"))
    path = target / "jurisdictions.yaml"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        out = []
        for line in lines:
            out.append(line)
            if line.strip() == "covers:":
                out.append(" " * (len(line) - len(line.lstrip()) + 2) + f"- {{city: {REGION['city']}}}\n")
        path.write_text("".join(out), encoding="utf-8")
    return target


def department_name(index: int) -> str:
    return f"样本市第{index + 1:05d}区{BUREAUS[index % len(BUREAUS)]}"


def generate(projects: int, seed: int = 2024, years=(2024,), per_department: int = PROJECTS_PER_DEPARTMENT):
    """Yield (relative path, YAML text) for `projects` projects per year, about `per_department` per department."""
    departments = max(1, (projects + per_department - 1) // per_department)
    for year in years:
        for d in range(departments):
            n = min(per_department, projects - d * per_department)
            rng = random.Random(f"{seed}/{year}/{d}")
            name = department_name(d)
            yield f"{year}/{name}.yaml", _Department(rng, name, year, n).render()


def write_corpus(directory, projects: int, seed: int = 2024, years=(2024,),
                 per_department: int = PROJECTS_PER_DEPARTMENT) -> list[Path]:
    """Write the generated facts files under directory; returns their paths in order."""
    root = Path(directory)
    paths = []
    for relative, text in generate(projects, seed, years, per_department):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--years", type=int, nargs="+", default=[2024])
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    paths = write_corpus(args.out, args.projects, args.seed, tuple(args.years))
    print(f"wrote {len(paths)} facts files under {args.out}")


if __name__ == "__main__":
    main()
