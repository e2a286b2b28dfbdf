from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "shebao.staff"
    label = "staff"
    verbose_name = "工作人员"
