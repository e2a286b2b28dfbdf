"""Issue 13's first "Done when": a test per business walks it from submission through its workflow to
completion and asserts the books. Each business with an effect on completion (its definition's
``effect:``, rules/businesses/<code>.yaml) names here the test that does it; a new business with an
effect and no walk, or a walk renamed away, fails this guard instead of passing unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

from shebao.rules.business_fields import definitions

TESTS = Path(__file__).resolve().parents[1]
EFFECTS = "tests/cases/test_account_and_resident_pension_effects.py"
BACK_PAYMENTS = "tests/businesses/test_back_payments.py"
REGISTRY = "tests/businesses/test_registry_effects.py"

# business -> "file::test" that submits it, walks its workflow to 已办结 and asserts what it booked.
WALKS = {
    "monthly_report_back_payment": f"{BACK_PAYMENTS}::test_a_monthly_report_back_payment_books_every_person_and_month",
    "individual_back_payment": f"{BACK_PAYMENTS}::test_an_individual_back_payment_books_the_dues_of_each_month",
    "base_difference_back_payment":
        f"{BACK_PAYMENTS}::test_a_base_difference_books_only_the_difference_and_raises_the_base",
    "refund": "tests/businesses/test_refund.py::test_an_approved_refund_is_a_payable_in_the_ledger",
    "person_change": f"{REGISTRY}::test_a_change_reaches_the_registry_with_its_history",
    "insured_registration": f"{REGISTRY}::test_a_late_registration_keeps_the_true_start_month_and_owes_no_late_fee",
    "retirement_declaration": "tests/benefits/test_declaration_effect.py::"
                              "test_a_completed_declaration_makes_the_retiree_once_and_the_next_run_pays_the_arrears",
    "transfer_in": f"{EFFECTS}::test_transfer_in_then_out_moves_the_accounts_months_and_balance",
    "transfer_out": f"{EFFECTS}::test_transfer_in_then_out_moves_the_accounts_months_and_balance",
    "account_backfill": f"{EFFECTS}::test_account_backfill_fills_the_records_on_completion",
    "card_replacement": "tests/cards/test_card_orders.py::test_completing_a_card_replacement_makes_the_order_once",
    "resident_pension_registration": f"{EFFECTS}::test_residents_pension_register_change_claim_cancel_through_cases",
    "resident_pension_change": f"{EFFECTS}::test_residents_pension_register_change_claim_cancel_through_cases",
    "resident_pension_claim": f"{EFFECTS}::test_residents_pension_register_change_claim_cancel_through_cases",
    "resident_pension_cancellation": f"{EFFECTS}::test_residents_pension_register_change_claim_cancel_through_cases",
}


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_business_with_an_effect_names_the_test_that_walks_it_to_completion():
    with_effect = {code for code, d in definitions().items() if d.effect}
    assert set(WALKS) == with_effect, (sorted(with_effect - set(WALKS)), sorted(set(WALKS) - with_effect))
    for business, where in WALKS.items():
        path, name = where.split("::")
        assert name in _tests_in(TESTS.parent / path), f"{business}: {where} does not exist"
        # The walk names its business: it submits that business, not another.
        assert f'"{business}"' in (TESTS.parent / path).read_text(encoding="utf-8"), where
