"""The upload shows how the file will be read; Start import answers at once
with a queued job; the progress page shows it."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign.models import ImportJob
from campaign.services import imports

pytestmark = pytest.mark.django_db

CSV = b"first_name,email\nAna,ana@example.org\n"


def upload_and_start(client, data):
    """Upload, then Start import on the preview (tests/import_presets covers the preview)."""
    preview = client.post(reverse("imports:upload"), data)
    assert preview.status_code == 302 and ImportJob.objects.count() == 0
    return client.post(preview["Location"])


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(imports, "_enqueue", calls.append)
    return calls


def test_the_upload_creates_a_queued_job_and_redirects_to_its_page(
    client, coordinator, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_and_start(client, {"file": SimpleUploadedFile("people.csv", CSV)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert (job.status, job.started_by, job.file.read()) == ("queued", coordinator, CSV)
    assert enqueued == [job.pk]


def test_the_upload_refuses_a_file_that_is_not_csv_or_excel(client, coordinator, enqueued):
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:upload"), {"file": SimpleUploadedFile("people.ods", b"PK")}
    )
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_viewer_cannot_upload(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("imports:upload")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_progress_page_shows_processed_of_total_and_refreshes(client, coordinator):
    job = ImportJob(status="running", total_rows=100_000, processed_rows=25_000)
    job.file.save("people.csv", ContentFile(CSV), save=False)
    job.save()
    client.force_login(coordinator)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "25,000 of 100,000 rows processed" in page
    assert 'http-equiv="refresh"' in page


def test_the_progress_page_lists_the_errors_escaped(client, coordinator):
    job = ImportJob(
        status="done",
        total_rows=2,
        processed_rows=2,
        created_rows=1,
        errors=[{"row": 3, "field": "email", "error": "<b>bad</b>"}],
    )
    job.file.save("people.csv", ContentFile(CSV), save=False)
    job.save()
    client.force_login(coordinator)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "<td>3</td><td>email</td><td>&lt;b&gt;bad&lt;/b&gt;</td>" in page
    assert 'http-equiv="refresh"' not in page


NOTE = "paper sign-up sheet, Oct 3 town hall"


def test_the_upload_asks_which_campaign_and_which_consents_the_file_attests(
    client, coordinator, enqueued, pine_county
):
    client.force_login(coordinator)
    page = client.get(reverse("imports:upload")).content.decode()
    assert 'name="campaign"' in page and 'name="consents"' in page
    response = upload_and_start(
        client,
        {
            "file": SimpleUploadedFile("people.csv", CSV),
            "campaign": pine_county["campaign"].pk,
            "consents": ["email", "sms"],
            "consent_note": NOTE,
        },
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.campaign, job.attested_consents, job.consent_note) == (
        pine_county["campaign"],
        ["email", "sms"],
        NOTE,
    )


def test_an_attested_consent_needs_a_note_saying_where_they_agreed(
    client, coordinator, enqueued, pine_county
):
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:upload"),
        {"file": SimpleUploadedFile("people.csv", CSV), "consents": ["email"]},
    )
    assert response.status_code == 400
    assert "consent_note" in response.context["form"].errors
    assert ImportJob.objects.count() == 0


def test_text_consent_needs_the_campaign_its_yes_request_names(
    client, coordinator, enqueued, pine_county
):
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:upload"),
        {
            "file": SimpleUploadedFile("people.csv", CSV),
            "consents": ["sms"],
            "consent_note": NOTE,
        },
    )
    assert response.status_code == 400
    assert "campaign" in response.context["form"].errors
    assert ImportJob.objects.count() == 0


def test_the_upload_takes_an_excel_file(client, coordinator, enqueued):
    from tests.admin.helpers import xlsx

    client.force_login(coordinator)
    content = xlsx([["first_name", "email"], ["Ana", "ana@example.org"]])
    response = upload_and_start(client, {"file": SimpleUploadedFile("people.xlsx", content)})
    assert response.status_code == 302
    assert ImportJob.objects.get().file.name.endswith(".xlsx")
