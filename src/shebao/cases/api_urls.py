"""/api/v1/cases/ — mounted by shebao.api.urls."""

from __future__ import annotations

from django.urls import path

from shebao.cases import api

urlpatterns = [
    path("", api.CaseListView.as_view(), name="case-list"),
    path("workflows/", api.WorkflowTableView.as_view(), name="case-workflows"),
    path("flags/", api.FlagQueueView.as_view(), name="case-flags"),
    path("flags/<int:pk>/steps/", api.FlagStepView.as_view(), name="case-flag-step"),
    path("owed-documents/overdue/", api.OverdueView.as_view(), name="case-overdue"),
    path("epidemic-lift/preview/", api.EpidemicLiftPreviewView.as_view(), name="case-lift-preview"),
    path("epidemic-lift/", api.EpidemicLiftApplyView.as_view(), name="case-lift-apply"),
    path("<int:pk>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("<int:pk>/transitions/", api.CaseTransitionView.as_view(), name="case-transition"),
    path("<int:pk>/commitment-letter/", api.CommitmentLetterView.as_view(), name="case-letter"),
    path("<int:pk>/phone-checks/", api.PhoneCheckView.as_view(), name="case-phone-check"),
    path("<int:pk>/documents/", api.DocumentUploadView.as_view(), name="case-documents"),
    path("<int:pk>/documents/<int:doc>/content/", api.DocumentContentView.as_view(), name="case-document-content"),
    path("<int:pk>/owed-documents/<int:owed>/exchange/", api.OwedExchangeView.as_view(), name="case-owed-exchange"),
    path("<int:pk>/owed-documents/<int:owed>/review/", api.OwedReviewView.as_view(), name="case-owed-review"),
    path("<int:pk>/flags/", api.CaseFlagView.as_view(), name="case-flag-raise"),
]
