"""Give the Coordinator group the permissions of the models added since 0002
(broadcasts, ask scripts, call claims, suppression, API keys, webhooks...):
a coordinator runs everything about campaigns and supporters. Viewers get
nothing new (none of these is aggregate-only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR = "Coordinator"


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    coordinator.permissions.add(*Permission.objects.filter(content_type__app_label="campaign"))


class Migration(migrations.Migration):
    dependencies = [("campaign", "0012_legistar_and_boundaries")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
