"""Monthly declarations (月报) uploaded by the employer from the portal (issue 15): the same roster
file, staging and row checks as the office page (collection.declarations), committed all or nothing
into spells, contributions and dues; made by the employer's own accounts for its own employer only."""

from __future__ import annotations

import io

import pytest

from shebao.collection.declarations import declaration_stage
from shebao.collection.models import Declaration, Due
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.portal.access import employer_actor
from shebao.registry.models import Contribution, EmploymentSpell
from tests.collection.test_declarations import MONTH, business_date, csv_bytes, good_lines, world  # noqa: F401
from tests.nothing_written import nothing_written
from tests.portal.conftest import make_admin, sign_in_employer

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, month: str = "2020-02"):
    f = io.BytesIO(data)
    f.name = "花名册.csv"
    return client.post("/portal/employer/declarations/", {"month": month, "file": f})


def test_the_employer_uploads_sees_its_rows_and_commits_into_its_dues(client, settings, world):  # noqa: F811
    employer, people = world
    admin = make_admin(employer)
    sign_in_employer(client, settings, admin)
    assert "单位月报" in client.get("/portal/employer/").content.decode()
    r = upload(client, csv_bytes(good_lines(people)), month="２０２０年２月")
    declaration = Declaration.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/portal/employer/declarations/{declaration.pk}/"
    assert (declaration.month, declaration.rows, declaration.error_rows) == (MONTH, 3, 0)
    assert declaration.staged_by_label.startswith("网上办事：单位管理员 boss")
    page = client.get(r["Location"]).content.decode()
    assert "检查无误" in page and "提交月报" in page and people["张三"].id_number not in page
    r = client.post(f"/portal/employer/declarations/{declaration.pk}/act/", {"do": "commit"})
    assert r.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == "committed" and declaration.amount_fen > 0
    assert EmploymentSpell.objects.get(person=people["赵六"], employer=employer).from_month == MONTH
    assert Contribution.objects.filter(employer=employer, month=MONTH).count() == 2
    assert sum(Due.objects.filter(employer=employer, month=MONTH).values_list("amount_fen", flat=True)) == \
        declaration.amount_fen
    event = AuditEvent.objects.filter(model="collection.Declaration", object_pk=str(declaration.pk)).latest("pk")
    assert event.actor is None and event.actor_label.startswith("网上办事：")
    assert f"{MONTH} 月报" in client.get("/portal/employer/declarations/").content.decode()


def test_row_errors_are_shown_and_nothing_is_committed(client, settings, world):  # noqa: F811
    employer, people = world
    sign_in_employer(client, settings, make_admin(employer))
    r = upload(client, csv_bytes([f"{people['李四'].id_number},李四,在职,8000"]))
    declaration = Declaration.objects.get()
    page = client.get(r["Location"]).content.decode()
    assert declaration.error_rows == 1 and "1行错误" in page and "不在本单位参保" in page and "提交月报" not in page
    with nothing_written():
        r = client.post(f"/portal/employer/declarations/{declaration.pk}/act/", {"do": "commit"}, follow=True)
    assert "1行错误" in r.content.decode()
    assert not Contribution.objects.filter(month=MONTH).exists()


def test_a_file_that_cannot_be_staged_is_refused_on_the_page_with_nothing_stored(client, settings, world):  # noqa: F811
    employer, _ = world
    sign_in_employer(client, settings, make_admin(employer))
    with nothing_written():
        r = upload(client, "姓名\n张三\n".encode())
        missing = client.post("/portal/employer/declarations/", {"month": MONTH})
    assert r.status_code == 400 and "证件号码" in r.content.decode()
    assert missing.status_code == 400 and "请选择花名册文件" in missing.content.decode()


def test_an_account_declares_for_its_own_employer_only(world, employer_haidian):  # noqa: F811
    employer, people = world
    other = make_admin(employer_haidian, login="hdboss", mobile="13800138001")
    with nothing_written(), pytest.raises(ActionRefused):
        declaration_stage(employer=employer, month=MONTH, data=csv_bytes(good_lines(people)), filename="x.csv",
                          actor=employer_actor(other))


def test_the_form_offers_only_months_that_can_be_declared_and_asks_again_for_the_file(client, settings, world):  # noqa: F811
    """Review 3, U7: the pre-filled month 2020-02 was already assessed and 2020-03 is later than this
    month, so the demo employer could declare nothing; the file chosen was dropped without a word."""
    from tests.collection.conftest import book_due, contribution

    employer, people = world
    sign_in_employer(client, settings, make_admin(employer))
    book_due(employer, "2020-02", 1000)  # this month assessed already
    contribution(people["张三"], employer, "2020-01", 800_000)  # contributed
    page = client.get("/portal/employer/declarations/").content.decode()
    from shebao.collection.declarations import declarable_months

    oldest = declarable_months(employer=employer)[-1]  # the oldest open month is chosen (review-user5 F9)
    assert f'<option value="{oldest}" selected>' in page and 'value="2019-12"' in page
    assert 'value="2020-02"' not in page and 'value="2020-01"' not in page and 'value="2020-03"' not in page
    with nothing_written():
        refused = upload(client, csv_bytes(good_lines(people)), month="2020-01")
    html = refused.content.decode()
    assert refused.status_code == 400 and "2020-01已有缴费记录，不能再申报" in html
    assert "请重新选择花名册文件" in html and 'aria-describedby="file-again"' in html


def test_an_employer_with_nothing_left_to_declare_is_told_so(client, settings, world):  # noqa: F811
    from shebao.collection.declarations import declarable_months
    from shebao.rules.dates import month_add
    from tests.collection.conftest import contribution

    employer, _people = world
    sign_in_employer(client, settings, make_admin(employer))
    for i in range(13):
        contribution(_people["张三"], employer, month_add("2020-02", -i), 800_000)
    assert declarable_months(employer=employer) == []
    page = client.get("/portal/employer/declarations/").content.decode()
    assert "暂无可申报的月份" in page and "<select" not in page
    # No upload form at all when nothing can be declared (review-user5 F9), and the reason said once.
    assert 'type="file"' not in page and "上传并检查" not in page and 'name="month"' not in page
    assert page.count("暂无可申报的月份") == 1 and employer.name + "2020-02" not in page


def test_an_empty_list_past_its_end_says_it_is_empty_not_last_page(client, settings, admin_chaoyang):
    """review-user7 F11: an employer with no declarations at ?page=999 read 没有第999页：共1页，下面是最后一页
    above 还没有上传过月报; an empty list has no last page to point at."""
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.get("/portal/employer/declarations/", {"page": "999"})
    page = r.content.decode()
    assert r.status_code == 200
    assert "page-beyond" not in page and "最后一页" not in page
    assert "还没有上传过月报" in page


def test_the_declarations_page_reads_the_first_declarable_month_once(client, settings, admin_chaoyang):
    """On a contributions table of 240 monthly partitions each read of the employer's first month spends
    ~35 ms planning (bench/bench_portal.py): the page reads it once, for the form and the months offered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.portal.conftest import sign_in_employer

    sign_in_employer(client, settings, admin_chaoyang)
    client.get("/portal/employer/declarations/")
    with CaptureQueriesContext(connection) as q:
        assert client.get("/portal/employer/declarations/").status_code == 200
    firsts = [x["sql"] for x in q.captured_queries
              if 'FROM "registry_contribution"' in x["sql"] and "ORDER BY" in x["sql"] and "LIMIT 1" in x["sql"]]
    assert len(firsts) == 1, firsts
