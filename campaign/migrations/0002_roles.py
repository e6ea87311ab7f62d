"""Create the Coordinator and Viewer groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR = "Coordinator"
VIEWER = "Viewer"
VIEWER_MODELS = (
    "decisionbody",
    "district",
    "districtzip",
    "councilmember",
    "campaign",
    "hearing",
    "stance",
    "membervote",
)


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure
    # they exist now so the groups can be given them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    campaign_permissions = Permission.objects.filter(content_type__app_label="campaign")

    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    coordinator.permissions.set(campaign_permissions)

    viewer, _ = Group.objects.get_or_create(name=VIEWER)
    viewer.permissions.set(
        campaign_permissions.filter(
            codename__in=[f"view_{model}" for model in VIEWER_MODELS]
        )
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[COORDINATOR, VIEWER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
