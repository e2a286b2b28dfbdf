"""The one rule of which owed items the case's documents already answer (`selectors.owed_matches`,
issue 15): a document answers an outstanding item of its name whenever it came, each document one
item, never an original (4.2), never the document a refused item was refused on."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from shebao.cases.models import Document, OwedDocument
from shebao.cases.selectors import document_name_key, owed_matches

T0 = dt.datetime(2020, 2, 20, 9, tzinfo=dt.UTC)
NAMES = ["参保缴费凭证", "补缴申报表", "身份证件复印件"]


def owed(pk: int, name: str, state: str = "owed", kind: str = "required", document_id: int | None = None,
         reviewed_at: dt.datetime | None = None) -> OwedDocument:
    return OwedDocument(pk=pk, name=name, state=state, kind=kind, document_id=document_id, reviewed_at=reviewed_at)


def doc(pk: int, name: str, minutes: int = 0) -> Document:
    return Document(pk=pk, name=name, uploaded_at=T0 + dt.timedelta(minutes=minutes))


def test_a_document_sent_before_the_item_was_owed_answers_it():
    assert owed_matches([owed(1, "参保缴费凭证")], [doc(7, "参保缴费凭证", minutes=-600)]) == {1: doc(7, "")}


def test_names_match_as_typed():
    for typed in ["参保缴费凭证.pdf", " 参保缴费凭证 ", "参保缴费凭证.JPG", "参保缴费凭证．ｐｄｆ"]:
        assert document_name_key(typed) == document_name_key("参保缴费凭证"), typed
    assert document_name_key("参保缴费凭证（补）") != document_name_key("参保缴费凭证")
    assert document_name_key(".pdf") == ".pdf"


def test_an_original_is_never_answered_by_a_copy():
    assert owed_matches([owed(1, "劳动合同原件", kind="original")], [doc(7, "劳动合同原件")]) == {}


def test_a_refused_item_is_answered_only_by_a_document_after_its_review():
    item = owed(1, "补缴申报表", state="refused", document_id=7, reviewed_at=T0 + dt.timedelta(minutes=5))
    assert owed_matches([item], [doc(7, "补缴申报表"), doc(8, "补缴申报表", minutes=1)]) == {}
    assert owed_matches([item], [doc(7, "补缴申报表"), doc(9, "补缴申报表", minutes=9)]) == {1: doc(9, "")}


def test_received_and_accepted_items_are_not_answered_again():
    items = [owed(1, "补缴申报表", state="received", document_id=7), owed(2, "补缴申报表", state="accepted")]
    assert owed_matches(items, [doc(8, "补缴申报表")]) == {}


@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["owed", "refused", "received", "accepted"]),
                          st.sampled_from(["required", "deferred", "original"])), max_size=6),
       st.lists(st.tuples(st.sampled_from(NAMES + ["其他材料"]), st.integers(-100, 100)), max_size=6))
def test_every_match_is_one_outstanding_copy_item_of_the_same_name_and_one_document_each(items, docs):
    owed_rows = [owed(i + 1, n, state=s, kind=k) for i, (n, s, k) in enumerate(items)]
    doc_rows = [doc(100 + i, n, minutes=m) for i, (n, m) in enumerate(docs)]
    got = owed_matches(owed_rows, doc_rows)
    by_pk = {o.pk: o for o in owed_rows}
    assert len({d.pk for d in got.values()}) == len(got)  # a document answers one item
    for pk, d in got.items():
        o = by_pk[pk]
        assert o.state in ("owed", "refused") and o.kind != "original" and d.name == o.name
    # Maximal: an outstanding copy item left unanswered has no free document of its name.
    used = {d.pk for d in got.values()}
    for o in owed_rows:
        if o.pk not in got and o.state == "owed" and o.kind != "original":
            assert not [d for d in doc_rows if d.pk not in used and d.name == o.name]
