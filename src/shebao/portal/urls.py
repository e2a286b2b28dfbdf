"""The portal's addresses, under /portal/ (issue 15). person15 adds the insured person's pages here."""

from django.urls import path

from shebao.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("person/sign-in/", views.person_sign_in, name="person_sign_in"),
    path("person/sign-in/code/", views.person_sign_in_code, name="person_sign_in_code"),
    path("person/", views.person_home, name="person_home"),
    path("employer/sign-in/", views.employer_sign_in, name="employer_sign_in"),
    path("employer/sign-in/code/", views.employer_sign_in_code, name="employer_sign_in_code"),
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/accounts/", views.employer_accounts, name="employer_accounts"),
    path("employer/accounts/<id:pk>/disable/", views.employer_account_disable, name="employer_account_disable"),
]
