"""Password rules with Chinese messages (AUTH_PASSWORD_VALIDATORS).

Django's own validators, each with its message and help text written here in Chinese: Django 5.2
changed the minimum-length message's msgid ("%d" for "%(min_length)d") and its zh_Hans catalog did
not follow, so the portal showed "This password is too short. It must contain at least 12
characters." beside two Chinese messages (bad-input review 3, E6). Every text a user sees is
Chinese, so none of these messages depends on a third-party catalog.
"""

from __future__ import annotations

from django.contrib.auth import password_validation as django_rules


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    """At least `min_length` characters (12 for every account: staff and the portal's employers)."""

    def get_error_message(self) -> str:
        return f"密码至少{self.min_length}位"

    def get_help_text(self) -> str:
        return f"密码至少{self.min_length}位。"


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    """Not too like the account's own login, name or e-mail (the field's verbose name is Chinese:
    用户名 from Django's catalog, 姓名 and the rest from the project's models)."""

    def get_error_message(self) -> str:
        return "密码与账户的%(verbose_name)s太相似"

    def get_help_text(self) -> str:
        return "密码不能与登录名、姓名或电子邮箱太相似。"


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    """Not one of the 20,000 most common passwords (Django's list)."""

    def get_error_message(self) -> str:
        return "密码太常见，容易被猜中"

    def get_help_text(self) -> str:
        return "密码不能是常用密码。"


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    """Not digits only."""

    def get_error_message(self) -> str:
        return "密码不能全是数字"

    def get_help_text(self) -> str:
        return "密码不能全是数字。"
