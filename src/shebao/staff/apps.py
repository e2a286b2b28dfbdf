from django.apps import AppConfig


def last_login_stamp(sender, user, **kwargs) -> None:
    """Stamp a sign-in's ``last_login`` from the business clock (Django's receiver reads the machine's)."""
    from shebao.core import clock

    user.last_login = clock.now()
    user.save(update_fields=["last_login"])


class StaffConfig(AppConfig):
    name = "shebao.staff"
    label = "staff"
    verbose_name = "工作人员"

    def ready(self) -> None:
        from django.contrib.auth import models as auth_models
        from django.contrib.auth.signals import user_logged_in

        # Django connects update_last_login when the User model has last_login; replace it.
        user_logged_in.disconnect(auth_models.update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(last_login_stamp, dispatch_uid="shebao_last_login")
