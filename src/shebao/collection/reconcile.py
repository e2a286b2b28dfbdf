"""`shebao reconcile`: proof that the books balance, from the rows themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Sum

from shebao.collection import ledger
from shebao.collection.models import Allocation, Due, LedgerTransaction, Payment, Posting
from shebao.collection.refunds import REFUND_PAYABLE


@dataclass
class Reconciliation:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def books_reconcile() -> Reconciliation:
    """Check the books against the rows they record: every transaction balances; receivable per employer
    equals its open dues; no employer credit is negative; each due is allocated in full once settled;
    money received less refunds paid is the bank; allocated plus credit is what was received plus relief
    credited; income is the dues plus relief taken off them less refunds approved; relief on the dues is
    relief in the books. Returns the problems in Chinese (empty when the books agree) and the figures, fen."""
    r = Reconciliation()
    for txn_id, total in ledger.unbalanced_transactions():
        r.problems.append(f"凭证#{txn_id}借贷不平，差额{total}分")
    # Every posting sums to zero over the whole ledger as well (a consequence, checked anyway).
    r.figures["postings"] = Posting.objects.count()
    r.figures["transactions"] = LedgerTransaction.objects.count()
    r.figures["ledger_total_fen"] = int(Posting.objects.aggregate(s=Sum("amount_fen"))["s"] or 0)
    if r.figures["ledger_total_fen"] != 0:
        r.problems.append(f"总账借贷合计不为零：{r.figures['ledger_total_fen']}分")

    # Receivable per employer (ledger) equals the open dues per employer (dues table).
    receivable = ledger.account_balances(account=ledger.RECEIVABLE)
    open_dues = {row["employer_id"]: int(row["s"]) for row in
                 Due.objects.filter(paid_on__isnull=True).values("employer_id").annotate(s=Sum("amount_fen"))}
    for employer_id in sorted(set(receivable) | set(open_dues)):
        a, b = receivable.get(employer_id, 0), open_dues.get(employer_id, 0)
        if a != b:
            r.problems.append(f"单位{employer_id}：总账应收{a}分，未缴应缴合计{b}分，不一致")
    r.figures["receivable_fen"] = sum(receivable.values())

    # Employer credit is money held: the liability can never turn into a debit.
    for employer_id, balance in ledger.account_balances(account=ledger.EMPLOYER_CREDIT).items():
        if balance > 0:
            r.problems.append(f"单位{employer_id}：预缴余额为负（{-balance}分）")
    r.figures["employer_credit_fen"] = -ledger.account_balance(account=ledger.EMPLOYER_CREDIT)

    # Each due: settled dues are allocated in full, open dues not at all (one set-based query).
    due_t, alloc_t = Due._meta.db_table, Allocation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, d.amount_fen, d.paid_on, COALESCE(SUM(a.amount_fen), 0) FROM {due_t} d "
            f"LEFT JOIN {alloc_t} a ON a.due_id = d.id GROUP BY d.id, d.amount_fen, d.paid_on "
            f"HAVING COALESCE(SUM(a.amount_fen), 0) <> CASE WHEN d.paid_on IS NULL THEN 0 ELSE d.amount_fen END "
            f"ORDER BY d.id")
        bad = cursor.fetchall()
    for due_id, amount, paid_on, allocated in bad[:20]:
        expected = amount if paid_on is not None else 0
        r.problems.append(f"应缴#{due_id}：分配合计{allocated}分，应为{expected}分")
    if len(bad) > 20:
        r.problems.append(f"另有{len(bad) - 20}笔应缴的分配合计不符")

    # Refunds (1.2c): an approved refund takes income back into refund_payable (a cancelled one is reversed),
    # and the bank's payment of it takes the payable out of the bank. They left every check below reporting
    # a mismatch after the first refund, since none counted them (fixmoney8's finding).
    refunds_paid = -int(Posting.objects.filter(account=ledger.BANK, transaction__kind=LedgerTransaction.Kind.REFUND_PAID)
                        .aggregate(s=Sum("amount_fen"))["s"] or 0)
    refunds_outstanding = -ledger.account_balance(account=REFUND_PAYABLE)
    refunds_approved = refunds_outstanding + refunds_paid
    r.figures["refunds_approved_fen"], r.figures["refunds_paid_fen"] = refunds_approved, refunds_paid
    r.figures["refunds_outstanding_fen"] = refunds_outstanding
    if refunds_outstanding < 0:
        r.problems.append(f"应付退费余额为负（{refunds_outstanding}分）：支付的退费多于核准的退费")

    # Money: every fen received is allocated or held as credit; what left the bank is refunds paid.
    received = int(Payment.objects.exclude(source=Payment.Source.CREDIT).exclude(
        transaction__reversed_by__isnull=False).aggregate(s=Sum("amount_fen"))["s"] or 0)
    bank = ledger.account_balance(account=ledger.BANK)
    r.figures["received_fen"], r.figures["bank_fen"] = received, bank
    if received - refunds_paid != bank:
        r.problems.append(f"收款合计{received}分减已付退费{refunds_paid}分与总账银行存款{bank}分不一致")
    allocated_total = int(Allocation.objects.aggregate(s=Sum("amount_fen"))["s"] or 0)
    r.figures["allocated_fen"] = allocated_total
    # Relief credited to employers who had paid (a relief pack published after they paid) is credit too.
    relief_credited = int(Due.objects.filter(relief_credited=True).aggregate(s=Sum("relief_fen"))["s"] or 0)
    r.figures["relief_credited_fen"] = relief_credited
    if allocated_total + r.figures["employer_credit_fen"] != bank + refunds_paid + relief_credited:
        r.problems.append(f"已分配{allocated_total}分加预缴余额{r.figures['employer_credit_fen']}分不等于"
                          f"收款{bank + refunds_paid}分加减免退款{relief_credited}分")
    dues_total = int(Due.objects.aggregate(s=Sum("amount_fen"))["s"] or 0)
    insurances = ("pension", "unemployment", "medical", "maternity", "work_injury")
    income = -sum(ledger.account_balance(account=ledger.income_account(k)) for k in insurances)
    # Relief packs: income is the full contribution; relief taken off a due is debited to relief:<insurance>
    # (a paid due keeps its amount and the relief went to the employer's credit).
    reduced = int(Due.objects.filter(relief_credited=False).aggregate(s=Sum("relief_fen"))["s"] or 0)
    relieved = int(Due.objects.aggregate(s=Sum("relief_fen"))["s"] or 0)
    relief_booked = sum(ledger.account_balance(account=f"relief:{k}") for k in insurances)
    r.figures["dues_fen"], r.figures["income_fen"] = dues_total, income
    r.figures["relief_fen"] = relief_booked
    if dues_total + reduced - refunds_approved != income:
        r.problems.append(f"应缴合计{dues_total}分加减免{reduced}分减核准退费{refunds_approved}分"
                          f"与总账收入{income}分不一致")
    if relieved != relief_booked:
        r.problems.append(f"应缴记载的减免合计{relieved}分与总账减免{relief_booked}分不一致")
    return r
