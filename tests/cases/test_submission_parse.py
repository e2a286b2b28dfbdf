"""The submission's fast input check never disagrees with SubmitSerializer: whenever it answers, DRF
accepts the same input and validates it to the same data; it answers for plain, valid submissions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.api.cases import SubmitSerializer, submission_parse

texts = st.one_of(
    st.text(max_size=70), st.sampled_from(["", " ", "  online ", "月报补缴", "\x00", "a\nb", "\u3000x", "x" * 65]),
)
junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.lists(st.integers(),
                 max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), texts)
ids = st.one_of(st.integers(-2, 10**6), st.just(2**63), st.just(10**40), st.booleans(), st.sampled_from(["12", "1.0"]))
dates = st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(["2020-02-10", "2020-2-10", "2020-02-30",
                  "2020-02-10\n", "２０２０-02-10", "2020-02-10T00:00:00", "0000-01-01"]))
phones = st.one_of(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(
    ["", " 13800138000 ", "12800138000", "1380013800", "1380013800０", "13800138000\n", "1３800138000"]))
emails = st.one_of(st.emails(), st.sampled_from(["", "a@b", "not an email", " hr@example.cn ", "x@例子.中国"]))
period = st.fixed_dictionaries({}, optional={"from": st.one_of(texts, st.just("2020-01")),
                                             "to": st.one_of(texts, st.just("2020-03")), "extra": junk})
facts = st.one_of(junk, st.fixed_dictionaries({}, optional={
    "period": st.one_of(period, junk), "refund_kind": st.one_of(texts, junk), "declared_by": texts,
    "fields": st.one_of(st.lists(texts, max_size=3), junk), "person": st.one_of(
        st.dictionaries(st.text(max_size=5), junk, max_size=3), junk), "unknown": junk}))
FACT_FIELDS = {"period": st.one_of(period, junk), "refund_kind": st.one_of(texts, junk), "declared_by": texts,
               "fields": st.one_of(st.lists(st.one_of(st.just("name"), texts, junk), max_size=3), junk),
               "person": st.one_of(st.dictionaries(st.text(max_size=5), junk, max_size=3), junk), "unknown": junk}
VALID_FACTS = {"period": {"from": "2020-01", "to": "2020-03"}, "fields": ["name"], "refund_kind": "overpaid"}
near_valid_facts = st.one_of(*(st.fixed_dictionaries({k: v}) for k, v in FACT_FIELDS.items())).map(
    lambda d: {**VALID_FACTS, **d})
FIELDS = {
    "business": st.one_of(st.sampled_from(["monthly_report_back_payment", "refund"]), texts, junk),
    "channel": st.one_of(st.sampled_from(["online", "mobile", "fax", "counter", "Online", "sms"]), junk),
    "applicant_kind": st.one_of(st.sampled_from(["employer", "person", "nobody"]), junk),
    "employer": ids, "person": ids, "applied_on": st.one_of(dates, junk), "facts": st.one_of(facts, near_valid_facts),
    "contact_email": st.one_of(emails, junk), "contact_phone": st.one_of(phones, junk),
    "contact_wechat": st.one_of(texts, junk), "work_injury_medical": st.one_of(st.booleans(), junk),
    "manual_operation": st.one_of(texts, junk), "unknown_field": junk,
}
VALID = {"business": "monthly_report_back_payment", "channel": "online", "employer": 7}
# A valid submission with one to three fields replaced, dropped or added: close enough to valid that
# the fast check answers often, so a lenient rule in it shows up as a disagreement.
one_change = st.one_of(*(st.fixed_dictionaries({k: v}) for k, v in FIELDS.items()))
payloads = st.one_of(
    st.tuples(st.lists(one_change, min_size=1, max_size=3), st.sets(st.sampled_from(sorted(VALID)), max_size=1)).map(
        lambda t: {k: v for k, v in {**VALID, **{k: v for d in t[0] for k, v in d.items()}}.items() if k not in t[1]}),
    st.fixed_dictionaries({}, optional=FIELDS),
)


def _plain(value):
    return json.loads(json.dumps(value, default=str))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(payloads, junk))
def test_the_fast_check_agrees_with_the_serializer_whenever_it_answers(data):
    fast = submission_parse(data)
    if fast is None:
        return
    s = SubmitSerializer(data=data)
    assert s.is_valid(), (data, s.errors)
    assert _plain(fast) == _plain(dict(s.validated_data))
    assert fast == dict(s.validated_data)  # same types too (a date is a date)


@pytest.mark.parametrize("data", [
    {"business": "monthly_report_back_payment", "channel": "online", "employer": 7, "applied_on": "2020-02-10",
     "contact_phone": "13800138000"},
    {"business": "refund", "channel": "fax", "person": 3, "applicant_kind": "person", "contact_email": "a@b.cn",
     "facts": {"period": {"from": "2020-01", "to": "2020-03"}, "refund_kind": "overpaid", "fields": ["name"],
               "declared_by": "person", "person": {"age": 59}}, "work_injury_medical": True, "manual_operation": ""},
])
def test_plain_valid_submissions_take_the_fast_check(data):
    s = SubmitSerializer(data=data)
    assert s.is_valid(), s.errors
    assert submission_parse(data) == dict(s.validated_data)


def test_anything_unusual_is_left_to_the_serializer():
    base = {"business": "b", "channel": "online", "employer": 1}
    assert submission_parse(base) is not None
    for change in ({"employer": "1"}, {"employer": True}, {"channel": "ONLINE"}, {"business": " "},
                   {"applied_on": "2020-2-1"}, {"contact_phone": "12345"}, {"work_injury_medical": "true"},
                   {"facts": None}, {"facts": {"period": {"from": "2020-01"}}}, {"contact_wechat": "x" * 65}):
        assert submission_parse({**base, **change}) is None, change
    assert submission_parse([base]) is None
