"""Merging a person registered twice (issue 16, review-input6 F6) into the record kept.

`registry.duplicates.registered_twice` finds the pairs; the registry's reviewer (or the center) chooses
the record to keep, and `person_merge` moves every dependent row of the other record to it in one
transaction, marks the other as merged (`Person.merged_into`, `merged_at`: never deleted, so every
old reference still leads somewhere) and writes an audit row on each record.

What moves and what stays, for every foreign key to `Person` (a test walks the models, so a new foreign
key that is in neither list fails it):

* `MOVED`: the business rows: contributions, employment spells, cases, declaration rows, benefit
  payments and awards, card orders, the residents' pension, and (when the record kept has none of its
  own) the pension account and the retiree record. When both have a pension account, the months of
  the other's account move to the kept one and the other's (now empty) account stays.
* `KEPT`: append-only trails that record what happened to *that* record (its change history, the
  rights statements issued for it, the portal's identity checks) and its own derived search words.
  They are never rewritten (core.models.AppendOnlyModel); the pointer leads from them to the record kept.

A merge that would put two rows where the rules allow one is refused, with every conflict named in
Chinese, and changes nothing (`merge_conflicts`): two contributions for the same employer and month,
two pension (retiree) records, two residents' pension enrolments not cancelled, two disability
allowances being paid, two pension-account months not moved out for the same month, or employment
spells with the same employer whose periods overlap.

The identities are held first (`identity_problem`, review-user8 F1 and F5, review-input8 F2): the record
kept must be the one under a valid 居民身份证 number when the other has one (else the desk, the portal and
the search, which look the card holder up by that number, land on the merged shell), and two records
whose numbers read as two different citizen IDs are two people, never merged. `pair_basis` says, for
the page, which facts made a pair.

A merge made the wrong way is undone by a reviewer (`person_unmerge`): the rows recorded as moved at
merge time (`PersonMerge.moved`) go back, exactly those, and the other record is no longer merged. Rows
written on the record kept after the merge are its own and stay. A merge made before its rows were
recorded has no such record and is refused with the reason (`unmerge_problem`).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef

from shebao.core import clock
from shebao.core.errors import Conflict, DomainError
from shebao.core.masking import invisible_problem, mask_text
from shebao.core.models import AuditEvent
from shebao.core.permissions import actor_label, actor_user, require
from shebao.core.person_name import normalize_person_name
from shebao.registry.checks import CodeError, parse_citizen_id, reads_as_citizen_id
from shebao.registry.models import (
    AccountMonth,
    Contribution,
    EmploymentSpell,
    PensionAccount,
    Person,
    PersonMerge,
)

# (model label, field name) of every foreign key to Person whose rows move to the record kept.
MOVED: tuple[tuple[str, str], ...] = (
    ("registry.EmploymentSpell", "person"),
    ("registry.Contribution", "person"),
    ("registry.ResidentPension", "person"),
    ("collection.DeclarationRow", "person"),
    ("cases.Case", "person"),
    ("benefits.Transfer", "person"),
    ("benefits.ExchangeRecord", "person"),
    ("benefits.WorkInjuryAward", "person"),
    ("benefits.DisabilityAllowance", "person"),
    ("benefits.SurvivorPension", "deceased"),
    ("cards.CardOrder", "person"),
)
# One-to-one: moved only when the record kept has none (else the conflicts or the months decide).
MOVED_ONE: tuple[tuple[str, str], ...] = (
    ("registry.PensionAccount", "person"),
    ("benefits.Retiree", "person"),
)
# Foreign keys whose rows stay with the merged record, and why (see the module's docstring).
KEPT: dict[tuple[str, str], str] = {
    ("registry.PersonHistory", "person"): "append-only change history of that record",
    ("registry.PersonNameWord", "person"): "search words derived from that record's own name",
    ("collection.RightsStatement", "person"): "append-only: the statements issued for that record",
    ("portal.IdentityCheck", "person"): "append-only: the portal's identity checks of that record",
    ("registry.Person", "merged_into"): "the pointer itself",
    ("registry.PersonMerge", "keep"): "the merge's own record: which rows moved, to undo it",
    ("registry.PersonMerge", "other"): "the merge's own record: which rows moved, to undo it",
}
REASON_MAX = AuditEvent._meta.get_field("reason").max_length  # the audit row's column (200)
SHOWN_AT_MOST = 5  # conflicts of one kind named in the message; the rest are counted


def _named(items: list[str]) -> str:
    head = "、".join(items[:SHOWN_AT_MOST])
    return head + (f"等{len(items)}项" if len(items) > SHOWN_AT_MOST else "")


def _valid_citizen_id(p: Person) -> str | None:
    """The record's number when it is registered as 居民身份证 and passes GB 11643 (else None)."""
    if p.id_type != Person.IdType.CITIZEN_ID:
        return None
    try:
        parse_citizen_id(p.id_number)
    except CodeError:
        return None
    return p.id_number


