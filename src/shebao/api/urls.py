from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from shebao.api.registry import EmployerViewSet, PersonViewSet

router = SimpleRouter()
router.register("v1/persons", PersonViewSet, basename="person")
router.register("v1/employers", EmployerViewSet, basename="employer")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("v1/collection/", include("shebao.collection.api_urls")),
    path("v1/cases/", include("shebao.cases.api_urls")),
    *router.urls,
]
