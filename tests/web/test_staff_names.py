"""Pages show staff by name, not by login (review-user3 U13: "chaoyang_review" on a payroll run, a
refund file, a deferral). Stored labels keep the username (the audit search's key); templates render
them through {% staff_name %}."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"


def test_no_template_prints_an_actor_label_raw():
    raw = re.compile(r"\{\{\s*[\w.]+_by_label\b")
    found = [f"{p.relative_to(SRC)}:{n}" for p in sorted(SRC.rglob("templates/**/*.html"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert found == []


@pytest.mark.django_db
def test_a_username_label_shows_the_staff_members_name_and_a_system_label_shows_as_it_is(
        reviewer_chaoyang, django_assert_max_num_queries):
    page = Template("{% load labels %}{% staff_name a %}|{% staff_name a %}|{% staff_name b %}|{% staff_name c %}")
    with django_assert_max_num_queries(2):  # one lookup per distinct label
        out = page.render(Context({"a": reviewer_chaoyang.username, "b": "系统作业：银行扣款批次", "c": ""}))
    name = reviewer_chaoyang.display_name
    assert name and name != reviewer_chaoyang.username
    assert out == f"{name}|{name}|系统作业：银行扣款批次|"
