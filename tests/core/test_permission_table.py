"""Every service action, for every role (at the center and in a district) and for a system job, is
admitted or refused exactly as the permission table (core/permissions.py) says; a refusal writes
nothing. Like tests/core/test_district_line.py for districts, the test walks what exists: a public
function of a services module that is neither mapped to an action here nor listed as not being one
fails the test, and so does an action of the table without a scenario.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import inspect
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from shebao.benefits import payroll, survivors, work_injury
from shebao.benefits import services as benefits
from shebao.cards import services as card_services
from shebao.cases import services as cases
from shebao.cases import workflows
from shebao.cases.models import Case, Flag, OwedDocument
from shebao.collection import bankfiles, declarations, importers, ledger, refunds, releases, statements
from shebao.collection import relief as relief_services
from shebao.collection import services as collection
from shebao.collection.assessment import assessment_run
from shebao.collection.models import DeductionRun, Payment, RemittanceLine
from shebao.core import clock
from shebao.core.permissions import TABLE, ActionRefused, SystemActor, may
from shebao.core.policy import announcement_publish, current_policy
from shebao.operations import halls, outreach
from shebao.operations.services import audit_case_open, audit_case_register
from shebao.portal import services as portal_services
from shebao.registry import accounts, merge, resident_pension
from shebao.registry import services as registry
from shebao.registry.models import EmploymentSpell
from shebao.staff import services as staff
from shebao.staff.models import Role, User
from tests import personas
from tests.benefits.conftest import claim_details
from tests.cases.conftest import valid_details
from tests.collection.conftest import book_due
from tests.collection.relief_helpers import open_dues
from tests.uploads import PDF

# The modules whose public functions write; each function is an action of the table or listed below.
SERVICE_MODULES = ["shebao.cases.services", "shebao.collection.services", "shebao.collection.importers",
                   "shebao.collection.assessment", "shebao.collection.relief", "shebao.collection.bankfiles", "shebao.collection.refunds", "shebao.collection.jobs", "shebao.registry.services", "shebao.staff.services",
                   "shebao.core.policy", "shebao.operations.halls", "shebao.benefits.services", "shebao.benefits.payroll",
                   "shebao.benefits.work_injury", "shebao.benefits.survivors", "shebao.cards.services", "shebao.registry.accounts",
                   "shebao.registry.resident_pension", "shebao.operations.outreach", "shebao.collection.statements",
                   "shebao.portal.person_services",
                   "shebao.portal.services", "shebao.collection.releases",
                   "shebao.collection.declarations", "shebao.reports.jobs", "shebao.registry.merge",
                   "shebao.registry.stored_names"]
SERVICE_ACTIONS: dict[str, str | None] = {
    "shebao.cases.services.case_submit": "case.submit",
    "shebao.cases.services.case_transition": "case.*",
    "shebao.cases.services.case_accept": "case.accept",
    "shebao.cases.services.case_approve": "case.approve",
    "shebao.cases.services.case_complete": "case.complete",
    "shebao.cases.services.case_reject": "case.reject",
    "shebao.cases.services.commitment_letter_capture": "commitment_letter.capture",
    "shebao.cases.services.phone_check_record": "phone_check.record",
    "shebao.cases.services.case_assessment_record": "case.assess",
    "shebao.cases.services.case_details_correct": "case.correct",
    "shebao.cases.services.document_attach": "document.attach",
    "shebao.cases.services.owed_document_exchange": "owed_document.exchange",
    "shebao.cases.services.owed_document_review": "owed_document.review",
    "shebao.cases.services.flag_raise": "flag.raise",
    "shebao.cases.services.flag_advance": "flag.*",
    "shebao.cases.services.epidemic_lift_preview": "epidemic_lift.preview",
    "shebao.cases.services.epidemic_lift_apply": "epidemic_lift.apply",
    "shebao.collection.services.dues_build": "dues.build",
    "shebao.collection.services.payment_receive": "payment.receive",
    "shebao.collection.services.credit_apply": "credit.apply",
    "shebao.collection.services.payment_reverse": "payment.reverse",
    "shebao.collection.services.payment_reverse_approve": "payment.reverse_approve",
    "shebao.collection.refunds.refund_payment_file_create": "refund_file.create",
    "shebao.collection.refunds.refund_result_import": "refund_result.import",
    "shebao.collection.refunds.refund_cancel": "refund.cancel",
    "shebao.collection.declarations.declaration_stage": "declaration.stage",
    "shebao.collection.declarations.declaration_discard": "declaration.stage",
    "shebao.collection.declarations.declaration_commit": "declaration.commit",
    "shebao.collection.services.deduction_run_create": "deduction_run.create",
    "shebao.collection.services.deduction_retry": "deduction_run.retry",
    "shebao.collection.services.remittance_match": "remittance.match",
    # Books a match its callers allowed (remittance_match, or a second person's approval).
    "shebao.collection.services.remittance_match_booked": "remittance.*",
    "shebao.collection.releases.payroll_file_release": "payroll_file.release",
    "shebao.collection.releases.refund_payment_file_release": "refund_file.release",
    "shebao.collection.refunds.refund_payment_file_read": "refund_file.download",
    "shebao.collection.releases.remittance_match_request": "remittance.match",
    "shebao.collection.releases.remittance_match_decide": "remittance.match_approve",
    "shebao.collection.services.remittance_duplicate_resolve": "remittance.duplicate_resolve",
    "shebao.collection.importers.import_deduction_result": "deduction_result.import",
    "shebao.collection.importers.import_remittances": "remittance.import",
    "shebao.collection.assessment.assessment_run": "assessment.run",
    "shebao.collection.relief.relief_pack_publish": "relief_pack.publish",
    "shebao.collection.relief.relief_pack_publish_request": "relief_pack.request",
    "shebao.collection.relief.relief_pack_publish_decide": "relief_pack.publish",
    "shebao.collection.relief.relief_known_apply": "relief_pack.publish",
    "shebao.collection.relief.relief_known_preview": "relief_known.preview",  # a what-if, for the center only
    "shebao.collection.relief.deferral_apply": "deferral.apply",
    "shebao.collection.relief.deferral_decide": "deferral.decide",
    "shebao.collection.relief.employer_facts_record": "employer_facts.record",
    "shebao.collection.bankfiles.deduction_run_start": "deduction_run.create",
    "shebao.collection.bankfiles.deduction_run_retry_start": "deduction_run.retry",
    "shebao.collection.bankfiles.deduction_file_read": "deduction_file.download",
    "shebao.collection.bankfiles.deduction_files_purge": "deduction_file.purge",
    "shebao.collection.bankfiles.bank_result_import": "deduction_result.import",
    "shebao.collection.bankfiles.remittance_statement_import": "remittance.import",
    "shebao.collection.jobs.assessment_start": "assessment.run",
    "shebao.collection.jobs.assessment_job_execute": "assessment.run",
    "shebao.registry.services.person_register": "person.register",
    "shebao.registry.services.person_update": "person.update",
    "shebao.registry.stored_names.stored_names_normalise": "person.update",  # names_check --fix
    "shebao.registry.services.employer_register": "employer.register",
    "shebao.registry.services.employer_update": "employer.update",
    "shebao.registry.services.personal_data_reveal": "personal_data.reveal",
    "shebao.cases.services.case_change_reveal": "personal_data.reveal",
    "shebao.registry.merge.person_merge": "person.merge",
    "shebao.registry.merge.person_unmerge": "person.unmerge",
    "shebao.staff.services.api_token_create": "api_token.create",
    "shebao.staff.services.api_token_revoke": "api_token.revoke",
    "shebao.staff.services.staff_otp_enroll": "staff_otp.enroll",
    "shebao.core.policy.announcement_publish": "announcement.publish",
    "shebao.operations.services.audit_case_register": "audit_case.register",
    "shebao.operations.services.audit_contact_record": "audit_case.register",
    **{f"shebao.operations.services.audit_case_{step}": "audit_case.handle"
       for step in ("open", "extend", "investigate", "decide", "close", "suspend", "resume")},
    "shebao.operations.services.complainant_reveal": "personal_data.reveal",
    "shebao.operations.halls.hall_log_save": "hall_log.record",
    "shebao.operations.halls.fever_record": "hall_log.record",
    "shebao.operations.halls.disinfection_record": "hall_log.record",
    "shebao.operations.halls.incident_report": "incident.report",
    "shebao.operations.halls.incident_update": "incident.report",
    "shebao.operations.halls.incident_acknowledge": "incident.acknowledge",
    "shebao.operations.halls.duty_assign": "duty.assign",
    "shebao.operations.halls.inspection_record": "inspection.record",
    "shebao.operations.halls.finding_fix": "inspection.fix",
    "shebao.benefits.services.retiree_declare": "retiree.register",
    "shebao.benefits.services.retiree_suspend": "retiree.suspend",
    "shebao.benefits.services.retiree_resume": "retiree.resume",
    "shebao.benefits.payroll.payroll_run_start": "payroll_run.create",
    "shebao.benefits.payroll.payroll_supplementary_start": "payroll_run.create",
    "shebao.benefits.payroll.payroll_retry_start": "payroll_run.retry",
    "shebao.benefits.payroll.failed_transfer_resend": "payroll_transfer.resend",
    "shebao.benefits.work_injury.award_payee_register": "award_payee.register",
    "shebao.benefits.payroll.payroll_file_read": "payroll_file.download",
    "shebao.benefits.payroll.payroll_files_purge": "payroll_file.purge",
    "shebao.benefits.payroll.payroll_result_import": "payroll_result.import",
    "shebao.benefits.payroll.immediate_payment_start": "work_injury.pay",
    "shebao.benefits.work_injury.exchange_file_import": "work_injury.import",
    "shebao.benefits.work_injury.fast_track_claim_submit": "case.submit",
    "shebao.benefits.work_injury.fast_track_award_pay": "work_injury.pay",
    "shebao.benefits.work_injury.award_pay_input_problems": "work_injury.pay",
    "shebao.benefits.survivors.survivor_pensions_grant": "survivor_pension.grant",
    "shebao.benefits.survivors.survivor_pension_end": "survivor_pension.end",
    "shebao.cards.services.card_order_create": "card_order.create",
    "shebao.cards.services.card_order_advance": "card_order.update",
    "shebao.collection.statements.rights_statement_issue": "rights_statement.issue",
    "shebao.portal.person_services.person_case_submit": "case.submit",
    "shebao.registry.accounts.account_transfer_in": "account.transfer_in",
    "shebao.registry.accounts.account_transfer_out": "account.transfer_out",
    "shebao.registry.accounts.account_backfill": "account.backfill",
    "shebao.registry.resident_pension.resident_pension_register": "resident_pension.register",
    "shebao.registry.resident_pension.resident_pension_change": "resident_pension.change",
    "shebao.registry.resident_pension.resident_pension_cancel": "resident_pension.cancel",
    "shebao.registry.resident_pension.resident_pension_claim": "resident_pension.claim",
    "shebao.operations.outreach.outreach_draft": "outreach.draft",
    "shebao.operations.outreach.outreach_approve": "outreach.approve",
    "shebao.operations.outreach.outreach_reject": "outreach.approve",
    "shebao.operations.outreach.opt_out_record": "outreach.opt_out",
    "shebao.operations.outreach.employer_contact_save": "outreach.contact",
    "shebao.portal.services.employer_admin_create": "portal_admin.create",
    "shebao.portal.services.employer_admin_reset": "portal_admin.create",
    "shebao.portal.services.employer_clerk_add": "portal_clerk.manage",
    "shebao.portal.services.employer_clerk_disable": "portal_clerk.manage",
}
# Public functions of those modules that write nothing a user asks for (pure helpers, reads, caches).
NOT_ACTIONS = {
    # A background export is a read of a list the user's own selectors give (what the page shows
    # them), by any staff member, for themselves: the job row and its file are theirs alone.
    "shebao.reports.jobs.export_start", "shebao.reports.jobs.export_job_execute", "shebao.reports.jobs.export_file",
    # A roster file read and its rows checked against the registry: reads only.
    "shebao.collection.declarations.read_roster", "shebao.collection.declarations.rows_check",
    "shebao.collection.declarations.month_problems",
    "shebao.collection.declarations.declarable_months", "shebao.collection.declarations.first_declarable_month",
    "shebao.cards.services.s10_check_digit",  # the UPU S10 check digit of an EMS number: pure
    "shebao.operations.outreach.stray_braces",  # a message's malformed {变量}: pure
    # a ready-made template with the policy in force written in (review-user14 (1)): reads the policy
    "shebao.operations.outreach.policy_text", "shebao.operations.outreach.template",
    "shebao.operations.outreach.district_short",  # the district as a signature names it: pure
    "shebao.operations.outreach.opt_out_line",  # the unsubscribe sentence of a service notice: reads the helpline
    "shebao.collection.bankfiles.protected_files_purge",  # the shared purge; its callers check the permission
    "shebao.cases.services.request_fingerprint", "shebao.cases.services.commitment_digest",
    "shebao.cases.services.portal_idempotency_key",  # a portal applicant's stored key for a token: pure
    "shebao.cases.services.details_check", "shebao.collection.refunds.refund_payment_file_bytes",  # validates an application's content, writes nothing
    "shebao.collection.refunds.result_header_zh",  # the result file's Chinese header line: pure
    "shebao.cases.services.owed_answered_note",  # the history note of an owed item answered: pure
    "shebao.collection.services.employer_open_total", "shebao.collection.services.payment_reference",
    "shebao.collection.importers.after_line_applied", "shebao.collection.importers.parse_amount_fen",
    "shebao.collection.assessment.dues_read", "shebao.collection.assessment.fees_of",
    "shebao.collection.assessment.deferred_dues_read",
    *(f"shebao.collection.relief.{f}" for f in (
        "relief_account", "relief_packs_in_force", "relief_packs_available", "relief_rule_of", "relief_text",
        "employer_facts_on", "relief_compute", "dues_relieve", "relief_ledger_lines", "relief_what_if",
        "deferral_due_dates", "deferral_basis", "deferral_text", "insurance_label", "deferral_preview",
        "deferral_preview_of", "relief_newly_known")),
    "shebao.collection.assessment.assessment_compute", "shebao.collection.assessment.assessment_what_if",
    "shebao.collection.bankfiles.bank_file_dir", "shebao.collection.bankfiles.request_file_bytes",
    "shebao.registry.services.employer_name_initials", "shebao.registry.services.derive_person_identity",
    "shebao.registry.merge.merge_conflicts",  # reads what would stop a merge
    "shebao.registry.stored_names.stored_name_problem",  # reads what the name rule says of a stored name
    "shebao.registry.stored_names.stored_names_check",  # reads the stored names the rule refuses
    "shebao.registry.merge.identity_problem",  # reads two records' identities (no table)
    "shebao.registry.merge.pair_basis",  # says why two records were paired (no table)
    "shebao.registry.merge.unmerge_problem",  # reads why a merge may not be undone
    "shebao.registry.merge.merge_record",  # reads the record of a merge (which rows moved)
    "shebao.registry.merge.reason_problem",  # says what is wrong with a typed reason (reads nothing)
    # Selectors (reads, scoped by their callers): listed so the table names every new public read.
    "shebao.registry.selectors.people_by_number", "shebao.registry.selectors.merge_group",
    "shebao.benefits.survivors.end_reasons_for",  # the stop reasons that fit a relation (no table)
    "shebao.collection.importers.read_table", "shebao.collection.importers.duplicate_key",
    "shebao.core.policy.announcement_document", "shebao.core.policy.announcements_published",
    "shebao.core.policy.policy_statements", "shebao.core.policy.policy_title",
    "shebao.core.policy.policy_pack_name", "shebao.core.policy.state_annotations",
    "shebao.core.policy.remember_state", "shebao.core.policy.forget_state",
    "shebao.core.policy.current_policy", "shebao.core.policy.policy_with", "shebao.core.policy.policy_what_if",
    "shebao.core.policy.epidemic_lifted_on", "shebao.operations.services.may_register",
    "shebao.operations.services.may_handle",
    "shebao.cases.services.lift_in_force", "shebao.cases.services.lift_date_confirmation",
    "shebao.cases.services.lift_date_refusal",
    "shebao.operations.halls.parse_celsius", "shebao.operations.halls.center_duty_recipients",
    "shebao.benefits.payroll.payment_file_bytes",
    "shebao.benefits.services.typed_month",  # checks what was typed; writes nothing
    "shebao.benefits.services.typed_day",
    "shebao.benefits.work_injury.medical_recognition",
    "shebao.benefits.work_injury.medical_assessment",
    "shebao.benefits.work_injury.wage_problem",  # a pure check of a typed amount
    "shebao.cards.services.new_certificate_code", "shebao.cards.services.normalize_certificate_code",
    "shebao.cards.services.ems_tracking_number_error", "shebao.cards.services.card_order_inputs",
    "shebao.cards.services.ems_delivery_from",
    *(f"shebao.registry.accounts.{f}" for f in ("account_summary", "parse_lines", "fen_zh", "transfer_in_refusals",
                                                "transfer_out_refusals", "backfill_refusals", "transfer_out_lines",
                                                "still_insured_here", "transfer_out_shown")),
    *(f"shebao.registry.resident_pension.{f}" for f in (
        "employee_insurance_refusal", "registration_refusals", "open_refusals", "claim_refusals", "change_refusals",
        "claim_from_month", "businesses_offered")),
    *(f"shebao.operations.outreach.{name}" for name in (
        "retirees_available", "audiences", "template_variables", "render", "recipients_of", "per_minute", "plan",
        "stray_braces")),
    "shebao.portal.person_services.identity_check_record",  # the identity check's trail, like a sign-in's
    "shebao.collection.bankfiles.upload_encoding",  # reads an encoding's name (issue 12 class 1)
    "shebao.collection.releases.makers", "shebao.collection.releases.is_released",  # reads of the trail
    "shebao.collection.releases.remittance_second_person_reason",
    # a bank result's checks: the file reached the bank (release, download), the outcome's value, the date
    "shebao.collection.releases.bank_send_check", "shebao.collection.importers.bank_result_outcome",
    "shebao.collection.importers.payment_date_problem", "shebao.collection.importers.not_a_table",
    "shebao.collection.importers.workbook_extent_problem",
    # review-input12 F5: an import's file record written once, its transaction, its "already imported" words
    "shebao.collection.importers.file_claimed", "shebao.collection.importers.import_transaction",
    "shebao.collection.importers.already_imported_note",
    # review-input13 F4: whether an actor may make a case's step by its workflow's roles, asked before the
    # version (it raises NotAllowed itself; the transition it precedes is the table's action)
    "shebao.cases.services.case_step_actor_check",
    # review-input14 4: the csv module's refusal of a line in Chinese
    "shebao.collection.importers.csv_error_zh",
    # review-input14 8: a cell's text as a message quotes it, cut
    "shebao.collection.importers.cut",
}
# Reads restricted by the table: checked by the route walk (test_role_routes.py), not here.
READ_ACTIONS = {"deduction_run.view_city", "assessment.view_city", "payroll.view_city", "personal_data.trail_view",
                "refund_file.view"}
JOB = SystemActor("permission_walk", "权限表测试")
OFFICES = ("110000", "110105")  # the municipal center and 朝阳区, where the objects below live


def test_every_public_service_function_is_an_action_of_the_table_or_listed_as_none():
    unknown = []
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for attr, fn in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != name:
                continue
            key = f"{name}.{attr}"
            if key not in SERVICE_ACTIONS and key not in NOT_ACTIONS:
                unknown.append(key)
    assert not unknown, f"service functions the permission walk does not know (add them to the table): {unknown}"
    named = {a for a in SERVICE_ACTIONS.values() if a and not a.endswith("*")}
    assert named <= set(TABLE), named - set(TABLE)


def test_each_workflow_step_admits_only_roles_its_table_row_admits():
    """The workflow table narrows a step per handling mode; it never widens the permission table."""
    by_action: dict[str, set[str]] = {}
    for t in workflows.TRANSITIONS:
        assert f"case.{t.action}" in TABLE, f"workflow step {t.action} has no row case.{t.action}"
        assert t.roles <= TABLE[f"case.{t.action}"].roles, (t.workflow, t.action)
        by_action.setdefault(t.action, set()).update(t.roles)
        assert t.system == TABLE[f"case.{t.action}"].system or not t.system, (t.workflow, t.action)
    for action, roles in by_action.items():  # and the table names no role that no workflow admits
        assert roles == set(TABLE[f"case.{action}"].roles), action


# --- Scenarios: what each action is called with -------------------------------------------------------
class World:
    """The objects of 朝阳区 that the scenarios act on, made once per test."""

    def __init__(self) -> None:
        self.admin = User.objects.create(username="walk_admin", role=Role.MUNICIPAL_ADMIN,
                                         office=personas.office("110000"))
        self.employer = personas.make_employer()
        self.person = personas.make_person()
        # The person works for the employer: every application carries its content, and the content's
        # registry checks read this spell (a back-payment names months the person was employed).
        EmploymentSpell.objects.create(person=self.person, employer=self.employer, from_month="2009-01")
        self.n = 0

    def serial(self) -> int:
        self.n += 1
        return self.n

    def case(self, status: str = "submitted", business: str = "monthly_report_back_payment") -> Case:
        case, _ = cases.case_submit(actor=self.admin, business=business, channel="counter", employer=self.employer,
                                    applicant_kind="employer", applied_on=dt.date(2020, 2, 10),
                                    idempotency_key=f"walk-{self.serial()}", details=self.content(business))
        Case.objects.filter(pk=case.pk).update(status=status, requires=["commitment_letter", "phone_verification"])
        return Case.objects.get(pk=case.pk)

    def content(self, business: str, *, person: Any = None) -> dict[str, Any] | None:
        """The application's content, read from this world's registry (`valid_details`)."""
        return valid_details(business, person=person, employer=None if person else self.employer,
                             applied_on=dt.date(2020, 2, 10))

    def card_case(self) -> Case:
        """A completed card replacement of the person (5.1)."""
        case, _ = cases.case_submit(actor=self.admin, business="card_replacement", channel="counter",
                                    person=self.person, applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                    idempotency_key=f"walk-{self.serial()}",
                                    details=self.content("card_replacement", person=self.person))
        Case.objects.filter(pk=case.pk).update(status="completed")
        return Case.objects.get(pk=case.pk)

    def card_order(self) -> Any:
        return card_services.card_order_create(actor=personas.SETUP, case=self.card_case(), **CARD_ADDRESS)

    def resident(self, *, registered: bool = False) -> Any:
        """A 朝阳区 resident aged 61, without employee insurance; registered in the residents' pension."""
        person = personas.make_person("居民", serial=60 + self.serial(), birth=dt.date(1959, 1, 1), account_type=None)
        if registered:
            resident_pension.resident_pension_register(actor=personas.SETUP, person=person,
                                                       contribution_grade_fen=100_000, **RESIDENT_BANK)
        return person

    def owed(self, state: str = OwedDocument.State.OWED) -> OwedDocument:
        return OwedDocument.objects.create(case=self.case(), name="劳动合同", kind=OwedDocument.Kind.REQUIRED,
                                           state=state)

    def flag(self, stage: str) -> Flag:
        return Flag.objects.create(office=self.employer.district, kind=Flag.Kind.MANUAL_OPERATION,
                                   description="手工记账", stage=stage)

    def payment(self) -> Payment:
        book_due(self.employer, "2019-12", 10_000)
        return collection.payment_receive(employer=self.employer, amount_fen=5_000, received_on=dt.date(2020, 1, 5),
                                          source="remittance", actor=personas.SETUP)

    def statement(self) -> bytes:
        n = self.serial()
        return ("bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
                f"W{n:04d},2020-01-06,{n}.00,不明付款人,,,\n").encode()

    def remittance_line(self) -> RemittanceLine:
        importers.import_remittances(data=self.statement(), filename="s.csv", actor=personas.SETUP)
        return RemittanceLine.objects.order_by("-pk").first()

    def deduction_run(self) -> DeductionRun:
        from shebao.registry.services import employer_update

        employer_update(actor=personas.SETUP, employer=self.employer, payment_method="bank_deduction",
                        bank_account="6222021234567890123")
        book_due(self.employer, "2019-11", 10_000)
        return bankfiles.deduction_run_start(actor=personas.SETUP)  # the run and its request file

    def refund(self, status: str = "payable") -> Any:
        from shebao.collection.models import Refund

        txn = ledger.ledger_post(kind="refund", occurred_on=dt.date(2020, 3, 2), actor=personas.SETUP, lines=[
            ledger.Line("income:pension", None, 100), ledger.Line("refund_payable", self.employer.pk, -100)])
        return Refund.objects.create(case=self.case(), employer=self.employer, kind="overpayment", amount_fen=100,
                                     payee_name="张三", bank_name="工行", bank_account="6222020000001234567",
                                     approval=txn, status=status)

    def refund_file(self, *, released: bool = False) -> Any:
        self.refund()
        file = refunds.refund_payment_file_create(actor=personas.SETUP)
        if released:
            releases.refund_payment_file_release(file=file, actor=self.admin)
        return file

    def match_request(self) -> Any:
        """A pending match of a line paid from another employer's registered account (second person)."""
        account = f"62220299{self.serial():011d}"
        personas.make_employer("付款单位", serial=200 + self.serial(), bank_account=account)
        n = self.serial()
        importers.import_remittances(data=("bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
                                           f"M{n:04d},2020-01-06,{n}.07,付款单位,{account},,\n").encode(),
                                     filename=f"m{n}.csv", actor=personas.SETUP)
        line = RemittanceLine.objects.get(bank_reference=f"M{n:04d}")
        return releases.remittance_match_request(line=line, employer=self.employer, actor=self.admin, reason="单位来函")

    def declaration(self) -> Any:
        """A staged monthly declaration of the employer (its one row is checked again at commit)."""
        from shebao.collection.models import Declaration, DeclarationRow

        d = Declaration.objects.create(employer=self.employer, month="2020-01", filename="r.csv", sha256="0" * 64,
                                       rows=1, staged_by_label="setup", staged_at=clock.now())
        DeclarationRow.objects.create(declaration=d, line_no=2, id_number=self.person.id_number,
                                      name=self.person.name, change="hire", base_fen=800_000)
        return d

    def leader(self) -> User:
        return User.objects.get_or_create(username="walk_duty_leader", defaults={
            "role": Role.LEADER, "office": personas.office("110105")})[0]

    def incident(self) -> Any:
        return halls.incident_report(actor=self.leader(), hall=self.employer.district, kind="staff",
                                     occurred_at=clock.now(), description="工作人员发热")

    def finding(self) -> Any:
        insp = halls.inspection_record(
            actor=self.leader(), hall=self.employer.district, day=dt.date(2020, 1, 10), findings={"posters": "褪色"},
            checklist={i: True for i in ("masks_gloves", "temperature", "disinfection", "isolation_room", "posters")})
        return insp.findings.get()
    def registered_twice(self) -> tuple[Any, Any]:
        """A card holder and the same person registered again under 护照 (the 15-digit number): to merge."""
        from shebao.registry.models import Person

        holder = personas.make_person("重复登记", serial=300 + self.serial())
        twice = Person.objects.create(id_type="passport", id_number=holder.id_number[:6] + holder.id_number[8:17],
                                      name=holder.name, gender="male", birth_date=holder.birth_date,
                                      district=holder.district)
        return holder, twice

    def retiree_person(self) -> Any:
        return personas.make_person("退休人", birth=dt.date(1959, 10, 15), serial=self.serial() + 100)

    def retiree(self, *, suspended: bool = False) -> Any:
        from shebao.benefits.services import Basis, retiree_declare, retiree_suspend

        r = retiree_declare(actor=personas.SETUP, person=self.retiree_person(), bank_account="6222020000000000011",
                            basis=Basis(record_monthly_fen=300_000, record_reference="核定1"))
        if suspended:
            retiree_suspend(actor=self.admin, retiree=r, reason="verification", from_month="2019-12")
        return r

    def payroll_run(self) -> Any:
        from shebao.benefits.payroll import payroll_run_start

        self.retiree()
        return payroll_run_start(actor=personas.SETUP, month=f"{2020 + self.serial()}-01")

    def payroll_result(self, outcome: str = "failed") -> bytes:
        t = self.payroll_run().transfers.filter(status="pending").first()
        amount = f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}"
        return (f"transfer_id,amount,result,reason,bank_reference,date\n"
                f"{t.pk},{amount},{outcome},{'账户冻结' if outcome == 'failed' else ''},"
                f"{'B1' if outcome == 'success' else ''},2020-02-25\n").encode()

    def failed_payroll_run(self) -> Any:
        from shebao.benefits.payroll import payroll_result_import

        data = self.payroll_result("failed")
        payroll_result_import(data=data, filename="r.csv", actor=personas.SETUP)
        from shebao.benefits.models import Transfer

        return Transfer.objects.order_by("-pk").first().run

    def death_award(self) -> Any:
        """A fast-track award on a death in 朝阳区 (paid by a reviewer of the district)."""
        n = self.serial()
        person = personas.make_person("工亡职工", birth=dt.date(1980, 1, 1), serial=n + 200)
        lines = [{"kind": "recognition", "reference": f"WR{n}", "id_number": person.id_number,
                  "decided_on": "2020-02-08", "medical_staff": True},
                 {"kind": "assessment", "reference": f"WA{n}", "id_number": person.id_number,
                  "decided_on": "2020-03-03", "died_on": "2020-03-02"}]
        work_injury.exchange_file_import(data="\n".join(json.dumps(x) for x in lines).encode(), filename="d.jsonl",
                                         actor=personas.SETUP)
        reviewer = User.objects.get_or_create(username="walk_wi_reviewer", defaults={
            "role": Role.DISTRICT_REVIEWER, "office": personas.office("110105")})[0]
        case = work_injury.fast_track_claim_submit(actor=reviewer, person=person, details=claim_details(), applied_on=dt.date(2020, 3, 3))
        return work_injury.fast_track_award_pay(actor=reviewer, case=case, wage_fen=0,
                                                bank_account="6222020000000000077", payee=personas.relative(relation="sibling"))

    def survivor(self) -> Any:
        return survivors.DependantInput(name="配偶", id_number=personas.citizen_id("110105", dt.date(1981, 2, 3), 7,
                                                                               male=False),
                                        relation="spouse", bank_account="6222020000000000078")

    def survivor_pension(self) -> Any:
        award = self.death_award()
        return survivors.survivor_pensions_grant(actor=User.objects.get(username="walk_wi_reviewer"), award=award,
                                                 wage_fen=1_000_000, dependants=[self.survivor()])[0]

    def outreach(self) -> Any:
        maker = User.objects.get_or_create(username="walk_outreach_maker", defaults={
            "role": Role.DISTRICT_CLERK, "office": personas.office("110105")})[0]
        return outreach.outreach_draft(actor=maker, title="提示", audience="district_employers", channels=["sms"],
                                       purpose="service", subject="提示", body="{单位名称}：请网上办理")

    def deduction_result(self) -> bytes:
        item = self.deduction_run().items.get()
        return (f"item_id,credit_code,amount,result,reason,bank_reference,date\n"
                f"{item.pk},{self.employer.credit_code},100.00,failed,余额不足,,2020-01-20\n").encode()


