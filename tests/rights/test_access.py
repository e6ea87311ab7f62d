"""Access requests: everything held about one person, and nothing else."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.services.privacy import supporter_access_export
from tests.rights.conftest import NEIGHBOUR, QUENTIN, QUENTIN_NOTE, neighbour_values

pytestmark = pytest.mark.django_db


def _files(payload: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _data(people) -> dict:
    return json.loads(_files(supporter_access_export(people["quentin"]))["data.json"])


def test_the_archive_holds_json_html_and_a_csv_per_list(people):
    files = _files(supporter_access_export(people["quentin"]))
    assert sorted(files) == [
        "actions.csv",
        "audit.csv",
        "consents.csv",
        "data.json",
        "index.html",
        "links.csv",
        "memberships.csv",
        "messages.csv",
        "pending_signups.csv",
        "phone_bank_claims.csv",
        "signups_received.csv",
    ]


def test_the_person_is_every_field_held(people):
    person = _data(people)["person"]
    quentin = people["quentin"]
    assert {key: person[key] for key in QUENTIN} == QUENTIN
    assert person["id"] == quentin.pk
    assert person["zip_code"] == "55007"
    assert person["district"] == str(people["districts"][0])
    assert person["language"] == "Español"
    assert person["sector"] == "Parents"
    assert person["youth"] is False
    assert person["email_consent_source"] == "import: sheet from Quentinius"
    assert person["erased_at"] is None


def test_tags_consents_and_memberships_are_his(people):
    data = _data(people)
    assert data["tags"] == ["Zebrafish club of Marchettova", "non-constituent"]
    [consent] = data["consents"]
    assert consent["channel"] == "Email"
    assert consent["event"] == "Granted"
    assert consent["source"] == "import: sheet from Quentinius"
    assert consent["campaign"] == "Alcohol-free county parks"
    assert consent["wording"] == f"Yes, email {QUENTIN['email']}"
    # Recruited by the neighbour: said, but never who.
    assert data["memberships"] == [
        {
            "campaign": "Alcohol-free county parks",
            "joined_at": data["memberships"][0]["joined_at"],
            "joined_through": "public_form",
            "recruited_through_a_share_link": True,
        }
    ]


def test_actions_carry_campaign_kind_status_target_and_note(people):
    actions = _data(people)["actions"]
    assert [(a["kind"], a["status"], a["target_member"], a["outcome_note"]) for a in actions] == [
        ("Call", "Completed", "Member 1", QUENTIN_NOTE),
        ("Letter", "Pledged", "", ""),
    ]
    assert {a["campaign"] for a in actions} == {"Alcohol-free county parks"}


def test_messages_show_kind_channel_time_and_status_only(people):
    messages = _data(people)["messages"]
    assert sorted((m["kind"], m["channel"], m["status"]) for m in messages) == [
        ("Pledge follow-up", "Email", "Failed"),
        ("Pledge follow-up", "Email", "Pending"),
        ("Pledge follow-up", "Email", "Sent"),
    ]
    assert set(messages[0]) == {
        "kind",
        "channel",
        "campaign",
        "language",
        "scheduled_for",
        "sent_at",
        "status",
    }


def test_signups_links_claims_and_the_notes_on_imports_and_audit(people):
    data = _data(people)
    [pending] = data["pending_signups"]
    assert pending["asked_for"] == "call"
    assert set(pending) == {"campaign", "received_at", "confirmed_at", "asked_for"}
    assert [row["campaign"] for row in data["signups_received"]] == ["Alcohol-free county parks"]
    assert sorted(link["purpose"] for link in data["links"]) == [
        "Personal action page",
        "Share link",
    ]
    assert set(data["links"][0]) == {"purpose", "campaign", "created_at", "revoked_at"}
    assert len(data["phone_bank_claims"]) == 1
    assert data["imports"].startswith("Imports are not recorded per person")
    assert [(row["source"], row["action"], row["about"]) for row in data["audit"]] == [
        ("audit trail", "create", "supporter"),
        ("audit trail", "update", "supporter"),  # a tag added
        ("audit trail", "update", "supporter"),  # another
        ("audit trail", "update", "supporter"),  # email consent
        ("audit trail", "create", "consent event"),
        ("audit trail", "create", "membership"),
        ("audit trail", "create", "action"),
        ("audit trail", "create", "action"),
        ("admin history", "added", "their record"),
    ]
    # Which fields changed, never their values (those are in "person").
    assert data["audit"][3]["detail"] == "email_consent_at, email_consent_source"


def test_a_download_is_recorded_in_the_audit_trail(
    people, client, coordinator, django_capture_on_commit_callbacks
):
    from auditlog.models import LogEntry as TrailEntry

    client.force_login(coordinator)
    quentin = people["quentin"]
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("admin:campaign_supporter_access", args=[quentin.pk]))
    entry = TrailEntry.objects.get(additional_data__event="access_download")
    assert (entry.actor, entry.additional_data["supporter"]) == (coordinator, quentin.pk)


def test_no_file_holds_anything_of_the_neighbour(people):
    files = _files(supporter_access_export(people["quentin"]))
    for name, text in files.items():
        for value in neighbour_values():
            assert value.lower() not in text.lower(), (name, value)


def test_the_neighbours_own_export_holds_her_values(people):
    # The absence test above could pass on an empty archive; this one cannot.
    text = _files(supporter_access_export(people["neighbour"]))["data.json"]
    for value in (NEIGHBOUR["email"], NEIGHBOUR["notes"], NEIGHBOUR["street_address"]):
        assert value in text


def test_the_html_is_escaped(people):
    quentin = people["quentin"]
    quentin.notes = "<script>alert(1)</script>"
    quentin.save()
    html = _files(supporter_access_export(quentin))["index.html"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_change_page_downloads_the_archive(people, client, coordinator):
    client.force_login(coordinator)
    quentin = people["quentin"]
    page = client.get(reverse("admin:campaign_supporter_change", args=[quentin.pk]))
    url = reverse("admin:campaign_supporter_access", args=[quentin.pk])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"access-request-{quentin.pk}-" in response["Content-Disposition"]
    assert QUENTIN["email"] in _files(response.content)["data.json"]


def test_a_viewer_cannot_download_it(people, client, viewer):
    client.force_login(viewer)
    url = reverse("admin:campaign_supporter_access", args=[people["quentin"].pk])
    assert client.get(url).status_code == 403


def test_the_admin_action_downloads_one_archive_per_person(people, client, coordinator):
    client.force_login(coordinator)
    ids = [people["quentin"].pk, people["neighbour"].pk]
    response = client.post(
        reverse("admin:campaign_supporter_changelist"),
        {"action": "access_export_selected", "_selected_action": ids},
    )
    assert response.status_code == 200
    assert sorted(_files_binary(response.content)) == sorted(
        f"access-request-{pk}.zip" for pk in ids
    )


def _files_binary(payload: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return archive.namelist()


def test_the_command_writes_the_archive_by_email_or_id(people, tmp_path):
    out = tmp_path / "quentin.zip"
    call_command("supporter_access", QUENTIN["email"].upper(), "--out", str(out))
    assert json.loads(_files(out.read_bytes())["data.json"])["person"]["id"] == people["quentin"].pk
    call_command("supporter_access", str(people["quentin"].pk), "--out", str(out))
    assert QUENTIN["phone"] in _files(out.read_bytes())["data.json"]
    assert out.stat().st_mode & 0o777 == 0o600


def test_the_command_says_when_nobody_matches(people, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No supporter with id or email 'nobody@example.org'"):
        call_command("supporter_access", "nobody@example.org", "--out", str(tmp_path / "x.zip"))
