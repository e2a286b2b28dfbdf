"""The benefits routes' 朝阳区 objects for `tests/core/test_district_line.py` and the role walk."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from shebao.benefits.survivors import DependantInput, survivor_pensions_grant
from shebao.benefits.work_injury import exchange_file_import, fast_track_award_pay, fast_track_claim_submit
from shebao.staff.models import Role, User
from tests import personas
from tests.benefits.conftest import claim_details
from tests.personas import SETUP


def benefits_objects(*, person: Any, employer: Any) -> dict[str, dict[str, object]]:
    """The secret person as a retiree of 朝阳区, and a run paying an older retiree of 朝阳区."""
    basis = Basis(record_monthly_fen=300_000, record_reference="核定-DL")
    secret = retiree_declare(actor=SETUP, person=person, bank_account="6222020000000000777", basis=basis)
    older = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=78)
    retiree_declare(actor=SETUP, person=older, bank_account="6222020000000000778", basis=basis)
    run = payroll_run_start(actor=SETUP, month="2020-02")
    r, p = {"pk": secret.pk}, {"pk": run.pk}
    award = death_award(person, reference="DL1")
    other = death_award(personas.make_person("工亡乙", birth=dt.date(1980, 1, 1), serial=79), reference="DL2")
    pension = survivor_pensions_grant(actor=_reviewer(), award=other, wage_fen=1_000_000, dependants=[
        DependantInput(name="欧阳秘密之妻", id_number=personas.citizen_id("110105", dt.date(1981, 2, 3), 80, male=False),
                       relation="spouse", bank_account="6222020000000000780")])[0]
    claim = fast_track_claim(personas.make_person("工亡丙", birth=dt.date(1981, 1, 1), serial=82), reference="DL3")
    return {"backoffice:work_injury_award": {"pk": award.pk}, "backoffice:survivor_grant": {"pk": award.pk},
            "backoffice:work_injury_pay": {"pk": claim.pk}, "benefits-claim-pay": {"pk": claim.pk},
            "benefits-award-detail": {"pk": other.pk},
            "backoffice:survivor_end": {"pk": pension.pk},"backoffice:retiree": r, "backoffice:retiree_stop": r, "backoffice:payroll_run": p,
            "backoffice:payroll_export": p,
            "backoffice:payroll_run_retry": p, "backoffice:payroll_file_download": p,
            "backoffice:payroll_file_release": p,
            "backoffice:payroll_file_checksum": p, "benefits-retiree-detail": r, "benefits-retiree-payments": r,
            "benefits-run-detail": p,
            "backoffice:transfer_resend": {"pk": run.transfers.order_by("pk").first().pk},
            "benefits-transfer-resend": {"pk": run.transfers.order_by("pk").first().pk},
            "backoffice:award_payee_register": {"pk": award.pk}, "benefits-award-payee": {"pk": award.pk}}


def _reviewer() -> Any:
    return User.objects.get_or_create(username="dl_wi_reviewer", defaults={
        "role": Role.DISTRICT_REVIEWER, "office": personas.office("110105")})[0]


def death_award(person: Any, *, reference: str) -> Any:
    """A fast-track award on ``person``'s death on duty (2020-03-02), of their district (朝阳区)."""
    case = fast_track_claim(person, reference=reference)
    return fast_track_award_pay(actor=_reviewer(), case=case, wage_fen=0, bank_account="6222020000000000779",
                               payee=personas.relative(relation="sibling"))  # the spouse is granted a pension (one spouse)


def fast_track_claim(person: Any, *, reference: str) -> Any:
    """A fast-track claim on ``person``'s death on duty (2020-03-02), its decisions received, not yet paid."""
    lines = [{"kind": "recognition", "reference": f"{reference}R", "id_number": person.id_number,
              "decided_on": "2020-02-08", "medical_staff": True},
             {"kind": "assessment", "reference": f"{reference}A", "id_number": person.id_number,
              "decided_on": "2020-03-03", "died_on": "2020-03-02"}]
    exchange_file_import(data="\n".join(json.dumps(x) for x in lines).encode(), filename="dl.jsonl", actor=SETUP)
    return fast_track_claim_submit(actor=_reviewer(), person=person, details=claim_details(), applied_on=dt.date(2020, 3, 3))