def _relief_published() -> None:
    from shebao.collection.models import ReliefPublication
    if not ReliefPublication.objects.filter(pack="relief-2020-covid").exists():
        relief_services.relief_pack_publish(pack="relief-2020-covid", actor=personas.SETUP, on=dt.date(2020, 3, 8))


def _deferral(w: World) -> Any:
    _relief_published()
    m = 3 + w.serial() % 8  # a month not applied for yet, deferred two months (within the six)
    open_dues(w.employer, [f"2020-{m:02d}"])  # a deferral of nothing owed is refused
    # February..June rest on 人社部发〔2020〕11号, July on 人社部发〔2020〕49号 (its own rule).
    rule = "hardship-deferral" if m <= 6 else "hardship-deferral-extended"
    return relief_services.deferral_apply(employer=w.employer, pack="relief-2020-covid", rule=rule,
                                          months=[f"2020-{m:02d}"], due_until=dt.date(2020, m + 2, 20),
                                          reason="经营困难", actor=personas.SETUP)


RESIDENT_BANK = {"bank_name": "北京农商银行", "bank_account": "6214680012345678"}
MONTHS = [{"month": "1995-01", "amount_fen": 5_000, "base_fen": 50_000}]
CARD_ADDRESS = {"reason": "lost", "recipient_name": "张三", "recipient_phone": "13812345678",
                "postal_address": "北京市朝阳区朝阳门外大街1号"}


