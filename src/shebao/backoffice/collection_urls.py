"""The collection desk's staff pages (/collection/, namespace `collection`): backoffice.collection."""

from __future__ import annotations

from django.urls import path

from shebao.backoffice import collection as views
from shebao.backoffice import exports, relief

app_name = "collection"
urlpatterns = [
    path("employers/<id:pk>/", views.employer_account, name="employer_account"),
    path("remittances/", views.remittance_queue, name="remittance_queue"),
    path("remittances/<id:pk>/", views.remittance_line, name="remittance_line"),
    path("remittances/<id:pk>/match/", views.remittance_line_match, name="remittance_line_match"),
    path("remittances/<id:pk>/match-request/", views.remittance_line_request, name="remittance_line_request"),
    path("remittance-match-requests/<id:pk>/decide/", views.remittance_match_decision,
         name="remittance_match_decision"),
    path("remittances/<id:pk>/duplicate/", views.remittance_line_duplicate, name="remittance_line_duplicate"),
    path("assessments/", views.assessment_runs, name="assessment_runs"),
    path("assessments/start/", views.assessment_start, name="assessment_start"),
    path("assessments/jobs/<id:pk>/", views.assessment_job, name="assessment_job"),
    path("assessments/<id:pk>/", views.assessment_run, name="assessment_run"),
    path("assessments/<id:pk>/districts/<id:district>/", views.assessment_run_district,
         name="assessment_run_district"),
    path("assessments/<id:pk>/results.xlsx", exports.assessment_export, name="assessment_export"),
    path("assessments/<id:pk>/districts/<id:district>/results.xlsx", exports.assessment_district_export,
         name="assessment_district_export"),
    path("assessments/<id:pk>/report.pdf", exports.assessment_report, name="assessment_report"),
    path("deductions/", views.deduction_runs, name="deduction_runs"),
    path("deductions/<id:pk>/", views.deduction_run, name="deduction_run"),
    path("deductions/<id:pk>/retry/", views.deduction_run_retry, name="deduction_run_retry"),
    path("deductions/start/", views.deduction_run_start, name="deduction_run_start"),
    path("deductions/<id:pk>/request-file/", views.deduction_file_download, name="deduction_file_download"),
    path("deductions/<id:pk>/request-file.sha256", views.deduction_file_download, {"what": "sha256"},
         name="deduction_file_checksum"),
    path("refunds/", views.refund_desk, name="refund_desk"),
    path("refunds/files/", views.refund_file_create, name="refund_file_create"),
    path("refunds/files/<id:pk>/release/", views.refund_file_release, name="refund_file_release"),
    path("refunds/files/<id:pk>/download/", views.refund_file_download, name="refund_file_download"),
    path("refunds/results/", views.refund_result_upload, name="refund_result_upload"),
    path("imports/<slug:kind>/", views.bank_file_import, name="bank_file_import"),
    path("persons/<id:pk>/rights/", views.person_rights, name="person_rights"),
    path("persons/<id:pk>/rights/statement/", views.person_rights_statement, name="person_rights_statement"),
    path("relief/", relief.relief_index, name="relief"),
    path("relief/what-if/", relief.relief_what_if, name="relief_what_if"),
    path("relief/size-class/", relief.size_class, name="relief_size_class"),
    path("relief/publish-request/", relief.relief_publish_request, name="relief_publish_request"),
    path("relief/publish-requests/<id:pk>/decide/", relief.relief_publish_decide, name="relief_publish_decide"),
    path("relief/apply-known/", relief.relief_known_apply, name="relief_known_apply"),
    path("relief/deferrals/", relief.deferrals, name="relief_deferrals"),
    path("relief/deferrals/<id:pk>/", relief.deferral, name="relief_deferral"),
    path("relief/deferrals/<id:pk>/decide/", relief.deferral_decide, name="relief_deferral_decide"),
    path("relief/employers/<id:pk>/facts/", relief.employer_facts, name="relief_employer_facts"),
]
