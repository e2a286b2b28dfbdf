"""An audit case's suspension and resumption days are read as every staff page reads a date
(`core.inputs.form_date`; bad-input review leftovers 3): the page's own `_date` made every fault a
None, so 2020-02-30 was told 请填写中止起始日期（YYYY-MM-DD）; and full-width digits are digits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from shebao.operations import services
from shebao.operations.models import AuditCase, AuditSuspension, Source
from tests import personas
from tests.nothing_written import nothing_written

DAY = dt.date(2020, 4, 20)


@pytest.fixture
def auditor(db):
    return personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                               display_name="朝阳区稽核员")


@pytest.fixture
def case(auditor, employer_chaoyang, settings) -> AuditCase:
    with override_settings(SHEBAO_TODAY=dt.date(2020, 4, 1)):
        opened = services.audit_case_register(actor=auditor, source=Source.DATA_ANALYSIS, employer=employer_chaoyang,
                                              summary="拖欠职工社会保险费", complainant_name="王小明",
                                              complainant_phone="13812345678", open_now=True)
    settings.SHEBAO_TODAY = DAY
    return opened


def _act(client, case, action: str, **data):
    return client.post(reverse("backoffice:audit_case_act", args=[case.pk, action]), {"version": case.version, **data})


@pytest.mark.parametrize(("typed", "said"), [
    ("2020-02-30", "中止起始日期“2020-02-30”不存在：2020年2月只有29天"),
    ("9999-12-31", "中止起始日期“9999-12-31”晚于2021-04-20，不是有效的日期，请核对"),
    ("2020/04/20", "中止起始日期“2020/04/20”格式错误，应为年-月-日，如2020-02-20"),
    ("", "请填写中止起始日期")])
def test_a_suspensions_day_says_why_it_is_refused(client, auditor, case, typed, said):
    client.force_login(auditor)
    with nothing_written():
        r = _act(client, case, "suspend", starts_on=typed, reason="等待单位提供账册")
    page = r.content.decode()
    assert r.status_code == 400 and said in page and 'id="error-suspend-starts_on"' in page


def test_a_suspension_and_a_resumption_read_full_width_digits(client, auditor, case):
    client.force_login(auditor)
    assert _act(client, case, "suspend", starts_on="２０２０-０４-２０", reason="等待单位提供账册").status_code == 302
    case.refresh_from_db()
    with nothing_written():
        r = _act(client, case, "resume", resumed_on="2020-04-31")
    assert r.status_code == 400 and "恢复日期“2020-04-31”不存在：2020年4月只有30天" in r.content.decode()
    assert _act(client, case, "resume", resumed_on="２０２０－０５－１１").status_code == 302
    assert AuditSuspension.objects.get().ends_on == dt.date(2020, 5, 10)


def test_a_role_that_may_not_handle_is_refused_before_the_day_is_read(client, case, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _act(client, case, "suspend", starts_on="2020-02-30", reason="x")
    assert r.status_code in (403, 404)


def test_a_control_character_in_the_form_is_said_by_the_fields_chinese_label(client, auditor, case):
    """Bad-input review 16, 2: 填写的内容starts_on第11位是不可见的控制字符U+0000… named the English field."""
    client.force_login(auditor)
    with nothing_written():
        r = _act(client, case, "suspend", starts_on="2020-02-20\x00", reason="等待单位提供账册")
    page = r.content.decode()
    assert r.status_code == 400 and "填写的内容中止起始日第11位是不可见的控制字符U+0000" in page
    assert "starts_on第" not in page
