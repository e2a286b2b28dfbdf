"""Undoing a merge from the staff pages (issue 16: the service `registry.merge.person_unmerge` and the API
had no button). A reviewer opens the merged record, sees the merge and exactly what goes back, gives a
reason and confirms; the rows go back, the merge is marked undone and audited. A clerk gets no button
and a 403; a refusal is said in Chinese at its input with nothing changed; a merge made before merges
recorded their rows says why it cannot be undone."""

from __future__ import annotations

import pytest

from shebao.core.models import AuditEvent
from shebao.registry import merge
from shebao.registry.models import Contribution, EmploymentSpell, Person, PersonMerge
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.registry.test_person_merge import twice_of

pytestmark = pytest.mark.django_db
REASON = "合并方向有误，经核实为两人"


@pytest.fixture
def merged(reviewer_chaoyang, employer_chaoyang):
    """李四 registered twice; the second record (two contributions, a spell) merged into the first."""
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    for month in ("2019-02", "2019-03"):
        contribution(twice, employer_chaoyang, month, 800_000)
    EmploymentSpell.objects.create(person=twice, employer=employer_chaoyang, from_month="2019-02")
    merge.person_merge(actor=reviewer_chaoyang, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    return holder, Person.objects.get(pk=twice.pk)


def test_a_reviewer_sees_what_goes_back_and_undoes_the_merge(client, reviewer_chaoyang, merged):
    holder, twice = merged
    client.force_login(reviewer_chaoyang)
    page = client.get(f"/persons/{twice.pk}/").content.decode()
    assert 'id="unmerge-link"' in page and f"/persons/{twice.pk}/unmerge/" in page
    kept_page = client.get(f"/persons/{holder.pk}/").content.decode()
    assert 'id="person-merges"' in kept_page and f"/persons/{twice.pk}/unmerge/" in kept_page  # the history
    r = client.get(f"/persons/{twice.pk}/unmerge/")
    html = r.content.decode()
    assert r.status_code == 200 and f"人员#{holder.pk}" in html and "核实身份证原件，为同一人" in html
    assert "缴费记录" in html and "2019-02" in html and "2019-03" in html and 'id="unmerge-form"' in html
    assert holder.id_number not in html  # numbers masked

    r = client.post(f"/persons/{twice.pk}/unmerge/", {"reason": REASON, "confirm": "1"})
    assert r.status_code == 302 and r["Location"] == f"/persons/{twice.pk}/"
    twice.refresh_from_db()
    assert twice.merged_into_id is None
    assert Contribution.objects.filter(person=twice).count() == 2 and EmploymentSpell.objects.filter(person=twice).count() == 1
    record = PersonMerge.objects.get()
    assert record.undone_at is not None and record.undo_reason == REASON
    events = AuditEvent.objects.filter(model="registry.Person", reason=REASON)
    assert {e.object_pk for e in events} == {str(twice.pk), str(holder.pk)}
    page = client.get(r["Location"]).content.decode()
    assert f"已撤销人员#{twice.pk}并入人员#{holder.pk}的合并：3条记录已退回本人员" in page
    assert "已撤销（" in page and 'id="unmerge-link"' not in page


@pytest.mark.parametrize(("data", "field", "said"), [
    ({"reason": "", "confirm": "1"}, "reason", "请填写撤销合并理由（至少4个字）"),
    ({"reason": "错了", "confirm": "1"}, "reason", "请填写撤销合并理由（至少4个字）"),
    ({"reason": "x" * 201, "confirm": "1"}, "reason", "撤销合并理由不能超过200个字符（现为201个）"),
    ({"reason": REASON}, "confirm", "请勾选确认"),
])
def test_a_refused_undo_is_said_at_its_input_and_changes_nothing(client, reviewer_chaoyang, merged, data, field,
                                                                 said):
    _, twice = merged
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(f"/persons/{twice.pk}/unmerge/", data)
    html = r.content.decode()
    assert r.status_code == 400 and said in html
    assert f'aria-invalid="true" aria-describedby="error-{field}"' in html and f'id="error-{field}"' in html
    twice.refresh_from_db()
    assert twice.merged_into_id is not None


def test_a_clerk_gets_no_button_and_a_403(client, clerk_chaoyang, merged):
    holder, twice = merged
    client.force_login(clerk_chaoyang)
    page = client.get(f"/persons/{twice.pk}/").content.decode()
    assert "本记录为重复登记" in page and "撤销合并…" not in page and "/unmerge/" not in page
    assert "/unmerge/" not in client.get(f"/persons/{holder.pk}/").content.decode()
    r = client.get(f"/persons/{twice.pk}/unmerge/")
    assert r.status_code == 403 and "无权撤销参保人员合并" in r.content.decode()
    for data in ({"reason": REASON, "confirm": "1"}, {"reason": REASON}):
        with nothing_written():
            r = client.post(f"/persons/{twice.pk}/unmerge/", data)
        assert r.status_code == 403 and "无权" in r.content.decode()
    twice.refresh_from_db()
    assert twice.merged_into_id == holder.pk


def test_a_merge_made_before_rows_were_recorded_says_why_it_cannot_be_undone(client, reviewer_chaoyang, merged):
    holder, twice = merged
    PersonMerge.objects.all().delete()  # as a merge made before PersonMerge existed
    client.force_login(reviewer_chaoyang)
    html = client.get(f"/persons/{twice.pk}/unmerge/").content.decode()
    assert "系统逐条记录迁移明细之前" in html and "不能自动撤销" in html and 'id="unmerge-form"' not in html
    with nothing_written():
        r = client.post(f"/persons/{twice.pk}/unmerge/", {"reason": REASON, "confirm": "1"})
    assert r.status_code == 409 and "不能撤销合并：" in r.content.decode()
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk


def test_the_record_kept_is_not_undone_and_says_which_record_to_undo(client, reviewer_chaoyang, merged):
    holder, twice = merged
    client.force_login(reviewer_chaoyang)
    html = client.get(f"/persons/{holder.pk}/unmerge/").content.decode()
    assert "是合并时保留的记录，本身未被合并" in html and f"人员#{twice.pk}" in html and 'id="unmerge-form"' not in html
