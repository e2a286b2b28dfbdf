"""Retirees for the benefits tests, declared through the service as the new-retiree declaration does."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits.models import Retiree
from shebao.benefits.services import Basis, retiree_declare
from tests import personas
from tests.personas import SETUP

# index 1.0, 30 years, no deemed years, 139 × 1000 yuan in the account: at 8847 yuan (2019-07 on)
# basic 2654.10 + account 1000.00 = 3654.10 yuan a month for a man retiring at 60.
BASIS = Basis(index_x10k=10_000, contribution_months=360, deemed_months=0, account_balance_fen=13_900_000)
MONTHLY_2019 = 265410 + 100000


def declare(name: str, *, birth: dt.date, serial: int, declared_on: dt.date, male: bool = True,
            district_code: str = "110105", basis: Basis = BASIS, paid_through: str = "", **person_fields) -> Retiree:
    person = personas.make_person(name, birth=birth, serial=serial, male=male, district_code=district_code,
                                  **person_fields)
    return retiree_declare(actor=SETUP, person=person, bank_account=f"62220200000000{serial:05d}", basis=basis,
                           declared_on=declared_on, paid_through=paid_through)


@pytest.fixture
def three_retirees(db):
    """Three men retiring at 60 in 2019-10, 2019-12 and 2020-01, all declared in time (paid from the
    month after retirement), and the 2020-01 retiree's successor none."""
    return [declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1)),
            declare("钱二", birth=dt.date(1959, 12, 3), serial=12, declared_on=dt.date(2019, 12, 1)),
            declare("孙三", birth=dt.date(1960, 1, 20), serial=13, declared_on=dt.date(2020, 1, 2))]


def send_to_bank(run) -> None:
    """What happens before a bank can answer for ``run``: a second person releases its payment file
    and the desk downloads it (a result for a file that never left the building is refused:
    releases.bank_send_check). The checker is a municipal admin of its own."""
    from shebao.benefits import payroll
    from shebao.collection import releases
    from shebao.staff.models import User

    checker = (User.objects.filter(username="payroll_checker").first()
               or personas.make_staff("payroll_checker", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                                      display_name="市中心复核员"))
    releases.payroll_file_release(run=run, actor=checker)
    payroll.payroll_file_read(run=run, actor=SETUP)


def claim_details(**over) -> dict:
    """The content of a fast-track work-injury claim (9), as its definition asks: the day the
    infection was diagnosed, the diagnosis and the post (`fast_track_claim_submit` refuses a claim
    without it, as every road does)."""
    return {"diagnosed_on": "2020-01-28", "diagnosis": "新型冠状病毒肺炎（确诊病例）", "workplace": "发热门诊", **over}