def identity_problem(*, keep: Person, other: Person) -> str:
    """Why these two identities may not be merged this way, in Chinese, or "" (reads no table):

    * both numbers read as citizen IDs (`registry.checks.reads_as_citizen_id`: an 18-character one, or a
      15-digit first-generation one as its 18-character form) and they differ: two card holders, never
      one person (review-user8 F5: same name and birthday, different numbers, merged in one click);
    * `other` is under a valid 居民身份证 number and `keep` is not: the record kept must be the one the
      card holder is looked up by (review-user8 F1, review-input8 F2: keeping the 护照 record left the
      citizen ID's sign-in and desk lookup on the merged shell)."""
    a, b = reads_as_citizen_id(keep.id_number), reads_as_citizen_id(other.id_number)
    if a and b and a != b:
        return ("两条记录的证件号码是两个不同的居民身份证号码，属于两个人，不能合并"
                "（仅姓名和出生日期相同；如一条证件号码有误，请先更正）")
    held = _valid_citizen_id(other)
    if held and _valid_citizen_id(keep) is None:
        return (f"人员#{other.pk}以有效的居民身份证号码登记，应保留该记录、合并人员#{keep.pk}"
                f"（前台、单位网厅和个人登录都按居民身份证号码查找本人）")
    return ""


def pair_basis(listed: Person, twin: Person) -> str:
    """Which facts made `registered_twice` pair these two, in Chinese, for the reviewer (review-user8
    F5): the same number (the 15-digit form of the 18-digit one, or the same 18 characters under another
    document type), and whether name, birth date (from the number) and gender agree; or, when the numbers
    are two different citizen IDs, that only name and birth date agree."""
    a, b = reads_as_citizen_id(listed.id_number), reads_as_citizen_id(twin.id_number)
    facts = []
    if a and a == b:
        facts.append("证件号码相同（15位与18位号码）" if len(listed.id_number) == 15 else "证件号码相同")
    # one name however its 间隔号 was typed (core.person_name, review-user9 F1)
    same_name = normalize_person_name(listed.name) == normalize_person_name(twin.name)
    facts.append("姓名相同" if same_name else "姓名不同")
    facts.append(f"出生日期相同（{twin.birth_date:%Y-%m-%d}）" if listed.birth_date == twin.birth_date else "出生日期不同")
    facts.append("性别相同" if listed.gender == twin.gender else "性别不同")
    if a and b and a != b:
        facts.append("但证件号码是两个不同的居民身份证号码")
    return "、".join(facts)


