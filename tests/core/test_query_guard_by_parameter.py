"""The query guard judges a value by what its parameter is (review-input4 E10's class).

`/office/declarations/?page=13800138000`, `/office/dashboard/?district=13800138000` and the size-class
calculator's `revenue=999999999999999` were refused as "含有证件号码、手机号码或银行账号": the guard
looked at the digits only. A page number, a district's id, a month or a calculator's figure is that
by what the parameter is; the view says what is wrong with it (页码…无效, 区参数…, 超出合理范围). A
person's number in the query's other parameters (`q`, `code`, a parameter the project does not know),
or written as a person's number is written (full-width, in groups), is still refused, and the access
log still masks what it lets through.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from shebao.core.masking import MaskingLogFilter
from shebao.core.middleware import FIGURE_PARAMETERS, query_string_refused
from tests.cases.conftest import client_for

GUARD = "号码不得出现在网址中"


def _page(user, path, params):
    c = Client()
    c.force_login(user)
    return c.get(path, params)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["13800138000", "6217000010001234567"])
def test_a_page_number_that_looks_like_a_personal_number_is_judged_as_a_page(clerk_chaoyang, value):
    r = _page(clerk_chaoyang, "/office/declarations/", {"page": value})
    text = r.content.decode()
    assert r.status_code == 400
    assert GUARD not in text
    assert "页码" in text and "应为1至10000的整数" in text
    assert f"页码“{value}”" not in text and "页码“" in text  # echoed masked, like every number a page shows


@pytest.mark.django_db
def test_a_district_parameter_is_judged_as_a_district(leader):
    r = _page(leader, "/office/dashboard/", {"district": "13800138000"})
    text = r.content.decode()
    assert r.status_code == 400
    assert GUARD not in text and "不是本市的区县经办机构" in text


@pytest.mark.django_db
@pytest.mark.parametrize("param,value", [("revenue", "999999999999999"), ("assets", "6217000010001234567"),
                                         ("employees", "13800138000")])
def test_the_size_class_calculator_says_its_own_range_by_get(clerk_chaoyang, param, value):
    r = client_for(clerk_chaoyang).get("/api/v1/relief/size-class/", {"industry": "I65", param: value})
    assert r.status_code == 400, r.content[:300]
    body = r.json()
    assert body["errors"][0]["field"] == param
    assert body["errors"][0]["code"] != "personal_number_in_url"
    assert GUARD not in str(body) and "范围" in str(body)


@pytest.mark.django_db
def test_a_plain_month_or_date_parameter_is_never_a_personal_number(clerk_chaoyang):
    r = _page(clerk_chaoyang, "/office/declarations/", {"month": "13800138000"})
    assert GUARD not in r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("param,value", [
    ("q", "13800138000"),  # a search: the number is what it is
    ("business", "13800138000"),  # a choice parameter is not a figure
    ("x_unknown", "13800138000"),  # a parameter the project does not know
    ("page", "138 0013 8000"),  # written as a phone is written
    ("page", "１３８００１３８０００"),  # full-width
    ("page", "11010519650713089X"),  # an ID number's final X
    ("district", "+86 13800138000"),
    # A citizen ID number is no page, person id or month in any parameter (review-input5 F2: `person=<ID>`
    # passed, was ignored and echoed whole in links and messages).
    ("page", "110105196507130892"),
    ("person", "110105196507130892"),
    ("month", "110105650713225"),  # the 15-digit first-generation form
])
def test_a_personal_number_elsewhere_or_written_as_one_is_still_refused(clerk_chaoyang, param, value):
    r = client_for(clerk_chaoyang).get("/api/v1/cases/", {param: value})
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "personal_number_in_url"


@pytest.mark.django_db
def test_a_personal_number_as_the_name_of_a_figure_parameter_is_still_refused(clerk_chaoyang):
    r = client_for(clerk_chaoyang).get("/api/v1/cases/?13800138000=page")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "（参数名）"


def test_the_log_masks_a_figure_the_guard_let_through():
    assert not query_string_refused("page=13800138000")
    assert query_string_refused("q=13800138000")
    assert query_string_refused("page=%EF%BC%91%EF%BC%93%EF%BC%98%EF%BC%90%EF%BC%90%EF%BC%91%EF%BC%93"
                                "%EF%BC%98%EF%BC%90%EF%BC%90%EF%BC%90")
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               ("GET /office/declarations/?page=13800138000 HTTP/1.1", "400", "9"), None)
    MaskingLogFilter().filter(record)
    assert "13800138000" not in record.getMessage()
    assert "page=138****8000" in record.getMessage()


def test_the_figure_parameters_hold_no_search_or_code():
    """The parameters that carry what a person types to find someone stay judged by their digits."""
    assert not FIGURE_PARAMETERS & {"q", "code", "next", "id_number", "phone", "account", "key", "business"}
