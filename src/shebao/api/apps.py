from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "shebao.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from shebao.api import docs  # noqa: F401  (registers the API key's scheme with drf-spectacular)
