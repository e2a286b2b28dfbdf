"""Who may do what: the one permission table (role × action), and the actor of a system job.

Every write a service makes is a named action of `TABLE`; the service calls `require` before it
writes anything, so a page, an API call or a command that forgets a check is still refused. Pages
ask the same table (`may`, and the `may` template filter) to show only what a role may do. A role's
right is one of three things:

* the roles that may act (`roles`): the staff roles of `staff.models.Role`;
* `city_wide`: the act touches the whole city (a policy announcement, the epidemic lift, a bank
  deduction run), so only staff of the municipal center, who see the whole city, make it;
* `system`: a named system job (`SystemActor`: a command or a scheduled run) may make it without a
  person, e.g. the nightly bank import matching a remittance.

The district line (a district's staff act only on their district's data) is checked with it:
`require(actor, action, district_id=...)`. A refusal raises `ActionRefused`, a `PermissionDenied`,
which every front end already answers with a Chinese message (the pages) or a 403 problem document
(the API); the service raises it before its transaction writes anything.

Roles (the notice 0.4 and the agency's organisation): 区经办人员 register and handle applications,
区复核人员 review and approve them, 市中心管理员 act for the center (policy, lift, 4.2 mail), 稽核人员
audit (7.4) and may read personal data, 大厅主管 run the hall (front desk, 7.4 flags), 征缴经办人员
(the center's collection desk) run deductions, bank files and assessments, 领导 read the cases and,
on duty, inspect the halls (11) and report incidents; the 大厅主管 keeps the hall's log (8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from shebao.core.errors import DomainError
from shebao.staff.models import Role

# --- Role groups: each named once, used by the table and by the workflow table ---------------------
CLERKS = frozenset({Role.DISTRICT_CLERK, Role.MUNICIPAL_ADMIN})  # accept and register (0.4)
REVIEWERS = frozenset({Role.DISTRICT_REVIEWER, Role.MUNICIPAL_ADMIN})  # approve (review by a second person)
CASE_STAFF = CLERKS | REVIEWERS  # handle applications, keep the registry, take payments
FRONT_DESK = CASE_STAFF | {Role.HALL_MANAGER}  # receive applications at the counter (0.4)
CENTER = frozenset({Role.MUNICIPAL_ADMIN})  # act for the municipal center
AUDITORS = frozenset({Role.AUDITOR, Role.MUNICIPAL_ADMIN})  # internal audit (7.4)
READERS_OF_PERSONAL_DATA = CASE_STAFF | {Role.AUDITOR}  # may ask for an unmasked value (recorded)
COLLECTION_DESK = frozenset({Role.COLLECTION_CLERK})  # the center's bank files and runs (3.1, 3.2, 0.3)
PAYROLL_DESK = COLLECTION_DESK | CENTER  # the center's benefit payroll and its bank files (2.1)
TAKES_PAYMENTS = CASE_STAFF | COLLECTION_DESK  # money of one employer: its district's staff, or the desk
HALL = frozenset({Role.HALL_MANAGER})  # run a service hall (8)
LEADERS = frozenset({Role.LEADER})  # the leader on duty inspects (11)
NOBODY: frozenset[str] = frozenset()  # a system job only
# The portal's applicants (PortalActor.kind): an employer's administrator and HR clerks, an insured person.
EMPLOYER_ADMIN, EMPLOYER_CLERK, INSURED_PERSON = "employer_admin", "employer_clerk", "person"
EMPLOYER_SIDE = frozenset({EMPLOYER_ADMIN, EMPLOYER_CLERK})
APPLICANTS = EMPLOYER_SIDE | {INSURED_PERSON}


@dataclass(frozen=True)
class Permission:
    """One row of the table: an action, its Chinese name, and who may make it."""

    action: str
    zh: str
    roles: frozenset[str]
    city_wide: bool = False
    system: bool = False
    # The portal's applicants who may make it on their own data (`PortalActor.kind`); the service
    # checks that the object is theirs (`portal_may_act_on`).
    applicants: frozenset[str] = frozenset()


def _rows(*rows: Permission) -> dict[str, Permission]:
    table = {p.action: p for p in rows}
    assert len(table) == len(rows), "an action is listed twice"
    return table


# fmt: off
TABLE: dict[str, Permission] = _rows(
    # Applications (cases): registration, the workflow's steps (cases/workflows.py narrows a step per
    # handling mode, within these roles), and what is recorded on a case.
    Permission("case.submit", "登记申请", FRONT_DESK, applicants=APPLICANTS),
    Permission("case.accept", "受理申请", CLERKS),
    Permission("case.approve", "审批通过", REVIEWERS),
    Permission("case.complete", "办结", REVIEWERS),
    Permission("case.reject", "驳回申请", CASE_STAFF),
    Permission("case.resume", "恢复办理（联审恢复）", CENTER, city_wide=True, system=True),
    Permission("case.district_receive", "区中心收件", CLERKS),
    Permission("case.district_review", "区中心审核", frozenset({Role.DISTRICT_REVIEWER})),
    Permission("case.mail_to_center", "寄送市中心", frozenset({Role.DISTRICT_CLERK})),
    Permission("case.center_receive", "市中心收件", CENTER),
    Permission("commitment_letter.capture", "录入承诺书", FRONT_DESK, applicants=APPLICANTS),
    Permission("phone_check.record", "记录电话核实", CASE_STAFF),
    # 2.1: the figures the agency works out itself (a retiree's index, months, account balance).
    Permission("case.assess", "记录经办机构核定的待遇项目", CASE_STAFF),
    # A case registered before its content was required, or with content its definition refuses:
    # the staff who handle it fill in or correct the applicant's content (review-user7 F6's old rows).
    Permission("case.correct", "补正申请内容", CASE_STAFF),
    Permission("document.attach", "上传材料", FRONT_DESK, applicants=APPLICANTS),
    Permission("owed_document.exchange", "登记数据共享材料", CASE_STAFF),
    Permission("owed_document.review", "审核补交材料", CASE_STAFF),
    Permission("flag.raise", "标记手工或系统外操作（第7.4条）", FRONT_DESK),
    Permission("flag.review", "复核7.4标记", CASE_STAFF),
    Permission("flag.settle", "清理7.4标记", CASE_STAFF),
    Permission("flag.audit", "内审7.4标记", AUDITORS),
    # Audit cases (稽核, 7.1–7.3): registered by a district's clerks or the auditors, handled by the auditors.
    Permission("audit_case.register", "登记稽核案件或联系记录", frozenset({Role.AUDITOR, Role.DISTRICT_CLERK,
                                                                      Role.MUNICIPAL_ADMIN})),
    Permission("audit_case.handle", "办理稽核案件（立案、调查、决定、结案、中止、恢复）", AUDITORS),
    # Halls (8) and duty (11): the hall manager keeps the day's log and reports a suspected case; the
    # leader on duty inspects; either reports an incident among staff; the center acknowledges each.
    Permission("hall_log.record", "记录大厅防疫日志（测温、消毒、通风、海报）", HALL),
    Permission("incident.report", "报告疫情事件（疑似病例、工作人员疫情）", HALL | LEADERS),
    Permission("incident.acknowledge", "签收疫情事件报告", CENTER, city_wide=True),
    Permission("duty.assign", "安排带班领导", HALL | LEADERS),
    Permission("inspection.record", "登记带班检查", LEADERS),
    Permission("inspection.fix", "登记整改情况", HALL),
    # Outreach (10): a district's clerks or hall manager draft a message to a group; a second person
    # (a reviewer or a leader, never the maker) approves it before anything is sent.
    Permission("outreach.draft", "拟写批量通知", CLERKS | HALL),
    Permission("outreach.approve", "审核批量通知（审核后发送）", REVIEWERS | LEADERS),
    Permission("outreach.opt_out", "登记退订", CASE_STAFF | HALL),
    Permission("outreach.contact", "维护单位联系方式", CASE_STAFF, system=True),
    # Policy: announcements and the epidemic lift change every district's deadlines.
    Permission("announcement.publish", "发布政策公告", CENTER, city_wide=True),
    Permission("epidemic_lift.preview", "预览疫情解除的影响", CENTER, city_wide=True),
    Permission("epidemic_lift.apply", "发布疫情解除并执行其影响", CENTER, city_wide=True),
    # Registry.
    Permission("person.register", "登记参保人员", CASE_STAFF, system=True),
    Permission("person.update", "修改参保人员信息", CASE_STAFF, system=True),
    Permission("employer.register", "登记参保单位", CASE_STAFF, system=True),
    Permission("employer.update", "修改参保单位信息", CASE_STAFF, system=True),
    Permission("personal_data.reveal", "查看完整个人信息", READERS_OF_PERSONAL_DATA),
    # A person registered twice (issue 16): merged by a reviewer (a second person to the clerks who
    # registered it) of the districts of both records, or the center (registry.merge).
    Permission("person.merge", "合并重复登记的参保人员", REVIEWERS),
    # A merge made the wrong way is undone by the same reviewers (registry.merge.person_unmerge).
    Permission("person.unmerge", "撤销参保人员合并", REVIEWERS),
    # Social security cards (5.1): the order made when a replacement completes, and its progress.
    Permission("card_order.create", "生成补换卡订单并出具领卡证明", CASE_STAFF, system=True),
    Permission("card_order.update", "登记补换卡制卡、寄递进度", CASE_STAFF),
    # The rights record (4.1) printed with a verification code: at the counter for a person of the
    # district; the person prints their own in the portal (`portal_may_act_on`).
    Permission("rights_statement.issue", "出具个人权益记录单", FRONT_DESK, applicants=frozenset({INSURED_PERSON})),
    # The pension individual account's book (4.1 transfers, 4.2 backfill) and the residents' pension
    # (6.1): written when the case completes, by whoever completes it (or a system job).
    Permission("account.transfer_in", "记入转入的养老保险个人账户月份", CASE_STAFF, system=True),
    Permission("account.transfer_out", "转出养老保险个人账户月份", CASE_STAFF, system=True),
    Permission("account.backfill", "补填养老保险个人账户记录", CASE_STAFF, system=True),
    Permission("resident_pension.register", "城乡居民养老保险参保登记", CASE_STAFF, system=True),
    Permission("resident_pension.change", "变更城乡居民养老保险信息", CASE_STAFF, system=True),
    Permission("resident_pension.cancel", "注销城乡居民养老保险", CASE_STAFF, system=True),
    Permission("resident_pension.claim", "城乡居民养老保险待遇申领", CASE_STAFF, system=True),
    Permission("personal_data.trail_view", "查询个人信息查看记录", AUDITORS, city_wide=True),
    # Collection (3.1, 3.2, 0.3): money of one employer is its district's (or the collection desk's);
    # runs and bank files span the city: the center's collection desk alone.
    Permission("dues.build", "核定应缴费款", CENTER | COLLECTION_DESK, city_wide=True, system=True),
    Permission("payment.receive", "登记收款", TAKES_PAYMENTS, system=True),
    Permission("credit.apply", "预缴余额冲抵", TAKES_PAYMENTS, system=True),
    Permission("payment.reverse", "申请冲正收款", TAKES_PAYMENTS),
    # Money out: decided by a person other than the one who asked (services.payment_reverse_approve).
    Permission("payment.reverse_approve", "复核收款冲正（须为申请人以外的另一人）", TAKES_PAYMENTS),
    Permission("remittance.match", "匹配银行汇款", TAKES_PAYMENTS, system=True),
    # A match against what the statement says of the payer (another employer's account or code,
    # another district) is asked by one person and decided by a second (collection.releases).
    Permission("remittance.match_approve", "复核须复核的汇款匹配（须为申请人以外的另一人）", TAKES_PAYMENTS),
    Permission("remittance.duplicate_resolve", "核实疑似重复的汇款", TAKES_PAYMENTS),
    Permission("remittance.import", "导入银行汇款对账单", COLLECTION_DESK, city_wide=True, system=True),
    Permission("deduction_run.create", "生成银行扣款批次", COLLECTION_DESK, city_wide=True, system=True),
    Permission("deduction_run.retry", "对扣款失败的单位重新扣款", COLLECTION_DESK, city_wide=True, system=True),
    Permission("deduction_file.download", "下载银行扣款请求文件（含完整账号）", COLLECTION_DESK, city_wide=True,
               system=True),
    Permission("deduction_file.purge", "删除到期的银行扣款请求文件", NOBODY, city_wide=True, system=True),
    Permission("deduction_result.import", "导入银行扣款结果文件", COLLECTION_DESK, city_wide=True, system=True),
    Permission("assessment.run", "开始征缴核定", COLLECTION_DESK, city_wide=True, system=True),
    # Benefits (2.1, 9): a district registers its retirees and stops or resumes their payment; the
    # payroll and its bank files span the city (the center); a work-injury benefit is paid at once by
    # the district's reviewer, who approves the fast-track case (9).
    Permission("retiree.register", "登记退休人员并核定养老金", CASE_STAFF, system=True),
    Permission("retiree.suspend", "暂停或终止养老金发放", CASE_STAFF),
    Permission("retiree.resume", "恢复养老金发放", CASE_STAFF),
    Permission("payroll_run.create", "生成养老金发放批次", PAYROLL_DESK, city_wide=True, system=True),
    Permission("payroll_run.retry", "对支付失败的人员重新发放", PAYROLL_DESK, city_wide=True, system=True),
    # A failed payment's account (and a relative's or dependant's name) corrected and sent again: the
    # payroll desk, as for a retry; the payment file still waits for a second person's release.
    Permission("payroll_transfer.resend", "更正支付失败明细的收款账号或户名并重新发放", PAYROLL_DESK, city_wide=True),
    Permission("payroll_file.download", "下载待遇支付文件（含完整账号）", PAYROLL_DESK, city_wide=True, system=True),
    # Money out: the payment file goes to the bank only once a second person released it
    # (collection.releases: never the one who started the run or wrote the file).
    Permission("payroll_file.release", "复核放行待遇支付文件（须为生成人以外的另一人）", PAYROLL_DESK, city_wide=True),
    Permission("payroll_file.purge", "删除到期的待遇支付文件", NOBODY, city_wide=True, system=True),
    Permission("payroll_result.import", "导入待遇支付结果文件", PAYROLL_DESK, city_wide=True, system=True),
    Permission("work_injury.pay", "即时支付工伤保险待遇（快速通道）", REVIEWERS),
    Permission("work_injury.import", "导入工伤认定、劳动能力鉴定数据交换记录", CASE_STAFF, system=True),
    Permission("award_payee.register", "登记因工死亡待遇的领取人（近亲属，早于领取人登记的核定）", REVIEWERS),
    Permission("survivor_pension.grant", "核定供养亲属抚恤金（因工死亡）", REVIEWERS),
    Permission("survivor_pension.end", "停发供养亲属抚恤金", CASE_STAFF),
    Permission("payroll.view_city", "查看全市养老金发放", frozenset(Role.values), city_wide=True),
    # Relief packs (免、减、缓): publishing one changes every district's dues; a deferral is one
    # employer's application, registered by its district's staff and approved by a second person.
    # A person asks to publish and a second person approves (maker and checker); a named system job
    # (the `relief_packs --publish` command) may publish on its own. The center's collection desk
    # (征缴经办人员), which builds and assesses the dues a pack relieves, may ask; the approval and the
    # publishing stay with the center's administrators (review-user3 U8: the desk could not ask and
    # the page did not say who could).
    Permission("relief_pack.request", "申请发布减免缓缴政策包", CENTER | COLLECTION_DESK, city_wide=True),
    Permission("relief_pack.publish", "发布减免缓缴政策包并执行减免", CENTER, city_wide=True, system=True),
    # The 补减免 preview (what the rules known since the decision would relieve) is a read of the whole
    # city's dues for those who may ask to publish; its refusal names the preview, not the publishing
    # (review-user9 F3: a district reviewer was told "无权申请发布减免缓缴政策包").
    Permission("relief_known.preview", "查看补减免试算", CENTER | COLLECTION_DESK, city_wide=True),
    Permission("deferral.apply", "登记缓缴申请", TAKES_PAYMENTS, system=True),
    Permission("deferral.decide", "审批缓缴申请", REVIEWERS, system=True),
    # An employer's unit type, size class and industry decide its relief in every district alike: the
    # municipal center records them (划型 is published city-wide), or an import as a named system job.
    Permission("employer_facts.record", "登记单位类型、规模划型和行业", CENTER, city_wide=True, system=True),
    # Refunds (1.2c): approved by their case; paid by the center's desk through a bank file, and
    # undone before payment only by a reversing entry (a reviewer of the employer's district).
    Permission("refund_file.create", "生成退费支付文件（含完整账号）", COLLECTION_DESK, city_wide=True, system=True),
    Permission("refund_file.release", "复核放行退费支付文件（须为生成人以外的另一人）", COLLECTION_DESK | CENTER,
               city_wide=True),
    Permission("refund_file.download", "下载已放行的退费支付文件（含完整账号）", COLLECTION_DESK, city_wide=True,
               system=True),
    Permission("refund_result.import", "导入退费支付结果文件", COLLECTION_DESK, city_wide=True, system=True),
    Permission("refund_file.view", "查看全市待生成支付文件的退费和退费支付文件", COLLECTION_DESK | CENTER, city_wide=True),
    Permission("refund.cancel", "撤销未支付的退费（冲正）", REVIEWERS),
    # Employers' monthly declarations (月报) from a roster file: staged, then committed into dues.
    # The employer's own portal accounts upload and commit theirs online (issue 15).
    Permission("declaration.stage", "上传单位月报（增减员、缴费基数）", CASE_STAFF,
               applicants=EMPLOYER_SIDE),
    Permission("declaration.commit", "提交单位月报并核定当月应缴", CASE_STAFF, system=True,
               applicants=EMPLOYER_SIDE),
    # Reads that span the whole city (a district's staff use their district's page instead).
    Permission("deduction_run.view_city", "查看全市扣款批次", frozenset(Role.values), city_wide=True),
    Permission("assessment.view_city", "查看全市核定结果", frozenset(Role.values), city_wide=True),
    # Staff accounts.
    Permission("api_token.create", "创建接口密钥", CENTER, city_wide=True, system=True),
    Permission("api_token.revoke", "吊销接口密钥", CENTER, city_wide=True, system=True),
    Permission("staff_otp.enroll", "为工作人员绑定动态口令", CENTER, city_wide=True, system=True),
    # Portal accounts (issue 15): a district's staff open an employer's administrator account (the
    # employer's own, checked at the counter); the administrator adds and disables its HR clerks.
    Permission("portal_admin.create", "开通或重置单位网上办事管理员账户", CASE_STAFF, system=True),
    Permission("portal_clerk.manage", "增加或停用本单位经办人账户", NOBODY, applicants=frozenset({EMPLOYER_ADMIN})),
)
# fmt: on


# --- The actor of a system job --------------------------------------------------------------------
@dataclass(frozen=True)
class SystemActor:
    """A system job acting without a person: a command run at the server or a scheduled run.

    The one way to say "no person did this": audit rows, ledger entries and case transitions name
    it (`label`, e.g. "系统作业：银行扣款批次"), never a blank or `None`. `job` is the command's name.
    """

    job: str
    zh: str

    is_authenticated = False
    is_active = True
    is_superuser = False
    role = None
    office = None
    district = None
    sees_whole_city = False
    pk = None

    @classmethod
    def command(cls, name: str) -> SystemActor:
        """The actor of `shebao <name>` run at the server's shell: "系统作业：命令行 shebao <name>"."""
        return cls(name, f"命令行 shebao {name}")

    @property
    def label(self) -> str:
        return f"系统作业：{self.zh}"

    def get_username(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class PortalActor:
    """An applicant acting in the portal (issue 15): an employer's administrator or HR clerk, or an
    insured person, signed in by `shebao.portal.access` (never a staff account).

    `kind` is one of EMPLOYER_ADMIN, EMPLOYER_CLERK, INSURED_PERSON; `employer_id` / `person_id` name
    whose data it may act on (the employer of the account, the person signed in); `account_id` is the
    employer's portal account (portal.EmployerAccount), None for a person; `name` is the label audit
    rows and transitions carry ("网上办事：单位经办人 zhangsan（北京…公司）"). It is not authenticated
    as staff: every staff-only check (district scoping, `actor_user`) sees nobody.
    """

    kind: str
    name: str
    employer_id: int | None = None
    person_id: int | None = None
    account_id: int | None = None

    is_authenticated = False
    is_active = True
    is_superuser = False
    role = None
    office = None
    district = None
    sees_whole_city = False
    pk = None

    @property
    def label(self) -> str:
        return f"网上办事：{self.name}"[:150]

    def get_username(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label


def portal_may_act_on(actor: Any, *, employer_id: int | None, person_id: int | None) -> bool:
    """Whether a portal applicant may act on the object of an employer / a person: an employer's
    account on its own employer's objects, a person on their own. False for anyone else."""
    if not isinstance(actor, PortalActor):
        return False
    if actor.kind in EMPLOYER_SIDE:
        return actor.employer_id is not None and employer_id == actor.employer_id
    return actor.person_id is not None and person_id == actor.person_id and employer_id is None


def actor_label(actor: Any) -> str:
    """The name an audit row or a ledger entry gives its actor: the username, or the job's label."""
    if isinstance(actor, (SystemActor, PortalActor)):
        return actor.label
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    raise TypeError(f"an actor is a staff account or a SystemActor, not {actor!r}")


def actor_user(actor: Any) -> Any:
    """The staff account to store in an `actor` foreign key: None for a system job or a portal applicant."""
    return None if isinstance(actor, (SystemActor, PortalActor)) else actor


# --- Asking and refusing ------------------------------------------------------------------------
class ActionRefused(DomainError, PermissionDenied):
    """A service refused an actor an action (role, district or city-wide rule); nothing was written.

    The domain error's 403 kind (core.errors: `zh` says what the user may not do, `en` is the API's
    `reason_en`), and a PermissionDenied, so Django answers it 403 wherever no mapper does.
    """

    status = 403
    code = problem = "role_not_allowed"
    field_default = "action"

    def __init__(self, zh: str, en: str, *, field: str | None = None, action: str = "") -> None:
        super().__init__(zh, en, field=field)
        self.action = action


def permission(action: str) -> Permission:
    try:
        return TABLE[action]
    except KeyError:
        raise KeyError(f"{action!r} is not an action of the permission table (core/permissions.py)") from None


def _who(actor: Any) -> str:
    if isinstance(actor, (SystemActor, PortalActor)):
        return actor.label
    role = getattr(actor, "role", None)
    return Role(role).label if role in Role.values else "未登录用户"


def _who_may(p: Permission) -> str:
    """Who does it instead, in the order of `Role`: what a refused user is told to do."""
    if not p.roles:
        return "只由系统作业执行"
    labels = [label for value, label in Role.choices if value in p.roles]
    where = "市中心的" if p.city_wide and not all(label.startswith("市中心") for label in labels) else ""
    return f"由{where}{'、'.join(labels)}办理"


def roles_of(action: str) -> str:
    """The Chinese names of the staff roles that may make ``action`` ("市中心管理员、征缴经办人员"), in the
    order of `Role`, for a page that says who does it; "系统作业" when only a system job may."""
    p = permission(action)
    return "、".join(label for value, label in Role.choices if value in p.roles) or "系统作业"


def refusal(actor: Any, action: str, *, district_id: int | None = None) -> ActionRefused | None:
    """Why `actor` may not make `action` (on data of `district_id`, if given), or None if it may."""
    p = permission(action)
    if isinstance(actor, SystemActor):
        if p.system:
            return None
        return ActionRefused(f"“{p.zh}”须由工作人员办理，不能由{actor.label}执行",
                             f"{action} needs a person, not the system job {actor.job}", action=action)
    if isinstance(actor, PortalActor):
        # An applicant acts on its own data only: the service checks the object (portal_may_act_on).
        if actor.kind in p.applicants:
            return None
        return ActionRefused(f"网上办事不能{p.zh}，请到经办机构办理", f"{action} is not open to {actor.kind} in the portal",
                             action=action)
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return ActionRefused(f"请先登录再{p.zh}", f"{action} needs a signed-in staff account", action=action)
    if getattr(actor, "role", None) not in p.roles:
        return ActionRefused(f"{_who(actor)}无权{p.zh}（{_who_may(p)}）",
                             f"role {getattr(actor, 'role', None)} may not {action}", action=action)
    if p.city_wide and not getattr(actor, "sees_whole_city", False):
        return ActionRefused(f"{p.zh}须由市中心工作人员办理", f"{action} is for the municipal center's staff",
                             action=action)
    if district_id is not None:
        from shebao.core.scoping import user_may_see_district

        if not user_may_see_district(actor, district_id):
            return ActionRefused(f"只能为本区的数据{p.zh}", f"{action} is limited to the actor's district",
                                 action=action)
    return None


def may(actor: Any, action: str, *, district_id: int | None = None) -> bool:
    """Whether `actor` may make `action`: what a page asks before it offers a button or a form."""
    return refusal(actor, action, district_id=district_id) is None


def require(actor: Any, action: str, *, district_id: int | None = None) -> None:
    """Refuse (`ActionRefused`) unless `actor` may make `action`; services call this before writing."""
    refused = refusal(actor, action, district_id=district_id)
    if refused is not None:
        raise refused


def actions_for(role: str) -> list[str]:
    """The actions a role may make (city-wide ones only at the center): for documentation and pages."""
    return [a for a, p in TABLE.items() if role in p.roles]
