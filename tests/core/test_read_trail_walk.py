"""Every staff page, PDF and API answer that shows one person's data records the read in the trail
(issue 16 §4; review-user14 (3): the card order with its home address, the 领卡证明 and the retiree's
pension and bank account were shown to a clerk with no row at /office/reads/). The test walks the URL
configuration itself, with the objects of the district-line walk (the secret person is a case's
applicant, a card holder, a retiree and a work-injury award's subject): a GET that answers 200 with
the person's name in it must have written a read of a person."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from rest_framework.test import APIClient

from shebao.core.models import PersonalDataAccess
from shebao.staff.models import Role, User
from tests import personas
from tests.core.test_district_line import KEY, SECRET_PERSON, _body, _chaoyang_objects, fill, routes

pytestmark = pytest.mark.django_db

# Pages that name the secret person's name in another role than a registered person's data: an audit
# complainant's name as typed by the hotline (its own reveal records the read), an incident or an
# inspection note that mentions the name, a draft message; and pages listing many people of an
# employer or a run (a declaration, a payroll run, an export), which are not one person's page.
NOT_ONE_PERSON = {
    "backoffice:audit_case", "backoffice:audit_letter", "backoffice:incident", "backoffice:inspection",
    "backoffice:hall_day", "backoffice:outreach", "backoffice:declaration", "backoffice:payroll_run",
    "backoffice:export_job", "backoffice:export_job_file", "backoffice:payroll_export", "benefits-run-detail",
    # an employer's deferral whose reason, typed by the employer, mentions the name
    "collection:relief_deferral", "relief-deferral-detail",
}


def _text(response) -> str:
    if response.streaming or response.content[:2] == b"PK":
        return _body(response)  # a download read to the end, a spreadsheet unzipped
    raw = response.content
    if raw.startswith(b"%PDF"):
        try:
            return "".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
        except PyPdfError:  # an uploaded stand-in document, not a PDF we print: its bytes as they are
            pass
    return raw.decode(errors="ignore")


def test_every_page_showing_a_persons_data_records_the_read():
    objects = _chaoyang_objects()
    admin = User.objects.create(username="walk_reads_admin", role=Role.MUNICIPAL_ADMIN,
                                office=personas.office("110000"))
    page, api = Client(), APIClient()
    page.force_login(admin)
    api.force_authenticate(admin)
    trail = PersonalDataAccess.objects.filter(model="registry.Person")  # the secret person's, or an award's subject
    shown, unrecorded = [], []
    for route, name in routes():
        if not KEY.search(route) or name not in objects or name in NOT_ONE_PERSON:
            continue
        url = fill(route, objects[name])
        before = trail.count()
        r = (api if url.startswith("/api/") else page).get(url)
        if r.status_code != 200 or SECRET_PERSON not in _text(r):
            continue
        shown.append(name)
        if trail.count() == before:
            unrecorded.append(f"{url} ({name})")
    assert {"backoffice:card_order", "backoffice:card_certificate", "backoffice:retiree",
            "backoffice:case_detail"} <= set(shown), shown
    assert not unrecorded, "pages that show the person's data with no read recorded: " + ", ".join(unrecorded)
