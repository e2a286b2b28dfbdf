"""Money out and doubtful money in decided by two different people (issue 16 §3, maker and checker).

- A money-out bank file is released for sending by a second person: the pension payroll's payment
  file of a run (2.1, `payroll_file_release`) and a refund payment file (1.2c,
  `refund_payment_file_release`). The maker is whoever the audit trail says made it (started or
  built the run, wrote the file); the releaser must be another person, whatever the roles. Until
  released the file is not handed out for the bank (`benefits.payroll.payroll_file_read`,
  `collection.refunds.refund_payment_file_read`) and no bank result is taken for it.
- A remittance whose payer (the statement's payer account or credit code) is a registered employer
  other than the one chosen, or one of another district, is not matched by one person
  (`collection.services.remittance_match` refuses): it is asked for (`remittance_match_request`)
  and a second person approves or declines it (`remittance_match_decide`). The payment is booked
  only on approval.

Every refusal is a Chinese `SecondPersonRequired` (403) or ValidationError raised before anything is
written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from shebao.collection.models import (
    PaymentFileRelease,
    RefundFileDownload,
    RefundPaymentFile,
    RemittanceLine,
    RemittanceMatchRequest,
)
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.crypto import blind_index
from shebao.core.models import AuditEvent
from shebao.core.permissions import actor_label, require
from shebao.registry.models import Employer
from shebao.registry.offices import short_name


def _second_person_required(zh: str) -> Exception:
    from shebao.collection.services import SecondPersonRequired

    return SecondPersonRequired(zh)


def makers(*instances: models.Model) -> set[int]:
    """The ids of the people the audit trail names as having created or changed `instances`."""
    ids: set[int] = set()
    for instance in instances:
        ids.update(AuditEvent.objects.filter(model=instance._meta.label, object_pk=str(instance.pk),
                                             actor__isnull=False).values_list("actor_id", flat=True))
    return ids


def is_released(kind: str, file_pk: Any) -> bool:
    return PaymentFileRelease.objects.filter(kind=kind, file_pk=str(file_pk)).exists()


def bank_send_check(kind: str, file_pk: Any) -> tuple[str, dt.date | None]:
    """Whether the money-out file ``file_pk`` of ``kind`` (PaymentFileRelease.Kind) can have reached
    the bank: released by a second person, then downloaded whole (the payment file, not only its
    checksum) at or after the release. Returns (why not, in Chinese, or "", the release's business
    date or None). A bank result is taken only for such a file (`benefits.payroll.payroll_result_import`,
    `collection.refunds.refund_result_import`): a result for a file that never left the building
    would close a run and post money as paid (review E1); the release date is the earliest payment
    date a result may give (review E2)."""
    release = PaymentFileRelease.objects.filter(kind=kind, file_pk=str(file_pk)).first()
    if release is None:
        return "所在的支付文件未经第二人复核放行，不应已送银行", None
    if kind == PaymentFileRelease.Kind.PAYROLL:
        from shebao.benefits.models import PayrollFileDownload

        downloads = PayrollFileDownload.objects.filter(file_id=file_pk, what=PayrollFileDownload.What.FILE)
    else:
        downloads = RefundFileDownload.objects.filter(file_id=file_pk)
    if not downloads.filter(at__gte=release.released_at).exists():
        return "所在的支付文件复核放行后从未下载，不应已送银行：请先下载支付文件发送银行", None
    return "", timezone.localtime(release.released_at).date()


def _release(*, kind: str, file: models.Model, made_from: list[models.Model], actor: Any, what: str
             ) -> PaymentFileRelease:
    if not getattr(actor, "is_authenticated", False):
        raise _second_person_required(f"{what}须由一名工作人员复核放行，系统作业不能放行")
    made = makers(*made_from)
    if actor.pk in made:
        raise _second_person_required(
            f"{what}属于资金支出，须由生成它以外的另一名工作人员复核放行（经办与复核分离）：您参与了它的生成")
    if is_released(kind, file.pk):
        raise ValidationError(f"{what}已复核放行，无需重复放行")
    from shebao.staff.models import User

    labels = sorted(str(u) for u in User.objects.filter(pk__in=made))
    try:
        with transaction.atomic():
            release = PaymentFileRelease.objects.create(
                kind=kind, file_pk=str(file.pk), made_by_label="、".join(labels)[:150] or "系统作业",
                released_by=actor, released_by_label=actor_label(actor))
            audit_create(actor=actor, instance=release, reason=f"复核放行{what}")
    except IntegrityError:
        raise ValidationError(f"{what}已复核放行，无需重复放行") from None
    return release


@transaction.atomic
def payroll_file_release(*, run: Any, actor: Any) -> PaymentFileRelease:
    """Release the payment file of payroll run `run` (benefits.PayrollRun) for the bank: the second
    person. Raises SecondPersonRequired (the actor started the run or wrote its file, or is a system
    job), ValidationError (no file yet, purged, already released) or PermissionDenied."""
    from shebao.benefits.models import PayrollFile

    require(actor, "payroll_file.release")
    file = PayrollFile.objects.filter(run=run).first()
    if file is None:
        raise ValidationError("该批次还没有支付文件")
    if file.purged_at is not None:
        raise ValidationError("支付文件已删除，不能放行")
    return _release(kind=PaymentFileRelease.Kind.PAYROLL, file=file, made_from=[run, file], actor=actor,
                    what=f"发放批次#{run.pk}的支付文件")


@transaction.atomic
def refund_payment_file_release(*, file: RefundPaymentFile, actor: Any) -> PaymentFileRelease:
    """Release refund payment file `file` for the bank: the second person, not the one who made it.
    Raises SecondPersonRequired, ValidationError (already released) or PermissionDenied."""
    require(actor, "refund_file.release")
    return _release(kind=PaymentFileRelease.Kind.REFUND, file=file, made_from=[file], actor=actor,
                    what=f"退费支付文件{file.filename}")


# --- Remittances whose payer is known as someone else -------------------------------------------
def remittance_second_person_reason(line: RemittanceLine, employer: Employer) -> str:
    """Why matching `line` to `employer` needs a second person, in Chinese, or "" when it does not:
    the payer's account or credit code is registered to another employer, or the payer is in
    another district than the chosen employer (issue 16 §3)."""
    known: list[tuple[str, Employer]] = []
    account = (line.payer_account or "").strip()
    if account:
        known += [("付款账号", e) for e in Employer.objects.filter(
            bank_account_hash=blind_index(account, kind="bank_account")).select_related("district")]
    if line.credit_code:
        known += [("统一社会信用代码", e) for e in
                  Employer.objects.filter(credit_code=line.credit_code).select_related("district")]
    if any(payer.pk == employer.pk for _, payer in known):
        return ""  # the statement names the chosen employer (an account shared by two is theirs too)
    for what, payer in known:
        if payer.pk != employer.pk:
            where = (f"另一区（{short_name(payer.district.name)}）" if payer.district_id != employer.district_id
                     else "")
            return f"流水的{what}属于{where}已登记的单位“{payer.name}”，不是所选单位“{employer.name}”"
    return ""


@transaction.atomic
def remittance_match_request(*, line: RemittanceLine, employer: Employer, actor: Any, reason: str
                             ) -> RemittanceMatchRequest:
    """Ask for `line` to be matched to `employer` when the match needs a second person (the maker).
    Nothing is booked. Raises ValidationError (no reason, not needed, not unmatched, already asked)
    or PermissionDenied (remittance.match, the district line; a system job cannot ask)."""
    require(actor, "remittance.match", district_id=employer.district_id)
    if not getattr(actor, "is_authenticated", False):
        raise _second_person_required("须复核的汇款匹配由一名工作人员申请、另一名工作人员复核，系统作业不能申请")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请说明为何匹配到该单位（如单位来函说明代付）"})
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status != RemittanceLine.Status.UNMATCHED:
        raise ValidationError("该笔汇款已匹配或不在待匹配队列中")
    why = remittance_second_person_reason(line, employer)
    if not why:
        raise ValidationError("该匹配无需复核，请直接匹配")
    if RemittanceMatchRequest.objects.filter(line=line, outcome=RemittanceMatchRequest.Outcome.PENDING).exists():
        raise ValidationError(f"流水{line.bank_reference}已有待复核的匹配申请")
    request = RemittanceMatchRequest.objects.create(line=line, employer=employer, why=why[:300], reason=reason[:200],
                                                    requested_by=actor)
    audit_create(actor=actor, instance=request,
                 reason=f"申请将流水{line.bank_reference}匹配到{employer.name}（须复核）"[:200])
    return request


@transaction.atomic
def remittance_match_decide(*, request: RemittanceMatchRequest, actor: Any, approve: bool, note: str = ""
                            ) -> RemittanceMatchRequest:
    """The second person approves (the payment is received and allocated, as `remittance_match`) or
    declines (nothing is booked; the line stays in the queue). Raises SecondPersonRequired (the one
    who asked), ValidationError (already decided; a decline without a note) or PermissionDenied."""
    from shebao.collection.services import remittance_match_booked

    require(actor, "remittance.match_approve", district_id=request.employer.district_id)
    if not getattr(actor, "is_authenticated", False):
        raise _second_person_required("须复核的汇款匹配须由另一名工作人员复核，系统作业不能复核")
    request = RemittanceMatchRequest.objects.select_for_update().get(pk=request.pk)
    if request.outcome != RemittanceMatchRequest.Outcome.PENDING:
        raise ValidationError("该匹配申请已复核")
    if request.requested_by_id == actor.pk:
        raise _second_person_required("汇款匹配须由申请人以外的另一名工作人员复核（经办与复核分离）")
    note = (note or "").strip()
    if not approve and len(note) < 2:
        raise ValidationError({"note": "不同意时请填写复核意见"})
    before = snapshot(request)
    if approve:
        request.payment = remittance_match_booked(line=request.line, employer=request.employer, actor=actor,
                                                  matched_by="人工匹配（经复核）")
    request.outcome = (RemittanceMatchRequest.Outcome.APPROVED if approve
                       else RemittanceMatchRequest.Outcome.DECLINED)
    request.decided_by, request.decided_at, request.note = actor, clock.now(), note[:200]
    request.save()
    audit_update(actor=actor, instance=request, before=before,
                 reason=("复核同意汇款匹配" if approve else f"复核不同意汇款匹配：{note}")[:200])
    return request
