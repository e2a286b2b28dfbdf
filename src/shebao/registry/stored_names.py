"""Names stored before the name rule (review F1): the registry holds names typed before
`core.person_name` was the one rule (阿依古丽•买买提 with a bullet, 王 五 with a space on a 居民身份证, a
name with U+3164 in it). Nothing flagged them: an open case of such a person was accepted silently, and a
reviewer's refusal said only 申请内容不完整.

* `stored_name_problem` says what the rule says of a stored name, naming the position and the character
  (第2位是不可见的字符U+3164（韩文填充符）…), for the case page and the approval's refusal
  (`cases.selectors.case_content_problems`);
* `stored_names_check` lists every stored name the rule refuses or would spell otherwise, with the open
  cases naming each person (the command ``shebao names_check``);
* `stored_names_normalise` stores the rule's spelling where the rule only normalises (NFKC, the
  间隔号's look-alikes as U+00B7, spaces), each change an audit row with the old and the new name; a name
  the rule refuses is not guessed at: it is flagged by an audit row (``names_check``) carrying the
  problem, and corrected by a 个人信息变更 (1.3a) with the person's document.

Source: `core.person_name` (GB/T 28039-2011, 《居民身份证法》第三条, UAX #15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shebao.core.audit import audit_update, snapshot
from shebao.core.invisible import INVISIBLE_RE
from shebao.core.masking import mask_text, shown_text
from shebao.core.models import AuditEvent
from shebao.core.permissions import actor_label, actor_user, require
from shebao.core.person_name import normalize_person_name, person_name_problem
from shebao.registry.models import Person

FLAG_REASON = "姓名登记于姓名规则之前，不符合规则：须凭证件办理个人信息变更更正"


def stored_name_problem(person: Person | None) -> str:
    """Why the name stored for ``person`` fails the rule (`core.person_name.person_name_problem`, by
    the person's document type), in Chinese naming the position and the character, or ``""``; ``""``
    for None. A name the rule only spells otherwise (``张•三`` for ``张·三``) is no problem here."""
    if person is None:
        return ""
    problem = person_name_problem(person.name, id_type=person.id_type)
    if not problem:
        return ""
    return f"参保人员登记的姓名“{shown_text(person.name)}”{problem}（{FLAG_REASON}）"


@dataclass
class NameFinding:
    """One stored name the rule refuses (``kind`` "refuse", with ``problem``) or spells otherwise
    (``kind`` "normalise", with ``new``); ``open_cases``: the ids of the person's open cases."""

    person_id: int
    id_type: str
    old: str
    new: str
    kind: str
    problem: str = ""
    open_cases: list[int] = field(default_factory=list)


def stored_names_check() -> list[NameFinding]:
    """Every person record (merged ones left out: nothing is done on them) whose stored name the rule
    refuses or would store otherwise, by person id, with its open cases. Reads only; unscoped (a command
    at the server)."""
    from shebao.cases.models import Case, Status

    found: list[NameFinding] = []
    for pk, name, id_type in (Person.objects.filter(merged_into=None).order_by("pk")
                              .values_list("pk", "name", "id_type").iterator(chunk_size=2000)):
        problem = person_name_problem(name, id_type=id_type)
        new = normalize_person_name(name)
        if problem:
            found.append(NameFinding(pk, id_type, name, name, "refuse", problem))  # not guessed at
        elif new != name:
            found.append(NameFinding(pk, id_type, name, new, "normalise"))
    if found:
        by_person: dict[int, list[int]] = {}
        open_cases = (Case.objects.filter(person_id__in=[f.person_id for f in found])
                      .exclude(status__in=[Status.COMPLETED, Status.REJECTED]).order_by("pk"))
        for case_pk, person_pk in open_cases.values_list("pk", "person_id"):
            by_person.setdefault(person_pk, []).append(case_pk)
        for f in found:
            f.open_cases = by_person.get(f.person_id, [])
    return found


def _marked(name: str) -> str:
    """``name`` with each character no one can see written as ``[U+XXXX]`` (李[U+3164]四)."""
    return INVISIBLE_RE.sub(lambda m: f"[U+{ord(m.group()):04X}]", name)


def stored_names_normalise(*, actor: Any) -> tuple[int, int]:
    """Store the rule's spelling of every name the rule only normalises, and flag every name it refuses
    (once per name); returns (normalised, flagged). Each rename is an audit row on the person
    (``changes: {"name": [old, new]}``); a flag is an audit row whose ``changes`` hold
    ``{"name_check": [the name, the problem]}`` (an invisible character as ``[U+XXXX]``), the name unchanged. Needs ``person.update``.
    Idempotent: a second run renames nothing and flags nothing again."""
    require(actor, "person.update")
    normalised = flagged = 0
    with transaction.atomic():
        for f in stored_names_check():
            person = Person.objects.select_for_update().select_related("district").get(pk=f.person_id)
            if person.name != f.old:
                continue  # changed since it was read
            if f.kind == "normalise":
                before = snapshot(person, ["name"])
                person.name = f.new
                person.save()
                audit_update(actor=actor, instance=person, before=before,
                             reason="姓名按姓名规则规范写法（间隔号、全角字符、空格），人员未变（names_check）")
                normalised += 1
                continue
            earlier = AuditEvent.objects.filter(model=Person._meta.label, object_pk=str(person.pk),
                                                changes__has_key="name_check").values_list("changes", flat=True)
            shown = _marked(f.old)  # the trail holds no invisible character (core.inputs' guard)
            if any(c["name_check"][0] == shown for c in earlier):
                continue
            AuditEvent.objects.create(
                actor=actor_user(actor), actor_label=actor_label(actor), action=AuditEvent.Action.UPDATE,
                model=Person._meta.label, object_pk=str(person.pk),
                district_code=str(getattr(person, "audit_district_code", "") or ""),
                changes={"name_check": [shown, f.problem]}, reason=mask_text(FLAG_REASON))
            flagged += 1
    return normalised, flagged
