"""Fill the new columns from what is already stored: every supporter's
search_name, and a membership for everyone with an action in a campaign or a
consent given on its page (the two ways into a base before memberships)."""

import unicodedata

from django.db import migrations


def _fold(value):
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def forwards(apps, schema_editor):
    Supporter = apps.get_model("campaign", "Supporter")
    Action = apps.get_model("campaign", "Action")
    ConsentEvent = apps.get_model("campaign", "ConsentEvent")
    Membership = apps.get_model("campaign", "Membership")

    batch = []
    for supporter in Supporter.objects.only("pk", "first_name", "last_name").iterator(
        chunk_size=2000
    ):
        supporter.search_name = _fold(f"{supporter.first_name} {supporter.last_name}")[:201]
        batch.append(supporter)
        if len(batch) == 2000:
            Supporter.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        Supporter.objects.bulk_update(batch, ["search_name"])

    first: dict[tuple[int, int], tuple] = {}
    for campaign_id, supporter_id, created_at, source in (
        Action.objects.order_by("created_at", "id")
        .values_list("campaign_id", "supporter_id", "created_at", "source")
        .iterator(chunk_size=5000)
    ):
        first.setdefault((campaign_id, supporter_id), (created_at, source))
    for campaign_id, supporter_id, occurred_at in (
        ConsentEvent.objects.filter(campaign__isnull=False, kind="granted")
        .order_by("occurred_at", "id")
        .values_list("campaign_id", "supporter_id", "occurred_at")
        .iterator(chunk_size=5000)
    ):
        key = (campaign_id, supporter_id)
        if key not in first or occurred_at < first[key][0]:
            first[key] = (occurred_at, "public_form")
    Membership.objects.bulk_create(
        (
            Membership(campaign_id=c, supporter_id=s, joined_at=at, source=source)
            for (c, s), (at, source) in first.items()
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("campaign", "0004_intake_core")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
