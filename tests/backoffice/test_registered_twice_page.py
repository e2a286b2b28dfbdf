"""The staff page of people registered twice (issue 16): who may merge (a reviewer of the district, the
center) sees the pairs of their districts, masked and paged, and merges one with a reason; a clerk is
refused; a conflict or a missing reason is told at the pair in Chinese and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, Person
from tests import personas
from tests.collection.conftest import contribution
from tests.registry.test_person_merge import snapshot, twice_of

pytestmark = pytest.mark.django_db
URL = "/persons/registered-twice/"


def test_the_address_is_named():
    assert reverse("web:persons_registered_twice") == URL


def test_a_reviewer_sees_the_pairs_of_the_district_masked_and_a_clerk_is_refused(client, reviewer_chaoyang,
                                                                                   clerk_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    elsewhere = personas.make_person("王五", district_code="110108", serial=6)
    twice_of(elsewhere)  # a pair of 海淀
    client.force_login(clerk_chaoyang)
    r = client.get(URL)
    assert r.status_code == 403 and "无权合并重复登记的参保人员" in r.content.decode()
    client.force_login(reviewer_chaoyang)
    r = client.get(URL)
    page = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"] and "no-store" in r["Cache-Control"]
    assert f'id="pair-{twice.pk}-{holder.pk}"' in page and "共1组" in page
    assert "王五" not in page  # another district's pair is not shown
    assert holder.id_number not in page and twice.id_number not in page and holder.id_number_masked in page
    assert "护照" in page and "居民身份证" in page
    assert "重复登记人员（核实与合并）" in client.post(reverse("web:person_search"), {"q": "李四"}).content.decode()


def test_a_merge_from_the_page_moves_the_rows_and_marks_the_other(client, reviewer_chaoyang, employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    contribution(twice, employer_chaoyang, "2019-02", 800_000)
    client.force_login(reviewer_chaoyang)
    r = client.post(URL, {"pair": f"{twice.pk}-{holder.pk}", "keep": str(holder.pk), "reason": "核实身份证原件，为同一人"})
    assert r.status_code == 302 and r["Location"] == URL
    twice.refresh_from_db()
    assert twice.merged_into_id == holder.pk
    assert list(Contribution.objects.filter(month="2019-02").values_list("person", flat=True)) == [holder.pk]
    assert AuditEvent.objects.filter(model="registry.Person", object_pk=str(twice.pk), actor=reviewer_chaoyang,
                                     changes__merged_into=[None, holder.pk]).exists()
    page = client.get(URL).content.decode()
    assert f"已将人员#{twice.pk}合并至人员#{holder.pk}" in page and "没有发现重复登记的人员" in page
    detail = client.get(reverse("web:person_detail", args=[twice.pk])).content.decode()
    assert "本记录为重复登记" in detail and f"人员#{holder.pk}" in detail


def test_a_conflict_or_no_reason_is_told_at_the_pair_and_changes_nothing(client, reviewer_chaoyang,
                                                                        employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    for p in (holder, twice):
        contribution(p, employer_chaoyang, "2019-05", 800_000)
    before = snapshot(holder, twice)
    client.force_login(reviewer_chaoyang)
    pair = f"{twice.pk}-{holder.pk}"
    r = client.post(URL, {"pair": pair, "keep": str(holder.pk), "reason": "核实身份证原件"})
    page = r.content.decode()
    assert r.status_code == 409
    assert f'id="merge-error-{pair}"' in page and "同一单位同一月份都有缴费记录" in page and "2019-05" in page
    r = client.post(URL, {"pair": pair, "keep": str(holder.pk), "reason": ""})
    assert r.status_code == 400 and "请填写合并理由" in r.content.decode()
    assert f'aria-invalid="true" aria-describedby="merge-error-{pair}"' in r.content.decode()
    r = client.post(URL, {"pair": "1-2", "keep": "1", "reason": "核实身份证原件"})
    assert r.status_code == 400 and "请选择要保留的记录" in r.content.decode()
    assert snapshot(holder, twice) == before


def test_the_pairs_are_paged(client, municipal_admin):
    for n in range(21):
        twice_of(personas.make_person(personas.numbered("人员", f"{n:02d}"), serial=100 + n))
    client.force_login(municipal_admin)
    first = client.get(URL).content.decode()
    assert first.count('<tr id="pair-') == 20 and "下一页" in first and "共21组" in first
    second = client.get(URL, {"page": "2"}).content.decode()
    assert second.count('<tr id="pair-') == 1 and "上一页" in second
    beyond = client.get(URL, {"page": "9"}).content.decode()
    assert "没有第9页：共2页" in beyond and beyond.count('<tr id="pair-') == 1
    assert client.get(URL, {"page": "abc"}).status_code == 400
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_the_record_kept_is_the_citizen_id_one_and_a_long_reason_is_said_not_cut(client, reviewer_chaoyang):
    """review-user8 F1 / review-input8 F2: keeping the 护照 record left the citizen ID on the merged shell;
    review-input8 F6: a 5000-character reason was stored as 200."""
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    before = snapshot(holder, twice)
    client.force_login(reviewer_chaoyang)
    pair = f"{twice.pk}-{holder.pk}"
    page = client.get(URL).content.decode()
    # Only the citizen ID's record is offered to keep, and the page says why the two were paired.
    assert f'name="keep" value="{holder.pk}"' in page and f'name="keep" value="{twice.pk}"' not in page
    assert "证件号码相同（15位与18位号码）、姓名相同、出生日期相同" in page and "性别相同" in page
    r = client.post(URL, {"pair": pair, "keep": str(twice.pk), "reason": "核实护照原件"})
    assert r.status_code == 409 and f"人员#{holder.pk}以有效的居民身份证号码登记，应保留该记录" in r.content.decode()
    r = client.post(URL, {"pair": pair, "keep": str(holder.pk), "reason": "x" * 5000})
    assert r.status_code == 400 and "合并理由不能超过200个字符（现为5000个）" in r.content.decode()
    r = client.post(URL, {"pair": pair, "keep": str(holder.pk), "reason": "核实\u200b身份证原件"})
    assert r.status_code == 400 and "合并理由第3位是不可见的字符U+200B" in r.content.decode()
    assert snapshot(holder, twice) == before
    assert not AuditEvent.objects.filter(model="registry.Person", changes__has_key="merged_into").exists()


def test_two_different_citizen_ids_with_one_name_and_birthday_are_two_people(client, reviewer_chaoyang):
    """review-user8 F5: a 15-digit number of another card holder, same name and birthday, was merged."""
    holder = personas.make_person("李四", serial=5)
    other = personas.make_person("李四", serial=7)  # same name and birth date, another sequence number
    assert other.birth_date == holder.birth_date and other.id_number != holder.id_number
    Person.objects.filter(pk=other.pk).update(id_type="passport", id_number=other.id_number[:6] + other.id_number[8:17])
    other = Person.objects.get(pk=other.pk)
    other.save()  # the hash and region follow the number
    before = snapshot(holder, other)
    client.force_login(reviewer_chaoyang)
    pair = f"{other.pk}-{holder.pk}"
    page = client.get(URL).content.decode()
    assert f'id="pair-{pair}"' in page and f'id="merge-refused-{pair}"' in page
    assert "但证件号码是两个不同的居民身份证号码" in page and "属于两个人，不能合并" in page
    assert 'name="keep"' not in page
    for keep in (holder, other):
        r = client.post(URL, {"pair": pair, "keep": str(keep.pk), "reason": "核实证件材料，为同一人"})
        assert r.status_code == 409 and "属于两个人，不能合并" in r.content.decode()
    assert snapshot(holder, other) == before and not Person.objects.exclude(merged_into=None).exists()
