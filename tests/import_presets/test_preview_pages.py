"""The two-step upload: the preview shows the tool, the mapping and the first
rows and writes nothing; Start import queues the job with its source and
mapping."""

import datetime as dt
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaign.models import ConsentEvent, ImportJob, Message, Supporter, SupporterIdentifier
from campaign.services import imports
from campaign.services.privacy import import_previews_delete

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(imports, "_enqueue", calls.append)
    return calls


def upload(client, name, **answers):
    data = {"file": SimpleUploadedFile(name, fixture_bytes(name)), **answers}
    return client.post(reverse("imports:upload"), data)


def nothing_written():
    return (
        ImportJob.objects.count(),
        Supporter.objects.count(),
        ConsentEvent.objects.count(),
        Message.objects.count(),
        SupporterIdentifier.objects.count(),
    ) == (0, 1, 0, 0, 0)


def test_the_upload_leads_to_the_preview_and_writes_nothing(client, coordinator, rosa):
    client.force_login(coordinator)
    response = upload(client, "action_network.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/imports/preview/")
    assert nothing_written()


def test_the_preview_shows_the_recognised_tool_the_mapping_and_the_first_rows(
    client, coordinator, rosa, pine_county
):
    client.force_login(coordinator)
    location = upload(client, "action_network.csv", campaign=pine_county["campaign"].pk)["Location"]
    response = client.get(location)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Action Network (recognised from the header row)" in page
    assert "<tr><td>can2_subscription_status</td><td>Agreed to emails</td></tr>" in page
    assert '<tr><td>County</td><td><span class="text-body-secondary">not imported' in page
    rows = response.context["rows"]
    assert [row["row"] for row in rows] == [2, 3, 4, 5, 6]
    assert rows[0]["person"].first_name == "José" and rows[0]["person"].consents == ("email", "sms")
    assert rows[3]["problems"] == [
        {"row": 5, "field": "email", "error": "Enter a valid email address."}
    ]
    assert "12 Elm St" not in page  # only the columns listed are shown
    assert nothing_written()


def test_a_picked_tool_is_said_to_be_picked(client, coordinator, rosa):
    client.force_login(coordinator)
    location = upload(client, "van.csv", source="van")["Location"]
    assert "EveryAction/VAN (as you picked)" in client.get(location).content.decode()


def test_a_picked_tool_whose_columns_the_file_lacks_is_refused_at_the_field(
    client, coordinator, enqueued
):
    client.force_login(coordinator)
    response = upload(client, "van.csv", source="mobilize")
    assert response.status_code == 400
    assert response.context["form"].errors["source"] == [
        "This file does not have the Mobilize export's columns for a first name "
        "and an email or phone."
    ]
    assert ImportJob.objects.count() == 0


def test_ticking_consents_for_a_tool_export_is_refused(client, coordinator, enqueued):
    client.force_login(coordinator)
    response = upload(
        client, "nationbuilder.csv", consents=["email"], consent_note="NationBuilder list"
    )
    assert response.status_code == 400
    assert "consents" in response.context["form"].errors


def test_start_import_queues_the_job_with_its_source_and_mapping(
    client, coordinator, rosa, pine_county, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    location = upload(client, "mobilize.csv", campaign=pine_county["campaign"].pk)["Location"]
    staged = client.get(location).context["staged"]["path"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(location)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert (job.source, job.campaign, job.started_by) == (
        "mobilize",
        pine_county["campaign"],
        coordinator,
    )
    assert job.column_map["SMS opt-in status"] == "sms_opt_in"
    assert job.column_map["User ID"] == "foreign_id"
    assert job.file.read() == fixture_bytes("mobilize.csv")
    assert enqueued == [job.pk]
    assert not default_storage.exists(staged)


def test_the_confirmed_job_imports_the_file_as_previewed(
    client, coordinator, rosa, pine_county, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    location = upload(client, "van.csv", campaign=pine_county["campaign"].pk)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(location)
    job = imports.import_job_run(job_id=ImportJob.objects.get().pk)
    assert (job.status, job.total_rows, job.created_rows, job.updated_rows) == ("done", 5, 2, 2)
    assert job.errors == [{"row": 4, "field": "zip_code", "error": "Enter a 5-digit ZIP code."}]
    assert sorted(SupporterIdentifier.objects.values_list("value", flat=True)) == [
        "100001",
        "100002",
        "100004",
    ]


def test_a_second_click_on_start_import_makes_no_second_job(
    client, coordinator, rosa, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    location = upload(client, "nationbuilder.csv")["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(location)
    response = client.post(location)
    assert response["Location"] == reverse("imports:upload")
    assert ImportJob.objects.count() == 1


def test_a_tampered_preview_link_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert (
        client.get(
            reverse("imports:preview", args=["eyJwYXRoIjoiL2V0Yy9wYXNzd2QifQ:x:y"])
        ).status_code
        == 404
    )


def test_a_viewer_cannot_see_a_preview(client, coordinator, viewer, rosa):
    client.force_login(coordinator)
    location = upload(client, "van.csv")["Location"]
    client.force_login(viewer)
    assert client.get(location).status_code == 403


def test_a_preview_never_confirmed_is_deleted_by_the_retention_pass(client, coordinator, rosa):
    client.force_login(coordinator)
    location = upload(client, "van.csv")["Location"]
    staged = client.get(location).context["staged"]["path"]
    day_old = (timezone.now() - dt.timedelta(hours=25)).timestamp()
    os.utime(default_storage.path(staged), (day_old, day_old))
    assert import_previews_delete(now=timezone.now()) == 1
    assert client.get(location)["Location"] == reverse("imports:upload")


def test_the_jobs_page_names_the_tool_and_where_consent_comes_from(
    client, coordinator, rosa, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    location = upload(client, "nationbuilder.csv")["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(client.post(location)["Location"]).content.decode()
    assert '<dd class="col-sm-9" id="source">NationBuilder</dd>' in page
    assert "what each row's opt-in columns say" in page
    assert "nothing stated" not in page
