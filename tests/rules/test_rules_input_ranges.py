"""Rules inputs are range-checked, in Chinese, and never overflow (review-input12 F6): `shebao late_fee`
with an amount of 10^16 fen answered a negative fee (int64 wrapped), with 10^20 an OverflowError killed
the whole batch, both in English; `shebao decide` with a 24-digit number of pension months crashed.

Every date is a business date and every fee under the amount cap (review-input13 F8): `late_fee` counted
a fee to a paid_on of 9999-12-31 (1.46e15 fen, over the cap), `decide` decided an application of
0001-01-01 and a back payment for months before the person was born, and ignored unknown keys inside
``person`` and ``period``.
"""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.rules.cli import main
from shebao.rules.dates import InputError, day_number
from shebao.rules.late_fee import AMOUNT_FEN_MAX, late_fee_for_due, late_fees
from shebao.rules.policy import load_policy

DEFAULT = load_policy()


def run(cmd: list[str], text: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    rc = main(cmd, stdin=io.StringIO(text), stdout=out)
    return rc, [json.loads(x) for x in out.getvalue().splitlines()]


@given(st.integers(0, AMOUNT_FEN_MAX), st.integers(1900 * 12, 9999 * 12 + 11),
       st.dates(date(1900, 1, 1), date(9999, 12, 31)))
def test_the_fee_of_any_amount_in_range_is_exact_and_never_negative(amount, month, day):
    """The column (int64) and the one-due formula (Python integers, which do not wrap) agree, up to the
    largest amount and over every date the rules read."""
    text = f"{month // 12:04d}-{month % 12 + 1:02d}"
    one = late_fee_for_due(text, amount, as_of=day, policy=DEFAULT)
    cols = late_fees([text], [amount], np.asarray([day_number(day)], dtype="int64"), DEFAULT)
    assert one.late_fee_fen >= 0 and one.waived_fen >= 0
    assert (cols.late_fee_fen.tolist()[0], cols.waived_fen.tolist()[0]) == (one.late_fee_fen, one.waived_fen)


@pytest.mark.parametrize("amount", [AMOUNT_FEN_MAX + 1, 10**16, 10**20, -1, 1.5, True, "100"])
def test_an_amount_out_of_range_is_refused_in_chinese(amount):
    with pytest.raises(InputError) as refused:
        late_fee_for_due("2020-01", amount, as_of="2020-06-01", policy=DEFAULT)
    assert "金额（分）应为0至" in refused.value.zh
    if isinstance(amount, int) and not isinstance(amount, bool):
        with pytest.raises(InputError):
            late_fees(["2020-01"], [min(amount, 2**62)], np.asarray([day_number(date(2020, 6, 1))]), DEFAULT)


def test_the_late_fee_command_answers_a_huge_amount_with_a_chinese_error_line_and_goes_on():
    lines = [
        {"id": "huge", "month": "2020-01", "amount_fen": 10**20, "as_of": "9999-12-31"},
        {"id": "wraps", "month": "1900-01", "amount_fen": 10**16, "as_of": "9999-12-31"},
        {"id": "ok", "month": "2019-06", "amount_fen": 100, "paid_on": "2019-07-05"},
        {"id": "max", "month": "2019-06", "amount_fen": AMOUNT_FEN_MAX, "paid_on": "2019-07-05"},
        {"id": "none", "month": "2019-06"},
    ]
    rc, got = run(["late_fee"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert rc == 1 and [g["id"] for g in got] == ["huge", "wraps", "ok", "max", "none"]
    assert got[0]["error"].startswith("金额（分）应为0至1000000000000的整数") and "amount_fen" in got[0]["error"]
    assert got[1]["error"].startswith("金额（分）应为0至")
    assert got[2]["late_fee_fen"] == 1
    assert got[3]["late_fee_fen"] == late_fee_for_due("2019-06", AMOUNT_FEN_MAX, paid_on="2019-07-05",
                                                      policy=DEFAULT).late_fee_fen == AMOUNT_FEN_MAX // 2000 * 10
    assert got[4]["error"].startswith("缺少字段 amount_fen")
    # every error line says it in Chinese first
    bad = "{\n" + json.dumps({"id": 1, "month": "2020-13", "amount_fen": 1, "as_of": "2020-01-01"}) + "\n"
    rc, got = run(["late_fee"], bad)
    assert got[0]["error"].startswith("第1行：不是有效的 JSON") and "不是日历上的月份" in got[1]["error"]


@pytest.mark.parametrize("months", [10**24, 2**63, 1201, -1])
def test_decide_refuses_pension_months_out_of_range_and_goes_on(months):
    app = {"business": "individual_back_payment", "applied_on": "2020-02-10",
           "person": {"gender": "male", "birth_date": "1975-05-01", "account_type": "general",
                      "beijing_pension_months": months},
           "period": {"from": "2018-01", "to": "2019-06"}}
    ok = dict(app, id="ok", person=dict(app["person"], beijing_pension_months=1200))
    rc, got = run(["decide"], json.dumps(dict(app, id="bad")) + "\n" + json.dumps(ok) + "\n")
    assert rc == 1 and got[0]["id"] == "bad" and got[0]["error"].startswith("在京缴费月数应为0至1200的整数")
    assert got[1]["mode"] == "commitment"


OUT_OF_RANGE_DAYS = ["0001-01-01", "1989-12-31", "2100-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", OUT_OF_RANGE_DAYS)
@pytest.mark.parametrize(("field", "zh"), [("paid_on", "缴费日期"), ("as_of", "核定日")])
def test_late_fee_refuses_a_date_outside_the_business_dates(field, zh, day):
    lines = [{"id": "bad", "month": "2020-01", "amount_fen": 100, field: day},
             {"id": "first", "month": "1990-01", "amount_fen": 100, field: "1990-01-01"},
             {"id": "last", "month": "2019-06", "amount_fen": 100, field: "2099-12-31"}]
    rc, got = run(["late_fee"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert rc == 1
    assert got[0]["error"].startswith(f"{zh}“{day}”不在1990-01-01至2099-12-31之间，请核对"), got[0]
    assert "late_fee_fen" in got[1] and got[2]["late_fee_fen"] > 0


@pytest.mark.parametrize("month", ["1900-01", "1989-12", "2100-01", "9999-12"])
def test_late_fee_refuses_a_due_month_outside_the_business_dates(month):
    rc, got = run(["late_fee"], json.dumps({"id": 1, "month": month, "amount_fen": 100, "paid_on": "2020-01-01"}) + "\n")
    assert rc == 1 and got[0]["error"].startswith(f"费款所属期“{month}”不在1990-01至2099-12之间，请核对"), got


def test_a_fee_over_the_amount_cap_is_refused_in_chinese_and_the_others_go_on():
    lines = [{"id": "over", "month": "1990-01", "amount_fen": AMOUNT_FEN_MAX, "as_of": "2099-12-31"},
             {"id": "paid", "month": "1990-01", "amount_fen": AMOUNT_FEN_MAX, "paid_on": "2099-12-31"},
             {"id": "under", "month": "2019-06", "amount_fen": 10**9, "paid_on": "2099-12-31"}]
    rc, got = run(["late_fee"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert rc == 1 and [g["id"] for g in got] == ["over", "paid", "under"]
    for g in got[:2]:
        assert g["error"].startswith("滞纳金（") and f"超过金额上限{AMOUNT_FEN_MAX}分（100亿元）" in g["error"], g
    expected = late_fee_for_due("2019-06", 10**9, paid_on="2099-12-31", policy=DEFAULT).late_fee_fen
    assert got[2]["late_fee_fen"] == expected and 0 < expected <= AMOUNT_FEN_MAX


def _application(**changes):
    app = {"business": "individual_back_payment", "applied_on": "2020-02-10",
           "person": {"gender": "male", "birth_date": "1975-05-01", "account_type": "general",
                      "beijing_pension_months": 130},
           "period": {"from": "2018-01", "to": "2019-06"}}
    return {**app, **changes}


def _decide(*apps):
    return run(["decide"], "".join(json.dumps(dict(a, id=i)) + "\n" for i, a in enumerate(apps)))


@pytest.mark.parametrize("day", OUT_OF_RANGE_DAYS)
def test_decide_refuses_an_application_date_outside_the_business_dates(day):
    rc, got = _decide(_application(applied_on=day), {"business": "refund", "refund_kind": "other",
                                                     "applied_on": "1990-01-01"})
    assert rc == 1 and got[0]["error"].startswith(f"申请日期“{day}”不在1990-01-01至2099-12-31之间，请核对"), got
    assert "mode" in got[1], got


@pytest.mark.parametrize(("part", "key", "zh"), [
    ("person", "id_number", "参保人员信息含有无法识别的项：“id_number”，可填写的是账户类型、在京缴费月数、出生日期"),
    ("person", "birthdate", "参保人员信息含有无法识别的项：“birthdate”"),
    ("period", "form", "补缴期间含有无法识别的项：“form”，可填写的是补缴起始月、补缴终止月"),
    ("period", "until", "补缴期间含有无法识别的项：“until”"),
])
def test_decide_refuses_an_unknown_key_inside_person_or_period_naming_it(part, key, zh):
    app = _application()
    app[part] = {**app[part], key: "2017-01"}
    rc, got = _decide(app, _application())
    assert rc == 1 and got[0]["error"].startswith(zh) and f"{part}: unknown field(s) ['{key}']" in got[0]["error"], got
    assert got[1]["mode"] == "commitment"
    with pytest.raises(InputError) as refused:
        from shebao.rules import decide

        decide(app)
    assert refused.value.field == f"{part}.{key}"


def test_many_unknown_keys_are_named_twenty_at_most():
    app = _application(person={**_application()["person"], **{f"k{i:05d}": 1 for i in range(5000)}})
    rc, got = _decide(app)
    assert rc == 1 and "等5000项" in got[0]["error"] and len(got[0]["error"]) < 1000, got[0]["error"][:200]


@pytest.mark.parametrize(("born", "start", "refused"), [
    ("1995-05-20", "1995-04", True), ("1995-05-20", "1990-01", True), ("1995-05-20", "1995-05", False),
    ("1975-05-01", "2018-01", False),
])
def test_decide_refuses_a_period_before_the_persons_birth(born, start, refused):
    app = _application(person={**_application()["person"], "birth_date": born},
                       period={"from": start, "to": "2019-06"})
    rc, got = _decide(app)
    if refused:
        assert got[0]["error"].startswith(f"补缴起始月（{start}）早于出生年月（{born[:7]}），请核对"), got
    else:
        assert "mode" in got[0], got


@pytest.mark.parametrize(("start", "end"), [("1900-01", "2019-06"), ("1989-12", "2019-06"), ("2019-01", "2100-01")])
def test_decide_refuses_a_period_outside_the_business_months(start, end):
    rc, got = _decide(_application(period={"from": start, "to": end}))
    bad = start if start < "1990-01" else end
    assert rc == 1 and f"“{bad}”不在1990-01至2099-12之间，请核对" in got[0]["error"], got


@pytest.mark.parametrize("day", OUT_OF_RANGE_DAYS)
def test_audit_deadline_refuses_a_date_outside_the_business_dates(day):
    lines = [{"id": "opened", "opened_on": day},
             {"id": "suspended", "opened_on": "2020-03-02", "suspensions": [{"from": day, "to": None}]},
             {"id": "ok", "opened_on": "2020-03-02"}]
    rc, got = run(["audit_deadline"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert rc == 1
    assert got[0]["error"] == f"opened_on：日期须在1990-01-01至2099-12-31之间，收到 '{day}'"
    assert got[1]["error"] == f"suspensions[0].from：日期须在1990-01-01至2099-12-31之间，收到 '{day}'"
    assert got[2]["deadline"]


def test_the_rules_and_the_api_begin_business_dates_on_the_same_day():
    from shebao.core.inputs import BUSINESS_DATE_FROM
    from shebao.rules.dates import BUSINESS_DATE_FROM as RULES_FROM

    assert RULES_FROM == BUSINESS_DATE_FROM
