"""The page a reviewer and the center's administrator land on after signing in: their own work, each
item with how many wait and a link to it (office16 walk, finding 2: both landed on the clerk's queue,
titled 本机构待办队列, with no word of the approvals waiting for them or of the incident reports).

A reviewer's page is titled 待我审核 and opens with the cases waiting for their approval; the
administrator's (管理工作) adds the center's own work: incident reports to sign for, announcements, relief
packs, payment files to release, audits. Every item is shown only to a role the permission table lets do
it (`core.permissions.may`), and every count is of the user's district (or the city, at the center).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from shebao.core.permissions import may
from shebao.core.scoping import user_sees_all
from shebao.staff.models import Role

# The page's title per role; any other role reads 我的工作.
TITLES = {Role.DISTRICT_REVIEWER: "待我审核", Role.MUNICIPAL_ADMIN: "管理工作"}


@dataclass(frozen=True)
class WorkItem:
    """One line of the page: what waits, how many (None: a link without a count), where it is done."""

    words: str
    url: str
    count: int | None = None
    unit: str = "件"
    key: str = ""


def work_title(user: Any) -> str:
    return TITLES.get(getattr(user, "role", ""), "我的工作")


def _items(user: Any) -> list[WorkItem]:
    from shebao.cases import selectors as case_selectors
    from shebao.cases.models import Flag
    from shebao.collection.models import Deferral
    from shebao.core.scoping import scope_queryset
    from shebao.operations.models import Outreach
    from shebao.operations.selectors import incidents_visible, outreach_visible

    items: list[WorkItem] = []
    if may(user, "outreach.approve"):
        waiting = outreach_visible(user=user).filter(state=Outreach.State.DRAFT).exclude(maker=user).count()
        items.append(WorkItem("待审核的批量通知", reverse("backoffice:outreach_list"), waiting, key="outreach"))
    if may(user, "deferral.decide"):
        waiting = scope_queryset(Deferral.objects.filter(status=Deferral.Status.APPLIED), user=user,
                                 district_path="employer__district").count()
        items.append(WorkItem("待审批的缓缴申请", reverse("collection:relief_deferrals") + "?status=applied", waiting,
                              key="deferrals"))
    if may(user, "flag.review"):
        waiting = case_selectors.flag_queue(user=user, stage=Flag.Stage.QUEUED).count()
        items.append(WorkItem("待复核的7.4标记", reverse("backoffice:review_queue"), waiting, unit="条", key="flags"))
    if user.district is not None or user_sees_all(user):
        signs = may(user, "incident.acknowledge")
        waiting = incidents_visible(user=user, open_only=True).count()
        items.append(WorkItem("待签收的疫情事件报告" if signs else "尚未经市中心签收的疫情事件报告",
                              reverse("backoffice:incidents"), waiting, unit="份", key="incidents"))
    # The center's work without a count of its own here: each page says what waits on it.
    for action, route, words in (
            ("announcement.publish", "backoffice:announcements", "政策公告与疫情解除"),
            ("relief_pack.publish", "collection:relief", "减免缓缴政策包的发布审批"),
            ("refund_file.release", "collection:refund_desk", "退费支付文件的复核放行"),
            ("payroll_file.release", "backoffice:payroll_runs", "养老金发放批次与支付文件的复核放行"),
            ("audit_case.handle", "backoffice:audit_queue", "稽核案件"),
            ("personal_data.trail_view", "backoffice:personal_data_reads", "个人信息查看记录")):
        if may(user, action):
            items.append(WorkItem(words, reverse(route), key=route.split(":")[1]))
    return items


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    from shebao.backoffice.cases import awaiting_approval_scan
    from shebao.cases.models import Status

    approves = may(request.user, "case.approve")
    awaiting, cut = awaiting_approval_scan(request.user) if approves else ([], False)
    return TemplateResponse(request, "backoffice/work.html", {
        "title": work_title(request.user), "approves": approves, "awaiting": awaiting[:20],
        "awaiting_count": len(awaiting), "awaiting_cut": cut, "items": _items(request.user),
        "in_review_url": reverse("backoffice:queue") + f"?status={Status.IN_REVIEW.value}",
    })
