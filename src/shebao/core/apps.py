from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shebao.core"
    label = "core"
    verbose_name = "审计与公共"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from shebao.core import checks  # noqa: F401  (registers the project's system checks)
        from shebao.core.models import Announcement
        from shebao.core.policy import forget_state

        # The announcement state read with an API key lasts one request (core.policy).
        request_started.connect(forget_state, dispatch_uid="shebao-policy-state-start")
        request_finished.connect(forget_state, dispatch_uid="shebao-policy-state-end")
        post_save.connect(forget_state, sender=Announcement, dispatch_uid="shebao-policy-state-saved")
        post_delete.connect(forget_state, sender=Announcement, dispatch_uid="shebao-policy-state-deleted")
