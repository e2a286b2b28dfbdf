"""The collection routes' 朝阳区 objects for `tests/core/test_district_line.py`.

`tests/district_line_objects.extra_objects` (the lead's file) should include these:
    from tests.collection.district_line_objects import collection_objects
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.collection.assessment import assessment_run
from shebao.collection.bankfiles import deduction_run_start
from shebao.collection.importers import import_remittances
from shebao.collection.jobs import assessment_start
from shebao.collection.models import RemittanceLine
from shebao.core.policy import current_policy
from shebao.registry.services import employer_update
from tests import personas
from tests.personas import SETUP


def collection_objects(*, person: Any, employer: Any) -> dict[str, dict[str, object]]:
    from tests.collection.conftest import book_due

    employer_update(actor=SETUP, employer=employer, payment_method="bank_deduction", bank_account="6222021234567890123")
    book_due(employer, "2019-11", 10_000)
    run, _ = assessment_run(as_of=dt.date(2020, 1, 31), policy=current_policy(), actor=SETUP)
    deduction = deduction_run_start(actor=SETUP)
    job = assessment_start(as_of=dt.date(2020, 1, 31), actor=SETUP, inline=True)
    import_remittances(actor=SETUP, data=("bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
                             f"DL1,2020-01-06,1.00,{employer.name},,{employer.credit_code},\n").encode(),
                       filename="district-line.csv")
    line = RemittanceLine.objects.get(bank_reference="DL1")
    # A line paid from another employer's registered account, asked to be matched to `employer` by a
    # 朝阳区 clerk: a second person decides (collection.releases).
    from shebao.collection.releases import remittance_match_request
    from shebao.staff.models import Role, User

    personas.make_employer("代付单位", serial=91, bank_account="6222029100000000091")
    import_remittances(actor=SETUP, data=("bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
                                          "DL2,2020-01-06,1.03,代付单位,6222029100000000091,,\n").encode(),
                       filename="district-line-2.csv")
    asker = User.objects.create(username="dl_match_asker", role=Role.DISTRICT_CLERK, office=personas.office("110105"))
    match = remittance_match_request(line=RemittanceLine.objects.get(bank_reference="DL2"), employer=employer,
                                     actor=asker, reason="单位来函说明代付")
    # A request to publish a relief pack, made by one member of the center's staff (a second decides);
    # the 2020 pack in force (a system job) and `employer`'s deferral of April 2020, registered.
    from shebao.collection.relief import deferral_apply, relief_pack_publish, relief_pack_publish_request

    center = User.objects.create(username="dl_relief_asker", role=Role.MUNICIPAL_ADMIN, office=personas.office("110000"))
    publish = relief_pack_publish_request(pack="relief-2022-deferral", actor=center, reason="文件已印发")
    relief_pack_publish(pack="relief-2020-covid", actor=SETUP, on=dt.date(2020, 3, 8))
    from tests.collection.relief_helpers import open_dues

    open_dues(employer, ["2020-04", "2020-05", "2020-06"])  # April's deferral; the routes apply for May and June
    deferral = deferral_apply(employer=employer, pack="relief-2020-covid", rule="hardship-deferral", months=["2020-04"],
                              due_until=dt.date(2020, 9, 1), reason="欧阳秘密说明经营困难", actor=SETUP)
    # A refund payment file (its refunds are none: the routes' walls are what is tried here).
    import hashlib

    from shebao.collection.models import RefundPaymentFile
    from shebao.collection.refunds import refund_payment_file_bytes

    refund_file = RefundPaymentFile.objects.create(
        filename="refunds-district-line.csv", sha256=hashlib.sha256(refund_payment_file_bytes([])).hexdigest(),
        lines=0, amount_fen=0, created_by_label="测试数据准备")
    return {
        "collection:relief_publish_decide": {"pk": publish.pk},
        "collection:relief_deferral": {"pk": deferral.pk},
        "collection:relief_deferral_decide": {"pk": deferral.pk},
        "collection:relief_employer_facts": {"pk": employer.pk},
        "collection:refund_file_release": {"pk": refund_file.pk},
        "collection:refund_file_download": {"pk": refund_file.pk},
        "relief-publication-request-decide": {"pk": publish.pk},
        "relief-deferral-detail": {"pk": deferral.pk},
        "relief-deferral-decide": {"pk": deferral.pk},
        "relief-employer-facts": {"pk": employer.pk},
        "collection:remittance_line_request": {"pk": line.pk},
        "collection:remittance_match_decision": {"pk": match.pk},
        "collection:employer_account": {"pk": employer.pk},
        "collection:remittance_line": {"pk": line.pk},
        "collection:remittance_line_match": {"pk": line.pk},
        "collection:remittance_line_duplicate": {"pk": line.pk},
        "collection:assessment_run": {"pk": run.pk},
        "collection:assessment_run_district": {"pk": run.pk, "district": employer.district_id},
        "collection:assessment_export": {"pk": run.pk}, "collection:assessment_report": {"pk": run.pk},
        "collection:assessment_district_export": {"pk": run.pk, "district": employer.district_id},
        "collection:deduction_run": {"pk": deduction.pk},
        "collection:deduction_run_retry": {"pk": deduction.pk},
        "collection:deduction_file_download": {"pk": deduction.pk},
        "collection:deduction_file_checksum": {"pk": deduction.pk},
        "collection:assessment_job": {"pk": job.pk},
        "collection:bank_file_import": {"kind": "remittances"},
        "collection:person_rights": {"pk": person.pk},
        "collection:person_rights_statement": {"pk": person.pk},
    }
