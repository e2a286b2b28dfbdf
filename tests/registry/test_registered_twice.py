"""People registered twice before af20f9d (review-input6 F6): a citizen ID number under another document
type is listed by `shebao registered_twice`, with the card holder registered under 居民身份证, in Chinese
and masked, decrypting only the candidates (rows of another type with a region in clear)."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.core.management import call_command

from shebao.core import crypto
from shebao.registry.duplicates import registered_twice
from shebao.registry.models import Person
from tests import personas

pytestmark = pytest.mark.django_db


def registered_as(id_type: str, number: str, name: str, birth: dt.date) -> Person:
    """A row as written before af20f9d refused a citizen number under another type (no desk check)."""
    return Person.objects.create(id_type=id_type, id_number=number, name=name, gender="male", birth_date=birth,
                                 district=personas.office("110105"))


def test_a_citizen_id_under_a_passport_is_listed_with_the_card_holder():
    holder = personas.make_person("李四", serial=5)
    bystander = personas.make_person("王五", serial=6)
    short = holder.id_number[:6] + holder.id_number[8:17]  # the 15-digit first-generation form
    twice = registered_as("passport", short, "李四", holder.birth_date)
    unregistered = personas.citizen_id("110105", dt.date(1980, 2, 3), 7, male=True)
    alone = registered_as("passport", unregistered, "赵六", dt.date(1980, 2, 3))
    registered_as("passport", "E12345678", "Smith", dt.date(1970, 1, 1))  # a real passport: not listed

    decrypted: list[str] = []
    real = crypto.decrypt

    def counting(value):
        plain = real(value)
        if crypto.is_token(value):
            decrypted.append(plain)
        return plain

    with mock.patch.object(crypto, "decrypt", counting):
        rows = list(registered_twice())
    assert [(r.person, r.citizen_id, r.twins) for r in rows] == [
        (twice, holder.id_number, [holder]), (alone, unregistered, [])]
    assert bystander.id_number not in decrypted and "E12345678" not in decrypted  # no whole-table read

    out = io.StringIO()
    call_command("registered_twice", stdout=out)
    text = out.getvalue()
    assert f"人员#{twice.pk} 李四：证件类型为护照" in text and f"疑与人员#{holder.pk} 李四" in text
    assert "应核实后合并" in text and f"人员#{alone.pk} 赵六" in text and "应更正证件类型" in text
    assert "共发现2人" in text
    for number in (holder.id_number, short, unregistered):
        assert number not in text  # masked


def test_nothing_to_list_is_said():
    personas.make_person("李四", serial=5)
    out = io.StringIO()
    call_command("registered_twice", stdout=out)
    assert out.getvalue().strip() == "未发现以其他证件类型登记的居民身份证号码。"
