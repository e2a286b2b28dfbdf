"""The front desk (0.4 前台接收、后台办理): register a walk-in's application for the back office.

The form asks only what the chosen business needs (its facts in the catalog), shows the rules'
decision before saving, and saves with the form's one-time token as the idempotency key, so a
double click or a resubmitted form registers one application, never two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from shebao.registry import selectors as registry_selectors
from shebao.registry.models import Employer, Person

REFUND_KINDS = [("overpayment", "多缴退费"), ("base_difference", "基数差退费"), ("other", "其他退费")]
PERSON_FIELDS = [
    ("phone", "联系电话"), ("address", "通讯地址"), ("postal_code", "邮政编码"), ("email", "电子邮箱"),
    ("education", "学历"), ("occupation", "职业"), ("bank_account", "银行账户"), ("marital_status", "婚姻状况"),
    ("name", "姓名"), ("id_number", "证件号码"), ("ethnicity", "民族"), ("household_type", "户籍性质"),
    ("contributor_category", "缴费人员类别"), ("cadre_status", "工人转干部"),
]


@dataclass
class FrontDeskForm:
    """What the clerk typed, parsed; `errors` maps a field to its Chinese message."""

    business: Any = None
    applicant_kind: str = ""
    employer: Employer | None = None
    person: Person | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    contact_phone: str = ""
    manual_operation: str = ""
    token: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def needs_person(self) -> bool:
        return self.business is not None and (
            any(f.startswith("person.") for f in self.business.facts) or self.applicant_kind == "person")

    @property
    def needs_employer(self) -> bool:
        return self.business is not None and self.applicant_kind == "employer"


def new_token() -> str:
    return uuid.uuid4().hex


def parse(data: QueryDict, *, user: Any) -> FrontDeskForm:
    from shebao.rules import business as business_entry

    form = FrontDeskForm(token=data.get("token") or new_token())
    code = data.get("business", "")
    if not code:
        return form
    try:
        form.business = business_entry(code)
    except KeyError:
        form.errors["business"] = "请选择业务"
        return form
    kinds = list(form.business.applicants)
    form.applicant_kind = data.get("applicant_kind") if data.get("applicant_kind") in kinds else kinds[0]
    credit = (data.get("credit_code") or "").strip().upper()
    id_number = (data.get("id_number") or "").strip().upper()
    if form.needs_employer:
        if not credit:
            form.errors["credit_code"] = "请填写单位的统一社会信用代码"
        else:
            form.employer = registry_selectors.employer_list(user=user).filter(credit_code=credit).first()
            if form.employer is None:
                form.errors["credit_code"] = "本区没有该统一社会信用代码的参保单位"
    if form.needs_person:
        if not id_number:
            form.errors["id_number"] = "请填写参保人员的证件号码"
        else:
            form.person = registry_selectors.person_list(user=user).filter(id_number=id_number).first()
            if form.person is None:
                form.errors["id_number"] = "本区没有该证件号码的参保人员"
    facts = form.business.facts
    if "period" in facts:
        start, end = (data.get("period_from") or "").strip(), (data.get("period_to") or "").strip()
        if not start or not end:
            form.errors["period"] = "请填写补缴期间的起止月份（YYYY-MM）"
        else:
            form.facts["period"] = {"from": start, "to": end}
    if "refund_kind" in facts:
        kind = data.get("refund_kind", "")
        if kind not in dict(REFUND_KINDS):
            form.errors["refund_kind"] = "请选择退费类型"
        else:
            form.facts["refund_kind"] = kind
    if "fields" in facts:
        chosen = [f for f in data.getlist("fields") if f in dict(PERSON_FIELDS)]
        if not chosen:
            form.errors["fields"] = "请选择要变更的信息项"
        else:
            form.facts["fields"] = chosen
    form.contact_phone = (data.get("contact_phone") or "").strip()
    form.manual_operation = (data.get("manual_operation") or "").strip()
    return form