def _upload() -> io.BytesIO:
    f = io.BytesIO(PDF)
    f.name = "doc.pdf"
    return f


Scenario = Callable[[World], Callable[[Any], Any]]


def _step(action: str, status: str, **payload: Any) -> Scenario:
    return lambda w: (lambda c: lambda a: cases.case_transition(case=c, actor=a, action=action, payload=payload))(
        w.case(status))


def _flag_step(step: str, stage: str) -> Scenario:
    return lambda w: (lambda f: lambda a: cases.flag_advance(flag=f, actor=a, step=step, outcome="已核"))(
        w.flag(stage))


ROSTER = "证件号码,姓名,变动类型,缴费基数（元）\n110105197505010011,张三,增员,8000\n".encode()
SCENARIOS: dict[str, Scenario] = {
    "case.submit": lambda w: lambda a: cases.case_submit(
        actor=a, business="monthly_report_back_payment", channel="counter", employer=w.employer,
        applicant_kind="employer", applied_on=dt.date(2020, 2, 10), details=w.content("monthly_report_back_payment")),
    "case.accept": _step("accept", "submitted", outcome="已入账"),
    "case.approve": _step("approve", "in_review"),
    "case.complete": _step("complete", "documents_outstanding"),
    "case.reject": _step("reject", "submitted", reason="材料不全"),
    "case.resume": _step("resume", "postponed", lifted_on=dt.date(2020, 4, 30)),
    "case.district_receive": _step("district_receive", "awaiting_copies"),
    "case.district_review": _step("district_review", "district_received"),
    "case.mail_to_center": _step("mail_to_center", "district_reviewed", tracking_number="EMS1"),
    "case.center_receive": _step("center_receive", "mailed_to_center"),
    "commitment_letter.capture": lambda w: (lambda c: lambda a: cases.commitment_letter_capture(
        case=c, actor=a, text="本单位承诺所报信息真实。", signer="单位"))(w.case()),
    "case.assess": lambda w: (lambda c: lambda a: cases.case_assessment_record(
        case=c, actor=a, figures={"index_x10k": 10_000, "contribution_months": 360, "account_balance_fen": 1},
        reason="缴费记录不全，按档案核定"))(
        cases.case_submit(actor=w.admin, business="retirement_declaration", channel="counter", employer=w.employer,
                          person=w.person, applicant_kind="employer", applied_on=dt.date(2020, 2, 10),
                          idempotency_key=f"walk-{w.serial()}", details=valid_details(
                              "retirement_declaration", person=w.person, employer=w.employer,
                              applied_on=dt.date(2020, 2, 10)))[0]),
    "case.correct": lambda w: (lambda c: lambda a: cases.case_details_correct(
        case=c, actor=a, details={"postal_address": "北京市朝阳区建国路2号院3号楼402室"}, reason="申请人来电更正地址",
        partial=True))(
        cases.case_submit(actor=w.admin, business="card_replacement", channel="counter", person=w.person,
                          applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                          idempotency_key=f"walk-{w.serial()}", details=valid_details(
                              "card_replacement", person=w.person, applied_on=dt.date(2020, 2, 10)))[0]),
    "phone_check.record": lambda w: (lambda c: lambda a: cases.phone_check_record(
        case=c, actor=a, outcome="confirmed", phone="13812345678"))(w.case()),
    "document.attach": lambda w: (lambda c: lambda a: cases.document_attach(
        case=c, actor=a, name="合同", stream=_upload()))(w.case()),
    "owed_document.exchange": lambda w: (lambda o: lambda a: cases.owed_document_exchange(
        owed=o, actor=a, source="市场监管局", reference="X1"))(w.owed()),
    "owed_document.review": lambda w: (lambda o: lambda a: cases.owed_document_review(
        owed=o, actor=a, accepted=True))(w.owed(OwedDocument.State.RECEIVED)),
    "flag.raise": lambda w: (lambda c: lambda a: cases.flag_raise(
        actor=a, kind=Flag.Kind.MANUAL_OPERATION, description="手工记账", case=c))(w.case()),
    "flag.review": _flag_step("review", Flag.Stage.QUEUED),
    "flag.settle": _flag_step("settle", Flag.Stage.REVIEWED),
    "flag.audit": _flag_step("audit", Flag.Stage.SETTLED),
    "announcement.publish": lambda w: lambda a: announcement_publish(
        actor=a, parameter="collection.period_overrides", value={"2020-03": "2020-04-30"}, title="征收期延长",
        clause="0.2"),
    "epidemic_lift.preview": lambda w: lambda a: cases.epidemic_lift_preview(dt.date(2020, 4, 30), actor=a),
    "epidemic_lift.apply": lambda w: lambda a: cases.epidemic_lift_apply(actor=a, lifted_on=dt.date(2020, 4, 30)),
    "person.register": lambda w: lambda a: registry.person_register(
        actor=a, id_number=personas.citizen_id("110105", dt.date(1980, 1, 1), w.serial() + 50, male=True),
        name="新人", district=w.employer.district),
    "person.update": lambda w: lambda a: registry.person_update(actor=a, person=w.person, address="朝阳路1号"),
    "employer.register": lambda w: lambda a: registry.employer_register(
        actor=a, credit_code=personas.credit_code(w.serial() + 50), name="新单位", district=w.employer.district),
    "employer.update": lambda w: lambda a: registry.employer_update(actor=a, employer=w.employer, bank_name="工行"),
    "personal_data.reveal": lambda w: lambda a: registry.personal_data_reveal(
        actor=a, obj=w.person, field="phone", reason="电话核实"),
    "dues.build": lambda w: lambda a: collection.dues_build(months=["2019-12"], actor=a),
    "payment.receive": lambda w: lambda a: collection.payment_receive(
        employer=w.employer, amount_fen=100, received_on=dt.date(2020, 1, 5), source="remittance", actor=a),
    "credit.apply": lambda w: lambda a: collection.credit_apply(employer=w.employer, actor=a, on=dt.date(2020, 1, 5)),
    "payment.reverse": lambda w: (lambda p: lambda a: collection.payment_reverse(
        payment=p, actor=a, reason="误入"))(w.payment()),
    "payment.reverse_approve": lambda w: (lambda r: lambda a: collection.payment_reverse_approve(
        reversal=r, actor=a))(collection.payment_reverse(payment=w.payment(), actor=w.admin, reason="误入")),
    "remittance.match": lambda w: (lambda line: lambda a: collection.remittance_match(
        line=line, employer=w.employer, actor=a))(w.remittance_line()),
    "remittance.duplicate_resolve": lambda w: (lambda line: lambda a: collection.remittance_duplicate_resolve(
        line=line, actor=a, same_transfer=True, reason="同一笔转账"))(w.remittance_line()),
    "remittance.import": lambda w: lambda a: importers.import_remittances(
        data=w.statement(), filename="s.csv", actor=a),
    "deduction_run.create": lambda w: lambda a: collection.deduction_run_create(actor=a),
    "deduction_run.retry": lambda w: (lambda run: lambda a: collection.deduction_retry(run=run, actor=a))(
        w.deduction_run()),
    "deduction_result.import": lambda w: (lambda data: lambda a: importers.import_deduction_result(
        data=data, filename="r.csv", actor=a))(w.deduction_result()),
    "deduction_file.download": lambda w: (lambda run: lambda a: bankfiles.deduction_file_read(run=run, actor=a))(
        w.deduction_run()),
    "deduction_file.purge": lambda w: lambda a: bankfiles.deduction_files_purge(actor=a),
    "refund_file.create": lambda w: (lambda r: lambda a: refunds.refund_payment_file_create(actor=a))(w.refund()),
    "refund_result.import": lambda w: (lambda r: lambda a: refunds.refund_result_import(
        data=f"refund_id,status,paid_on,reason\n{r.pk},成功,2020-03-20,\n".encode(), filename="rr.csv",
        actor=a))(w.refund("in_file")),
    "refund_file.release": lambda w: (lambda f: lambda a: releases.refund_payment_file_release(file=f, actor=a))(
        w.refund_file()),
    "refund_file.download": lambda w: (lambda f: lambda a: refunds.refund_payment_file_read(file=f, actor=a))(
        w.refund_file(released=True)),
    "payroll_file.release": lambda w: (lambda run: lambda a: releases.payroll_file_release(run=run, actor=a))(
        w.payroll_run()),
    "remittance.match_approve": lambda w: (lambda r: lambda a: releases.remittance_match_decide(
        request=r, actor=a, approve=True))(w.match_request()),
    "refund.cancel": lambda w: (lambda r: lambda a: refunds.refund_cancel(refund=r, actor=a, reason="误核准"))(
        w.refund()),
    "declaration.stage": lambda w: lambda a: declarations.declaration_stage(
        employer=w.employer, month="2020-01", data=ROSTER, filename="r.csv", actor=a),
    "declaration.commit": lambda w: (lambda d: lambda a: declarations.declaration_commit(declaration=d, actor=a))(
        w.declaration()),
    "assessment.run": lambda w: lambda a: assessment_run(as_of=dt.date(2020, 1, 31), policy=current_policy(),
                                                         actor=a),
    "audit_case.register": lambda w: lambda a: audit_case_register(
        actor=a, source="inspection", employer=w.employer, summary="稽核检查"),
    "audit_case.handle": lambda w: (lambda c: lambda a: audit_case_open(actor=a, case=c, version=None))(
        audit_case_register(actor=w.admin, source="inspection", employer=w.employer, summary="稽核检查")),
    "hall_log.record": lambda w: lambda a: halls.hall_log_save(actor=a, hall=w.employer.district,
                                                                day=dt.date(2020, 1, 10), visitors_checked=5),
    "incident.report": lambda w: lambda a: halls.incident_report(
        actor=a, hall=w.employer.district, kind="staff", occurred_at=clock.now(), description="工作人员发热"),
    "incident.acknowledge": lambda w: (lambda i: lambda a: halls.incident_acknowledge(
        actor=a, incident=i, version=i.version))(w.incident()),
    "duty.assign": lambda w: (lambda leader: lambda a: halls.duty_assign(
        actor=a, hall=w.employer.district, day=dt.date(2020, 1, 10), leader=leader))(w.leader()),
    "inspection.record": lambda w: lambda a: halls.inspection_record(
        actor=a, hall=w.employer.district, day=dt.date(2020, 1, 10), findings={},
        checklist={i: True for i in ("masks_gloves", "temperature", "disinfection", "isolation_room", "posters")}),
    "inspection.fix": lambda w: (lambda f: lambda a: halls.finding_fix(
        actor=a, finding=f, fix="已整改", fixed_on=dt.date(2020, 1, 10)))(w.finding()),
    "retiree.register": lambda w: (lambda p: lambda a: benefits.retiree_declare(
        actor=a, person=p, bank_account="6222020000000000011",
        basis=benefits.Basis(record_monthly_fen=300_000, record_reference="核定1")))(w.retiree_person()),
    "retiree.suspend": lambda w: (lambda r: lambda a: benefits.retiree_suspend(
        actor=a, retiree=r, reason="reemployment", from_month="2020-01"))(w.retiree()),
    "retiree.resume": lambda w: (lambda r: lambda a: benefits.retiree_resume(
        actor=a, retiree=r, from_month="2020-02"))(w.retiree(suspended=True)),
    "payroll_run.create": lambda w: (lambda _: lambda a: payroll.payroll_run_start(actor=a, month="2020-01"))(
        w.retiree()),
    "payroll_run.retry": lambda w: (lambda run: lambda a: payroll.payroll_retry_start(run=run, actor=a))(
        w.failed_payroll_run()),
    "payroll_file.download": lambda w: (lambda run: lambda a: payroll.payroll_file_read(run=run, actor=a))(
        w.payroll_run()),
    # an admitted call on a transfer still at the bank is refused by state (only a failed one is resent)
    "payroll_transfer.resend": lambda w: (lambda t: lambda a: payroll.failed_transfer_resend(
        actor=a, transfer=t, bank_account="6222020000000000012", reason="本人提供的新账号"))(
        w.payroll_run().transfers.first()),
    # an admitted call on an award whose relative is registered is refused by state
    "award_payee.register": lambda w: (lambda award: lambda a: work_injury.award_payee_register(
        actor=a, award=award, payee=personas.relative()))(w.death_award()),
    "payroll_file.purge": lambda w: lambda a: payroll.payroll_files_purge(actor=a),
    "payroll_result.import": lambda w: (lambda data: lambda a: payroll.payroll_result_import(
        data=data, filename="r.csv", actor=a))(w.payroll_result("success")),
    "work_injury.pay": lambda w: lambda a: payroll.immediate_payment_start(
        actor=a, person=w.person, bank_account="6222020000000000099", amount_fen=100_000, memo="工伤待遇"),
    "survivor_pension.grant": lambda w: (lambda award: lambda a: survivors.survivor_pensions_grant(
        actor=a, award=award, wage_fen=1_000_000, dependants=[w.survivor()]))(w.death_award()),
    "survivor_pension.end": lambda w: (lambda p: lambda a: survivors.survivor_pension_end(
        actor=a, pension=p, last_month="2020-05", reason="remarriage"))(w.survivor_pension()),
    "work_injury.import": lambda w: lambda a: work_injury.exchange_file_import(
        data=json.dumps({"kind": "recognition", "reference": f"R{w.serial()}", "id_number": w.person.id_number,
                         "decided_on": "2020-02-08", "medical_staff": True}).encode(), filename="x.jsonl", actor=a),
    "relief_pack.publish": lambda w: lambda a: relief_services.relief_pack_publish(pack="relief-2020-covid", actor=a, on=dt.date(2020, 3, 8)),
    "relief_known.preview": lambda w: lambda a: relief_services.relief_known_preview(actor=a),
    "relief_pack.request": lambda w: lambda a: relief_services.relief_pack_publish_request(
        pack="relief-2022-deferral", actor=a, reason="文件已印发"),
    "deferral.apply": lambda w: (lambda _: lambda a: relief_services.deferral_apply(
        employer=w.employer, pack="relief-2020-covid", rule="hardship-deferral", months=["2020-04"],
        due_until=dt.date(2020, 9, 1), reason="经营困难", actor=a))(
        (_relief_published(), open_dues(w.employer, ["2020-04"]))),
    "deferral.decide": lambda w: (lambda d: lambda a: relief_services.deferral_decide(
        deferral=d, approve=True, actor=a))(_deferral(w)),
    "employer_facts.record": lambda w: lambda a: relief_services.employer_facts_record(employer=w.employer, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                           size_class="small", actor=a),
    "card_order.create": lambda w: (lambda c: lambda a: card_services.card_order_create(
        actor=a, case=c, **CARD_ADDRESS))(w.card_case()),
    "person.merge": lambda w: (lambda pair: lambda a: merge.person_merge(
        actor=a, keep=pair[0], other=pair[1], reason="核实身份证件材料"))(w.registered_twice()),
    "person.unmerge": lambda w: (lambda pair: (
        merge.person_merge(actor=w.admin, keep=pair[0], other=pair[1], reason="核实身份证件材料"),
        lambda a: merge.person_unmerge(actor=a, other=pair[1], reason="合并方向有误"))[1])(w.registered_twice()),
    "rights_statement.issue": lambda w: lambda a: statements.rights_statement_issue(actor=a, person=w.person),
    "card_order.update": lambda w: (lambda o: lambda a: card_services.card_order_advance(
        actor=a, order=o, status="made"))(w.card_order()),
    "account.transfer_in": lambda w: lambda a: accounts.account_transfer_in(
        actor=a, person=w.person, region="天津市", lines=[{"month": f"2010-{w.serial() % 12 + 1:02d}", "amount_fen": 1}]),
    "account.transfer_out": lambda w: (lambda _: lambda a: accounts.account_transfer_out(
        actor=a, person=w.person, region="上海市", lines=MONTHS))(
        accounts.account_backfill(actor=personas.SETUP, person=w.person, lines=MONTHS)
        if not w.person.pension_account.months.filter(month="1995-01", moved_out_at__isnull=True).exists() else None),
    "account.backfill": lambda w: lambda a: accounts.account_backfill(
        actor=a, person=w.person, lines=[{"month": f"1996-{w.serial() % 12 + 1:02d}", "amount_fen": 1}]),
    "resident_pension.register": lambda w: (lambda p: lambda a: resident_pension.resident_pension_register(
        actor=a, person=p, contribution_grade_fen=100_000, **RESIDENT_BANK))(w.resident()),
    "resident_pension.change": lambda w: (lambda p: lambda a: resident_pension.resident_pension_change(
        actor=a, person=p, contribution_grade_fen=200_000))(w.resident(registered=True)),
    "resident_pension.cancel": lambda w: (lambda p: lambda a: resident_pension.resident_pension_cancel(
        actor=a, person=p, reason="death"))(w.resident(registered=True)),
    "resident_pension.claim": lambda w: (lambda p: lambda a: resident_pension.resident_pension_claim(
        actor=a, person=p))(w.resident(registered=True)),
    "outreach.draft": lambda w: lambda a: outreach.outreach_draft(
        actor=a, title="提示", audience="district_employers", channels=["sms"], purpose="service", subject="提示",
        body="{单位名称}：请网上办理", district=w.employer.district),
    "outreach.approve": lambda w: (lambda o: lambda a: outreach.outreach_approve(
        actor=a, outreach=o, version=o.version))(w.outreach()),
    "outreach.opt_out": lambda w: lambda a: outreach.opt_out_record(actor=a, channel="sms",
                                                                     address=f"1380000{w.serial():04d}"),
    "outreach.contact": lambda w: lambda a: outreach.employer_contact_save(actor=a, employer=w.employer,
                                                                            phone="13800000000"),
    "api_token.create": lambda w: lambda a: staff.api_token_create(actor=a, user=w.admin, name="受理平台"),
    "api_token.revoke": lambda w: (lambda t: lambda a: staff.api_token_revoke(actor=a, token=t, reason="泄露"))(
        staff.api_token_create(actor=personas.SETUP, user=w.admin, name="x")[0]),
    "staff_otp.enroll": lambda w: lambda a: staff.staff_otp_enroll(actor=a, user=w.admin),
    "portal_admin.create": lambda w: lambda a: portal_services.employer_admin_create(
        actor=a, employer=w.employer, login=f"adm{w.serial()}", display_name="管理员", mobile="13800138000",
        password="portal-walk-password"),
    "portal_clerk.manage": lambda w: lambda a: portal_services.employer_clerk_add(
        actor=a, login=f"hr{w.serial()}", display_name="经办人", mobile="13800138000", password="portal-walk-password"),
}


