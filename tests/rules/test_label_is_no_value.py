"""A field's label is not its value (review-user10 F7: the demo's refunds read 收款人户名 / 开户银行 as
the payee and the bank, from a generated example that used each text field's label). Every text field
of every definition carries a plausible example that is not its label, the content's check refuses the
label typed as the value on every road, and the stored-value walk (`tests.labels_as_values`) finds a
label stored as a value."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from shebao.rules import business_fields
from shebao.rules.business_fields import definitions, details_example, details_validate, label_as_value
from shebao.rules.yamlload import PackError

DAY = dt.date(2020, 2, 20)


def test_every_text_field_s_example_is_a_value_not_its_label():
    seen = 0
    for code, d in definitions().items():
        example = details_example(code, today=DAY)
        for spec in d.fields:
            if spec.type == "text":
                seen += 1
                assert spec.example and not label_as_value(spec.example, spec.label), (code, spec.name)
                if spec.name in example:
                    assert example[spec.name] == spec.example and not label_as_value(example[spec.name], spec.label)
        assert details_validate(code, example, today=DAY).ok, code
    assert seen >= 15


@pytest.mark.parametrize("typed", ["开户银行", " 开户银行： ", "开户银行:"])
def test_the_label_typed_as_the_value_is_refused_at_its_field(typed):
    details = {**details_example("refund", today=DAY), "bank_name": typed}
    errors = details_validate("refund", details, today=DAY).errors
    assert [(e.field, e.zh) for e in errors] == [
        ("bank_name", f"开户银行填写的是栏目名称“{typed.strip()}”，请填写实际的开户银行")]
    # a real bank's name is taken; and a changed bank's "新的开户银行" is refused as 开户银行 too
    assert details_validate("refund", {**details, "bank_name": "中国银行北京分行"}, today=DAY).ok
    change = details_example("resident_pension_change", today=DAY, given={"bank_name": "开户银行"})
    assert any(e.field == "bank_name" for e in details_validate("resident_pension_change", change,
                                                                        today=DAY).errors)


def test_a_definition_whose_text_field_has_no_example_or_its_label_is_refused(tmp_path, monkeypatch):
    for bad, said in (("", "needs an example"), ("example: 开户银行", "is its own label")):
        folder = tmp_path / (said.split()[-1] or "x")
        shutil.copytree(business_fields.DEFINITIONS_DIR, folder)
        path = folder / "refund.yaml"
        text = path.read_text()
        line = next(ln for ln in text.splitlines() if "name: bank_name" in ln)
        path.write_text(text.replace(line, line.split(", example:")[0] + (f", {bad}}}" if bad else "}")))
        monkeypatch.setattr(business_fields, "DEFINITIONS_DIR", folder)
        business_fields.definitions.cache_clear()
        try:
            with pytest.raises(PackError, match=said):
                business_fields.definitions()
        finally:
            monkeypatch.undo()
            business_fields.definitions.cache_clear()


@pytest.mark.django_db
def test_the_walk_finds_a_label_stored_as_a_value(employer_chaoyang):
    from shebao.registry.models import Employer
    from tests.labels_as_values import labels_stored_as_values

    assert labels_stored_as_values() == []
    Employer.objects.filter(pk=employer_chaoyang.pk).update(bank_name="开户银行")
    assert labels_stored_as_values() == ["registry.Employer.bank_name=开户银行"]