def merge_conflicts(*, keep: Person, other: Person) -> list[str]:
    """What stops `other` from being merged into `keep`, in Chinese, one line per kind of conflict
    (empty: the merge may go ahead). Reads only."""
    if keep.pk == other.pk:
        return ["保留的记录与被合并的记录是同一人员，不能合并"]
    found: list[str] = []
    for p in (keep, other):
        if p.merged_into_id is not None:
            # named by the END of its merge chain, where its business is done (`kept_record`, as every
            # look-up follows it): A merged into B merged into C names C, through B (review F6)
            from shebao.registry.selectors import kept_record_pk

            end = kept_record_pk(p.pk)
            through = f"（经人员#{p.merged_into_id}）" if end not in (None, p.merged_into_id) else ""
            found.append(f"人员#{p.pk}已于此前合并至人员#{end or p.merged_into_id}{through}，不能再合并；"
                         "请在保留的记录上办理")
    if found:
        return found
    if problem := identity_problem(keep=keep, other=other):
        return [problem]
    same_month = (Contribution.objects.filter(person=other)
                  .filter(Exists(Contribution.objects.filter(person=keep, employer_id=OuterRef("employer_id"),
                                                             month=OuterRef("month"))))
                  .select_related("employer").order_by("month", "employer_id"))
    months = [f"{c.employer.name}{c.month}" for c in same_month]
    if months:
        found.append(f"两条记录在同一单位同一月份都有缴费记录（{_named(months)}），合并后将重复计算，请先核销其中一条")
    Retiree = apps.get_model("benefits", "Retiree")
    if Retiree.objects.filter(person=keep).exists() and Retiree.objects.filter(person=other).exists():
        found.append("两条记录都有基本养老金待遇（退休人员）记录，同一人不能领取两份养老金，请先终止其中一条")
    ResidentPension = apps.get_model("registry", "ResidentPension")
    open_enrolment = ResidentPension.objects.exclude(state=ResidentPension.State.CANCELLED)
    if open_enrolment.filter(person=keep).exists() and open_enrolment.filter(person=other).exists():
        found.append("两条记录都有未注销的城乡居民养老保险登记，请先注销其中一条")
    DisabilityAllowance = apps.get_model("benefits", "DisabilityAllowance")
    paid = DisabilityAllowance.objects.filter(status=DisabilityAllowance.Status.ACTIVE)
    if paid.filter(person=keep).exists() and paid.filter(person=other).exists():
        found.append("两条记录都有正在发放的伤残津贴，请先停发其中一条")
    accounts = {a.person_id: a for a in PensionAccount.objects.filter(person__in=[keep, other])}
    if keep.pk in accounts and other.pk in accounts:
        live = AccountMonth.objects.filter(moved_out_at__isnull=True)
        both = (live.filter(account=accounts[other.pk])
                .filter(Exists(live.filter(account=accounts[keep.pk], month=OuterRef("month"))))
                .order_by("month").values_list("month", flat=True))
        if both:
            found.append(f"两条记录的养老保险个人账户在同一月份都有记账（{_named(list(both))}），请先核实更正")
    overlaps = []
    keep_spells = list(EmploymentSpell.objects.filter(person=keep).select_related("employer"))
    for s in EmploymentSpell.objects.filter(person=other).order_by("from_month"):
        for k in keep_spells:
            if (k.employer_id == s.employer_id and k.from_month <= (s.to_month or "9999-12")
                    and s.from_month <= (k.to_month or "9999-12")):
                overlaps.append(f"{k.employer.name}{s.from_month}起")
    if overlaps:
        found.append(f"两条记录在同一单位的参保经历时间重叠（{_named(overlaps)}），请先更正其中一条")
    return found


class MergeRefused(Conflict):
    """The merge would create conflicts (`merge_conflicts`): nothing was changed (HTTP 409). The field at
    fault is `keep` unless the refusal names `other` (`_merge_field`)."""

    field_default = "keep"


class UnmergeRefused(Conflict):
    """The merge may not be undone (`unmerge_problem`): nothing was changed (HTTP 409). The field is
    `person`, the record in the address (the body has only the reason)."""

    field_default = "person"


class ReasonRefused(DomainError):
    """The reason of a merge or of its undo is missing, too short, too long or holds an invisible
    character: an input fault (HTTP 400 at field `reason`, review-input9 F6: it was a 409 conflict),
    nothing was changed."""

    field_default = "reason"


