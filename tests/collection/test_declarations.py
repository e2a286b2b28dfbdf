"""Employers' monthly declarations (月报) from a roster file: staged with every row's errors,
committed all or nothing into spells, contributions, dues and the ledger (collection.declarations)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shebao.collection import ledger
from shebao.collection.declarations import (
    CommitRefused,
    declaration_commit,
    declaration_discard,
    declaration_stage,
)
from shebao.collection.models import Declaration, Due
from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, Employer, EmploymentSpell
from shebao.registry.rates import rates_in_force
from tests import personas
from tests.nothing_written import nothing_written

MONTH = "2020-02"
HEAD = "证件号码,姓名,变动类型,缴费基数（元）\n"


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def world(db, employer_chaoyang):
    """An employer with two employees since 2019 (张三, 王五), one person employed elsewhere (李四)
    and one not employed (赵六)."""
    other = personas.make_employer("北京朝阳别家有限公司", serial=7)
    people = {name: personas.make_person(name, serial=i, birth=dt.date(1980 + i, 1, 1))
              for i, name in enumerate(["张三", "王五", "李四", "赵六"], start=1)}
    for name in ("张三", "王五"):
        EmploymentSpell.objects.create(person=people[name], employer=employer_chaoyang, from_month="2019-01")
    EmploymentSpell.objects.create(person=people["李四"], employer=other, from_month="2019-05")
    # Registered in 2019 (with its employees), so its months of 2019 can be declared (review-user4 U10).
    Employer.objects.filter(pk=employer_chaoyang.pk).update(
        created_at=timezone.make_aware(dt.datetime(2019, 1, 2, 0, 0)))
    employer_chaoyang.refresh_from_db()
    return employer_chaoyang, people


@contextlib.contextmanager
def unchanged(*models):
    """The books (these tables) keep their row counts through the block."""
    before = [m.objects.count() for m in models]
    yield
    assert [m.objects.count() for m in models] == before


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return (HEAD + "".join(line + "\n" for line in lines)).encode(encoding)


def good_lines(people) -> list[str]:
    return [f"{people['张三'].id_number},张三,在职,8000",
            f"{people['王五'].id_number},王五,减员,",
            f"{people['赵六'].id_number},赵六,增员,6000.50"]


def test_a_good_roster_is_staged_then_committed_into_spells_contributions_dues_and_the_ledger(world, clerk_chaoyang):
    employer, people = world
    declaration = declaration_stage(employer=employer, month="2020/2", data=csv_bytes(good_lines(people)),
                                    filename="roster.csv", actor=clerk_chaoyang)
    assert (declaration.month, declaration.rows, declaration.error_rows) == (MONTH, 3, 0)
    assert (declaration.hires, declaration.leavers, declaration.contributors) == (1, 1, 2)
    assert not Contribution.objects.filter(month=MONTH).exists() and not Due.objects.filter(month=MONTH).exists()
    assert AuditEvent.objects.filter(model="collection.Declaration", object_pk=str(declaration.pk)).count() == 1

    declaration = declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    assert declaration.status == Declaration.Status.COMMITTED
    # Hire: a spell from the month; leaver: spell ended with the month before; contributions for both payers.
    assert EmploymentSpell.objects.get(person=people["赵六"], employer=employer).from_month == MONTH
    assert EmploymentSpell.objects.get(person=people["王五"], employer=employer).to_month == "2020-01"
    rows = {c.person.name: c for c in Contribution.objects.filter(employer=employer, month=MONTH)}
    assert set(rows) == {"张三", "赵六"}
    r = rates_in_force(dt.date(2020, 2, 1))
    pension_base = min(max(600050, r.pension_floor_fen), r.ceiling_fen)
    assert rows["赵六"].pension_base_fen == pension_base
    assert rows["赵六"].pension_personal_fen == r.share(pension_base, r.pension_personal)
    dues = Due.objects.filter(employer=employer, month=MONTH)
    assert dues.count() == 5 and {d.persons for d in dues} == {2}
    charged = sum(c.pension_employer_fen + c.pension_personal_fen for c in rows.values())
    pension_due = dues.get(insurance="pension")
    assert pension_due.amount_fen + pension_due.relief_fen == charged
    assert declaration.amount_fen == sum(d.amount_fen for d in dues)
    balances = ledger.account_balances(account=ledger.RECEIVABLE, employer_ids={employer.pk})
    assert balances[employer.pk] == declaration.amount_fen


def test_every_row_error_is_kept_with_its_row_and_nothing_is_committed(world, clerk_chaoyang):
    employer, people = world
    bad_id = people["张三"].id_number[:17] + ("0" if people["张三"].id_number[17] != "0" else "1")
    lines = [
        f"{people['张三'].id_number},张三,在职,8000",
        f"{people['李四'].id_number},李四,增员,8000",  # employed elsewhere in the month
        f"{people['赵六'].id_number},赵六,在职,8000",  # not employed here
        f"{people['王五'].id_number},王小五,在职,8000",  # name differs from the registry
        f"{people['张三'].id_number},张三,在职,8000",  # duplicate
        f"{bad_id},某人,在职,8000",  # check digit
        "110105199001011234,某人,在职,8000",  # not registered (or invalid)
        f"{people['王五'].id_number},王五,在职,100",  # below the floor
        f"{people['王五'].id_number},王五,在职,999999",  # above the ceiling (and duplicate)
        f"{people['王五'].id_number},王五,调岗,abc",  # unknown change, bad amount
    ]
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(lines), filename="r.csv",
                                    actor=clerk_chaoyang)
    errors = {row.line_no: " ".join(row.errors) for row in declaration.lines.all()}
    assert errors[2] == ""
    assert "其他单位参保" in errors[3] and "北京朝阳别家" not in errors[3]
    assert "不在本单位参保" in errors[4]
    assert "姓名" in errors[5] and "王五" not in errors[5]
    assert "与第2行重复" in errors[6]
    assert "校验码" in errors[7] and "未登记" not in errors[7]  # a typing error, not a registration (user5 F9)
    assert "未登记参保人员" in errors[8] or "公民身份号码" in errors[8]
    assert "低于2020-02的缴费基数下限" in errors[9]
    assert "高于2020-02的缴费基数上限" in errors[10]
    assert "变动类型" in errors[11] and "缴费基数" in errors[11]
    assert declaration.error_rows == 9
    with unchanged(Contribution, Due, EmploymentSpell, ledger.Posting), pytest.raises(CommitRefused, match="9行错误"):
        declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.STAGED


def test_a_change_between_upload_and_commit_is_caught_at_commit(world, clerk_chaoyang):
    employer, people = world
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)),
                                    filename="r.csv", actor=clerk_chaoyang)
    # Meanwhile 赵六 is hired by another employer for the month.
    EmploymentSpell.objects.create(person=people["赵六"], employer=personas.make_employer("另一家", serial=9),
                                   from_month="2020-02")
    with unchanged(Contribution, Due, EmploymentSpell, ledger.Posting), pytest.raises(CommitRefused):
        declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    row = declaration.lines.get(line_no=4)
    assert any("其他单位参保" in e for e in row.errors)
    declaration.refresh_from_db()
    assert declaration.error_rows == 1 and declaration.status == Declaration.Status.STAGED


def test_an_xlsx_and_a_gb18030_csv_read_alike(world, clerk_chaoyang):
    employer, people = world
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["证件号码", "姓名", "变动类型", "缴费基数(元)"])
    sheet.append([people["张三"].id_number, "张三", "在职", 8000])
    sheet.append([people["赵六"].id_number, "赵六", "增员", 6000.5])
    sheet.append([int(people["王五"].id_number[:17]), "王五", "减员", None])  # a long number stored as a number
    buf = io.BytesIO()
    book.save(buf)
    xlsx = declaration_stage(employer=employer, month=MONTH, data=buf.getvalue(), filename="r.xlsx",
                             actor=clerk_chaoyang)
    rows = list(xlsx.lines.all())
    assert [r.base_fen for r in rows] == [800000, 600050, None]
    assert rows[0].errors == [] and rows[1].errors == []
    assert any("超过15位" in e for e in rows[2].errors)
    declaration_discard(declaration=xlsx, actor=clerk_chaoyang)
    gb = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people), "gb18030"),
                           filename="r.csv", actor=clerk_chaoyang)
    assert gb.error_rows == 0 and [r.name for r in gb.lines.all()] == ["张三", "王五", "赵六"]


@pytest.mark.parametrize(("month", "data", "message"), [
    ("2020-03", None, "晚于本月"),
    ("1900-01", None, "没有适用的缴费基数"),
    ("2020-13", None, "月份"),
    (MONTH, b"", "文件为空"),
    (MONTH, "姓名,缴费基数\n张三,8000\n".encode(), "缺少列：证件号码"),
    (MONTH, HEAD.encode(), "没有数据行"),
    (MONTH, b"PK\x03\x04garbage", "无法读取Excel"),
    (MONTH, b"\xff\xfe\x00\xd8", "UTF-16"),
])
def test_a_file_or_month_that_cannot_be_staged_is_refused_whole(world, clerk_chaoyang, month, data, message):
    employer, people = world
    with nothing_written(), pytest.raises(ValidationError, match=message):
        declaration_stage(employer=employer, month=month, data=csv_bytes(good_lines(people)) if data is None
                          else data, filename="r.csv", actor=clerk_chaoyang)


def test_a_month_declared_or_assessed_already_is_refused(world, clerk_chaoyang):
    employer, people = world
    d = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)), filename="r.csv",
                          actor=clerk_chaoyang)
    declaration_commit(declaration=d, actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(ValidationError, match="月报已提交"):
        declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)), filename="r.csv",
                          actor=clerk_chaoyang)
    with pytest.raises(ValidationError, match="已提交，不能提交"):
        declaration_commit(declaration=d, actor=clerk_chaoyang)
    from tests.collection.conftest import book_due

    book_due(employer, "2020-01", 1000)
    with pytest.raises(ValidationError, match="应缴费款已核定"):
        declaration_stage(employer=employer, month="2020-01", data=csv_bytes(good_lines(people)), filename="r.csv",
                          actor=clerk_chaoyang)


def test_another_district_and_other_roles_are_refused(world, clerk_haidian, leader):
    employer, people = world
    for actor in (clerk_haidian, leader):
        with nothing_written(), pytest.raises(PermissionDenied):
            declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)),
                              filename="r.csv", actor=actor)


def test_the_staff_page_uploads_shows_each_rows_errors_and_commits(world, clerk_chaoyang, client):
    employer, people = world
    client.force_login(clerk_chaoyang)
    page = client.get("/office/declarations/")
    assert page.status_code == 200 and "上传并检查" in page.content.decode()
    bad = io.BytesIO(csv_bytes([f"{people['张三'].id_number},张三,在职,100"]))
    bad.name = "r.csv"
    r = client.post("/office/declarations/", {"credit_code": employer.credit_code, "month": MONTH, "file": bad})
    assert r.status_code == 302
    first = Declaration.objects.get()
    html = client.get(r["Location"]).content.decode()
    assert "低于2020-02的缴费基数下限" in html and "提交月报并核定应缴" not in html
    assert people["张三"].id_number not in html and people["张三"].id_number_masked in html
    with unchanged(Contribution, Due):
        client.post(f"/office/declarations/{first.pk}/act/", {"do": "commit"})
    client.post(f"/office/declarations/{first.pk}/act/", {"do": "discard"})
    first.refresh_from_db()
    assert first.status == Declaration.Status.DISCARDED

    good = io.BytesIO(csv_bytes(good_lines(people)))
    good.name = "r.csv"
    r = client.post("/office/declarations/", {"credit_code": employer.credit_code, "month": MONTH, "file": good})
    second = Declaration.objects.exclude(pk=first.pk).get()
    html = client.get(r["Location"]).content.decode()
    assert "提交月报并核定应缴" in html and "无误" in html
    r = client.post(f"/office/declarations/{second.pk}/act/", {"do": "commit"})
    second.refresh_from_db()
    assert second.status == Declaration.Status.COMMITTED
    assert Due.objects.filter(employer=employer, month=MONTH).count() == 5
    assert "已核定应缴费款" in client.get(r["Location"]).content.decode()


def test_the_page_refuses_a_missing_file_and_another_districts_employer(world, clerk_haidian, client):
    employer, people = world
    client.force_login(clerk_haidian)
    with nothing_written():
        r = client.post("/office/declarations/", {"credit_code": employer.credit_code, "month": MONTH})
    assert r.status_code == 400
    html = r.content.decode()
    assert "本区没有该统一社会信用代码的参保单位" in html and "请选择花名册文件" in html


@pytest.mark.parametrize(("cell", "shown"), [
    ("张\x00三", "U+0000"), ("\u202e张三", "U+202E"), ("张\u200b三", "U+200B"), ("张三\x1b", "U+001B"),
])
def test_a_control_character_in_a_cell_is_a_row_error_naming_its_column_and_is_never_stored(
        world, clerk_chaoyang, cell, shown):
    """Review 3, E4: a NUL in a roster name was stored through the staging table's bulk insert (and
    answers 500 on PostgreSQL); a U+202E was stored too."""
    employer, people = world
    lines = [f"{people['张三'].id_number},{cell},在职,8000", f"{people['王五'].id_number},王五,在职,8000\u202e"]
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(lines), filename="r.csv",
                                    actor=clerk_chaoyang)
    rows = {row.line_no: row for row in declaration.lines.all()}
    # where and which (core.inputs.text_problem, one table with the forms: core.invisible)
    assert any(e.startswith("姓名：第") and "位是不可见的" in e and shown in e for e in rows[2].errors), rows[2].errors
    assert any(e.startswith("缴费基数（元）：第5位是不可见的控制字符U+202E") for e in rows[3].errors), rows[3].errors
    assert rows[2].name == "张三"  # kept without the character, beside its error
    for row in declaration.lines.all():
        assert not any(ch in row.name + row.id_number for ch in "\x00\u202e\u200b\x1b")
    assert declaration.error_rows == 2
    with unchanged(Contribution, Due), pytest.raises(CommitRefused):
        declaration_commit(declaration=declaration, actor=clerk_chaoyang)


def test_an_unreadable_workbook_is_refused_without_the_readers_exception_name(world, clerk_chaoyang):
    employer, _people = world
    with nothing_written(), pytest.raises(ValidationError) as refused:
        declaration_stage(employer=employer, month=MONTH, data=b"PK\x03\x04" + bytes(200), filename="r.xlsx",
                          actor=clerk_chaoyang)
    text = " ".join(refused.value.messages)
    assert "无法读取Excel工作簿" in text and "另存为.xlsx" in text
    assert "Error" not in text and "BadZip" not in text and not any("a" <= c.lower() <= "z" for c in
                                                                    text.replace("Excel", "").replace("xlsx", "").replace("CSV", ""))


def test_a_newer_upload_of_the_month_discards_the_staged_ones_before_it(world, clerk_chaoyang):
    """Review 3, E18: every rejected upload stayed staged (33 uploads left 20 on the list)."""
    employer, people = world
    bad = csv_bytes([f"{people['张三'].id_number},张三,在职,100"])
    first = declaration_stage(employer=employer, month=MONTH, data=bad, filename="1.csv", actor=clerk_chaoyang)
    second = declaration_stage(employer=employer, month=MONTH, data=bad, filename="2.csv", actor=clerk_chaoyang)
    other_month = declaration_stage(employer=employer, month="2020-01", data=bad, filename="3.csv",
                                    actor=clerk_chaoyang)
    first.refresh_from_db()
    assert first.status == Declaration.Status.DISCARDED
    assert AuditEvent.objects.filter(model="collection.Declaration", object_pk=str(first.pk),
                                     reason__contains="已重新上传2020-02月报").count() == 1
    third = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)), filename="4.csv",
                              actor=clerk_chaoyang)
    staged = set(Declaration.objects.filter(employer=employer, status=Declaration.Status.STAGED)
                 .values_list("pk", flat=True))
    assert staged == {third.pk, other_month.pk}
    second.refresh_from_db()
    assert second.status == Declaration.Status.DISCARDED and second.lines.count() == 1  # rows kept with it
    with pytest.raises(ValidationError, match="已作废，不能提交"):
        declaration_commit(declaration=second, actor=clerk_chaoyang)
    assert declaration_commit(declaration=third, actor=clerk_chaoyang).status == Declaration.Status.COMMITTED


def test_a_refused_file_leaves_the_staged_upload_of_the_month_alone(world, clerk_chaoyang):
    employer, people = world
    first = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)), filename="1.csv",
                              actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(ValidationError):
        declaration_stage(employer=employer, month=MONTH, data=HEAD.encode(), filename="2.csv", actor=clerk_chaoyang)
    first.refresh_from_db()
    assert first.status == Declaration.Status.STAGED


def test_the_commit_rechecks_by_the_matched_person_without_decrypting_a_number(world, clerk_chaoyang, monkeypatch):
    """The commit re-checks the staged rows by the person each matched on upload (perf: decrypting and
    matching 100,000 numbers again was a third of the commit); the leaver's spell is ended by one
    statement and still audited per spell, old and new month."""
    from shebao.core import crypto

    employer, people = world
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)),
                                    filename="r.csv", actor=clerk_chaoyang)

    decrypt = crypto.decrypt
    numbers = {p.id_number for p in people.values()}

    def decrypt_watched(value):
        plain = decrypt(value)
        assert plain not in numbers, "the commit decrypted a number again"
        return plain

    def refused(*args, **kwargs):
        raise AssertionError("the commit matched a number again")

    monkeypatch.setattr(crypto, "decrypt", decrypt_watched)
    monkeypatch.setattr(crypto, "blind_index", refused)
    declaration = declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    assert declaration.status == Declaration.Status.COMMITTED
    assert {c.person_id for c in Contribution.objects.filter(employer=employer, month=MONTH)} == {
        people["张三"].pk, people["赵六"].pk}
    spell = EmploymentSpell.objects.get(person=people["王五"], employer=employer)
    assert spell.to_month == "2020-01"
    event = AuditEvent.objects.get(model="registry.EmploymentSpell", object_pk=str(spell.pk), action="update")
    assert event.changes == {"to_month": ["", "2020-01"]} and "减员" in event.reason


def test_a_name_changed_between_upload_and_commit_is_caught_at_commit(world, clerk_chaoyang):
    employer, people = world
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)),
                                    filename="r.csv", actor=clerk_chaoyang)
    type(people["张三"]).objects.filter(pk=people["张三"].pk).update(name="张叁")
    with unchanged(Contribution, Due, EmploymentSpell, ledger.Posting), pytest.raises(CommitRefused):
        declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    assert declaration.lines.get(line_no=2).errors == ["姓名：与该证件号码登记的姓名不一致"]
    assert declaration.lines.get(line_no=3).errors == []


def test_a_person_merged_between_upload_and_commit_is_declared_on_the_record_kept(world, clerk_chaoyang):
    employer, people = world
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)),
                                    filename="r.csv", actor=clerk_chaoyang)
    # 赵六 (hired by the roster) turns out to be registered twice: his record is merged into a kept one.
    kept = personas.make_person("赵六", serial=40, birth=dt.date(1984, 1, 1))
    type(kept).objects.filter(pk=people["赵六"].pk).update(merged_into=kept)
    declaration_commit(declaration=declaration, actor=clerk_chaoyang)
    assert EmploymentSpell.objects.filter(person=kept, employer=employer, from_month=MONTH).exists()
    assert Contribution.objects.filter(person=kept, month=MONTH).exists()
    assert not Contribution.objects.filter(person=people["赵六"], month=MONTH).exists()
