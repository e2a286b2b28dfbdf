"""A case's history as people read it: one selector for the portal (the insured person's and the
employer's case page) and the back office (review-user9 F2: an upload showed on the person's page as
a second bare "审核中", the state it left unchanged).

Every row of `CaseTransition` becomes one `TimelineEntry` that names what happened in Chinese: a step
of the workflow (已受理, 审批通过 …, with the state it led to) or an event that leaves the state as it
was (材料已上传：文件名, 已补交, 提前上传的材料已收取, 电话核实已完成, 退回补正 …). The applicant reads no staff member's name
and none of the staff's own notes (a phone number, a figure, a flag's wording); staff read both.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from shebao.cards.card_words import CARD_ORDERED_ZH
from shebao.cases.models import ApplicantKind, Case, CaseTransition, OwedDocument, PhoneCheck, Status
from shebao.collection.refund_words import REFUND_NOT_PAID_ZH

# The steps of the workflow table (cases.workflows), as done.
STEP_NAMES: dict[str, str] = {
    "submit": "提交申请", "accept": "已受理", "approve": "审批通过", "complete": "已办结", "reject": "已驳回",
    "resume": "恢复办理", "district_receive": "区中心已收件", "district_review": "区中心审核通过",
    "mail_to_center": "已寄送市中心", "center_receive": "市中心已收件",
}
# The events that leave the state as it was (cases.services._record_event), named without their detail.
EVENT_NAMES: dict[str, str] = {
    "document": "材料已上传", "owed_answered": "已补交", "data_exchange": "已通过数据共享补正",
    "document_review": "材料已审核", "phone_check": "电话核实已完成", "commitment_letter": "承诺书已签署",
    "documents_due": "补交期限已确定", "assessment": "经办机构已核定", "details_correct": "补正申请内容",
    "flag": "经办记录", "card_progress": "社会保障卡进度",
}
# Where the back office says it in its own words.
STAFF_NAMES: dict[str, str] = {"submit": "登记申请", "flag": "7.4标记"}

# The notes written by cases.services, read back for the name they carry.
_DOCUMENT_NOTE = re.compile(r"^(?P<name>.*)（[^（）]*，SHA-256 [0-9a-f]{12}…）$", re.S)
# cases.services.owed_answered_note: an upload that answered an item owed (补交), or one made before the
# item was owed (提前上传); rows written before review-user10 F5 said 以已上传的材料…补正 for both.
_ANSWERED_NOTE = re.compile(r"^应补材料“(?P<owed>.*)”以(?:已)?上传的材料“(?P<doc>.*)”(?:补正|补交)$", re.S)
_ADVANCE_NOTE = re.compile(r"^应交材料“(?P<owed>.*)”由提前上传的材料“(?P<doc>.*)”提交，无需补交$", re.S)


@dataclass(frozen=True)
class TimelineEntry:
    """One step of the history: ``at`` (aware datetime), ``action`` (the row's code), ``label`` (what
    happened, Chinese, with the document or item it concerns), ``status_zh`` (the state it led to,
    ``""`` when the state stayed), ``from_zh`` (the state before, staff only), ``by_zh`` (who: 本人 /
    本单位 / 经办机构 for the applicant; the staff member or 系统 for staff), ``detail`` (what the reader
    may read besides: the refusal's reason, the due date; for staff the row's whole note)."""

    at: dt.datetime
    action: str
    label: str
    status_zh: str
    from_zh: str
    by_zh: str
    detail: str




def _status(code: str) -> str:
    return Status(code).label if code in Status.values else ""


def _applied_by_portal(t: CaseTransition) -> bool:
    return t.actor_id is None and t.actor_label.startswith("网上办事")


def _by(t: CaseTransition, case: Case, *, staff: bool) -> str:
    if staff:
        if t.actor_id:
            return str(t.actor)
        return "系统" if t.actor_label in ("", "system") else t.actor_label
    if _applied_by_portal(t):
        return "本单位" if case.applicant_kind == ApplicantKind.EMPLOYER else "本人"
    return "经办机构"


def _label(t: CaseTransition, *, staff: bool) -> tuple[str, str]:
    """What happened (Chinese) and what the applicant may read besides it."""
    note = t.note or ""
    name = (STAFF_NAMES.get(t.action) if staff else None) or STEP_NAMES.get(t.action) or EVENT_NAMES.get(t.action)
    if t.action == "document":
        m = _DOCUMENT_NOTE.match(note)
        return (f"材料已上传：{m['name']}" if m else "材料已上传"), ""
    if t.action == "owed_answered":
        if m := _ADVANCE_NOTE.match(note):
            return f"提前上传的材料已收取：{m['owed']}", f"已提前上传的“{m['doc']}”即为所需材料，无需补交"
        m = _ANSWERED_NOTE.match(note)
        return (f"已补交：{m['owed']}" if m else "已补交"), (f"以上传的材料“{m['doc']}”补交" if m else "")
    if t.action == "data_exchange":
        owed = note.split("：", 1)[0]
        return (f"已通过数据共享补正：{owed}" if owed else "已通过数据共享补正"), ""
    if t.action == "document_review":
        owed, _, rest = note.partition("：")
        if rest.startswith(OwedDocument.State.REFUSED.label):
            reason = rest.removeprefix(OwedDocument.State.REFUSED.label).strip()
            return f"退回补正：{owed}", (f"审核意见：{reason}" if reason else "")
        if rest.startswith(OwedDocument.State.ACCEPTED.label):
            return f"材料审核通过：{owed}", ""
        return "材料已审核", ""
    if t.action == "phone_check":
        if PhoneCheck.Outcome.DENIED.label in note:
            return "电话核实：本人否认申请", ""
        if PhoneCheck.Outcome.NOT_REACHED.label in note:
            return "电话核实未接通", ""
        return "电话核实已完成", ""
    if t.action == "documents_due":
        return "补交期限已确定", note
    if t.action == "card_progress":  # the note is the applicant's own sentence (cards.services)
        return note.split("，", 1)[0] if note else "社会保障卡进度", note.split("，", 1)[1] if "，" in note else ""
    if t.action == "reject":
        return "已驳回", (f"理由：{note}" if note else "")
    if name is None:
        # A row of an action this module does not know yet: named by its state, never by its code.
        return ("办理进展" if t.from_status == t.to_status else f"状态变更为“{_status(t.to_status)}”"), ""
    return name, ""


def case_timeline(case: Case, *, staff: bool = False) -> list[TimelineEntry]:
    """The case's history, oldest first, as the applicant (``staff=False``: the portal) or the back
    office (``staff=True``) reads it. One query (the rows and their staff accounts)."""
    rows = CaseTransition.objects.filter(case=case).select_related("actor").order_by("at", "pk")

    def state(code: str) -> str:
        # A refund's workflow ends at its approval, with nothing paid yet: its history says 已核准，待退款
        # there, the refund's own words when approved (review-user13 F1: 审批通过（审核中 → 已办结）;
        # review-user14 (4): 审核中 → 已核准 under a badge reading 已核准，待退款).
        if code == Status.COMPLETED and case.business == "refund":
            return REFUND_NOT_PAID_ZH
        if code == Status.COMPLETED and case.business == "card_replacement":  # the card is ordered (review-user14 (5))
            return CARD_ORDERED_ZH
        return _status(code)

    out = []
    for t in rows:
        label, detail = _label(t, staff=staff)
        changed = t.from_status != t.to_status
        out.append(TimelineEntry(
            at=t.at, action=t.action, label=label, status_zh=state(t.to_status) if changed else "",
            from_zh=state(t.from_status) if changed else "", by_zh=_by(t, case, staff=staff),
            detail=(t.note or "") if staff else detail))
    return out
