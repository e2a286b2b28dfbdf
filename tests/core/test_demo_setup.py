"""`shebao demo_setup`: one account per role, sample applications through the services, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shebao.cases.models import Case, CaseTransition
from shebao.registry.generator import GenerateOptions, generate
from shebao.staff.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from shebao.staff.models import User
from shebao.staff.otp import DEMO_TOTP_KEY_HEX


@pytest.mark.django_db
def test_demo_setup_creates_the_logins_and_sample_cases_once(capsys):
    generate(GenerateOptions(employers=30, persons=600, from_month="2019-07", months=6, seed=3))
    call_command("demo_setup", "--cases", "12")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and len(DEMO_PASSWORD) >= 12 and "http://127.0.0.1:8000/" in out
    # Every demo account has the published demo authenticator, and the secret is printed for a new user.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(key=DEMO_TOTP_KEY_HEX, confirmed=True).count() == len(DEMO_ACCOUNTS)
    assert "ONUGKYTBN4WWIZLNN4WXI33UOAWWWZLZ" in out and "DEBUG=true .venv/bin/shebao staff_otp admin --code" in out
    assert set(User.objects.values_list("role", flat=True)) >= {
        "municipal_admin", "district_clerk", "district_reviewer", "auditor", "hall_manager", "leader"}
    assert User.objects.get(username="chaoyang").check_password(DEMO_PASSWORD)
    made = Case.objects.count()
    assert made >= 10 and CaseTransition.objects.filter(action="submit").count() == made
    # The count printed is the count made, of the samples it set out to make (12 in 朝阳区, 6 in 海淀区);
    # each sample not made is listed with its business and the registry's reason, in Chinese.
    import re

    printed = re.search(r"已生成示例申请(\d+)件（计划(\d+)件，申请日期2020-02-20）", out)
    samples = Case.objects.filter(idempotency_key__regex=r"^demo-1101\d\d-\d+$")
    assert printed and int(printed[1]) == samples.count() and int(printed[2]) == 12 + 6, out
    skipped = re.search(r"未生成的示例申请(\d+)件", out)
    assert int(printed[1]) + (int(skipped[1]) if skipped else 0) == 12 + 6, out
    if skipped:
        listed = out[skipped.end():].split("\n")[1:]
        counts = [int(m[1]) for line in listed if (m := re.match(r"  \S+?(\d+)件，如：[\u4e00-\u9fff]", line))]
        assert sum(counts) == int(skipped[1]), out
    # The registry supports what it can: a base difference, a registration of someone new, and the
    # refunds of the paid due the books lay down are made (before, each was refused).
    made_businesses = set(samples.values_list("business", flat=True))
    assert {"base_difference_back_payment", "insured_registration", "refund"} <= made_businesses, made_businesses
    assert Case.objects.values("mode").distinct().count() >= 3
    # Every sample carries its content, complete by its definition (review-user7 F6: 63 demo cases had
    # none and could be approved to 已办结 with nothing registered), and several businesses are shown.
    from shebao.cases.selectors import case_content_problems

    assert [(c.pk, c.business, case_content_problems(c)) for c in Case.objects.all()
            if case_content_problems(c)] == []
    assert all(c.details for c in Case.objects.all()), "a sample without content"
    assert Case.objects.values("business").distinct().count() >= 6
    # A resident of sixty registered in the residents' pension can claim it on the portal (review-user12
    # F9: the demo's one person was an employee, refused every residents' pension business).
    import datetime as _dt

    from shebao.operations.models import DutyAssignment, EmployerContact
    from shebao.registry.models import Person, ResidentPension
    from shebao.registry.resident_pension import claim_refusals

    resident = Person.objects.get(name="周淑芬")
    assert ResidentPension.objects.get(person=resident).state == ResidentPension.State.ACTIVE
    assert claim_refusals(person=resident, applied_on=_dt.date(2020, 2, 20)) == {}
    assert f"城乡居民（已年满60周岁，可网上申领城乡居民养老保险待遇）：证件号码 {resident.id_number}（周淑芬）" in out
    contacts, duty = EmployerContact.objects.count(), DutyAssignment.objects.count()
    assert contacts > 0 and duty == 14 and User.objects.get(username="chaoyang_leader").role == "leader"


    # The businesses have something to act on: open dues and a refund with its amount and account.
    from shebao.collection.models import Due

    refund = Case.objects.get(idempotency_key="demo-refund-110105")
    assert refund.details["amount_fen"] == 30_000 and refund.details["bank_account"]
    assert Due.objects.filter(paid_on__isnull=True, amount_fen__gt=0).count() >= 2
    assert "退费申请" in out
    # An approved refund waits on the center's refund payment desk (征缴—退费支付).
    from shebao.collection.models import Refund

    assert Refund.objects.filter(status="payable", amount_fen=20_000).count() == 1
    assert "“已核准，待退款”的退费申请" in out
    # The leaders' dashboard shows the generated books' money on its first view (the command
    # recounted the tallies; the page never refreshes on a read): equal to the dues' own sum.
    import datetime as dt

    from django.db.models import Sum

    from shebao.reports.selectors import dashboard_figures

    leader = User.objects.get(username="leader")
    board = dashboard_figures(user=leader, start=dt.date(2019, 7, 1), end=dt.date(2020, 2, 20), grain="month")
    owed = Due.objects.filter(month__gte="2019-07", month__lte="2020-02").aggregate(s=Sum("amount_fen"))["s"]
    assert owed and board.value("dues_fen") == owed and board.value("paid_fen") > 0
    assert "领导看板统计已全量重算" in out
    # review-user10 F7: no stored value is only its own field's label (the refunds' payee and bank were)
    from tests.labels_as_values import labels_stored_as_values

    assert labels_stored_as_values() == []
    refunds = Case.objects.filter(business="refund")
    assert refunds.count() >= 2 and all(c.details["bank_name"].endswith(("银行", "分行", "支行")) for c in refunds)
    # review-user12 F6: each due is refunded by one application, and no one has two refunds in handling
    # (every sample refunded the books' one paid due: the front desk showed one person 8 refunds)
    from collections import Counter

    named = Counter(pk for c in refunds for pk in c.details["dues"])
    assert named and max(named.values()) == 1, named
    handling = Counter(c.person_id for c in refunds if c.status not in ("completed", "rejected"))
    assert max(handling.values()) == 1, handling
    call_command("demo_setup", "--cases", "12")
    assert (EmployerContact.objects.count(), DutyAssignment.objects.count()) == (contacts, duty)
    assert Case.objects.count() == made and User.objects.filter(username="chaoyang").count() == 1
    assert TOTPDevice.objects.count() == len(DEMO_ACCOUNTS)  # run again: the same authenticators


@pytest.mark.django_db
def test_the_demo_bill_and_the_persons_record_agree(settings):
    """review-user14 (6): the demo's main employer billed 2019-08 养老保险 900.00元 for one person whose
    rights record said 2,653.00元 (单位1,768.67 + 个人884.33) for the same month: the demo booked sample
    amounts. Each month's pension due is now what the employer's people contributed that month."""
    from django.db.models import Sum

    from shebao.collection.models import Due
    from shebao.registry.models import Contribution

    generate(GenerateOptions(employers=30, persons=600, from_month="2019-07", months=6, seed=3))
    settings.SHEBAO_TODAY = "2020-02-20"
    call_command("demo_setup", "--cases", "2")
    demo = Due.objects.filter(month__in=["2019-08", "2019-09", "2019-10", "2019-11", "2019-12"], insurance="pension",
                              split_from__isnull=True)
    checked = 0
    for due in demo:
        paid_in = Contribution.objects.filter(employer=due.employer, month=due.month).aggregate(
            e=Sum("pension_employer_fen"), p=Sum("pension_personal_fen"))
        if paid_in["e"] is None:
            continue
        assert (due.employer_fen + due.relief_fen, due.personal_fen) == (paid_in["e"], paid_in["p"]), due.month
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_a_demo_retiree_has_the_employment_their_record_was_paid_through(settings):
    """review-user14 (7): the retiree's person page said 参保经历 暂无 beside 322 months paid through one
    employer."""
    from shebao.benefits.models import Retiree
    from shebao.registry.models import Contribution, EmploymentSpell

    generate(GenerateOptions(employers=30, persons=600, from_month="2019-07", months=6, seed=3))
    settings.SHEBAO_TODAY = "2020-02-20"
    call_command("demo_setup", "--cases", "2")
    for r in Retiree.objects.select_related("person"):
        paid = Contribution.objects.filter(person=r.person).order_by("month")
        if not paid.exists():
            continue
        spell = EmploymentSpell.objects.get(person=r.person)
        assert (spell.employer_id, spell.from_month, spell.to_month) == (
            paid.first().employer_id, paid.first().month, paid.last().month)