def written() -> dict[str, int]:
    """Rows of every model of the project: a refused call must leave each count as it was."""
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label in ("cases", "collection", "core", "registry", "staff", "operations", "benefits",
                                     "cards", "portal")}


def test_every_action_of_the_table_has_a_scenario():
    assert set(SCENARIOS) == set(TABLE) - READ_ACTIONS


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


def _actors() -> list[tuple[str, Any]]:
    # Made without a password: hashing sixteen passwords per action would be most of the test's time.
    staff_accounts = [(f"{role}@{code}", User.objects.create(username=f"walk_{role}_{code}", role=role,
                                                            office=personas.office(code)))
                      for role in Role.values for code in OFFICES]
    from django.contrib.auth.models import AnonymousUser

    return [*staff_accounts, ("system", JOB), ("anonymous", AnonymousUser()), ("nobody", None)]


def _expected(action: str, actor: Any) -> bool:
    """What the table says, read from its row directly (not through `may`)."""
    p = TABLE[action]
    if isinstance(actor, SystemActor):
        return p.system
    if actor is None or not actor.is_authenticated:
        return False
    return actor.role in p.roles and (not p.city_wide or actor.office.code == "110000")


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(set(TABLE) - READ_ACTIONS))
def test_the_service_admits_and_refuses_each_actor_as_the_table_says(action):
    world = World()
    actors = _actors()
    call = SCENARIOS[action](world)
    for name, actor in actors:
        expected = _expected(action, actor)
        assert may(actor, action) == expected, f"{action} / {name}: may() disagrees with the table's row"
        if expected:
            continue
        before = written()
        with pytest.raises(ActionRefused) as refused:
            call(actor)
        assert refused.value.action == action, f"{action} / {name}: refused for {refused.value.action}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.zh), refused.value.zh  # said in Chinese
        assert written() == before, f"{action} / {name}: a refused call wrote something"
    for name, actor in actors:
        if not _expected(action, actor):
            continue
        try:  # a fresh object each time: an admitted call may change what the next one finds
            SCENARIOS[action](world)(actor)
        except ActionRefused as e:
            pytest.fail(f"{action} / {name}: the table admits it but the service refused: {e.zh}")
        except Exception:  # a state or validation refusal is not the table's to judge
            pass


