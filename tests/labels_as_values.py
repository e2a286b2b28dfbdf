"""Stored values that are only their own field's label (review-user10 F7: the demo's refunds read
收款人户名 / 开户银行 as the payee and the bank): a walk of every text column of every model, by its
verbose name, and of every text field of every application's content, by its definition's label
(`rules.business_fields.label_as_value`, the rule the content's check refuses with)."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from shebao.rules.business_fields import definitions, label_as_value


def labels_stored_as_values() -> list[str]:
    """``model.field=value`` (or ``case #pk field=value``) of each stored value equal to its label."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in {"registry", "collection", "cases", "benefits", "cards", "portal",
                                          "operations", "reports", "staff"}:
            continue
        for f in model._meta.concrete_fields:
            if type(f) not in (models.CharField, models.TextField) or f.choices:
                continue
            label = str(f.verbose_name)
            for value in model.objects.filter(**{f"{f.name}__in": [label, f"{label}：", f"{label}:"]}).values_list(
                    f.name, flat=True)[:5]:
                found.append(f"{model._meta.label}.{f.name}={value}")
    from shebao.cases.models import Case

    defs = definitions()
    for case in Case.objects.only("pk", "business", "details").iterator():
        d = defs.get(case.business)
        for spec in (d.fields if d else ()):
            value = (case.details or {}).get(spec.name)
            if spec.type == "text" and isinstance(value, str) and label_as_value(value, spec.label):
                found.append(f"case #{case.pk} {spec.name}={value}")
    return found
