"""Writes of rights statements (个人权益记录单, 4.1): a person's rights record printed with a
verification code that anyone can check on the public page (/public/rights-statements/).

* `rights_statement_issue`: stores what is stated (lines, totals, SHA-256) with a fresh code, in one
  transaction with its audit row. Staff at the counter print it for a person of their district;
  the person prints their own from the portal (never another's).

Refusals: `ActionRefused` (role, district) before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shebao.collection.models import RightsStatement
from shebao.collection.selectors import person_records_from, rights_statement_content
from shebao.core import clock
from shebao.core.audit import audit_create
from shebao.core.codes import new_verification_code
from shebao.core.inputs import check_business_date
from shebao.core.periods import check_period
from shebao.core.permissions import ActionRefused, PortalActor, actor_label, portal_may_act_on, require
from shebao.core.policy import current_policy
from shebao.registry.models import Person


def _content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode()).hexdigest()


def rights_statement_issue(*, actor: Any, person: Person, as_of: dt.date | None = None) -> RightsStatement:
    """A new statement of `person`'s rights record up to `as_of` (default: today, the business date).

    The content is `collection.selectors.rights_statement_content` (months, bases and amounts by
    insurance type; months made up in the 0.3 window shown as on time) as of that day, kept as issued.
    Staff need `rights_statement.issue` within the person's district; in the portal, a person prints
    their own only (`portal_may_act_on`). Raises ActionRefused before anything is written; ValidationError
    for an ``as_of`` after today, before the plausible business dates (core.inputs) or before the
    person's first contribution month (core.periods: a statement of nothing).
    """
    portal = isinstance(actor, PortalActor)
    require(actor, "rights_statement.issue", district_id=None if portal else person.district_id)
    if portal and not portal_may_act_on(actor, employer_id=None, person_id=person.pk):
        raise ActionRefused("只能打印本人的个人权益记录单", "a person prints their own rights statement only",
                            action="rights_statement.issue")
    as_of = as_of or clock.today()
    if as_of > clock.today():
        raise ValidationError({"as_of": "权益记录单的截止日不能晚于今天"})
    check_business_date(as_of, label="权益记录单的截止日", field="as_of")  # 0001-01-01 was issued as 真实
    check_period(as_of, as_of, label="权益记录单的截止日", today=clock.today(), field="as_of",
                 first=person_records_from(person), first_what="本人最早的缴费记录")  # E14: before any record
    content = rights_statement_content(person=person, as_of=as_of, policy=current_policy())
    months = [line["month"] for line in content["lines"]]
    digest = _content_sha256(content)
    label = actor_label(actor)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                statement = RightsStatement.objects.create(
                    person=person, code=new_verification_code(), as_of=as_of,
                    first_month=min(months, default=""), last_month=max(months, default=""),
                    content=content, content_sha256=digest,
                    channel=RightsStatement.Channel.PORTAL if portal else RightsStatement.Channel.OFFICE,
                    issued_at=clock.now(), issued_by_label=label)
                audit_create(actor=actor, instance=statement,
                             reason=f"出具个人权益记录单（截至{as_of:%Y-%m-%d}，{len(months)}条缴费记录）")
            return statement
        except IntegrityError:  # two codes collided (one chance in 10^17): draw another
            continue
    raise RuntimeError("could not draw a unique statement code")  # pragma: no cover