@pytest.mark.django_db
def test_a_refused_lift_and_announcement_leave_no_trace_in_the_api(leader):
    """The leader (read-only) and the auditor: refused by the API with problem details, nothing written."""
    from rest_framework.test import APIClient

    from shebao.core.models import Announcement, AuditEvent

    auditor = personas.make_staff("auditor_city", role=Role.AUDITOR, office_code="110000")
    for user in (leader, auditor):
        api = APIClient()
        api.force_authenticate(user)
        before = written()
        r = api.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json")
        assert r.status_code == 403 and r["Content-Type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["code"] == "role_not_allowed"
        assert "无权发布疫情解除" in r.json()["errors"][0]["reason_zh"]
        preview = api.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-04-30")
        assert preview.status_code == 403 and "无权预览疫情解除的影响" in preview.json()["detail"]
        assert written() == before
    assert not Announcement.objects.exists() and not AuditEvent.objects.filter(model="cases.EpidemicLift").exists()


@pytest.mark.django_db
def test_a_system_job_is_named_in_the_trail_not_left_blank(employer_chaoyang):
    from shebao.core.models import AuditEvent

    book_due(employer_chaoyang, "2019-12", 10_000)
    run = collection.deduction_run_create(actor=SystemActor("deduction_run", "银行扣款批次"))
    event = AuditEvent.objects.get(model="collection.DeductionRun", object_pk=str(run.pk))
    assert event.actor is None and event.actor_label == "系统作业：银行扣款批次"
    assert run.created_by_label == "系统作业：银行扣款批次"


def test_an_unknown_action_is_a_programming_error_not_a_refusal():
    with pytest.raises(KeyError):
        may(None, "announcement.delete")


def test_each_action_has_its_own_chinese_name():
    """A refusal names the action refused (core.permissions.refusal says "…无权<zh>"): two actions with
    one Chinese name would tell a user the wrong thing (review-user9 F3: the 补减免 preview was refused
    as "申请发布减免缓缴政策包")."""
    names: dict[str, str] = {}
    for action, p in TABLE.items():
        assert p.zh not in names, f"{action} and {names[p.zh]} are both “{p.zh}”"
        names[p.zh] = action


def test_the_actions_checked_before_a_form_is_read_are_the_tables():
    """core.route_actions refuses a write before its body is read (review-input12 F14) by the actions it
    lists per route: each is an action of the table (or a step filled from the address), never a name
    that would make the check pass for nobody or for everybody."""
    from shebao.core.route_actions import ROUTE_ACTIONS

    for route, actions in ROUTE_ACTIONS.items():
        assert actions, route
        for action in actions:
            assert action in TABLE or (action.startswith("case.{") and action.endswith("}")), (route, action)
