"""One answer to "how much may this refund take" on every road (1.2c, issue 13): submission on the API,
the employer portal and the front desk, a correction of a refund's content (补正申请内容, page and
PATCH) and approval all ask `collection.refundable.refund_room`, which subtracts from what was paid the
refunds not cancelled, the relief credited to the prepaid balance and every refund application still in
handling, under the lock of the dues' employer. Before, a correction and an approval counted the books
only: a refund corrected upward could promise money another refund in handling already held.

Properties: the maximum-flow room is exact (brute force over every assignment) and, for any sequence
of submissions, corrections, approvals and rejections, everything refunded or promised fits what was
paid less the relief credited. Two refunds decided at the same moment cannot both take the money."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.cases import services
from shebao.cases.models import Case, PhoneCheck
from shebao.cases.services import DetailsRefused
from shebao.collection.models import Refund, RefundItem
from shebao.collection.refundable import Holding, RefundRoom, _Flow, refund_room
from shebao.core.errors import DomainError
from tests.businesses.test_refund import APPLIED, refund_details
from tests.businesses.walk import prepare, submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written

# -- the flow itself: exact against brute force -------------------------------------------------------

def _fits(capacity: dict[int, int], asks: list[tuple[int, tuple[int, ...]]]) -> bool:
    """Brute force (Hall's condition for a transport problem): every group of applications asks at
    most the capacity of the dues the group names together."""
    for r in range(1, len(asks) + 1):
        for group in itertools.combinations(asks, r):
            named = set().union(*(set(d) for _, d in group))
            if sum(a for a, _ in group) > sum(capacity[d] for d in named):
                return False
    return True


def _room(capacity: dict[int, int], holding: list[Holding], ids: tuple[int, ...]) -> int:
    flow = _Flow(capacity, holding)
    flow.augment()
    return sum(flow.add(list(ids), 1 << 62).values())


dues_st = st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=3, unique=True).map(lambda x: tuple(sorted(x)))


@settings(max_examples=300, deadline=None)
@given(capacity=st.fixed_dictionaries({d: st.integers(0, 50) for d in (1, 2, 3, 4)}),
       asks=st.lists(st.tuples(st.integers(1, 60), dues_st), max_size=5))
def test_the_room_is_what_fits_beside_every_application_in_handling(capacity, asks):
    """Applications arrive one by one and each is accepted when it fits `room`: the accepted ones
    always fit together, room is exact (room fits, room + 1 does not) and the split keeps all of them."""
    accepted: list[Holding] = []
    for n, (amount, ids) in enumerate(asks, start=1):
        room = _room(capacity, accepted, ids)
        assert _fits(capacity, [(h.amount_fen, h.dues) for h in accepted] + [(room, ids)])
        assert not _fits(capacity, [(h.amount_fen, h.dues) for h in accepted] + [(room + 1, ids)])
        decided = RefundRoom(ids, sum(capacity[d] for d in ids), room, 0, tuple(accepted), capacity)
        split = decided.split(amount)
        if amount <= room:
            assert split is not None and sum(f for _, f in split) == amount
            assert all(d in ids and 0 < f <= capacity[d] for d, f in split)
            accepted.append(Holding(n, amount, ids))
        else:
            assert split is None
    assert _fits(capacity, [(h.amount_fen, h.dues) for h in accepted])


# -- the roads ------------------------------------------------------------------------------------

def _pending(clerk, person, due, amount):
    return submit(clerk, "refund", person=person, applied_on=APPLIED, details=refund_details(due, amount_fen=amount))


def test_a_corrected_refund_counts_the_other_refunds_in_handling(clerk_chaoyang, person_chaoyang, paid_due):
    """The finding: a refund corrected upward was checked against the amount paid only."""
    _pending(clerk_chaoyang, person_chaoyang, paid_due, 70_000)
    second = _pending(clerk_chaoyang, person_chaoyang, paid_due, 30_000)
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        services.case_details_correct(case=second, actor=clerk_chaoyang, details={"amount_fen": 40_000},
                                      reason="来电更正退费金额", partial=True)
    (error,) = refused.value.errors
    assert error.field == "details.amount_fen"
    assert "在办理中（合计700.00元）" in error.zh and "400.00元" in error.zh and "300.00元" in error.zh
    assert Case.objects.get(pk=second.pk).details["amount_fen"] == 30_000


def test_the_api_patch_refuses_a_correction_beyond_what_is_left_as_problem_details(
        clerk_chaoyang, person_chaoyang, paid_due):
    first = _pending(clerk_chaoyang, person_chaoyang, paid_due, 70_000)
    second = _pending(clerk_chaoyang, person_chaoyang, paid_due, 30_000)
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = api.patch(f"/api/v1/cases/{second.pk}/details/",
                      {"details": {"amount_fen": 30_001}, "reason": "来电更正退费金额", "version": second.version},
                      format="json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert set(errors) == {"details.amount_fen"} and f"#{first.pk}在办理中" in errors["details.amount_fen"]
    ok = api.patch(f"/api/v1/cases/{second.pk}/details/",
                   {"details": {"amount_fen": 29_000}, "reason": "来电更正退费金额", "version": second.version},
                   format="json")
    assert ok.status_code == 200, ok.content
    assert Case.objects.get(pk=second.pk).details["amount_fen"] == 29_000


def test_the_case_page_refuses_a_correction_beyond_what_is_left(client, clerk_chaoyang, person_chaoyang, paid_due):
    from shebao.cases.business_forms import details_prefill

    _pending(clerk_chaoyang, person_chaoyang, paid_due, 70_000)
    second = _pending(clerk_chaoyang, person_chaoyang, paid_due, 30_000)
    client.force_login(clerk_chaoyang)
    form = details_prefill("refund", second.details).copy()
    form["amount_fen"] = "300.01"
    form.update({"version": str(second.version), "correct_reason": "更正退费金额"})
    with nothing_written():
        r = client.post(f"/office/cases/{second.pk}/correct/", form, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code in (200, 400) and "在办理中" in html and "不能多退" in html
    assert Case.objects.get(pk=second.pk).details["amount_fen"] == 30_000


def test_the_api_submission_counts_the_refunds_in_handling(clerk_chaoyang, person_chaoyang, paid_due):
    first = _pending(clerk_chaoyang, person_chaoyang, paid_due, 70_000)
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = api_submit(api, business="refund", channel="online", person=person_chaoyang.pk,
                       applied_on="2020-03-02", details=refund_details(paid_due, amount_fen=30_001))
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert f"#{first.pk}在办理中" in errors["details.amount_fen"]


def test_the_front_desk_counts_the_refunds_in_handling(client, clerk_chaoyang, person_chaoyang):
    from tests.businesses.desk import refund_fields

    client.force_login(clerk_chaoyang)
    fields = refund_fields(person_chaoyang, amount="700.00")
    post = {"business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "overpayment", **fields, "do": "save"}
    assert client.post(_desk(), {**post, "token": "a"}).status_code == 302
    with nothing_written(shown=person_chaoyang):
        r = client.post(_desk(), {**post, "amount_fen": "300.01", "token": "b"})
    html = r.content.decode()
    assert r.status_code == 400 and "在办理中（合计700.00元）" in html and "不能多退" in html


def _desk() -> str:
    from django.urls import reverse

    return reverse("backoffice:front_desk")


def test_approval_counts_a_refund_in_handling_that_the_books_do_not_show_yet(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due, employer_chaoyang):
    """Two dues, one refund naming both and one naming the second only: the room is placed so both
    fit; the approval of the first leaves the second its money and the items say where it came from."""
    older = book_due(employer_chaoyang, "2019-11", 50_000, paid_on=dt.date(2019, 12, 15))
    both = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details={**refund_details(paid_due, amount_fen=80_000), "dues": [older.pk, paid_due.pk]})
    only = _pending(clerk_chaoyang, person_chaoyang, paid_due, 70_000)
    assert refund_room([paid_due.pk]).room_fen == 0
    prepare(both, clerk_chaoyang)
    services.case_accept(case=both, actor=clerk_chaoyang)
    services.case_approve(case=both, actor=reviewer_chaoyang)
    items = dict(RefundItem.objects.values_list("due_id", "amount_fen"))
    assert items == {older.pk: 50_000, paid_due.pk: 30_000}  # 700.00 of the newer due stay for `only`
    prepare(only, clerk_chaoyang)
    services.case_accept(case=only, actor=clerk_chaoyang)
    services.case_approve(case=only, actor=reviewer_chaoyang)
    assert sum(Refund.objects.values_list("amount_fen", flat=True)) == 150_000


# -- any sequence on the books ------------------------------------------------------------------------

actions = st.lists(st.tuples(st.sampled_from(["submit", "correct", "approve", "reject"]),
                             st.integers(0, 7), st.integers(1, 1_200), st.sampled_from([(0,), (1,), (0, 1)])),
                   min_size=1, max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=actions)
def test_any_sequence_never_promises_more_than_was_paid_less_the_relief(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, employer_chaoyang, employed, steps):
    """Submissions, corrections, approvals and rejections in any order: per due the refunds on the books
    never exceed paid less relief credited, and those plus every application in handling fit together."""
    from django.db import transaction

    from tests.businesses.test_refund_after_relief import _credit

    with transaction.atomic():
        sid = transaction.savepoint()
        dues = [book_due(employer_chaoyang, "2019-11", 60_000, paid_on=dt.date(2019, 12, 15)),
                _credit(book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15)))]
        paid_less_relief = {dues[0].pk: 60_000, dues[1].pk: 60_000}
        cases: list[Case] = []
        for action, which, yuan, pick in steps:
            ids = [dues[i].pk for i in pick]
            amount = yuan * 100
            try:
                if action == "submit" or not cases:
                    cases.append(submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                                        details={**refund_details(dues[0], amount_fen=amount), "dues": ids}))
                    continue
                case = Case.objects.get(pk=cases[which % len(cases)].pk)
                if action == "correct":
                    services.case_details_correct(case=case, actor=clerk_chaoyang, reason="更正金额",
                                                  details={"amount_fen": amount, "dues": ids}, partial=True)
                elif action == "approve":
                    if case.status == "submitted":
                        prepare(case, clerk_chaoyang)
                    else:
                        services.phone_check_record(case=case, actor=clerk_chaoyang,
                                                    outcome=PhoneCheck.Outcome.CONFIRMED)
                    if case.status == "submitted":
                        services.case_accept(case=case, actor=clerk_chaoyang)
                    services.case_approve(case=case, actor=reviewer_chaoyang)
                else:
                    services.case_reject(case=case, actor=clerk_chaoyang, reason="申请人撤回")
            except DomainError:
                pass
            on_books = {d: sum(RefundItem.objects.filter(due_id=d).values_list("amount_fen", flat=True))
                        for d in paid_less_relief}
            assert all(on_books[d] <= paid_less_relief[d] for d in paid_less_relief)
            held = [(int(c.details["amount_fen"]), tuple(c.details["dues"])) for c in Case.objects.filter(
                business="refund", refund__isnull=True).exclude(status__in=["completed", "rejected"])]
            left = {d: paid_less_relief[d] - on_books[d] for d in paid_less_relief}
            assert _fits(left, held)
        transaction.savepoint_rollback(sid)


# -- two at once ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_refunds_submitted_at_the_same_moment_cannot_both_take_the_money(
        clerk_chaoyang, person_chaoyang, paid_due):
    """Two threads on their own connections submit 600.00 each of a due paid 1000.00 (PostgreSQL: the
    employer's row lock orders them; SQLite: the immediate write transaction): one is accepted, the
    other refused naming it, and one case is stored."""
    barrier = threading.Barrier(2)
    results: list[int] = []

    def one(token: str) -> None:
        try:
            api = client_for(clerk_chaoyang)
            barrier.wait()
            results.append(api_submit(api, key=token, business="refund", channel="online",
                                      person=person_chaoyang.pk, applied_on="2020-03-02",
                                      details=refund_details(paid_due, amount_fen=60_000)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(t,)) for t in ("k1", "k2")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [201, 400], results
    assert Case.objects.filter(business="refund").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_the_same_moment_cannot_both_take_the_money(clerk_chaoyang, person_chaoyang, paid_due):
    """Two refunds of 300.00 in handling, each corrected to 600.00 at once on its own connection: one
    correction passes, the other sees it and is refused."""
    cases = [_pending(clerk_chaoyang, person_chaoyang, paid_due, 30_000) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def one(case: Case) -> None:
        try:
            barrier.wait()
            services.case_details_correct(case=case, actor=clerk_chaoyang, details={"amount_fen": 60_000},
                                          reason="来电更正退费金额", partial=True)
            results.append("ok")
        except DetailsRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(c,)) for c in cases]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["ok", "refused"], results
    assert sorted(c.details["amount_fen"] for c in Case.objects.filter(business="refund")) == [30_000, 60_000]


# -- the helpers' own contracts (the mutation run of refundable.py, 26 of 30 killed by the tests above) ---

def test_a_one_fen_application_holds_one_fen_and_the_case_asked_for_is_not_counted_against_itself(
        clerk_chaoyang, person_chaoyang, paid_due):
    from shebao.collection.refundable import books_fen, refundable_fen

    books = books_fen([paid_due.pk])[paid_due.pk]
    one = _pending(clerk_chaoyang, person_chaoyang, paid_due, 1)
    assert refundable_fen([paid_due.pk]) == books - 1
    rest = _pending(clerk_chaoyang, person_chaoyang, paid_due, books - 1)
    assert refundable_fen([paid_due.pk]) == 0
    assert refundable_fen([paid_due.pk], exclude_case=rest.pk) == books - 1
    assert refundable_fen([paid_due.pk], exclude_case=one.pk) == 1


def test_the_room_of_each_due_is_the_room_of_a_refund_naming_it_alone(clerk_chaoyang, person_chaoyang, paid_due):
    from shebao.collection.refundable import books_fen, refundable_each, refundable_fen

    other = book_due(paid_due.employer, "2019-11", 20_000, paid_on=dt.date(2020, 1, 10))
    _pending(clerk_chaoyang, person_chaoyang, paid_due, 10_000)
    each = refundable_each([paid_due.pk, other.pk])
    assert each == {paid_due.pk: refundable_fen([paid_due.pk]), other.pk: books_fen([other.pk])[other.pk]}
    assert each[paid_due.pk] == books_fen([paid_due.pk])[paid_due.pk] - 10_000 and each[other.pk] == 20_000


def test_relief_credited_is_read_for_the_dues_asked_only(paid_due):
    from shebao.collection.models import Due
    from shebao.collection.refundable import relief_credited_fen

    other = book_due(paid_due.employer, "2019-11", 20_000, paid_on=dt.date(2020, 1, 10))
    Due.objects.filter(pk__in=[paid_due.pk, other.pk]).update(relief_credited=True, relief_fen=500)
    assert relief_credited_fen([paid_due.pk]) == {paid_due.pk: 500}
    assert relief_credited_fen([paid_due.pk, other.pk]) == {paid_due.pk: 500, other.pk: 500}
