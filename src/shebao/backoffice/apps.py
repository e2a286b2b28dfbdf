from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "shebao.backoffice"
    label = "backoffice"
    verbose_name = "后台经办"
