"""Back-office pages of outreach (notice 10): the list of messages to groups, drafting one from a
template, its preview, a second person's approval (or return), the status of every recipient,
the letters as one PDF batch for the post, and opt-outs. Thin: parse, call, render.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shebao.backoffice.errors import refusal
from shebao.core import clock
from shebao.core.errors import DomainError
from shebao.core.inputs import form_id, number_text, page_number, page_rows
from shebao.core.masking import shown_data
from shebao.core.normalize import normalize_code
from shebao.core.permissions import may, require
from shebao.core.versions import posted_version
from shebao.operations import outreach as services
from shebao.operations import selectors
from shebao.operations.models import OptOut, Outreach, OutreachChannel, OutreachRecipient, Purpose
from shebao.registry.models import Office
from shebao.registry.selectors import employer_list
from shebao.rules.wording import date_zh

# Recipients shown on one page of an approved message (one row per recipient and channel).
RECIPIENTS_PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    """A version in a form, in ASCII digits alone (`core.inputs.number_text`, review F5)."""
    return number_text(value or "")


@login_required
def outreach_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "backoffice/outreach/list.html", {
        "rows": selectors.outreach_visible(user=request.user)[:100], "templates": services.TEMPLATES,
        "may_draft": may(request.user, "outreach.draft")})


@login_required
def outreach_new(request: HttpRequest) -> HttpResponse:
    """Draft a message (GET ``?template=`` fills the form from a ready-made template)."""
    errors: list[str] = []
    at_inputs: dict[str, str] = {}  # the messages shown at each input (core.templatetags.field_errors)
    status = 200
    if request.method == "POST":
        p = request.POST
        # 全角, spaces, case read as the audit form and the portal read them (review-input14 7)
        code = normalize_code(p.get("employer_code"))
        try:
            if code:
                require(request.user, "outreach.draft")  # a role that may not: 403 before any look-up
            # among the employers the user may see: another district's answers as a missing one (review-input14 5)
            employer = employer_list(user=request.user).filter(credit_code=code).first() if code else None
            if code and employer is None:
                raise ValidationError({"employer": f"未找到统一社会信用代码为“{code[:30]}”的单位"})
            o = services.outreach_draft(
                actor=request.user, title=p.get("title", ""), audience=p.get("audience", ""),
                channels=p.getlist("channels"), purpose=p.get("purpose", ""), subject=p.get("subject", ""),
                body=p.get("body", ""), employer=employer, district=form_id(p, "district", label="区县", required=False))
            return redirect("backoffice:outreach", pk=o.pk)
        except (ValidationError, PermissionDenied) as exc:
            found = refusal(exc)  # the pages' one mapper (backoffice.errors)
            errors, status, at_inputs = found.messages, found.status, found.fields
        data: Any = p
        chosen = p.getlist("channels")
    else:
        data = services.template(request.GET.get("template", ""))
        chosen = [OutreachChannel.SMS, OutreachChannel.EMAIL]
    return TemplateResponse(request, "backoffice/outreach/new.html", {
        "data": shown_data(data), "errors": errors, "field_errors": at_inputs, "audiences": services.audiences(), "channels": OutreachChannel.choices,
        "chosen": chosen, "purposes": Purpose.choices, "variables": services.VARIABLES,
        "districts": Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER) if request.user.office and
        request.user.office.district is None else [],
        "may_draft": may(request.user, "outreach.draft"), "templates": services.TEMPLATES,
    }, status=status)


def _page(request: HttpRequest, pk: int, *, errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    o = selectors.outreach_get(user=request.user, pk=pk)
    if o is None:
        raise Http404("没有这个批量通知，或不属于本区")
    paged: dict[str, Any] = {}
    if o.state == Outreach.State.APPROVED:
        # The recipients a page at a time, as every staff list (office16 walk, finding 1: 252 rows, 10,781 px)
        found = page_rows(o.recipient_rows, page_number(request.GET), RECIPIENTS_PAGE_SIZE)
        # and how many pages there are: the rows are counted already (o.total), so the pager says 共N页
        # (a fresh user's walk: 第1页 下一页 with no end in sight)
        paged = {**found.context(), "rows": selectors.outreach_rows(found.rows), "query": "",
                 "pages": max(1, -(-o.total // RECIPIENTS_PAGE_SIZE))}
    return TemplateResponse(request, "backoffice/outreach/detail.html", {
        "o": o, **paged, "errors": errors or [], "is_maker": o.maker_id == request.user.pk,
        "may_approve": may(request.user, "outreach.approve", district_id=o.district_id)}, status=status)


@login_required
def outreach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _check(request: HttpRequest, pk: int, call: Any) -> HttpResponse:
    if selectors.outreach_visible(user=request.user).filter(pk=pk).first() is None:
        raise Http404("没有这个批量通知，或不属于本区")
    try:
        call()
    except (ValidationError, PermissionDenied, DomainError) as exc:  # DomainError: a version missing (428) or garbled
        found = refusal(exc)
        return _page(request, pk, errors=found.messages, status=found.status)
    return redirect("backoffice:outreach", pk=pk)


@login_required
@require_POST
def outreach_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _check(request, pk, lambda: services.outreach_approve(
        actor=request.user, outreach=pk, version=posted_version(request.POST.get("version"))))


@login_required
@require_POST
def outreach_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _check(request, pk, lambda: services.outreach_reject(
        actor=request.user, outreach=pk, version=posted_version(request.POST.get("version")), note=request.POST.get("note", "")))


@login_required
def outreach_letters(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved message's letters as one PDF for the post: a page per recipient, its address on top."""
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    o = selectors.outreach_visible(user=request.user).filter(pk=pk).first()
    if o is None:
        raise Http404("没有这个批量通知，或不属于本区")
    letters = list(o.recipients.filter(status=OutreachRecipient.Status.LETTER))
    if o.state != Outreach.State.APPROVED or not letters:
        return _page(request, pk, errors=["该通知没有待打印的纸质信函（须审核通过且有邮寄地址）"], status=400)
    try:
        pdf = letters_pdf(o, letters)
    except (PdfFontMissing, UnprintableText) as e:
        return HttpResponse(f"无法生成信函：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="outreach-{o.pk}-letters.pdf"'
    return response


# Below this the page's foot (the batch line) is printed; a letter's text never runs into it.
LETTER_BOTTOM = 25 * mm


class _LetterPages:
    """The pages of one letter: `room` moves to the letter's next page (headed with its recipient and
    page number) when a line does not fit above the foot; every page carries the batch's foot line."""

    def __init__(self, c: Any, *, font: str, head: str, foot: str) -> None:
        self.c, self.font, self.head, self.foot, self.page = c, font, head, foot, 1

    def _end_page(self) -> None:
        self.c.setFont(self.font, 8)
        self.c.drawString(20 * mm, 15 * mm, f"{self.foot} · 第{self.page}页")
        self.c.showPage()

    def room(self, y: float, need: float) -> float:
        """`y`, or the top of the letter's next page when `need` points below it do not fit."""
        if y - need >= LETTER_BOTTOM:
            return y
        self._end_page()
        self.page += 1
        height = A4[1]
        self.c.setFont(self.font, 9)
        self.c.drawString(20 * mm, height - 15 * mm, f"{self.head}（续第{self.page}页）")
        self.c.setFont(self.font, 11)
        return height - 25 * mm

    def end(self) -> None:
        self._end_page()


_SIGNATURE = re.compile(r"^\s*【[^】]*】\s*")


def letter_title(subject: str) -> str:
    """A letter's title: the subject without the SMS signature 【…】 it opens with (a formal letter is
    signed by the agency under its text, review-user14 (2)).

    >>> letter_title("【朝阳区社保】疫情期间请通过网上办理社保业务")
    '疫情期间请通过网上办理社保业务'
    """
    return _SIGNATURE.sub("", subject or "") or subject


def letters_pdf(o: Outreach, letters: list[OutreachRecipient]) -> bytes:
    """PDF bytes: every letter begins on a page of its own (address block, subject, body, the sending
    district), in the project's PDF font (core.pdffonts: every character printed or no PDF). A letter
    longer than a page goes on to pages of its own, each headed with its recipient and page (ux14 finding
    8: a long body ran off the page's foot, so the letters could not be cut apart page by page)."""
    from shebao.backoffice.receipt import _wrap
    from shebao.core.pdffonts import StrictCanvas, pdf_font

    font = pdf_font()
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setTitle(f"批量通知 #{o.pk} 纸质信函")
    width, height = A4
    # The official form 2020年2月20日, as every policy date is written (rules.wording.date_zh), not 2020年02月20日
    # (review-user14 (2)); the letters are numbered 1..N within the batch (not by recipient row, which counts
    # every channel's recipients, so the first letter was 第 3 号).
    printed = date_zh(timezone.localtime(clock.now()).date())
    for number, r in enumerate(letters, start=1):
        pages = _LetterPages(c, font=font, head=f"{r.name} 收",
                             foot=f"批量通知 #{o.pk} · 第 {number} 封（共 {len(letters)} 封）")
        room = pages.room
        y = height - 25 * mm
        c.setFont(font, 11)
        for text in (r.address, f"{r.name} 收"):
            for part in _wrap(text, font, 11, width - 40 * mm):  # within the margins (review-user13 (3))
                c.drawString(20 * mm, y, part)
                y -= 7 * mm
        y -= 10 * mm
        c.setFont(font, 15)
        for part in _wrap(letter_title(r.subject), font, 15, width - 40 * mm):
            y = room(y, 0)
            c.setFont(font, 15)
            c.drawCentredString(width / 2, y, part)
            y -= 8 * mm
        y -= 4 * mm
        c.setFont(font, 11)
        for para in r.body.splitlines() or [""]:
            for chunk in _wrap(para, font, 11, width - 45 * mm):
                y = room(y, 0)
                c.drawString(25 * mm, y, chunk)
                y -= 6.5 * mm
        y = room(y - 12 * mm, 7 * mm)
        c.drawString(120 * mm, y, o.district.name)
        c.drawString(120 * mm, y - 7 * mm, printed)
        pages.end()
    c.save()
    return buf.getvalue()


@login_required
def opt_outs(request: HttpRequest) -> HttpResponse:
    """Record an opt-out (POST) and list the district's."""
    from shebao.core.scoping import scope_queryset

    errors: list[str] = []
    at_inputs: dict[str, str] = {}  # the messages shown at each input (core.templatetags.field_errors)
    status = 200
    if request.method == "POST":
        try:
            services.opt_out_record(actor=request.user, channel=request.POST.get("channel", ""),
                                    address=request.POST.get("address", ""), reason=request.POST.get("reason", ""))
            return redirect("backoffice:opt_outs")
        except (ValidationError, PermissionDenied) as exc:
            found = refusal(exc)  # the pages' one mapper (backoffice.errors)
            errors, status, at_inputs = found.messages, found.status, found.fields
    rows = scope_queryset(OptOut.objects.select_related("by"), user=request.user).order_by("-at")[:200]
    for r in rows:
        r.address_masked = selectors._mask_address(r)
    return TemplateResponse(request, "backoffice/outreach/opt_outs.html", {
        "rows": rows, "errors": errors, "field_errors": at_inputs, "channels": OutreachChannel.choices,
        "may_record": may(request.user, "outreach.opt_out")}, status=status)
