from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "shebao.reports"
    label = "reports"
    verbose_name = "领导看板统计"

    def ready(self) -> None:
        from shebao.reports.refresher import connect

        connect()
