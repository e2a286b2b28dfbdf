"""What a refund (退费, 1.2c) may still take from the dues it names: one answer for every road.

Submission (API, employer portal, front desk), correction of a refund's content (补正申请内容, page and
``PATCH /api/v1/cases/{id}/details/``) and approval (the completion's `refund.payable` effect) all ask
`refund_room`; nothing else decides how much money may go back (1.2c: never more than was paid for
those dues, checked against the books).

Per due, the books leave ``capacity = paid − refunded − relief credited``: the net of its allocations
(reversals included), less the items of every refund not cancelled (approved and waiting for the bank,
in a payment file, paid, or failed and to be resent), less the relief credited to the employer's prepaid
balance after the due was paid (`Due.relief_credited`, returned already). Every refund application
still in handling (not completed, not rejected, no `Refund` row yet) holds its amount over the dues it
names: the money is promised though not on the books. A refund may take ``room``: the most that fits
beside all of them together. Since one application may name several dues and another only some of
them, "together" is a transport problem: applications → dues → capacities, a maximum flow (small:
the applications connected to these dues through shared dues, found in the plain index of the dues
each refund names, `cases.RefundDue`, so only they are decrypted). The applications in handling are placed first;
the flow then adds the one decided, rerouting the others where it must but never shrinking them, so
``room = maxflow(with it) − maxflow(without it)``; when everything in handling fits, which every
accepted application made sure of, that is the exact amount left.

Concurrency: inside a transaction the employers owning the dues are locked (``SELECT … FOR UPDATE``,
in primary key order) before anything is read, so two refunds of one employer's dues are decided one
after the other and the second sees the first (PostgreSQL, READ COMMITTED). All dues of one refund
belong to one employer (`cases.checks.refund_dues_of_applicant`), so the employer's row is the lock
that covers every application that may compete.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum

_INF = 1 << 62
SOURCE, SINK = ("s",), ("t",)


@dataclass(frozen=True)
class Holding:
    """A refund application in handling: its case, the amount in fen it asks for and the dues it names."""

    case_id: int
    amount_fen: int
    dues: tuple[int, ...]


@dataclass(frozen=True)
class RefundRoom:
    """What one refund of `due_ids` may take (fen), decided from the books and every other refund in
    handling that competes for the same money. `books_fen`: what the books leave on these dues (no
    application in handling counted); `room_fen`: what is left once every application in `holding`
    keeps its amount; `credited_fen`: the relief credited to the prepaid balance for these dues
    (already subtracted, named by refusals)."""

    due_ids: tuple[int, ...]
    books_fen: int
    room_fen: int
    credited_fen: int
    holding: tuple[Holding, ...]
    capacity: dict[int, int] = field(repr=False)

    def split(self, amount_fen: int) -> list[tuple[int, int]] | None:
        """How `amount_fen` is taken from the dues, ``[(due id, fen)]`` in the order of `due_ids`
        (the caller's: oldest first), such that every application in `holding` still fits; None when
        it does not fit (`amount_fen > room_fen`)."""
        if amount_fen > self.room_fen:
            return None
        flow = _Flow(self.capacity, self.holding)
        flow.augment()
        taken = flow.add(self.due_ids, amount_fen)
        return [(d, taken[d]) for d in self.due_ids if taken.get(d)]


def relief_credited_fen(due_ids: Iterable[int]) -> dict[int, int]:
    """Per due (only those with any), the relief in fen credited to the employer's prepaid balance
    because the due had been paid when the relief came (`Due.relief_credited`, 1.2c with the relief
    packs' publication and 补减免, `collection.relief`): money already returned for that due."""
    from shebao.collection.models import Due

    return {pk: int(fen) for pk, fen in Due.objects.filter(pk__in=list(due_ids), relief_credited=True,
                                                           relief_fen__gt=0).values_list("pk", "relief_fen")}


def books_fen(due_ids: Iterable[int]) -> dict[int, int]:
    """Per due, what the books leave to refund, in fen, floored at 0: paid (allocations net of
    reversals) less the items of refunds not cancelled less the relief credited to the prepaid balance.
    No application in handling is counted here (`refund_room` counts them)."""
    from shebao.collection.models import Allocation, Refund, RefundItem

    ids = sorted(set(due_ids))
    paid = dict(Allocation.objects.filter(due_id__in=ids).values("due_id").annotate(s=Sum("amount_fen"))
                .values_list("due_id", "s"))
    taken = dict(RefundItem.objects.filter(due_id__in=ids).exclude(refund__status=Refund.Status.CANCELLED)
                 .values("due_id").annotate(s=Sum("amount_fen")).values_list("due_id", "s"))
    credited = relief_credited_fen(ids)
    return {d: max(0, int(paid.get(d) or 0) - int(taken.get(d) or 0) - credited.get(d, 0)) for d in ids}


def _in_handling(exclude_case: int | None):
    """The refund applications in handling except `exclude_case`: not completed or rejected and not yet
    on the books (no `Refund` row)."""
    from shebao.cases.models import Case, Status

    qs = (Case.objects.filter(business="refund", refund__isnull=True)
          .exclude(status__in=[Status.COMPLETED, Status.REJECTED]))
    return qs.exclude(pk=exclude_case) if exclude_case is not None else qs


def _holdings(due_ids: Iterable[int], exclude_case: int | None) -> list[Holding]:
    """Every refund application in handling (`_in_handling`) connected to `due_ids` through shared dues,
    with a whole-number amount and the dues it names. The connection is followed in the plain index
    (`cases.RefundDue`, one indexed query a step); only the applications found are decrypted."""
    from shebao.cases.models import RefundDue, refund_dues_named

    dues, frontier, found = set(due_ids), set(due_ids), set()
    while frontier:
        cases = set(RefundDue.objects.filter(due_id__in=sorted(frontier), case__in=_in_handling(exclude_case))
                    .values_list("case_id", flat=True)) - found
        if not cases:
            break
        found |= cases
        named = set(RefundDue.objects.filter(case_id__in=sorted(cases)).values_list("due_id", flat=True))
        frontier = named - dues
        dues |= named
    out = []
    for pk, details in _in_handling(exclude_case).filter(pk__in=sorted(found)).order_by("pk").values_list("pk", "details"):
        details = details or {}
        amount = details.get("amount_fen")
        named = tuple(sorted(refund_dues_named(details)))
        if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0 and named:
            out.append(Holding(pk, amount, named))
    return out


def _lock_employers(due_ids: list[int]) -> None:
    from shebao.collection.models import Due
    from shebao.registry.models import Employer

    if not transaction.get_connection().in_atomic_block:
        return  # a read outside any transaction (a form's list): nothing is decided on it
    employers = sorted(set(Due.objects.filter(pk__in=due_ids).values_list("employer_id", flat=True)))
    list(Employer.objects.select_for_update().filter(pk__in=employers).order_by("pk").values_list("pk", flat=True))


def _competing(due_ids: Iterable[int], holdings: list[Holding]) -> tuple[set[int], list[Holding]]:
    """The dues and applications connected to `due_ids` through applications naming shared dues."""
    dues, chosen, rest = set(due_ids), [], list(holdings)
    grew = True
    while grew:
        grew = False
        for h in list(rest):
            if dues.intersection(h.dues):
                chosen.append(h)
                rest.remove(h)
                dues.update(h.dues)
                grew = True
    return dues, sorted(chosen, key=lambda h: h.case_id)


def refund_room(due_ids: Iterable[int], *, exclude_case: int | None = None) -> RefundRoom:
    """What one more refund of `due_ids` may take, in fen (see the module). `exclude_case`: the refund
    case being corrected or approved (its own amount is what is asked, not a competitor). Inside a
    transaction the dues' employers are locked first, so the answer holds until it commits."""
    ids = list(dict.fromkeys(d for d in due_ids if isinstance(d, int) and not isinstance(d, bool)))
    _lock_employers(ids)
    dues, holding = _competing(ids, _holdings(ids, exclude_case))
    capacity = books_fen(dues)
    flow = _Flow(capacity, holding)
    flow.augment()
    room = sum(flow.add(ids, _INF).values())
    credited = relief_credited_fen(ids)
    return RefundRoom(tuple(ids), sum(capacity[d] for d in ids), room, sum(credited.values()), tuple(holding),
                      capacity)


def refundable_fen(due_ids: Iterable[int], *, exclude_case: int | None = None) -> int:
    """The most one refund of `due_ids` (together) may take, in fen: `refund_room(...).room_fen`."""
    return refund_room(due_ids, exclude_case=exclude_case).room_fen


def refundable_each(due_ids: Iterable[int]) -> dict[int, int]:
    """Per due, what a refund naming that due alone may take, in fen (a form's list of dues to pick):
    the books less every application in handling, as `refund_room` decides it. Read only."""
    from shebao.cases.models import RefundDue

    ids = sorted(set(due_ids))
    named = set(RefundDue.objects.filter(due_id__in=ids, case__in=_in_handling(None)).values_list("due_id", flat=True))
    plain = books_fen([d for d in ids if d not in named])
    out = dict(plain)
    for d in ids:
        if d in named:
            out[d] = refund_room([d]).room_fen
    return out


class _Flow:
    """Edmonds-Karp maximum flow on source → application → due → sink; integer fen, small graphs."""

    def __init__(self, capacity: dict[int, int], holding: Iterable[Holding]) -> None:
        self.res: dict[tuple, dict[tuple, int]] = {SOURCE: {}, SINK: {}}
        for d, c in capacity.items():
            self._edge(("d", d), SINK, c)
        for h in holding:
            self._edge(SOURCE, ("a", h.case_id), h.amount_fen)
            for d in h.dues:
                if d in capacity:
                    self._edge(("a", h.case_id), ("d", d), _INF)

    def _edge(self, u: tuple, v: tuple, c: int) -> None:
        self.res.setdefault(u, {})
        self.res.setdefault(v, {})
        self.res[u][v] = self.res[u].get(v, 0) + c
        self.res[v].setdefault(u, 0)

    def augment(self) -> int:
        total = 0
        while True:
            parent: dict[tuple, tuple] = {SOURCE: SOURCE}
            queue = deque([SOURCE])
            while queue and SINK not in parent:
                u = queue.popleft()
                for v, c in self.res[u].items():
                    if c > 0 and v not in parent:
                        parent[v] = u
                        queue.append(v)
            if SINK not in parent:
                return total
            path, v = [], SINK
            while v != SOURCE:
                path.append((parent[v], v))
                v = parent[v]
            push = min(self.res[u][v] for u, v in path)
            for u, v in path:
                self.res[u][v] -= push
                self.res[v][u] += push
            total += push

    def add(self, due_ids: list[int], amount: int) -> dict[int, int]:
        """Add one more application of `amount` over `due_ids` after the others and augment; its flow
        per due (what it takes from each)."""
        me = ("a", "new")
        self._edge(SOURCE, me, amount)
        for d in due_ids:
            if ("d", d) in self.res:
                self._edge(me, ("d", d), _INF)
        self.augment()
        return {d: _INF - self.res[me][("d", d)] for d in due_ids if ("d", d) in self.res and ("d", d) in self.res[me]}
