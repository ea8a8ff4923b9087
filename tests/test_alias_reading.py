"""The pure-Python composer stops reading a file once it has seen enough aliases to refuse it (yamlsrc._ALIASES_READ):
the diagnostics are the ones a full read gives, and the rest of the file is not scanned."""
import pytest

from engine.load import yamlsrc

BOMB = "a: &a [1, 2]\n" + "b: [" + ", ".join(["*a"] * 3000) + "]\n"


def _messages(text):
    document, problems = yamlsrc.load_yaml_text(text, "bomb.yaml", fast=())
    assert document is None
    return [(p.line, p.column, p.path, p.message) for p in problems]


def test_diagnostics_are_those_of_a_full_read(monkeypatch):
    stopped = _messages(BOMB + "c: 1\n")
    monkeypatch.setattr(yamlsrc, "_ALIASES_READ", 10 ** 9)
    assert stopped == _messages(BOMB + "c: 1\n")
    assert len(stopped) == yamlsrc.MAX_ALIAS_PROBLEMS + 1 and "此后的别名不再逐一列出" in stopped[-1][3]


def test_text_after_the_limit_is_not_read():
    # a full read would stop at this syntax error instead of reporting the aliases
    problems = _messages(BOMB + "c: [unclosed\n")
    assert [p[3] for p in problems].count("不支持 YAML 锚点/别名(& 和 *)") == yamlsrc.MAX_ALIAS_PROBLEMS


@pytest.mark.parametrize("where", ["key", "value"])
def test_stopping_at_a_mapping_key_or_value(where):
    pairs = [f"*a: {i}" if where == "key" else f"k{i}: *a" for i in range(yamlsrc._ALIASES_READ + 5)]
    problems = _messages("x: &a 1\ny: {" + ", ".join(pairs) + "}\n")
    assert len(problems) == yamlsrc.MAX_ALIAS_PROBLEMS + 1
