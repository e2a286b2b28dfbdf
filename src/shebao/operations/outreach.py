"""Messages to groups (notice 10: the public is told to use no-contact service): drafted from a
template with ``{变量}`` placeholders, previewed, approved by a SECOND person (maker-checker: the
maker may not approve their own message), then delivered through the outbox (``cases.notifications``,
``shebao deliver``) throttled per channel, with a status per recipient; letters are printed as one
PDF batch for the post (``backoffice.outreach_letters``).

Audiences: every employer of a district (the outreach directory ``EmployerContact``), every insured
person of an employer (an open employment spell; SMS to the registry's phone), applicants with a
document owed (their case's contacts), the district's living retirees (``benefits.Retiree``, not
ended; SMS to the registry's phone). Without the benefits app the retirees audience is refused with
the reason.

Opt-out (where the law allows): a service notice (``Purpose.SERVICE``) skips an address that opted out
on that channel; a notice the agency must give (``Purpose.LEGAL``: a document owed, a time limit) is
sent regardless (个人信息保护法 第十三条: processing needed to perform a statutory duty).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from shebao.cases.models import OutboxMessage
from shebao.cases.notifications import outbox_message
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.contact import helpline
from shebao.core.crypto import blind_index
from shebao.core.normalize import normalize_phone
from shebao.core.permissions import ActionRefused, require
from shebao.core.versions import refuse_unread
from shebao.operations.models import (
    OPT_OUT_KIND,
    Audience,
    EmployerContact,
    OptOut,
    Outreach,
    OutreachChannel,
    OutreachRecipient,
    Purpose,
)
from shebao.registry.models import Employer, Office

VARIABLE = re.compile(r"\{([^{}\s]{1,20})\}")

# The variables each audience fills; a template naming another is refused when drafted.
VARIABLES: dict[str, tuple[str, ...]] = {
    Audience.DISTRICT_EMPLOYERS: ("单位名称", "统一社会信用代码", "区"),
    Audience.EMPLOYER_PEOPLE: ("姓名", "单位名称", "区"),
    Audience.DOCUMENTS_OWED: ("姓名", "申请编号", "待补材料", "补交期限", "区"),
    Audience.RETIREES: ("姓名", "区"),
}

# Ready-made templates the maker starts from (editable before saving).
TEMPLATES: dict[str, dict[str, str]] = {
    "no_contact": {
        "title": "疫情期间“不见面”办理提示", "audience": Audience.DISTRICT_EMPLOYERS, "purpose": Purpose.SERVICE,
        "subject": "【{区}社保】疫情期间请通过网上办理社保业务",
        "body": "{单位名称}：疫情防控期间，社会保险业务请优先通过网上经办系统、自助终端或邮寄办理，"
                "非必要不到大厅。"
                f"咨询电话{helpline()}。",  # the configured hotline (core.contact), read when loaded
        # The policy it states, written from the policy in force when the maker loads the template
        # (`template`): the announcements' own sentences, never a rule typed here (review-user14 (1):
        # this body said 2月份至疫情解除当月的征收期顺延 while every page said 1月、2月 to 3月31日).
        "policy": "collection_periods late_fee_relief",
    },
    "documents_owed": {
        "title": "容缺材料补交提醒", "audience": Audience.DOCUMENTS_OWED, "purpose": Purpose.LEGAL,
        "subject": "【社保经办】请补交申请{申请编号}的材料",
        "body": "{姓名}：您的申请（编号{申请编号}）尚需补交：{待补材料}，补交期限{补交期限}。可通过邮寄或网上上传补交。",
    },
    "employees": {
        "title": "致参保职工的疫情期间办事提示", "audience": Audience.EMPLOYER_PEOPLE, "purpose": Purpose.SERVICE,
        "subject": "【{区}社保】疫情期间办事提示",
        "body": "{姓名}：您所在单位{单位名称}的社保业务可网上办理，个人查询请使用北京人社APP，无需到大厅。",
    },
}


def policy_text(statement_ids: str) -> str:
    """The sentences of the policy in force (``shebao.rules.wording``, the pack plus every published
    announcement) with these statement ids, each with its clause: what the home page and the public
    announcements page say, word for word."""
    from shebao.core.policy import policy_statements

    wanted = statement_ids.split()
    found = [s for w in wanted for s in policy_statements() if s.id.split(":")[0] == w]
    return "".join(f"{s.text}（{s.clause_zh}）。" for s in found)


def template(name: str) -> dict[str, str]:
    """A ready-made template as the maker loads it: its body carries the policy sentences it names,
    from the policy in force now, placed before the closing 咨询电话 sentence; ``{}`` for an unknown
    name."""
    t = TEMPLATES.get(name)
    if t is None:
        return {}
    out = {k: v for k, v in t.items() if k != "policy"}
    policy = policy_text(t.get("policy", ""))
    if policy:
        head, sep, tail = out["body"].rpartition("咨询电话")
        out["body"] = f"{head}{policy}{sep}{tail}" if sep else out["body"] + policy
    return out


def district_short(district: Office) -> str:
    """The district as a signature names it: ``朝阳区`` (not the agency's full name, review-user14 (2):
    【{区}社保】 read 【朝阳区社会保险基金管理中心社保】)."""
    from shebao.registry.offices import short_name

    return short_name(district.name)


def retirees_available() -> bool:
    """Whether a list of retirees exists (the benefits app)."""
    return apps.is_installed("shebao.benefits")


def audiences() -> list[tuple[str, str]]:
    """The audiences a maker may choose now (retirees only with the benefits app)."""
    return [(v, label) for v, label in Audience.choices if v != Audience.RETIREES or retirees_available()]


def template_variables(text: str) -> list[str]:
    """The ``{变量}`` names in ``text``, in order of first appearance."""
    out: list[str] = []
    for name in VARIABLE.findall(text or ""):
        if name not in out:
            out.append(name)
    return out


_BRACES = re.compile(r"[{}｛｝]")
_STOPS = "\n，。：；！？,.;:!?"


def stray_braces(text: str) -> str:
    """The words around the first brace of ``text`` that is not part of a well-formed ``{变量}``, or
    ``""``. ``{ 姓名 }``, ``{{单位名称}}``, full-width ``｛姓名｝`` or a name over 20 characters would
    otherwise reach recipients as literal braces (clause 10: the public is told in plain words).

    >>> stray_braces("{姓名}：您好"), stray_braces("{ 姓名 }：您好"), stray_braces("{{单位名称}}")
    ('', '{ 姓名 }', '{{单位名称}}')
    """
    text = text or ""
    inside = set()
    for v in VARIABLE.finditer(text):
        inside.update((v.start(), v.end() - 1))
    for m in _BRACES.finditer(text):
        if m.start() in inside:
            continue
        lo = hi = m.start()
        while lo > 0 and text[lo - 1] not in _STOPS and m.start() - lo < 12:
            lo -= 1
        while hi < len(text) and text[hi] not in _STOPS and hi - m.start() < 24:
            hi += 1
        return text[lo:hi].strip()
    return ""


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{变量}`` replaced by its value (a missing value leaves the name visible)."""
    return VARIABLE.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def _text(value: Any, field: str, label: str, *, max_len: int) -> str:
    value = str(value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > max_len:
        raise ValidationError({field: f"{label}不能超过{max_len}字"})
    return value


def _district_of(office: Any) -> Office | None:
    return office.district if office is not None else None


def _district_offices(district: Office) -> Q:
    return Q(office=district) | Q(office__parent=district)


def recipients_of(outreach: Outreach) -> Iterator[dict[str, Any]]:
    """Each recipient of the message's audience: ``{"name", "values": {变量: 值}, "addresses":
    {channel: address or ""}}``. Reads only."""
    district_name = district_short(outreach.district)
    if outreach.audience == Audience.DISTRICT_EMPLOYERS:
        contacts = {c.employer_id: c for c in EmployerContact.objects.filter(employer__district=outreach.district)}
        for e in Employer.objects.filter(district=outreach.district).order_by("credit_code"):
            c = contacts.get(e.pk)
            yield {"name": e.name, "values": {"单位名称": e.name, "统一社会信用代码": e.credit_code, "区": district_name},
                   "addresses": {OutreachChannel.SMS: c.phone if c else "", OutreachChannel.EMAIL: c.email if c else "",
                                 OutreachChannel.WECHAT: c.wechat_openid if c else "",
                                 OutreachChannel.LETTER: c.postal_address if c else ""}}
    elif outreach.audience == Audience.EMPLOYER_PEOPLE:
        from shebao.registry.models import Person

        people = Person.objects.filter(spells__employer=outreach.employer, spells__to_month="").distinct()
        for p in people.order_by("pk"):
            yield {"name": p.name, "values": {"姓名": p.name, "单位名称": outreach.employer.name, "区": district_name},
                   "addresses": {OutreachChannel.SMS: p.phone, OutreachChannel.EMAIL: "", OutreachChannel.WECHAT: "",
                                 OutreachChannel.LETTER: ""}}
    elif outreach.audience == Audience.DOCUMENTS_OWED:
        from shebao.cases.models import Case, OwedDocument

        owed = OwedDocument.objects.filter(state=OwedDocument.State.OWED).order_by("pk")
        cases = (Case.objects.filter(_district_offices(outreach.district), owed_documents__state=OwedDocument.State.OWED)
                 .select_related("person", "employer").distinct().order_by("pk"))
        for case in cases:
            docs = [o for o in owed.filter(case=case)]
            due = min((o.due_on for o in docs if o.due_on), default=None)
            who = case.person.name if case.person_id else (case.employer.name if case.employer_id else "申请人")
            yield {"name": who, "values": {"姓名": who, "申请编号": str(case.pk), "区": district_name,
                                           "待补材料": "、".join(o.name for o in docs),
                                           "补交期限": due.isoformat() if due else "另行通知"},
                   "addresses": {OutreachChannel.SMS: case.contact_phone, OutreachChannel.EMAIL: case.contact_email,
                                 OutreachChannel.WECHAT: case.contact_wechat, OutreachChannel.LETTER: ""}}
    elif outreach.audience == Audience.RETIREES:
        Retiree = apps.get_model("benefits", "Retiree")
        living = Retiree.objects.filter(district=outreach.district, died_on__isnull=True).exclude(status="ended")
        for r in living.select_related("person").order_by("pk"):
            yield {"name": r.person.name, "values": {"姓名": r.person.name, "区": district_name},
                   "addresses": {OutreachChannel.SMS: r.person.phone, OutreachChannel.EMAIL: "",
                                 OutreachChannel.WECHAT: "", OutreachChannel.LETTER: ""}}


def _normal(channel: str, address: str) -> str:
    address = (address or "").strip()
    if channel == OutreachChannel.SMS and address:
        return normalize_phone(address)
    return address.lower() if channel == OutreachChannel.EMAIL else address


@transaction.atomic
def outreach_draft(*, actor: Any, title: str, audience: str, channels: list[str], purpose: str, subject: str,
                   body: str, employer: Employer | int | None = None, district: Office | int | None = None) -> Outreach:
    """Draft a message to a group of the actor's district (the center names the district). Refused
    (ValidationError) for an unknown audience or channel, a placeholder the audience cannot fill, an
    employer of another district, retirees without a benefits app, a group with nobody in it."""
    require(actor, "outreach.draft")
    if audience not in Audience.values:
        raise ValidationError({"audience": "请选择发送对象"})
    if audience == Audience.RETIREES and not retirees_available():
        raise ValidationError({"audience": "退休人员名单尚未建立（待遇模块未上线），暂不能向退休人员发送"})
    if not channels or set(channels) - set(OutreachChannel.values):
        raise ValidationError({"channels": "请至少选择一个发送渠道"})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": "请选择通知性质（服务提示或法定告知）"})
    emp = None
    if audience == Audience.EMPLOYER_PEOPLE:
        emp = employer if isinstance(employer, Employer) else Employer.objects.filter(pk=employer).first()
        if emp is None:
            raise ValidationError({"employer": "请选择单位"})
        dist = emp.district
    else:
        dist = _district_of(getattr(actor, "office", None))
        if dist is None:  # the municipal center names the district
            pk = district.pk if isinstance(district, Office) else district
            dist = Office.objects.filter(pk=pk, kind=Office.Kind.DISTRICT_CENTER).first() if pk else None
            if dist is None:
                raise ValidationError({"district": "请选择区"})
    require(actor, "outreach.draft", district_id=dist.pk)
    subject = _text(subject, "subject", "消息标题", max_len=100)
    body = _text(body, "body", "消息内容", max_len=1000)
    allowed = VARIABLES[audience]
    for field, text in (("subject", subject), ("body", body)):
        stray = stray_braces(text)
        if stray:
            raise ValidationError({field: f"“{stray}”不是可用的变量：变量须写作半角大括号内的变量名，中间不留空格，"
                                          f"如{{姓名}}（可用：{'、'.join('{' + v + '}' for v in allowed)}）"})
    unknown = [v for v in template_variables(subject + body) if v not in allowed]
    if unknown:
        raise ValidationError({"body": f"变量{'、'.join('{' + v + '}' for v in unknown)}不适用于该发送对象"
                                       f"（可用：{'、'.join('{' + v + '}' for v in allowed)}）"})
    o = Outreach(title=_text(title, "title", "标题", max_len=100), audience=audience, district=dist, employer=emp,
                 channels=[c for c in OutreachChannel.values if c in channels], purpose=purpose, subject=subject,
                 body=body, maker=actor, made_at=clock.now())
    if next(recipients_of(o), None) is None:
        raise ValidationError({"audience": "该发送对象下没有收件人"})
    o.save()
    audit_create(actor=actor, instance=o, reason="拟写批量通知（第10条）")
    return o


def _opted_out(purpose: str) -> set[tuple[str, str]]:
    """(channel, keyed hash of the address) of every opt-out: compared by hash, nothing decrypted."""
    if purpose == Purpose.LEGAL:
        return set()
    return set(OptOut.objects.values_list("channel", "address_hash"))


def opt_out_line() -> str:
    """The sentence that ends an electronic service notice (服务提示（可退订））: how to unsubscribe, by
    the channel the project supports. Opt-outs are recorded by staff when the person asks at the counter
    or by phone (`opt_out_record`); replies to an SMS are not read, so no 回复TD退订 is promised (a
    fresh user's walk: messages marked 可退订 carried no way to unsubscribe)."""
    return f"退订请致电{helpline()}。"


def _with_opt_out(purpose: str, channel: str, body: str) -> str:
    """`body` as sent on `channel`: a service notice by SMS or e-mail ends with `opt_out_line` (a legal
    notice may not be declined, and a letter is answered by phone or post as any letter)."""
    if purpose != Purpose.SERVICE or channel not in (OutreachChannel.SMS, OutreachChannel.EMAIL):
        return body
    line = opt_out_line()
    return body if body.rstrip().endswith(line) else body.rstrip() + line


def per_minute() -> int:
    """Messages per minute per channel (``SHEBAO_OUTREACH_PER_MINUTE``, default 60): what the
    gateways accept without refusing a burst."""
    return max(1, int(getattr(settings, "SHEBAO_OUTREACH_PER_MINUTE", 60)))


def plan(outreach: Outreach) -> list[OutreachRecipient]:
    """The unsaved recipient rows of the message: one per recipient and channel, rendered, with the
    status it will get (queued, letter, opted out, no address). The preview shows these; approval
    saves them."""
    out = []
    skip = _opted_out(outreach.purpose)
    for r in recipients_of(outreach):
        subject, body = render(outreach.subject, r["values"]), render(outreach.body, r["values"])
        for channel in outreach.channels:
            address = _normal(channel, r["addresses"].get(channel, ""))
            if not address:
                status = OutreachRecipient.Status.NO_ADDRESS
            elif (channel, blind_index(address, kind=OPT_OUT_KIND)) in skip:
                status = OutreachRecipient.Status.OPTED_OUT
            elif channel == OutreachChannel.LETTER:
                status = OutreachRecipient.Status.LETTER
            else:
                status = OutreachRecipient.Status.QUEUED
            out.append(OutreachRecipient(outreach=outreach, channel=channel, name=r["name"][:200], address=address,
                                         subject=subject[:200], body=_with_opt_out(outreach.purpose, channel, body),
                                         status=status))
    return out


@transaction.atomic
def outreach_approve(*, actor: Any, outreach: Outreach | int, version: int | None) -> Outreach:
    """A second person approves the draft: its recipients are saved with their status and each
    electronic one is queued in the outbox, spread at ``per_minute()`` per channel (throttled), all
    in this transaction. The maker may not approve their own message (maker-checker)."""
    require(actor, "outreach.approve")
    o = _locked(actor, outreach, version, "outreach.approve")
    if o.maker_id == getattr(actor, "pk", None):
        raise ActionRefused("拟稿人不能审核自己拟写的通知，须由另一人审核（双人复核）",
                            "the maker of a message may not approve it", action="outreach.approve")
    before = snapshot(o)
    o.state, o.checker, o.checked_at = Outreach.State.APPROVED, actor, clock.now()
    o.version += 1
    o.save()
    audit_update(actor=actor, instance=o, before=before, reason="审核通过批量通知并发送")
    rows = plan(o)
    rate = per_minute()
    sent_on: dict[str, int] = {}
    messages = []
    for r in rows:
        if r.status != OutreachRecipient.Status.QUEUED:
            continue
        n = sent_on.get(r.channel, 0)
        sent_on[r.channel] = n + 1
        messages.append(outbox_message(event=f"outreach:{o.pk}", channel=r.channel, recipient=r.address,
                                       subject=r.subject, body=r.body, delay_seconds=(n // rate) * 60))
    OutboxMessage.objects.bulk_create(messages, batch_size=1000)
    it = iter(messages)
    for r in rows:
        if r.status == OutreachRecipient.Status.QUEUED:
            r.message = next(it)
    OutreachRecipient.objects.bulk_create(rows, batch_size=1000)
    return o


@transaction.atomic
def outreach_reject(*, actor: Any, outreach: Outreach | int, version: int | None, note: str) -> Outreach:
    """The second person returns the draft with a note; nothing is sent."""
    require(actor, "outreach.approve")
    o = _locked(actor, outreach, version, "outreach.approve")
    if o.maker_id == getattr(actor, "pk", None):
        raise ActionRefused("拟稿人不能审核自己拟写的通知，须由另一人审核（双人复核）",
                            "the maker of a message may not check it", action="outreach.approve")
    before = snapshot(o)
    o.state, o.checker, o.checked_at = Outreach.State.REJECTED, actor, clock.now()
    o.check_note = _text(note, "note", "退回意见", max_len=200)
    o.version += 1
    o.save()
    audit_update(actor=actor, instance=o, before=before, reason="退回批量通知")
    return o


def _locked(actor: Any, outreach: Outreach | int, version: int | None, action: str) -> Outreach:
    pk = outreach.pk if isinstance(outreach, Outreach) else outreach
    o = Outreach.objects.select_for_update(of=("self",)).select_related("district", "employer").filter(pk=pk).first()
    if o is None:
        raise ValidationError({"outreach": "没有这个批量通知"})
    require(actor, action, district_id=o.district_id)
    if o.state != Outreach.State.DRAFT:
        raise ValidationError({"state": f"通知{o.get_state_display()}，不能再审核"})
    refuse_unread(version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
    if version is None or o.version != version:
        raise ValidationError({"version": "通知已被他人处理，请刷新页面后重试"})
    return o


@transaction.atomic
def opt_out_record(*, actor: Any, channel: str, address: str, reason: str = "") -> OptOut:
    """Record that an address declines service notices on a channel (the person asked, at the counter
    or by phone). Service notices skip it from then on; legal notices do not."""
    require(actor, "outreach.opt_out")
    if channel not in OutreachChannel.values:
        raise ValidationError({"channel": "请选择渠道"})
    normal = _normal(channel, address)
    if not normal:
        raise ValidationError({"address": "请填写退订的手机号、邮箱、微信标识或地址"})
    district = _district_of(getattr(actor, "office", None)) or actor.office
    try:
        with transaction.atomic():
            o = OptOut.objects.create(channel=channel, address=normal, district=district, by=actor, at=clock.now(),
                                      reason=str(reason or "").strip()[:200])
    except IntegrityError:
        raise ValidationError({"address": "该地址已登记退订"}) from None
    audit_create(actor=actor, instance=o, reason=f"登记退订（{o.get_channel_display()}）")
    return o


@transaction.atomic
def employer_contact_save(*, actor: Any, employer: Employer | int, person_name: str = "", phone: str = "",
                          email: str = "", wechat_openid: str = "", postal_address: str = "") -> EmployerContact:
    """Set where the agency writes to an employer (the outreach directory)."""
    require(actor, "outreach.contact")
    emp = employer if isinstance(employer, Employer) else Employer.objects.filter(pk=employer).first()
    if emp is None:
        raise ValidationError({"employer": "请选择单位"})
    require(actor, "outreach.contact", district_id=emp.district_id)
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email.strip())
        except ValidationError:
            raise ValidationError({"email": "电子邮箱格式不正确"}) from None
    c = EmployerContact.objects.select_for_update().filter(employer=emp).first()
    before = snapshot(c) if c else None
    c = c or EmployerContact(employer=emp)
    c.person_name, c.phone, c.email = person_name.strip()[:50], normalize_phone(phone) if phone else "", email.strip()
    c.wechat_openid, c.postal_address = wechat_openid.strip()[:64], postal_address.strip()[:200]
    c.save()
    if before is None:
        audit_create(actor=actor, instance=c, reason="登记单位联系方式")
    else:
        audit_update(actor=actor, instance=c, before=before, reason="修改单位联系方式")
    return c
