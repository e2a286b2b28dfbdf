"""A death's payee and survivors are named by the one rule for a person's name (core.person_name,
review-input9 F1/F2): a Hangul filler is refused at the input naming it, nothing stored; a 间隔号 typed as
• or ・ is stored as U+00B7, and a name differing only so is the same name (one number, one name)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.benefits.models import SurvivorPension, WorkInjuryAward
from shebao.benefits.survivors import DependantInput, survivor_pensions_grant
from shebao.benefits.work_injury import AwardPayee, award_payee_register, fast_track_award_pay
from tests.benefits.test_award_payee import WIFE, _claim
from tests.benefits.test_one_spouse import CHILD, widowed  # noqa: F401 (a fixture)
from tests.nothing_written import nothing_written


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


def test_the_award_payee_refuses_a_filler_and_stores_the_middle_dot(reviewer_chaoyang, widowed):  # noqa: F811
    with nothing_written(), pytest.raises(ValidationError) as e:
        award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("\u3164", "spouse", WIFE))
    assert e.value.message_dict["payee_name"][0].startswith("领取人姓名第1位是不可见的字符U+3164（韩文填充符）")
    # 李秀梅 is the survivor recorded under WIFE: typed with a look-alike dot it is another name (refused),
    # so the spelling is checked on a name with a 间隔号 through the survivors' pension below
    award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("李秀梅", "spouse", WIFE))
    assert WorkInjuryAward.objects.get(pk=widowed.pk).payee_name == "李秀梅"


def test_survivors_are_stored_with_the_middle_dot_and_match_their_award_payee(clerk_chaoyang, reviewer_chaoyang):
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 491, died=True), wage_fen=0,
                                 bank_account="6222020000000004911",
                                 payee=AwardPayee("阿依古丽•买买提", "spouse", WIFE))
    assert WorkInjuryAward.objects.get(pk=award.pk).payee_name == "阿依古丽·买买提"
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
            DependantInput(name="王\uffa0", id_number=CHILD, relation="child", bank_account="6222020000000004912")])
    assert e.value.message_dict["name_1"][0].startswith("第1位供养亲属的姓名第2位是不可见的字符U+FFA0（半角韩文填充符）")
    rows = survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
        # the award's payee typed with another look-alike: the same name, not a second name for WIFE
        DependantInput(name="阿依古丽・买买提", id_number=WIFE, relation="spouse", bank_account="6222020000000004913")])
    assert [r.name for r in rows] == ["阿依古丽·买买提"]
    assert SurvivorPension.objects.get(award=award).name == "阿依古丽·买买提"
