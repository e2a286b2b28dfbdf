"""Every password message and help text is Chinese (bad-input review 3, E6: the portal showed
"This password is too short. It must contain at least 12 characters.")."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from shebao.core.errors import DomainError
from shebao.portal.models import EmployerAccount
from shebao.portal.services import employer_admin_create
from tests import personas

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "says"), [
    ("12345678", "密码至少12位"), ("clerk6xyz", "密码至少12位"), ("123456789012", "密码不能全是数字"),
    ("password1234", "密码太常见"), ("wangwei-chaoyang", "太相似"),
])
def test_each_password_rule_says_why_in_chinese(password, says):
    user = personas.make_staff("wangwei-chaoyang", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    text = "；".join(refused.value.messages)
    assert says in text and not LATIN_WORD.search(text), text


def test_the_help_texts_are_chinese():
    texts = password_validators_help_texts()
    assert len(texts) == 4 and not any(LATIN_WORD.search(t) for t in texts), texts


@pytest.mark.django_db
def test_the_portal_refuses_a_short_password_in_chinese_and_makes_no_account(employer_chaoyang):
    from shebao.core.permissions import SystemActor

    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        employer_admin_create(actor=SystemActor.command("test"), employer=employer_chaoyang, login="clerk5",
                              display_name="王伟", mobile="13800138015", password="12345678")
    text = "；".join(zh for _f, zh, _en in refused.value.entries())
    assert "密码至少12位" in text and not LATIN_WORD.search(text), text
    assert not EmployerAccount.objects.exists()
