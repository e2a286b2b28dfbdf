"""Every field of every business definition takes a value of any JSON type without an exception: a
wrong type is a refusal with a Chinese reason (the bad-input review found a list given for a choice
answering 500: `unhashable type`)."""

from __future__ import annotations

import pytest

from shebao.rules.business_fields import definitions, details_validate

WRONG = [["a"], {"k": "v"}, [["x"]], 12, 1.5, True, [{"a": 1}], {"": []}, None, "", "x" * 300]
SCALAR = {"text", "choice", "fen", "int", "month", "date", "mobile", "bank_account", "id_number"}


@pytest.mark.parametrize("code", sorted(definitions()))
def test_a_value_of_the_wrong_type_is_a_refusal_never_an_exception(code: str) -> None:
    for spec in definitions()[code].fields:
        for value in WRONG:
            result = details_validate(code, {spec.name: value})  # must not raise
            assert all(e.zh and e.field for e in result.errors), (code, spec.name, value)
            if spec.type in SCALAR and isinstance(value, (list, dict)) and value:
                assert any(e.field == spec.name for e in result.errors), (code, spec.name, value)
