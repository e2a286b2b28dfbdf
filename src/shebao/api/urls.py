from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from shebao.api.docs import TITLE, api_docs
from shebao.api.registry import EmployerViewSet, PersonViewSet

router = SimpleRouter()
router.register("v1/persons", PersonViewSet, basename="person")
router.register("v1/employers", EmployerViewSet, basename="employer")

urlpatterns = [
    # A browser gets the interactive documentation, a system the OpenAPI document (api.docs).
    path("schema/", api_docs, name="api-schema"),
    path("schema/openapi/", SpectacularAPIView.as_view(), name="api-schema-file"),
    path("schema/redoc/", SpectacularRedocView.as_view(url_name="api-schema-file", title=TITLE,
                                                       template_name="api/redoc.html"), name="api-redoc"),
    path("v1/collection/", include("shebao.collection.api_urls")),
    path("v1/cases/", include("shebao.cases.api_urls")),
    *router.urls,
]
