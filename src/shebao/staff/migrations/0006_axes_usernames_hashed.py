"""Hash the sign-in user names kept in clear before shebao.staff.lockout (issue 16): what
`shebao axes_usernames_hash` does, run once here so a deployed copy needs no manual step after
migrating. It calls the same code (`staff.lockout.hash_kept_usernames`), which is idempotent, so
running the command again afterwards changes nothing.

It reads and writes through this migration's historical models (`apps.get_model`, handed to the
rewrite as `apps`), never the current ones: a copy that migrates across later changes to these
tables still rewrites through models that match the schema at this point.
Nothing to undo: the way back is a no-op (a keyed hash cannot be turned back into the name).
"""

from django.db import migrations


def hash_kept_usernames(apps, schema_editor):
    from shebao.staff.lockout import hash_kept_usernames as rewrite

    rewrite(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("staff", "0005_stamps_from_business_clock"),
        ("axes", "0010_accessattemptexpiration"),
        ("portal", "0005_login_without_case"),
    ]

    operations = [migrations.RunPython(hash_kept_usernames, migrations.RunPython.noop)]
