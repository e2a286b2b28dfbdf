"""The rights statement (个人权益记录单, 4.1): what it states (months, bases and amounts by insurance
type, months made up in the 0.3 window as on time), its PDF read back, and the public check of its
verification code (a genuine code shows masked figures; a forged or unknown code is refused)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.collection import statements
from shebao.collection.models import RightsStatement
from shebao.collection.services import dues_build, payment_receive
from shebao.core.codes import CODE_ALPHABET, verification_code_display
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.rules import load_policy
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.personas import SETUP

LIFTED = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})


@pytest.fixture
def history(employer_chaoyang, person_chaoyang, monkeypatch):
    """2019-12 paid on time; 2020-02 and 2020-03 made up on 2020-07-01 (within three months of the
    lift on 2020-04-30: on time, 0.3); 2020-05 still unpaid."""
    monkeypatch.setattr(statements, "current_policy", lambda: LIFTED)
    rows = {"2019-12": contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000,
                                    paid_on=dt.date(2019, 12, 20))}
    for month in ("2020-02", "2020-03"):
        rows[month] = contribution(person_chaoyang, employer_chaoyang, month, 1_000_000)
    dues_build(actor=SETUP, months=["2019-12", "2020-02", "2020-03"])
    total = sum(d.amount_fen for d in employer_chaoyang.dues.filter(paid_on__isnull=True))
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=total, received_on=dt.date(2020, 7, 1),
                    source="remittance")
    rows["2020-05"] = contribution(person_chaoyang, employer_chaoyang, "2020-05", 1_000_000)
    return rows


def test_the_statement_states_each_month_by_insurance_type_and_made_up_months_as_on_time(
        history, person_chaoyang, clerk_chaoyang):
    st = statements.rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang, as_of=dt.date(2020, 12, 31))
    lines = {line["month"]: line for line in st.content["lines"]}
    assert list(lines) == ["2019-12", "2020-02", "2020-03", "2020-05"]
    assert lines["2019-12"]["status"] == "on_time"
    assert lines["2020-02"]["status"] == "made_up" and lines["2020-02"]["on_time"]
    assert lines["2020-05"]["status"] == "unpaid" and not lines["2020-05"]["on_time"]
    c = history["2020-03"]
    assert lines["2020-03"]["insurances"]["pension"] == {
        "base_fen": c.pension_base_fen, "employer_fen": c.pension_employer_fen, "personal_fen": c.pension_personal_fen}
    assert lines["2020-03"]["insurances"]["maternity"]["personal_fen"] is None
    totals = st.content["totals"]
    assert totals["pension"]["months"] == 3  # the unpaid month is listed, not counted
    assert totals["pension"]["personal_fen"] == sum(history[m].pension_personal_fen
                                                    for m in ("2019-12", "2020-02", "2020-03"))
    # Stored as issued, with a code of the agency's alphabet, and its audit row.
    assert len(st.code) == 12 and set(st.code) <= set(CODE_ALPHABET) and len(st.content_sha256) == 64
    assert (st.first_month, st.last_month, st.channel) == ("2019-12", "2020-05", "office")
    assert AuditEvent.objects.filter(model="collection.RightsStatement", object_pk=str(st.pk),
                                     actor=clerk_chaoyang).exists()


def test_months_after_the_as_of_month_are_left_out(history, person_chaoyang, clerk_chaoyang):
    st = statements.rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang, as_of=dt.date(2020, 3, 15))
    assert [line["month"] for line in st.content["lines"]] == ["2019-12", "2020-02", "2020-03"]


def test_another_districts_clerk_is_refused_and_nothing_is_written(history, person_chaoyang, clerk_haidian):
    with nothing_written(), pytest.raises(ActionRefused) as refused:
        statements.rights_statement_issue(actor=clerk_haidian, person=person_chaoyang)
    assert "出具个人权益记录单" in refused.value.zh


def pdf_lines(pdf: bytes) -> list[str]:
    """The text of every page as a reader extracts it (pypdf, through the fonts' ToUnicode maps): each
    printed line's strings left to right, joined by " | " (so a row's cells stay apart)."""
    import io

    from pypdf import PdfReader

    out: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        pieces: list[tuple[float, float, str]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  into: list[tuple[float, float, str]] = pieces) -> None:
            if text.strip():
                into.append((round(tm[5], 1), tm[4], text.strip()))

        page.extract_text(visitor_text=visit)
        for y in sorted({p[0] for p in pieces}, reverse=True):
            out.append(" | ".join(t for _, _, t in sorted(p for p in pieces if p[0] == y)))
    return out


def _yuan(fen: int) -> str:
    """Money as the pages write it, 12,345.67 (review-user13 (4): the PDF's totals had no separators)."""
    from shebao.core.money import format_yuan

    return format_yuan(fen)


def test_the_pdf_carries_the_rows_the_totals_and_the_code(history, person_chaoyang, clerk_chaoyang, client):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("collection:person_rights_statement", args=[person_chaoyang.pk]), {"as_of": "2020-12-31"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"/FontFile2" in r.content  # the font is embedded
    st = RightsStatement.objects.get(person=person_chaoyang)
    lines = pdf_lines(r.content)
    text = "\n".join(lines)
    assert "北京市社会保险个人权益记录单" in text and person_chaoyang.name in text
    rows = {line[:7]: line.split(" | ") for line in lines if line[:7] in history}
    assert set(rows) == set(history)  # one row per month, nothing else
    c = history["2020-03"]
    assert rows["2020-03"][1] == "北京朝阳测试科技有限公司"
    assert rows["2020-03"][2:] == [
        "疫情期间补缴，视同按时",
        _yuan(c.pension_base_fen), _yuan(c.pension_employer_fen), _yuan(c.pension_personal_fen),
        _yuan(c.unemployment_base_fen), _yuan(c.unemployment_employer_fen), _yuan(c.unemployment_personal_fen),
        _yuan(c.medical_base_fen), _yuan(c.medical_employer_fen), _yuan(c.medical_personal_fen),
        _yuan(c.maternity_base_fen), _yuan(c.maternity_employer_fen),
        _yuan(c.work_injury_base_fen), _yuan(c.work_injury_employer_fen)]
    assert rows["2019-12"][2] == "按时缴费" and rows["2020-05"][2] == "欠缴"
    personal = sum(history[m].pension_personal_fen for m in ("2019-12", "2020-02", "2020-03"))
    assert f"养老保险：累计缴费3个月，单位缴纳{_yuan(st.content['totals']['pension']['employer_fen'])}元，" \
           f"个人缴纳{_yuan(personal)}元" in text
    assert f"验证码：{st.code_display}" in text and "/public/rights-statements/?code=" in text
    assert AuditEvent.objects.filter(model="collection.RightsStatement").count() == 1


def test_the_public_page_confirms_a_genuine_code_with_masked_figures(history, person_chaoyang, clerk_chaoyang, client):
    st = statements.rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang, as_of=dt.date(2020, 12, 31))
    r = client.get(reverse("web:rights_statement_verify"), {"code": st.code_display.lower()})
    html = r.content.decode()
    assert r.status_code == 200 and "该记录单由社会保险经办机构出具" in html
    assert "养老保险</dt><dd>累计缴费3个月" in html and "2019-12至2020-05" in html
    assert st.content_sha256[:16] in html
    assert person_chaoyang.name not in html and person_chaoyang.id_number not in html
    assert person_chaoyang.name[0] + "*" in html


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKMN", "0000-0000-0000", "abc", "ABCD-EFGH-JKMNP"])
def test_a_forged_or_unknown_code_is_refused(history, person_chaoyang, clerk_chaoyang, client, code):
    real = statements.rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang)
    if verification_code_display(real.code) == code:  # pragma: no cover - one chance in 10^17
        pytest.skip("drew the forged code")
    with nothing_written():
        r = client.get(reverse("web:rights_statement_verify"), {"code": code})
    html = r.content.decode()
    assert r.status_code == 404 and "没有该验证码的个人权益记录单" in html
    assert "该记录单由社会保险经办机构出具" not in html


def test_a_changed_character_of_a_real_code_is_refused(history, person_chaoyang, clerk_chaoyang, client):
    real = statements.rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang)
    forged = ("2" if real.code[0] != "2" else "3") + real.code[1:]
    r = client.get(reverse("web:rights_statement_verify"), {"code": forged})
    assert r.status_code == 404 and "没有该验证码" in r.content.decode()


def test_a_staff_page_of_another_district_issues_nothing(history, person_chaoyang, clerk_haidian, client):
    client.force_login(clerk_haidian)
    with nothing_written():
        r = client.post(reverse("collection:person_rights_statement", args=[person_chaoyang.pk]))
    assert r.status_code == 404
