from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

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
    path("v1/collection/", include("shebao.collection.api_urls")),
    path("v1/cases/", include("shebao.cases.api_urls")),
    *router.urls,
]
