"""/api/: the REST API of every domain (one module per domain in this package) and its documents."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from shebao.api import benefits, cases, relief
from shebao.api.docs import api_docs, redoc
from shebao.api.registry import EmployerViewSet, PersonViewSet

router = SimpleRouter()
router.register("v1/persons", PersonViewSet, basename="person")
router.register("v1/employers", EmployerViewSet, basename="employer")

urlpatterns = [
    # A browser gets the interactive documentation, a system the OpenAPI document (api.docs).
    path("schema/", api_docs, name="api-schema"),
    path("schema/openapi/", SpectacularAPIView.as_view(), name="api-schema-file"),
    path("schema/redoc/", redoc, name="api-redoc"),
    # Cases (api.cases)
    path("v1/cases/", cases.CaseListView.as_view(), name="case-list"),
    path("v1/cases/workflows/", cases.WorkflowTableView.as_view(), name="case-workflows"),
    path("v1/cases/flags/", cases.FlagQueueView.as_view(), name="case-flags"),
    path("v1/cases/flags/<id:pk>/steps/", cases.FlagStepView.as_view(), name="case-flag-step"),
    path("v1/cases/owed-documents/overdue/", cases.OverdueView.as_view(), name="case-overdue"),
    path("v1/cases/epidemic-lift/preview/", cases.EpidemicLiftPreviewView.as_view(), name="case-lift-preview"),
    path("v1/cases/epidemic-lift/", cases.EpidemicLiftApplyView.as_view(), name="case-lift-apply"),
    path("v1/cases/<id:pk>/", cases.CaseDetailView.as_view(), name="case-detail"),
    path("v1/cases/<id:pk>/transitions/", cases.CaseTransitionView.as_view(), name="case-transition"),
    path("v1/cases/<id:pk>/details/", cases.CaseDetailsView.as_view(), name="case-details"),
    path("v1/cases/<id:pk>/commitment-letter/", cases.CommitmentLetterView.as_view(), name="case-letter"),
    path("v1/cases/<id:pk>/phone-checks/", cases.PhoneCheckView.as_view(), name="case-phone-check"),
    path("v1/cases/<id:pk>/documents/", cases.DocumentUploadView.as_view(), name="case-documents"),
    path("v1/cases/<id:pk>/documents/<id:doc>/content/", cases.DocumentContentView.as_view(),
         name="case-document-content"),
    path("v1/cases/<id:pk>/owed-documents/<id:owed>/exchange/", cases.OwedExchangeView.as_view(),
         name="case-owed-exchange"),
    path("v1/cases/<id:pk>/owed-documents/<id:owed>/review/", cases.OwedReviewView.as_view(),
         name="case-owed-review"),
    path("v1/cases/<id:pk>/flags/", cases.CaseFlagView.as_view(), name="case-flag-raise"),
    # Benefits (api.benefits)
    path("v1/benefits/retirees/", benefits.RetireeListView.as_view(), name="benefits-retiree-list"),
    path("v1/benefits/retirees/<id:pk>/", benefits.RetireeDetailView.as_view(), name="benefits-retiree-detail"),
    path("v1/benefits/retirees/<id:pk>/payments/", benefits.RetireePaymentsView.as_view(),
         name="benefits-retiree-payments"),
    path("v1/benefits/work-injury-awards/", benefits.AwardListView.as_view(), name="benefits-award-list"),
    path("v1/benefits/work-injury-awards/<id:pk>/", benefits.AwardDetailView.as_view(), name="benefits-award-detail"),
    path("v1/benefits/work-injury-claims/<id:pk>/pay/", benefits.AwardPayView.as_view(), name="benefits-claim-pay"),
    path("v1/benefits/work-injury-awards/<id:pk>/payee/", benefits.AwardPayeeView.as_view(),
         name="benefits-award-payee"),
    path("v1/benefits/payroll-transfers/<id:pk>/resend/", benefits.TransferResendView.as_view(),
         name="benefits-transfer-resend"),
    path("v1/benefits/payroll-runs/", benefits.RunListView.as_view(), name="benefits-run-list"),
    path("v1/benefits/payroll-runs/<id:pk>/", benefits.RunDetailView.as_view(), name="benefits-run-detail"),
    # Relief packs (api.relief)
    path("v1/relief/packs/", relief.ReliefPackListView.as_view(), name="relief-pack-list"),
    path("v1/relief/what-if/", relief.ReliefWhatIfView.as_view(), name="relief-what-if"),
    path("v1/relief/publication-requests/", relief.PublicationRequestListView.as_view(),
         name="relief-publication-request-list"),
    path("v1/relief/publication-requests/<id:pk>/decision/", relief.PublicationRequestDecisionView.as_view(),
         name="relief-publication-request-decide"),
    path("v1/relief/newly-known/", relief.NewlyKnownView.as_view(), name="relief-newly-known"),
    path("v1/relief/deferrals/", relief.DeferralListView.as_view(), name="relief-deferral-list"),
    path("v1/relief/deferrals/<id:pk>/", relief.DeferralDetailView.as_view(), name="relief-deferral-detail"),
    path("v1/relief/deferrals/<id:pk>/decision/", relief.DeferralDecisionView.as_view(),
         name="relief-deferral-decide"),
    path("v1/relief/employers/<id:pk>/facts/", relief.EmployerFactsView.as_view(), name="relief-employer-facts"),
    path("v1/relief/size-class/", relief.SizeClassView.as_view(), name="relief-size-class"),
    # Registry (api.registry)
    *router.urls,
]
