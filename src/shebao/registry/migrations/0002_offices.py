from django.db import migrations


def create_offices(apps, schema_editor):
    from shebao.registry.offices import create_offices as create

    create(apps.get_model("registry", "Office"))


def remove_offices(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    Office.objects.filter(kind="agent_office").delete()
    Office.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(create_offices, remove_offices)]
