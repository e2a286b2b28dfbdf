from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "shebao.operations"
    label = "operations"
    verbose_name = "经办机构自身工作（稽核、大厅、值班）"
