"""Reads of personal data leave an entry: who, which kind of read, about
which campaign or person, and never the rows shown."""

import pytest
from auditlog.models import LogEntry

from campaign.resources import SupporterResource
from tests import factories
from tests.admin.helpers import export

pytestmark = pytest.mark.django_db

SLUG = "parks-alcohol-ordinance"


def reads():
    return [
        (entry.actor.username, entry.additional_data)
        for entry in LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("id")
    ]


def test_a_supporters_export_is_recorded_with_its_range(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/dashboard/{SLUG}/export/supporters.csv?from=2026-01-01")
        b"".join(response.streaming_content)
    assert reads() == [("coordinator", {"event": "export_supporters", "range": "from=2026-01-01"})]


def test_a_viewers_actions_export_is_recorded_as_not_personal(
    client, viewer, pine_county, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/dashboard/{SLUG}/export/actions.csv")
    assert reads() == [("viewer", {"event": "export_actions", "range": "", "personal": False})]


def test_a_search_records_its_length_not_its_words(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/dashboard/{SLUG}/search/", {"q": "Lucía"})
    assert reads() == [("coordinator", {"event": "search", "length": 5})]
    assert "Lucía" not in str(list(LogEntry.objects.values()))


def test_opening_a_supporters_admin_page_is_recorded_about_them(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    supporter = factories.SupporterFactory()
    LogEntry.objects.all().delete()
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/admin/campaign/supporter/{supporter.pk}/change/")
    assert reads() == [("coordinator", {"event": "supporter_page", "supporter": supporter.pk})]


def test_an_admin_search_and_export_are_recorded(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    factories.SupporterFactory(last_name="Quixote")
    LogEntry.objects.all().delete()
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/admin/campaign/supporter/", {"q": "Quix"})
        response = export(client, "supporter", SupporterResource)
    assert response.status_code == 200
    assert reads() == [
        ("coordinator", {"event": "search", "where": "supporter", "length": 4}),
        ("coordinator", {"event": "admin_export", "what": "supporter"}),
    ]


def test_opening_the_call_list_is_recorded(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/dashboard/{SLUG}/call-list/")
    assert reads() == [("coordinator", {"event": "call_list"})]
