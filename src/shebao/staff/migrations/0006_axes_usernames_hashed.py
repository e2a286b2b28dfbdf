"""Hash the sign-in user names kept in clear before shebao.staff.lockout (issue 16): what
`shebao axes_usernames_hash` does, run once here so a deployed copy needs no manual step after
migrating. It calls the same code (`staff.lockout.hash_kept_usernames`), which is idempotent, so
running the command again afterwards changes nothing.

The code uses the current models, not the historical ones, because it is the command's own code.
So that a fresh database (a new install, every test run) never reads a table through a model newer
than the schema at this point, it runs only when the historical models show a row to rewrite.
Nothing to undo: the way back is a no-op (a keyed hash cannot be turned back into the name).
"""

from django.db import migrations


def hash_kept_usernames(apps, schema_editor):
    kept = [apps.get_model("axes", name).objects.exclude(username__isnull=True).exclude(username="").exists()
            for name in ("AccessAttempt", "AccessFailureLog", "AccessLog")]
    events = apps.get_model("portal", "SignInEvent").objects.filter(kind="employer").exclude(subject_label="")
    if not any(kept) and not events.exists():
        return
    from shebao.staff.lockout import hash_kept_usernames as rewrite

    rewrite()


class Migration(migrations.Migration):

    dependencies = [
        ("staff", "0005_stamps_from_business_clock"),
        ("axes", "0010_accessattemptexpiration"),
        ("portal", "0005_login_without_case"),
    ]

    operations = [migrations.RunPython(hash_kept_usernames, migrations.RunPython.noop)]
