"""Every form error of the operations pages (halls, duty, inspections, incidents, audit cases, outreach)
is shown at its input: the input has aria-invalid="true" and aria-describedby naming the message placed
right after it; the list at the top only sums them up (review-user4 U8: the hall's temperature error
showed at the top of the page, far from its field, on a phone).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from shebao.operations import halls
from shebao.operations.models import DisinfectionRound, FeverReading, HallDayLog, Incident, Inspection
from tests import personas
from tests.nothing_written import nothing_written

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = DAY
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


def at_field(response, input_id: str, message: str) -> None:
    """The refused page marks ``#input_id`` and shows ``message`` in the element it is described by,
    which comes right after the input in its form (not only in the summary at the top)."""
    assert response.status_code == 400, response.status_code
    doc = lxml_html.fromstring(response.content.decode())
    found = doc.get_element_by_id(input_id)
    assert found.get("aria-invalid") == "true", lxml_html.tostring(found)
    described = found.get("aria-describedby", "").split()
    assert described, lxml_html.tostring(found)
    texts = [doc.get_element_by_id(i).text_content() for i in described]
    assert any(message in t for t in texts), texts
    note = doc.get_element_by_id(described[0])
    assert "field-error" in note.get("class", "")
    form = next(found.iterancestors("form"))
    assert note in form.iter(), "the message is in the input's own form"
    # every marked input's message exists (no aria-describedby pointing at nothing)
    for marked in doc.xpath('//*[@aria-invalid="true"]'):
        for i in marked.get("aria-describedby", "").split():
            assert doc.get_element_by_id(i).text_content().strip()
    # the summary at the top still lists it, in addition
    assert message in doc.get_element_by_id("errors").text_content()


def test_the_hall_day_forms_show_each_error_at_its_input(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    url = reverse("backoffice:hall_day", args=[chaoyang.pk])
    with nothing_written():
        bad = client.post(url, {"do": "fever", "day": "2020-02-20", "at": "00:00", "celsius": "abc",
                                "action": "劝离"})
    at_field(bad, "fever-celsius", "体温须为数字")
    page = bad.content.decode()
    assert 'value="abc"' in page and "劝离</textarea>" in page  # what was typed is kept to be corrected
    with nothing_written():
        at_field(client.post(url, {"do": "fever", "day": "2020-02-20", "at": "00:00", "celsius": "38.0",
                                   "action": ""}), "fever-action", "请填写")
        at_field(client.post(url, {"do": "round", "day": "2020-02-20", "at": "00:00", "area": "",
                                   "done_by": "保洁员"}), "round-area", "请填写")
        at_field(client.post(url, {"do": "log", "day": "2020-02-20", "visitors_checked": "-5"}),
                 "log-visitors_checked", "测温人数")
    assert not (HallDayLog.objects.exists() or FeverReading.objects.exists() or DisinfectionRound.objects.exists())
    # the other forms of the page are not marked by a refusal of one of them
    doc = lxml_html.fromstring(bad.content.decode())
    assert doc.get_element_by_id("round-area").get("aria-invalid") is None


def test_incident_inspection_and_duty_forms_show_each_error_at_its_input(client, hall_manager, leader_chaoyang,
                                                                        chaoyang):
    client.force_login(hall_manager)
    with nothing_written():
        at_field(client.post(reverse("backoffice:hall_incident_new", args=[chaoyang.pk]), {
            "kind": "hall_suspected", "occurred_at": "2020-02-20T00:00", "description": ""}),
            "incident-description", "请填写")
    assert not Incident.objects.exists()
    client.force_login(leader_chaoyang)
    with nothing_written():
        page = client.post(reverse("backoffice:hall_inspect", args=[chaoyang.pk]), {
            "day": "2020-02-20", "ok_masks_gloves": "0", "notes": "x"})
    assert page.status_code == 400
    doc = lxml_html.fromstring(page.content.decode())
    assert "请逐项检查" in doc.get_element_by_id("error-checklist").text_content()
    assert doc.xpath('//input[@name="ok_masks_gloves"][@value="0"]')[0].get("checked") is not None  # kept
    assert not Inspection.objects.exists()
    insp = halls.inspection_record(actor=leader_chaoyang, hall=chaoyang, day=DAY, checklist={
        "masks_gloves": False, "temperature": True, "disinfection": True, "isolation_room": True, "posters": True},
        findings={"masks_gloves": "口罩不足"})
    finding = insp.findings.get()
    client.force_login(hall_manager)  # the hall manager records the fix and keeps the duty roster
    with nothing_written():
        at_field(client.post(reverse("backoffice:finding_fix", args=[insp.pk, finding.pk]),
                             {"fix": "", "fixed_on": "2020-02-20"}), f"finding{finding.pk}-fix", "请填写")
        at_field(client.post(reverse("backoffice:hall_duty", args=[chaoyang.pk]) + "?from=2020-02-20",
                             {"day": "2020-02-21", "leader": str(hall_manager.pk)}), "2020-02-21-leader", "带班领导")


def test_audit_and_outreach_forms_show_each_error_at_its_input(client, employer_chaoyang, clerk_chaoyang):
    auditor = personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                                  display_name="朝阳区稽核员")
    client.force_login(auditor)
    with nothing_written():
        at_field(client.post(reverse("backoffice:audit_new"), {
            "source": "hotline_12345", "employer_code": "91110105000000999X", "summary": "拖欠"}),
            "employer", "未找到统一社会信用代码")
        at_field(client.post(reverse("backoffice:audit_new"), {
            "source": "", "employer_code": employer_chaoyang.credit_code, "summary": "拖欠"}), "source", "案件来源")
    client.force_login(clerk_chaoyang)
    with nothing_written():
        at_field(client.post(reverse("backoffice:outreach_new"), {
            "title": "提示", "audience": "district_employers", "channels": ["sms"], "purpose": "service",
            "subject": "标题", "body": ""}), "body", "消息内容")
