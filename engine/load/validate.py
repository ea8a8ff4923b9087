"""Validate stage, part one: JSON Schema (draft 2020-12) with errors located in the YAML source."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from ..core.cjk import half_width_table
from ..core.errors import Diagnostic, did_you_mean
from .fastschema import Plan, compile_schema, schema_plan
from .yamlsrc import Document, render_path

_TYPE_NAMES = {"string": "文本", "number": "数字", "integer": "整数", "object": "映射(键: 值)",
               "array": "列表", "boolean": "true/false", "null": "空(null)"}
_BOUNDS = {"minimum": "不能小于", "maximum": "不能大于", "exclusiveMinimum": "必须大于", "exclusiveMaximum": "必须小于"}


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The shipped schema `rules` or `facts` (also printed by `perfaudit schema`)."""
    text = resources.files("engine.load.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema  # imported only when a document is invalid: it costs more start-up than the whole check

    return jsonschema.Draft202012Validator(schema(name))


@lru_cache(maxsize=None)
def _is_valid(name: str):
    return compile_schema(schema(name))


@lru_cache(maxsize=None)
def line_plan(name: str) -> Plan | None:
    """The schema as the line scanner checks it while reading (fastschema.Plan)."""
    return schema_plan(schema(name))


def validate_document(doc: Document, schema_name: str) -> list[Diagnostic]:
    if doc.checked is not None and doc.checked is line_plan(schema_name):
        return []  # checked line by line as it was read: what the fast check below would say (tests/test_fast_load.py)
    is_valid = _is_valid(schema_name)
    if is_valid is not None and is_valid(doc.data):
        return []  # the fast check agrees with jsonschema (tests/test_fast_paths.py); it only explains failures
    from jsonschema.exceptions import best_match

    validator = _validator(schema_name)
    out = []
    for error in validator.iter_errors(doc.data):
        if error.validator in ("oneOf", "anyOf") and error.context:
            # best_match over the parent prefers the branch whose type fits: -3 is "below 0", not "not text"
            error = best_match([error])
        out.extend(_diagnose(doc, error))
    # jsonschema yields one `required` error per missing key, each naming the whole list
    return list(dict.fromkeys(out))


def _type_name(t) -> str:
    if isinstance(t, list):
        return " 或 ".join(_TYPE_NAMES.get(x, x) for x in t)
    return _TYPE_NAMES.get(t, str(t))


def _diagnose(doc: Document, error) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    line, col = doc.where(path)
    field = render_path(path)
    v = error.validator
    value = error.instance

    def diag(message, expected="", suggestion=""):
        return Diagnostic(doc.file, line, col, field, message, expected, suggestion)

    if v == "additionalProperties":  # each unknown key, where it is written
        known = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        extras = [k for k in value if k not in known] if isinstance(value, dict) else []
        return [Diagnostic(doc.file, *doc.key_where(path + (k,)), render_path(path + (k,)), f"未知字段 “{k}”",
                           "可用字段: " + ", ".join(known), did_you_mean(k, known)) for k in extras]
    if v == "required":
        missing = error.validator_value
        absent = [k for k in missing if isinstance(value, dict) and k not in value]
        return [diag(f"缺少必填字段 “{k}”", f"在此处添加 {k}: ...") for k in absent]
    if v == "type":
        return [_type_error(diag, value, error.validator_value, error.schema)]
    if v in ("oneOf", "anyOf"):
        # a cell of facts format v2 (a value, null for a blank cell, or a printed dash): explained as a type
        # error against the branch that holds values, the way a v1 field of that type was
        branches = [b for b in error.validator_value if isinstance(b, dict)]
        main = next((b for b in branches if b.get("type") in ("number", "string")), None)
        cell = all(b is main or b.get("type") == "null" or "$ref" in b for b in branches)
        if main is not None and cell:
            return [_type_error(diag, value, main["type"], main)]
        # no branch's type fits (best_match kept the parent): name every branch
        branches = [b if isinstance(b, dict) else {} for b in error.validator_value]
        types = " 或 ".join(dict.fromkeys(_type_name(b["type"]) if "type" in b else "规定的写法" for b in branches))
        hint = "YAML 把 yes/no/on/off/true/false 读作真假值;要写文字请加引号" if isinstance(value, bool) else ""
        return [diag(f"类型错误: 值 {_show(value)} 不是{types}", " 或 ".join(map(_branch_text, branches)), hint)]
    if v == "enum":
        options = error.validator_value
        return [diag(f"取值 {_show(value)} 不在允许范围内", " / ".join(map(str, options)),
                     did_you_mean(str(value), [str(o) for o in options]))]
    if v == "const":
        return [diag(f"取值 {_show(value)} 不正确", str(error.validator_value))]
    if v == "pattern":
        return [diag(f"格式不正确: {_show(value)}", _pattern_hint(error.validator_value),
                     _text_fix(value) if isinstance(value, str) else "")]
    if v in _BOUNDS:
        return [diag(f"数值 {_show(value)} 超出范围", f"{_BOUNDS[v]} {error.validator_value}")]
    if v in ("minLength", "minItems", "minProperties"):
        return [diag("内容不能为空", f"至少 {error.validator_value} 项")]
    if v == "propertyNames":
        return [diag(f"名称 {_show(value)} 不合规", _pattern_hint(error.validator_value.get("pattern", "")))]
    return [diag(f"不符合规范: {error.message}", suggestion="对照 perfaudit schema 输出的格式说明修改")]


def _branch_text(branch: dict) -> str:
    if "type" not in branch:
        return "规定的写法"
    text = _type_name(branch["type"])
    return text + (f"({_pattern_hint(branch['pattern'])})" if "pattern" in branch else "")


def _type_error(diag, value, wanted, schema: dict) -> Diagnostic:
    hint = _type_hint(value, wanted)
    if not hint and "%" in str(schema.get("pattern", "")) and isinstance(value, (int, Decimal)):
        hint = "百分数按报告原样写成带 % 的文本,如 \"65.66%\""
    return diag(f"类型错误: 值 {_show(value)} 不是{_type_name(wanted)}", _type_name(wanted), hint)


def _show(value) -> str:
    # a YAML number is shown as a number: quotes around 0.6566 would suggest it was written as text
    text = str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


_FULLWIDTH = half_width_table("０１２３４５６７８９．％，＋－")  # what a number may be typed with
_EXPONENT = re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+%?$")
_NUMERIC_TEXT = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?%?$")


def _text_fix(value: str, number: bool = False) -> str:
    """The corrected text for numbers typed the way Word and Excel print them, or "".

    number: the field wants a YAML number, so the correction is written without quotes.
    """
    stripped = value.strip()
    fixed = stripped.translate(_FULLWIDTH)
    if _EXPONENT.match(fixed):
        return "不接受科学计数法,请按报告原样写成十进制数"
    if _THOUSANDS.match(fixed):
        fixed = fixed.replace(",", "")
    elif fixed == stripped:
        return ""
    shown = f"{fixed}(不加引号)" if number else f"“{fixed}”"
    if "," in stripped or "，" in stripped:
        return f"去掉千位分隔符,使用半角数字,改为 {shown}"
    return f"请使用半角数字和符号,改为 {shown}"


def _type_hint(value, wanted) -> str:
    if isinstance(value, str) and ("number" in (wanted if isinstance(wanted, list) else [wanted])):
        stripped = value.strip()
        if any(u in stripped for u in ("万元", "元", "万")):
            return "去掉单位,只写数字(金额的单位写在文件顶部 unit:万元 或 元)"
        if _text_fix(value, number=True):
            return _text_fix(value, number=True)
        if _NUMERIC_TEXT.match(stripped):  # numeric text read as a string was written in quotes
            return "去掉引号,写成数字"
        if "," in stripped or "，" in stripped:
            return "数字中不能有逗号:小数请用半角小数点(如 12.3),千位分隔符请去掉"
        return "只写阿拉伯数字和小数点,不加引号,如 111.85"
    return ""


def _pattern_hint(pattern: str) -> str:
    if "%" in pattern:
        return "百分数,按报告原样书写,如 \"65.66%\"(半角 %)"
    if pattern.startswith("^(19|20)"):
        return "四位年份,如 2024"
    if pattern.startswith("^[a-z][a-z0-9-]*(\\."):
        return "小写英文,以点分隔,如 execution.below-warning-line"
    if pattern.startswith("^[a-z]"):
        return "小写英文、数字、下划线或连字符"
    return f"符合正则 {pattern}"
