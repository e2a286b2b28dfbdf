"""Stored sources (依据) restated from the pack (review-user6 F1).

A pension entitlement and a work-injury award keep, with each parameter they used, the source text the
pack gave at the time. text19 (621574c) rewrote the pack's sources users read as Chinese statements and
moved the pack writer's notes ("approximate reference: …") out of them, but the rows made before kept
the old text, and the retiree and award pages print what is stored. This rewrites each stored source
with the pack's present text for the same parameter and the same effective date; a parameter or date
the pack no longer has is left as it is. Values and dates are not touched.
"""

from django.db import migrations


def restate(apps, schema_editor):
    from shebao.rules import load_policy

    policy = load_policy("base")
    sources: dict[tuple[str, str], str] = {}

    def source(name: str, effective: str) -> str | None:
        key = (name, effective)
        if key not in sources:
            try:
                values = policy.parameter(name).values
            except Exception:  # a parameter the pack no longer has
                values = ()
            sources[key] = next((v.reference.document for v in values if str(v.effective) == effective), None)
        return sources[key]

    for label in ("Entitlement", "WorkInjuryAward"):
        model = apps.get_model("benefits", label)
        for row in model.objects.exclude(parameters={}).iterator():
            changed = False
            for name, p in (row.parameters or {}).items():
                if not isinstance(p, dict) or "effective" not in p or "document" not in p:
                    continue
                text = source(name, str(p["effective"]))
                if text and text != p["document"]:
                    p["document"], changed = text, True
            if changed:
                model.objects.filter(pk=row.pk).update(parameters=row.parameters)


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0007_pension_top_ups"),
    ]

    operations = [migrations.RunPython(restate, migrations.RunPython.noop)]
