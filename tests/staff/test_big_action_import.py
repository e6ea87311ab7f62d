"""Privacy hole 1, the last part: an action file past the admin's in-request
limits runs as a background job (like /imports/) instead of being refused.

The limit is made small (20 rows) so the files stay small."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaign.models import Action, ActionStatus, ImportJob
from campaign.services.imports import import_job_run
from tests import factories
from tests.admin.helpers import XLSX, upload, xlsx

pytestmark = pytest.mark.django_db

LIMIT = 20
HEADER = ["supporter_email", "campaign", "kind", "status", "completed_at"]
SLUG = "parks-alcohol-ordinance"


@pytest.fixture
def people(pine_county, settings):
    settings.ADMIN_IMPORT_MAX_ROWS = LIMIT
    district = pine_county["districts"][0]
    return [
        factories.SupporterFactory(email=f"p{i}@example.org", district=district)
        for i in range(LIMIT + 1)
    ]


def _rows(count: int, *, bad_at: int | None = None) -> list[list[str]]:
    """`count` completed calls, one per person; the data row `bad_at`
    (0-based) names a supporter nobody has."""
    rows = []
    for i in range(count):
        email = "nobody@example.org" if i == bad_at else f"p{i}@example.org"
        rows.append([email, SLUG, "call", "completed", f"2026-10-0{1 + i % 9} 12:00"])
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [HEADER, *rows]).encode() + b"\n"


def _job(response) -> ImportJob:
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    return job


def test_a_file_over_the_row_limit_goes_to_a_job_and_nothing_is_written_in_the_request(
    coordinator_client, people
):
    response = upload(coordinator_client, "action", _csv(_rows(LIMIT + 1)), "calls.csv")

    job = _job(response)
    assert (job.kind, job.status, job.started_by.username) == ("actions", "queued", "coordinator")
    assert Action.objects.count() == 0


def test_the_job_creates_exactly_the_rows_actions(coordinator_client, people):
    job = _job(upload(coordinator_client, "action", _csv(_rows(LIMIT + 1)), "calls.csv"))

    job = import_job_run(job_id=job.pk)

    assert (job.status, job.total_rows, job.created_rows, job.updated_rows, job.errors) == (
        ImportJob.Status.DONE,
        LIMIT + 1,
        LIMIT + 1,
        0,
        [],
    )
    assert sorted(Action.objects.values_list("supporter__email", "kind", "status", "source")) == (
        sorted((f"p{i}@example.org", "call", ActionStatus.COMPLETED, "import") for i in range(21))
    )


def test_a_bad_row_is_reported_with_its_line_and_the_others_land(coordinator_client, people):
    # Data row 6 is spreadsheet line 7 (the header is line 1).
    content = _csv(_rows(LIMIT + 1, bad_at=5))
    job = _job(upload(coordinator_client, "action", content, "calls.csv"))

    job = import_job_run(job_id=job.pk)

    assert job.errors == [
        {"row": 7, "field": "supporter", "error": "No supporter with this email or phone."}
    ]
    assert (job.created_rows, Action.objects.count()) == (LIMIT, LIMIT)


def test_a_second_run_of_the_same_file_adds_nothing(coordinator_client, people):
    content = _csv(_rows(LIMIT + 1))
    first = _job(upload(coordinator_client, "action", content, "calls.csv"))
    import_job_run(job_id=first.pk)

    response = upload(coordinator_client, "action", content, "calls.csv")
    second = ImportJob.objects.exclude(pk=first.pk).get()
    assert response["Location"] == f"/imports/{second.pk}/"
    second = import_job_run(job_id=second.pk)

    assert (second.status, second.created_rows, second.updated_rows) == ("done", 0, 0)
    assert Action.objects.count() == LIMIT + 1


def test_an_xlsx_over_the_row_limit_goes_to_a_job_too(coordinator_client, people):
    content = xlsx([HEADER, *_rows(LIMIT + 1)])
    job = _job(upload(coordinator_client, "action", content, "calls.xlsx", XLSX))

    job = import_job_run(job_id=job.pk)

    assert (job.status, job.created_rows) == ("done", LIMIT + 1)


def test_the_request_reads_no_more_than_the_limit_plus_one_row(
    coordinator_client, people, monkeypatch
):
    from campaign.services import action_imports

    seen = []
    records = action_imports._records

    def counting(handle, **kwargs):
        for cells in records(handle, **kwargs):
            seen.append(cells)
            yield cells

    monkeypatch.setattr(action_imports, "_records", counting)
    # Far more rows than the limit (people beyond p20 do not exist: only the
    # job would find out).
    rows = _rows(LIMIT + 1) * 50

    response = upload(coordinator_client, "action", _csv(rows), "calls.csv")

    assert _job(response).kind == "actions"
    # The header and LIMIT rows are handed on; reading row LIMIT + 1 stops
    # it: the file is a job. The other 1,029 rows are left to the worker.
    assert len(seen) == LIMIT + 1
    assert Action.objects.count() == 0


def test_a_file_over_the_in_request_size_goes_to_a_job(coordinator_client, people, settings):
    settings.ADMIN_IMPORT_MAX_ROWS = 5000
    settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES = 200
    content = _csv(_rows(5))
    assert len(content) > 200

    job = _job(upload(coordinator_client, "action", content, "calls.csv"))

    assert (import_job_run(job_id=job.pk).created_rows, Action.objects.count()) == (5, 5)


def test_a_file_over_the_background_size_is_refused(coordinator_client, people, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    response = upload(coordinator_client, "action", _csv(_rows(5)), "calls.csv")

    assert response.context["form"].errors["import_file"] == [
        "This file is larger than 200\xa0bytes: split it."
    ]
    assert ImportJob.objects.count() == 0


def test_a_small_file_keeps_the_preview_and_confirm(coordinator_client, people):
    response = upload(coordinator_client, "action", _csv(_rows(LIMIT)), "calls.csv")

    assert response.status_code == 200
    assert response.context.get("confirm_form") is not None
    assert (ImportJob.objects.count(), Action.objects.count()) == (0, 0)


def test_a_job_file_without_the_needed_columns_fails_with_the_reason(db, settings):
    from campaign.services.imports import import_job_create

    job = import_job_create(
        file=SimpleUploadedFile("a.csv", b"email,kind\nana@example.org,call\n"), kind="actions"
    )

    job = import_job_run(job_id=job.pk)

    assert (job.status, job.errors) == (
        "failed",
        [
            {
                "row": None,
                "field": "",
                "error": "The file needs the columns campaign, kind and "
                "supporter_email or supporter_phone.",
            }
        ],
    )


def test_the_progress_page_names_actions(coordinator_client, people):
    job = _job(upload(coordinator_client, "action", _csv(_rows(LIMIT + 1)), "calls.csv"))
    import_job_run(job_id=job.pk)

    page = coordinator_client.get(f"/imports/{job.pk}/").content.decode()

    assert "Actions created" in page
    assert "Supporters created" not in page
    assert "They agreed to" not in page
    assert 'href="/admin/campaign/action/import/"' in page
