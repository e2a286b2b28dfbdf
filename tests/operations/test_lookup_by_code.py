"""An employer looked up by its credit code on a staff form: another district's answers exactly as a
code registered nowhere (review-input14 5: the audit form said 403 不能登记其他区单位的稽核案件 for a
朝阳 employer to a 海淀 clerk and 400 未找到… for a code that exists nowhere, so a clerk could probe which
codes are registered elsewhere), and a code typed in full-width characters is the same code
(review-input14 7: the outreach form refused ９１１１０１０５…Ｕ that the audit form took)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.operations.models import AuditCase, Outreach
from tests.nothing_written import nothing_written

NOWHERE = "91110105999999999X"


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


def _full_width(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code)


def _audit(client, code):
    return client.post(reverse("backoffice:audit_new"), {
        "source": "hotline_12345", "employer_code": code, "complainant_name": "张三",
        "complainant_phone": "13800138000", "summary": "s", "documents_kept": "on"})


def _outreach(client, code):
    return client.post(reverse("backoffice:outreach_new"), {
        "title": "提示", "audience": "employer_people", "channels": ["sms"], "purpose": "service",
        "subject": "标题", "body": "请按时缴费", "employer_code": code})


def _said(response, code) -> str:
    html = response.content.decode()
    assert f"未找到统一社会信用代码为“{code}”的单位" in html, html[-2000:]
    return html


@pytest.mark.parametrize("post", [_audit, _outreach])
def test_another_districts_employer_answers_as_a_missing_one(client, clerk_haidian, employer_chaoyang, post):
    client.force_login(clerk_haidian)
    with nothing_written():
        elsewhere = post(client, employer_chaoyang.credit_code)
        nowhere = post(client, NOWHERE)
    assert elsewhere.status_code == nowhere.status_code == 400
    _said(elsewhere, employer_chaoyang.credit_code)
    _said(nowhere, NOWHERE)
    assert "其他区" not in elsewhere.content.decode()


@pytest.mark.parametrize("post", [_audit, _outreach])
def test_a_full_width_code_is_the_same_code(client, clerk_chaoyang, employer_chaoyang, post):
    client.force_login(clerk_chaoyang)
    response = post(client, _full_width(employer_chaoyang.credit_code))
    html = response.content.decode()
    assert "未找到统一社会信用代码" not in html
    if post is _audit:
        assert response.status_code == 302 and AuditCase.objects.get().employer == employer_chaoyang
    else:  # found: refused only because the employer has no one employed to send to
        assert response.status_code == 400 and "该发送对象下没有收件人" in html and not Outreach.objects.exists()


def test_a_role_that_may_not_register_is_refused_before_the_look_up(client, employer_chaoyang):
    from tests import personas

    hall = personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105", display_name="大厅")
    client.force_login(hall)
    with nothing_written():
        assert _audit(client, NOWHERE).status_code == 403
        assert _audit(client, employer_chaoyang.credit_code).status_code == 403
