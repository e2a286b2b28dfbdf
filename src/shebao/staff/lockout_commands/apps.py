from django.apps import AppConfig


class LockoutCommandsConfig(AppConfig):
    name = "shebao.staff.lockout_commands"
    label = "lockout_commands"
    verbose_name = "登录锁定命令"
