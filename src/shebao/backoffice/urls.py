from django.urls import path

from shebao.backoffice import announcements, audits, cases, frontdesk, halls, review

app_name = "backoffice"
urlpatterns = [
    path("queue/", cases.queue, name="queue"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/<str:action>/", cases.case_act, name="case_act"),
    path("cases/<int:pk>/letter/", cases.case_letter, name="case_letter"),
    path("cases/<int:pk>/phone-check/", cases.case_phone_check, name="case_phone_check"),
    path("cases/<int:pk>/documents/", cases.case_document, name="case_document"),
    path("cases/<int:pk>/documents/<int:doc_pk>/", cases.document_download, name="document_download"),
    path("cases/<int:pk>/owed/<int:owed_pk>/", cases.case_owed, name="case_owed"),
    path("cases/<int:pk>/flag/", cases.case_flag, name="case_flag"),
    path("cases/<int:pk>/receipt.pdf", cases.case_receipt, name="case_receipt"),
    path("front-desk/", frontdesk.front_desk, name="front_desk"),
    path("announcements/", announcements.announcement_list, name="announcements"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/<int:pk>/step/", review.flag_step, name="flag_step"),
    path("audits/", audits.audit_queue, name="audit_queue"),
    path("audits/new/", audits.audit_new, name="audit_new"),
    path("audits/<int:pk>/", audits.audit_case, name="audit_case"),
    path("audits/<int:pk>/act/<str:action>/", audits.audit_case_act, name="audit_case_act"),
    path("audits/<int:pk>/contact/", audits.audit_contact, name="audit_contact"),
    path("audits/<int:pk>/reveal/<str:field>/", audits.audit_reveal, name="audit_reveal"),
    path("audits/<int:pk>/decision.pdf", audits.audit_letter, name="audit_letter"),
    path("halls/", halls.hall_list, name="halls"),
    path("halls/<int:pk>/", halls.hall_day, name="hall_day"),
    path("halls/<int:pk>/incident/", halls.hall_incident_new, name="hall_incident_new"),
    path("halls/<int:pk>/duty/", halls.hall_duty, name="hall_duty"),
    path("halls/<int:pk>/inspect/", halls.hall_inspect, name="hall_inspect"),
    path("incidents/", halls.incident_list, name="incidents"),
    path("incidents/<int:pk>/", halls.incident, name="incident"),
    path("incidents/<int:pk>/update/", halls.incident_update, name="incident_update"),
    path("incidents/<int:pk>/acknowledge/", halls.incident_acknowledge, name="incident_acknowledge"),
    path("inspections/<int:pk>/", halls.inspection, name="inspection"),
    path("inspections/<int:pk>/fix/<int:finding_pk>/", halls.finding_fix, name="finding_fix"),
]
