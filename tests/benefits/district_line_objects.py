"""The benefits routes' 朝阳区 objects for `tests/core/test_district_line.py` and the role walk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from tests import personas
from tests.personas import SETUP


def benefits_objects(*, person: Any, employer: Any) -> dict[str, dict[str, object]]:
    """The secret person as a retiree of 朝阳区, and a run paying an older retiree of 朝阳区."""
    basis = Basis(record_monthly_fen=300_000, record_reference="核定-DL")
    secret = retiree_declare(actor=SETUP, person=person, bank_account="6222020000000000777", basis=basis)
    older = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=78)
    retiree_declare(actor=SETUP, person=older, bank_account="6222020000000000778", basis=basis)
    run = payroll_run_start(actor=SETUP, month="2020-02")
    r, p = {"pk": secret.pk}, {"pk": run.pk}
    return {"backoffice:retiree": r, "backoffice:retiree_stop": r, "backoffice:payroll_run": p,
            "backoffice:payroll_run_retry": p, "backoffice:payroll_file_download": p,
            "backoffice:payroll_file_release": p,
            "backoffice:payroll_file_checksum": p, "benefits-retiree-detail": r, "benefits-retiree-payments": r,
            "benefits-run-detail": p}
