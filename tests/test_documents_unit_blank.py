"""A 度量单位 column printed blank (the 云南 layout) imports as unit: null, the printed-blank fact the rule
indicator-review.unit-blank reads; a printed unit is kept as printed."""
from __future__ import annotations

import copy

import pytest

from engine.io.documents.importer import import_document

from . import documents_examples as E
from . import documents_forms as F
from .conftest import ROOT

YUNNAN = ROOT / "examples" / "facts" / "2020" / "09-lijiang-gucheng-ziranziyuan.yaml"


@pytest.mark.parametrize("kind", ["html", "docx", "xlsx", "pdf"])
def test_a_blank_unit_cell_imports_as_null_and_a_printed_one_as_printed(tmp_path, kind):
    facts = copy.deepcopy(E.load(YUNNAN))
    indicators = facts["projects"][0]["indicators"]
    indicators[1]["unit"] = None  # printed blank
    path = tmp_path / f"form.{kind}"
    F.WRITERS[kind](path, E.forms(facts))
    imported = import_document(path, path.name).data["projects"][0]["indicators"]
    units = [getattr(i.get("unit"), "value", i.get("unit")) for i in imported]
    assert "unit" in imported[1] and units[1] is None
    assert units[0] == "元" and units[2] == "%"
