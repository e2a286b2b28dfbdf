from django.contrib.auth import views as auth_views
from django.urls import path

from shebao.backoffice import registry
from shebao.web import public, views

# The registry's staff pages (backoffice.registry) keep their addresses and their names in this
# namespace (web:person_search, ...), which templates and links have used from the start.
app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("public/announcements/", views.public_announcements, name="public_announcements"),
    path("public/card-certificates/", public.card_certificate_verify, name="card_certificate_verify"),
    path("public/rights-statements/", public.rights_statement_verify, name="rights_statement_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("large-type/", views.toggle_large_type, name="toggle_large_type"),
    path("persons/", registry.person_search, name="person_search"),
    path("persons/registered-twice/", registry.persons_registered_twice, name="persons_registered_twice"),
    path("persons/<id:pk>/", registry.person_detail, name="person_detail"),
    path("persons/<id:pk>/unmerge/", registry.person_unmerge, name="person_unmerge"),
    path("persons/<id:pk>/reveal/<str:field>/", registry.person_reveal, name="person_reveal"),
    path("employers/", registry.employer_search, name="employer_search"),
    path("employers/<id:pk>/", registry.employer_detail, name="employer_detail"),
    path("employers/<id:pk>/reveal/<str:field>/", registry.employer_reveal, name="employer_reveal"),
]
