"""The audit trail: who changed, saw or exported personal data, and when."""

import logging

import pytest
from auditlog.models import LogEntry
from django.db import transaction

from campaign.audit import audit_entries_about, audit_entries_forget, audit_read
from campaign.models import ActionKind, ActionStatus, Supporter, Tag
from campaign.services.intake import action_record
from tests import factories
from tests.admin.helpers import changeform_data

pytestmark = pytest.mark.django_db


def entries(**filters):
    return list(LogEntry.objects.filter(**filters).order_by("id"))


def test_a_coordinators_edit_in_the_admin_records_who_changed_what(
    client, coordinator, pine_county, django_capture_on_commit_callbacks
):
    supporter = factories.SupporterFactory(last_name="Old", phone="+16125550123")
    client.force_login(coordinator)
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(client.get(url))
    data["last_name"] = "New"
    LogEntry.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302
    [entry] = entries(action=LogEntry.Action.UPDATE)
    assert entry.actor == coordinator
    assert entry.object_pk == str(supporter.pk)
    assert entry.changes == {"last_name": ["Old", "New"]}


def test_a_logged_action_names_its_person_and_campaign(
    pine_county, coordinator, django_capture_on_commit_callbacks
):
    campaign = pine_county["campaign"]
    supporter = factories.SupporterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        action, _created = action_record(
            supporter=supporter,
            campaign=campaign,
            kind=ActionKind.MEETING,
            status=ActionStatus.PLEDGED,
            target=None,
            source="admin",
        )
    [entry] = entries(content_type__model="action")
    assert entry.action == LogEntry.Action.CREATE
    assert entry.object_pk == str(action.pk)
    assert entry.additional_data == {"supporter": supporter.pk, "campaign": campaign.pk}
    assert entry.changes["kind"] == [None, "meeting"]


def test_a_rolled_back_change_leaves_no_entry(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        factories.SupporterFactory(first_name="Ghost")
        raise RuntimeError("rolled back")
    assert entries() == []


def test_a_failing_trail_never_fails_the_change(
    db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the trail's table is gone")

    monkeypatch.setattr(LogEntry.objects, "bulk_create", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        supporter = factories.SupporterFactory(first_name="Kept")
    assert Supporter.objects.get(pk=supporter.pk).first_name == "Kept"
    assert "audit trail: 1 entries could not be written" in caplog.text


def test_saving_unchanged_fields_records_nothing(db, django_capture_on_commit_callbacks):
    supporter = factories.SupporterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        Supporter.objects.get(pk=supporter.pk).save()
        loaded = Supporter.objects.only("id", "first_name").get(pk=supporter.pk)
        loaded.first_name = "Changed"
        loaded.save(update_fields=["first_name"])
    [entry] = entries(action=LogEntry.Action.UPDATE)
    assert entry.changes == {"first_name": [supporter.first_name, "Changed"]}


def test_tags_added_to_a_person_are_recorded(db, django_capture_on_commit_callbacks):
    supporter = factories.SupporterFactory()
    tag = Tag.objects.create(name="do-not-call")
    with django_capture_on_commit_callbacks(execute=True):
        supporter.tags.add(tag)
    [entry] = entries(action=LogEntry.Action.UPDATE)
    assert entry.changes == {
        "tags": {"type": "m2m", "operation": "add", "objects": ["do-not-call"]}
    }


def test_a_read_records_who_what_and_about_whom_but_no_data(
    rf, coordinator, db, django_capture_on_commit_callbacks
):
    supporter = factories.SupporterFactory(email="private@example.org")
    request = rf.get("/admin/", REMOTE_ADDR="203.0.113.9")
    request.user = coordinator
    LogEntry.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        audit_read(request, "supporter_page", about=supporter)
    [entry] = entries()
    assert (entry.action, entry.actor, entry.remote_addr) == (
        LogEntry.Action.ACCESS,
        coordinator,
        "203.0.113.9",
    )
    assert entry.additional_data == {"event": "supporter_page", "supporter": supporter.pk}
    assert "private@example.org" not in str(entry.__dict__)


def test_forgetting_a_person_scrubs_their_values_and_keeps_the_events(
    pine_county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erased = factories.SupporterFactory(email="erase.me@example.org", last_name="Erasable")
        kept = factories.SupporterFactory(email="keep.me@example.org", last_name="Keepable")
        factories.ActionFactory(supporter=erased, campaign=pine_county["campaign"])
    # Their row, their action and their membership of the campaign's base.
    assert len(audit_entries_about(erased)) == 3

    assert audit_entries_forget(erased) == 3

    about_erased = audit_entries_about(erased)
    assert [(e.object_repr, e.changes) for e in about_erased] == [("(erased)", {})] * 3
    assert "erase.me@example.org" not in str(list(LogEntry.objects.values()))
    assert "keep.me@example.org" in str(audit_entries_about(kept)[0].changes)


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("coordinator", 403), ("viewer", 403)]
)
def test_only_admins_see_the_trail(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/admin/auditlog/logentry/").status_code == status


def test_the_trail_filters_by_person(
    client, admin, pine_county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        one = factories.SupporterFactory(last_name="Alpha")
        factories.SupporterFactory(last_name="Beta")
        factories.ActionFactory(supporter=one, campaign=pine_county["campaign"])
    client.force_login(admin)
    response = client.get(f"/admin/auditlog/logentry/?supporter={one.pk}")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert sorted(e.content_type.model for e in shown) == ["action", "membership", "supporter"]


def test_a_supporters_page_links_admins_to_the_trail_about_them(client, admin, db):
    supporter = factories.SupporterFactory()
    client.force_login(admin)
    html = client.get(f"/admin/campaign/supporter/{supporter.pk}/change/").content.decode()
    assert f"/admin/auditlog/logentry/?supporter={supporter.pk}" in html


def test_a_coordinators_supporter_page_has_no_trail_link(client, coordinator, db):
    supporter = factories.SupporterFactory()
    client.force_login(coordinator)
    html = client.get(f"/admin/campaign/supporter/{supporter.pk}/change/").content.decode()
    assert "/admin/auditlog/logentry/" not in html
