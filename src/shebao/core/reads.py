"""The trail of reads of personal data (issue 16 §4): who read whose data, what, when, and why where
asked, in the append-only `PersonalDataAccess` (the same log as the recorded "reveal" of a full value).

Every front end that shows one person's data records the read here, in the request that shows it: a
person's page, their rights record, a case that names them, a document of such a case, an API answer
about them. The rows are never changed or deleted by the application (core.models.AppendOnlyModel),
so they are kept at least the 184 days the issue asks for; auditors query them at /office/reads/
(backoffice.reads).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from shebao.core.models import PersonalDataAccess


def personal_data_read(*, actor: Any, subject: models.Model | None, what: str, reason: str = ""
                       ) -> PersonalDataAccess | None:
    """Record that `actor` (a signed-in staff account) read `subject`'s personal data.

    `subject` is the person (registry.Person) whose data was shown, or None (nothing personal: nothing
    recorded); `what` says what was read, in Chinese, e.g. "人员信息页" or "申请#12" (50 characters);
    `reason` is the reason the reader gave, where one was asked. Returns the row written.
    """
    if subject is None or not getattr(actor, "is_authenticated", False):
        return None
    return PersonalDataAccess.objects.create(
        actor=actor, model=subject._meta.label, object_pk=str(subject.pk),
        subject_label=str(getattr(subject, "name", "") or subject.pk)[:150], field=what[:50], reason=reason[:200],
    )
