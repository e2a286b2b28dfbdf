"""A run's or a job's number tells nothing to someone who may not see it (issue 16 §3): an existing
and a missing assessment run, assessment job or deduction run answer alike, and the desk still
gets its rows or 404."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pytest
from django.urls import reverse

from shebao.collection.models import AssessmentJob, AssessmentRun, DeductionRun

pytestmark = pytest.mark.django_db


def _empty_figures() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((0, len(AssessmentRun.FIGURE_COLUMNS)), dtype=np.int64), allow_pickle=False)
    return buffer.getvalue()


def same_page(html: bytes) -> str:
    """What the page says (its main part: the top bar links back to the page's own address)."""
    return re.search(r"<main.*</main>", html.decode(), re.S).group(0)


def city_objects() -> dict[str, int]:
    run = AssessmentRun.objects.create(as_of=dt.date(2020, 6, 30), policy_name="p", policy_version="1", dues=0,
                                       employers_in_arrears=0, arrears_fen=0, late_fee_fen=0, waived_fen=0,
                                       seconds=0.1, figures=_empty_figures())
    job = AssessmentJob.objects.create(as_of=dt.date(2020, 6, 30), status="running", requested_by_label="x")
    deduction = DeductionRun.objects.create(created_by_label="test")
    return {"assessment_run": run.pk, "assessment_job": job.pk, "deduction_run": deduction.pk,
            "deduction_file_download": deduction.pk, "deduction_file_checksum": deduction.pk}




@pytest.mark.parametrize("method", ["get", "post"])
def test_existing_and_missing_run_numbers_answer_alike(client, clerk_chaoyang, method):
    objects = city_objects()
    client.force_login(clerk_chaoyang)
    names = list(objects) if method == "get" else []
    if method == "post":
        names, objects = ["deduction_run_retry"], {"deduction_run_retry": objects["deduction_run"]}
    for name in names:
        existing = getattr(client, method)(reverse(f"collection:{name}", args=[objects[name]]))
        absent = getattr(client, method)(reverse(f"collection:{name}", args=[objects[name] + 10_000]))
        assert existing.status_code == absent.status_code == 403, name
        assert same_page(existing.content) == same_page(absent.content), name
    assert DeductionRun.objects.count() == 1  # nothing retried


def test_the_desk_still_gets_its_runs_or_404(client, collection_clerk):
    objects = city_objects()
    client.force_login(collection_clerk)
    for name in ("assessment_run", "assessment_job", "deduction_run"):
        assert client.get(reverse(f"collection:{name}", args=[objects[name]])).status_code == 200, name
        assert client.get(reverse(f"collection:{name}", args=[objects[name] + 10_000])).status_code == 404, name