def _reason_checked(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ReasonRefused(f"请填写{what}理由（至少4个字），例如核实的证件材料", "a reason of at least 4 characters is required")
    # Said, not cut: the audit row holds 200 characters (review-input8 F6: 5000 stored as 200).
    if len(reason) > REASON_MAX:
        raise ReasonRefused(f"{what}理由不能超过{REASON_MAX}个字符（现为{len(reason)}个）", "the reason is too long")
    if problem := invisible_problem(reason, f"{what}理由"):
        raise ReasonRefused(problem, "the reason holds an invisible character")
    return reason


def reason_problem(reason: str, what: str) -> str:
    """Why `reason` may not be the reason of a merge (`what` = "合并") or of its undo ("撤销合并"), in
    Chinese, or "": for a page that says every fault of a form at once (the services raise it)."""
    try:
        _reason_checked(reason, what)
    except ReasonRefused as e:
        return e.zh
    return ""


def _merge_field(*, keep: Person, other: Person) -> str:
    """The input a refused merge names: `other` when the record to merge is itself merged already or is
    the record kept (review-input9 F6: a merged shell as `other` was named `keep`), else `keep`."""
    return "other" if other.merged_into_id is not None or other.pk == keep.pk else "keep"


@transaction.atomic
def person_merge(*, actor: Any, keep: Person, other: Person, reason: str) -> dict[str, int]:
    """Merge `other` (a person registered twice) into `keep`: every dependent row listed in `MOVED`
    (and `MOVED_ONE`, or the pension account's months) now points at `keep`; `other` is marked merged
    (`merged_into` = keep, `merged_at` = now) and kept; an audit row is written on each record with the
    counts moved and the reason. One transaction: all of it or nothing.

    Permission: `person.merge` in the districts of both records. Refused (`MergeRefused`, 409, Chinese,
    nothing changed) when `merge_conflicts` names anything (the identities first: `identity_problem`);
    refused (`ReasonRefused`, 400 at `reason`) without a reason of at least 4 characters, with one over
    `REASON_MAX` characters or holding an invisible character. Returns the rows moved,
    by model label."""
    require(actor, "person.merge", district_id=keep.district_id)
    require(actor, "person.merge", district_id=other.district_id)
    reason = _reason_checked(reason, "合并")
    # Both rows locked in the order of their keys, so two merges of the same pair cannot interleave.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, other.pk]).order_by("pk")}
    keep, other = locked.get(keep.pk, keep), locked.get(other.pk, other)
    conflicts = merge_conflicts(keep=keep, other=other)
    if conflicts:
        raise MergeRefused("不能合并：" + "；".join(conflicts), "the merge would create conflicts",
                           field=_merge_field(keep=keep, other=other))

    # Every row moved is recorded by its key (PersonMerge.moved), so the merge can be undone exactly.
    rows: dict[str, list[int]] = {}

    def move(label: str, qs: Any, **to: Any) -> None:
        pks = sorted(qs.values_list("pk", flat=True))
        if pks:
            qs.model.objects.filter(pk__in=pks).update(**to)
            rows[label] = pks

    for label, field in MOVED:
        move(label, apps.get_model(label).objects.filter(**{field: other}), **{field: keep})
    accounts = {a.person_id: a for a in PensionAccount.objects.filter(person__in=[keep, other])}
    for label, field in MOVED_ONE:
        model = apps.get_model(label)
        if not model.objects.filter(**{field: keep}).exists():
            move(label, model.objects.filter(**{field: other}), **{field: keep})
    if keep.pk in accounts and other.pk in accounts:
        move("registry.AccountMonth", AccountMonth.objects.filter(account=accounts[other.pk]), account=accounts[keep.pk])
    moved = {label: len(pks) for label, pks in rows.items()}

    now = clock.now()
    Person.objects.filter(pk=other.pk).update(merged_into=keep, merged_at=now)
    other.merged_into, other.merged_at = keep, now
    PersonMerge.objects.create(keep=keep, other=other, moved=rows, merged_at=now, merged_by_label=actor_label(actor),
                               reason=mask_text(reason)[:200])
    who = {"actor": actor_user(actor), "actor_label": actor_label(actor), "reason": mask_text(reason)[:200]}
    AuditEvent.objects.create(**who, action=AuditEvent.Action.UPDATE, model="registry.Person",
                              object_pk=str(other.pk), district_code=other.audit_district_code,
                              changes={"merged_into": [None, keep.pk], "merged_at": [None, now.isoformat()],
                                       "moved_out": moved})
    AuditEvent.objects.create(**who, action=AuditEvent.Action.UPDATE, model="registry.Person",
                              object_pk=str(keep.pk), district_code=keep.audit_district_code,
                              changes={"merged_from": [None, other.pk], "moved_in": moved})
    return moved


# --- Undoing a merge made the wrong way ----------------------------------------------------------------
_FIELDS = dict(MOVED + MOVED_ONE)


def merge_record(other: Person) -> PersonMerge | None:
    """The record of the merge that made `other` merged (`PersonMerge`, not undone), or None: `other`
    is not merged, or was merged before merges recorded their rows. Reads only."""
    if other.merged_into_id is None:
        return None
    return (PersonMerge.objects.select_related("keep", "other")
            .filter(other=other, keep_id=other.merged_into_id, undone_at__isnull=True).order_by("-pk").first())


def _moved_back(record: PersonMerge) -> list[tuple[Any, list[int], dict[str, Any], dict[str, Any]]]:
    """For each kind of row the merge moved: (the model, its pks, where they are now, where they go back)."""
    keep, other = record.keep, record.other
    accounts = {a.person_id: a for a in PensionAccount.objects.filter(person__in=[keep, other])}
    plan = []
    for label, pks in sorted(record.moved.items()):
        if label == "registry.AccountMonth":
            plan.append((AccountMonth, pks, {"account": accounts.get(keep.pk)}, {"account": accounts.get(other.pk)}))
        else:
            field = _FIELDS[label]
            plan.append((apps.get_model(label), pks, {field: keep}, {field: other}))
    return plan


def unmerge_problem(other: Person) -> str:
    """Why the merge of `other` may not be undone, in Chinese, or "" (reads only):

    * `other` is not merged;
    * the merge was made before merges recorded which rows moved: the rows it moved cannot be told
      from the record kept's own, so nothing is moved back by guess (the reviewer corrects them one by
      one, from the merge's audit row);
    * the record kept was merged again since (undo that merge first);
    * a row the merge moved is no longer on the record kept (moved again since)."""
    if other.merged_into_id is None:
        merged = list(Person.objects.filter(merged_into=other).order_by("pk").values_list("pk", flat=True))
        if merged:  # review-user9 F4: called on the record kept, which was never merged itself
            shown = "、".join(f"人员#{pk}" for pk in merged)
            return (f"人员#{other.pk}是合并时保留的记录，本身未被合并；撤销合并应对被合并的记录办理"
                    f"（{shown}）")
        return f"人员#{other.pk}未被合并，无需撤销"
    record = merge_record(other)
    if record is None:
        return (f"人员#{other.pk}并入人员#{other.merged_into_id}的合并办理于系统逐条记录迁移明细之前，"
                "无法区分保留记录上哪些缴费、参保经历、申请等原属被合并的记录，因此不能自动撤销；"
                "请根据合并时的审计记录（迁移数量和理由）核实后，通过个人信息变更和业务更正逐项处理")
    keep = record.keep
    if keep.merged_into_id is not None:
        return f"保留的记录人员#{keep.pk}此后又合并至人员#{keep.merged_into_id}，请先撤销后一次合并"
    for model, pks, now_at, back_to in _moved_back(record):
        if None in now_at.values() or None in back_to.values():
            return "两条记录的养老保险个人账户已变动，迁移的账户记账无法按原样退回，请核实后更正"
        elsewhere = model.objects.filter(pk__in=pks).exclude(**now_at).count()
        if elsewhere:
            return (f"合并时迁移的{model._meta.verbose_name}中有{elsewhere}条已不在保留的记录人员#{keep.pk}上，"
                    "不能按原样撤销，请核实后更正")
    return ""


@transaction.atomic
def person_unmerge(*, actor: Any, other: Person, reason: str) -> dict[str, int]:
    """Undo the merge of `other` into the record kept (a merge made the wrong way): exactly the rows the
    merge moved (`PersonMerge.moved`, recorded at merge time) go back to `other`, `other` is no longer
    merged (`merged_into`, `merged_at` cleared), the merge's record is marked undone, and an audit row
    is written on each record with the counts moved back and the reason. Rows written on the record
    kept after the merge stay with it. One transaction: all of it or nothing.

    Permission: `person.unmerge` in the districts of both records. Refused (`UnmergeRefused`, 409,
    Chinese, nothing changed) when `unmerge_problem` names anything (the record kept named, with the
    records merged into it), and (`ReasonRefused`, 400 at `reason`) for a missing, short, overlong or
    invisible-character reason. Returns the rows moved back, by model label."""
    keep_id = other.merged_into_id
    require(actor, "person.unmerge", district_id=other.district_id)
    if keep_id is not None:
        require(actor, "person.unmerge", district_id=Person.objects.filter(pk=keep_id).values_list(
            "district_id", flat=True).first())
    reason = _reason_checked(reason, "撤销合并")
    pks = sorted(pk for pk in (other.pk, keep_id) if pk is not None)
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=pks).order_by("pk")}
    other = locked.get(other.pk, other)
    if problem := unmerge_problem(other):
        raise UnmergeRefused("不能撤销合并：" + problem, "the merge cannot be undone")
    record = merge_record(other)
    assert record is not None  # unmerge_problem said so
    keep = record.keep
    back: dict[str, int] = {}
    for model, row_pks, now_at, back_to in _moved_back(record):
        n = model.objects.filter(pk__in=row_pks, **now_at).update(**back_to)
        if n:
            back[model._meta.label] = n
    now = clock.now()
    Person.objects.filter(pk=other.pk).update(merged_into=None, merged_at=None)
    other.merged_into, other.merged_at = None, None
    label = actor_label(actor)
    PersonMerge.objects.filter(pk=record.pk).update(undone_at=now, undone_by_label=label,
                                                    undo_reason=mask_text(reason)[:200])
    who = {"actor": actor_user(actor), "actor_label": label, "reason": mask_text(reason)[:200]}
    AuditEvent.objects.create(**who, action=AuditEvent.Action.UPDATE, model="registry.Person",
                              object_pk=str(other.pk), district_code=other.audit_district_code,
                              changes={"merged_into": [keep.pk, None], "unmerged_at": [None, now.isoformat()],
                                       "moved_back_in": back, "merge_record": record.pk})
    AuditEvent.objects.create(**who, action=AuditEvent.Action.UPDATE, model="registry.Person",
                              object_pk=str(keep.pk), district_code=keep.audit_district_code,
                              changes={"unmerged_from": [other.pk, None], "moved_back_out": back,
                                       "merge_record": record.pk})
    return back
