from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shebao.core"
    label = "core"
    verbose_name = "审计与公共"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save, pre_save
        from django.urls import register_converter

        from shebao.core import checks  # noqa: F401  (registers the project's system checks)
        from shebao.core.inputs import IdConverter
        from shebao.core.models import Announcement
        from shebao.core.policy import forget_state

        # The announcement state read with an API key lasts one request (core.policy).
        request_started.connect(forget_state, dispatch_uid="shebao-policy-state-start")
        request_finished.connect(forget_state, dispatch_uid="shebao-policy-state-end")
        post_save.connect(forget_state, sender=Announcement, dispatch_uid="shebao-policy-state-saved")
        post_delete.connect(forget_state, sender=Announcement, dispatch_uid="shebao-policy-state-deleted")
        # Record ids in addresses: <id:pk> is at most 18 digits, never an overflow (issue 16 §1).
        register_converter(IdConverter, "id")
        # The last line against what a column cannot hold (issue 16 §1): every model of the project.
        pre_save.connect(_project_guard, dispatch_uid="shebao-input-guard")


def _project_guard(sender: type, **kwargs: object) -> None:
    if sender.__module__.startswith("shebao."):
        from shebao.core.inputs import guard_instance

        guard_instance(sender, **kwargs)  # type: ignore[arg-type]
