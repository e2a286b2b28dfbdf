"""People registered twice (issue 16, review-input6 F6): a citizen ID number registered under another
document type (护照, 港澳居民来往内地通行证 …) before af20f9d refused it.

Such a row is the card holder registered a second time: the desk, the portal and the search look a
citizen ID up under 居民身份证 and miss it, and its contributions are not the card holder's. This
module lists them for the registry administrator to merge or correct; it changes nothing.

Nothing but the candidates is decrypted: only rows of another document type whose number has a
region in clear (`id_region`, kept for numbers of 15 or more characters, the length of every citizen
ID) are read, and the card holder is looked up by the keyed hash of the number
(`Person.objects.filter(id_number=…)`, core.fields) and by name and birth date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from shebao.core.masking import mask_id_number
from shebao.core.person_name import normalize_person_name
from shebao.core.scoping import scope_queryset
from shebao.registry.checks import CodeError, parse_citizen_id, reads_as_citizen_id
from shebao.registry.models import Person


@dataclass
class RegisteredTwice:
    """One person registered under another document type with a number that reads as a citizen ID:
    `person`, the 18-character `citizen_id` it reads as, and `twins`, the people registered under
    居民身份证 that may be the same card holder (same number in either form, or same name and birth
    date as the number gives), best first."""

    person: Person
    citizen_id: str
    twins: list[Person] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """One line in Chinese, numbers masked."""
        p = self.person
        head = (f"人员#{p.pk} {p.name}：证件类型为{p.get_id_type_display()}，号码{mask_id_number(p.id_number)}"
                f"实为居民身份证号码{mask_id_number(self.citizen_id)}")
        if not self.twins:
            return head + "；未发现以居民身份证登记的同一人，应更正证件类型"
        named = "、".join(f"人员#{t.pk} {t.name}（{mask_id_number(t.id_number)}）" for t in self.twins)
        return head + f"；疑与{named}为同一人，应核实后合并"


def _short_form(citizen_id: str) -> str:
    """The 15-digit first-generation form of an 18-character citizen ID (GB 11643-1989)."""
    return citizen_id[:6] + citizen_id[8:17]


def _same_name_born(person: Person, born: Any) -> list[int]:
    """The ids of the people under 居民身份证 born on ``born`` whose name is ``person``'s as the one rule
    spells a name (`core.person_name.normalize_person_name`: 张·三, 张•三 and 张・三 are one name; a name
    stored before the rule may keep its look-alike 间隔号: review-user9 F1)."""
    spelled = normalize_person_name(person.name)
    if not spelled:
        return []
    born_so = Person.objects.filter(id_type=Person.IdType.CITIZEN_ID, birth_date=born, merged_into=None,
                                    name__startswith=spelled[0]).exclude(pk=person.pk)
    return [pk for pk, name in born_so.values_list("pk", "name") if normalize_person_name(name) == spelled]


def registered_twice(*, user: Any = None) -> Iterator[RegisteredTwice]:
    """Every person (of the user's scope; all when `user` is None, the command) registered under
    another document type whose number reads as a citizen ID (`registry.checks.reads_as_citizen_id`),
    with the candidates for the same card holder. A record already merged (`registry.merge`) is
    neither listed nor a candidate. Reads only; ordered by person id."""
    qs = Person.objects.exclude(id_type=Person.IdType.CITIZEN_ID).exclude(id_region="").filter(merged_into=None)
    if user is not None:
        qs = scope_queryset(qs, user=user)
    for person in qs.order_by("pk").iterator(chunk_size=500):
        citizen_id = reads_as_citizen_id(person.id_number)
        if citizen_id is None:
            continue
        match = Q(id_number__in=[citizen_id, _short_form(citizen_id)])
        try:
            parsed = parse_citizen_id(citizen_id)
            match |= Q(pk__in=_same_name_born(person, parsed.birth_date))
        except CodeError:
            pass
        twins = list(Person.objects.filter(match, id_type=Person.IdType.CITIZEN_ID, merged_into=None)
                     .exclude(pk=person.pk)
                     .order_by("pk"))
        twins.sort(key=lambda t: (t.id_number not in (citizen_id, _short_form(citizen_id)), t.pk))
        yield RegisteredTwice(person=person, citizen_id=citizen_id, twins=twins)
