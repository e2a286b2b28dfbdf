"""The portal's addresses, under /portal/ (issue 15). person15 adds the insured person's pages here."""

from django.urls import path

from shebao.portal import employer, employer_declarations, person, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("person/sign-in/", views.person_sign_in, name="person_sign_in"),
    path("person/sign-in/code/", views.person_sign_in_code, name="person_sign_in_code"),
    path("person/", views.person_home, name="person_home"),
    path("person/rights/", person.person_rights, name="person_rights"),
    path("person/rights/statement/", person.person_rights_statement, name="person_rights_statement"),
    path("person/card/", person.person_card_apply, name="person_card_apply"),
    path("person/transfer/", person.person_transfer, name="person_transfer"),
    path("person/transfer/<slug:direction>/", person.person_transfer_apply, name="person_transfer_apply"),
    path("person/resident-pension/", person.person_resident_pension, name="person_resident_pension"),
    path("person/resident-pension/<slug:kind>/", person.person_resident_pension_apply,
         name="person_resident_pension_apply"),
    path("person/identity/", person.person_identity, name="person_identity"),
    path("person/identity/callback/", person.person_identity_callback, name="person_identity_callback"),
    path("person/cases/", person.person_cases, name="person_cases"),
    path("person/cases/<id:pk>/", person.person_case, name="person_case"),
    path("person/cases/<id:pk>/card-certificate.pdf", person.person_card_certificate,
         name="person_card_certificate"),
    path("person/messages/", person.person_messages, name="person_messages"),
    path("employer/sign-in/", views.employer_sign_in, name="employer_sign_in"),
    path("employer/sign-in/code/", views.employer_sign_in_code, name="employer_sign_in_code"),
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/accounts/", views.employer_accounts, name="employer_accounts"),
    path("employer/accounts/<id:pk>/disable/", views.employer_account_disable, name="employer_account_disable"),
    path("employer/cases/", employer.case_list, name="employer_cases"),
    path("employer/cases/new/", employer.case_new, name="employer_case_new"),
    path("employer/cases/<id:pk>/", employer.case_detail, name="employer_case"),
    path("employer/cases/<id:pk>/commitment/", employer.case_commitment, name="employer_case_commitment"),
    path("employer/cases/<id:pk>/documents/", employer.case_document, name="employer_case_document"),
    path("employer/cases/<id:pk>/documents/<id:doc_pk>/", employer.case_document_download,
         name="employer_case_document_download"),
    path("employer/account/", employer.account, name="employer_account"),
    path("employer/messages/", employer.message_list, name="employer_messages"),
    path("employer/declarations/", employer_declarations.declaration_list, name="employer_declarations"),
    path("employer/declarations/<id:pk>/", employer_declarations.declaration_detail, name="employer_declaration"),
    path("employer/declarations/<id:pk>/act/", employer_declarations.declaration_act,
         name="employer_declaration_act"),
]
