from django.db import migrations


def create_offices(apps, schema_editor):
    from shebao.registry.offices import AGENT_OFFICES, DISTRICTS, MUNICIPAL_CENTER

    Office = apps.get_model("registry", "Office")
    Office.objects.create(code=MUNICIPAL_CENTER[0], name=MUNICIPAL_CENTER[1], kind="municipal_center")
    by_code = {}
    for code, name, weight in DISTRICTS:
        by_code[code] = Office.objects.create(code=code, name=name, kind="district_center", weight=weight)
    for code, name, parent in AGENT_OFFICES:
        Office.objects.create(code=code, name=name, kind="agent_office", parent=by_code[parent])


def remove_offices(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    Office.objects.filter(kind="agent_office").delete()
    Office.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(create_offices, remove_offices)]
